"""Words for what is stored as codes: language names, version names, voices, audit actions.

Pages never show a stored code ("hoa", "kinh v1", "version.submit", "espeak/yue"); they show
these, in the page's language ("Hoa", "phiên bản 1 (Kinh)", "Gửi duyệt phiên bản 1 (Kinh)").
An unknown code (a language or action added later) is shown as it is, never hidden.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import languages

VERSION_LABEL = re.compile(r"^(?P<language>[a-z_]+) v(?P<number>\d+)$")

# Audit actions without a version in them.
ACTIONS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "auth.login_failed": _l("Wrong password"),
    "auth.login_disabled": _l("Login refused: account disabled"),
    "auth.login_throttled": _l("Logins paused after repeated failures"),
    "area.languages": _l("Changed the languages of an area"),
    "areas.import": _l("Imported areas"),
    "carrier.create": _l("Added a carrier"),
    "carrier.update": _l("Changed a carrier"),
    "install.install": _l("Installed a ringback tone"),
    "install.uninstall": _l("Removed a ringback tone"),
    "install_target.set": _l("Set an install target"),
    "installs.import": _l("Imported installs"),
    "installs.import_cancel": _l("Cancelled an install import"),
    "installs.record": _l("Recorded installs"),
    "job.retry": _l("Retried a render"),
    "lexicon.delete": _l("Deleted a pronunciation"),
    "lexicon.restore": _l("Restored the default pronunciations"),
    "lexicon.save": _l("Saved a pronunciation"),
    "message.create": _l("Created a message"),
    "message.retire": _l("Retired a message"),
    "message.update": _l("Changed a message"),
    "plays.record": _l("Confirmed plays"),
    "plays.replace_missed": _l("Corrected missed plays"),
    "release.prepare": _l("Prepared a ringback tone"),
    "release.submit": _l("Sent a ringback tone to the carrier"),
    "release.live": _l("Ringback tone is live"),
    "release.code": _l("Set the tone code"),
    "release.withdraw": _l("Withdrew a ringback tone"),
    "schedule.cancel": _l("Cancelled a schedule"),
    "schedule.create": _l("Created a schedule"),
    "schedule.update": _l("Changed a schedule"),
    "speech.preferences": _l("Changed the voices of a language"),
    "speech.provider": _l("Changed a speech engine"),
    "stock.generate": _l("Generated the stock sounds"),
    "stock.upload": _l("Uploaded a stock sound"),
    "token.create": _l("Created an API token"),
    "token.revoke": _l("Revoked an API token"),
    "user.create": _l("Created a user"),
    "user.password": _l("Changed a password"),
    "user.update": _l("Changed a user"),
}
# Audit actions on one version: "%(version)s" is "version 1 (Kinh)".
VERSION_ACTIONS = {
    "version.create": _l("Created %(version)s"),
    "version.edit": _l("Edited %(version)s"),
    "version.restore": _l("Restored %(version)s as a new draft"),
    "version.submit": _l("Submitted %(version)s for approval"),
    "version.approve": _l("Approved %(version)s"),
    "version.reject": _l("Rejected %(version)s"),
    "version.retire": _l("Retired %(version)s"),
}
OBJECT_TYPES = {
    "api_token": _l("API token"),
    "area": _l("Area"),
    "areas": _l("Areas"),
    "carrier": _l("Carrier"),
    "install_import": _l("Install import"),
    "installs": _l("Installs"),
    "message": _l("Message"),
    "plays": _l("Plays"),
    "release": _l("Ringback tone"),
    "schedule": _l("Schedule"),
    "render_job": _l("Render"),
    "speech_language": _l("Voices of a language"),
    "speech_lexicon": _l("Pronunciations"),
    "speech_provider": _l("Speech engine"),
    "stock_sound": _l("Stock sound"),
    "user": _l("User"),
}


PROFILES = {
    "loudspeaker": _l("Loudspeakers"),
    "ringback": _l("Ringback tone"),
    "telephony": _l("Telephone line"),
    "preview": _l("Preview"),
    "waveform": _l("Waveform picture"),
}


def profile_name(code: str) -> str:
    """A rendition profile in words ("Loa truyền thanh"), or its code if unknown."""
    return str(PROFILES.get(code, code))


def language_name(code: str | None) -> str:
    """ "Kinh", "Hoa", "Khmer" (the names officers use), or the code of an unknown language."""
    return languages.name_of(code)


def language_rank(code: str) -> int:
    """Kinh, Hoa, Khmer, then any other language (the registry's order)."""
    order = languages.codes()
    return order.index(code) if code in order else len(order)


def version_name(number: int, language: str) -> str:
    return _("version %(number)s (%(language)s)", number=number, language=language_name(language))


def version_of(version: Any) -> str:
    """ "phiên bản 2 (Hoa)" for a Version."""
    return version_name(version.number, version.variant.language)


def audit_action(action: str, object_label: str | None = None) -> str:
    if action in VERSION_ACTIONS:
        found = VERSION_LABEL.match(object_label or "")
        if found:
            version = version_name(int(found["number"]), found["language"])
            return str(VERSION_ACTIONS[action]) % {"version": version}
        return str(VERSION_ACTIONS[action]) % {"version": _("a version")}
    return str(ACTIONS.get(action, action))


SCHEDULE_LABEL = re.compile(r"^schedule (?P<id>\d+)$")


def audit_object(object_type: str | None, object_label: str | None) -> str:
    kind = str(OBJECT_TYPES.get(object_type or "", object_type or ""))
    if object_label and VERSION_LABEL.match(object_label):
        object_label = None  # already said by the action
    found = SCHEDULE_LABEL.match(object_label or "")
    if found:
        object_label = _("schedule %(id)s", id=found["id"])
    return " · ".join(part for part in (kind, object_label or "") if part)


def audit_choices() -> list[tuple[str, str]]:
    """(action, words) for the audit log's filter, in the words' order."""
    pairs = [(code, str(text)) for code, text in ACTIONS.items()]
    pairs += [(code, audit_action(code)) for code in VERSION_ACTIONS]
    return sorted(pairs, key=lambda pair: pair[1].lower())


def voice_of(engine: str | None, voice_id: str | None) -> str:
    """ "Tiếng Việt (giọng miền Nam) · eSpeak NG (…)" for a stored engine and voice id."""
    from .services.speech import labels
    from .services.speech.providers import registry

    if not engine:
        return ""
    found = registry().engines.get(engine)
    voice = found.voice(voice_id) if found is not None and voice_id else None
    if voice is None:
        return labels.engine_label(engine)
    return labels.voice_label(found or engine, voice)
