"""Downloads that real tools accept: a ZIP resumed after a cut, playlists ffmpeg plays through,
signed links a plain player opens, a calendar libical accepts."""

from __future__ import annotations

import http.client
import io
import subprocess
import time
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

from audio_manager import signed_links

from .libical import check as libical_check

RATE = 8000


def fetch(base: str, path: str, headers: dict[str, str], limit: int | None = None) -> Any:
    """GET over a real connection; with ``limit``, read that many bytes and drop the
    connection (a cut download). (status, headers, body)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read(limit) if limit is not None else response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def test_a_cut_bundle_resumes_with_range_and_if_range(playlist, served) -> None:
    zip_path = playlist["path"] + "&format=zip"
    status, headers, whole = fetch(served, zip_path, playlist["token"])
    assert status == 200 and int(headers["content-length"]) == len(whole)
    etag = headers["etag"]
    assert etag.startswith('"') and headers["accept-ranges"] == "bytes"
    # The link drops halfway; the client resumes with what it has and the validator it saw.
    half = len(whole) // 2
    _status, _headers, first = fetch(served, zip_path, playlist["token"], limit=half)
    assert len(first) == half
    resume = {**playlist["token"], "Range": f"bytes={half}-", "If-Range": etag}
    status, headers, rest = fetch(served, zip_path, resume)
    assert (
        status == 206 and headers["content-range"] == f"bytes {half}-{len(whole) - 1}/{len(whole)}"
    )
    assert first + rest == whole
    archive = zipfile.ZipFile(io.BytesIO(first + rest))
    assert archive.testzip() is None
    assert fetch(served, zip_path, playlist["token"])[2] == whole  # the same bytes again
    # A copy of another version is sent whole, not patched.
    stale = {**playlist["token"], "Range": f"bytes={half}-", "If-Range": '"another"'}
    status, headers, again = fetch(served, zip_path, stale)
    assert status == 200 and again == whole


def test_range_edge_cases(playlist, client) -> None:
    zip_path = playlist["path"] + "&format=zip"
    whole = client.get(zip_path, headers=playlist["token"])
    size = len(whole.data)
    beyond = client.get(zip_path, headers={**playlist["token"], "Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    several = client.get(zip_path, headers={**playlist["token"], "Range": "bytes=0-9,20-29"})
    assert several.status_code == 200 and several.data == whole.data
    tail = client.get(zip_path, headers={**playlist["token"], "Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == whole.data[-100:]
    unchanged = client.get(
        zip_path, headers={**playlist["token"], "If-None-Match": "W/" + whole.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    assert unchanged.headers["Cache-Control"] == whole.headers["Cache-Control"]


def decoded_seconds(source: str, cwd: Path | None = None) -> float:
    """What ffmpeg plays of a playlist: the decoded samples at 8 kHz mono, in seconds."""
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *("-protocol_whitelist", "file,http,tcp,crypto,data"),
            *("-i", source, "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"),
        ],
        capture_output=True,
        cwd=cwd,
        timeout=120,
        check=True,
    )
    return len(result.stdout) / 2 / RATE


def test_ffmpeg_plays_every_item_of_the_bundles_playlist(playlist, client, tmp_path) -> None:
    data = client.get(playlist["path"] + "&format=zip", headers=playlist["token"]).data
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    expected = sum(item["duration_s"] for item in playlist["items"])
    played = decoded_seconds("playlist.m3u8", cwd=tmp_path)
    # Each MP3 may add a frame of encoder padding (26 ms): nothing more, nothing less.
    assert expected - 0.05 <= played <= expected + 0.05 * len(playlist["items"]) + 0.05


def test_ffmpeg_plays_the_online_playlist_through_signed_links(playlist, served, tmp_path) -> None:
    status, headers, body = fetch(served, playlist["path"] + "&format=m3u8", playlist["token"])
    assert status == 200 and headers["content-type"] == "application/vnd.apple.mpegurl"
    text = body.decode("utf-8")
    assert text.rstrip().endswith("#EXT-X-ENDLIST") and "#EXT-X-TARGETDURATION:" in text
    links = [line for line in text.splitlines() if line.startswith("http")]
    assert len(links) == len(playlist["items"])
    assert all(urllib.parse.urlsplit(link).path.endswith(".mp3") for link in links)
    durations = [line for line in text.splitlines() if line.startswith("#EXTINF:")]
    assert [float(d[8:].split(",")[0]) for d in durations] == [
        pytest.approx(i["duration_s"], abs=0.0005) for i in playlist["items"]
    ]
    # A player given the file: no token, only the signed links in it.
    (tmp_path / "online.m3u8").write_text(text)
    expected = sum(item["duration_s"] for item in playlist["items"])
    played = decoded_seconds(str(tmp_path / "online.m3u8"))
    assert expected - 0.05 <= played <= expected + 0.05 * len(playlist["items"]) + 0.05


def test_signed_links_open_one_file_until_they_expire(playlist, client, app) -> None:
    text = client.get(playlist["path"] + "&format=m3u8", headers=playlist["token"]).get_data(
        as_text=True
    )
    first = next(line for line in text.splitlines() if line.startswith("http"))
    link = urllib.parse.urlsplit(first)
    opened = client.get(link.path)
    assert opened.status_code == 200 and opened.headers["Content-Type"] == "audio/mpeg"
    assert opened.data[:3] == b"ID3" or opened.data[:2] in (b"\xff\xfb", b"\xff\xf3")
    part = client.get(link.path, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == opened.data[:100]
    _, _media, expires, signature, name = link.path.split("/")
    altered = f"/media/{expires}/{signature[:-2]}xx/{name}"
    assert client.get(altered).status_code == 403
    later = f"/media/{int(expires) + 3600}/{signature}/{name}"
    assert client.get(later).status_code == 403
    other = next(i["sha256"] for i in playlist["items"] if i["sha256"] not in name)
    assert client.get(f"/media/{expires}/{signature}/{other}.mp3").status_code == 403
    key = signed_links.key_from_secret(app.config["SECRET_KEY"], "media")
    past = signed_links.make(key, f"/{name}", int(time.time()) - 10)
    expired = client.get(past.url_path())
    assert expired.status_code == 403 and expired.json["error"]["code"] == "link_expired"


@pytest.mark.parametrize("fmt", ["ics", "html"])
def test_calendar_and_page_carry_signed_links_and_exact_times(playlist, client, fmt) -> None:
    body = client.get(playlist["path"] + f"&format={fmt}", headers=playlist["token"])
    text = body.get_data(as_text=True).replace("\r\n ", "")
    assert text.count("/media/") == len(playlist["items"])
    if fmt == "ics":
        events, errors = libical_check(body.get_data(as_text=True))
        assert errors == [] and events >= len(playlist["items"])
        lengths = [
            (int(end[-3:-1]) - int(start[-3:-1])) % 60
            for start, end in zip(
                (line for line in text.split("\r\n") if line.startswith("DTSTART:")),
                (line for line in text.split("\r\n") if line.startswith("DTEND:")),
                strict=False,
            )
        ]
        assert sorted(lengths) == sorted(round(i["duration_s"]) % 60 for i in playlist["items"])
