from __future__ import annotations

from audio_manager import create_app


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "storage": "ok"}


def test_healthz_names_the_failing_part(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
            "STORAGE_ROOT": blocker / "audio",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "error"
    assert body["database"].startswith("error") and body["storage"].startswith("error")
