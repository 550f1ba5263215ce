"""Debian's libical (libical3), through ctypes: parse a calendar and run libical's own checks
(its parser's errors and ``icalrestriction_check``, the RFC 5546 rules per METHOD). This is
what Evolution, GNOME Calendar and other libical-based clients run on an .ics file."""

from __future__ import annotations

import ctypes
import ctypes.util

NAMES = ("libical.so.3", ctypes.util.find_library("ical") or "libical.so")


def load() -> ctypes.CDLL | None:
    for name in NAMES:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
        lib.icalparser_parse_string.restype = ctypes.c_void_p
        lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
        lib.icalrestriction_check.restype = ctypes.c_int
        lib.icalcomponent_as_ical_string_r.argtypes = [ctypes.c_void_p]
        lib.icalcomponent_as_ical_string_r.restype = ctypes.c_void_p
        lib.icalcomponent_count_components.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.icalcomponent_count_components.restype = ctypes.c_int
        lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
        lib.icalmemory_free_buffer.argtypes = [ctypes.c_void_p]
        return lib
    return None


ICAL_VEVENT_COMPONENT = 4


def check(text: str) -> tuple[int, list[str]]:
    """(events parsed, libical's error lines) for an iCalendar text."""
    lib = load()
    if lib is None:
        raise RuntimeError("libical is not installed (Debian: apt-get install libical3)")
    component = lib.icalparser_parse_string(text.encode("utf-8"))
    if not component:
        return 0, ["libical could not parse the calendar"]
    try:
        lib.icalrestriction_check(component)  # adds X-LIC-ERROR properties where a rule fails
        events = lib.icalcomponent_count_components(component, ICAL_VEVENT_COMPONENT)
        raw = lib.icalcomponent_as_ical_string_r(component)
        try:
            dumped = ctypes.string_at(raw).decode("utf-8")
        finally:
            lib.icalmemory_free_buffer(raw)
    finally:
        lib.icalcomponent_free(component)
    unfolded = dumped.replace("\r\n ", "").replace("\n ", "")
    return events, [line for line in unfolded.splitlines() if line.startswith("X-LIC-ERROR")]
