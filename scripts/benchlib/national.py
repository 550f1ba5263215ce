"""The national dataset: 34 provinces, ~3,300 communes (no districts), ~80,000 hamlets with
ordered languages, approved messages and ~5,000 active schedules at every level, one operator
with a token for the chosen commune (a mixed Kinh/Khmer/Hoa one) and one for the ZIP commune.

Rows are plain tuples per table (loaded by ``loading``); assets are attached once the audio is
stored (``attach_audio``)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .common import LOCAL_TZ, naive_utc

PROFILE = "loudspeaker"


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Dataset:
    tables: dict[str, Table]
    day: date
    commune_id: int
    commune_code: str
    commune_path: str
    commune_hamlets: list[int]
    province_id: int
    zip_commune_code: str
    operator_id: int
    token: str
    # For the play events: (hamlet, version, message, language, schedule or None)
    play_choices: list[tuple[int, int, int, str, int | None]]
    counts: dict[str, int]
    # Every commune: (area id, code, province area id), for the national mix
    communes: list[tuple[int, str, int]] = field(default_factory=list)
    # What each commune's station confirms: (hamlet, version, message, language, schedule or
    # None) for every schedule reaching each hamlet in each language it plays, and two
    # unscheduled messages per hamlet; the national ingest posts as the communes' stations.
    station_choices: dict[int, list[tuple[int, int, int, str, int | None]]] = field(
        default_factory=dict
    )


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id", "username", "display_name", "password_hash", "active", "locale", "session_token",
        "created_at",
    ),
    "user_roles": ("user_id", "role"),
    "areas": ("id", "code", "name", "level", "parent_id", "path"),
    "area_languages": ("area_id", "language", "position"),
    "user_areas": ("user_id", "area_id"),
    "api_tokens": ("id", "user_id", "name", "prefix", "token_hash", "created_at"),
    "assets": (
        "id", "sha256", "storage_key", "mime", "size", "duration", "sample_rate", "channels",
        "codec", "bitrate", "created_at",
    ),
    "messages": (
        "id", "title", "topic", "priority", "valid_from", "valid_until", "created_at",
        "updated_at", "revision",
    ),
    "variants": ("id", "message_id", "language", "current_version_id"),
    "versions": (
        "id", "variant_id", "number", "status", "source_kind", "script_text", "engine",
        "created_at", "revision", "submitted_at", "decided_at", "retired_at",
    ),
    "renditions": ("id", "version_id", "profile", "asset_id", "created_at"),
    "schedules": (
        "id", "message_id", "rrule", "start_date", "end_date", "times", "note", "created_at",
        "updated_at", "revision",
    ),
    "schedule_targets": ("schedule_id", "area_id"),
}  # fmt: skip


JSON_COLUMNS = {("schedules", "times")}


RRULES = (
    ("FREQ=DAILY", 50),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", 20),
    ("FREQ=WEEKLY;BYDAY=TU,TH", 10),
    ("FREQ=DAILY;INTERVAL=2", 5),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", 5),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 5),
    ("FREQ=MONTHLY;BYDAY=1MO", 5),
)


SLOTS = ("05:30", "06:00", "06:30", "07:00", "11:00", "11:30", "16:30", "17:00", "17:30", "19:00")


def split_counts(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    weights = [rng.randint(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, round(w * scale)) for w in weights]
    counts[-1] = max(1, counts[-1] + total - sum(counts))
    return counts


def generate(sizes: Any, seed: int) -> tuple[Dataset, list[tuple[int, str]], Any]:
    """Rows for every table (assets filled in later by ``attach_audio``)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    now_db = naive_utc(now)
    today = now.astimezone(LOCAL_TZ).date()
    t: dict[str, Table] = {name: Table(cols) for name, cols in TABLE_COLUMNS.items()}

    # Areas: provinces > communes > hamlets (no districts).
    areas, langs = t["areas"].rows, t["area_languages"].rows
    next_id = 1
    provinces: list[tuple[int, str]] = []
    for p in range(1, sizes.provinces + 1):
        provinces.append((next_id, f"/{next_id}/"))
        areas.append((next_id, f"{p:02d}", f"Tỉnh Thử {p:02d}", "province", None, f"/{next_id}/"))
        next_id += 1
    per_province = split_counts(rng, sizes.communes, sizes.provinces, 80, 120)
    communes: list[tuple[int, str, str, int]] = []  # id, code, path, province index
    for p_index, count in enumerate(per_province):
        p_id, p_path = provinces[p_index]
        for c in range(1, count + 1):
            code = f"{p_index + 1:02d}{c:03d}"
            path = f"{p_path}{next_id}/"
            communes.append((next_id, code, path, p_index))
            areas.append((next_id, code, f"Xã {code}", "commune", p_id, path))
            next_id += 1
    per_commune = split_counts(rng, sizes.hamlets, len(communes), 10, 38)
    chosen_index = next(i for i, c in enumerate(communes) if c[3] == sizes.provinces - 1)
    zip_index = 1
    per_commune[chosen_index], per_commune[zip_index] = 24, 10
    hamlets_of: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
    mekong = set(range(max(0, sizes.provinces - 6), sizes.provinces))
    for c_index, (c_id, c_code, c_path, p_index) in enumerate(communes):
        members = hamlets_of.setdefault(c_id, [])
        for h in range(1, per_commune[c_index] + 1):
            draw = rng.random()
            if c_index == chosen_index:  # a mixed commune: Kinh, Khmer and Hoa hamlets
                pattern = [("kinh",)] * 14 + [("kinh", "khmer")] * 6
                pattern += [("khmer", "kinh")] * 2 + [("kinh", "hoa")] * 2
                order = pattern[h - 1]
            elif c_index == zip_index:
                order = ("kinh",)
            elif p_index in mekong:
                order = (
                    ("kinh", "khmer")
                    if draw < 0.25
                    else ("khmer", "kinh")
                    if draw < 0.35
                    else ("kinh", "hoa")
                    if draw < 0.43
                    else ("kinh",)
                )
            else:
                order = ("kinh", "hoa") if draw < 0.02 else ("kinh",)
            code = f"{c_code}{h:03d}"
            areas.append((next_id, code, f"Ấp {h} {c_code}", "hamlet", c_id, f"{c_path}{next_id}/"))
            for position, language in enumerate(order):
                langs.append((next_id, language, position))
            members.append((next_id, order))
            next_id += 1
    chosen = communes[chosen_index]
    zip_commune = communes[zip_index]

    # The operator of the chosen commune, with an API token.
    operator_id, token = 1, "amt_bench_" + hashlib.sha256(str(seed).encode()).hexdigest()[:32]
    t["users"].rows.append(
        (operator_id, "bench_operator", "Bench operator", "!", True, "vi", "bench", now_db)
    )
    t["user_roles"].rows.append((operator_id, "operator"))
    t["user_areas"].rows.append((operator_id, chosen[0]))
    t["api_tokens"].rows.append(
        (1, operator_id, "bench", token[:10], hashlib.sha256(token.encode()).hexdigest(), now_db)
    )

    # Messages (the last zip_files are the big ones), variants, versions.
    normal = sizes.messages - sizes.zip_files
    audio_keys: list[tuple[int, str]] = []
    current: dict[tuple[int, str], int] = {}  # (message, language) -> version id
    variant_id = version_id = 0
    for m in range(1, sizes.messages + 1):
        big = m > normal
        draw = rng.random()
        priority = "emergency" if draw < 0.03 else "priority" if draw < 0.15 else "normal"
        if big:
            priority = "normal"
        valid_until = naive_utc(now + timedelta(days=rng.randint(30, 365))) if draw > 0.7 else None
        title = f"Bản tin dài {m}" if big else f"Thông báo số {m}: tiêm chủng, thuế, phòng cháy"
        t["messages"].rows.append((m, title, "", priority, None, valid_until, now_db, now_db, 1))
        languages = ["kinh"]
        if not big:
            if rng.random() < 0.35:
                languages.append("hoa")
            if rng.random() < 0.45:
                languages.append("khmer")
        for language in languages:
            variant_id += 1
            n_versions = 1 if big or rng.random() < 0.7 else 2
            for number in range(1, n_versions + 1):
                version_id += 1
                last = number == n_versions
                created = now_db - timedelta(days=10 - number)
                t["versions"].rows.append(
                    (
                        version_id, variant_id, number, "approved" if last else "retired", "tts",
                        f"Kính thưa bà con ({language}, v{number})", "espeak", created, 1,
                        created, created, None if last else now_db - timedelta(days=1),
                    )
                )  # fmt: skip
            t["variants"].rows.append((variant_id, m, language, version_id))
            current[(m, language)] = version_id
            if not big:
                audio_keys.append((m, language))

    # Schedules: a few fixed ones for the chosen commune (10-40 items a day), the big ZIP
    # playlist's, and random ones at every level elsewhere.
    schedules, targets = t["schedules"].rows, t["schedule_targets"].rows
    normal_ids = list(range(1, normal + 1))

    def add(message: int, rrule: str, times: list[str], area_ids: list[int]) -> int:
        sid = len(schedules) + 1
        start = today - timedelta(days=rng.randint(0, 60))
        end = today + timedelta(days=rng.randint(14, 200))
        schedules.append((sid, message, rrule, start, end, times, "", now_db, now_db, 1))
        targets.extend((sid, a) for a in dict.fromkeys(area_ids))
        return sid

    chosen_hamlets = hamlets_of[chosen[0]]
    khmer_hamlets = [h for h, order in chosen_hamlets if "khmer" in order]
    chosen_province = provinces[chosen[3]][0]
    fixed: list[tuple[int, int]] = []  # (schedule, message) reaching the chosen commune
    picks = rng.sample(normal_ids, 7)
    for message in picks[:3]:
        fixed.append((add(message, "FREQ=DAILY", rng.sample(SLOTS, 2), [chosen_province]), message))
    for message in picks[3:5]:
        fixed.append((add(message, "FREQ=DAILY", rng.sample(SLOTS, 1), [chosen[0]]), message))
    for index, message in enumerate(picks[5:7]):
        chosen_two = khmer_hamlets[index * 2 : index * 2 + 2]
        fixed.append((add(message, "FREQ=DAILY", rng.sample(SLOTS, 1), chosen_two), message))
    zip_hamlet = hamlets_of[zip_commune[0]][0][0]
    for index, message in enumerate(range(normal + 1, sizes.messages + 1)):
        add(message, "FREQ=DAILY", [f"04:{10 + index:02d}"], [zip_hamlet])
    other_communes = [c for c in communes if c[0] != chosen[0]]
    other_provinces = [p for i, p in enumerate(provinces) if i != chosen[3]] or provinces
    rrules, weights = zip(*RRULES, strict=True)
    while len(schedules) < sizes.schedules:
        message = rng.choice(normal_ids)
        rrule = rng.choices(rrules, weights)[0]
        times = sorted(rng.sample(SLOTS, rng.choice((1, 1, 2, 2, 3))))
        level = rng.random()
        if level < 0.04:
            area_ids = [rng.choice(other_provinces)[0]]
        elif level < 0.40:
            area_ids = [c[0] for c in rng.sample(other_communes, rng.choice((1, 1, 1, 2, 3)))]
        else:
            commune = rng.choice(other_communes)
            members = hamlets_of[commune[0]]
            area_ids = [h for h, _ in rng.sample(members, min(len(members), rng.randint(1, 3)))]
        add(message, rrule, times, area_ids)

    # Play events reported by the operator: scheduled ones (right schedule and version) and
    # some unscheduled plays of other approved messages.
    plays: list[tuple[int, int, int, str, int | None]] = []
    for hamlet, order in chosen_hamlets:
        for sid, message in fixed:
            for language in order:
                if (message, language) in current:
                    plays.append((hamlet, current[(message, language)], message, language, sid))
        for message in rng.sample(normal_ids, 3):
            plays.append((hamlet, current[(message, "kinh")], message, "kinh", None))

    station_choices = _station_choices(
        rng, communes, provinces, hamlets_of, schedules, targets, current, normal_ids
    )

    counts = {
        "provinces": len(provinces),
        "communes": len(communes),
        "hamlets": sum(per_commune),
        "area_languages": len(langs),
        "messages": sizes.messages,
        "variants": len(t["variants"].rows),
        "versions": len(t["versions"].rows),
        "schedules": len(schedules),
        "schedule_targets": len(targets),
    }
    dataset = Dataset(
        tables=t,
        day=today,
        commune_id=chosen[0],
        commune_code=chosen[1],
        commune_path=chosen[2],
        commune_hamlets=[h for h, _ in chosen_hamlets],
        province_id=chosen_province,
        zip_commune_code=zip_commune[1],
        operator_id=operator_id,
        token=token,
        play_choices=plays,
        counts=counts,
        communes=[(c_id, code, provinces[p_index][0]) for c_id, code, _path, p_index in communes],
        station_choices=station_choices,
    )
    return dataset, audio_keys, (current, normal)


