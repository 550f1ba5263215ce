"""Checking one raw row of an install (from a page, an API batch or a file line): the phone
normalised and replaced by its HMAC and mask, carrier, tone and unit looked up, date and action
read. ``Resolver.check`` gives a ``ValidRow`` or a ``RowError``; nothing is written here."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Area, Carrier, RingbackRelease
from ...models.base import local_today
from ..areas import areas as area_service
from ..context import Actor
from . import phones

INSTALL, UNINSTALL = "install", "uninstall"
ACTION_WORDS = {
    INSTALL: {"install", "installed", "add", "on", "1", "cai", "cai dat", "dang ky", "co"},
    UNINSTALL: {"uninstall", "remove", "removed", "cancel", "off", "0", "go", "huy", "xoa"},
}
MAX_NAME = 200
LOOKUP_CHUNK = 900  # ids per IN (...) list


def fold(text: Any) -> str:
    """Lowercase without accents or extra spaces ("Hủy" → "huy", "Đơn vị" → "don vi")."""
    value = unicodedata.normalize("NFKD", str(text or "")).replace("đ", "d").replace("Đ", "d")
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.lower().replace("_", " ").split())


@dataclass(frozen=True)
class ValidRow:
    line: int
    action: str
    phone_hmac: str
    phone_masked: str
    release_id: int
    carrier_id: int
    area_id: int | None
    staff_name: str | None
    happened_on: date

    @property
    def key(self) -> tuple[str, int]:
        return (self.phone_hmac, self.release_id)


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass
class Defaults:
    """What a row that leaves a column out gets (chosen on the upload form)."""

    carrier: Carrier | None = None
    release: RingbackRelease | None = None
    area: Area | None = None
    action: str = INSTALL
    on: date | None = None


def parse_day(value: Any) -> date | None:
    """ISO (2026-03-01), Vietnamese (01/03/2026) or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for separator in ("/", "-", "."):
        parts = text.split(" ")[0].split(separator)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None


def parse_action(value: Any) -> str | None:
    word = fold(value)
    return next((action for action, words in ACTION_WORDS.items() if word in words), None)


class Resolver:
    """Looks up, in a few queries, every carrier, tone and unit a set of rows names."""

    def __init__(
        self, actor: Actor, rows: Sequence[Mapping[str, Any]], defaults: Defaults | None = None
    ) -> None:
        self.actor = actor
        self.defaults = defaults or Defaults()
        self.today = local_today()
        self.digest = phones.hasher()
        self.carriers = list(db.session.scalars(db.select(Carrier)))
        self.carrier_names: dict[str, Carrier] = {}
        self._named: dict[Any, Carrier | bool] = {}
        self._seen_units: dict[int, bool] = {}
        for carrier in self.carriers:
            self.carrier_names[fold(carrier.code)] = carrier
            self.carrier_names[fold(carrier.name)] = carrier
        codes = {str(r.get("code")).strip() for r in rows if r.get("code") not in (None, "")}
        self.releases: dict[tuple[int, str], RingbackRelease] = {}
        self.by_code: dict[str, list[RingbackRelease]] = {}
        code_list = sorted(codes)
        for start in range(0, len(code_list), LOOKUP_CHUNK):
            chunk = code_list[start : start + LOOKUP_CHUNK]
            for release in db.session.scalars(
                db.select(RingbackRelease).where(RingbackRelease.content_code.in_(chunk))
            ):
                self.releases[(release.carrier_id, release.content_code)] = release  # type: ignore[index]
                self.by_code.setdefault(release.content_code, []).append(release)  # type: ignore[arg-type]
        units = sorted(
            {str(r.get("unit")).strip() for r in rows if r.get("unit") not in (None, "")}
        )
        self.units: dict[str, Area] = {}
        for start in range(0, len(units), LOOKUP_CHUNK):
            chunk = units[start : start + LOOKUP_CHUNK]
            for area in db.session.scalars(db.select(Area).where(Area.code.in_(chunk))):
                self.units[area.code] = area  # type: ignore[index]

    def _carrier(self, value: Any) -> Carrier | bool | None:
        """The named carrier, None when not named, False when unknown."""
        if value in (None, ""):
            return self.defaults.carrier
        value = str(value)  # whatever a client sent (a list, a number) is just text here
        if value not in self._named:  # a list names a few carriers many times
            self._named[value] = self.carrier_names.get(fold(value), False)
        return self._named[value]

    def _visible(self, unit: Area) -> bool:
        if unit.id not in self._seen_units:
            user = self.actor.user
            self._seen_units[unit.id] = user is not None and area_service.can_see(user, unit)
        return self._seen_units[unit.id]

    def _release(self, carrier: Carrier | None, value: Any) -> RingbackRelease | str:
        """The tone, or the code of the reason it cannot be used."""
        code = str(value).strip() if value not in (None, "") else ""
        if not code:
            release = self.defaults.release
            if release is None:
                return "code_required"
            if carrier is not None and release.carrier_id != carrier.id:
                return "unknown_tone"
            return release
        if carrier is not None:
            found = self.releases.get((carrier.id, code))
            return found if found is not None else "unknown_tone"
        candidates = self.by_code.get(code, [])
        if len(candidates) > 1:
            return "ambiguous_tone"
        return candidates[0] if candidates else "unknown_tone"

    def check(self, line: int, row: Mapping[str, Any]) -> ValidRow | RowError:
        def error(code: str, message: Any) -> RowError:
            return RowError(line, code, str(message))

        phone = phones.protect(row.get("phone"), self.digest)
        if phone is None:
            if row.get("phone") in (None, ""):
                return error("phone_required", _l("The phone number is missing."))
            return error(
                "bad_phone",
                _l(
                    "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09; "
                    "+84 or 84 in front is fine)."
                ),
            )
        carrier = self._carrier(row.get("carrier"))
        if carrier is False:
            return error("unknown_carrier", _l("Unknown carrier."))
        release = self._release(carrier or None, row.get("code"))  # type: ignore[arg-type]
        if isinstance(release, str):
            messages = {
                "code_required": _l("The tone code is missing."),
                "unknown_tone": _l("Unknown tone code for this carrier."),
                "ambiguous_tone": _l("Several carriers use this tone code: name the carrier."),
            }
            return error(release, messages[release])
        if release.live_at is None:
            return error("tone_not_live", _l("This tone has not gone live on its carrier yet."))
        raw_action = row.get("action")
        action = self.defaults.action if raw_action in (None, "") else parse_action(raw_action)
        if action is None:
            return error("bad_action", _l("The action must be install or uninstall."))
        unit = self.defaults.area
        if row.get("unit") not in (None, ""):
            unit = self.units.get(str(row["unit"]).strip())
            if unit is None:
                return error("unknown_unit", _l("Unknown unit (area code)."))
        if unit is not None and not self._visible(unit):
            return error("out_of_scope", _l("This unit is outside your areas."))
        on = self.defaults.on or self.today
        if row.get("date") not in (None, ""):
            parsed = parse_day(row["date"])
            if parsed is None:
                return error("bad_date", _l("The date must look like 2026-03-01 or 01/03/2026."))
            on = parsed
        if on > self.today:
            return error("in_future", _l("The date is in the future."))
        # A name is free text: a number typed into it is masked like any other.
        name = phones.redact(str(row.get("name") or "").strip())[:MAX_NAME] or None
        return ValidRow(
            line=line,
            action=action,
            phone_hmac=phone.hmac,
            phone_masked=phone.masked,
            release_id=release.id,
            carrier_id=release.carrier_id,
            area_id=unit.id if unit is not None else None,
            staff_name=name,
            happened_on=on,
        )
