"""Reading CAP alerts from outside, safely: bounded size, no DTD (so no entity expansion, no
"billion laughs", no external entities), no network, then only the parts the server uses.

``parse`` raises ``CapError`` with a code and a plain-English reason; callers translate.
"""

from __future__ import annotations

import re

from lxml import etree

from . import ATOM_NS, CAP_NS
from .document import Alert, Area, Geocode, Info, Reference, Resource

CAP_NAMESPACES = (CAP_NS, "urn:oasis:names:tc:emergency:cap:1.1")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class CapError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _heads(head: bytes) -> list[bytes]:
    """The document's start as bytes, and re-encoded as UTF-8 when it is UTF-16 or UTF-32
    (where "<!DOCTYPE" is not those bytes)."""
    out = [head]
    if b"\x00" in head[:4]:
        for codec in ("utf-32", "utf-16", "utf-16-le", "utf-16-be"):
            out.append(head.decode(codec, "ignore").encode("utf-8", "ignore"))
    return out


def parse_xml(data: bytes, max_bytes: int) -> etree._Element:
    """The document's root, refused when too large, not XML, or carrying a DTD."""
    if len(data) > max_bytes:
        raise CapError("too_large", f"larger than {max_bytes} bytes")
    if any(_DOCTYPE.search(head) for head in _heads(data[:65536])):
        raise CapError("doctype", "a DOCTYPE or ENTITY declaration is not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise CapError("malformed", f"not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise CapError("doctype", "a DOCTYPE declaration is not accepted")
    return root


def _text(node: etree._Element | None, name: str, ns: str) -> str:
    if node is None:
        return ""
    found = node.find(f"{{{ns}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _all(node: etree._Element, name: str, ns: str) -> list[etree._Element]:
    return node.findall(f"{{{ns}}}{name}")


def parse_references(text: str) -> tuple[Reference, ...]:
    refs = []
    for part in text.split():
        pieces = part.split(",")
        if len(pieces) == 3 and all(pieces):
            refs.append(Reference(*pieces))
    return tuple(refs)


def _area(node: etree._Element, ns: str) -> Area:
    codes = tuple(
        Geocode(_text(g, "valueName", ns), _text(g, "value", ns)) for g in _all(node, "geocode", ns)
    )
    return Area(_text(node, "areaDesc", ns), codes)


def _info(node: etree._Element, ns: str) -> Info:
    resources = tuple(
        Resource(
            _text(r, "resourceDesc", ns),
            _text(r, "mimeType", ns),
            int(_text(r, "size", ns)) if _text(r, "size", ns).isdigit() else None,
            _text(r, "uri", ns) or None,
            _text(r, "digest", ns) or None,
        )
        for r in _all(node, "resource", ns)
    )
    return Info(
        language=_text(node, "language", ns) or "en-US",  # the standard's default
        categories=tuple((c.text or "").strip() for c in _all(node, "category", ns)),
        event=_text(node, "event", ns),
        urgency=_text(node, "urgency", ns),
        severity=_text(node, "severity", ns),
        certainty=_text(node, "certainty", ns),
        headline=_text(node, "headline", ns),
        description=_text(node, "description", ns),
        instruction=_text(node, "instruction", ns),
        sender_name=_text(node, "senderName", ns),
        effective=_text(node, "effective", ns) or None,
        expires=_text(node, "expires", ns) or None,
        web=_text(node, "web", ns) or None,
        resources=resources,
        areas=tuple(_area(a, ns) for a in _all(node, "area", ns)),
    )


def alert_from(root: etree._Element) -> Alert:
    """An alert element read into plain values; the fields every alert needs are checked."""
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "alert" or ns not in CAP_NAMESPACES:
        raise CapError("not_cap", "the document is not a CAP alert")
    alert = Alert(
        identifier=_text(root, "identifier", ns),
        sender=_text(root, "sender", ns),
        sent=_text(root, "sent", ns),
        msg_type=_text(root, "msgType", ns),
        status=_text(root, "status", ns),
        scope=_text(root, "scope", ns),
        note=_text(root, "note", ns),
        references=parse_references(_text(root, "references", ns)),
        infos=tuple(_info(i, ns) for i in _all(root, "info", ns)),
    )
    missing = [
        name
        for name, value in (
            ("identifier", alert.identifier),
            ("sender", alert.sender),
            ("sent", alert.sent),
            ("status", alert.status),
            ("msgType", alert.msg_type),
        )
        if not value
    ]
    if missing:
        raise CapError("incomplete", "missing " + ", ".join(missing))
    if alert.msg_type not in ("Alert", "Update", "Cancel", "Ack", "Error"):
        raise CapError("incomplete", f"unknown msgType {alert.msg_type[:40]!r}")
    if len(alert.identifier) > 255 or len(alert.sender) > 255 or len(alert.sent) > 64:
        raise CapError("incomplete", "identifier, sender or sent is too long")
    return alert


def parse(data: bytes, max_bytes: int) -> Alert:
    return alert_from(parse_xml(data, max_bytes))


def feed_items(root: etree._Element) -> tuple[list[Alert], list[str]]:
    """From an Atom feed: the alerts embedded in its entries, and the links to the others."""
    alerts: list[Alert] = []
    links: list[str] = []
    for entry in root.findall(f"{{{ATOM_NS}}}entry"):
        embedded = [node for ns in CAP_NAMESPACES for node in entry.iter(f"{{{ns}}}alert")]
        if embedded:
            alerts.append(alert_from(embedded[0]))
            continue
        chosen = None
        for link in entry.findall(f"{{{ATOM_NS}}}link"):
            href = (link.get("href") or "").strip()
            kind = link.get("type") or ""
            if href and ("cap" in kind or "xml" in kind or chosen is None):
                chosen = href
        if chosen:
            links.append(chosen)
    return alerts, links


def is_atom(root: etree._Element) -> bool:
    return etree.QName(root).namespace == ATOM_NS and etree.QName(root).localname == "feed"
