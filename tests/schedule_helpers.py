"""A province with approved trilingual messages, for schedule and playlist tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audio_manager.extensions import db
from audio_manager.models import Role

from .audio_fixtures import speech_wav
from .conftest import load_tree, make_user
from .workflow_helpers import actor, approved_version, new_message

TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,khmer;kinh
hamlet,A2,Ấp An Hai,94101,kinh
hamlet,A3,Ấp An Ba,94101,hoa;kinh
commune,94201,Xã Bình,94,
hamlet,B1,Ấp Bình Một,94201,kinh
"""


def approved_upload(editor: Any, approver: Any, message: Any, language: str, folder: Path) -> Any:
    """A recorded voice (generated speech-like audio), approved."""
    from audio_manager.jobs import enqueue_render
    from audio_manager.services.messages import versions, workflow

    wav = speech_wav(folder / f"{language}.wav", 3.0)
    with wav.open("rb") as stream:
        version, job = versions.create_from_upload(
            actor(editor), message, language, stream, f"{language}.wav"
        )
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(version)
    workflow.transition(actor(editor), version, "submit")
    workflow.transition(actor(approver), version, "approve")
    db.session.commit()
    return version


def world(folder: Path) -> dict[str, Any]:
    """Areas, people, and a message approved in Kinh (v2 current) and Khmer, not in Hoa."""
    load_tree(TREE)
    editor = make_user("editor", Role.EDITOR)
    approver = make_user("approver", Role.APPROVER)
    operator = make_user("operator", Role.OPERATOR, areas=["94101"])
    make_user("viewer", Role.VIEWER)
    message = new_message(editor, "BHXH tự nguyện")
    kinh_v1 = approved_version(editor, approver, message, "kinh", "Xin chào bà con.")
    kinh = approved_version(editor, approver, message, "kinh", "Bản hai.")
    khmer = approved_upload(editor, approver, message, "khmer", folder)
    return {
        "editor": editor,
        "approver": approver,
        "operator": operator,
        "message": message,
        "kinh_v1": kinh_v1,
        "kinh": kinh,
        "khmer": khmer,
    }
