"""Recurrences: expectations are literal calendar dates (checked against a printed calendar) or
come from a brute-force oracle that walks every day with the standard library only."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from audio_manager.scheduling import (
    ERROR_CODES,
    LOCAL_TZ,
    Kind,
    Recurrence,
    RecurrenceError,
    describe,
    find_errors,
    from_rrule_text,
    local_datetime,
    next_occurrences,
    occurrence_days,
    occurrences,
    occurs_on,
    to_rrule_text,
    validate,
)

D = date.fromisoformat
T630, T1700 = time(6, 30), time(17, 0)
SEVEN_HOURS = timedelta(hours=7)


def days(*isos: str) -> list[date]:
    return [D(iso) for iso in isos]


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=LOCAL_TZ)


def daily(start: str, end: str, interval: int = 1, times: tuple[time, ...] = (T630,)) -> Recurrence:
    return Recurrence("daily", D(start), D(end), times, interval=interval)


def weekly(
    start: str,
    end: str,
    weekdays: tuple[int, ...],
    interval: int = 1,
    times: tuple[time, ...] = (T630,),
) -> Recurrence:
    return Recurrence("weekly", D(start), D(end), times, interval=interval, weekdays=weekdays)


def monthly(start: str, end: str, nth: int, weekday: int, interval: int = 1) -> Recurrence:
    return Recurrence(
        "monthly_nth_weekday", D(start), D(end), (T630,), interval, (weekday,), nth=nth
    )


def listed(start: str, end: str, *isos: str) -> Recurrence:
    return Recurrence("dates", D(start), D(end), (T630,), dates=tuple(days(*isos)))


def all_days(rec: Recurrence) -> list[date]:
    return occurrence_days(rec, date.min, date.max)


# --- the oracle: no dateutil, one day at a time -----------------------------------------------


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _oracle_matches(rec: Recurrence, day: date) -> bool:
    if rec.kind == "daily":
        return (day - rec.start_date).days % rec.interval == 0
    if rec.kind == "weekly":
        week0 = rec.start_date - timedelta(days=rec.start_date.weekday())
        week = (day - timedelta(days=day.weekday()) - week0).days // 7
        return day.weekday() in rec.weekdays and week % rec.interval == 0
    if rec.kind == "monthly_nth_weekday":
        if day.weekday() not in rec.weekdays:
            return False
        if _months_between(rec.start_date, day) % rec.interval:
            return False
        if rec.nth == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == rec.nth
    return day in rec.dates


def oracle(rec: Recurrence) -> list[date]:
    found, day = [], rec.start_date
    while day <= rec.end_date:
        if _oracle_matches(rec, day):
            found.append(day)
        day += timedelta(days=1)
    return found


def random_recurrence(rng: random.Random) -> Recurrence:
    start = date(2023, 1, 1) + timedelta(days=rng.randrange(900))
    end = start + timedelta(days=rng.randrange(420))
    kind = rng.choice(list(Kind))
    weekdays = tuple(rng.sample(range(7), rng.randint(1, 3)))
    dates = tuple(start + timedelta(days=rng.randrange(420)) for _ in range(5))
    return Recurrence(
        kind,
        start,
        end,
        (T630,),
        interval=rng.randint(1, 4),
        weekdays=weekdays,
        nth=rng.choice([-1, 1, 2, 3, 4, 5]),
        dates=dates,
    )


def test_matches_a_day_by_day_oracle_for_random_rules() -> None:
    rng = random.Random(20250601)
    for _ in range(150):
        rec = random_recurrence(rng)
        assert all_days(rec) == oracle(rec), rec


# --- each kind, against literal calendars ----------------------------------------------------


def test_daily_two_times_across_a_month_end() -> None:
    rec = daily("2025-01-30", "2025-02-01", times=(T1700, T630))
    assert occurrences(rec, D("2025-01-01"), D("2025-12-31")) == [
        local("2025-01-30T06:30"),
        local("2025-01-30T17:00"),
        local("2025-01-31T06:30"),
        local("2025-01-31T17:00"),
        local("2025-02-01T06:30"),
        local("2025-02-01T17:00"),
    ]


# (case, rule, expected days): read off a printed calendar, and checked against the oracle too.
# fmt: off
CALENDAR = [
    ("every third day over the leap day", daily("2024-02-26", "2024-03-08", interval=3),
     "2024-02-26 2024-02-29 2024-03-03 2024-03-06"),
    ("every other day over a February end", daily("2025-02-27", "2025-03-05", interval=2),
     "2025-02-27 2025-03-01 2025-03-03 2025-03-05"),
    # 2025-03-04 is a Tuesday: Monday the 3rd is before the start.
    ("weekly from the first matching day", weekly("2025-03-04", "2025-03-16", (0, 2, 4)),
     "2025-03-05 2025-03-07 2025-03-10 2025-03-12 2025-03-14"),
    # 2025-01-01 is a Wednesday; its week starts on Monday 2024-12-30.
    ("every two weeks", weekly("2025-01-01", "2025-02-09", (0, 2), interval=2),
     "2025-01-01 2025-01-13 2025-01-15 2025-01-27 2025-01-29"),
    ("weekends", weekly("2025-05-01", "2025-05-12", (5, 6)),
     "2025-05-03 2025-05-04 2025-05-10 2025-05-11"),
    ("second Tuesday", monthly("2025-01-01", "2025-12-31", 2, 1),
     "2025-01-14 2025-02-11 2025-03-11 2025-04-08 2025-05-13 2025-06-10 "
     "2025-07-08 2025-08-12 2025-09-09 2025-10-14 2025-11-11 2025-12-09"),
    ("last Friday", monthly("2025-01-01", "2025-12-31", -1, 4),
     "2025-01-31 2025-02-28 2025-03-28 2025-04-25 2025-05-30 2025-06-27 "
     "2025-07-25 2025-08-29 2025-09-26 2025-10-31 2025-11-28 2025-12-26"),
    ("last Thursday of a leap February", monthly("2024-02-01", "2024-02-29", -1, 3),
     "2024-02-29"),
    ("fifth Monday", monthly("2025-01-01", "2025-12-31", 5, 0),
     "2025-03-31 2025-06-30 2025-09-29 2025-12-29"),
    ("first Monday quarterly", monthly("2025-01-01", "2025-12-31", 1, 0, interval=3),
     "2025-01-06 2025-04-07 2025-07-07 2025-10-06"),
    # The 2nd Tuesday of January (the 14th) is before the start.
    ("nth weekday before the start", monthly("2025-01-20", "2025-03-31", 2, 1),
     "2025-02-11 2025-03-11"),
    ("listed dates with a leap day",
     listed("2024-01-01", "2024-12-31", "2024-12-31", "2024-02-29", "2024-01-01"),
     "2024-01-01 2024-02-29 2024-12-31"),
    ("a single day", daily("2025-03-10", "2025-03-10"), "2025-03-10"),
]
# fmt: on


@pytest.mark.parametrize(("case", "rec", "expected"), CALENDAR, ids=[c[0] for c in CALENDAR])
def test_calendar(case: str, rec: Recurrence, expected: str) -> None:
    assert all_days(rec) == days(*expected.split())
    assert all_days(rec) == oracle(rec)


def test_listed_dates_are_clipped_to_the_query() -> None:
    rec = listed("2024-01-01", "2024-12-31", "2024-12-31", "2024-02-29", "2024-01-01")
    assert occurrence_days(rec, D("2024-02-01"), D("2024-03-01")) == days("2024-02-29")


# --- edges ------------------------------------------------------------------------------------


def test_start_and_end_are_inclusive() -> None:
    rec = daily("2025-03-10", "2025-03-12")
    assert occurrence_days(rec, D("2025-03-01"), D("2025-03-31")) == days(
        "2025-03-10", "2025-03-11", "2025-03-12"
    )
    assert occurrence_days(rec, D("2025-03-12"), D("2025-03-12")) == days("2025-03-12")
    assert occurrence_days(rec, D("2025-03-10"), D("2025-03-10")) == days("2025-03-10")
    assert occurrence_days(rec, D("2025-03-09"), D("2025-03-09")) == []
    assert occurrence_days(rec, D("2025-03-13"), D("2025-03-20")) == []
    assert occurrence_days(rec, D("2025-03-12"), D("2025-03-10")) == []


def test_local_midnight_belongs_to_its_local_day() -> None:
    rec = daily("2025-03-10", "2025-03-11", times=(time(0, 0), time(23, 59, 59)))
    found = occurrences(rec, D("2025-03-10"), D("2025-03-10"))
    assert found == [local("2025-03-10T00:00"), local("2025-03-10T23:59:59")]
    # Local midnight is 17:00 UTC the day before; the date is still the local one.
    assert found[0].astimezone(UTC) == datetime(2025, 3, 9, 17, 0, tzinfo=UTC)
    assert all(moment.utcoffset() == SEVEN_HOURS for moment in found)
    assert all(moment.tzinfo is LOCAL_TZ for moment in found)


def test_next_occurrences_across_local_midnight() -> None:
    rec = daily("2025-03-10", "2025-03-11", times=(time(0, 0), time(23, 59)))
    midnight_utc = datetime(2025, 3, 9, 17, 0, tzinfo=UTC)  # 2025-03-10 00:00 local
    assert next_occurrences(rec, midnight_utc, 2) == [
        local("2025-03-10T23:59"),
        local("2025-03-11T00:00"),
    ]
    just_before = midnight_utc - timedelta(microseconds=1)
    assert next_occurrences(rec, just_before, 1) == [local("2025-03-10T00:00")]
    # The end date stops it: three plays remain after local midnight of the start.
    assert len(next_occurrences(rec, midnight_utc, 10)) == 3


def test_next_occurrences_before_the_start_and_after_the_end() -> None:
    rec = weekly("2025-01-01", "2025-02-09", (0, 2), interval=2, times=(T630, T1700))
    assert next_occurrences(rec, local("2024-06-01T00:00"), 3) == [
        local("2025-01-01T06:30"),
        local("2025-01-01T17:00"),
        local("2025-01-13T06:30"),
    ]
    assert next_occurrences(rec, local("2025-01-01T06:30"), 1) == [local("2025-01-01T17:00")]
    assert next_occurrences(rec, local("2025-01-29T17:00"), 5) == []
    assert next_occurrences(rec, local("2025-01-01T00:00"), 0) == []


def test_next_occurrences_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError):
        next_occurrences(daily("2025-01-01", "2025-01-05"), datetime(2025, 1, 1), 1)


def test_occurs_on() -> None:
    rec = weekly("2025-01-01", "2025-02-09", (0, 2), interval=2, times=(T1700, T630))
    assert occurs_on(rec, D("2025-01-13")) == [T630, T1700]
    assert occurs_on(rec, D("2025-01-06")) == []  # a Monday of an off week
    assert occurs_on(rec, D("2024-12-30")) == []  # a Monday of week 0, before the start
    assert occurs_on(rec, D("2025-02-10")) == []  # after the end


def test_wall_times_are_kept_across_a_daylight_saving_change() -> None:
    paris = ZoneInfo("Europe/Paris")  # Vietnam has no DST; the code must not rely on that
    rec = daily("2025-03-29", "2025-03-31", times=(time(2, 30), time(9, 0)))
    found = occurrences(rec, D("2025-03-29"), D("2025-03-31"), tz=paris)
    assert [m.strftime("%d %H:%M %z") for m in found] == [
        "29 02:30 +0100",
        "29 09:00 +0100",
        "30 03:30 +0200",  # 02:30 does not exist that night: it moves forward
        "30 09:00 +0200",
        "31 02:30 +0200",
        "31 09:00 +0200",
    ]
    ambiguous = local_datetime(D("2025-10-26"), time(2, 30), paris)
    assert ambiguous.utcoffset() == timedelta(hours=2)  # the first of the two 02:30s


# --- RFC 5545 text ----------------------------------------------------------------------------

ROUND_TRIP = [
    (daily("2025-01-01", "2025-12-31"), "FREQ=DAILY"),
    (daily("2025-01-01", "2025-12-31", interval=3), "FREQ=DAILY;INTERVAL=3"),
    (weekly("2025-01-01", "2025-12-31", (0, 1, 2, 3, 4)), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    (weekly("2025-01-01", "2025-12-31", (2, 0), interval=2), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"),
    (monthly("2025-01-01", "2025-12-31", 2, 1), "FREQ=MONTHLY;BYDAY=2TU"),
    (monthly("2025-01-01", "2025-12-31", -1, 4), "FREQ=MONTHLY;BYDAY=-1FR"),
    (monthly("2025-01-01", "2025-12-31", 1, 0, interval=3), "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"),
    (
        listed("2024-01-01", "2024-12-31", "2024-02-29", "2024-01-05"),
        "RDATE;VALUE=DATE:20240105,20240229",
    ),
]


@pytest.mark.parametrize(("rec", "text"), ROUND_TRIP)
def test_rrule_text_round_trip(rec: Recurrence, text: str) -> None:
    assert to_rrule_text(rec) == text
    back = from_rrule_text(text, rec.start_date, rec.end_date, rec.times)
    assert back == rec
    assert all_days(back) == all_days(rec)


def test_random_rules_round_trip() -> None:
    rng = random.Random(7)
    for _ in range(100):
        rec = random_recurrence(rng)
        if find_errors(rec):
            continue
        back = from_rrule_text(to_rrule_text(rec), rec.start_date, rec.end_date, rec.times)
        assert back == rec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rrule:freq=weekly;byday=we,mo;interval=2", weekly("2025-01-01", "2025-06-30", (0, 2), 2)),
        ("FREQ=WEEKLY;WKST=MO;BYDAY=FR", weekly("2025-01-01", "2025-06-30", (4,))),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", weekly("2025-01-01", "2025-06-30", (0, 1, 2, 3, 4))),
        ("FREQ=MONTHLY;BYDAY=+2TU", monthly("2025-01-01", "2025-06-30", 2, 1)),
        ("FREQ=MONTHLY;BYDAY=-1FR,-1TH", None),
        ("RDATE;VALUE=DATE:20250102\nRDATE;VALUE=DATE:20250301,20250102", None),
        ("RDATE:20250102T000000", None),
    ],
)
def test_from_rrule_text_accepts_equivalent_spellings(
    text: str, expected: Recurrence | None
) -> None:
    rec = from_rrule_text(text, D("2025-01-01"), D("2025-06-30"), [T630])
    if expected is not None:
        assert rec == expected
    elif rec.kind == "dates":
        assert list(rec.dates) in (days("2025-01-02"), days("2025-01-02", "2025-03-01"))
    else:
        assert rec.weekdays == (3, 4) and rec.nth == -1


# fmt: off
UNREADABLE = [
    "", "   ", "garbage", "FREQ=HOURLY", "FREQ=YEARLY;BYMONTH=1", "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=WEEKLY;COUNT=3;BYDAY=MO", "FREQ=WEEKLY;UNTIL=20250101;BYDAY=MO",
    "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;BYDAY=2TU", "FREQ=WEEKLY;WKST=SU;BYDAY=MO",
    "FREQ=WEEKLY;INTERVAL=two;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;BYDAY=TU",
    "FREQ=MONTHLY", "FREQ=MONTHLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=1TU,2TH",
    "FREQ=DAILY;INTERVAL=2;BYDAY=MO", "FREQ=DAILY\nFREQ=WEEKLY;BYDAY=MO",
    "FREQ=DAILY\nRDATE;VALUE=DATE:20250102", "RDATE;VALUE=DATE:2025-01-02",
    "RDATE;VALUE=DATE:20250231", "RDATE;TZID=Asia/Ho_Chi_Minh:20250102T063000",
]
# fmt: on


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_rules_are_invalid_rrule(text: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        from_rrule_text(text, D("2025-01-01"), D("2025-06-30"), [T630])
    assert caught.value.code == "invalid_rrule"
    assert caught.value.field == "rrule"


def test_from_rrule_text_validates_unless_asked_not_to() -> None:
    with pytest.raises(RecurrenceError) as caught:
        from_rrule_text("FREQ=DAILY", D("2020-01-01"), D("2025-01-01"), [T630])
    assert caught.value.code == "too_long"
    rec = from_rrule_text("FREQ=DAILY", D("2020-01-01"), D("2025-01-01"), [T630], check=False)
    assert occurrence_days(rec, D("2024-12-31"), D("2025-01-05")) == days(
        "2024-12-31", "2025-01-01"
    )


# --- errors -----------------------------------------------------------------------------------

ERROR_CASES = {
    "bad_kind": Recurrence("hourly", D("2025-01-01"), D("2025-01-31"), (T630,)),
    "no_times": daily("2025-01-01", "2025-01-31", times=()),
    "bad_time": daily("2025-01-01", "2025-01-31", times=(time(6, 30, tzinfo=UTC),)),
    "end_before_start": daily("2025-01-31", "2025-01-01"),
    "too_long": daily("2025-01-01", "2028-01-02"),
    "bad_interval": daily("2025-01-01", "2025-01-31", interval=0),
    "no_weekdays": weekly("2025-01-01", "2025-01-31", ()),
    "bad_weekday": weekly("2025-01-01", "2025-01-31", (7,)),
    "bad_nth": monthly("2025-01-01", "2025-12-31", 6, 1),
    "no_dates": listed("2025-01-01", "2025-01-31"),
    "dates_outside_range": listed("2025-01-01", "2025-01-31", "2025-01-15", "2025-02-01"),
}


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_each_error_code(code: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        validate(ERROR_CASES[code])
    assert caught.value.code == code
    assert caught.value.message and str(caught.value) == caught.value.message
    assert [e.code for e in find_errors(ERROR_CASES[code])] == [code]


def test_every_error_code_is_exercised() -> None:
    assert {*ERROR_CASES, "invalid_rrule"} == set(ERROR_CODES)


@pytest.mark.parametrize(
    ("rec", "code"),
    [
        (daily("2025-01-01", "2025-01-31", interval=53), "bad_interval"),
        (weekly("2025-01-01", "2025-01-31", (0,), interval=-1), "bad_interval"),
        (monthly("2025-01-01", "2025-12-31", 0, 1), "bad_nth"),
        (monthly("2025-01-01", "2025-12-31", -2, 1), "bad_nth"),
        (Recurrence("monthly_nth_weekday", D("2025-01-01"), D("2025-12-31"), (T630,), 1, (1,)),
         "bad_nth"),
        (Recurrence("monthly_nth_weekday", D("2025-01-01"), D("2025-12-31"), (T630,), nth=1),
         "no_weekdays"),
        (listed("2025-01-01", "2025-01-31", "2024-12-31"), "dates_outside_range"),
    ],
)  # fmt: skip
def test_more_invalid_values(rec: Recurrence, code: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        validate(rec)
    assert caught.value.code == code


def test_limits_are_inclusive() -> None:
    assert validate(daily("2025-01-01", "2025-01-31", interval=52))
    assert validate(daily("2025-01-01", "2028-01-01"))  # exactly three years
    assert validate(daily("2024-02-29", "2027-02-28"))  # three years from a leap day
    assert validate(listed("2025-01-01", "2025-01-31", "2025-01-01", "2025-01-31"))


def test_all_errors_are_reported_together_in_form_order() -> None:
    rec = listed("2025-01-01", "2029-01-01", "2030-01-01")
    rec = Recurrence("dates", rec.start_date, rec.end_date, (), dates=rec.dates)
    with pytest.raises(RecurrenceError) as caught:
        validate(rec)
    assert [e.code for e in caught.value.errors] == ["no_times", "too_long", "dates_outside_range"]
    assert [e.field for e in caught.value.errors] == ["times", "end_date", "dates"]
    assert "2030-01-01" in caught.value.errors[2].message


def test_undefined_rules_cannot_be_expanded_but_policy_limits_do_not_block() -> None:
    for rec in (ERROR_CASES["no_weekdays"], ERROR_CASES["bad_interval"], ERROR_CASES["bad_kind"]):
        with pytest.raises(RecurrenceError):
            occurrences(rec, D("2025-01-01"), D("2025-01-31"))
        with pytest.raises(RecurrenceError):
            to_rrule_text(rec)
    assert occurrences(ERROR_CASES["end_before_start"], D("2025-01-01"), D("2025-01-31")) == []
    assert occurrences(ERROR_CASES["no_times"], D("2025-01-01"), D("2025-01-31")) == []
    assert len(occurrences(ERROR_CASES["too_long"], D("2025-01-01"), D("2025-01-31"))) == 31
    outside = ERROR_CASES["dates_outside_range"]
    assert occurrence_days(outside, date.min, date.max) == days("2025-01-15")


# --- values and description -------------------------------------------------------------------


def test_construction_normalises_to_comparable_values() -> None:
    a = Recurrence("weekly", D("2025-01-01"), D("2025-01-31"), [T1700, T630, T630], 1, [4, 0, 4])
    b = weekly("2025-01-01", "2025-01-31", (0, 4), times=(T630, T1700))
    assert a == b and hash(a) == hash(b)
    assert a.times == (T630, T1700) and a.weekdays == (0, 4)
    # Fields of other kinds are cleared.
    c = Recurrence(
        Kind.DAILY, D("2025-01-01"), D("2025-01-31"), (T630,), 2, (1,), 3, (D("2025-01-05"),)
    )
    assert (c.kind, c.weekdays, c.nth, c.dates, c.interval) == ("daily", (), None, (), 2)
    d = Recurrence("dates", D("2025-01-01"), D("2025-01-31"), (T630,), 0, dates=[D("2025-01-05")])
    assert d.interval == 1 and validate(d)
    e = Recurrence(
        "dates", datetime(2025, 1, 1, 9), D("2025-01-31"), (T630,), dates=(D("2025-01-05"),)
    )
    assert e.start_date == D("2025-01-01") and type(e.start_date) is date


def test_describe() -> None:
    rec = weekly("2025-01-01", "2025-02-09", (2, 0), interval=2, times=(T1700, time(6, 30, 15)))
    assert describe(rec) == {
        "kind": "weekly",
        "interval": 2,
        "weekdays": [0, 2],
        "weekday_codes": ["MO", "WE"],
        "nth": None,
        "dates": [],
        "start_date": "2025-01-01",
        "end_date": "2025-02-09",
        "times": ["06:30:15", "17:00"],
        "timezone": "Asia/Ho_Chi_Minh",
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
    }
    last_friday = describe(monthly("2025-01-01", "2025-12-31", -1, 4))
    assert (last_friday["kind"], last_friday["nth"], last_friday["weekday_codes"]) == (
        "monthly_nth_weekday",
        -1,
        ["FR"],
    )
    assert describe(listed("2024-01-01", "2024-12-31", "2024-02-29"))["dates"] == ["2024-02-29"]
    assert describe(ERROR_CASES["no_weekdays"])["rrule"] is None  # never raises
