"""Static files for slow links: fingerprinted URLs cached for a year, and a favicon.

``url_for('static', filename='css/app.css')`` builds ``/static/<fingerprint>/css/app.css``,
the fingerprint being the first 12 hex digits of the file's SHA-256. A stylesheet's
fingerprint also covers the files its ``url(...)`` points at, so a font loaded relatively from
``/static/<fingerprint of fonts.css>/vendor/fonts/...`` changes URL when the font changes.
Such a URL is answered ``Cache-Control: public, max-age=31536000, immutable``: a browser never
asks again. A URL whose fingerprint is not a current one (a page cached from before an upgrade)
still gets the file, with ``no-cache``, so nothing stale is kept for a year. The plain
``/static/<file>`` stays for anything that names a file directly.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, send_from_directory
from werkzeug.routing import BaseConverter

from .access import public

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class FingerprintConverter(BaseConverter):
    regex = r"[0-9a-f]{12}"


class Fingerprints:
    """File -> fingerprint, recomputed when a file's size or modification time changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[str, tuple[tuple[int, int], str, dict[str, str | None]]] = {}
        self._refers: dict[str, set[str]] = {}  # stylesheet fingerprint -> files it points at
        self._lock = threading.Lock()

    def of(self, filename: str) -> str | None:
        path = (self.root / filename).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._known.get(filename)
        if known is not None and known[0] == key and self._targets_unchanged(known[2]):
            return known[1]
        digest = hashlib.sha256(path.read_bytes())
        targets: dict[str, str | None] = {}
        if path.suffix == ".css":
            for ref in CSS_URL.findall(path.read_text(encoding="utf-8", errors="replace")):
                if ref.startswith(("data:", "http:", "https:", "/", "#")):
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(filename), ref))
                targets[target] = self.of(target)
                digest.update(f"{target}:{targets[target]}".encode())
        fingerprint = digest.hexdigest()[:12]
        with self._lock:
            self._known[filename] = (key, fingerprint, targets)
            if targets:
                self._refers[fingerprint] = set(targets)
        return fingerprint

    def _targets_unchanged(self, targets: dict[str, str | None]) -> bool:
        """A stylesheet's fingerprint holds while the files it points at keep theirs."""
        return all(self.of(target) == known for target, known in targets.items())

    def current(self, fingerprint: str, filename: str) -> bool:
        """Whether this URL names today's file: its own fingerprint, or that of a current
        stylesheet that refers to it."""
        if self.of(filename) == fingerprint:
            return True
        with self._lock:
            return filename in self._refers.get(fingerprint, ())


def init_static_files(app: Flask) -> None:
    assert app.static_folder is not None
    fingerprints = Fingerprints(Path(app.static_folder).resolve())
    app.extensions["audio_manager.fingerprints"] = fingerprints
    app.url_map.converters["fingerprint"] = FingerprintConverter
    # Same endpoint as Flask's own rule: url_for picks this one when a fingerprint is given
    # (rules with more arguments are tried first when building).
    app.view_functions["static"] = serve_static
    app.add_url_rule(
        f"{app.static_url_path}/<fingerprint:fingerprint>/<path:filename>",
        endpoint="static",
        view_func=serve_static,
    )

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "fingerprint" not in values:
            found = fingerprints.of(values["filename"])
            if found is not None:
                values["fingerprint"] = found

    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=favicon)


def serve_static(filename: str, fingerprint: str | None = None) -> Response:
    folder = current_app.static_folder
    assert folder is not None
    response = send_from_directory(folder, filename, max_age=0)
    fingerprints: Fingerprints = current_app.extensions["audio_manager.fingerprints"]
    if fingerprint is not None and fingerprints.current(fingerprint, filename):
        response.cache_control.no_cache = None
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every site; pages link the fingerprinted copy."""
    folder = current_app.static_folder
    assert folder is not None
    response = send_from_directory(folder, "favicon.ico", max_age=86_400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
