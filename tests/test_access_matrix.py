"""One table: every API operation and every page, asked by nobody and by each role (operators
limited to Xã An, one viewer to every area, one to Xã Bình), with the answer each must get.

A route without a row fails ``test_every_route_has_a_row``: add its row below, next to its
neighbours. A row names the route as Flask spells it, the roles that may use it, what they get
(``ok``) and, for readers limited to areas, what they get instead (``scoped``). Everyone else
gets 403; nobody gets 401 on the API and the login page on pages. Writes are sent without a
CSRF token (pages: 400 once let in) or with a body that is refused (API: 409/422), so the table
changes nothing and each answer shows the access rule alone decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import pytest

from audio_manager import scheduling as sched
from audio_manager.extensions import db
from audio_manager.models import Area, ImportStatus, Role
from audio_manager.models.base import local_today

from .conftest import bearer, make_user

ADMIN, EDITOR, APPROVER, OPERATOR, VIEWER, SCOPED = (
    "admin",
    "editor",
    "approver",
    "operator",
    "viewer",
    "scoped_viewer",
)
PERSONAS = (ADMIN, EDITOR, APPROVER, OPERATOR, VIEWER, SCOPED)
ANONYMOUS = "anonymous"
EVERYONE = frozenset(PERSONAS)
READERS = EVERYONE  # what the API lets every role read
OFFICE = frozenset({ADMIN, EDITOR, APPROVER, VIEWER, SCOPED})  # pages without operators
PRODUCERS = frozenset({ADMIN, EDITOR})
DECIDERS = frozenset({APPROVER})
RETIRERS = frozenset({ADMIN, APPROVER})
PLAYERS = frozenset({ADMIN, OPERATOR})
ONLY_ADMIN = frozenset({ADMIN})
RINGBACK_READERS = frozenset({ADMIN, EDITOR, APPROVER, VIEWER, SCOPED})
PUBLIC = "public"
STALE = {"revision": 999999}


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    allowed: frozenset[str] | str  # roles, or PUBLIC
    ok: int = 200
    scoped: dict[str, int] = field(default_factory=dict)  # persona -> answer instead of ok
    query: str = ""
    body: Any = None
    values: dict[str, str] = field(default_factory=dict)  # placeholder -> world key


def api(method: str, rule: str, allowed: Any, ok: int = 200, **kw: Any) -> Row:
    return Row(method, "/api/v1" + rule, allowed, ok, **kw)


def page(method: str, rule: str, allowed: Any, ok: int | None = None, **kw: Any) -> Row:
    return Row(
        method, rule, allowed, ok if ok is not None else (200 if method == "GET" else 400), **kw
    )


NOT_FOR_SCOPED = {SCOPED: 404}  # the object lies in Xã An; that viewer sees Xã Bình only
ROWS = [
    # --- API: the caller, areas ---
    api("GET", "/me", EVERYONE),
    api("GET", "/areas", EVERYONE),
    api("GET", "/areas/<int:area_id>", EVERYONE, scoped=NOT_FOR_SCOPED),
    api("POST", "/areas/import", ONLY_ADMIN, 422),
    # --- API: messages and versions ---
    api("GET", "/messages", READERS),
    api("POST", "/messages", PRODUCERS, 422, body={}),
    api("GET", "/messages/<int:message_id>", READERS),
    api("PATCH", "/messages/<int:message_id>", PRODUCERS, 422, body={}),
    api("DELETE", "/messages/<int:message_id>", RETIRERS, 422, body={}),
    api("GET", "/messages/<int:message_id>/audit", READERS),
    api("POST", "/messages/<int:message_id>/versions", PRODUCERS, 422, body={}),
    api("POST", "/messages/<int:message_id>/bulletins", PRODUCERS, 422, body={}),
    api("PUT", "/messages/<int:message_id>/social-video", PRODUCERS, 422, body={}),
    api("POST", "/versions/<int:version_id>/social-videos", PRODUCERS, 409),  # not opted in
    api("GET", "/versions/<int:version_id>", READERS),
    api("PATCH", "/versions/<int:version_id>", PRODUCERS, 422, body={}),
    api("POST", "/versions/<int:version_id>/submit", PRODUCERS, 409, body=STALE),
    api("POST", "/versions/<int:version_id>/approve", DECIDERS, 409, body=STALE),
    api("POST", "/versions/<int:version_id>/reject", DECIDERS, 422, body={}),
    api("POST", "/versions/<int:version_id>/retire", RETIRERS, 409, body=STALE),
    api(
        "POST",
        "/versions/<int:version_id>/restore",
        PRODUCERS,
        409,  # a draft is edited, not restored
        body={},
        values={"version_id": "draft_id"},
    ),
    api("GET", "/jobs/<int:job_id>", READERS),
    api("POST", "/jobs/<int:job_id>/retry", PRODUCERS, 409),
    api("GET", "/renditions/<int:rendition_id>/file", EVERYONE, scoped=NOT_FOR_SCOPED),
    # --- API: schedules, playlists, plays ---
    api("GET", "/schedules", READERS),
    api("POST", "/schedules", PRODUCERS, 422, body={}),
    api("GET", "/schedules/<int:schedule_id>", READERS, scoped=NOT_FOR_SCOPED),
    api("PUT", "/schedules/<int:schedule_id>", PRODUCERS, 422, body={}),
    api("DELETE", "/schedules/<int:schedule_id>", PRODUCERS, 422, body={}),
    api("GET", "/playlists", READERS, scoped=NOT_FOR_SCOPED, query="area=94101"),
    api("POST", "/plays", PLAYERS, 422, body={}),
    api("POST", "/plays/import", PLAYERS, 422),
    api("POST", "/stations/heartbeat", PLAYERS, 422, body={"agent_version": 5}),
    api("GET", "/stations", READERS),
    # --- API: reports ---
    api("GET", "/reports/broadcasts", READERS),
    api("GET", "/reports/compliance", READERS, scoped=NOT_FOR_SCOPED, query="area=94101"),
    # --- API: ringback ---
    api("GET", "/ringback/carriers", EVERYONE),
    api("GET", "/ringback/releases", RINGBACK_READERS),
    api("POST", "/ringback/releases", PRODUCERS, 422, body={}),
    api("GET", "/ringback/releases/<int:release_id>", RINGBACK_READERS),
    api("POST", "/ringback/releases/<int:release_id>/status", PRODUCERS, 422, body={}),
    api("GET", "/ringback/releases/<int:release_id>/package", RINGBACK_READERS),
    api("GET", "/ringback/releases/<int:release_id>/audio", RINGBACK_READERS),
    api("POST", "/ringback/installs", ONLY_ADMIN, 422, body={}),
    api("POST", "/ringback/installs/import", ONLY_ADMIN, 422),
    api("GET", "/ringback/imports/<int:import_id>", ONLY_ADMIN),
    api("POST", "/ringback/imports/<int:import_id>/commit", ONLY_ADMIN, 409),
    api("POST", "/ringback/imports/<int:import_id>/cancel", ONLY_ADMIN, 409),
    api("GET", "/ringback/report", READERS),
    # --- API: speech ---
    api("POST", "/speech/preview", PRODUCERS, 422, body={}),
    api("GET", "/speech/engines", PRODUCERS),
    api(
        "GET",
        "/speech/voices/<engine>/<path:voice>/sample",
        PRODUCERS,
        422,  # no such voice: the rule alone decides who is told so
        query="language=kinh",
    ),
    api("GET", "/speech/usage", ONLY_ADMIN),
    # --- API: CAP alerts and sources ---
    api("GET", "/cap/alerts", EVERYONE),
    api("GET", "/cap/sources", ONLY_ADMIN),
    api("POST", "/cap/sources", ONLY_ADMIN, 422, body={}),
    api("POST", "/cap/sources/<int:source_id>/alerts", ONLY_ADMIN, 422),  # no file
    api("GET", "/cap/inbound", ONLY_ADMIN),
    # --- API description ---
    Row("GET", "/api/v1/openapi.json", PUBLIC),
    Row("GET", "/api/v1/docs", PUBLIC),
    # --- pages: signing in, the account ---
    page("GET", "/login", PUBLIC),
    page("POST", "/login", PUBLIC),
    page("POST", "/logout", PUBLIC),
    page("POST", "/language", PUBLIC),
    page("GET", "/healthz", PUBLIC),
    page("GET", "/livez", PUBLIC),
    page("GET", "/favicon.ico", PUBLIC),
    page("GET", "/media/<int:expires>/<signature>/<name>", PUBLIC, 403),  # a forged link
    # the CAP feed and alerts: public only when an admin says so; else a login or a token
    page("GET", "/cap/feed.atom", PUBLIC, scoped={ANONYMOUS: 401}),
    page("GET", "/cap/alerts/<identifier>.xml", PUBLIC, 404, scoped={ANONYMOUS: 401}),
    page("POST", "/cap/inbox/<int:source_id>", PUBLIC, 403),  # the source's own token only
    page("GET", "/", EVERYONE),
    page("GET", "/account/password", EVERYONE),
    page("POST", "/account/password", EVERYONE),
    page("GET", "/account/tokens", EVERYONE),
    page("POST", "/account/tokens", EVERYONE),
    page("POST", "/account/tokens/<int:token_id>/revoke", EVERYONE),
    # --- pages: administration ---
    page("GET", "/admin/users", ONLY_ADMIN),
    page("GET", "/admin/users/new", ONLY_ADMIN),
    page("POST", "/admin/users/new", ONLY_ADMIN),
    page("GET", "/admin/users/<int:user_id>", ONLY_ADMIN),
    page("POST", "/admin/users/<int:user_id>", ONLY_ADMIN),
    page("GET", "/admin/users/<int:user_id>/tokens", ONLY_ADMIN),
    page("POST", "/admin/users/<int:user_id>/tokens", ONLY_ADMIN),
    page("POST", "/admin/tokens/<int:token_id>/revoke", ONLY_ADMIN),
    page("GET", "/admin/audit", ONLY_ADMIN),
    page("GET", "/admin/jobs", ONLY_ADMIN),
    page("GET", "/stock-sounds", ONLY_ADMIN),
    page("GET", "/admin/speech/", ONLY_ADMIN),
    page("POST", "/admin/speech/providers/<engine>", ONLY_ADMIN),
    page("POST", "/admin/speech/languages/<code>", ONLY_ADMIN),
    page("GET", "/admin/speech/lexicon/<language>", ONLY_ADMIN),
    page("POST", "/admin/speech/lexicon/<language>", ONLY_ADMIN),
    page("POST", "/admin/speech/lexicon/<language>/<int:entry_id>/delete", ONLY_ADMIN),
    page("POST", "/admin/speech/lexicon/<language>/restore", ONLY_ADMIN),
    page("POST", "/stock-sounds", ONLY_ADMIN),
    page("GET", "/social-image", ONLY_ADMIN),
    page("POST", "/social-image", ONLY_ADMIN),
    page("GET", "/social-image/file", ONLY_ADMIN, 404),  # none uploaded
    page("GET", "/admin/cap/", ONLY_ADMIN),
    page("POST", "/admin/cap/settings", ONLY_ADMIN),
    page("POST", "/admin/cap/sources", ONLY_ADMIN),
    page("POST", "/admin/cap/sources/<int:source_id>/active", ONLY_ADMIN),
    page("POST", "/admin/cap/sources/<int:source_id>/poll", ONLY_ADMIN),
    page("POST", "/admin/cap/sources/<int:source_id>/upload", ONLY_ADMIN),
    page("GET", "/admin/cap/log", ONLY_ADMIN),
    # --- pages: areas ---
    page("GET", "/areas/", EVERYONE),
    page("GET", "/areas/<int:area_id>", EVERYONE, scoped=NOT_FOR_SCOPED),
    page("GET", "/areas/<int:area_id>/languages", ONLY_ADMIN),
    page("POST", "/areas/<int:area_id>/languages", ONLY_ADMIN),
    page("GET", "/areas/import", ONLY_ADMIN),
    page("POST", "/areas/import", ONLY_ADMIN),
    page("GET", "/areas/import/template.csv", ONLY_ADMIN),
    # --- pages: messages, production, approvals ---
    page("GET", "/messages/", OFFICE),
    page("GET", "/messages/new", PRODUCERS),
    page("POST", "/messages/new", PRODUCERS),
    page("GET", "/messages/<int:message_id>", OFFICE),
    page("GET", "/messages/<int:message_id>/edit", PRODUCERS),
    page("POST", "/messages/<int:message_id>/edit", PRODUCERS),
    page("GET", "/messages/<int:message_id>/panel/<language>", PRODUCERS),
    page("GET", "/messages/<int:message_id>/listen/<language>", PRODUCERS, 302),  # to the sample
    page("GET", "/messages/<int:message_id>/diff", OFFICE, query="a={version_id}&b={draft_id}"),
    page("POST", "/messages/<int:message_id>/versions", PRODUCERS),
    page("POST", "/messages/<int:message_id>/retire", RETIRERS),
    page("GET", "/messages/<int:message_id>/bulletin", PRODUCERS),
    page("POST", "/messages/<int:message_id>/bulletin", PRODUCERS),
    page("POST", "/messages/<int:message_id>/social-video", PRODUCERS),
    page("POST", "/versions/<int:version_id>/social-videos", PRODUCERS),
    page("GET", "/studio", PRODUCERS),
    page("POST", "/studio", PRODUCERS),
    page("GET", "/versions/<int:version_id>", frozenset({ADMIN, EDITOR, APPROVER})),
    page("POST", "/versions/<int:version_id>/submit", PRODUCERS),
    page("POST", "/versions/<int:version_id>/approve", DECIDERS),
    page("POST", "/versions/<int:version_id>/reject", DECIDERS),
    page("POST", "/versions/<int:version_id>/retire", RETIRERS),
    page("POST", "/versions/<int:version_id>/restore", PRODUCERS),
    page("POST", "/jobs/<int:job_id>/retry", PRODUCERS),
    page("GET", "/approvals", DECIDERS),
    # --- pages: schedules, the operator's day, reports ---
    page("GET", "/schedules/", OFFICE),
    page("GET", "/schedules/new", PRODUCERS),
    page("GET", "/schedules/calendar", EVERYONE),
    page("POST", "/schedules/new", PRODUCERS),
    page("GET", "/schedules/<int:schedule_id>", OFFICE, scoped=NOT_FOR_SCOPED),
    page("POST", "/schedules/<int:schedule_id>", PRODUCERS),
    page("POST", "/schedules/<int:schedule_id>/cancel", PRODUCERS),
    page("GET", "/today", PLAYERS),
    page("GET", "/stations", EVERYONE),
    page("GET", "/station/<filename>", PUBLIC, 404),  # the agent's wheel, by its exact name
    page("POST", "/today/confirm", PLAYERS),
    page("GET", "/plays/import", PLAYERS),
    page("POST", "/plays/import", PLAYERS),
    page("GET", "/reports/", EVERYONE),
    page("GET", "/reports/compliance", EVERYONE),
    # --- pages: ringback ---
    page("GET", "/ringback/", EVERYONE),
    page("GET", "/ringback/my-installs", EVERYONE),
    page("POST", "/ringback/my-installs", EVERYONE),
    page("POST", "/ringback/my-installs/<int:install_id>/remove", EVERYONE),
    page("GET", "/ringback/carriers", ONLY_ADMIN),
    page("GET", "/ringback/carriers/new", ONLY_ADMIN),
    page("POST", "/ringback/carriers/new", ONLY_ADMIN),
    page("GET", "/ringback/carriers/<int:carrier_id>/edit", ONLY_ADMIN),
    page("POST", "/ringback/carriers/<int:carrier_id>/edit", ONLY_ADMIN),
    page("GET", "/ringback/carriers/<int:carrier_id>/flyer", EVERYONE),
    page("GET", "/ringback/releases", RINGBACK_READERS),
    page("GET", "/ringback/releases/new", PRODUCERS),
    page("POST", "/ringback/releases/new", PRODUCERS),
    page("GET", "/ringback/releases/<int:release_id>", RINGBACK_READERS),
    page("GET", "/ringback/releases/<int:release_id>/flyer", EVERYONE),
    page("POST", "/ringback/releases/<int:release_id>/move", PRODUCERS),
    page("GET", "/ringback/installs/import", ONLY_ADMIN),
    page("POST", "/ringback/installs/import", ONLY_ADMIN),
    page("GET", "/ringback/imports/<int:import_id>", ONLY_ADMIN),
    page("POST", "/ringback/imports/<int:import_id>/commit", ONLY_ADMIN),
    page("POST", "/ringback/imports/<int:import_id>/cancel", ONLY_ADMIN),
    page("GET", "/ringback/report", EVERYONE),
    page("GET", "/ringback/targets", ONLY_ADMIN),
    page("POST", "/ringback/targets", ONLY_ADMIN),
]
UNLISTED = {"static"}  # served files, not a view with a rule of its own


def expected(row: Row, persona: str) -> int:
    is_api = row.rule.startswith("/api/")
    if row.allowed == PUBLIC:
        if row.rule == "/login" and row.method == "GET" and persona != ANONYMOUS:
            return 302  # signed in already: on to the start page
        return row.scoped.get(persona, row.ok)
    if persona == ANONYMOUS:
        return 401 if is_api else 302
    if persona not in row.allowed:
        return 403
    return row.scoped.get(persona, row.ok)


def test_every_route_has_a_row(app) -> None:
    listed = {(row.method, row.rule) for row in ROWS}
    assert len(listed) == len(ROWS), "a route is listed twice"
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNLISTED
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    missing = sorted(routes - listed)
    assert not missing, f"add a row to ROWS in {__file__} for: {missing}"
    assert not sorted(listed - routes), "rows for routes that do not exist"


@pytest.fixture
def world(app_ctx: Any, tmp_path: Any, token_for: Any, login_as: Any) -> dict[str, Any]:
    from audio_manager.services.accounts import accounts
    from audio_manager.services.audio import stock
    from audio_manager.services.broadcast import schedules
    from audio_manager.services.context import Actor
    from audio_manager.services.ringback import install_import, installs
    from audio_manager.services.ringback.install_rows import Defaults

    from .conftest import load_tree
    from .ringback_helpers import live_tone, make_carrier
    from .schedule_helpers import approved_upload
    from .workflow_helpers import actor, new_message

    load_tree(
        """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,khmer;kinh
