"""The schedules' calendar: built from the playlists (so it never disagrees with them), with
languages by name, hamlets, emergencies and clashes; week and month pages; schedules in words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from audio_manager import scheduling as sched
from audio_manager.extensions import db
from audio_manager.models import Area
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import calendar, playlists, schedule_words, schedules

from .schedule_helpers import world
from .workflow_helpers import actor, approved_version, new_message

TODAY = datetime.now(UTC).astimezone(sched.LOCAL_TZ).date()


def text(html: str) -> str:
    """What a reader sees: tags out, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ,", ",")


@pytest.fixture
def w(app_ctx, tmp_path):
    data = world(tmp_path)
    an, binh = by_code("94101"), by_code("94201")
    monday = TODAY - timedelta(days=TODAY.weekday())
    weekly = sched.Recurrence(
        "weekly", monday, monday + timedelta(days=40), (time(6, 30), time(17, 0)), weekdays=(0, 2)
    )
    data["monday"] = monday
    data["weekly"] = schedules.create(actor(data["editor"]), data["message"], [an], weekly)
    alert = new_message(data["editor"], "Bão số 3", priority="emergency")
    approved_version(data["editor"], data["approver"], alert, "kinh", "Bão sắp vào.")
    once = sched.Recurrence("dates", monday, monday + timedelta(days=6), (time(6, 30),),
                            dates=(monday,))  # fmt: skip
    data["alert"] = schedules.create(actor(data["editor"]), alert, [by_code("A2")], once)
    data["binh"] = schedules.create(
        actor(data["editor"]),
        data["message"],
        [binh],
        sched.Recurrence("daily", monday, monday + timedelta(days=6), (time(9, 0),)),
    )
    db.session.commit()
    return data


def test_a_week_of_plays_with_languages_hamlets_emergencies_and_clashes(w) -> None:
    monday = w["monday"]
    result = calendar.build([by_code("94")], *calendar.week_of(monday))
    assert [d.day for d in result.days] == [monday + timedelta(days=i) for i in range(7)]
    first = result.days[0].slots
    assert [(s.at.strftime("%H:%M"), s.schedule_id) for s in first] == [
        ("06:30", w["weekly"].id),
        ("06:30", w["alert"].id),
        ("09:00", w["binh"].id),
        ("17:00", w["weekly"].id),
    ]
    morning, alert = first[0], first[1]
    assert morning.languages == ["kinh", "hoa", "khmer"] and morning.missing == ["hoa"]
    assert morning.hamlet_names == ["Ấp An Ba", "Ấp An Hai", "Ấp An Một"]
    assert alert.emergency and alert.hamlet_names == ["Ấp An Hai"]
    # Both start at 06:30 in Ấp An Hai: a clash, marked on both, nowhere else.
    assert morning.clashes_with == {w["alert"].id: "Bão số 3"}
    assert alert.clashes_with == {w["weekly"].id: "BHXH tự nguyện"}
    assert not first[2].clashes_with and not first[3].clashes_with
    assert [len(d.slots) for d in result.days] == [4, 1, 3, 1, 1, 1, 1]


def test_the_calendar_agrees_with_the_playlists(w) -> None:
    an = by_code("94101")
    first, last = calendar.week_of(w["monday"])
    result = calendar.build([an], first, last)
    built = playlists.build(an, first, 7)
    for day, playlist in zip(result.days, built.playlists, strict=True):
        assert {(s.at, s.schedule_id) for s in day.slots} == {
            (i.at, i.schedule_id) for i in playlist.items
        }


def test_one_message_or_one_schedule(w) -> None:
    first, last = calendar.month_grid(w["monday"].replace(day=1))
    assert first.weekday() == 0 and last.weekday() == 6 and (last - first).days % 7 == 6
    only = calendar.build([by_code("94")], first, last, message_id=w["alert"].message_id)
    assert {s.schedule_id for d in only.days for s in d.slots} == {w["alert"].id}
    # The clash stays marked: it is found among every schedule, then filtered.
    assert all(s.clashes_with for d in only.days for s in d.slots)
    one = calendar.build([by_code("94")], first, last, schedule_id=w["binh"].id)
    assert {s.schedule_id for d in one.days for s in d.slots} == {w["binh"].id}


