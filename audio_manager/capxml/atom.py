"""The Atom feed (RFC 4287) that lists current alerts, each entry linking to its alert's own
URL (the layout of the OASIS "CAP feeds" note: one entry per alert, ``application/cap+xml``)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import ATOM_NS

CAP_MIME = "application/cap+xml"


@dataclass(frozen=True)
class Entry:
    id: str  # a URI that never changes for this alert
    title: str
    updated: str  # RFC 3339
    link: str
    summary: str = ""


def _add(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", **attrs)
    if text:
        node.text = text
    return node


def build(feed_id: str, title: str, self_url: str, updated: str, entries: list[Entry]) -> bytes:
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _add(root, "id", feed_id)
    _add(root, "title", title)
    _add(root, "updated", updated)
    _add(root, "link", "", rel="self", href=self_url, type="application/atom+xml")
    author = _add(root, "author", "")
    _add(author, "name", title)
    for item in entries:
        entry = _add(root, "entry", "")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "updated", item.updated)
        _add(entry, "link", "", rel="alternate", href=item.link, type=CAP_MIME)
        if item.summary:
            _add(entry, "summary", item.summary)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
