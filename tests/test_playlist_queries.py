"""A changed playlist is built from a fixed number of indexed statements, whatever the area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area
from audio_manager.scheduling import LOCAL_TZ
from audio_manager.services.broadcast import playlists

from .conftest import bearer, load_tree
from .schedule_helpers import world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
MORE = """level,code,name,parent_code,languages
province,95,Tỉnh Khác,,
commune,95101,Xã Khác,95,
hamlet,C1,Ấp Khác Một,95101,kinh
hamlet,C2,Ấp Khác Hai,95101,kinh;hoa
hamlet,C3,Ấp Khác Ba,95101,khmer
"""


@pytest.fixture
def w(app_ctx, client, token_for, tmp_path):
    data = world(tmp_path)
    load_tree(MORE)
    editor = bearer(token_for("editor"))
    for areas, times in ((["94"], ["06:00"]), (["94101"], ["07:00"]), (["C2", "95"], ["08:00"])):
        created = client.post(
            "/api/v1/schedules",
            headers=editor,
            json={
                "message_id": data["message"].id,
                "areas": areas,
                "times": times,
                "start_date": (TODAY - timedelta(days=1)).isoformat(),
                "end_date": (TODAY + timedelta(days=30)).isoformat(),
                "recurrence": {"kind": "daily"},
            },
        )
        assert created.status_code == 201, created.json
    return data


def statements_of_build(code: str, days: int = 1) -> tuple[list[tuple[str, object]], object]:
    caught: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, params, _context, _many) -> None:
        caught.append((statement, params))

    area = db.session.scalar(sa.select(Area).where(Area.code == code))
    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        built = playlists.build(area, TODAY, days)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return caught, built


def test_the_number_of_statements_does_not_grow_with_the_area(w) -> None:
    counts = set()
    for code, days in (("94101", 1), ("94", 3), ("95101", 7), ("95", 1), ("C2", 14)):
        caught, built = statements_of_build(code, days)
        assert built.items(), code
        counts.add(len(caught))
    assert counts == {6}


@pytest.mark.postgres_only
def test_every_statement_of_a_build_uses_an_index(w) -> None:
    """With sequential scans priced out, a statement that still scans a table has no index to
    use (on a small test database the planner would otherwise prefer scans anyway)."""
    caught, _built = statements_of_build("95101", 2)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        for statement, params in caught:
            cursor.execute("EXPLAIN " + statement, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, f"{statement}\n{plan}"
        cursor.execute("RESET enable_seqscan")
    finally:
        raw.close()
