"""/admin/jobs: what is waiting, running and failed, with a retry button (admins only; the
access matrix has its row)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import JobStatus, RenderJob

from .test_job_leases import job_row, make_queued_job


@pytest.fixture
def queued_job(app_ctx: Any) -> int:
    return make_queued_job()


def test_the_jobs_page_shows_waiting_and_failed_work(app, queued_job, users, login_as) -> None:
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == queued_job)
        .values(status=JobStatus.FAILED, attempts=3, error_code="worker_lost")
    )
    db.session.commit()
    admin = login_as("admin")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Công việc nền" in page and "không hoàn tất" in page.lower()
    assert f'action="/jobs/{queued_job}/retry"' in page
    answer = admin.submit(f"/jobs/{queued_job}/retry", {"next": "admin"}, page="/admin/jobs")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/jobs")
    assert job_row(queued_job).status == JobStatus.DONE  # retried (inline backend: rendered)
