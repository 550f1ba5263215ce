"""Turning what a source sends into drafts: each new, actual alert whose area meets ours becomes
a **draft emergency message** (title from its headline, validity from effective/expires) with
the alert's text per language kept ready for speech; it waits for the usual four-eyes approval
and is never broadcast before. An Update or a Cancel from the source is recorded against that
message and shown on it. Everything a document brings is one row of the ingest log, whatever
became of it; a document refused (too large, not XML, a DTD, not CAP) changes nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app

from ...capxml import document, reading
from ...extensions import db
from ...models import CapInbound, CapSource, Message, Priority
from ...models.base import utcnow
from .. import audit
from ..context import Actor
from ..errors import ServiceError
from ..messages import messages
from . import matching
from .settings import current

LIVE_RESULTS = ("new", "update", "cancel", "no_area")
Fetch = Callable[[str], bytes]  # a link in a feed → the alert's bytes (raises CapError)
MAX_LINKS = 50  # alerts fetched from one feed, at most
LINK_NOT_FETCHED = "a linked alert is fetched only by polling"


def our_language(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag.startswith("vi"):
        return "kinh"
    if tag.startswith(("zh", "cmn", "yue")):
        return "hoa"
    if tag.startswith("km"):
        return "khmer"
    return None


def texts_of(alert: document.Alert) -> dict[str, str]:
    """Per language of ours: headline, description and instruction, ready for speech."""
    limit = current_app.config["MAX_SCRIPT_CHARS"]
    out: dict[str, str] = {}
    for info in alert.infos:
        code = our_language(info.language)
        if code is None or code in out:
            continue
        parts = [p for p in (info.headline, info.description, info.instruction) if p]
        text = "\n".join(dict.fromkeys(parts)).strip()
        if text:
            out[code] = text[:limit]
    return out


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _row(source: CapSource, result: str, detail: str = "", **fields: object) -> CapInbound:
    row = CapInbound(source_id=source.id, result=result, detail=detail[:4000], **fields)
    db.session.add(row)
    return row


def _identity(alert: document.Alert, size: int, url: str | None) -> dict[str, object]:
    headline = next((i.headline for i in alert.infos if i.headline), "") or next(
        (i.event for i in alert.infos if i.event), ""
    )
    return {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "msg_type": alert.msg_type,
        "status": alert.status[:16],
        "references": " ".join(r.text() for r in alert.references)[:4000] or None,
        "headline": headline[:400] or None,
        "size": size,
        "url": url,
    }


def _known(alert: document.Alert) -> CapInbound | None:
    """The message an Update or Cancel refers to, through the alerts it names."""
    for ref in reversed(alert.references):
        row = db.session.scalar(
            db.select(CapInbound)
            .where(
                CapInbound.sender == ref.sender,
                CapInbound.identifier == ref.identifier,
                CapInbound.message_id.is_not(None),
            )
            .order_by(CapInbound.id.desc())
        )
        if row is not None:
            return row
    return None


def _title(alert: document.Alert) -> str:
    ours = sorted(alert.infos, key=lambda i: our_language(i.language) != "kinh")
    title = next((i.headline for i in ours if i.headline), "") or next(
        (i.event for i in ours if i.event), ""
    )
    return (" ".join(title.split()) or f"CAP {alert.identifier}")[: messages.MAX_TITLE]


def _new_message(actor: Actor, alert: document.Alert, now: datetime) -> Message | str:
    """The draft emergency message, or why none is made (already over)."""
    first = alert.infos[0] if alert.infos else None
    starts = _when(first.effective if first else None) or _when(alert.sent)
    ends = _when(first.expires if first else None)
    if ends is not None and ends <= now:
        return "expired"
    if starts is not None and ends is not None and starts >= ends:
        starts = None
    event = next((i.event for i in alert.infos if i.event), "")
    return messages.create(
        actor,
        _title(alert),
        topic=f"CAP: {event}"[:120] if event else "CAP",
        priority=Priority.EMERGENCY,
        valid_from=starts,
        valid_until=ends,
    )


def handle(
    actor: Actor, source: CapSource, alert: document.Alert, size: int, url: str | None = None
) -> CapInbound:
    """Record one alert and act on it; the caller commits."""
    fields = _identity(alert, size, url)
    seen = db.session.scalar(  # from any source: an alert relayed twice makes one draft
        db.select(CapInbound.id).where(
            CapInbound.sender == alert.sender,
            CapInbound.identifier == alert.identifier,
            CapInbound.result.in_(LIVE_RESULTS),
        )
    )
    if seen is not None:
        return _row(source, "duplicate", "already received", **fields)
    if alert.status != "Actual" or alert.msg_type not in document.MSG_TYPES:
        return _row(source, "ignored", f"status {alert.status}, msgType {alert.msg_type}", **fields)
    texts = texts_of(alert)
    if alert.msg_type != "Alert":
        earlier = _known(alert)
        if earlier is not None:
            kind = "update" if alert.msg_type == "Update" else "cancel"
            found = matching.match(alert.infos, current().geocode_names)
            return _record(
                actor, source, kind, fields, earlier.message_id, found, texts, "refers to an alert"
            )
        if alert.msg_type == "Cancel":
            return _row(source, "ignored", "cancels an alert that made no message", **fields)
    found = matching.match(alert.infos, current().geocode_names)
    notes = _notes(found)
    if not found.areas:
        return _row(source, "no_area", notes or "no area of ours", **fields)
    made = _new_message(actor, alert, utcnow())
    if isinstance(made, str):
        return _row(source, "ignored", made, **fields)
    return _record(actor, source, "new", fields, made.id, found, texts, notes)


def _notes(found: matching.Match) -> str:
    notes = []
    if found.by_code:
        notes.append("codes: " + ", ".join(found.by_code))
    if found.by_name:
        notes.append("names: " + ", ".join(found.by_name))
    if found.ambiguous:
        notes.append("ambiguous names skipped: " + ", ".join(found.ambiguous))
    return "; ".join(notes)


def _record(
    actor: Actor,
    source: CapSource,
    kind: str,
    fields: dict[str, object],
    message_id: int | None,
    found: matching.Match,
    texts: dict[str, str],
    notes: str,
) -> CapInbound:
    row = _row(
        source,
        kind,
        notes,
        message_id=message_id,
        area_ids=[a.id for a in found.areas],
        texts=texts,
        **fields,
    )
    audit.record(
        actor,
        f"cap.ingest.{kind}",
        object_type="message",
        object_id=message_id,
        object_label=str(fields["identifier"])[:200],
        detail={"source": source.name, "sender": fields["sender"], "areas": row.area_ids},
    )
    return row


def receive(
    actor: Actor,
    source: CapSource,
    data: bytes,
    *,
    url: str | None = None,
    fetch: Fetch | None = None,
) -> list[CapInbound]:
    """One document from a source (an alert, or an Atom feed of alerts); the caller commits.
    A document that cannot be read leaves one "refused" row and nothing else."""
    limit = current_app.config["CAP_MAX_BYTES"]
    try:
        root = reading.parse_xml(data, limit)
        if reading.is_atom(root):
            alerts, links = reading.feed_items(root)
            items = [(a, len(data), url) for a in alerts]
        else:
            items, links = [(reading.alert_from(root), len(data), url)], []
    except reading.CapError as error:
        return [_row(source, "refused", f"{error.code}: {error.reason}", size=len(data), url=url)]
    rows = []
    for alert, size, where in items:
        rows.append(_safely(actor, source, alert, size, where))
    seen_links = set(
        db.session.scalars(db.select(CapInbound.url).where(CapInbound.source_id == source.id))
    )
    for link in [x for x in links if x not in seen_links][:MAX_LINKS]:
        if fetch is None:
            rows.append(_row(source, "ignored", LINK_NOT_FETCHED, url=link))
            continue
        try:
            body = fetch(link)
            rows.append(_safely(actor, source, reading.parse(body, limit), len(body), link))
        except reading.CapError as error:
            rows.append(_row(source, "refused", f"{error.code}: {error.reason}", url=link))
    return rows


def _safely(
    actor: Actor, source: CapSource, alert: document.Alert, size: int, url: str | None
) -> CapInbound:
    """``handle`` in a savepoint: a refusal leaves its log row and nothing half-made."""
    try:
        with db.session.begin_nested():
            return handle(actor, source, alert, size, url)
    except ServiceError as error:
        return _row(source, "refused", str(error.message), **_identity(alert, size, url))
