"""Playlist resolution, clashes and reach, from literal inputs (no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from audio_manager.scheduling import (
    LOCAL_TZ,
    Hamlet,
    MessageInput,
    Playlist,
    Recurrence,
    RenditionRef,
    ScheduleInput,
    VersionInput,
    clashes,
    missing_languages,
    reach,
    resolve_playlist,
)

DAY = date(2025, 6, 2)  # a Monday
LANGS = ("kinh", "hoa", "khmer")  # the language registry's order

H1 = Hamlet(1, "Ấp Khmer", 10, ("khmer", "kinh"))
H2 = Hamlet(2, "Ấp Kinh", 10, ("kinh",))
H3 = Hamlet(3, "Ấp Hoa", 10, ("hoa", "kinh"))
H4 = Hamlet(4, "Ấp Chợ", 10, ("kinh", "hoa", "khmer"))
H9 = Hamlet(9, "Ấp xã khác", 20, ("kinh",))  # another commune: never passed in
COMMUNE = (H1, H2, H3, H4)


def sha(n: int) -> str:
    return f"{n:064x}"


def version(
    vid: int, message_id: int, language: str, number: int, **renditions: RenditionRef
) -> VersionInput:
    refs = renditions or {"loudspeaker": RenditionRef(vid * 10 + 1, sha(vid), 1000 + vid)}
    return VersionInput(vid, message_id, language, number, 30.0 + vid, refs)


M1 = MessageInput(1, "BHXH tự nguyện", "normal")
M2 = MessageInput(2, "Gia hạn thẻ BHYT", "normal")
M3 = MessageInput(3, "Bão số 5", "emergency")
V10 = version(10, 1, "kinh", 1)  # an older approved take, not current
V11 = version(11, 1, "kinh", 2)
V12 = version(12, 1, "hoa", 1)
V21 = version(21, 2, "kinh", 1)
V31 = version(31, 3, "kinh", 1)
VERSIONS = (V10, V11, V12, V21, V31)
CURRENT = {(1, "kinh"): 11, (1, "hoa"): 12, (2, "kinh"): 21, (3, "kinh"): 31}


def every_day(*times: time, start: date = DAY, end: date = date(2025, 12, 31)) -> Recurrence:
    return Recurrence("daily", start, end, times)


def schedule(
    sid: int, message_id: int, *times: time, hamlets: Iterable[int] = (1, 2, 3, 4, 9), **kw: Any
) -> ScheduleInput:
    fields: dict[str, Any] = {
        "title": "",
        "priority": "normal",
        "pinned_version_id": None,
        "cancelled": False,
    }
    fields.update(kw)
    rec = fields.pop("recurrence", None) or every_day(*times)
    return ScheduleInput(sid, message_id, recurrence=rec, hamlet_ids=frozenset(hamlets), **fields)


def at(hhmm: str) -> datetime:
    return datetime.combine(DAY, time.fromisoformat(hhmm), LOCAL_TZ)


def resolve(
    schedules: Iterable[ScheduleInput],
    messages: Iterable[MessageInput] = (M1, M2, M3),
    **kw: Any,
) -> Playlist:
    kw.setdefault("language_order", LANGS)
    return resolve_playlist(DAY, COMMUNE, schedules, messages, VERSIONS, CURRENT, **kw)


def rows(playlist: Playlist) -> list[tuple[object, ...]]:
    return [
        (i.at.strftime("%H:%M"), i.schedule_id, i.language, i.hamlet_ids, i.status, i.version_id)
        for i in playlist.items
    ]


S1 = schedule(1, 1, time(17, 0), time(6, 30))


def test_three_languages_and_mixed_hamlets() -> None:
    playlist = resolve([S1])
    assert playlist.day == DAY
    assert rows(playlist) == [
        ("06:30", 1, "kinh", (1, 2, 3, 4), "ok", 11),
        ("06:30", 1, "hoa", (3, 4), "ok", 12),
        ("06:30", 1, "khmer", (1, 4), "missing", None),
        ("17:00", 1, "kinh", (1, 2, 3, 4), "ok", 11),
        ("17:00", 1, "hoa", (3, 4), "ok", 12),
        ("17:00", 1, "khmer", (1, 4), "missing", None),
    ]
    first = playlist.items[0]
    assert first.at == at("06:30") and first.at.utcoffset().total_seconds() == 7 * 3600
    assert (first.rendition_id, first.sha256, first.size) == (111, sha(11), 1011)
    assert (first.duration_s, first.version_number, first.title) == (41.0, 2, "BHXH tự nguyện")
    assert (first.message_id, first.priority, first.play_now) == (1, "normal", False)
    missing = playlist.items[2]
    assert (missing.rendition_id, missing.sha256, missing.duration_s) == (None, None, None)
    assert playlist.missing == [playlist.items[2], playlist.items[5]]


def test_languages_follow_the_hamlets_own_order_first() -> None:
    # Hamlets 1 (khmer, kinh) and 3 (hoa, kinh): Kinh is nobody's first language.
    playlist = resolve([schedule(1, 1, time(6, 30), hamlets=(1, 3))])
    assert [(i.language, i.hamlet_ids) for i in playlist.items] == [
        ("hoa", (3,)),
        ("khmer", (1,)),
        ("kinh", (1, 3)),
    ]
    without_registry = resolve([S1], language_order=())
    assert [i.language for i in without_registry.items[:3]] == ["hoa", "khmer", "kinh"]


def test_a_schedule_title_overrides_the_message_title() -> None:
    playlist = resolve([schedule(1, 2, time(6, 30), hamlets=(2,), title="Sáng thứ Hai")])
    assert [i.title for i in playlist.items] == ["Sáng thứ Hai"]


def test_only_the_hamlets_passed_in_count() -> None:
    assert resolve([schedule(1, 1, time(6, 30), hamlets=(9,))]).items == []
    playlist = resolve_playlist(DAY, [H2, H9], [S1], [M1], VERSIONS, CURRENT)
    assert {i.hamlet_ids for i in playlist.items} == {(2, 9)}


def test_a_version_without_the_profiles_rendition_is_missing() -> None:
    # Plain (id, sha256, size) tuples are accepted, as an ORM query returns them.
    preview_only = VersionInput(12, 1, "hoa", 1, 42.0, {"preview": (129, sha(129), 500)})
    versions = (V11, preview_only)
    playlist = resolve_playlist(DAY, [H3], [S1], [M1], versions, CURRENT, language_order=LANGS)
    hoa = playlist.items[0]
    assert (hoa.language, hoa.status, hoa.version_id, hoa.rendition_id) == (
        "hoa",
        "missing",
        12,
        None,
    )
    preview = resolve_playlist(DAY, [H3], [S1], [M1], versions, CURRENT, "preview")
    assert preview.items[0].rendition_id == 129 and preview.items[0].status == "ok"
    assert isinstance(preview_only.renditions["preview"], RenditionRef)


def test_a_current_pointer_to_an_unplayable_version_is_missing() -> None:
    current = {**CURRENT, (1, "kinh"): 999}
    playlist = resolve_playlist(DAY, [H2], [S1], [M1], VERSIONS, current)
    assert [(i.status, i.version_id) for i in playlist.items] == [("missing", None)] * 2


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        (None, datetime(2025, 6, 2, 5, 0, tzinfo=UTC), ["06:30"]),  # until local noon
        (datetime(2025, 6, 2, 5, 0, tzinfo=UTC), None, ["17:00"]),  # from local noon
        (None, at("17:00"), ["06:30"]),  # the end is exclusive
        (at("06:30"), None, ["06:30", "17:00"]),  # the start is inclusive
        (at("06:30"), at("06:30"), []),
        (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 3, tzinfo=UTC), ["06:30", "17:00"]),
        (None, datetime(2025, 6, 1, 23, 30, tzinfo=UTC), []),  # 06:30 local on the 2nd
        (None, datetime(2025, 6, 1, 23, 31, tzinfo=UTC), ["06:30"]),
    ],
)
def test_validity_is_checked_per_occurrence(
    valid_from: datetime | None, valid_until: datetime | None, expected: list[str]
) -> None:
    message = replace(M1, valid_from=valid_from, valid_until=valid_until)
    playlist = resolve_playlist(DAY, [H2], [S1], [message], VERSIONS, CURRENT)
    assert [i.at.strftime("%H:%M") for i in playlist.items] == expected


def test_expired_occurrences_can_be_shown_for_a_preview() -> None:
    message = replace(M1, valid_until=at("12:00"))
    playlist = resolve_playlist(DAY, [H2], [S1], [message], VERSIONS, CURRENT, include_expired=True)
    assert rows(playlist) == [
        ("06:30", 1, "kinh", (2,), "ok", 11),
        ("17:00", 1, "kinh", (2,), "expired", None),
    ]
    assert playlist.items[1].rendition_id is None


def test_what_yields_nothing() -> None:
    assert resolve([replace(S1, cancelled=True)]).items == []
    assert resolve([S1], messages=[replace(M1, retired=True)]).items == []
    assert resolve([S1], messages=[M2]).items == []  # its message is unknown
    later = schedule(1, 1, time(6, 30), recurrence=every_day(time(6, 30), start=date(2025, 6, 3)))
    assert resolve([later]).items == []
    sundays = Recurrence("weekly", DAY, date(2025, 12, 31), (time(6, 30),), weekdays=(6,))
    assert resolve([schedule(1, 1, recurrence=sundays)]).items == []
    retired = resolve([S1], messages=[replace(M1, retired=True)], include_expired=True)
    assert {i.status for i in retired.items} == {"expired"}
    assert resolve([replace(S1, cancelled=True)], include_expired=True).items == []


def test_a_stored_rule_that_is_undefined_is_reported_not_fatal() -> None:
    broken = Recurrence("weekly", DAY, date(2025, 12, 31), (time(6, 30),), weekdays=())
    playlist = resolve([schedule(7, 1, recurrence=broken), S1])
    assert playlist.invalid_schedule_ids == (7,)
    assert {i.schedule_id for i in playlist.items} == {1}


def test_priority_order_and_emergencies_on_top() -> None:
    schedules = [
        S1,  # normal, 06:30 and 17:00, all hamlets
        schedule(2, 2, time(6, 30), hamlets=(2,), priority="priority"),
        schedule(3, 3, time(18, 0), hamlets=(2,)),  # an emergency message
        schedule(4, 2, time(7, 0), hamlets=(2,), priority="emergency"),
        schedule(5, 2, time(6, 30), hamlets=(2,)),  # normal, same time as 1: after it
    ]
    playlist = resolve(schedules)
    assert [
        (i.at.strftime("%H:%M"), i.schedule_id, i.language, i.priority) for i in playlist.items
    ] == [
        ("07:00", 4, "kinh", "emergency"),
        ("18:00", 3, "kinh", "emergency"),
        ("06:30", 2, "kinh", "priority"),
        ("06:30", 1, "kinh", "normal"),
        ("06:30", 1, "hoa", "normal"),
        ("06:30", 1, "khmer", "normal"),
        ("06:30", 5, "kinh", "normal"),
        ("17:00", 1, "kinh", "normal"),
        ("17:00", 1, "hoa", "normal"),
        ("17:00", 1, "khmer", "normal"),
    ]
    assert [i.play_now for i in playlist.items] == [True, True] + [False] * 8


def test_pinned_versions() -> None:
    pinned = resolve([replace(S1, pinned_version_id=10)])
    assert {(i.language, i.version_id) for i in pinned.items} == {
        ("kinh", 10),  # the pin, instead of the current 11
        ("hoa", 12),  # other languages follow their current version
        ("khmer", None),
    }
    assert pinned.items[0].rendition_id == 101 and pinned.items[0].version_number == 1
    # A pin that is not playable (not passed in) or of another message falls back to current.
    for pin in (999, 21):
        fallback = resolve([replace(S1, pinned_version_id=pin)])
        assert {i.version_id for i in fallback.items if i.language == "kinh"} == {11}
    # A pin with no current version in its language still plays.
    only_pin = resolve_playlist(DAY, [H2], [replace(S1, pinned_version_id=10)], [M1], [V10], {})
    assert [(i.status, i.version_id) for i in only_pin.items] == [("ok", 10)] * 2


def test_reach_and_missing_languages() -> None:
    assert reach(S1, COMMUNE, LANGS) == {"kinh": 4, "hoa": 2, "khmer": 2}
    assert list(reach(S1, COMMUNE)) == ["hoa", "khmer", "kinh"]
    assert reach(S1, [H1, H9]) == {"khmer": 1, "kinh": 2}
    assert reach(replace(S1, hamlet_ids=frozenset({42})), COMMUNE) == {}
    assert missing_languages(S1, COMMUNE, VERSIONS, CURRENT) == ["khmer"]
    assert missing_languages(schedule(2, 2, time(6), hamlets=(3,)), COMMUNE, VERSIONS, CURRENT) == [
        "hoa"
    ]


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError):
        MessageInput(1, "x", "normal", valid_until=datetime(2025, 6, 2, 12))
    with pytest.raises(ValueError):
        MessageInput(1, "x", "urgent")
    with pytest.raises(ValueError):
        replace(S1, priority="high")
    assert H4.languages == ("kinh", "hoa", "khmer")
    assert Hamlet(5, "x", None, ["kinh", "hoa", "kinh"]).languages == ("kinh", "hoa")


# --- clashes ----------------------------------------------------------------------------------

DURATIONS = {(1, "kinh"): 90.0, (1, "khmer"): 60.0, (2, "kinh"): 30.0, (3, "kinh"): 0.0}
CLASH_HAMLETS = (H1, H2)


def test_clashes_per_hamlet_with_languages_back_to_back() -> None:
    schedules = [
        schedule(1, 1, time(6, 30), hamlets=(1, 2)),  # H1: khmer 60 + kinh 90; H2: 90
        schedule(2, 2, time(6, 31), hamlets=(1, 2)),  # H1: khmer unknown (60) + 30; H2: 30
        schedule(3, 2, time(6, 31, 30), hamlets=(2,)),  # starts as 1 and 2 end in H2
        schedule(4, 3, time(8, 0), hamlets=(2,)),  # zero length...
        schedule(5, 3, time(8, 0), hamlets=(2,)),  # ...but the same start
        schedule(6, 3, time(9, 0), hamlets=(2,), cancelled=True),
        schedule(7, 3, time(9, 0), hamlets=(2,)),
    ]
    found = clashes(DAY, CLASH_HAMLETS, schedules, DURATIONS)
    summary = [(c.hamlet_id, c.first.schedule_id, c.second.schedule_id, c.overlap_s) for c in found]
    assert summary == [(1, 1, 2, 90.0), (2, 1, 2, 30.0), (2, 4, 5, 0.0)]
    first = found[0].first
    assert (first.start, first.end, first.languages) == (
        at("06:30"),
        at("06:32:30"),
        ("khmer", "kinh"),
    )
    involving_5 = clashes(DAY, CLASH_HAMLETS, schedules, DURATIONS, schedule_id=5)
    assert [(c.first.schedule_id, c.second.schedule_id) for c in involving_5] == [(4, 5)]
    # Without message 2 (retired) only the same-start pair remains.
    messages = [M1, replace(M2, retired=True), M3]
    only = clashes(DAY, CLASH_HAMLETS, schedules, DURATIONS, messages=messages)
    assert [(c.first.schedule_id, c.second.schedule_id) for c in only] == [(4, 5)]


def test_a_schedule_can_clash_with_itself_and_defaults_apply() -> None:
    twice = schedule(1, 2, time(9, 0), time(9, 0, 45), hamlets=(2,))
    assert clashes(DAY, [H2], [twice], {}, default_duration_s=30.0) == []
    found = clashes(DAY, [H2], [twice], {}, default_duration_s=60.0)
    assert [(c.first.start, c.second.start, c.overlap_s) for c in found] == [
        (at("09:00"), at("09:00:45"), 15.0)
    ]
    assert clashes(date(2025, 6, 1), [H2], [twice], {}) == []  # before the start


def test_mappings_are_accepted_and_hamlets_without_languages_get_nothing() -> None:
    silent = Hamlet(5, "Ấp chưa khai báo", 10, ())
    by_id = {h.id: h for h in (H2, silent)}
    s = schedule(1, 1, time(6, 30), hamlets=(2, 5))
    playlist = resolve_playlist(
        DAY, by_id, [s], {1: M1}, {v.id: v for v in VERSIONS}, CURRENT, language_order=LANGS
    )
    assert rows(playlist) == [("06:30", 1, "kinh", (2,), "ok", 11)]
    assert reach(s, by_id) == {"kinh": 1}
