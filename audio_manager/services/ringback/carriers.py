"""Carriers as data: their upload profile (built on the audio production profiles) and the
install instructions subscribers follow, with placeholders a release's content code fills."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Carrier
from ...production.errors import ProfileError
from ...production.profiles import CODECS, Profile
from .. import audit
from ..audio.assets import profiles
from ..audio.rendering import profile_names
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
SMS_NUMBER_RE = re.compile(r"^[0-9]{3,15}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Placeholders each template may use.
TEMPLATE_FIELDS = {
    "sms_template": ("code",),
    "ussd_template": ("code",),
    "instructions": ("code", "sms", "sms_number", "ussd", "carrier", "app"),
}
DEFAULTS: dict[str, Any] = {
    "active": True,
    "source_profile": "ringback",
    "codec": "mp3",
    "bitrate_kbps": 128,
    "sample_rate": 44100,
    "max_duration_s": 30.0,
}
SAMPLE_RATES = (8000, 11025, 16000, 22050, 32000, 44100, 48000)
FIELDS = (
    "code",
    "name",
    "active",
    "source_profile",
    "codec",
    "bitrate_kbps",
    "sample_rate",
    "max_duration_s",
    "sms_number",
    "sms_template",
    "ussd_template",
    "app_name",
    "instructions",
)


def all_carriers(*, active_only: bool = False) -> list[Carrier]:
    query = db.select(Carrier).order_by(Carrier.name)
    if active_only:
        query = query.where(Carrier.active.is_(True))
    return list(db.session.scalars(query))


def get(carrier_id: int) -> Carrier:
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        raise NotFound(_l("No such carrier."), code="carrier_not_found")
    return carrier


def by_code(code: str) -> Carrier | None:
    return db.session.scalar(db.select(Carrier).where(Carrier.code == code.strip().lower()))


def source_profiles() -> list[str]:
    """Renditions a carrier's audio may start from: the configured audio profiles."""
    available = profiles()
    return [name for name in profile_names() if available[name].kind == "audio"]


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` placeholders; only plain names, never attribute or index lookups."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _check_template(field: str, text: str) -> list[str]:
    allowed = TEMPLATE_FIELDS[field]
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in allowed})


def upload_profile(carrier: Carrier | Mapping[str, Any]) -> Profile:
    """The carrier's upload profile: its source rendition's profile with the carrier's
    encoding and length cap."""
    get_value = carrier.get if isinstance(carrier, Mapping) else lambda k: getattr(carrier, k)
    codec = get_value("codec")
    lossy = CODECS[codec].lossy
    return Profile.from_dict(
        {
            "extends": get_value("source_profile"),
            "name": f"carrier-{get_value('code') or 'new'}",
            "description": f"Upload profile of {get_value('name')}",
            "codec": codec,
            "bitrate_kbps": get_value("bitrate_kbps") if lossy else None,
            "sample_rate": get_value("sample_rate"),
            "max_duration_s": get_value("max_duration_s"),
        },
        base=profiles(),
    )


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean = {
        **DEFAULTS,
        **{k: v for k, v in values.items() if v is not None or k == "bitrate_kbps"},
    }
    clean["code"] = str(values.get("code") or "").strip().lower()
    clean["name"] = str(values.get("name") or "").strip()
    for key in ("sms_number", "sms_template", "ussd_template", "app_name", "instructions"):
        clean[key] = str(values.get(key) or "").strip()
    if not CODE_RE.match(clean["code"]):
        problems["code"] = str(_l("2-32 lowercase letters, digits, '-' or '_'."))
    if not clean["name"] or len(clean["name"]) > 120:
        problems["name"] = str(_l("A name of 1-120 characters is required."))
    if clean["source_profile"] not in source_profiles():
        problems["source_profile"] = str(_l("Choose one of the rendered audio profiles."))
    if clean["codec"] not in CODECS:
        problems["codec"] = str(_l("Unknown format."))
    if clean["sample_rate"] not in SAMPLE_RATES:
        problems["sample_rate"] = str(_l("Unsupported sample rate."))
    lossy = clean["codec"] in CODECS and CODECS[clean["codec"]].lossy
    if lossy and not (isinstance(clean["bitrate_kbps"], int) and 8 <= clean["bitrate_kbps"] <= 320):
        problems["bitrate_kbps"] = str(_l("A bitrate of 8-320 kbit/s is required for this format."))
    if not lossy:
        clean["bitrate_kbps"] = None
    if (
        not isinstance(clean["max_duration_s"], int | float)
        or not 1 <= clean["max_duration_s"] <= 600
    ):
        problems["max_duration_s"] = str(_l("The maximum length must be 1-600 seconds."))
    if clean["sms_number"] and not SMS_NUMBER_RE.match(clean["sms_number"]):
        problems["sms_number"] = str(_l("Digits only."))
    for field in TEMPLATE_FIELDS:
        unknown = _check_template(field, clean[field])
        if unknown:
            problems[field] = str(
                _l(
                    "Unknown placeholder(s): %(names)s. Allowed: %(allowed)s.",
                    names=", ".join(f"{{{name}}}" for name in unknown),
                    allowed=", ".join(f"{{{name}}}" for name in TEMPLATE_FIELDS[field]),
                )
            )
    if not problems:
        try:
            upload_profile(clean)
        except ProfileError as error:  # anything the checks above did not foresee
            problems["codec"] = error.message
    if problems:
        raise ValidationFailed(
            _l("The carrier was not saved: check the fields marked."),
            code="invalid_carrier",
            details=problems,
        )
    return clean


def _check_code_free(code: str, carrier: Carrier | None) -> None:
    other = by_code(code)
    if other is not None and other is not carrier:
        raise Conflict(
            _l("Another carrier already has the code %(code)s.", code=code), code="duplicate_code"
        )


def create(actor: Actor, values: dict[str, Any]) -> Carrier:
    clean = _validate(values)
    _check_code_free(clean["code"], None)
    carrier = Carrier(**{key: clean[key] for key in FIELDS})
    db.session.add(carrier)
    db.session.flush()
    audit.record(
        actor,
        "carrier.create",
        object_type="carrier",
        object_id=carrier.id,
        object_label=carrier.name,
    )
    return carrier


def update(
    actor: Actor, carrier: Carrier, values: dict[str, Any], *, seen_revision: int | None = None
) -> Carrier:
    if seen_revision is not None and seen_revision != carrier.revision:
        raise Conflict(
            _l("Someone changed this carrier meanwhile. Reload the page and check."), code="stale"
        )
    clean = _validate(values)
    _check_code_free(clean["code"], carrier)
    changed = [key for key in FIELDS if getattr(carrier, key) != clean[key]]
    for key in changed:
        setattr(carrier, key, clean[key])
    if changed:
        carrier.revision += 1
        audit.record(
            actor,
            "carrier.update",
            object_type="carrier",
            object_id=carrier.id,
            object_label=carrier.name,
            detail={"changed": changed},
        )
    return carrier


@dataclass(frozen=True)
class Instructions:
    """What a subscriber does to install one tone, with its QR payload."""

    code: str
    sms_text: str
    sms_number: str
    ussd: str
    text: str
    qr_payload: str | None


def instructions(carrier: Carrier, code: str) -> Instructions:
    sms_text = fill(carrier.sms_template, {"code": code})
    ussd = fill(carrier.ussd_template, {"code": code})
    text = fill(
        carrier.instructions,
        {
            "code": code,
            "sms": sms_text,
            "sms_number": carrier.sms_number,
            "ussd": ussd,
            "carrier": carrier.name,
            "app": carrier.app_name,
        },
    )
    payload = None
    if sms_text and carrier.sms_number:
        payload = f"sms:{carrier.sms_number}?body={quote(sms_text)}"
    elif ussd:
        payload = f"tel:{quote(ussd, safe='*')}"
    return Instructions(code, sms_text, carrier.sms_number, ussd, text, payload)
