"""Provider keys at rest: encrypted with Fernet under a key derived from the server's speech
secret (``AUDIO_MANAGER_SPEECH_KEYS_SECRET``). A key that no longer decrypts (the secret
changed) reads as unset, and the admin page asks for it again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    secret = str(current_app.config["SPEECH_KEYS_SECRET"])
    digest = hashlib.sha256(b"audio_manager speech keys\x00" + secret.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(key: str) -> str:
    return _fernet().encrypt(key.encode("utf-8")).decode("ascii")


def unseal(cipher: str) -> str | None:
    """The key, or None when it cannot be decrypted with this server's secret."""
    try:
        return _fernet().decrypt(cipher.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
