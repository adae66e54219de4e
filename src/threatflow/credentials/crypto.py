"""Encryption of credentials at rest (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from threatflow.errors import ConfigError

KEY_FILE = "secret.key"


def load_key(secret_key: str, data_dir: Path) -> bytes:
    """The key from settings, else from the key file, created with mode 0600 on first use."""
    if secret_key:
        key = secret_key.encode()
    else:
        path = data_dir / KEY_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise ConfigError(
            "THREATFLOW_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
    return key


class Sealer:
    """Seals and opens credential fields."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, fields: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(fields).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ConfigError(
                "cannot decrypt a stored credential: THREATFLOW_SECRET_KEY or the key file "
                "changed since it was saved"
            ) from None
        return data
