"""Connecting an X account: OAuth 2.0 Authorization Code with PKCE, and token refresh.

    authorize_url(...)   -> (URL to send the owner to, code_verifier to keep in the session)
    exchange_code(...)   -> (AccountRef, credentials) once X redirects back with a code
    refresh(credentials) -> new credentials; X rotates the refresh token on every refresh,
                            so the caller must store the result before anything else

Credentials: access_token, refresh_token, expires_at (epoch seconds), scope, client_id
and client_secret (refreshing needs the app's client; the secret is empty for a public
client). Token calls go straight to X with httpx; a failure is a NetworkError.
"""

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from django.conf import settings

from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.x.errors import RECONNECT_MESSAGE, retry_after

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 (a path, not a secret)
ME_PATH = "/2/users/me"
# media.write: uploading images (POST /2/media/upload) needs it besides tweet.write;
# like.write and follows.write: liking posts and following accounts (reposting is tweet.write);
# dm.write: sending an offer's code by direct message.
SCOPES = (
    "tweet.read",
    "tweet.write",
    "users.read",
    "offline.access",
    "dm.read",
    "dm.write",
    "media.write",
    "like.write",
    "follows.write",
)
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
DEFAULT_LIFETIME = 7200  # seconds; X's access tokens last two hours


def api_url(path: str) -> str:
    """`path` on X's API (PORCH_X_API_URL: X's own, or a test server)."""
    return f"{settings.X_API_URL}{path}"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(client_id: str, redirect_uri: str, state: str) -> tuple[str, str]:
    """Where to send the owner to approve Porch, and the PKCE verifier to keep until then."""
    verifier = secrets.token_urlsafe(64)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{AUTHORIZE_URL}?{urlencode(query, quote_via=quote)}", verifier


@contextmanager
def _http(client: httpx.Client | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=TIMEOUT) as own:
        yield own


def _said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.reason_phrase}"
    if not isinstance(body, dict):
        return str(response.status_code)
    return str(body.get("error_description") or body.get("detail") or body.get("error") or "")


def _failure(response: httpx.Response, *, refreshing: bool, now: float) -> NetworkError:
    status = response.status_code
    if status == 429:
        wait = retry_after(response.headers, now)
        minutes = max(1, round((wait or 900) / 60))
        return NetworkError(
            f"X asked Porch to slow down: wait about {minutes} minutes, then try again",
            permanent=False,
            retry_after=wait,
            code=ErrorCode.RATE_LIMITED,
        )
    if status >= 500:
        text = f"X is having trouble ({status}): try again in a few minutes"
        return NetworkError(text, permanent=False, code=ErrorCode.SERVER_ERROR)
    if refreshing:
        return NetworkError(
            RECONNECT_MESSAGE,
            permanent=True,
            reconnect=True,
            code=ErrorCode.UNAUTHORIZED,
            detail="refresh",
        )
    text = (
        f"X did not accept the sign-in ({_said(response)}): try connecting again; if it "
        "happens again, check that the app's callback URL in X's developer portal is this "
        "Porch's address"
    )
    return NetworkError(text, permanent=True, code=ErrorCode.UNAUTHORIZED, detail="sign_in")


def _answer(send: Callable[[], httpx.Response], *, refreshing: bool, now: float) -> dict[str, Any]:
    try:
        response = send()
    except httpx.HTTPError as exc:
        raise NetworkError(
            "Porch could not reach X: check the internet connection of the computer Porch "
            "runs on, then try again",
            permanent=False,
            code=ErrorCode.UNREACHABLE,
        ) from exc
    if response.status_code != 200:
        raise _failure(response, refreshing=refreshing, now=now)
    body: dict[str, Any] = response.json()
    return body


def _token(
    client: httpx.Client, form: dict[str, str], secret: str, *, refreshing: bool, now: float
) -> dict[str, Any]:
    # A confidential client authenticates with its secret; a public one only names itself.
    auth = httpx.BasicAuth(form["client_id"], secret) if secret else httpx.USE_CLIENT_DEFAULT
    post = partial(client.post, api_url(TOKEN_PATH), data=form, auth=auth)
    return _answer(post, refreshing=refreshing, now=now)


def _me(client: httpx.Client, access_token: str, now: float) -> AccountRef:
    headers = {"Authorization": f"Bearer {access_token}"}
    get = partial(
        client.get, api_url(ME_PATH), params={"user.fields": "name,username"}, headers=headers
    )
    user = _answer(get, refreshing=False, now=now)["data"]
    return AccountRef(network="x", handle=user["username"], external_id=user["id"])


def _credentials(
    token: dict[str, Any], client_id: str, client_secret: str, now: float
) -> dict[str, Any]:
    return {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token", ""),
        "expires_at": now + int(token.get("expires_in", DEFAULT_LIFETIME)),
        "scope": token.get("scope", ""),
        "client_id": client_id,
        "client_secret": client_secret,
    }


def exchange_code(
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
    *,
    http: httpx.Client | None = None,
    now: float | None = None,
) -> tuple[AccountRef, dict[str, Any]]:
    """Trade the code X sent back for tokens, and find out which account approved."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": client_id,
    }
    started = time.time() if now is None else now
    with _http(http) as client:
        token = _token(client, form, client_secret, refreshing=False, now=started)
        account = _me(client, token["access_token"], started)
    return account, _credentials(token, client_id, client_secret, started)


def refresh(
    credentials: dict[str, Any], *, http: httpx.Client | None = None, now: float | None = None
) -> dict[str, Any]:
    """New credentials from the refresh token; NetworkError(reconnect=True) if X refuses."""
    if not credentials.get("refresh_token") or not credentials.get("client_id"):
        raise NetworkError(
            RECONNECT_MESSAGE,
            permanent=True,
            reconnect=True,
            code=ErrorCode.UNAUTHORIZED,
            detail="refresh",
        )
    form = {
        "grant_type": "refresh_token",
        "refresh_token": credentials["refresh_token"],
        "client_id": credentials["client_id"],
    }
    started = time.time() if now is None else now
    secret = str(credentials.get("client_secret", ""))
    with _http(http) as client:
        token = _token(client, form, secret, refreshing=True, now=started)
    fresh = _credentials(token, form["client_id"], secret, started)
    fresh["refresh_token"] = fresh["refresh_token"] or credentials["refresh_token"]
    return {**credentials, **fresh}
