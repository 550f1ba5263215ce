"""Who may open each ringback page, the carriers seeded by the migration, carrier editing, and
an import job run by the thread backend."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask_migrate import upgrade

from audio_manager import create_app
from audio_manager.extensions import db
from audio_manager.jobs.backends import ThreadBackend
from audio_manager.models import Carrier, ImportStatus, InstallImport
from audio_manager.services.context import Actor
from audio_manager.services.ringback import install_import

from .conftest import bearer
from .ringback_helpers import ringback_world
from .test_migrations import scratch_database_url  # noqa: F401 (a fresh database)

ALL = {"admin", "editor", "viewer", "an_viewer", "staff"}
MATRIX = [
    ("/ringback/", ALL),
    ("/ringback/my-installs", ALL),
    ("/ringback/releases", {"admin", "editor", "viewer", "an_viewer"}),
    ("/ringback/releases/new", {"admin", "editor"}),
    ("/ringback/carriers", {"admin"}),
    ("/ringback/carriers/new", {"admin"}),
    ("/ringback/installs/import", {"admin"}),
    ("/ringback/targets", {"admin"}),
    ("/ringback/report", ALL),  # staff are commune operators: they read reports too
]


def test_role_matrix(app_ctx, tmp_path, login_as) -> None:
    w = ringback_world(tmp_path)
    flyer = f"/ringback/releases/{w['tones']['v1'].id}/flyer"
    browsers = {name: login_as(name) for name in ALL}
    for path, allowed in [*MATRIX, (flyer, ALL)]:
        for name, browser in browsers.items():
            status = browser.get(path).status_code
            assert status == (200 if name in allowed else 403), (name, path, status)


def test_a_fresh_database_has_the_three_carriers(scratch_database_url) -> None:  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        found = db.session.scalars(sa.select(Carrier).order_by(Carrier.id)).all()
        assert [(c.code, c.name, c.sms_number) for c in found] == [
            ("viettel", "Viettel", "1221"),
            ("vinaphone", "VinaPhone", "9194"),
            ("mobifone", "MobiFone", "9224"),
        ]
        assert all("{code}" in c.sms_template and c.max_duration_s == 30.0 for c in found)
        db.session.remove()
        db.engine.dispose()


def test_an_admin_edits_a_carrier_and_a_stale_form_is_refused(app_ctx, tmp_path, login_as) -> None:
    w = ringback_world(tmp_path)
    carrier = w["carriers"]["vinaphone"]
    admin = login_as("admin")
    url = f"/ringback/carriers/{carrier.id}/edit"
    form = {
        "code": "vinaphone", "name": "VinaPhone", "active": "y", "source_profile": "ringback",
        "codec": "pcm_alaw", "bitrate_kbps": "", "sample_rate": "8000", "max_duration_s": "45",
        "sms_number": "9194", "sms_template": "BH {code}", "ussd_template": "*123*{code}#",
        "app_name": "My VNPT", "instructions": "Soạn {sms} gửi {sms_number} hoặc bấm {ussd}.",
        "revision": str(carrier.revision),
    }  # fmt: skip
    assert admin.submit(url, form).status_code == 302
    db.session.refresh(carrier)
    assert (carrier.codec, carrier.sample_rate, carrier.bitrate_kbps) == ("pcm_alaw", 8000, None)
    stale = admin.submit(url, {**form, "name": "Vina"})  # the revision it carries is old
    assert stale.status_code == 422 and "Có người vừa sửa" in stale.get_data(as_text=True)
    db.session.refresh(carrier)
    assert carrier.name == "VinaPhone"
    flyer = admin.get(f"/ringback/carriers/{carrier.id}/flyer").get_data(as_text=True)
    assert "No tone" not in flyer  # rendered in Vietnamese


def test_the_thread_backend_runs_an_import(app, app_ctx, tmp_path, client, token_for) -> None:
    w = ringback_world(tmp_path)
    data = "Số điện thoại,Mã nhạc chờ\n0912345678,111111\n0987654321,111111\n".encode()
    preview = client.post(
        "/api/v1/ringback/installs/import",
        data={"file": (io.BytesIO(data), "list.csv")},
        headers=bearer(token_for("admin")),
    )
    record = db.session.get(InstallImport, preview.json["id"])
    install_import.commit(Actor(user=w["admin"], via="test"), record)
    db.session.commit()
    backend = ThreadBackend(app)
    backend.push("install_import", record.id)
    assert backend.join(timeout=60)
    backend.stop()
    db.session.expire_all()
    record = db.session.get(InstallImport, record.id)
    assert record.status == ImportStatus.DONE and record.counts["created"] == 2


def test_the_demo_data_sets_install_targets(app_ctx, tmp_path) -> None:
    from audio_manager import demo
    from audio_manager.services.accounts import accounts
    from audio_manager.services.ringback import install_reports

    demo.load(tmp_path)
    progress = install_reports.report(accounts.find_user("viewer"), "target")
    first = progress.rows[0]
    assert (first["label"], first["target"], first["phones"]) == ("Tỉnh Sông Hậu (demo)", 240, 0)
    assert len(progress.rows) == len(demo.TARGETS) and progress.target == 240
