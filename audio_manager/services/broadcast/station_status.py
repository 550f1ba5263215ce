"""How each station is doing today: online or not, what it played against what was scheduled
so far, what is missing, its errors; and which stations need someone's attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from ... import scheduling as sched
from ...extensions import db
from ...models import Area, PlayEvent, Station, User
from ...models.base import utcnow
from . import playlists, stations


@dataclass
class StationStatus:
    station: Station
    areas: list[Area]
    online: bool
    silent_minutes: float
    scheduled: int = 0  # hamlet broadcasts due so far today
    confirmed: int = 0  # of those, confirmed by anyone (played or not)
    played: int = 0  # played today, confirmed by this station
    not_played: int = 0  # reported not played today by this station
    missing: int = 0  # due more than the grace ago and confirmed by nobody
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=float(current_app.config[name]))


def status_of(station: Station, now: datetime, today: date) -> StationStatus:
    silent = (now - station.last_seen_at).total_seconds() / 60
    offline_after = _minutes("STATION_OFFLINE_MINUTES")
    grace = _minutes("STATION_PLAY_GRACE_MINUTES")
    areas = list(station.user.scope_areas)
    result = StationStatus(station, areas, silent * 60 <= offline_after.total_seconds(), silent)
    due: set[tuple[int, int, str, datetime]] = set()
    overdue: set[tuple[int, int, str, datetime]] = set()
    hamlets: set[int] = set()
    for area in areas:
        for item in playlists.for_area(area, today).items():
            if item.status != "ok" or item.at > now:
                continue
            for hamlet in item.hamlet_ids:
                key = (item.schedule_id, hamlet, item.language, item.at.astimezone(UTC))
                due.add(key)
                hamlets.add(hamlet)
                if item.at <= now - grace:
                    overdue.add(key)
    confirmed: set[tuple[int, int, str, datetime]] = set()
    if hamlets:
        rows = db.session.execute(
            db.select(
                PlayEvent.schedule_id,
                PlayEvent.area_id,
                PlayEvent.language,
                PlayEvent.occurrence_at,
            ).where(
                PlayEvent.area_id.in_(hamlets),
                PlayEvent.played_on == today,
                PlayEvent.occurrence_at.is_not(None),
            )
        ).all()
        confirmed = {(r[0], r[1], r[2], r[3]) for r in rows}
    counts = dict(
        db.session.execute(
            db.select(PlayEvent.played, func.count())
            .where(PlayEvent.station_id == station.id, PlayEvent.played_on == today)
            .group_by(PlayEvent.played)
        ).all()
    )
    result.scheduled = len(due)
    result.confirmed = len(due & confirmed)
    result.missing = len(overdue - confirmed)
    result.played, result.not_played = counts.get(True, 0), counts.get(False, 0)
    if not result.online:
        result.flags.append(
            str(_l("offline for %(minutes)d minutes", minutes=int(silent)))
            if silent < 120
            else str(_l("offline for %(hours)d hours", hours=int(silent // 60)))
        )
    if result.missing:
        result.flags.append(str(_l("%(n)d scheduled broadcast(s) not confirmed", n=result.missing)))
    if station.last_error:
        result.flags.append(str(_l("reports an error")))
    return result


def overview(user: User) -> list[StationStatus]:
    """Every station the user may see, with today's figures (local day)."""
    now = utcnow()
    today = now.astimezone(sched.LOCAL_TZ).date()
    return [status_of(station, now, today) for station in stations.visible(user)]


def flagged(user: User) -> list[StationStatus]:
    return [row for row in overview(user) if row.flagged]
