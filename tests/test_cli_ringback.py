"""The ringback commands: carriers, a release, an import (dry run, refusal, real), a report."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Install, InstallImport, InstallTarget, RingbackRelease
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor

from .ringback_helpers import ringback_world
from .schedule_helpers import approved_upload
from .workflow_helpers import new_message


def test_cli_lists_imports_reports_and_sets_targets(app, app_ctx, tmp_path) -> None:
    ringback_world(tmp_path)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["ringback", "carriers"])
    assert listed.exit_code == 0 and "viettel\tViettel\tmp3 128 kbit/s" in listed.output
    path = tmp_path / "list.csv"
    path.write_text("SĐT,Mã nhạc chờ\n0912345678,111111\n0281234567,111111\n", encoding="utf-8")
    refused = runner.invoke(args=["ringback", "import-installs", str(path), "--as", "admin"])
    assert refused.exit_code != 0 and "line 3:" in refused.output
    path.write_text("SĐT,Mã nhạc chờ,Đơn vị\n0912345678,111111,94101\n0707123456,111111,94201\n")
    dry = runner.invoke(
        args=["ringback", "import-installs", str(path), "--as", "admin", "--dry-run",
              "--carrier", "viettel", "--map", "unit=Đơn vị"]
    )  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "2 lines: 2 new" in dry.output
    assert db.session.scalar(sa.select(sa.func.count(InstallImport.id))) == 0
    done = runner.invoke(
        args=["ringback", "import-installs", str(path), "--as", "admin", "--carrier", "viettel",
              "--map", "unit=Đơn vị"]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "'created': 2" in done.output
    assert db.session.scalar(sa.select(sa.func.count(Install.id))) == 2
    report = runner.invoke(args=["ringback", "report", "--group-by", "unit", "--as", "viewer"])
    assert report.exit_code == 0
    assert "Xã An\t1\t1" in report.output and "Tổng cộng\t2\t2" in report.output
    target = runner.invoke(args=["ringback", "set-target", "94101", "40"])
    assert target.exit_code == 0 and db.session.get(InstallTarget, _area("94101")).target == 40
    assert runner.invoke(args=["ringback", "set-target", "nowhere", "4"]).exit_code != 0


def test_cli_prepares_a_release(app, app_ctx, tmp_path) -> None:
    w = ringback_world(tmp_path)
    from audio_manager.models import Role

    from .conftest import make_user

    approver = make_user("approver", Role.APPROVER)
    stock.install_generated(Actor.system())
    version = approved_upload(w["editor"], approver, new_message(w["editor"]), "kinh", tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["ringback", "release", str(version.id), "vinaphone", "--as", "editor"]
    )
    assert result.exit_code == 0, result.output
    assert "prepared for VinaPhone" in result.output
    release = db.session.scalar(
        sa.select(RingbackRelease).where(RingbackRelease.version_id == version.id)
    )
    assert release.status == "prepared" and release.package_asset.mime == "application/zip"


def _area(code: str) -> int:
    return db.session.scalar(sa.text("SELECT id FROM areas WHERE code = :c"), {"c": code})
