"""CAP 1.2 alerts out and in: the CAP settings (defaults and an admin's overrides), publishing
approved emergency messages as alerts (Alert, Update, Cancel) and the feed that lists them,
upstream sources, and turning their alerts into draft emergency messages.
May import: the kernel, every other services package, models, ``capxml``, ``signed_links``."""
