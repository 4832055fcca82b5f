"""Sessions and tokens shaped like a PDS's, for tests that run without one."""

import base64
import json
import time


def _part(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(expires_in: float, scope: str = "com.atproto.appPass", sub: str = "did:plc:bakery") -> str:
    """An unsigned token with the claims the SDK reads (the PDS checks the signature)."""
    now = int(time.time())
    claims = {"scope": scope, "sub": sub, "aud": "did:web:pds.test", "iat": now}
    header = _part({"alg": "ES256K", "typ": "at+jwt"})
    return f"{header}.{_part({**claims, 'exp': now + int(expires_in)})}.c2lnbmF0dXJl"


def session_string(access: str, refresh: str, pds: str = "http://pds.test") -> str:
    """What atproto's Session.export writes: handle, DID, tokens and PDS."""
    return ":::".join(["corner.bsky.social", "did:plc:bakery", access, refresh, pds])
