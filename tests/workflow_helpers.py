"""Helpers for workflow tests: a message with versions in several states, made through services."""

from __future__ import annotations

from typing import Any

from audio_manager.extensions import db
from audio_manager.jobs import enqueue_render
from audio_manager.models import User, Version
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions, workflow


def actor(user: User) -> Actor:
    return Actor(user=user, ip="127.0.0.1", via="test")


def speech_version(
    editor: User, message: Any, language: str = "kinh", text: str = "Xin chào bà con."
) -> Version:
    stock.install_generated(Actor.system())
    voice = {"kinh": "vi-vn-x-south", "hoa": "yue"}.get(language)
    version, job = versions.create_from_speech(
        actor(editor), message, language, text, engine="espeak", voice=voice
    )
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(version)
    return version


def new_message(editor: User, title: str = "BHXH tự nguyện", **fields: Any) -> Any:
    message = messages.create(actor(editor), title, **fields)
    db.session.commit()
    return message


def pending_version(
    editor: User, message: Any = None, language: str = "kinh", text: str = "Xin chào bà con."
) -> Version:
    version = speech_version(editor, message or new_message(editor), language, text)
    workflow.transition(actor(editor), version, "submit")
    db.session.commit()
    return version


def approved_version(
    editor: User,
    approver: User,
    message: Any = None,
    language: str = "kinh",
    text: str = "Xin chào bà con.",
) -> Version:
    version = pending_version(editor, message, language, text)
    workflow.transition(actor(approver), version, "approve")
    db.session.commit()
    return version
