"""Install imports outlive their worker: an import left "running" by a process that died is
queued again and written once, fails with a reason (in Vietnamese on the page) when it keeps
losing its worker, and an import taken over meanwhile records nothing."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs import leases, maintenance, tasks
from audio_manager.models import ImportStatus, Install, InstallImport
from audio_manager.models.base import utcnow
from audio_manager.services.ringback import install_import

from .conftest import bearer
from .ringback_helpers import ringback_world

HEADER = "Số điện thoại,Mã nhạc chờ,Nhà mạng,Mã đơn vị,Ngày,Họ tên\n"
LINES = "".join(f"091{i:07d},111111,viettel,94101,,\n" for i in range(30))


@pytest.fixture
def previewed(app_ctx, tmp_path, client, token_for) -> int:
    ringback_world(tmp_path)
    answer = client.post(
        "/api/v1/ringback/installs/import",
        data={"file": (io.BytesIO((HEADER + LINES).encode()), "ds.csv")},
        headers=bearer(token_for("admin")),
    )
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def record(import_id: int) -> InstallImport:
    db.session.expire_all()
    row = db.session.get(InstallImport, import_id)
    assert row is not None
    return row


def installs() -> int:
    return db.session.scalar(sa.select(sa.func.count(Install.id)))


def dead_pid() -> str:
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip


def left_running(import_id: int, attempts: int, **values: Any) -> None:
    """What a kill -9 of the process writing the import leaves: its transaction rolled back,
    the row "running" under a worker nobody will hear from again."""
    db.session.execute(
        sa.update(InstallImport)
        .where(InstallImport.id == import_id)
        .values(status=ImportStatus.RUNNING, attempts=attempts, started_at=utcnow(), **values)
    )
    db.session.commit()


def test_an_import_whose_process_died_is_queued_again_and_written_once(app, previewed) -> None:
    left_running(previewed, 1, worker=f"{leases.HOST}:{dead_pid()}")
    figures = maintenance.cycle(app.extensions["audio_manager.jobs"])
    assert figures["reaped_imports"] == 1
    row = record(previewed)
    assert row.status == ImportStatus.DONE and row.attempts == 2
    assert row.worker is None and row.lease_until is None
    assert installs() == 30


def test_an_import_whose_lease_ran_out_elsewhere_is_queued_again(app, previewed) -> None:
    expired = utcnow() - timedelta(seconds=1)
    left_running(previewed, 1, worker="another-host:4242", lease_until=expired)
    assert leases.reap_imports() == (1, 0)
    assert record(previewed).status == ImportStatus.QUEUED
    # A live lease elsewhere is left alone.
    left_running(previewed, 1, worker="another-host:4242", lease_until=utcnow() + timedelta(60))
    assert leases.reap_imports() == (0, 0)
    assert record(previewed).status == ImportStatus.RUNNING


def test_an_import_that_keeps_losing_its_worker_fails_with_a_reason_and_can_be_retried(
    app, previewed, login_as
) -> None:
    limit = app.config["JOB_MAX_ATTEMPTS"]
    left_running(previewed, limit, worker=f"{leases.HOST}:{dead_pid()}")
    assert leases.reap_imports() == (0, 1)
    row = record(previewed)
    assert row.status == ImportStatus.FAILED and row.error_code == "worker_lost"
    admin = login_as("admin")
    page = admin.get(f"/ringback/imports/{previewed}").get_data(as_text=True)
    assert "tiến trình ghi dữ liệu đã dừng" in page.lower() and "worker" not in page.lower()
    url = f"/ringback/imports/{previewed}"
    assert admin.submit(f"{url}/commit", {}, page=url).status_code == 302  # Retry
    assert record(previewed).status == ImportStatus.DONE and installs() == 30


def test_an_import_taken_over_meanwhile_records_nothing(app, previewed, monkeypatch) -> None:
    row = record(previewed)
    row.status = ImportStatus.QUEUED
    db.session.commit()
    real_run = install_import.run

    def reaped_meanwhile(record: Any, progress: Any) -> Any:
        with db.engine.begin() as other:  # a reaper presumed this worker dead and queued it
            other.execute(
                sa.update(InstallImport)
                .where(InstallImport.id == previewed)
                .values(status=ImportStatus.QUEUED, worker=None, lease_until=None)
            )
        return real_run(record, progress)

    monkeypatch.setattr(install_import, "run", reaped_meanwhile)
    tasks.run_install_import(previewed)
    row = record(previewed)
    assert row.status == ImportStatus.QUEUED and installs() == 0  # left to the next attempt
