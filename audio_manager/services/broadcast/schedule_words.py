"""Schedules in words, in the page's language: "Thứ Hai và Thứ Tư hằng tuần, 06:30 và 17:00,
từ 01/12 đến 31/12/2026"; moments with their weekday ("Thứ Tư 02/12/2026 17:30")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from babel.dates import format_date, format_datetime, get_day_names
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

from ... import scheduling as sched


def _locale() -> str:
    return str(get_locale() or "vi")


def weekday_name(weekday: int) -> str:
    """0 = Monday, in the page's language ("Thứ Hai")."""
    return str(get_day_names("wide", locale=_locale())[weekday])


def and_list(items: Sequence[str]) -> str:
    return format_list(list(items), locale=_locale()) if items else ""


def moment(at: datetime, *, year: bool = True) -> str:
    """A local moment with its weekday: "Thứ Tư 02/12/2026 17:30"."""
    pattern = "EEEE dd/MM/yyyy HH:mm" if year else "EEEE dd/MM HH:mm"
    return format_datetime(at, pattern, tzinfo=sched.LOCAL_TZ, locale=_locale())


def day(value: date, *, year: bool = True, weekday: bool = False) -> str:
    pattern = ("EEEE " if weekday else "") + ("dd/MM/yyyy" if year else "dd/MM")
    return format_date(value, pattern, locale=_locale())


def month_name(value: date) -> str:
    """ "Tháng 12 2026", "December 2026"."""
    return format_date(value, "LLLL yyyy", locale=_locale()).capitalize()


def _nth(nth: int) -> str:
    return {
        1: _("first"),
        2: _("second"),
        3: _("third"),
        4: _("fourth"),
        5: _("fifth"),
        -1: _("last"),
    }.get(nth, str(nth))


def _days(rec: sched.Recurrence) -> str:
    names = [weekday_name(d) for d in rec.weekdays if 0 <= d <= 6]
    if rec.kind == "daily":
        if rec.interval == 1:
            return _("Every day")
        return _("Every %(n)d days", n=rec.interval)
    if rec.kind == "weekly":
        if rec.interval == 1:
            return _("%(days)s every week", days=and_list(names))
        return _("%(days)s every %(n)d weeks", days=and_list(names), n=rec.interval)
    if rec.kind == "monthly_nth_weekday":
        which = _nth(rec.nth or 1)
        if rec.interval == 1:
            return _("The %(nth)s %(days)s of every month", nth=which, days=and_list(names))
        return _(
            "The %(nth)s %(days)s of every %(n)d months",
            nth=which,
            days=and_list(names),
            n=rec.interval,
        )
    if rec.kind == "dates":
        return _("On %(dates)s", dates=and_list([day(d) for d in rec.dates]))
    return rec.kind


def recurrence(rec: sched.Recurrence) -> str:
    """The whole rule in a sentence: days, times, and the dates it runs between."""
    times = and_list([t.strftime("%H:%M") for t in rec.times])
    same_year = rec.start_date.year == rec.end_date.year
    span = _(
        "from %(start)s to %(end)s",
        start=day(rec.start_date, year=not same_year),
        end=day(rec.end_date),
    )
    if rec.kind == "dates":
        return f"{_days(rec)}, {times}"
    return f"{_days(rec)}, {times}, {span}"
