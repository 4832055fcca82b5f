"""Signatures as the Standard Webhooks spec has them (https://www.standardwebhooks.com/).

    webhook-id          msg_<uuid4 hex>: the same on every try (the receiver's dedupe key)
    webhook-timestamp   unix seconds of this try
    webhook-signature   v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>, where the key
                        is the base64-decoded part of the secret `whsec_<base64 of 32 bytes>`

While a rotated secret is still valid (`previous_until`), each request carries both
signatures, space-separated, so the receiver can switch secrets when it likes.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from porch.api.models import Event, WebhookEndpoint

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: whsec_ and the base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<signature>` of one request."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(endpoint: WebhookEndpoint, event: Event, body: bytes, now: datetime) -> dict[str, str]:
    """The headers of one try of `event` to `endpoint` at `now`, with `body` signed."""
    timestamp = int(now.timestamp())
    signatures = [sign(endpoint.secret(), event.msg_id, timestamp, body)]
    previous = endpoint.previous_secret()
    if previous and endpoint.previous_until is not None and now < endpoint.previous_until:
        signatures.append(sign(previous, event.msg_id, timestamp, body))
    return {
        "webhook-id": event.msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
