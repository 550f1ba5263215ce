"""Carriers and live tones for install tests, made through the services.

``live_tone`` makes a release without rendering (its assets are the version's source), so
install tests stay fast; release tests render for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audio_manager.extensions import db
from audio_manager.models import ReleaseStatus, RingbackRelease, Role, VersionStatus
from audio_manager.models.base import utcnow
from audio_manager.services.context import Actor
from audio_manager.services.messages import versions
from audio_manager.services.ringback import carriers
from audio_manager.services.ringback.carriers import DEFAULTS

from .audio_fixtures import speech_wav
from .conftest import load_tree, make_user
from .workflow_helpers import actor, new_message

TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
district,941,Huyện Một,94,
commune,94101,Xã An,941,
hamlet,A1,Ấp An Một,94101,khmer;kinh
commune,94102,Xã Hòa,941,
commune,94201,Xã Bình,94,
hamlet,B1,Ấp Bình Một,94201,kinh
"""
CARRIERS = {
    "viettel": ("Viettel", "1221", "BH {code}"),
    "vinaphone": ("VinaPhone", "9194", "BH {code}"),
    "mobifone": ("MobiFone", "9224", "CHON {code}"),
}
# Numbers of the kinds people write them; each is a valid Vietnamese mobile number.
PHONES = ["0912345678", "+84 98 765 4321", "84389111222", "0707.123.456", "862 000 111"]


def make_carrier(code: str = "viettel", **values: Any) -> Any:
    """The carrier with these settings (the migration's seed rows exist only until the first
    test's tables are cleaned, so an existing one is updated)."""
    name, number, template = CARRIERS.get(code, (code.title(), "1234", "BH {code}"))
    fields = {
        "code": code,
        "name": name,
        "sms_number": number,
        "sms_template": template,
        "app_name": "App",
        "instructions": "Soạn {sms} gửi {sms_number}.\nHoặc dùng ứng dụng {app}.",
        **values,
    }
    existing = carriers.by_code(code)
    if existing is None:
        carrier = carriers.create(Actor.system("test"), fields)
    else:
        carrier = carriers.update(Actor.system("test"), existing, {**DEFAULTS, **fields})
    db.session.commit()
    return carrier


def live_tone(
    editor: Any, carrier: Any, code: str, folder: Path, title: str = "BHXH tự nguyện"
) -> RingbackRelease:
    """A live release of an approved version, without rendering."""
    message = new_message(editor, title)
    wav = speech_wav(folder / f"tone-{code}.wav", 1.0)
    with wav.open("rb") as stream:
        version, _job = versions.create_from_upload(
            actor(editor), message, "kinh", stream, "voice.wav"
        )
    version.status = VersionStatus.APPROVED
    release = RingbackRelease(
        version_id=version.id,
        carrier_id=carrier.id,
        status=ReleaseStatus.LIVE,
        content_code=code,
        audio_asset_id=version.source_asset_id,
        package_asset_id=version.source_asset_id,
        live_at=utcnow(),
    )
    db.session.add(release)
    db.session.commit()
    return release


def ringback_world(folder: Path) -> dict[str, Any]:
    """Areas, people (a staff member scoped to Xã An), three carriers and three live tones."""
    load_tree(TREE)
    people = {
        "admin": make_user("admin", Role.ADMIN),
        "editor": make_user("editor", Role.EDITOR),
        "viewer": make_user("viewer", Role.VIEWER),
        "an_viewer": make_user("an_viewer", Role.VIEWER, areas=["94101"]),
        "staff": make_user("staff", Role.OPERATOR, areas=["94101"]),
    }
    found = {code: make_carrier(code) for code in CARRIERS}
    tones = {
        "v1": live_tone(people["editor"], found["viettel"], "111111", folder),
        "v2": live_tone(people["editor"], found["viettel"], "222222", folder, "Lương hưu"),
        "m1": live_tone(people["editor"], found["mobifone"], "333333", folder),
    }
    return {**people, "carriers": found, "tones": tones}
