#!/usr/bin/env python3
"""Benchmark the reports (issue 6) on a year of a large province, on PostgreSQL.

Builds, with COPY, into its own database (default ``am_bench_reports``, created and dropped
here; the schema comes from the migrations):

  1 province › 10 districts › 150 communes › 1,200 hamlets (materialised paths; Kinh, Hoa and
  Khmer mixed per hamlet), 100 messages with an approved version in each language, ~200
  schedules (daily / every other day / weekdays / weekly rules, 1-4 local times, dates inside
  the year) targeting districts or communes, one operator per commune, and N play events
  (default 10,000,000) drawn from the schedules' own occurrences over the year (plus ~3 %
  unscheduled ones), ~4 % of them not played with a reason, with the roll-up columns and the
  local day (Asia/Ho_Chi_Minh, UTC+7) filled as ``services/broadcast/plays.py`` fills them.

then rolls the events up into the app's daily roll-ups (``play_counts.rebuild``, as
``flask playlists rebuild-counts`` does after a bulk load; the app keeps them at every insert),
and times, each several times (min and median), against a hand-written SQL query over the
events that gives the same numbers, run on the same database in the same run (and checks the
numbers match); the same numbers by hand from the roll-ups are timed and printed too:

  (a) ``reporting.broadcasts(viewer, year, ["district", "language", "month"])``
  (b) ``reporting.broadcasts(viewer, one month, ["commune"])``
  (c) ``compliance.compliance(viewer, province, one month)``: the confirmed / not-played
      counts and the missed list are SQL on both sides; the scheduled counts are expanded
      from the recurrences in Python on both sides (the reference with its own independent
      expansion), and that Python part is timed and printed separately.

Targets (issue 6): each report <= 1.5x its hand-written query, and under 1 s.

    .venv/bin/python scripts/bench_reports.py [--quick] [--events N] [--repeat R] [--month M]
                                              [--keep] [--reuse] [--explain]

--keep leaves the database for a later --reuse run, which measures it as it is (no build; handy
to try an index or a query change). EXPLAIN ANALYZE of the slow statements is printed whenever
a target is missed (always with --explain). Figures only: nothing is asserted. The database is
dropped at the end (also on errors or Ctrl+C) unless --keep or --reuse.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import multiprocessing
import os
import platform
import shlex
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg.types.json import Json

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2025
LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no DST: always UTC+7
TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0
LANGS = ("kinh", "hoa", "khmer")
REASONS = (
    "Mất điện",
    "Loa hỏng",
    "Cán bộ vắng",
    "Trùng lịch phát khẩn cấp",
    "Mưa bão",
)
SOURCES = ("page", "device", "import")
SOURCE_P = (0.12, 0.85, 0.03)
UNSCHEDULED_SHARE = 0.03
# (rrule text, kind, interval, weekdays), weekdays as date.weekday() numbers.
RULES = (
    ("FREQ=DAILY", "daily", 1, ()),
    ("FREQ=DAILY;INTERVAL=2", "daily", 2, ()),
    ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "weekly", 1, (0, 1, 2, 3, 4)),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "weekly", 1, (0, 2, 4)),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA", "weekly", 2, (1, 5)),
)
RULE_P = (0.45, 0.15, 0.15, 0.15, 0.10)
RULE_BY_TEXT = {r[0]: r[1:] for r in RULES}
TIMES = ("05:30", "06:00", "06:30", "11:00", "11:30", "16:30", "17:00", "17:30", "19:00")
PLAY_COLUMNS = (
    "client_event_id, reported_by_id, area_id, commune_id, district_id, province_id, "
    "played_at, played_on, message_id, version_id, language, schedule_id, played, reason, "
    "unscheduled, source, reported_at"
)


# The hand-written queries: what someone who knows the table would type.
REF_YEAR_SQL = (
    "SELECT district_id, language, date_trunc('month', played_on)::date, count(*) "
    "FROM play_events WHERE played AND played_on BETWEEN %s AND %s GROUP BY 1, 2, 3"
)
REF_COMMUNE_SQL = (
    "SELECT commune_id, count(*) FROM play_events "
    "WHERE played AND played_on BETWEEN %s AND %s GROUP BY 1"
)
REF_COMPLIANCE_SQL = (
    "SELECT commune_id, language, count(*) FILTER (WHERE played), "
    "count(*) FILTER (WHERE NOT played) FROM play_events "
    "WHERE played_on BETWEEN %s AND %s AND province_id = %s AND NOT unscheduled "
    "GROUP BY 1, 2"
)
REF_MISSED_SQL = (
    "SELECT played_at FROM play_events "
    "WHERE played_on BETWEEN %s AND %s AND province_id = %s AND NOT played "
    "ORDER BY played_at LIMIT 500"
)
# The same numbers from the app's daily roll-ups, by hand: what the service adds over the
# best query on the table it reads.
ROLLUP_YEAR_SQL = (
    "SELECT district_id, language, date_trunc('month', played_on)::date, sum(plays) "
    "FROM play_counts WHERE plays > 0 AND played_on BETWEEN %s AND %s GROUP BY 1, 2, 3"
)
ROLLUP_COMMUNE_SQL = (
    "SELECT commune_id, sum(plays) FROM play_counts "
    "WHERE plays > 0 AND played_on BETWEEN %s AND %s GROUP BY 1"
)
ROLLUP_COMPLIANCE_SQL = (
    "SELECT commune_id, language, sum(plays), sum(misses) FROM play_counts "
    "WHERE played_on BETWEEN %s AND %s AND province_id = %s AND NOT unscheduled GROUP BY 1, 2"
)


# --- small helpers -----------------------------------------------------------------------------


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms" if seconds < 10 else f"{seconds:8.1f} s "


def local_midnight_utc(day: date) -> datetime:
    """Naive UTC for 00:00 local on ``day``."""
    return datetime.combine(day, datetime.min.time()) - LOCAL_OFFSET


def plays_on(
    kind: str, interval: int, weekdays: tuple[int, ...], start: date, end: date, day: date
) -> bool:
    """The reference recurrence (independent of audio_manager.scheduling): intervals count
    from the start date, weeks start on Monday."""
    if not start <= day <= end:
        return False
    if kind == "daily":
        return (day - start).days % interval == 0
    if day.weekday() not in weekdays:
        return False
    weeks = ((day - timedelta(days=day.weekday())) - (start - timedelta(days=start.weekday()))).days
    return (weeks // 7) % interval == 0


def timed(fns: list[Any], repeat: int, warmup: int = 1) -> tuple[list[list[float]], list[Any]]:
    """Run the functions in turn (one round = each once), ``warmup`` rounds then ``repeat``
    measured ones, so that a passing load on the machine hits all of them alike. The times of
    the measured runs of each, and each one's last result."""
    results: list[Any] = [None] * len(fns)
    times: list[list[float]] = [[] for _ in fns]
    for round_ in range(warmup + repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            if round_ >= warmup:
                times[i].append(time.perf_counter() - t0)
    return times, results


# --- the data set ------------------------------------------------------------------------------


class World:
    """Everything generated before the play events, kept for the event workers (fork)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.days = [
            date(YEAR, 1, 1) + timedelta(days=i)
            for i in range(365 if not calendar.isleap(YEAR) else 366)
        ]


def build_areas(w: World) -> None:
    rng = w.rng
    w.areas: list[
        tuple[int, str, str, str, int | None, str]
    ] = []  # id, code, name, level, parent, path
    w.area_langs: list[tuple[int, str, int]] = []
    next_id = 1
    province = next_id
    next_id += 1
    w.areas.append((province, f"BR-P{province}", "Tỉnh Bench", "province", None, f"/{province}/"))
    w.province = province
    w.district_ids, w.commune_ids = [], []
    hamlets: list[tuple[int, int, int, list[str]]] = []  # id, commune, district, languages
    for d in range(10):
        did = next_id
        next_id += 1
        dpath = f"/{province}/{did}/"
        w.areas.append((did, f"BR-D{did}", f"Huyện {d + 1}", "district", province, dpath))
        w.district_ids.append(did)
        if d < 4:  # Khmer communities
            mixes = (
                (["kinh"], 0.3),
                (["kinh", "khmer"], 0.4),
                (["khmer", "kinh"], 0.2),
                (["kinh", "hoa", "khmer"], 0.1),
            )
        elif d < 6:  # Hoa communities
            mixes = (
                (["kinh"], 0.4),
                (["kinh", "hoa"], 0.45),
                (["hoa", "kinh"], 0.1),
                (["kinh", "hoa", "khmer"], 0.05),
            )
        else:
            mixes = ((["kinh"], 0.85), (["kinh", "hoa"], 0.1), (["kinh", "khmer"], 0.05))
        for c in range(15):
            cid = next_id
            next_id += 1
            cpath = f"{dpath}{cid}/"
            w.areas.append((cid, f"BR-C{cid}", f"Xã {d + 1}.{c + 1}", "commune", did, cpath))
            w.commune_ids.append(cid)
            for h in range(8):
                hid = next_id
                next_id += 1
                w.areas.append(
                    (
                        hid,
                        f"BR-H{hid}",
                        f"Ấp {d + 1}.{c + 1}.{h + 1}",
                        "hamlet",
                        cid,
                        f"{cpath}{hid}/",
                    )
                )
                langs = mixes[rng.choice(len(mixes), p=[m[1] for m in mixes])][0]
                hamlets.append((hid, cid, did, list(langs)))
                for pos, lang in enumerate(langs):
                    w.area_langs.append((hid, lang, pos))
    w.hamlets = hamlets
    w.n_areas = next_id - 1


def build_messages(w: World) -> None:
    rng = w.rng
    topics = ("Y tế", "Nông nghiệp", "Thời tiết", "An ninh", "Bầu cử", "Giáo dục")
    w.messages = []  # id, title, topic, priority, valid_from, valid_until (naive UTC)
    w.message_valid: list[tuple[datetime | None, datetime | None]] = []
    for m in range(100):
        mid = m + 1
        valid_from = valid_until = None
        if 90 <= m < 95:
            valid_until = local_midnight_utc(
                date(YEAR, 3, 15) + timedelta(days=int(rng.integers(0, 200)))
            )
        elif m >= 95:
            valid_from = local_midnight_utc(
                date(YEAR, 2, 10) + timedelta(days=int(rng.integers(0, 110)))
            )
        priority = "emergency" if m % 25 == 0 else "priority" if m % 7 == 0 else "normal"
        w.messages.append(
            (mid, f"Thông báo số {mid}", topics[m % len(topics)], priority, valid_from, valid_until)
        )
        w.message_valid.append((valid_from, valid_until))
    # one variant and one approved version per language: ids follow (message, language)
    w.version_id = lambda m_idx, l_idx: m_idx * len(LANGS) + l_idx + 1


def build_schedules(w: World) -> None:
    rng = w.rng
    w.schedules = []  # id, message_idx, rrule, start, end, times, cancelled, target area ids
    first, last = w.days[0], w.days[-1]
    for s in range(200):
        sid = s + 1
        m_idx = int(rng.integers(0, len(w.messages)))
        text = RULES[rng.choice(len(RULES), p=RULE_P)][0]
        if rng.random() < 0.3:
            start, end = first, last
        else:
            start = first + timedelta(days=int(rng.integers(0, 273)))
            end = min(last, start + timedelta(days=int(rng.integers(60, 366))))
        n_times = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.35, 0.35, 0.15]))
        times = sorted(rng.choice(TIMES, size=n_times, replace=False).tolist())
        cancelled = s % 40 == 39  # 5 cancelled: never counted, never played
        if rng.random() < 0.45:
            targets = sorted(
                set(int(x) for x in rng.choice(w.district_ids, size=int(rng.integers(1, 3))))
            )
        else:
            targets = sorted(
                set(int(x) for x in rng.choice(w.commune_ids, size=int(rng.integers(1, 4))))
            )
        w.schedules.append((sid, m_idx, text, start, end, times, cancelled, targets))


def build_users(w: World, first_id: int) -> None:
    w.operator_of: dict[int, int] = {}
    w.users = []
    for i, cid in enumerate(w.commune_ids):
        uid = first_id + i
        w.operator_of[cid] = uid
        w.users.append((uid, f"op-{cid}"))


def prepare_events(w: World, events: int) -> None:
    """Per-schedule (hamlet-language pair, local minute) combinations, active days, and the
    sampling probability that yields ``events`` events in the year."""
    w.pair_h: list[int] = []
    w.pair_l: list[int] = []
    pairs_of_area: dict[int, list[int]] = defaultdict(list)
    for h_idx, (hid, cid, did, langs) in enumerate(w.hamlets):
        for lang in langs:
            p = len(w.pair_h)
            w.pair_h.append(h_idx)
            w.pair_l.append(LANGS.index(lang))
            for a in (hid, cid, did, w.province):
                pairs_of_area[a].append(p)
    w.pair_h_arr = np.array(w.pair_h, dtype=np.int32)
    w.pair_l_arr = np.array(w.pair_l, dtype=np.int8)
    w.combo_pair, w.combo_min = [], []
    n_days = len(w.days)
    w.active = np.zeros((len(w.schedules), n_days), dtype=bool)
    for s_idx, (_sid, m_idx, text, start, end, times, cancelled, targets) in enumerate(w.schedules):
        pairs = sorted({p for t in targets for p in pairs_of_area[t]})
        minutes = [int(t[:2]) * 60 + int(t[3:]) for t in times]
        w.combo_pair.append(np.repeat(np.array(pairs, dtype=np.int32), len(minutes)))
        w.combo_min.append(np.tile(np.array(minutes, dtype=np.int32), len(pairs)))
        if cancelled:
            continue
        kind, interval, weekdays = RULE_BY_TEXT[text]
        valid_from, valid_until = w.message_valid[m_idx]
        for d_idx, day in enumerate(w.days):
            if not plays_on(kind, interval, weekdays, start, end, day):
                continue
            midnight = local_midnight_utc(day)  # validity bounds sit on local midnights
            if valid_from is not None and midnight < valid_from:
                continue
            if valid_until is not None and midnight >= valid_until:
                continue
            w.active[s_idx, d_idx] = True
    sizes = np.array([len(c) for c in w.combo_pair], dtype=np.int64)
    w.scheduled_total = int((w.active * sizes[:, None]).sum())
    scheduled_events = events * (1 - UNSCHEDULED_SHARE)
    w.q = scheduled_events / w.scheduled_total if w.scheduled_total else 0.0
    if w.q > 1:
        say(f"  note: only {w.scheduled_total:,} scheduled plays in the year; capping events")
        w.q = 1.0
    w.unscheduled_per_day = events * UNSCHEDULED_SHARE / n_days
    # per-commune failure rates: most communes rarely miss, a few often do
    w.fail_rate = np.full(len(w.hamlets), 0.03)
    bad = {c for i, c in enumerate(w.commune_ids) if i % 17 == 5}
    for h_idx, (_hid, cid, _did, _langs) in enumerate(w.hamlets):
        if cid in bad:
            w.fail_rate[h_idx] = 0.15
    # the strings each row is assembled from
    w.hamlet_prefix = [
        f"{w.operator_of[cid]}\t{hid}\t{cid}\t{did}\t{w.province}"
        for hid, cid, did, _l in w.hamlets
    ]
    w.msg_lang = [
        [f"{m_idx + 1}\t{w.version_id(m_idx, l_idx)}\t{lang}" for l_idx, lang in enumerate(LANGS)]
        for m_idx in range(len(w.messages))
    ]
    w.sched_msg = np.array([s[1] for s in w.schedules], dtype=np.int32)
    w.day_str = [d.isoformat() for d in w.days]
    w.utc_day_str = [(d - timedelta(days=1)).isoformat() for d in w.days]  # the day before
    w.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


_W: World | None = None  # set before forking the event workers


def gen_day(d_idx: int) -> tuple[int, bytes]:
    """The play events of one local day, in time order, as COPY text."""
    w = _W
    assert w is not None
    rng = np.random.default_rng([w.seed, 7, d_idx])
    pair_parts, min_parts, sched_parts = [], [], []
    for s_idx in np.nonzero(w.active[:, d_idx])[0]:
        combos = w.combo_pair[s_idx]
        keep = np.nonzero(rng.random(len(combos)) < w.q)[0]
        if len(keep):
            pair_parts.append(combos[keep])
            min_parts.append(w.combo_min[s_idx][keep])
            sched_parts.append(np.full(len(keep), s_idx, dtype=np.int32))
    k = int(rng.poisson(w.unscheduled_per_day))
    pair_parts.append(rng.integers(0, len(w.pair_h), size=k, dtype=np.int32))
    min_parts.append(rng.integers(5 * 60, 21 * 60, size=k, dtype=np.int32))
    sched_parts.append(np.full(k, -1, dtype=np.int32))
    pair = np.concatenate(pair_parts)
    sched_idx = np.concatenate(sched_parts)
    n = len(pair)
    seconds = np.concatenate(min_parts) * 60 + rng.integers(0, 300, size=n)  # a little late
    order = np.argsort(seconds, kind="stable")
    pair, sched_idx, seconds = pair[order], sched_idx[order], seconds[order]
    hamlet = w.pair_h_arr[pair]
    lang = w.pair_l_arr[pair]
    msg = np.where(
        sched_idx >= 0,
        w.sched_msg[np.maximum(sched_idx, 0)],
        rng.integers(0, len(w.messages), size=n),
    )
    played = rng.random(n) >= w.fail_rate[hamlet]
    reason = rng.integers(0, len(REASONS), size=n)
    source = rng.choice(len(SOURCES), size=n, p=SOURCE_P)
    before_seven = seconds < 7 * 3600
    utc_seconds = (seconds - 7 * 3600) % 86400
    day_s = w.day_str[d_idx]
    utc_same, utc_prev = w.day_str[d_idx], w.utc_day_str[d_idx]
    hms, prefix, msg_lang = w.hms, w.hamlet_prefix, w.msg_lang
    sched_str = [str(s + 1) for s in range(len(w.schedules))]
    lines = []
    append = lines.append
    for i, (h, l_idx, m, s, pl, r, src, prev, us) in enumerate(
        zip(
            hamlet.tolist(),
            lang.tolist(),
            msg.tolist(),
            sched_idx.tolist(),
            played.tolist(),
            reason.tolist(),
            source.tolist(),
            before_seven.tolist(),
            utc_seconds.tolist(),
            strict=True,
        )
    ):
        ts = f"{utc_prev if prev else utc_same} {hms[us]}"
        if s >= 0:
            tail = "t\t\\N\tf" if pl else f"f\t{REASONS[r]}\tf"
            sid = sched_str[s]
        else:
            tail = "t\t\\N\tt" if pl else f"f\t{REASONS[r]}\tt"
            sid = "\\N"
        append(
            f"e{d_idx:03d}-{i:06x}\t{prefix[h]}\t{ts}\t{day_s}\t{msg_lang[m][l_idx]}\t{sid}\t"
            f"{tail}\t{SOURCES[src]}\t{ts}\n"
        )
    return n, "".join(lines).encode()


# --- building the database ---------------------------------------------------------------------


def pg_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def create_database(base: str, name: str) -> None:
    with psycopg.connect(pg_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(pg_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_rows(cur: psycopg.Cursor, table: str, columns: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load_base(conn: psycopg.Connection, w: World, viewer_id: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with conn.cursor() as cur:
        copy_rows(cur, "areas", "id, code, name, level, parent_id, path", w.areas)
        copy_rows(cur, "area_languages", "area_id, language, position", w.area_langs)
        copy_rows(
            cur,
            "users",
            "id, username, display_name, password_hash, active, session_token, created_at",
            [(uid, name, name, "!", True, f"tok-{uid}", now) for uid, name in w.users],
        )
        copy_rows(cur, "user_roles", "user_id, role", [(uid, "operator") for uid, _ in w.users])
        copy_rows(
            cur,
            "user_areas",
            "user_id, area_id",
            [(w.operator_of[cid], cid) for cid in w.commune_ids],
        )
        copy_rows(
            cur,
            "messages",
            "id, title, topic, priority, valid_from, valid_until, created_by_id, created_at, "
            "updated_at, revision",
            [(*m, viewer_id, now, now, 1) for m in w.messages],
        )
        variants, versions = [], []
        for m_idx in range(len(w.messages)):
            for l_idx, lang in enumerate(LANGS):
                vid = w.version_id(m_idx, l_idx)
                variants.append((vid, m_idx + 1, lang))
                versions.append(
                    (
                        vid,
                        vid,
                        1,
                        "approved",
                        "tts",
                        f"Nội dung {m_idx + 1} ({lang})",
                        now,
                        1,
                        now,
                        now,
                    )
                )
        copy_rows(cur, "variants", "id, message_id, language", variants)
        copy_rows(
            cur,
            "versions",
            "id, variant_id, number, status, source_kind, script_text, created_at, revision, "
            "submitted_at, decided_at",
            versions,
        )
        cur.execute("UPDATE variants SET current_version_id = id")
        copy_rows(
            cur,
            "schedules",
            "id, message_id, rrule, start_date, end_date, times, note, created_at, updated_at, "
            "cancelled_at, cancel_reason, revision",
            [
                (
                    sid,
                    m_idx + 1,
                    text,
                    start,
                    end,
                    Json(times),
                    "",
                    now,
                    now,
                    now if cancelled else None,
                    "bench" if cancelled else None,
                    1,
                )
                for sid, m_idx, text, start, end, times, cancelled, _t in w.schedules
            ],
        )
        copy_rows(
            cur,
            "schedule_targets",
            "schedule_id, area_id",
            [(s[0], t) for s in w.schedules for t in s[7]],
        )
        for table in ("areas", "users", "messages", "variants", "versions", "schedules"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    conn.commit()


def load_events(url: str, w: World, workers: int) -> tuple[int, dict[str, float]]:
    """COPY the play events with the table's indexes dropped, then rebuild them exactly as
    the catalogue had them, VACUUM and ANALYZE. Foreign keys stay; their triggers are skipped
    during the COPY (session_replication_role = replica): the generator only uses ids it
    inserted itself."""
    global _W
    phases: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'play_events' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'play_events'::regclass)"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'play_events'::regclass AND contype IN ('p', 'u')"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for name, _ in constraints:
            conn.execute(f'ALTER TABLE play_events DROP CONSTRAINT "{name}"')
        conn.execute("SET session_replication_role = replica")
        t0 = time.perf_counter()
        _W = w
        total = 0
        ctx = multiprocessing.get_context("fork")
        with (
            ctx.Pool(workers) as pool,
            conn.cursor() as cur,
            cur.copy(f"COPY play_events ({PLAY_COLUMNS}) FROM STDIN") as cp,
        ):
            for n, chunk in pool.imap(gen_day, range(len(w.days)), chunksize=1):
                cp.write(chunk)
                total += n
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        phases["generate + COPY play_events"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for name, definition in constraints:
            conn.execute(f'ALTER TABLE play_events ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            conn.execute(definition)
        conn.commit()
        phases[f"indexes ({len(constraints)} constraints + {len(indexes)} indexes)"] = (
            time.perf_counter() - t0
        )
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) play_events")
        conn.execute("ANALYZE")
        phases["VACUUM ANALYZE"] = time.perf_counter() - t0
    return total, phases


# --- statement timing --------------------------------------------------------------------------


class StatementLog:
    """Wall time of every statement the app sends, from SQLAlchemy's cursor events."""

    def __init__(self) -> None:
        self.on = False
        self.rows: list[tuple[str, Any, float]] = []

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                self.rows.append(
                    (statement, parameters, time.perf_counter() - conn.info["bench_t0"])
                )

    @contextlib.contextmanager
    def capture(self) -> Any:
        self.rows = []
        self.on = True
        try:
            yield self
        finally:
            self.on = False


# --- the reports and their references ----------------------------------------------------------


def ref_broadcasts_year(
    cur: psycopg.Cursor, first: date, last: date, sql: str = REF_YEAR_SQL
) -> dict:
    cur.execute(sql, (first, last))
    return {(d, lang, month.isoformat()): n for d, lang, month, n in cur.fetchall()}


def ref_broadcasts_commune(
    cur: psycopg.Cursor, first: date, last: date, sql: str = REF_COMMUNE_SQL
) -> dict:
    cur.execute(sql, (first, last))
    return dict(cur.fetchall())


def ref_compliance_sql(
    cur: psycopg.Cursor, province: int, first: date, last: date, sql: str = REF_COMPLIANCE_SQL
) -> tuple:
    cur.execute(sql, (first, last, province))
    counts = {(c, lang): (ok, missed) for c, lang, ok, missed in cur.fetchall()}
    cur.execute(REF_MISSED_SQL, (first, last, province))
    missed = [row[0] for row in cur.fetchall()]
    return counts, missed


def ref_scheduled(cur: psycopg.Cursor, province_path: str, first: date, last: date) -> Counter:
    """Scheduled plays per (commune, language) in Python, from the stored schedules, with the
    reference recurrence above (not audio_manager.scheduling)."""
    cur.execute(
        "SELECT a.id, a.path, l.language FROM areas a JOIN area_languages l ON l.area_id = a.id "
        "WHERE a.level = 'hamlet' AND a.path LIKE %s",
        (province_path + "%",),
    )
    pairs_under: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for hid, path, lang in cur.fetchall():
        ids = [int(p) for p in path.strip("/").split("/")]
        commune = ids[-2]
        for a in ids:
            pairs_under[a].append((hid, commune, lang))
    ancestors = [int(p) for p in province_path.strip("/").split("/")]
    cur.execute(
        "SELECT s.id, s.rrule, s.start_date, s.end_date, s.times, m.valid_from, m.valid_until, "
        "m.retired_at, array_agg(t.area_id) FROM schedules s "
        "JOIN messages m ON m.id = s.message_id "
        "JOIN schedule_targets t ON t.schedule_id = s.id "
        "WHERE s.cancelled_at IS NULL AND s.start_date <= %s AND s.end_date >= %s "
        "GROUP BY s.id, m.id",
        (last, first),
    )
    scheduled: Counter = Counter()
    for _sid, text, start, end, times, v_from, v_until, retired, targets in cur.fetchall():
        if not any(t in pairs_under or t in ancestors for t in targets) or retired is not None:
            continue
        kind, interval, weekdays = RULE_BY_TEXT[text]
        plays = 0
        day = max(first, start)
        while day <= min(last, end):
            if plays_on(kind, interval, weekdays, start, end, day):
                for t in times:
                    at = datetime.combine(day, datetime.strptime(t, "%H:%M").time()) - LOCAL_OFFSET
                    if (v_from is None or at >= v_from) and (v_until is None or at < v_until):
                        plays += 1
            day += timedelta(days=1)
        if not plays:
            continue
        reached = {}
        for t in targets:
            for hid, commune, lang in pairs_under.get(t, ()):
                reached[(hid, lang)] = commune
        if any(t in ancestors for t in targets):
            for hid, commune, lang in pairs_under[ancestors[-1]]:
                reached[(hid, lang)] = commune
        for (_hid, lang), commune in reached.items():
            scheduled[(commune, lang)] += plays
    return scheduled


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="play events to generate (default 10,000,000; 200,000 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="200k events, 3 repeats")
    parser.add_argument(
        "--repeat", type=int, default=None, help="measured runs (default 7; 3 quick)"
    )
    parser.add_argument("--month", type=int, default=3, help=f"month of {YEAR} for (b) and (c)")
    parser.add_argument("--db-name", default="am_bench_reports")
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432",
        help="server URL without the database name",
    )
    parser.add_argument("--workers", type=int, default=2, help="event generator processes")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database kept by an earlier --keep run as it is (no build, not dropped)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of every slow statement, not only on a miss",
    )
    args = parser.parse_args()
    events = args.events if args.events is not None else (200_000 if args.quick else 10_000_000)
    repeat = args.repeat if args.repeat is not None else (3 if args.quick else 7)
    if not args.db_name.startswith("am_bench_reports"):
        parser.error("--db-name must start with am_bench_reports (it is dropped at the end)")
    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    url = pg_url(args.pg, args.db_name)
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    instance = Path(f"/tmp/am-bench-r-{os.getpid()}")
    instance.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        AUDIO_MANAGER_DATABASE_URL=sa_url,
        AUDIO_MANAGER_INSTANCE_PATH=str(instance),
        AUDIO_MANAGER_SECRET_KEY="bench-reports",
    )
    say(f"bench_reports: {events:,} play events, {repeat} measured runs each (+1 warm-up)")
    say(f"  command: {command}")
    created = False
    try:
        t_build = time.perf_counter()
        if not args.reuse:
            create_database(args.pg, args.db_name)
            created = True
        return run(args, url, events, repeat, command, t_build)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        if created and not args.keep:
            with contextlib.suppress(Exception):
                from audio_manager.extensions import db

                if _APP is not None:
                    with _APP.app_context():
                        db.session.remove()
                        db.engine.dispose()
            drop_database(args.pg, args.db_name)
            say(f"dropped database {args.db_name}")
        elif created:
            say(f"kept database {args.db_name} ({url})")
        import shutil

        shutil.rmtree(instance, ignore_errors=True)


