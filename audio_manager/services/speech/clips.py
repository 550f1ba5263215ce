"""The clip cache: audio a paid engine sent, kept in storage under its request's key, so the
same text, engine, voice and speed are never paid for twice; and the characters each paid
engine was sent this month (local time), which the admin page shows."""

from __future__ import annotations

from ...bulk import insert_rows
from ...extensions import db
from ...models import SpeechClip, SpeechUsage
from ...models.base import local_today, utcnow
from ...production.engines import ClipKey
from ...storage.base import StorageError
from ..audio.assets import storage


def _mime(audio: bytes) -> str:
    if audio[:4] == b"RIFF":
        return "audio/wav"
    if audio[:3] == b"ID3" or audio[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return "application/octet-stream"


def this_month() -> str:
    return local_today().strftime("%Y-%m")


def record_usage(engine: str, characters: int) -> None:
    """Add one paid request of ``characters`` to the engine's month (atomic across processes)."""
    insert_rows(
        SpeechUsage.__table__,
        [{"engine": engine, "month": this_month(), "characters": characters, "requests": 1}],
        conflict=("engine", "month"),
        add_on_conflict=("characters", "requests"),
    )


class StoredClips:
    """A ClipCache on the app's storage and database (the caller's transaction)."""

    def __init__(self) -> None:
        self.hits = 0
        self.stored = 0

    def get(self, key: ClipKey) -> bytes | None:
        row = db.session.scalar(db.select(SpeechClip).where(SpeechClip.cache_key == key.digest()))
        if row is None:
            return None
        try:
            audio = storage().read(row.storage_key)
        except (StorageError, OSError):
            db.session.delete(row)  # the bytes are gone: the request is made (and kept) again
            db.session.flush()
            return None
        row.uses += 1
        row.last_used_at = utcnow()
        self.hits += 1
        return audio

    def put(self, key: ClipKey, audio: bytes) -> None:
        record_usage(key.engine, len(key.text))
        row = {
            "cache_key": key.digest(),
            "engine": key.engine,
            "voice": key.voice,
            "setting": key.setting,
            "characters": len(key.text),
            "storage_key": storage().put_bytes(audio, content_type=_mime(audio)),
            "size": len(audio),
            "uses": 0,
            "created_at": utcnow(),
            "last_used_at": None,
        }
        # Two requests paying for the same clip at once: the first one kept is enough.
        insert_rows(SpeechClip.__table__, [row], conflict=("cache_key",))
        self.stored += 1


def month_usage(month: str | None = None) -> dict[str, tuple[int, int]]:
    """Engine -> (characters, requests) for the month ("2026-11"; this month by default)."""
    rows = db.session.execute(
        db.select(SpeechUsage.engine, SpeechUsage.characters, SpeechUsage.requests).where(
            SpeechUsage.month == (month or this_month())
        )
    )
    return {engine: (chars, count) for engine, chars, count in rows}