def test_the_week_page(w, login_as) -> None:
    browser = login_as("editor")
    html = browser.get(f"/schedules/calendar?view=week&date={w['monday'].isoformat()}").get_data(
        as_text=True
    )
    assert "Thứ Hai" in html and "Chủ Nhật" in html
    assert "Bão số 3" in html and 'class="cal-mark cal-mark-emergency">Khẩn cấp' in html
    assert "Trùng giờ với: Bão số 3" in html
    seen = text(html)
    assert "Kinh, Hoa (thiếu), Khmer" in seen and "3 ấp: Ấp An Ba, Ấp An Hai, Ấp An Một" in seen
    assert f'href="/schedules/{w["alert"].id}"' in html
    for code in (">kinh<", ">khmer<", ">hoa<", "FREQ="):
        assert code not in html


def test_the_month_page_per_area_and_for_an_operator(w, login_as) -> None:
    month = w["monday"].strftime("%Y-%m")
    binh = by_code("94201")
    html = (
        login_as("viewer")
        .get(f"/schedules/calendar?month={month}&area_id={binh.id}")
        .get_data(as_text=True)
        .split('<ol class="cal')[1]  # the calendar, not the area picker
    )
    assert "Ấp Bình Một" in html and "Ấp An Một" not in html
    assert html.count('<li class="cal-slot') == 7  # daily at 09:00 for a week
    # An operator sees their commune only (Xã An), and slots lead to their day.
    html = login_as("operator").get(f"/schedules/calendar?month={month}").get_data(as_text=True)
    html = html.split('<ol class="cal')[1]
    assert "Ấp An Một" in html and "Ấp Bình Một" not in html
    assert "/today?date=" in html and "/schedules/1" not in html
    assert login_as("operator").get(f"/schedules/calendar?area_id={binh.id}").status_code == 404
    assert login_as("viewer").get("/schedules/calendar?area=nope").status_code == 404
    # Nonsense dates fall back to this month rather than failing.
    assert login_as("viewer").get("/schedules/calendar?month=2026-13").status_code == 200


def test_the_calendar_is_linked_from_the_schedules(w, login_as) -> None:
    browser = login_as("editor")
    assert "/schedules/calendar" in browser.get("/schedules/").get_data(as_text=True)
    html = browser.get(f"/schedules/{w['binh'].id}").get_data(as_text=True)
    assert "/schedules/calendar?" in html and f"schedule={w['binh'].id}" in html


@pytest.mark.parametrize(
    ("rec", "vi", "en"),
    [
        (
            sched.Recurrence("weekly", date(2026, 12, 1), date(2026, 12, 31),
                             (time(6, 30), time(17, 0)), weekdays=(0, 2)),
            "Thứ Hai và Thứ Tư hằng tuần, 06:30 và 17:00, từ 01/12 đến 31/12/2026",
            "Monday and Wednesday every week, 06:30 and 17:00, from 01/12 to 31/12/2026",
        ),
        (
            sched.Recurrence("daily", date(2026, 12, 1), date(2027, 1, 31), (time(7, 0),),
                             interval=2),
            "Cứ 2 ngày một lần, 07:00, từ 01/12/2026 đến 31/01/2027",
            "Every 2 days, 07:00, from 01/12/2026 to 31/01/2027",
        ),
        (
            sched.Recurrence("monthly_nth_weekday", date(2026, 12, 1), date(2027, 5, 31),
                             (time(8, 0),), weekdays=(4,), nth=-1),
            "Thứ Sáu cuối cùng hằng tháng, 08:00, từ 01/12/2026 đến 31/05/2027",
            "The last Friday of every month, 08:00, from 01/12/2026 to 31/05/2027",
        ),
        (
            sched.Recurrence("dates", date(2026, 12, 1), date(2026, 12, 31), (time(8, 0),),
                             dates=(date(2026, 12, 2), date(2026, 12, 9))),
            "Vào các ngày 02/12/2026 và 09/12/2026, 08:00",
            "On 02/12/2026 and 09/12/2026, 08:00",
        ),
    ],
)  # fmt: skip
def test_schedules_in_words(app, rec, vi, en) -> None:
    for locale, expected in (("vi", vi), ("en", en)):
        with app.test_request_context(headers={"Accept-Language": locale}):
            from flask_babel import force_locale

            with force_locale(locale):
                assert schedule_words.recurrence(rec) == expected
                at = datetime(2026, 12, 2, 17, 30, tzinfo=sched.LOCAL_TZ)
                assert schedule_words.moment(at) == (
                    "Thứ Tư 02/12/2026 17:30" if locale == "vi" else "Wednesday 02/12/2026 17:30"
                )


def test_levels_unknown_to_a_scoped_reader_stay_hidden(w) -> None:
    operator = w["operator"]
    roots = calendar.roots(operator, None)
    assert [a.code for a in roots] == ["94101"]
    assert db.session.scalar(sa.select(Area).where(Area.code == "94201")) not in roots
