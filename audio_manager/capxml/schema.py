"""The official CAP 1.2 schema (OASIS ``CAP-v1.2.xsd``, vendored beside this file with its
notice) and a check of a document against it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

XSD_PATH = Path(__file__).with_name("CAP-v1.2.xsd")


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def errors(document: bytes) -> list[str]:
    """What makes ``document`` invalid CAP 1.2 (empty when it is valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed: {error}"]
    schema = _schema()
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
