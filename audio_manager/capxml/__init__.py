"""OASIS Common Alerting Protocol 1.2, pure: writing alerts (``document``), reading them safely
(``reading``: no DTD, no entities, bounded size), checking them against the official schema
(``schema``, the vendored ``CAP-v1.2.xsd``) and the Atom feeds that list them (``atom``).

No Flask, no database: the services give plain values and get bytes or dataclasses back.
"""

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
