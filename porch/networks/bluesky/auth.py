"""Connecting a Bluesky account: its handle (or email) and an app password, once.

What is stored is the session, not the password: `{"session": <atproto session string>}`
(handle, DID, access JWT, refresh JWT and PDS URL, as `Client.export_session_string`
writes it). The client refreshes it as it goes (the access token lives about 2 hours,
a refresh token about 90 days and is swapped for a new one at each refresh) and stores
each new one, so the password is needed again only if no sync ran for that long, or the
owner revoked the app password: then Porch asks the owner to reconnect. Keeping the app
password would save that step but would mean holding a long-lived secret that can
create sessions, and Bluesky rate-limits createSession (30 per 5 minutes, 300 a day per
account), so logging in again on every sync is not an option anyway.

Only app passwords are taken: a session made with the account's main password (scope
com.atproto.access) is deleted again and refused.

The PDS address is one the owner types, so the login goes through the guarded fetcher's
transport (porch/core/fetch.py): a server on a private network is refused (unless
PORCH_FETCH_ALLOW_PRIVATE is set), on every redirect too, and so is a PDS that the
account's DID document points to on a private network.
"""

from contextlib import suppress
from typing import Any

import httpx
from atproto_client import Client, Session  # type: ignore[import-untyped, unused-ignore]
from atproto_client.request import Request  # type: ignore[import-untyped, unused-ignore]

from porch.core.fetch import AddressRefused, FetchError, GuardedTransport, vet_url
from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.bluesky.errors import SDK_ERRORS, as_network_error, private_address, status_of

DEFAULT_PDS = "https://bsky.social"
APP_PASSWORD_SCOPES = frozenset({"com.atproto.appPass", "com.atproto.appPassPrivileged"})


def normalize_pds(pds_url: str) -> str:
    """`pds.example/` or `https://pds.example/xrpc` -> `https://pds.example`."""
    url = pds_url.strip().rstrip("/").removesuffix("/xrpc") or DEFAULT_PDS
    return url if "://" in url else f"https://{url}"


def login(
    identifier: str, app_password: str, pds_url: str = ""
) -> tuple[AccountRef, dict[str, Any]]:
    """Log in once with an app password; returns the account and the credentials to store.

    `identifier` is the handle (with or without @) or the account's email; `pds_url` is
    the account's PDS where it is not on Bluesky's own servers (bsky.social).
    """
    handle, server = identifier.strip().removeprefix("@"), normalize_pds(pds_url)
    client = Client(base_url=server, request=Request(transport=GuardedTransport()))
    try:
        client.login(handle, app_password, fetch_bsky_profile=False)
    except AddressRefused as exc:
        raise private_address(exc) from None
    except SDK_ERRORS as exc:
        raise _login_error(exc, handle, server) from exc
    session = Session.decode(client.export_session_string())
    _require_app_password(client, session)
    pds = (session.pds_endpoint or server).removesuffix("/xrpc")
    _require_public(pds)
    ref = AccountRef("bluesky", session.handle, external_id=session.did, server_url=pds)
    return ref, {"session": session.export()}


def _require_public(pds: str) -> None:
    """The PDS the session names (from the DID document) is where syncs will go: check it."""
    try:
        vet_url(pds)
    except AddressRefused as exc:
        raise private_address(exc) from None
    except FetchError:  # not known right now: the sync says so if it stays that way
        pass


def _login_error(exc: BaseException, handle: str, server: str) -> NetworkError:
    status = status_of(exc)
    if status == 401:
        return NetworkError(
            f"Bluesky did not accept that handle and app password for @{handle}: check the "
            "handle, and paste the app password again; if it is lost, make a new one in "
            "Bluesky (Settings > Privacy and security > App passwords)",
            permanent=True,
            code=ErrorCode.UNAUTHORIZED,
            detail="AuthenticationRequired",
        )
    if status in (404, 405, 501) or isinstance(exc.__cause__ or exc, httpx.ConnectError):
        return NetworkError(
            f"No Bluesky server (PDS) answered at {server}: check the server address",
            permanent=status is not None,
            code=ErrorCode.UNREACHABLE,
            detail="NoServer",
        )
    return as_network_error(exc, handle=handle)


def _require_app_password(client: Client, session: Session) -> None:
    if session.access_jwt_payload.scope in APP_PASSWORD_SCOPES:
        return
    with suppress(*SDK_ERRORS):  # the session is dropped either way; it expires on its own
        client.com.atproto.server.delete_session(
            headers={"Authorization": f"Bearer {session.refresh_jwt}"}
        )
    raise NetworkError(
        "That is the account's main password: create an app password for Porch in Bluesky "
        "(Settings > Privacy and security > App passwords) and use that instead",
        permanent=True,
        code=ErrorCode.FORBIDDEN,
        detail="MainPassword",
    )
