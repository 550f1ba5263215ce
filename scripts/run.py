#!/usr/bin/env python3
"""Run audio_manager: virtual environment, requirements, migrations, demo data, then serve.

    python3 scripts/run.py            # http://127.0.0.1:5000

AUDIO_MANAGER_HOST / AUDIO_MANAGER_PORT change the address; AUDIO_MANAGER_DEMO_DATA=false skips
the demo data.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

from bootstrap import ROOT, ensure_environment


def main() -> None:
    python = str(ensure_environment("requirements.txt"))
    flask = [python, "-m", "flask", "--app", "audio_manager"]
    env = dict(os.environ)

    def run(*args: str) -> None:
        subprocess.run([*flask, *args], check=True, cwd=ROOT, env=env)

    run("db", "upgrade")
    run("audio", "stock")
    if env.get("AUDIO_MANAGER_DEMO_DATA", "true").lower() not in {"0", "false", "no", "off"}:
        run("demo", "load", "--if-empty")
        run("demo", "logins")
    host = env.get("AUDIO_MANAGER_HOST", "127.0.0.1")
    port = env.get("AUDIO_MANAGER_PORT", "5000")
    print(f"Serving on http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(
            [
                python,
                "-m",
                "waitress",
                f"--listen={host}:{port}",
                "--threads=8",
                "--call",
                "audio_manager:create_app",
            ],
            check=True,
            cwd=ROOT,
            env=env,
        )


if __name__ == "__main__":
    sys.exit(main())
