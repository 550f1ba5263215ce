"""The reports bench's baselines: the hand-written SQL someone who knows the tables would type
(over the events, and the same numbers by hand from the roll-ups), and the scheduled counts
expanded in Python with a reference recurrence independent of ``audio_manager.scheduling``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import psycopg

from .province import LOCAL_OFFSET, RULE_BY_TEXT, plays_on

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
