"""Every page of every role, on a world with something on each page: the phone tour, the
accessibility sweep and the Vietnamese-words check all walk this list.

A new page belongs here (and in tests/test_access_matrix.py): ``pages()`` names each page a role
can open, with the ids of the world filled in.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from audio_manager.extensions import db
from audio_manager.models import Area, Role
from audio_manager.scheduling import LOCAL_TZ, Recurrence
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import schedules

from .conftest import make_user
from .ringback_helpers import live_tone, make_carrier
from .schedule_helpers import world
from .workflow_helpers import actor, pending_version

ROLES = ("admin", "editor", "approver", "operator", "viewer")


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(LOCAL_TZ)


def due_and_later_times(now: datetime) -> tuple[time, time]:
    """One time already come today and one still to come (clamped near midnight)."""
    minutes = now.hour * 60 + now.minute
    due = max(0, minutes - 30)
    later = min(23 * 60 + 59, minutes + 60)
    return time(due // 60, due % 60), time(later // 60, later % 60)


def build(folder: Path) -> dict[str, Any]:
    """The schedule world, plus an admin, a pending Hoa version, a schedule playing today (one
    time come, one later) and a live ringback tone."""
    w = world(folder)
    w["admin"] = make_user("admin", Role.ADMIN)
    w["pending"] = pending_version(w["editor"], w["message"], "hoa", "大家好。")
    today = local_now().date()
    due, later = due_and_later_times(local_now())
    rec = Recurrence("daily", today - timedelta(days=1), today + timedelta(days=30), (due, later))
    w["schedule"] = schedules.create(actor(w["editor"]), w["message"], [by_code("94101")], rec)
    w["times"] = (due, later)
    db.session.commit()
    w["carrier"] = make_carrier("viettel")
    w["release"] = live_tone(w["editor"], w["carrier"], "123456", folder)
    w["commune"] = by_code("94101")
    w["hamlet"] = db.session.scalar(db.select(Area).where(Area.code == "A1"))
    return w


def pages(w: dict[str, Any]) -> dict[str, list[str]]:
    """Role -> the pages (paths) it can open; ``anonymous`` sees the login page."""
    m, s = w["message"].id, w["schedule"].id
    everyone = [
        "/",
        "/account/password",
        "/account/tokens",
        "/areas/",
        f"/areas/{w['commune'].id}",
        "/stations",
        "/reports/",
        "/reports/compliance",
        "/ringback/",
        "/ringback/my-installs",
        "/ringback/report",
    ]
    office = [
        "/messages/",
        f"/messages/{m}",
        f"/messages/{m}/diff?a={w['kinh_v1'].id}&b={w['kinh'].id}",
        "/schedules/",
        "/schedules/calendar",
        f"/schedules/{s}",
        "/ringback/releases",
        f"/ringback/releases/{w['release'].id}",
    ]
    producers = [
        "/messages/new",
        f"/messages/{m}/edit",
        f"/messages/{m}/bulletin",
        "/studio",
        "/schedules/new",
        "/ringback/releases/new",
        f"/versions/{w['pending'].id}",
    ]
    players = ["/today", "/plays/import"]
    admin_only = [
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{w['operator'].id}",
        f"/admin/users/{w['operator'].id}/tokens",
        "/admin/audit",
        "/stock-sounds",
        "/admin/speech/",
        "/admin/speech/lexicon/kinh",
        "/admin/cap/",
        "/admin/cap/log",
        "/admin/jobs",
        "/social-image",
        f"/areas/{w['commune'].id}/languages",
        "/areas/import",
        "/ringback/carriers",
        "/ringback/carriers/new",
        f"/ringback/carriers/{w['carrier'].id}/edit",
        "/ringback/installs/import",
        "/ringback/targets",
    ]
    return {
        "anonymous": ["/login"],
        "admin": everyone + office + producers + players + admin_only,
        "editor": everyone + office + producers,
        "approver": everyone + office + ["/approvals", f"/versions/{w['pending'].id}"],
        "operator": everyone + players,
        "viewer": everyone + office,
    }
