"""What a message's CAP alert says: one ``<info>`` per language with its current approved
version (script as description, title as headline), the priority's urgency, severity and
certainty, the message's areas with their official codes, and the loudspeaker audio as a
``<resource>`` (size, SHA-1 digest, a signed link)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ... import languages, signed_links
from ...capxml import document
from ...extensions import db
from ...models import Area, CapInbound, Message, Schedule, ScheduleTarget, Version
from ...scheduling.recurrence import LOCAL_TZ
from ..areas.areas import ancestors
from ..audio.assets import extension_for, storage
from .settings import CapConfig

# Our languages → the language tags of CAP <info> (RFC 3066, as CAP 1.2 asks).
CAP_LANGUAGE = {"kinh": "vi-VN", "hoa": "zh-CN", "khmer": "km-KH"}
AUDIO_PROFILE = "loudspeaker"
MEDIA_PREFIX = "/media"  # where web/media serves signed links


def cap_language(code: str) -> str:
    if code in CAP_LANGUAGE:
        return CAP_LANGUAGE[code]
    lang = languages.get(code)
    return lang.bcp47 if lang else code


@dataclass(frozen=True)
class Voice:
    """One language of the message as it is published."""

    language: str
    version: Version


def current_voices(message: Message) -> list[Voice]:
    """Each language's current approved version, in the registry's order (bulletins apart)."""
    out = []
    for lang in languages.all_languages():
        variant = message.variant(lang.code)
        version = variant.current_version if variant is not None else None
        if version is not None and version.status == "approved":
            out.append(Voice(lang.code, version))
    return out


def message_areas(message: Message) -> list[Area]:
    """Where the message plays (its live schedules' targets) and, for a message made from an
    upstream alert, the areas that alert named."""
    ids = set(
        db.session.scalars(
            db.select(ScheduleTarget.area_id)
            .join(Schedule, Schedule.id == ScheduleTarget.schedule_id)
            .where(Schedule.message_id == message.id, Schedule.cancelled_at.is_(None))
        )
    )
    for area_ids in db.session.scalars(
        db.select(CapInbound.area_ids).where(CapInbound.message_id == message.id)
    ):
        ids.update(int(i) for i in area_ids or [])
    if not ids:
        return []
    return list(db.session.scalars(db.select(Area).where(Area.id.in_(ids)).order_by(Area.path)))


def area_block(area: Area, config: CapConfig) -> document.Area:
    names = [a.name for a in reversed([*ancestors(area), area])]
    codes = (document.Geocode(config.geocode_names[0], area.code),) if area.code else ()
    return document.Area(", ".join(names), codes)


def sha1_of(storage_key: str) -> str:
    digest = hashlib.sha1()  # CAP 1.2 §3.2.3: the digest of a resource is SHA-1
    with storage().open(storage_key) as src:
        while chunk := src.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def signed_uri(base_url: str, sha256: str, mime: str, expires: int) -> str:
    key = signed_links.key_from_secret(current_app.config["SECRET_KEY"], "media")
    link = signed_links.make(key, f"/{sha256}.{extension_for(mime)}", expires)
    return base_url.rstrip("/") + link.url_path(MEDIA_PREFIX)


def link_expiry(message: Message, now: datetime) -> int:
    """Links live CAP_LINK_DAYS, and at least a day past the message's validity."""
    days = current_app.config["CAP_LINK_DAYS"]
    until = now.timestamp() + days * 86400
    if message.valid_until is not None:
        until = max(until, message.valid_until.timestamp() + 86400)
    return signed_links.expiry(until, 0, 86400)


def resource_of(voice: Voice, base_url: str, expires: int) -> document.Resource | None:
    rendition = voice.version.rendition(AUDIO_PROFILE)
    if rendition is None:
        return None
    asset = rendition.asset  # type: ignore[attr-defined]
    return document.Resource(
        description=f"{AUDIO_PROFILE} audio ({cap_language(voice.language)})",
        mime_type=asset.mime,
        size=asset.size,
        uri=signed_uri(base_url, asset.sha256, asset.mime, expires),
        digest=sha1_of(asset.storage_key),
    )


def state_of(message: Message, config: CapConfig) -> dict[str, object]:
    """What the alert would say, in plain values: a change in any of them means an Update."""
    voices = current_voices(message)
    return {
        "title": message.title,
        "topic": message.topic,
        "priority": message.priority,
        "valid_from": message.valid_from.isoformat() if message.valid_from else None,
        "valid_until": message.valid_until.isoformat() if message.valid_until else None,
        "versions": {v.language: v.version.id for v in voices},
        "audio": {
            v.language: getattr(v.version.rendition(AUDIO_PROFILE), "asset_id", None)
            for v in voices
        },
        "areas": [a.id for a in message_areas(message)],
        "mapping": config.mapping.get(message.priority),
        "category": config.category,
        "sender_name": config.sender_name,
    }


def infos(message: Message, config: CapConfig, base_url: str, now: datetime) -> list[document.Info]:
    mapped = config.mapping[message.priority]
    areas = tuple(area_block(a, config) for a in message_areas(message))
    expires = link_expiry(message, now)
    out = []
    for voice in current_voices(message):
        resource = resource_of(voice, base_url, expires)
        out.append(
            document.Info(
                language=cap_language(voice.language),
                categories=(config.category,),
                event=message.topic or message.title,
                urgency=mapped["urgency"],
                severity=mapped["severity"],
                certainty=mapped["certainty"],
                headline=message.title,
                description=(voice.version.script_text or message.title).strip(),
                sender_name=config.sender_name,
                effective=document.cap_time(message.valid_from, LOCAL_TZ)
                if message.valid_from
                else None,
                expires=document.cap_time(message.valid_until, LOCAL_TZ)
                if message.valid_until
                else None,
                resources=(resource,) if resource is not None else (),
                areas=areas,
            )
        )
    return out
