"""Names people read in voice pickers, in the page's language (Vietnamese or English).

A voice's own name ("Ban Mai", "Hoài My") is not translated; its gender, accent, variety and
engine are, and the names of voices that are only descriptions ("Northern woman 1").
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...production.engines import Engine, Voice

GENDERS = {"female": _l("female"), "male": _l("male")}
ACCENTS = {
    "northern": _l("northern accent"),
    "central": _l("central accent"),
    "southern": _l("southern accent"),
}
VARIETIES = {"cmn": _l("Mandarin"), "yue": _l("Cantonese")}
ENGINES = {
    "fpt": "FPT.AI",
    "viettel": "Viettel AI",
    "zalo": "Zalo AI",
    "google": "Google Cloud",
    "azure": "Microsoft Azure",
    "gtts": _l("Google Translate (free, unofficial)"),
    "espeak": _l("eSpeak NG (offline, robotic draft voice)"),
}
KINDS = {
    "contracted": _l("Contracted service (needs a key)"),
    "unofficial": _l("Free and unofficial: may stop working at any time"),
    "offline": _l("Offline, on this server"),
}
DESCRIPTIONS = {
    "Vietnamese": _l("Vietnamese"),
    "Mandarin": _l("Mandarin"),
    "Mandarin, simplified": _l("Mandarin, simplified"),
    "Mandarin, Taiwan": _l("Mandarin, Taiwan"),
    "Cantonese": _l("Cantonese"),
    "Khmer": _l("Khmer"),
    "Northern woman 1": _l("Northern woman 1"),
    "Northern woman 2": _l("Northern woman 2"),
    "Northern man": _l("Northern man"),
    "Southern woman 1": _l("Southern woman 1"),
    "Southern woman 2": _l("Southern woman 2"),
    "Southern man": _l("Southern man"),
}


def engine_label(engine: Engine | str) -> str:
    name = engine if isinstance(engine, str) else engine.name
    return str(ENGINES.get(name, name))


def voice_name(voice: Voice) -> str:
    return str(DESCRIPTIONS.get(voice.label, voice.label))


def voice_traits(voice: Voice) -> list[str]:
    traits = []
    if voice.language == "zh" and voice.variety in VARIETIES and voice.label not in DESCRIPTIONS:
        traits.append(str(VARIETIES[voice.variety]))
    if voice.gender in GENDERS:
        traits.append(str(GENDERS[voice.gender]))
    if voice.accent in ACCENTS:
        traits.append(str(ACCENTS[voice.accent]))
    return traits


def voice_label(engine: Engine | str, voice: Voice) -> str:
    """ "Ban Mai (nữ, giọng miền Bắc) · FPT.AI"."""
    traits = voice_traits(voice)
    text = voice_name(voice) + (f" ({', '.join(traits)})" if traits else "")
    if not voice.broadcast:
        text += " — " + _("drafts only, not for broadcast")
    return _("%(voice)s · %(engine)s", voice=text, engine=engine_label(engine))