commune,94201,Xã Bình,94,
hamlet,B1,Ấp Bình Một,94201,kinh
"""
    )
    users = {
        ADMIN: make_user(ADMIN, Role.ADMIN),
        EDITOR: make_user(EDITOR, Role.EDITOR),
        APPROVER: make_user(APPROVER, Role.APPROVER),
        OPERATOR: make_user(OPERATOR, Role.OPERATOR, areas=["94101"]),
        VIEWER: make_user(VIEWER, Role.VIEWER),
        SCOPED: make_user(SCOPED, Role.VIEWER, areas=["94201"]),
    }
    editor = users[EDITOR]
    stock.install_generated(Actor.system())
    message = new_message(editor)
    version = approved_upload(editor, users[APPROVER], message, "kinh", tmp_path)
    from audio_manager.services.messages import versions

    from .audio_fixtures import speech_wav

    with speech_wav(tmp_path / "draft.wav", 1.0).open("rb") as stream:
        draft, _job = versions.create_from_upload(actor(editor), message, "khmer", stream, "d.wav")
    an = db.session.scalar(db.select(Area).where(Area.code == "94101"))
    hamlet = db.session.scalar(db.select(Area).where(Area.code == "A1"))
    today = local_today()
    rec = sched.Recurrence("daily", today, today + timedelta(days=7), (time(6, 30),))
    schedule = schedules.create(actor(editor), message, [an], rec)
    carrier = make_carrier("viettel")
    release = live_tone(editor, carrier, "111111", tmp_path)
    [install] = installs.record_batch(
        actor(users[ADMIN]),
        [
            {
                "id": "1",
                "phone": "0912345678",
                "carrier": "viettel",
                "code": "111111",
                "unit": "94101",
            }
        ],
    )
    record = install_import.preview(
        actor(users[ADMIN]),
        "Số điện thoại,Mã nhạc chờ\n0987654321,111111\n".encode(),
        defaults=Defaults(carrier=carrier),
    )
    record.status = ImportStatus.CANCELLED
    db.session.commit()
    token, _plain = accounts.create_token(Actor.system("test"), users[VIEWER], "spare")
    from audio_manager.services.cap import sources as cap_sources

    cap_source, _cap_token = cap_sources.create(Actor.system("test"), "KTTV", "push")
    db.session.commit()
    from audio_manager.models import Install

    values = {
        "area_id": hamlet.id,
        "message_id": message.id,
        "version_id": version.id,
        "draft_id": draft.id,
        "job_id": version.jobs[-1].id,
        "rendition_id": version.rendition("preview").id,
        "schedule_id": schedule.id,
        "release_id": release.id,
        "import_id": record.id,
        "install_id": db.session.scalar(db.select(Install.id).limit(1)) or install.id,
        "carrier_id": carrier.id,
        "user_id": users[VIEWER].id,
        "token_id": token.id,
        "language": "kinh",
        "code": "kinh",
        "filename": "no-such-agent.whl",
        "engine": "espeak",
        "voice": "no-such-voice",
        "entry_id": 1,
        "expires": 1,
        "signature": "A" * 43,
        "name": "0" * 64 + ".mp3",
        "source_id": cap_source.id,
        "identifier": "no-such-alert",
    }
    tokens = {name: token_for(name) for name in PERSONAS}
    browsers = {name: login_as(name) for name in PERSONAS}
    return {"values": values, "tokens": tokens, "browsers": browsers}


def url(row: Row, values: dict[str, Any]) -> str:
    import re

    names = {**{k: k for k in values}, **row.values}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[names[m.group(1)]]), row.rule)
    return f"{path}?{row.query.format(**values)}" if row.query else path


def ask(row: Row, persona: str, world: dict[str, Any], client: Any) -> int:
    target = url(row, world["values"])
    kwargs: dict[str, Any] = {}
    if row.rule.startswith("/api/v1/") and row.rule != "/api/v1/docs":
        if persona != ANONYMOUS:
            kwargs["headers"] = bearer(world["tokens"][persona])
        if row.method != "GET":
            kwargs["json"] = row.body if row.body is not None else None
        asker = client
    else:
        asker = client if persona == ANONYMOUS else world["browsers"][persona].client
    return asker.open(target, method=row.method, **kwargs).status_code


def test_access_matrix(client, world) -> None:
    wrong = []
    for row in ROWS:
        for persona in (ANONYMOUS, *PERSONAS):
            got, want = ask(row, persona, world, client), expected(row, persona)
            if got != want:
                wrong.append(f"{row.method} {row.rule} as {persona}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