_APP = None


def run(
    args: argparse.Namespace, url: str, events: int, repeat: int, command: str, t_build: float
) -> int:
    global _APP
    from flask_migrate import upgrade

    from audio_manager import create_app
    from audio_manager.extensions import db
    from audio_manager.models import Area, User
    from audio_manager.services.accounts import accounts
    from audio_manager.services.context import Actor
    from audio_manager.services.reports.compliance import compliance
    from audio_manager.services.reports.reporting import Period, broadcasts

    app = _APP = create_app()
    if args.reuse:
        build_seconds = None
        with psycopg.connect(url, autocommit=True) as conn:
            viewer_id = conn.execute(
                "SELECT id FROM users WHERE username = 'bench-viewer'"
            ).fetchone()[0]
            province_id = conn.execute(
                "SELECT id FROM areas WHERE level = 'province' ORDER BY id LIMIT 1"
            ).fetchone()[0]
        say(f"\nreusing database {args.db_name} as it is (no build)")
    else:
        phases: dict[str, float] = {}
        t0 = time.perf_counter()
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            viewer = accounts.create_user(
                Actor.system("cli"), "bench-viewer", "bench-viewer-password", ["viewer"]
            )
            db.session.commit()
            viewer_id = viewer.id
            db.session.remove()
        phases["migrations + viewer"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        w = World(args.seed)
        build_areas(w)
        build_messages(w)
        build_schedules(w)
        build_users(w, viewer_id + 1)
        prepare_events(w, events)
        with psycopg.connect(url) as conn:
            load_base(conn, w, viewer_id)
        phases["areas, users, messages, schedules"] = time.perf_counter() - t0
        _n, event_phases = load_events(url, w, args.workers)
        phases.update(event_phases)
        # The app keeps its daily roll-ups at every insert; events loaded with COPY are rolled
        # up in one go, as 'flask playlists rebuild-counts' does.
        t0 = time.perf_counter()
        with app.app_context():
            from audio_manager.services.broadcast import play_counts

            play_counts.rebuild()
            db.session.commit()
            db.session.remove()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) play_counts")
            conn.execute("VACUUM (ANALYZE) hamlet_play_counts")
        phases["roll-ups (play_counts.rebuild) + ANALYZE"] = time.perf_counter() - t0
        build_seconds = time.perf_counter() - t_build
        province_id = w.province
        say("")
        say(
            f"generated: {len(w.schedules)} schedules ({sum(1 for s in w.schedules if s[6])} "
            f"cancelled) giving {w.scheduled_total:,} scheduled hamlet-language plays in {YEAR}; "
            f"events sampled from them at {w.q:.1%}, plus {UNSCHEDULED_SHARE:.0%} unscheduled"
        )
        say(f"build: {build_seconds:.1f} s in all")
        for name, seconds in phases.items():
            say(f"  {name:<45} {seconds:7.1f} s")

    with psycopg.connect(url, autocommit=True) as conn:
        size = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('play_events')), "
            "pg_size_pretty(pg_relation_size('play_events'))"
        ).fetchone()
        rollup_rows = conn.execute(
            "SELECT (SELECT count(*) FROM play_counts), (SELECT count(*) FROM hamlet_play_counts)"
        ).fetchone()
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit', "
                "'effective_cache_size', 'random_page_cost')"
            ).fetchall()
        )
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        levels = dict(conn.execute("SELECT level, count(*) FROM areas GROUP BY 1").fetchall())
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM area_languages), (SELECT count(*) FROM messages), "
            "(SELECT count(*) FROM versions WHERE status = 'approved'), "
            "(SELECT count(*) FROM schedules), (SELECT count(*) FROM users)"
        ).fetchone()
        n_events, n_played, n_unscheduled, first_day, last_day = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE played), count(*) FILTER "
            "(WHERE unscheduled), min(played_on), max(played_on) FROM play_events"
        ).fetchone()
    say(
        f"data: {sum(levels.values()):,} areas ("
        + ", ".join(f"{n:,} {level}" for level, n in sorted(levels.items(), key=lambda x: x[1]))
        + f"), {counts[0]:,} hamlet languages, {counts[1]} messages with {counts[2]} approved "
        f"versions, {counts[3]} schedules, {counts[4]} users"
    )
    say(
        f"      {n_events:,} play events {first_day} .. {last_day} ({n_played:,} played, "
        f"{n_unscheduled:,} unscheduled); play_events {size[1]} heap, {size[0]} with indexes"
    )
    say(
        f"      roll-ups: play_counts {rollup_rows[0]:,} rows, hamlet_play_counts "
        f"{rollup_rows[1]:,} rows"
    )
    say(
        f"server: PostgreSQL {pg_version}, "
        + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
    )
    say(
        f"host: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, "
        f"load average before measuring {os.getloadavg()[0]:.2f}"
    )

    month_first = date(YEAR, args.month, 1)
    month_period = Period.of("month", month_first)
    year_period = Period.of("year", date(YEAR, 1, 1))
    log = StatementLog()
    results = []
    ref_conn = psycopg.connect(url, autocommit=True)
    with app.app_context():
        log.attach(db.engine)

        def fresh() -> tuple[Any, Any]:
            """A new session per run, as a request would have."""
            db.session.remove()
            return db.session.get(User, viewer_id), db.session.get(Area, province_id)

        def service_run(call: Any) -> Any:
            def go() -> Any:
                user, province = fresh()
                with log.capture():
                    t0 = time.perf_counter()
                    result = call(user, province)
                    elapsed = time.perf_counter() - t0
                runs.append((elapsed, list(log.rows)))
                return result

            runs: list[tuple[float, list]] = []
            return go, runs

        cur = ref_conn.cursor()

        # (a) district x language x month, the whole year
        go, runs = service_run(
            lambda u, p: broadcasts(u, year_period, ["district", "language", "month"])
        )
        (_s, r_times, u_times), (report, ref, ref_u) = timed(
            [
                go,
                lambda: ref_broadcasts_year(cur, year_period.first, year_period.last),
                lambda: ref_broadcasts_year(
                    cur, year_period.first, year_period.last, ROLLUP_YEAR_SQL
                ),
            ],
            repeat,
        )
        s_times = [elapsed for elapsed, _rows in runs[1:]]
        got = {(r["district"], r["language"], r["month"]): r["count"] for r in report.rows}
        match = got == ref == ref_u and report.total == sum(ref.values()) and not report.truncated
        results.append(
            dict(
                key="a",
                name=f"district x language x month, {YEAR}",
                service=s_times,
                ref=r_times,
                rollup=u_times,
                match=match,
                detail=f"{len(got)} rows, total {report.total:,}",
                runs=runs[1:],
                ref_sql=[(REF_YEAR_SQL, (year_period.first, year_period.last))],
            )
        )

        # (b) by commune, one month
        go, runs = service_run(lambda u, p: broadcasts(u, month_period, ["commune"]))
        (_s, r_times, u_times), (report, ref, ref_u) = timed(
            [
                go,
                lambda: ref_broadcasts_commune(cur, month_period.first, month_period.last),
                lambda: ref_broadcasts_commune(
                    cur, month_period.first, month_period.last, ROLLUP_COMMUNE_SQL
                ),
            ],
            repeat,
        )
        s_times = [elapsed for elapsed, _rows in runs[1:]]
        got = {r["commune"]: r["count"] for r in report.rows}
        match = got == ref == ref_u and report.total == sum(ref.values())
        results.append(
            dict(
                key="b",
                name=f"by commune, {month_first:%Y-%m}",
                service=s_times,
                ref=r_times,
                rollup=u_times,
                match=match,
                detail=f"{len(got)} rows, total {report.total:,}",
                runs=runs[1:],
                ref_sql=[(REF_COMMUNE_SQL, (month_period.first, month_period.last))],
            )
        )

        # (c) compliance, the province, one month
        province_path = f"/{province_id}/"
        go, runs = service_run(lambda u, p: compliance(u, p, month_period))
        (_s, q_times, p_times, uq_times), (report, (counts, missed), scheduled, (counts_u, _m)) = (
            timed(
                [
                    go,
                    lambda: ref_compliance_sql(
                        cur, province_id, month_period.first, month_period.last
                    ),
                    lambda: ref_scheduled(
                        cur, province_path, month_period.first, month_period.last
                    ),
                    lambda: ref_compliance_sql(
                        cur,
                        province_id,
                        month_period.first,
                        month_period.last,
                        ROLLUP_COMPLIANCE_SQL,
                    ),
                ],
                repeat,
            )
        )
        s_times = [elapsed for elapsed, _rows in runs[1:]]
        got = {
            (r.area_id, r.language): (r.scheduled, r.confirmed, r.not_played) for r in report.rows
        }
        keys = set(scheduled) | set(counts)
        want = {k: (scheduled.get(k, 0), *counts.get(k, (0, 0))) for k in keys}
        got_missed = sorted(m["at"].astimezone(UTC).replace(tzinfo=None) for m in report.missed)
        match = got == want and got_missed == sorted(missed) and counts_u == counts
        mismatch = ""
        if got != want:
            bad = [k for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)]
            mismatch = "; ".join(f"{k}: service {got.get(k)} ref {want.get(k)}" for k in bad[:5])
        total_ref = [a + b for a, b in zip(q_times, p_times, strict=True)]  # same rounds
        total_rollup = [a + b for a, b in zip(uq_times, p_times, strict=True)]
        results.append(
            dict(
                key="c",
                name=f"compliance, province, {month_first:%Y-%m}",
                service=s_times,
                ref=total_ref,
                rollup=total_rollup,
                ref_sql_only=q_times,
                ref_python=p_times,
                match=match,
                detail=(
                    f"{len(got)} rows, scheduled {report.scheduled:,}, confirmed "
                    f"{report.confirmed:,} ({report.percent}%), missed list {len(report.missed)}"
                    + (f"; MISMATCH {mismatch}" if mismatch else "")
                ),
                runs=runs[1:],
                ref_sql=[
                    (REF_COMPLIANCE_SQL, (month_period.first, month_period.last, province_id)),
                    (REF_MISSED_SQL, (month_period.first, month_period.last, province_id)),
                ],
            )
        )
        db.session.remove()

    # --- figures
    say("")
    say(
        "each report: service call (fresh session, labels included) vs the hand-written SQL, "
        f"run in turn, {repeat} rounds after 1 warm-up round; min / median"
    )
    for r in results:
        s_med, r_med = statistics.median(r["service"]), statistics.median(r["ref"])
        r["ratio"] = s_med / r_med if r_med else float("inf")
        r["ok_ratio"] = r["ratio"] <= TARGET_RATIO
        r["ok_time"] = s_med < TARGET_SECONDS
        say("")
        say(
            f"({r['key']}) {r['name']}: numbers "
            f"{'match' if r['match'] else 'DIFFER'} ({r['detail']})"
        )
        say(f"    service      min {fmt_s(min(r['service']))}  median {fmt_s(s_med)}")
        if "ref_python" in r:
            say(
                f"    hand SQL     min {fmt_s(min(r['ref_sql_only']))}  median "
                f"{fmt_s(statistics.median(r['ref_sql_only']))}  (GROUP BY + missed list)"
            )
            say(
                f"    + scheduled  min {fmt_s(min(r['ref_python']))}  median "
                f"{fmt_s(statistics.median(r['ref_python']))}  (Python: load schedules and "
                f"hamlets, expand recurrences; timed separately)"
            )
        say(f"    reference    min {fmt_s(min(r['ref']))}  median {fmt_s(r_med)}")
        u_med = statistics.median(r["rollup"])
        r["rollup_ratio"] = s_med / u_med if u_med else float("inf")
        say(
            f"    same by hand on the roll-up: min {fmt_s(min(r['rollup']))}  median "
            f"{fmt_s(u_med)}  (service / it: {r['rollup_ratio']:.2f}x)"
        )
        say(
            f"    ratio {r['ratio']:.2f}x (target <= {TARGET_RATIO}x: "
            f"{'yes' if r['ok_ratio'] else 'NO'}), under {TARGET_SECONDS:.0f} s: "
            f"{'yes' if r['ok_time'] else 'NO'}"
        )
        # where the service's time goes: per distinct statement, its total per run (median)
        per_stmt: dict[str, list[float]] = defaultdict(list)
        per_count: dict[str, int] = {}
        db_total, n_stmts = [], []
        for _elapsed, rows in r["runs"]:
            db_total.append(sum(t for _s, _p, t in rows))
            n_stmts.append(len(rows))
            sums: Counter = Counter()
            counts: Counter = Counter()
            for stmt, _p, t in rows:
                key = " ".join(stmt.split())
                sums[key] += t
                counts[key] += 1
            for key, t in sums.items():
                per_stmt[key].append(t)
                per_count[key] = counts[key]
        say(
            f"    service DB time: median {fmt_s(statistics.median(db_total))} in "
            f"{statistics.median(n_stmts):.0f} statements; Python/ORM: "
            f"{fmt_s(s_med - statistics.median(db_total))}"
        )
        slow = sorted(per_stmt.items(), key=lambda kv: -statistics.median(kv[1]))
        for stmt, ts in slow[:4]:
            times_n = f"{per_count[stmt]}x " if per_count[stmt] > 1 else ""
            say(
                f"      {fmt_s(statistics.median(ts))}  {times_n}{stmt[:140]}"
                f"{'…' if len(stmt) > 140 else ''}"
            )
        r["slow"] = slow

    explain_needed = args.explain or not all(r["ok_ratio"] and r["ok_time"] for r in results)
    if explain_needed:
        say("")
        say(
            "EXPLAIN (ANALYZE, BUFFERS) of the service's slowest statements and the hand-written "
            "ones" + ("" if args.explain else " (a target was missed)")
        )
        with psycopg.connect(url, autocommit=True) as conn:
            for r in results:
                if not args.explain and r["ok_ratio"] and r["ok_time"]:
                    continue
                _e, rows = r["runs"][-1]
                by_time = sorted(rows, key=lambda x: -x[2])
                picked = [x for x in by_time if x[2] >= 0.1 * by_time[0][2]][:3]
                for stmt, params, t in picked:
                    say(f"\n--- ({r['key']}) service statement, {t * 1000:.1f} ms in the run")
                    say("    " + " ".join(stmt.split())[:400])
                    for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params):
                        say("    " + line)
                for sql, params in r["ref_sql"]:
                    say(f"\n--- ({r['key']}) hand-written: {sql[:120]}…")
                    for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params):
                        say("    " + line)
    ref_conn.close()

    # --- summary
    say("")
    say("summary (medians)")
    head = (
        f"  {'report':<40} {'service':>11} {'hand SQL':>11} {'ratio':>7}  "
        f"{'<=1.5x':<6} {'<1 s':<5} numbers  {'roll-up SQL':>11} {'ratio':>7}"
    )
    say(head)
    say("  " + "-" * (len(head) - 2))
    for r in results:
        say(
            f"  ({r['key']}) {r['name']:<36} {fmt_s(statistics.median(r['service']))} "
            f"{fmt_s(statistics.median(r['ref']))} {r['ratio']:6.2f}x  "
            f"{'yes' if r['ok_ratio'] else 'NO':<6} {'yes' if r['ok_time'] else 'NO':<5} "
            f"{'match' if r['match'] else 'DIFFER':<7}  {fmt_s(statistics.median(r['rollup']))} "
            f"{r['rollup_ratio']:6.2f}x"
        )
    say(
        f"  targets: <= {TARGET_RATIO}x the hand-written query and < {TARGET_SECONDS:.0f} s; "
        "(c)'s reference = SQL + the Python expansion of the scheduled counts"
    )
    say(
        "  hand SQL counts the events; roll-up SQL is the same numbers by hand from the "
        "daily roll-ups the service reads"
    )
    built = f"build {build_seconds:.1f} s" if build_seconds is not None else "database reused"
    say(
        f"  data: {n_events:,} play events; {built}; load average "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    say(f"  command: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
