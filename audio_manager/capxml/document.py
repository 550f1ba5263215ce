"""Writing one CAP 1.2 alert: plain dataclasses in, UTF-8 XML out, elements in the order the
schema requires."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from . import CAP_NS

MSG_TYPES = ("Alert", "Update", "Cancel")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
)  # fmt: skip
# Identifiers and senders: no spaces, commas or the two characters XML reserves (CAP 1.2 §3.2.1).
_TOKEN = re.compile(r"^[^\s,<&]+$")
# Characters XML 1.0 cannot carry at all (a script may hold a stray control character).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def is_token(value: str) -> bool:
    return bool(_TOKEN.match(value or ""))


def cap_time(moment: datetime, zone: object = UTC) -> str:
    """A CAP date-time: seconds, an explicit offset, never "Z" (CAP 1.2 §3.3.2)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    local = moment.astimezone(zone).replace(microsecond=0)  # type: ignore[arg-type]
    text = local.isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: str  # as it was written in that alert

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


@dataclass(frozen=True)
class Resource:
    description: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    digest: str | None = None  # SHA-1, hex


@dataclass(frozen=True)
class Geocode:
    name: str
    value: str


@dataclass(frozen=True)
class Area:
    description: str
    geocodes: tuple[Geocode, ...] = ()


@dataclass(frozen=True)
class Info:
    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    effective: str | None = None
    expires: str | None = None
    web: str | None = None
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: str
    msg_type: str
    status: str = "Actual"
    scope: str = "Public"
    note: str = ""
    references: tuple[Reference, ...] = ()
    infos: tuple[Info, ...] = field(default_factory=tuple)


def _add(parent: etree._Element, name: str, text: str | int | None) -> None:
    if text is None or text == "":
        return
    etree.SubElement(parent, f"{{{CAP_NS}}}{name}").text = _NOT_XML.sub("", str(text))


def _info(parent: etree._Element, info: Info) -> None:
    node = etree.SubElement(parent, f"{{{CAP_NS}}}info")
    _add(node, "language", info.language)
    for category in info.categories:
        _add(node, "category", category)
    _add(node, "event", info.event)
    _add(node, "urgency", info.urgency)
    _add(node, "severity", info.severity)
    _add(node, "certainty", info.certainty)
    _add(node, "effective", info.effective)
    _add(node, "expires", info.expires)
    _add(node, "senderName", info.sender_name)
    _add(node, "headline", info.headline)
    _add(node, "description", info.description)
    _add(node, "instruction", info.instruction)
    _add(node, "web", info.web)
    for resource in info.resources:
        res = etree.SubElement(node, f"{{{CAP_NS}}}resource")
        _add(res, "resourceDesc", resource.description)
        _add(res, "mimeType", resource.mime_type)
        _add(res, "size", resource.size)
        _add(res, "uri", resource.uri)
        _add(res, "digest", resource.digest)
    for area in info.areas:
        block = etree.SubElement(node, f"{{{CAP_NS}}}area")
        _add(block, "areaDesc", area.description)
        for code in area.geocodes:
            geo = etree.SubElement(block, f"{{{CAP_NS}}}geocode")
            _add(geo, "valueName", code.name)
            _add(geo, "value", code.value)


def build(alert: Alert) -> bytes:
    """The alert as UTF-8 XML with its declaration."""
    if alert.msg_type not in MSG_TYPES:
        raise ValueError(f"msgType {alert.msg_type!r}")
    if not (is_token(alert.identifier) and is_token(alert.sender)):
        raise ValueError("identifier and sender take no spaces, commas, < or &")
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", alert.sent)
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", " ".join(ref.text() for ref in alert.references))
    for info in alert.infos:
        _info(root, info)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
