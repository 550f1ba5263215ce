"""A province with an emergency message approved in Kinh (speech) and Khmer (a recording),
scheduled in a commune and a hamlet, for the CAP tests; and what to check an alert with."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from audio_manager import scheduling as sched
from audio_manager.capxml import CAP_NS, schema
from audio_manager.extensions import db
from audio_manager.models import Area, Role
from audio_manager.models.base import local_today
from audio_manager.services.audio.assets import storage

from .conftest import load_tree, make_user
from .schedule_helpers import approved_upload
from .workflow_helpers import actor, approved_version, new_message

TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,khmer;kinh
commune,94201,Xã Bình,94,
hamlet,,Ấp Bình Một,94201,kinh
province,95,Tỉnh Khác,,
commune,95101,Xã Xa,95,
"""
SCRIPT = "Bão số 9 đổ bộ chiều nay. Bà con ở trong nhà, tránh xa bờ sông."
NS = {"cap": CAP_NS}


def area(code: str) -> Area:
    found = db.session.scalar(db.select(Area).where(Area.code == code))
    assert found is not None
    return found


def emergency_world(folder: Path, **message_fields: Any) -> dict[str, Any]:
    from audio_manager.services.broadcast import schedules

    load_tree(TREE)
    editor = make_user("editor", Role.EDITOR)
    approver = make_user("approver", Role.APPROVER)
    admin = make_user("admin", Role.ADMIN)
    now = datetime.now(UTC)
    fields = {
        "priority": "emergency",
        "topic": "Bão",
        "valid_from": now - timedelta(hours=2),
        "valid_until": now + timedelta(days=1),
        **message_fields,
    }
    message = new_message(editor, "Cảnh báo bão số 9", **fields)
    kinh = approved_version(editor, approver, message, "kinh", SCRIPT)
    khmer = approved_upload(editor, approver, message, "khmer", folder)
    today = local_today()
    rec = sched.Recurrence("daily", today, today + timedelta(days=2), (time(6, 30),))
    schedules.create(actor(editor), message, [area("94101"), area("A1")], rec)
    db.session.commit()
    return {
        "editor": editor,
        "approver": approver,
        "admin": admin,
        "message": message,
        "kinh": kinh,
        "khmer": khmer,
    }


def valid_root(xml: bytes | str) -> etree._Element:
    """The alert checked against the OASIS CAP 1.2 schema, then its root."""
    data = xml.encode() if isinstance(xml, str) else xml
    assert schema.errors(data) == [], schema.errors(data)
    return etree.fromstring(data)


def parsed_independently(xml: bytes | str) -> Any:
    """Read back with cap-tools (xsdata bindings of the OASIS schema), not our own reader."""
    from cap_tools.models import Alert
    from xsdata.formats.dataclass.parsers import XmlParser

    data = xml.encode() if isinstance(xml, str) else xml
    return XmlParser().from_bytes(data, Alert)


def sha1_of_asset(asset: Any) -> str:
    return hashlib.sha1(storage().read(asset.storage_key)).hexdigest()
