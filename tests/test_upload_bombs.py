"""XLSX bombs: a small file that unpacks to hundreds of megabytes, and one whose XML expands
entities ("billion laughs"), are refused with a 4xx before they are parsed. Memory is measured
in a subprocess (its peak resident size before and after), not time."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from audio_manager.services.errors import ValidationFailed
from audio_manager.services.tables import read_table

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
ROW = (
    b'<row><c t="inlineStr"><is><t>0912345678</t></is></c>'
    b'<c t="inlineStr"><is><t>111111</t></is></c></row>'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
)


def small_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Số điện thoại", "Mã nhạc chờ"])
    book.active.append(["0912345678", "111111"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuilt(path: Path, sheet: Any) -> Path:
    """A real XLSX whose sheet1.xml is replaced by what ``sheet(head, tail, sink)`` writes."""
    source = zipfile.ZipFile(io.BytesIO(small_xlsx()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            body = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, body)
                continue
            head, tail = body.split(b"</sheetData>")
            entry = zipfile.ZipInfo(info.filename)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as sink:
                sheet(head, b"</sheetData>" + tail, sink)
    return path


def zip_bomb(path: Path, unpacked: int) -> Path:
    """A sheet of ``unpacked`` bytes of rows, written as a stream (the test never holds it)."""

    def sheet(head: bytes, tail: bytes, sink: Any) -> None:
        sink.write(head.replace(b'<dimension ref="A1:B2" />', b'<dimension ref="A1:B1048576" />'))
        chunk, written = ROW * (1 << 14), 0
        while written < unpacked:
            sink.write(chunk)
            written += len(chunk)
        sink.write(tail)

    return rebuilt(path, sheet)


def laughing(path: Path) -> Path:
    def sheet(head: bytes, tail: bytes, sink: Any) -> None:
        body = head.split(b"?>", 1)[-1] if head.startswith(b"<?xml") else head
        sink.write(
            LAUGHS
            + body.replace(
                b"<sheetData>",
                b'<sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                1,
            )
            + tail
        )

    return rebuilt(path, sheet)


CHILD = r"""
import json, os, sys, tempfile
folder = tempfile.mkdtemp(prefix="am-bomb-")
os.environ["AUDIO_MANAGER_INSTANCE_PATH"] = folder
from flask_migrate import upgrade
from audio_manager import create_app
from audio_manager.extensions import db
from audio_manager.services.accounts import accounts
from audio_manager.services.context import Actor

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
                  "SECRET_KEY": "x", "STORAGE_ROOT": folder, "JOBS_BACKEND": "inline"})
with app.app_context():
    upgrade()
    admin = accounts.create_user(Actor.system(), "admin", "correct horse battery", ["admin"])
    db.session.commit()
    _token, token = accounts.create_token(Actor.system(), admin, "bombs")
    db.session.commit()
client = app.test_client()

def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

def post(path):
    with open(path, "rb") as handle:
        response = client.post("/api/v1/ringback/installs/import",
                               data={"file": (handle, "list.xlsx"), "carrier": "viettel"},
                               headers={"Authorization": "Bearer " + token})
    return response.status_code, (response.get_json(silent=True) or {}).get("error", {}).get("code")

post(sys.argv[1])  # warm up: openpyxl loaded, a good file read
results = {}
for path in sys.argv[2:]:
    before = peak_kb()
    status, code = post(path)
    results[os.path.basename(path)] = {"status": status, "code": code,
                                       "growth_mb": (peak_kb() - before) / 1024}
print(json.dumps(results))
"""


def run_child(*files: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, files)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the subprocess reads files on its own SQLite: measured once, in the SQLite run",
)
def test_bombs_get_a_4xx_and_memory_stays_flat(tmp_path) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(small_xlsx())
    bomb = zip_bomb(tmp_path / "bomb.xlsx", 300 * MB)
    assert bomb.stat().st_size < 2 * MB
    laughs = laughing(tmp_path / "laughs.xlsx")
    results = run_child(good, bomb, laughs)
    print("bombs:", results)
    assert results["bomb.xlsx"]["status"] == 422
    assert results["bomb.xlsx"]["code"] == "xlsx_too_large"
    assert results["laughs.xlsx"]["status"] == 422
    assert results["laughs.xlsx"]["code"] == "unsafe_xlsx"
    for name, result in results.items():
        assert result["growth_mb"] < 100, (name, result)


def test_a_high_ratio_alone_is_refused(tmp_path) -> None:
    """50 MB is within the total allowed, but not from a 200 KB file."""
    data = zip_bomb(tmp_path / "dense.xlsx", 50 * MB).read_bytes()
    with pytest.raises(ValidationFailed) as refused:
        read_table(data)
    assert refused.value.code == "xlsx_too_large"


def test_a_sheet_claiming_huge_dimensions_is_read_as_it_is(tmp_path) -> None:
    """A dimension of A1:XFD1048576 and rows far apart do not make rows 16,384 cells wide."""

    def sheet(head: bytes, tail: bytes, sink: Any) -> None:
        head = head.replace(b'<dimension ref="A1:B2" />', b'<dimension ref="A1:XFD1048576" />')
        sink.write(head)
        sink.write(
            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>0987654321</t></is>'
            b'</c><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        )
        sink.write(tail)

    table = read_table(rebuilt(tmp_path / "wide.xlsx", sheet).read_bytes())
    rows = list(table.rows)
    assert table.header == ["Số điện thoại", "Mã nhạc chờ"]
    assert [(n, cells) for n, cells in rows] == [
        (2, ["0912345678", "111111"]),
        (1048576, ["0987654321", ""]),
    ]


def test_an_ordinary_list_still_reads(tmp_path) -> None:
    table = read_table(small_xlsx())
    assert table.format == "xlsx"
    assert list(table.rows) == [(2, ["0912345678", "111111"])]