def _station_choices(
    rng: random.Random,
    communes: list[tuple[int, str, str, int]],
    provinces: list[tuple[int, str]],
    hamlets_of: dict[int, list[tuple[int, tuple[str, ...]]]],
    schedules: list[tuple[Any, ...]],
    targets: list[tuple[int, int]],
    current: dict[tuple[int, str], int],
    normal_ids: list[int],
) -> dict[int, list[tuple[int, int, int, str, int | None]]]:
    message_of = {row[0]: row[1] for row in schedules}
    reaching: dict[int, list[int]] = {}  # area id -> schedules targeting it
    for sid, area_id in targets:
        reaching.setdefault(area_id, []).append(sid)
    out: dict[int, list[tuple[int, int, int, str, int | None]]] = {}
    for c_id, _code, _path, p_index in communes:
        wide = reaching.get(provinces[p_index][0], []) + reaching.get(c_id, [])
        choices: list[tuple[int, int, int, str, int | None]] = []
        for hamlet, order in hamlets_of[c_id]:
            for sid in wide + reaching.get(hamlet, []):
                message = message_of[sid]
                for language in order:
                    version = current.get((message, language))
                    if version is not None:
                        choices.append((hamlet, version, message, language, sid))
            for message in rng.sample(normal_ids, 2):
                choices.append((hamlet, current[(message, "kinh")], message, "kinh", None))
        out[c_id] = choices
    return out


