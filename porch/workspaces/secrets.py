"""Encryption at rest for connected accounts' credentials (tokens, app passwords).

The key is derived from PORCH_SECRET_KEY (or the key file made on first run), which
never enters the database: a copy of the database alone reveals no credential.
"""

import base64
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretError(Exception):
    """A stored secret cannot be decrypted (the secret key changed, or the data is damaged)."""


@cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"porch", info=b"porch-credentials-v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(data: dict[str, Any]) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(json.dumps(data).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        plain = _fernet(settings.SECRET_KEY).decrypt(token.encode())
    except InvalidToken:
        raise SecretError(
            "stored credentials cannot be decrypted: PORCH_SECRET_KEY differs from the one "
            "they were saved with; set it back, or reconnect the account"
        ) from None
    value: dict[str, Any] = json.loads(plain)
    return value
