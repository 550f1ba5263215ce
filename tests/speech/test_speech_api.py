"""Speech through the app: what the voice will read, the engines list, versions that record the
engine, voice, spoken text and fallback, the clip cache and usage, preferences, voice samples,
offline Mandarin for drafts only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, SpeechClip, Version
from audio_manager.production.pcm import read_wav_bytes
from audio_manager.services.context import Actor
from audio_manager.services.speech import lexicons, preferences
from audio_manager.services.speech.clips import month_usage

from .fakes import KEY, FakeProviders
from .helpers import SpeechApi, configure, start

SCRIPT = "BHXH thông báo: gọi 1900 9068 trước 17h30."
SPOKEN = (
    "bảo hiểm xã hội thông báo: gọi một chín không không, chín không sáu tám trước "
    "mười bảy giờ ba mươi phút."
)


@pytest.fixture
def api(app, app_ctx, users, client, token_for, monkeypatch) -> SpeechApi:
    lexicons.restore_defaults(Actor.system("test"), "kinh")
    db.session.commit()
    return start(app, client, token_for, monkeypatch)


def test_preview_is_what_the_voice_will_read(api: SpeechApi) -> None:
    body = {"language": "kinh", "text": SCRIPT}
    for role in ("editor", "admin"):
        response = api.call(role, "POST", "/api/v1/speech/preview", json=body)
        assert response.status_code == 200, response.json
        assert response.json == {"language": "kinh", "spoken": SPOKEN, "characters": len(SPOKEN)}
    for role in ("approver", "operator", "viewer"):
        assert api.call(role, "POST", "/api/v1/speech/preview", json=body).status_code == 403
    assert (
        api.call("nobody", "POST", "/api/v1/speech/preview", json=body).status_code == 401
    )  # who asks is checked before any CSRF token
    assert api.call("nobody", "GET", "/api/v1/speech/engines").status_code == 401
    bad = api.call("editor", "POST", "/api/v1/speech/preview", json={"language": "fr", "text": "x"})
    assert bad.status_code == 422 and "language" in bad.json["error"]["details"]["json"]
    missing = api.call("editor", "POST", "/api/v1/speech/preview", json={"language": "kinh"})
    assert missing.status_code == 422 and "text" in missing.json["error"]["details"]["json"]
    hoa_body = {"language": "hoa", "text": "热线 1900 9068"}
    hoa = api.call("editor", "POST", "/api/v1/speech/preview", json=hoa_body)
    assert hoa.json["spoken"] == "热线 一九零零，九零六八"


def test_a_version_records_the_spoken_text_engine_voice_and_fallback(
    api: SpeechApi, fakes: FakeProviders
) -> None:
    configure(fakes, "fpt", "google")
    fakes["fpt"].mode = "quota"
    message = api.message()
    response = api.speak(message, text=SCRIPT)
    assert response.status_code == 202, response.json
    version = response.json["version"]
    assert (version["engine"], version["voice"]) == ("google", "vi-VN-Neural2-A")  # female, north
    assert (version["fallback_from"], version["fallback_reason"]) == ("fpt", "quota_exceeded")
    assert (version["script_text"], version["spoken_text"]) == (SCRIPT, SPOKEN)
    assert fakes["google"].texts() == [SPOKEN]  # the engine got what the preview showed
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "version.create"))
    assert event.detail["fallback_reason"] == "quota_exceeded"
    assert api.jobs.calls == [(response.json["job"]["id"], "render")]


def test_the_same_speech_is_never_paid_twice(api: SpeechApi, fakes: FakeProviders) -> None:
    configure(fakes, "viettel")
    first = api.speak(api.message("Một"), text=SCRIPT, engine="viettel")
    again = api.speak(api.message("Hai"), text=SCRIPT, engine="viettel")
    assert first.status_code == again.status_code == 202
    assert len(fakes["viettel"].requests) == 1
    assert month_usage()["viettel"] == (len(SPOKEN), 1)
    assert db.session.scalar(sa.select(SpeechClip.uses)) == 1
    faster = api.speak(api.message("Ba"), text=SCRIPT, engine="viettel", speed=1.1)
    assert faster.status_code == 202 and len(fakes["viettel"].requests) == 2
    assert month_usage()["viettel"] == (2 * len(SPOKEN), 2)
    edited = api.call(
        "editor",
        "PATCH",
        f"/api/v1/versions/{first.json['version']['id']}",
        json={"text": SCRIPT, "engine": "viettel"},
    )
    assert edited.status_code == 202 and len(fakes["viettel"].requests) == 2


def test_language_preferences_pick_the_engine_voice_and_speed(
    api: SpeechApi, fakes: FakeProviders, login_as
) -> None:
    configure(fakes, "fpt", "zalo")
    admin = login_as("admin")
    page = "/admin/speech/"
    response = admin.submit(
        "/admin/speech/languages/kinh",
        {"order-zalo": "1", "order-fpt": "2", "order-espeak": "3", "default_voice": "zalo:4",
         "default_speed": "1.1", "sample_text": "Xin chào bà con."},
        page=page,
    )  # fmt: skip
    assert response.status_code == 302
    saved = preferences.get("kinh")
    assert saved.engine_order == ("zalo", "fpt", "espeak")
    assert (saved.default_engine, saved.default_voice, saved.default_speed) == ("zalo", "4", 1.1)
    version = api.speak(api.message(), text="Xin chào.").json["version"]
    assert (version["engine"], version["voice"], version["speed"]) == ("zalo", "4", 1.1)
    assert fakes["zalo"].requests[-1]["speed"] == "1.1"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "speech.preferences")
    )
    assert event.detail["engine_order"] == ["zalo", "fpt", "espeak"]
    wrong = admin.submit(
        "/admin/speech/languages/kinh",
        {"order-zalo": "1", "default_voice": "azure:km-KH-PisethNeural", "default_speed": "1.0"},
        page=page,
    )
    assert wrong.status_code == 302 and preferences.get("kinh").default_voice == "4"


def test_every_engine_is_listed_with_its_voices(api: SpeechApi, fakes: FakeProviders) -> None:
    configure(fakes, "viettel")
    response = api.call("editor", "GET", "/api/v1/speech/engines")
    assert response.status_code == 200
    engines = {e["name"]: e for e in response.json["engines"]}
    assert set(engines) == {"fpt", "viettel", "zalo", "google", "azure", "gtts", "espeak"}
    assert (engines["viettel"]["configured"], engines["fpt"]["configured"]) == (True, False)
    assert engines["viettel"]["reachable"] is None  # not tried yet
    assert engines["gtts"]["kind"] == "unofficial" and engines["espeak"]["robotic"] is True
    accents = {v["accent"] for v in engines["fpt"]["voices"]}
    assert accents == {"northern", "central", "southern"}
    banmai = next(v for v in engines["fpt"]["voices"] if v["id"] == "banmai")
    assert banmai["label"] == "Ban Mai (nữ, giọng miền Bắc) · FPT.AI"
    assert banmai["language"] == "kinh" and banmai["gender"] == "female"
    assert {"kinh", "hoa", "khmer"} == set(engines["azure"]["languages"])
    cmn = next(v for v in engines["espeak"]["voices"] if v["id"] == "cmn")
    assert cmn["broadcast"] is False
    assert KEY not in response.get_data(as_text=True)
    probed = api.call("editor", "GET", "/api/v1/speech/engines?probe=true").json["engines"]
    assert next(e for e in probed if e["name"] == "viettel")["reachable"] is True
    assert next(e for e in probed if e["name"] == "fpt")["reachable"] is None
    assert api.call("approver", "GET", "/api/v1/speech/engines").status_code == 403


def test_voice_samples_are_heard_and_cached(api: SpeechApi, fakes: FakeProviders) -> None:
    configure(fakes, "azure")
    url = "/api/v1/speech/voices/azure/km-KH-SreymomNeural/sample?language=khmer"
    first = api.call("editor", "GET", url)
    assert first.status_code == 200 and first.mimetype == "audio/wav"
    samples, rate = read_wav_bytes(first.data)
    assert rate == 24000 and len(samples) / rate > 0.1
    assert api.call("editor", "GET", url).data == first.data
    assert len(fakes["azure"].requests) == 1
    espeak = "/api/v1/speech/voices/espeak/vi-vn-x-south/sample?language=kinh"
    offline = api.call("editor", "GET", espeak)
    assert offline.status_code == 200
    unknown = api.call("editor", "GET", "/api/v1/speech/voices/azure/nobody/sample?language=khmer")
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_voice"
    no_key = api.call("editor", "GET", "/api/v1/speech/voices/fpt/banmai/sample?language=kinh")
    assert no_key.status_code == 503
    assert no_key.json["error"]["code"] == "engine_not_configured"
    assert api.call("viewer", "GET", url).status_code == 403


def test_offline_mandarin_is_for_drafts_only(api: SpeechApi) -> None:
    message = api.message()
    refused = api.speak(message, language="hoa", text="乡亲们好。", engine="espeak", voice="cmn")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "voice_not_offered"
    current = preferences.get("hoa")
    preferences.update(
        Actor.system("test"),
        "hoa",
        engine_order=current.engine_order,
        default_voice=None,
        default_speed=1.0,
        sample_text="",
        allow_draft_voices=True,
    )
    db.session.commit()
    made = api.speak(message, language="hoa", text="乡亲们好。", engine="espeak", voice="cmn")
    assert made.status_code == 202 and made.json["version"]["draft_only"] is True
    version = made.json["version"]
    submit = api.call(
        "editor", "POST", f"/api/v1/versions/{version['id']}/submit",
        json={"revision": version["revision"]},
    )  # fmt: skip
    assert submit.status_code == 409 and submit.json["error"]["code"] == "draft_only_voice"
    assert db.session.get(Version, version["id"]).status == "draft"