def attach_audio(dataset: Dataset, current: dict, normal: int, small: dict, big: list) -> None:
    """Asset rows for the stored files and a loudspeaker rendition of every current version."""
    now_db = naive_utc(datetime.now(UTC))
    assets, renditions = dataset.tables["assets"].rows, dataset.tables["renditions"].rows

    def asset(stored: Any) -> int:
        aid = len(assets) + 1
        assets.append(
            (aid, stored.sha256, stored.sha256, "audio/mpeg", stored.size, stored.duration,
             44100, 1, "mp3", 64000, now_db)
        )  # fmt: skip
        return aid

    for (message, language), version in sorted(current.items()):
        stored = small.get((message, language)) or big[message - normal - 1]
        renditions.append((len(renditions) + 1, version, PROFILE, asset(stored), now_db))
    dataset.counts["assets"] = len(assets)
    dataset.counts["renditions"] = len(renditions)


def add_zip_operator(dataset: Dataset) -> None:
    """A second operator scoped to the ZIP commune."""
    now_db = naive_utc(datetime.now(UTC))
    zip_area = next(r[0] for r in dataset.tables["areas"].rows if r[1] == dataset.zip_commune_code)
    token = f"{dataset.token}-zip"
    dataset.tables["users"].rows.append((2, "bench_zip", "Bench ZIP", "!", True, "vi", "b", now_db))
    dataset.tables["user_roles"].rows.append((2, "operator"))
    dataset.tables["user_areas"].rows.append((2, zip_area))
    dataset.tables["api_tokens"].rows.append(
        (2, 2, "bench-zip", token[:10], hashlib.sha256(token.encode()).hexdigest(), now_db)
    )


def zip_auth(dataset: Dataset) -> dict[str, str]:
    """The ZIP commune is outside the operator's scope: a second operator's token."""
    return {"Authorization": f"Bearer {dataset.token}-zip"}
