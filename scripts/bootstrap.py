"""Create ``.venv`` and install pinned requirements when they changed. Standard library only."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest(requirements: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(ROOT.glob("requirements*.txt")):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(requirements.name.encode())
    return digest.hexdigest()


def ensure_environment(requirements: str) -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older Python
        sys.exit(f"audio_manager needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{requirements}"
    wanted = _requirements_digest(ROOT / requirements)
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"Installing {requirements} ...", flush=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
                str(ROOT / requirements),
            ],
            check=True,
        )
        stamp.write_text(wanted)
    return python
