"""A web worker that serves pages and playlists stays small: the audio stack (numpy, scipy,
pyloudnorm), openpyxl and requests are loaded only by the code that renders, exports or
synthesizes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "scipy", "pyloudnorm", "openpyxl", "requests", "pydub", "boto3")

SCRIPT = """
import json, os, sys
os.environ["AUDIO_MANAGER_INSTANCE_PATH"] = sys.argv[1]
from flask_migrate import upgrade
from audio_manager import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/db.sqlite3",
                  "STORAGE_ROOT": sys.argv[1] + "/audio"})
with app.app_context():
    upgrade()
client = app.test_client()
statuses = [client.get(path).status_code
            for path in ("/healthz", "/login", "/api/v1/playlists?area=x", "/api/v1/openapi.json")]
print(json.dumps({"statuses": statuses, "heavy": [m for m in %r if m in sys.modules]}))
"""


def test_serving_pages_and_playlists_loads_no_audio_stack(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [200, 200, 401, 200]
    assert result["heavy"] == []
