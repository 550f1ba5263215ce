"""The CAP settings in force: each an admin's override (one row) or the setting's default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...capxml import document
from ...extensions import db
from ...models import CapSettings, Priority
from .. import audit
from ..context import Actor
from ..errors import ValidationFailed

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
FIELDS = ("urgency", "severity", "certainty")
CHOICES = {
    "urgency": document.URGENCIES,
    "severity": document.SEVERITIES,
    "certainty": document.CERTAINTIES,
}


@dataclass(frozen=True)
class CapConfig:
    feed_public: bool
    publish_priority: bool
    sender: str
    sender_name: str
    identifier_prefix: str
    category: str
    mapping: dict[str, dict[str, str]]
    geocode_names: tuple[str, ...]

    def published_priorities(self) -> tuple[str, ...]:
        if self.publish_priority:
            return (Priority.EMERGENCY, Priority.PRIORITY)
        return (Priority.EMERGENCY,)


def _row() -> CapSettings | None:
    return db.session.get(CapSettings, 1)


def current() -> CapConfig:
    config = current_app.config
    row = _row()

    def pick(name: str, key: str) -> Any:
        value = getattr(row, name, None) if row is not None else None
        return config[key] if value is None else value

    mapping = {k: dict(v) for k, v in config["CAP_MAPPING"].items()}
    for priority, values in ((row.mapping if row is not None else None) or {}).items():
        mapping.setdefault(priority, {}).update(values)
    return CapConfig(
        feed_public=bool(pick("feed_public", "CAP_FEED_PUBLIC")),
        publish_priority=bool(pick("publish_priority", "CAP_PUBLISH_PRIORITY")),
        sender=pick("sender", "CAP_SENDER"),
        sender_name=pick("sender_name", "CAP_SENDER_NAME"),
        identifier_prefix=pick("identifier_prefix", "CAP_IDENTIFIER_PREFIX"),
        category=pick("category", "CAP_CATEGORY"),
        mapping=mapping,
        geocode_names=tuple(config["CAP_GEOCODE_NAMES"]) or ("VN-DVHC",),
    )


def update(
    actor: Actor,
    *,
    feed_public: bool,
    publish_priority: bool,
    sender: str,
    sender_name: str,
    identifier_prefix: str,
    category: str,
    mapping: dict[str, dict[str, str]],
) -> CapConfig:
    """Save an admin's CAP settings; everything is checked before anything is written."""
    sender, identifier_prefix = sender.strip(), identifier_prefix.strip()
    if not document.is_token(sender) or len(sender) > 200:
        raise ValidationFailed(
            _l("The sender takes no spaces, commas, < or & (e.g. an e-mail address)."),
            code="bad_sender",
        )
    if not PREFIX_PATTERN.match(identifier_prefix):
        raise ValidationFailed(
            _l("The identifier prefix takes letters, digits, dots, colons and dashes only."),
            code="bad_prefix",
        )
    if category not in document.CATEGORIES:
        raise ValidationFailed(_l("Unknown CAP category."), code="bad_category")
    clean: dict[str, dict[str, str]] = {}
    for priority in (p.value for p in Priority):
        row = mapping.get(priority, {})
        clean[priority] = {}
        for name in FIELDS:
            if row.get(name) not in CHOICES[name]:
                raise ValidationFailed(
                    _l("Choose an urgency, a severity and a certainty for every priority."),
                    code="bad_mapping",
                )
            clean[priority][name] = row[name]
    saved = _row() or CapSettings(id=1)
    saved.feed_public = feed_public
    saved.publish_priority = publish_priority
    saved.sender = sender
    saved.sender_name = sender_name.strip()[:200]
    saved.identifier_prefix = identifier_prefix
    saved.category = category
    saved.mapping = clean
    db.session.add(saved)
    audit.record(
        actor,
        "cap.settings",
        object_type="cap",
        object_label="settings",
        detail={
            "feed_public": feed_public,
            "publish_priority": publish_priority,
            "sender": sender,
            "identifier_prefix": identifier_prefix,
            "category": category,
            "mapping": clean,
        },
    )
    db.session.flush()
    return current()
