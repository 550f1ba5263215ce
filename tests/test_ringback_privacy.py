"""No phone number in clear anywhere: not in any table, not in the logs (SQL statements and
their parameters included), not in Redis job payloads, not in stored files, after a
self-report, an API batch, a refused file and an import run on an RQ worker."""

from __future__ import annotations

import io
import logging
import os
import re
import uuid

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs.backends import RQBackend
from audio_manager.models import ImportStatus, Install, InstallImport
from audio_manager.services.audio.assets import storage
from audio_manager.services.context import Actor
from audio_manager.services.ringback import install_import

from .conftest import bearer
from .ringback_helpers import ringback_world

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The nine digits after the leading 0 / 84 / +84: present in every way of writing each number.
SELF_REPORTED = "912340001"
BATCHED = "987650002"
IMPORTED = ["389110003", "707120004", "862000005"]
REFUSED = "912340009"
ALL = [SELF_REPORTED, BATCHED, *IMPORTED, REFUSED]


def database_text() -> str:
    """Every value of every row of every table, as text."""
    chunks = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                chunks.extend(repr(value) for value in row)
    return "\n".join(chunks)


def stored_bytes() -> bytes:
    store = storage()
    return b"".join(store.read(key) for key in store.keys())  # noqa: SIM118 (not a dict)


@pytest.fixture
def sql_logging():
    engine_log = logging.getLogger("sqlalchemy.engine")
    level = engine_log.level
    engine_log.setLevel(logging.INFO)  # statements and their parameters
    yield
    engine_log.setLevel(level)


def test_no_phone_number_in_clear_anywhere(
    app, app_ctx, tmp_path, client, token_for, login_as, caplog, sql_logging
) -> None:
    caplog.set_level(logging.DEBUG)
    w = ringback_world(tmp_path)
    staff = login_as("staff")
    reported = staff.submit(
        "/ringback/my-installs",
        {
            "carrier_id": w["carriers"]["viettel"].id,
            "code": "111111",
            "phone": f"+84 {SELF_REPORTED[:2]} {SELF_REPORTED[2:5]} {SELF_REPORTED[5:]}",
            "unit": "",
            "on": "",
            "action": "install",
        },
    )
    assert reported.status_code == 302
    headers = bearer(token_for("admin"))
    batch = client.post(
        "/api/v1/ringback/installs",
        json={"installs": [{"phone": f"84{BATCHED}", "carrier": "viettel", "code": "222222"}]},
        headers=headers,
    )
    assert batch.json["results"][0]["status"] == "created"
    refused = client.post(
        "/api/v1/ringback/installs/import",
        data={"file": (io.BytesIO(f"phone,code\n0{REFUSED},999999\n".encode()), f"0{REFUSED}.csv")},
        headers=headers,
    )
    assert refused.status_code == 422
    text = "Số điện thoại,Mã nhạc chờ,Nhà mạng\n" + "".join(
        f"0{p},333333,mobifone\n" for p in IMPORTED
    )
    preview = client.post(
        "/api/v1/ringback/installs/import",
        data={"file": (io.BytesIO(text.encode()), f"ds-0{IMPORTED[0]}.csv")},
        headers=headers,
    )
    assert preview.status_code == 201
    record = db.session.get(InstallImport, preview.json["id"])

    # The import runs on an RQ worker: its payload in Redis is a task name and a row id.
    from redis import Redis
    from rq import SimpleWorker

    queue_name = f"am-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=queue_name)
    install_import.commit(Actor(user=w["admin"], via="test"), record)
    db.session.commit()
    backend = RQBackend(app)
    backend.push("install_import", record.id)
    redis = Redis.from_url(REDIS_URL)

    def redis_text() -> bytes:
        return b"".join(
            repr(redis.dump(key)).encode() for key in redis.scan_iter(f"rq:*{queue_name}*")
        ) + b"".join(repr(redis.dump(key)).encode() for key in redis.scan_iter("rq:job:*"))

    queued_payloads = redis_text()
    SimpleWorker([backend.queue()], connection=redis).work(burst=True)
    db.session.expire_all()
    assert db.session.get(InstallImport, record.id).status == ImportStatus.DONE
    assert db.session.scalar(sa.select(sa.func.count(Install.id))) == 5
    finished_payloads = redis_text()
    backend.queue().delete(delete_jobs=True)

    assert "sqlalchemy.engine" in caplog.text  # SQL was logged, with its parameters
    everything = {
        "database": database_text(),
        "logs": caplog.text + "".join(repr(r.args) for r in caplog.records),
        "redis": (queued_payloads + finished_payloads).decode("latin-1"),
        "storage": stored_bytes().decode("latin-1"),
    }
    assert "09x xxx x001" in everything["database"]  # the dump does hold what is stored
    for where, content in everything.items():
        squeezed = re.sub(r"[\s.\-()/]", "", content)  # "+84 91 234 0001" is found too
        for digits in ALL:
            assert digits not in squeezed, f"{digits} found in {where}"
    masks = set(db.session.scalars(sa.select(Install.phone_masked)))
    assert masks == {f"0{p[:1]}x xxx x{p[-3:]}" for p in [SELF_REPORTED, BATCHED, *IMPORTED]}
