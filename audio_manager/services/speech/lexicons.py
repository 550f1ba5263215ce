"""The lexicons the normaliser reads: per language, a written form and how it is read
(abbreviations, names of places and offices). Every change is audited."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import LexiconEntry
from ...models.base import utcnow
from ...production.normalize import seed
from .. import audit
from ..context import Actor
from ..errors import NotFound, ValidationFailed
from . import preferences

MAX_WRITTEN, MAX_SPOKEN = 120, 300
SEEDS = {"kinh": seed.VIETNAMESE}


def _language(code: str) -> str:
    return preferences.language(code).code


def entries(language: str) -> list[LexiconEntry]:
    return list(
        db.session.scalars(
            db.select(LexiconEntry)
            .where(LexiconEntry.language == _language(language))
            .order_by(db.func.lower(LexiconEntry.written), LexiconEntry.written)
        )
    )


def as_mapping(language: str) -> dict[str, str]:
    rows = db.session.execute(
        db.select(LexiconEntry.written, LexiconEntry.spoken).where(
            LexiconEntry.language == language
        )
    )
    return {written: spoken for written, spoken in rows}


def _clean(written: str, spoken: str) -> tuple[str, str]:
    written, spoken = " ".join((written or "").split()), " ".join((spoken or "").split())
    if not written or not spoken:
        raise ValidationFailed(
            _l("Give both the written form and how it is read."), code="lexicon_empty"
        )
    if len(written) > MAX_WRITTEN or len(spoken) > MAX_SPOKEN:
        raise ValidationFailed(
            _l(
                "Too long: at most %(written)d characters written, %(spoken)d read.",
                written=MAX_WRITTEN,
                spoken=MAX_SPOKEN,
            ),
            code="lexicon_too_long",
        )
    return written, spoken


def _find(language: str, written: str) -> LexiconEntry | None:
    return db.session.scalar(
        db.select(LexiconEntry).where(
            LexiconEntry.language == language, LexiconEntry.written == written
        )
    )


def _stamp(entry: LexiconEntry, actor: Actor) -> None:
    entry.updated_at = utcnow()
    entry.updated_by_id = actor.user.id if actor.user else None


def save(
    actor: Actor, language: str, written: str, spoken: str, entry_id: int | None = None
) -> LexiconEntry:
    """Add an entry, or change one (by id, or the entry already written so)."""
    language = _language(language)
    written, spoken = _clean(written, spoken)
    entry = get(entry_id) if entry_id is not None else _find(language, written)
    clash = _find(language, written)
    if clash is not None and entry is not None and clash.id != entry.id:
        raise ValidationFailed(
            _l("%(written)s is already in the lexicon.", written=written), code="lexicon_exists"
        )
    before = {"written": entry.written, "spoken": entry.spoken} if entry else None
    if entry is None:
        entry = LexiconEntry(language=language, written=written, spoken=spoken)
        db.session.add(entry)
    entry.written, entry.spoken = written, spoken
    _stamp(entry, actor)
    db.session.flush()
    audit.record(
        actor,
        "lexicon.save",
        object_type="speech_lexicon",
        object_id=entry.id,
        object_label=f"{language}: {written}",
        detail={"language": language, "written": written, "spoken": spoken, "before": before},
    )
    return entry


def get(entry_id: int) -> LexiconEntry:
    entry = db.session.get(LexiconEntry, entry_id)
    if entry is None:
        raise NotFound(_l("No such lexicon entry."), code="lexicon_not_found")
    return entry


def delete(actor: Actor, entry_id: int) -> None:
    entry = get(entry_id)
    audit.record(
        actor,
        "lexicon.delete",
        object_type="speech_lexicon",
        object_id=entry.id,
        object_label=f"{entry.language}: {entry.written}",
        detail={"language": entry.language, "written": entry.written, "spoken": entry.spoken},
    )
    db.session.delete(entry)
    db.session.flush()


def restore_defaults(actor: Actor, language: str) -> int:
    """Add back the entries the installation started with that are missing; returns how many."""
    language = _language(language)
    present = set(as_mapping(language))
    added = [(w, s) for w, s in SEEDS.get(language, {}).items() if w not in present]
    for written, spoken in added:
        entry = LexiconEntry(language=language, written=written, spoken=spoken)
        _stamp(entry, actor)
        db.session.add(entry)
    audit.record(
        actor,
        "lexicon.restore",
        object_type="speech_lexicon",
        object_label=language,
        detail={"language": language, "added": [w for w, _ in added]},
    )
    db.session.flush()
    return len(added)
