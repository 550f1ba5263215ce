"""Playlist validators for a whole country: known without building the playlist, moved only by
what a playlist is made of, matched weakly, with the same cache headers on 304 as on 200."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import ApiToken, Area
from audio_manager.scheduling import LOCAL_TZ

from .conftest import bearer, load_tree, make_user
from .schedule_helpers import world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
OTHER_PROVINCE = """level,code,name,parent_code,languages
province,95,Tỉnh Khác,,
commune,95101,Xã Khác,95,
hamlet,C1,Ấp Khác Một,95101,kinh
"""


@pytest.fixture
def w(app_ctx, client, token_for, tmp_path):
    data = world(tmp_path)
    load_tree(OTHER_PROVINCE)
    make_user("operator95", "operator", areas=["95101"])
    data["tokens"] = {
        name: bearer(token_for(name)) for name in ("editor", "operator", "operator95")
    }
    for code in ("94101", "95101"):
        created = client.post(
            "/api/v1/schedules",
            headers=data["tokens"]["editor"],
            json={
                "message_id": data["message"].id,
                "areas": [code],
                "times": ["06:30"],
                "start_date": (TODAY - timedelta(days=1)).isoformat(),
                "end_date": (TODAY + timedelta(days=30)).isoformat(),
                "recurrence": {"kind": "daily"},
            },
        )
        assert created.status_code == 201, created.json
    return data


def url(code: str, fmt: str = "json") -> str:
    return f"/api/v1/playlists?area={code}&date={TODAY}&format={fmt}"


def poll(client, w, who: str, code: str, etag: str | None = None, fmt: str = "json"):
    headers = dict(w["tokens"][who])
    if etag:
        headers["If-None-Match"] = etag
    return client.get(url(code, fmt), headers=headers)


def sql(statement: str, **params) -> None:
    """A change made by another process, with plain SQL."""
    engine = sa.create_engine(db.engine.url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def test_an_edit_in_one_province_leaves_the_others_at_304(w, client) -> None:
    here, there = poll(client, w, "operator", "94101"), poll(client, w, "operator95", "95101")
    assert here.status_code == there.status_code == 200
    sql("UPDATE areas SET name = 'Ấp Đổi Tên' WHERE code = 'C1'")  # in province 95 only
    assert poll(client, w, "operator", "94101", here.headers["ETag"]).status_code == 304
    changed = poll(client, w, "operator95", "95101", there.headers["ETag"])
    assert changed.status_code == 200
    assert "Ấp Đổi Tên" in changed.get_data(as_text=True)
    # A schedule edited in province 94 moves 94's playlists only.
    sql("UPDATE schedules SET note = 'sửa' WHERE id IN (SELECT schedule_id FROM "
        "schedule_targets t JOIN areas a ON a.id = t.area_id WHERE a.code = '94101')")  # fmt: skip
    assert poll(client, w, "operator", "94101", here.headers["ETag"]).status_code == 200
    assert poll(client, w, "operator95", "95101", changed.headers["ETag"]).status_code == 304


def test_a_message_edit_moves_the_playlists_that_play_it(w, client) -> None:
    before = poll(client, w, "operator", "94101")
    other = poll(client, w, "operator95", "95101")
    sql("UPDATE messages SET title = 'Tên mới' WHERE id = :id", id=w["message"].id)
    for who, code, response in (("operator", "94101", before), ("operator95", "95101", other)):
        again = poll(client, w, who, code, response.headers["ETag"])
        assert again.status_code == 200 and "Tên mới" in again.get_data(as_text=True)


def test_weak_validators_match_and_304_keeps_the_cache_headers(w, client) -> None:
    first = poll(client, w, "operator", "94101")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    for sent in (etag, f"W/{etag}", f'"nope", W/{etag}'):
        again = poll(client, w, "operator", "94101", sent)
        assert again.status_code == 304, sent
        for header in ("ETag", "Cache-Control", "Vary"):
            assert again.headers[header] == first.headers[header]
    assert (
        poll(client, w, "operator", "94101", '"0123456789abcdef0123456789abcdef.7"').status_code
        == 200
    )


@pytest.mark.parametrize("fmt", ["m3u8", "ics", "html"])
def test_every_format_has_a_validator(w, client, fmt: str) -> None:
    first = poll(client, w, "operator", "94101", fmt=fmt)
    assert first.status_code == 200 and first.headers["ETag"]
    assert int(first.headers["Content-Length"]) == len(first.data)
    assert first.headers["ETag"] != poll(client, w, "operator", "94101").headers["ETag"]
    again = poll(client, w, "operator", "94101", f"W/{first.headers['ETag']}", fmt=fmt)
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def count_statements(call):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return response, statements


def test_a_cold_worker_answers_304_without_building(w, client, app) -> None:
    etag = poll(client, w, "operator", "94101").headers["ETag"]
    for name in ("audio_manager.playlist_cache", "audio_manager.playlist_tags"):
        app.extensions[name].clear()  # as after a restart
    response, statements = count_statements(lambda: poll(client, w, "operator", "94101", etag))
    assert response.status_code == 304
    assert len(statements) == 3, statements  # data versions, the area by code, scope versions
    assert not any("schedules" in s or "renditions" in s for s in statements)
    response, statements = count_statements(lambda: poll(client, w, "operator", "94101", etag))
    assert response.status_code == 304 and statements == ["SELECT name, version FROM data_versions"]


def test_a_token_new_to_a_worker_does_not_write_when_used_lately(w, client, app) -> None:
    poll(client, w, "operator", "94101")  # touches last_used_at
    app.extensions["audio_manager.token_cache"].clear()  # another worker, or a restart
    _response, statements = count_statements(lambda: poll(client, w, "operator", "94101"))
    assert not any(s.startswith("UPDATE") for s in statements), statements
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    db.session.execute(sa.update(ApiToken).values(last_used_at=long_ago))
    db.session.commit()
    app.extensions["audio_manager.token_cache"].clear()
    _response, statements = count_statements(lambda: poll(client, w, "operator", "94101"))
    assert sum(s.startswith("UPDATE api_tokens") for s in statements) == 1


def test_another_communes_validator_gives_no_304_and_no_access(w, client) -> None:
    ours = poll(client, w, "operator", "94101").headers["ETag"]
    assert poll(client, w, "operator95", "95101", ours).status_code == 200
    assert poll(client, w, "operator95", "94101", ours).status_code == 404


def test_a_device_without_validator_gets_the_kept_json_without_a_build(w, client, app) -> None:
    """The JSON is kept compressed (a fraction of the built playlist's weight), answered from
    the cache with two reads while nothing changed, and rebuilt after an edit."""
    from audio_manager.services.broadcast import playlists

    first = poll(client, w, "operator", "94101")
    kept = [v for v, _ in app.extensions["audio_manager.playlist_cache"]._items.values()]
    etag = first.headers["ETag"].strip('"')
    compact = [v for v in kept if isinstance(v, playlists.CompactJson) and v.etag == etag]
    assert len(compact) == 1 and compact[0].body == first.get_data()
    commune = db.session.scalar(sa.select(Area).where(Area.code == "94101"))
    built = playlists.build(commune, TODAY)
    assert compact[0].size() * 4 < built.size()
    again, statements = count_statements(lambda: poll(client, w, "operator", "94101"))
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert not any("schedules" in s or "renditions" in s for s in statements), statements
    assert statements == ["SELECT name, version FROM data_versions"]  # nothing changed at all
    hamlet = min(h.code for h in commune.children)
    sql("UPDATE areas SET name = 'Ấp Mới' WHERE code = :code", code=hamlet)
    changed = poll(client, w, "operator", "94101")
    assert changed.headers["ETag"] != first.headers["ETag"] and "Ấp Mới" in changed.get_data(
        as_text=True
    )
