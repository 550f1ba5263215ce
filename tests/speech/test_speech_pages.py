"""Speech pages: the engines page (keys never shown), lexicons (audited), the edit page's
"what the voice will read" and voice samples, the ``flask speech`` commands."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, LexiconEntry, SpeechProvider
from audio_manager.services.context import Actor
from audio_manager.services.speech import lexicons, providers

from .fakes import KEY, FakeProviders
from .helpers import configure, start


def test_keys_are_set_on_the_page_and_never_shown_again(
    app, app_ctx, users, client, token_for, login_as, monkeypatch, fakes: FakeProviders
) -> None:
    start(app, client, token_for, monkeypatch)
    admin = login_as("admin")
    page = admin.get("/admin/speech/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Phổ thông ngoại tuyến không dùng để phát thanh" in html  # and the page says why
    assert "FPT.AI" in html and "Zalo AI" in html
    response = admin.submit(
        "/admin/speech/providers/azure",
        {"key": KEY, "region": "southeastasia", "endpoint": fakes.url("azure"), "enabled": "1"},
        page="/admin/speech/",
    )
    assert response.status_code == 302
    state = providers.state("azure")
    assert (state.key_source, state.region) == ("page", "southeastasia")
    row = db.session.get(SpeechProvider, "azure")
    assert row.key_cipher and KEY not in row.key_cipher  # encrypted at rest
    assert providers.settings_for("azure").key == KEY
    html = admin.get("/admin/speech/?probe=1").get_data(as_text=True)
    assert KEY not in html and "southeastasia" in html
    # Saving again without a key keeps it; unticking "use" turns the engine off.
    admin.submit("/admin/speech/providers/azure", {"region": "eastasia"}, page="/admin/speech/")
    db.session.expire_all()
    assert providers.settings_for("azure").key == ""  # not enabled: nothing is sent
    assert providers.state("azure").key_source == "page"
    admin.submit("/admin/speech/providers/azure", {"clear_key": "1"}, page="/admin/speech/")
    db.session.expire_all()
    assert providers.state("azure").key_source is None
    refused = admin.submit(
        "/admin/speech/providers/azure", {"key": "two words"}, page="/admin/speech/"
    )
    assert refused.status_code == 302 and providers.state("azure").key_source is None
    events = sa.select(AuditEvent).where(AuditEvent.action == "speech.provider")
    details = [e.detail for e in db.session.scalars(events.order_by(AuditEvent.id))]
    assert [d.get("key") for d in details] == ["set", None, "cleared"]
    assert login_as("editor").get("/admin/speech/").status_code == 403


def test_a_key_from_the_settings_and_a_changed_secret(app, app_ctx, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ZALO_TTS_KEY", KEY)
    assert providers.state("zalo").key_source == "settings"
    assert providers.settings_for("zalo").key == KEY
    providers.update(Actor.system("test"), "zalo", key="another-key")
    db.session.commit()
    assert providers.settings_for("zalo").key == "another-key"  # the page wins
    monkeypatch.setitem(app.config, "SPEECH_KEYS_SECRET", "a different secret")
    state = providers.state("zalo")
    assert state.key_unreadable and state.key_source == "settings"
    assert providers.settings_for("zalo").key == KEY


def test_lexicons_are_edited_on_a_page_and_audited(app_ctx, users, login_as, client) -> None:
    admin = login_as("admin")
    page = "/admin/speech/lexicon/kinh"
    assert admin.get(page).status_code == 200
    added = admin.submit(page, {"written": "KCN", "spoken": "khu công nghiệp"})
    assert added.status_code == 302
    from audio_manager.services.speech.spoken import spoken_text

    assert spoken_text("kinh", "Các KCN của tỉnh") == "Các khu công nghiệp của tỉnh"
    entry = db.session.scalar(sa.select(LexiconEntry).where(LexiconEntry.written == "KCN"))
    changed = {"entry_id": str(entry.id), "written": "KCN", "spoken": "khu công nghiệp tập trung"}
    admin.submit(page, changed)
    assert spoken_text("kinh", "KCN") == "khu công nghiệp tập trung"
    empty = admin.submit(page, {"written": "ABC", "spoken": ""})
    assert empty.status_code == 422
    assert "ABC" not in lexicons.as_mapping("kinh")
    admin.submit(f"{page}/{entry.id}/delete", {}, page=page)
    assert spoken_text("kinh", "KCN") == "KCN"
    restored = admin.submit(f"{page}/restore", {}, page=page)
    assert restored.status_code == 302 and lexicons.as_mapping("kinh")["BHXH"] == "bảo hiểm xã hội"
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    actions = [e.action for e in events if e.action.startswith("lexicon")]
    assert actions == ["lexicon.save", "lexicon.save", "lexicon.delete", "lexicon.restore"]
    khmer = admin.submit("/admin/speech/lexicon/khmer", {"written": "KPT", "spoken": "កំពត"})
    assert khmer.status_code == 302 and spoken_text("khmer", "ឃុំ KPT") == "ឃុំ កំពត"
    assert admin.get("/admin/speech/lexicon/fr").status_code == 404
    assert login_as("editor").get(page).status_code == 403


def test_the_edit_page_shows_what_the_voice_will_read(
    app, app_ctx, users, client, token_for, login_as, monkeypatch, fakes: FakeProviders
) -> None:
    lexicons.restore_defaults(Actor.system("test"), "kinh")
    db.session.commit()
    api = start(app, client, token_for, monkeypatch)
    configure(fakes, "fpt")
    message = api.message()
    fakes["fpt"].mode = "down"
    made = api.speak(message, text="Gọi 1900 9068.", engine="fpt").json["version"]
    assert (made["engine"], made["fallback_from"]) == ("espeak", "fpt")
    editor = login_as("editor")
    version_page = editor.get(f"/versions/{made['id']}").get_data(as_text=True)
    assert "Gọi một chín không không, chín không sáu tám." in version_page
    assert "Do espeak đọc vì không dùng được fpt (engine_unavailable)." in version_page
    edit = f"/messages/{message}/edit"
    html = editor.get(edit).get_data(as_text=True)
    assert "Gọi một chín không không, chín không sáu tám." in html
    assert "Ban Mai (nữ, giọng miền Bắc) · FPT.AI" in html  # voices are labelled in Vietnamese
    # Without JavaScript, "show what the voice will read" shows the typed script's reading.
    shown = editor.submit(
        f"/messages/{message}/versions",
        {"language": "kinh", "kinh-script": "UBND xã, 17h30", "action": "preview"},
        page=edit,
    )
    assert shown.status_code == 200
    assert "ủy ban nhân dân xã, mười bảy giờ ba mươi phút" in shown.get_data(as_text=True)
    listen = editor.get(f"/messages/{message}/listen/kinh?kinh-voice=fpt:banmai")
    assert listen.status_code == 302
    assert listen.location.endswith("/api/v1/speech/voices/fpt/banmai/sample?language=kinh")


def test_cli(app, app_ctx, fakes: FakeProviders) -> None:
    runner = app.test_cli_runner()
    lexicons.restore_defaults(Actor.system("test"), "kinh")
    db.session.commit()
    preview = runner.invoke(args=["speech", "preview", "kinh", "BHXH: 1900 9068"])
    assert preview.output.strip() == "bảo hiểm xã hội: một chín không không, chín không sáu tám"
    saved = runner.invoke(args=["speech", "set-key", "google", "--key-stdin"], input=KEY + "\n")
    assert saved.exit_code == 0 and KEY not in saved.output
    assert providers.settings_for("google").key == KEY
    listed = runner.invoke(args=["speech", "engines"])
    assert "google" in listed.output and "key set" in listed.output and KEY not in listed.output
    assert "nothing sent" in runner.invoke(args=["speech", "usage"]).output
    assert runner.invoke(args=["speech", "preview", "fr", "x"]).exit_code != 0
