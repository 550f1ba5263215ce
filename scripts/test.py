#!/usr/bin/env python3
"""Run the whole test suite: virtual environment, dev requirements, Chromium, then pytest.

    python3 scripts/test.py [pytest arguments]

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test) to run against
PostgreSQL instead of SQLite. The browser tests drive Debian's Chromium (/usr/bin/chromium);
when it is missing and this runs as root on Debian/Ubuntu, it is installed with apt-get; so is
Debian's libical (libical3), which the calendar interop test parses our .ics files with.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

from bootstrap import ROOT, ensure_environment

CHROMIUM = os.environ.get("AUDIO_MANAGER_CHROMIUM", "/usr/bin/chromium")


def can_install() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(package: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)


def ensure_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    if not can_install():
        sys.exit(
            f"The browser tests need Chromium at {CHROMIUM}. Install it "
            "(Debian/Ubuntu: apt-get install -y chromium) or set AUDIO_MANAGER_CHROMIUM."
        )
    print("Installing Chromium for the browser tests ...", flush=True)
    apt_install("chromium")


def ensure_libical() -> None:
    if ctypes.util.find_library("ical"):
        return
    if not can_install():
        sys.exit("The calendar interop test needs libical (Debian: apt-get install libical3).")
    print("Installing libical for the calendar interop test ...", flush=True)
    apt_install("libical3")


def main() -> int:
    python = str(ensure_environment("requirements-dev.txt"))
    ensure_chromium()
    ensure_libical()
    return subprocess.run([python, "-m", "pytest", *sys.argv[1:]], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
