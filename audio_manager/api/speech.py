"""Speech: what the voice will read, every engine with its voices, voice samples, usage."""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
from flask import send_file, url_for
from flask_smorest import Blueprint

from .. import languages
from ..access import roles
from ..extensions import db
from ..models import Role
from ..services.speech import catalogue, synthesis
from ..services.speech.clips import month_usage, this_month
from ..services.speech.spoken import spoken_text
from . import ErrorSchema

blp = Blueprint(
    "api_speech", __name__, description="Speech engines, voices and what the voice will read"
)

SPEAKERS = (Role.EDITOR, Role.ADMIN)


def known_language(code: str) -> None:
    if languages.get(code) is None:
        raise ma.ValidationError(f"Unknown language: one of {', '.join(languages.codes())}.")


class PreviewRequest(ma.Schema):
    language = ma.fields.String(
        required=True, validate=known_language, metadata={"description": "kinh, hoa or khmer"}
    )
    text = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=20000),
        metadata={"description": "A script, as the editor typed it"},
    )


class PreviewAnswer(ma.Schema):
    language = ma.fields.String()
    spoken = ma.fields.String(metadata={"description": "What the voice will read"})
    characters = ma.fields.Integer(metadata={"description": "Length of the spoken text"})


class VoiceSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "The engine's own voice id"})
    label = ma.fields.String(metadata={"description": "Name, gender and accent, translated"})
    name = ma.fields.String()
    language = ma.fields.String(metadata={"description": "kinh, hoa or khmer"})
    bcp47 = ma.fields.String()
    variety = ma.fields.String(metadata={"description": "vi, cmn, yue or km"})
    locale = ma.fields.String(allow_none=True)
    gender = ma.fields.String(allow_none=True, metadata={"description": "female or male"})
    accent = ma.fields.String(
        allow_none=True, metadata={"description": "northern, central or southern (Vietnamese)"}
    )
    broadcast = ma.fields.Boolean(
        metadata={"description": "False: drafts only (offline Mandarin), when an admin allows"}
    )
    sample_url = ma.fields.String(metadata={"description": "The voice reading a sample sentence"})


class EngineSchema(ma.Schema):
    name = ma.fields.String()
    label = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "contracted, unofficial or offline"})
    kind_label = ma.fields.String()
    paid = ma.fields.Boolean()
    online = ma.fields.Boolean()
    robotic = ma.fields.Boolean(metadata={"description": "A draft-quality voice"})
    configured = ma.fields.Boolean(metadata={"description": "Has its key and may be used"})
    reachable = ma.fields.Boolean(
        allow_none=True, metadata={"description": "As last seen by this server; null: not tried"}
    )
    checked_at = ma.fields.DateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    languages = ma.fields.List(ma.fields.String())
    voices = ma.fields.List(ma.fields.Nested(VoiceSchema))
    characters_this_month = ma.fields.Integer(
        metadata={"description": "Characters sent to a paid engine this month"}
    )


class EnginesAnswer(ma.Schema):
    engines = ma.fields.List(ma.fields.Nested(EngineSchema))


class EnginesQuery(ma.Schema):
    probe = ma.fields.Boolean(
        load_default=False, metadata={"description": "Ask every engine that is set up now"}
    )


class SampleQuery(ma.Schema):
    language = ma.fields.String(
        required=True, validate=known_language, metadata={"description": "kinh, hoa or khmer"}
    )


class UsageAnswer(ma.Schema):
    month = ma.fields.String()
    engines = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Dict(),
        metadata={"description": "engine -> {characters, requests}"},
    )


@blp.route("/speech/preview", methods=["POST"])
@roles(*SPEAKERS)
@blp.arguments(PreviewRequest())
@blp.response(200, PreviewAnswer)
@blp.alt_response(422, schema=ErrorSchema, description="Unknown language or text too long")
def preview(data: dict[str, Any]) -> Any:
    """What the voice will read: the script through its language's lexicon and normaliser (the
    same function every synthesis calls)."""
    spoken = spoken_text(data["language"], data["text"])
    return {"language": data["language"], "spoken": spoken, "characters": len(spoken)}


def _with_samples(info: catalogue.EngineInfo) -> dict[str, Any]:
    out = dict(info.__dict__)
    out["voices"] = [
        {
            **voice.__dict__,
            "sample_url": url_for(
                "api_speech.voice_sample",
                engine=info.name,
                voice=voice.id,
                language=voice.language,
            ),
        }
        for voice in info.voices
    ]
    return out


@blp.route("/speech/engines")
@roles(*SPEAKERS)
@blp.arguments(EnginesQuery(), location="query")
@blp.response(200, EnginesAnswer)
def engines(args: dict[str, Any]) -> Any:
    """Every speech engine the app knows, configured or not, with whether it is set up and
    reachable, its languages and its voices (gender, accent). Keys are never shown."""
    found = catalogue.engines(probe=args["probe"])
    return {"engines": [_with_samples(info) for info in found]}


@blp.route("/speech/voices/<engine>/<path:voice>/sample")
@roles(*SPEAKERS)
@blp.arguments(SampleQuery(), location="query")
@blp.response(200, description="WAV: the voice reading the language's sample sentence")
@blp.alt_response(
    422,
    schema=ErrorSchema,
    description="Unknown engine, voice or language, or the voice does not speak the language",
)
@blp.alt_response(
    503,
    schema=ErrorSchema,
    description="The engine cannot be used now: no key, unreachable, refused (502), quota "
    "(429), timeout (504)",
)
def voice_sample(args: dict[str, Any], engine: str, voice: str) -> Any:
    """Hear a voice before choosing it. Paid engines are asked once per voice and sentence."""
    speech = synthesis.sample(args["language"], engine, voice)
    db.session.commit()  # the clip (and its usage) are kept even though nothing else changed
    response = send_file(
        io.BytesIO(speech.result.wav), mimetype="audio/wav", download_name=f"{voice}.wav"
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@blp.route("/speech/usage")
@roles(Role.ADMIN)
@blp.response(200, UsageAnswer)
def usage() -> Any:
    """Characters sent to each paid engine this month (what the provider bills)."""
    month = this_month()
    used = month_usage(month)
    return {
        "month": month,
        "engines": {e: {"characters": c, "requests": r} for e, (c, r) in used.items()},
    }
