"""Importing the area tree from CSV: validated whole, then applied in one transaction.

Columns (header required, any order): ``level, code, name, parent_code, languages``.
``code`` is the official code where one exists (required for any area that is a parent);
``languages`` is the ordered list a hamlet broadcasts in, separated by ``;`` (e.g. ``khmer;kinh``).
Areas are matched by code, or by parent and name when they have no code, so importing the same
file twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Area
from .. import audit
from ..context import Actor
from ..errors import ValidationFailed
from ..uploads import clean_filename
from .area_levels import Levels, level_label
from .areas import validate_languages

REQUIRED_COLUMNS = ("level", "code", "name", "parent_code", "languages")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MAX_NAME = 200
MAX_ERRORS = 200


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message}


class AreaImportError(ValidationFailed):
    code = "area_import_invalid"

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(
            _l("The file was not imported: %(n)d problem(s) found.", n=len(errors)),
            details=[error.as_dict() for error in errors],
        )
        self.errors = errors


@dataclass
class Row:
    line: int
    level: str
    code: str | None
    name: str
    parent_code: str | None
    languages: list[str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "by_level": self.by_level,
        }


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise AreaImportError(
            [LineError(0, str(_l("The file is larger than %(mb).1f MB.", mb=max_bytes / 1e6)))]
        )
    if not data.strip():
        raise AreaImportError([LineError(0, str(_l("The file is empty.")))])
    if b"\x00" in data:
        raise AreaImportError([LineError(0, str(_l("This is not a text (CSV) file.")))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AreaImportError(
            [LineError(line, str(_l('The file is not UTF-8 text. Save it as "CSV UTF-8".')))]
        ) from exc


def _rows(text: str, levels: Levels, errors: list[LineError]) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise AreaImportError(
            [LineError(1, str(_l("Missing column(s): %(cols)s", cols=", ".join(missing))))]
        )
    reader.fieldnames = header
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append(LineError(line, str(_l("Too many values on this line."))))
                continue
            values = {key: (value or "").strip() for key, value in record.items()}
            if not any(values.values()):
                continue
            yield _parse_row(line, values, levels, errors)
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, str(_l("Unreadable CSV: %(err)s", err=str(exc)))))


def _parse_row(line: int, values: dict[str, str], levels: Levels, errors: list[LineError]) -> Row:
    level = values["level"].lower()
    if level not in levels.order:
        errors.append(
            LineError(
                line,
                str(
                    _l(
                        'Unknown level "%(level)s" (expected one of: %(levels)s).',
                        level=level,
                        levels=", ".join(levels.order),
                    )
                ),
            )
        )
    code = values["code"] or None
    if code is not None and not CODE_RE.match(code):
        errors.append(LineError(line, str(_l('Invalid code "%(code)s".', code=code))))
    name = values["name"]
    if not name or len(name) > MAX_NAME:
        errors.append(LineError(line, str(_l("A name of 1-200 characters is required."))))
    language_text = values["languages"]
    codes = [part for part in re.split(r"[;|]", language_text) if part.strip()]
    parsed: list[str] = []
    if level == levels.leaf:
        try:
            parsed = validate_languages(codes)
        except ValidationFailed as exc:
            errors.append(LineError(line, str(exc.message)))
    elif codes:
        errors.append(LineError(line, str(_l("Only hamlets carry languages."))))
    return Row(line, level, code, name, values["parent_code"] or None, parsed)


def _check_tree(rows: list[Row], levels: Levels, errors: list[LineError]) -> dict[str, Area]:
    """Codes unique, parents known, no cycles, levels in order. Returns existing areas by code."""
    by_code: dict[str, Row] = {}
    for row in rows:
        if row.code is None:
            continue
        if row.code in by_code:
            errors.append(
                LineError(
                    row.line,
                    str(
                        _l(
                            "Duplicate code %(code)s (first on line %(first)d).",
                            code=row.code,
                            first=by_code[row.code].line,
                        )
                    ),
                )
            )
        else:
            by_code[row.code] = row
    wanted = {row.code for row in rows if row.code} | {r.parent_code for r in rows if r.parent_code}
    existing: dict[str, Area] = {}
    wanted_list = sorted(code for code in wanted if code)
    for start in range(0, len(wanted_list), 500):
        chunk = wanted_list[start : start + 500]
        for area in db.session.scalars(db.select(Area).where(Area.code.in_(chunk))):
            existing[area.code] = area  # type: ignore[index]

    seen_unnamed: dict[tuple[str | None, str], int] = {}
    for row in rows:
        if row.code is None:
            key = (row.parent_code, row.name.lower())
            if key in seen_unnamed:
                errors.append(
                    LineError(
                        row.line,
                        str(
                            _l(
                                'Duplicate area "%(name)s" under the same parent '
                                "(first on line %(first)d).",
                                name=row.name,
                                first=seen_unnamed[key],
                            )
                        ),
                    )
                )
            seen_unnamed[key] = row.line
        if row.parent_code is None:
            if row.level in levels.order and row.level != levels.top:
                errors.append(
                    LineError(
                        row.line,
                        str(_l("A %(level)s needs a parent_code.", level=level_label(row.level))),
                    )
                )
            continue
        if row.parent_code == row.code:
            errors.append(LineError(row.line, str(_l("An area cannot be its own parent (cycle)."))))
            continue
        parent_level = (
            by_code[row.parent_code].level
            if row.parent_code in by_code
            else existing[row.parent_code].level
            if row.parent_code in existing
            else None
        )
        if parent_level is None:
            errors.append(
                LineError(row.line, str(_l("Unknown parent_code %(code)s.", code=row.parent_code)))
            )
            continue
        if row.level == levels.top:
            errors.append(
                LineError(
                    row.line, str(_l("A %(level)s has no parent.", level=level_label(row.level)))
                )
            )
        elif (
            row.level in levels.order
            and parent_level in levels.order
            and not levels.may_hold(parent_level, row.level)
        ):
            errors.append(
                LineError(
                    row.line,
                    str(
                        _l(
                            "Wrong level order: a %(child)s cannot sit under a %(parent)s.",
                            child=level_label(row.level),
                            parent=level_label(parent_level),
                        )
                    ),
                )
            )
    _check_cycles(rows, by_code, existing, errors)
    return existing


def _check_cycles(
    rows: list[Row], by_code: dict[str, Row], existing: dict[str, Area], errors: list[LineError]
) -> None:
    """Follow parent links through the file and the database; report any loop once."""
    reported: set[str] = set()
    for row in rows:
        if row.code is None or row.code in reported:
            continue
        chain = [row.code]
        current = row.parent_code
        while current is not None:
            if current in chain:
                loop = [*chain[chain.index(current) :], current]
                reported.update(loop)
                errors.append(
                    LineError(row.line, str(_l("Cycle: %(chain)s", chain=" → ".join(loop))))
                )
                break
            chain.append(current)
            if current in by_code:
                current = by_code[current].parent_code
            elif current in existing:
                parent = existing[current].parent
                current = parent.code if parent is not None else None
            else:
                break


def import_areas(actor: Actor, data: bytes, *, filename: str = "", max_bytes: int) -> ImportReport:
    """Validate the whole file, then apply it; on any error nothing is written."""
    levels = Levels.from_config()
    text = _decode(data, max_bytes)
    errors: list[LineError] = []
    rows = list(_rows(text, levels, errors))
    if not rows and not errors:
        errors.append(LineError(2, str(_l("The file has a header but no areas."))))
    if not errors:
        existing = _check_tree(rows, levels, errors)
    if errors:
        raise AreaImportError(sorted(errors, key=lambda e: e.line)[:MAX_ERRORS])
    report = _apply(rows, existing, levels)
    audit.record(
        actor,
        "areas.import",
        object_type="areas",
        object_label=clean_filename(filename, 200) or None,
        detail={**report.as_dict(), "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows)},
    )
    return report


def _apply(rows: list[Row], existing: dict[str, Area], levels: Levels) -> ImportReport:
    report = ImportReport()
    areas_by_code = dict(existing)
    # Parents first: sort by level depth, then file order.
    for row in sorted(rows, key=lambda r: (levels.index(r.level), r.line)):
        parent = areas_by_code.get(row.parent_code) if row.parent_code else None
        area = areas_by_code.get(row.code) if row.code else _find_uncoded(parent, row.name)
        if area is None:
            area = Area(code=row.code, name=row.name, level=row.level, parent=parent)
            if row.level == levels.leaf:
                area.set_languages(row.languages)
            db.session.add(area)
            report.created += 1
        else:
            changed = (area.name, area.level, area.parent_id) != (
                row.name,
                row.level,
                parent.id if parent is not None else None,
            )
            if row.level == levels.leaf and area.languages != row.languages:
                area.set_languages(row.languages)
                changed = True
            if changed:
                if area.level != row.level and area.children:
                    raise AreaImportError(
                        [
                            LineError(
                                row.line,
                                str(_l("Cannot change the level of an area that has sub-areas.")),
                            )
                        ]
                    )
                area.name, area.level, area.parent = row.name, row.level, parent
                report.updated += 1
            else:
                report.unchanged += 1
        if row.code:
            areas_by_code[row.code] = area
        report.by_level[row.level] = report.by_level.get(row.level, 0) + 1
    db.session.flush()
    refresh_paths()
    return report


def _find_uncoded(parent: Area | None, name: str) -> Area | None:
    """An area without a code is known by its parent and name (compared case-insensitively in
    Python: SQLite's lower() ignores Vietnamese letters)."""
    if parent is None or parent.id is None:
        return None
    wanted = name.casefold()
    return next((child for child in parent.children if child.name.casefold() == wanted), None)


def refresh_paths() -> int:
    """Recompute every materialised path from parent links; writes only the ones that changed."""
    rows = db.session.execute(db.select(Area.id, Area.parent_id, Area.path)).all()
    parents = {row.id: row.parent_id for row in rows}
    paths: dict[int, str] = {}

    def path_of(area_id: int) -> str:
        chain = []
        current: int | None = area_id
        while current is not None and current not in paths:
            chain.append(current)
            current = parents[current]
        prefix = paths[current] if current is not None else "/"
        for node in reversed(chain):
            prefix = f"{prefix}{node}/"
            paths[node] = prefix
        return paths[area_id]

    changes = [
        {"id": row.id, "path": path_of(row.id)} for row in rows if path_of(row.id) != row.path
    ]
    if changes:
        db.session.execute(db.update(Area), changes)
        db.session.expire_all()
    return len(changes)
