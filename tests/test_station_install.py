"""The station PC installs the agent with pip alone, from the wheel this server serves."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
import zipfile
from io import BytesIO
from pathlib import Path

from audio_manager.station import __version__
from audio_manager.web import station_wheel

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_is_served_and_installs_into_a_bare_environment(client, tmp_path) -> None:
    name = station_wheel.file_name()
    response = client.get(f"/station/{name}")
    assert response.status_code == 200 and response.headers["ETag"]
    again = client.get(f"/station/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304  # the same sources give the same bytes
    assert client.get("/station/audio_manager_station-0.0.1-py3-none-any.whl").status_code == 404
    with zipfile.ZipFile(BytesIO(response.data)) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"audio_manager_station-{__version__}.dist-info/METADATA").decode()
    assert "audio_manager/station/__main__.py" in names
    assert not [n for n in names if n.startswith("audio_manager/") and "station" not in n
                and n != "audio_manager/__init__.py"]  # fmt: skip
    assert "Requires-Dist: miniaudio" in metadata and "Requires-Python: >=3.11" in metadata
    wheel_path = tmp_path / name
    wheel_path.write_bytes(response.data)
    # A bare environment (no Flask, no SQLAlchemy, nothing of the server): pip installs the
    # wheel (its one dependency, miniaudio, comes from the package index on a station PC).
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel_path)],
        check=True, timeout=120,
    )  # fmt: skip
    folder = tmp_path / "tram-phat"

    def agent(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "-m", "audio_manager.station", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert agent("--version").stdout.strip() == __version__
    setup = agent("setup", "--server", "http://127.0.0.1:9", "--token", "amt_not_checked_yet",
                  "--dir", str(folder))  # fmt: skip
    assert setup.returncode == 0 and "saved, checked at the first sync" in setup.stdout
    status = agent("status", "--dir", str(folder))
    assert status.returncode == 0 and "Confirmations: 0 waiting" in status.stdout
    run = agent("run", "--dir", str(folder), "--output", "null",
                "--simulate", "2026-12-02T06:00+07:00", "2026-12-02T06:01+07:00")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "server unreachable" in run.stdout
    flask = subprocess.run([str(python), "-c", "import flask"], capture_output=True)
    assert flask.returncode != 0  # the agent ran without the server's libraries


def test_the_readme_installs_the_version_this_server_serves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    urls = re.findall(r"pip install --upgrade \S+/station/(\S+\.whl)", readme)
    assert urls and set(urls) == {station_wheel.file_name()}
