"""The play events of the reports bench's province year: drawn from the schedules' own
occurrences (plus ~3 % unscheduled ones), with the roll-up columns and the local day filled as
``services/broadcast/plays.py`` fills them, generated a day per process and COPYed."""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np
import psycopg

from .common import ROOT
from .common import log as say
from .province import (
    LANGS,
    PLAY_COLUMNS,
    REASONS,
    RULE_BY_TEXT,
    SOURCE_P,
    SOURCES,
    UNSCHEDULED_SHARE,
    World,
    build_areas,
    build_messages,
    build_schedules,
    build_users,
    load_base,
    local_midnight_utc,
    plays_on,
)  # fmt: skip


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


def build(app: Any, url: str, seed: int, events: int, workers: int) -> tuple[int, int, Any]:
    """The app's migrations, a viewer, the province year and its roll-ups, in the database
    ``app`` uses: (viewer id, province id, ({phase: seconds}, World))."""
    from flask_migrate import upgrade

    from audio_manager.extensions import db
    from audio_manager.services.accounts import accounts
    from audio_manager.services.broadcast import play_counts
    from audio_manager.services.context import Actor

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
    w = World(seed)
    build_areas(w)
    build_messages(w)
    build_schedules(w)
    build_users(w, viewer_id + 1)
    prepare_events(w, events)
    with psycopg.connect(url) as conn:
        load_base(conn, w, viewer_id)
    phases["areas, users, messages, schedules"] = time.perf_counter() - t0
    _n, event_phases = load_events(url, w, workers)
    phases.update(event_phases)
    # The app keeps its daily roll-ups at every insert; events loaded with COPY are rolled
    # up in one go, as 'flask playlists rebuild-counts' does.
    t0 = time.perf_counter()
    with app.app_context():
        play_counts.rebuild()
        db.session.commit()
        db.session.remove()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) play_counts")
        conn.execute("VACUUM (ANALYZE) hamlet_play_counts")
    phases["roll-ups (play_counts.rebuild) + ANALYZE"] = time.perf_counter() - t0
    return viewer_id, w.province, (phases, w)
