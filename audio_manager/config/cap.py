"""CAP 1.2 settings: who the alerts say they come from, how a priority maps to urgency, severity
and certainty, and the limits of what upstream sources may send. An admin may override the
first ones on the CAP page (kept in the database); these are the defaults."""

from __future__ import annotations

import json
from typing import Any

from .base import Setting, parse_bool, parse_list

# TT39 priority → CAP urgency, severity, certainty (CAP 1.2 §3.2.2). Documented in the README.
DEFAULT_MAPPING: dict[str, dict[str, str]] = {
    "emergency": {"urgency": "Immediate", "severity": "Severe", "certainty": "Observed"},
    "priority": {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely"},
    "normal": {"urgency": "Future", "severity": "Minor", "certainty": "Possible"},
}


def parse_mapping(value: str) -> dict[str, dict[str, str]]:
    data: Any = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("a JSON object of priority → {urgency, severity, certainty}")
    merged = {key: dict(row) for key, row in DEFAULT_MAPPING.items()}
    for priority, row in data.items():
        if priority not in merged or not isinstance(row, dict):
            raise ValueError(f"unknown priority {priority!r}")
        merged[priority].update({k: str(v) for k, v in row.items() if k in merged[priority]})
    return merged


def cap_settings() -> tuple[Setting, ...]:
    return (
        Setting("CAP_SENDER", "CAP_SENDER", str, lambda: "audio_manager@localhost",
                "CAP sender of the alerts published (globally unique, e.g. an e-mail address)."),
        Setting("CAP_SENDER_NAME", "CAP_SENDER_NAME", str, lambda: "",
                "Human-readable name of the office in the alerts (senderName)."),
        Setting("CAP_IDENTIFIER_PREFIX", "CAP_IDENTIFIER_PREFIX", str, lambda: "audio_manager",
                "Start of every published alert's identifier."),
        Setting("CAP_CATEGORY", "CAP_CATEGORY", str, lambda: "Safety",
                "CAP category of the alerts published (Safety, Met, Health, Geo...)."),
        Setting("CAP_MAPPING", "CAP_MAPPING", parse_mapping, lambda: parse_mapping("{}"),
                "JSON: priority → urgency, severity and certainty (see the README's table)."),
        Setting("CAP_PUBLISH_PRIORITY", "CAP_PUBLISH_PRIORITY", parse_bool, lambda: False,
                "Publish messages of priority 'priority' as CAP alerts too (emergency always)."),
        Setting("CAP_FEED_PUBLIC", "CAP_FEED_PUBLIC", parse_bool, lambda: False,
                "The CAP feed and alerts are readable without login or token."),
        Setting("CAP_GEOCODE_NAMES", "CAP_GEOCODE_NAMES", parse_list, lambda: ["VN-DVHC"],
                "Geocode valueNames that carry official area codes; the first one is written."),
        Setting("CAP_BASE_URL", "CAP_BASE_URL", str, lambda: "",
                "Address of this server in alerts made outside a request (CLI, jobs)."),
        Setting("CAP_LINK_DAYS", "CAP_LINK_DAYS", int, lambda: 30,
                "How long the signed audio links inside alerts stay valid, in days."),
        Setting("CAP_MAX_BYTES", "CAP_MAX_BYTES", int, lambda: 1024 * 1024,
                "Largest CAP alert or feed accepted from a source, in bytes (default 1 MB)."),
        Setting("CAP_POLL_TIMEOUT_SECONDS", "CAP_POLL_TIMEOUT_SECONDS", float, lambda: 15.0,
                "How long to wait for an upstream CAP source when polling it."),
    )  # fmt: skip
