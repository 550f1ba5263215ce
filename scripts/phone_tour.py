#!/usr/bin/env python3
"""Photograph every page of every role on a phone (390×844, touch) into test-output/<label>/.

    .venv/bin/python scripts/phone_tour.py before     # test-output/before/*.png, widths.txt
    .venv/bin/python scripts/phone_tour.py after

It runs tests/test_browser_pages.py::test_phone_tour_screenshots (the same world and page list
as the browser sweep) on a throw-away SQLite database; widths.txt lists each page's
document width in CSS pixels (390 or less fits the phone).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].isidentifier():
        print(__doc__)
        return 2
    env = {**os.environ, "PHONE_TOUR": sys.argv[1]}
    env.pop("TEST_DATABASE_URL", None)
    test = "tests/test_browser_pages.py::test_phone_tour_screenshots"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
