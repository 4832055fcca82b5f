"""Connecting a Facebook Page with a Page access token.

The owner pastes a Page access token (Meta's Graph API Explorer or Business settings give
one); with a Page token, `GET /me` is the Page itself. `GET /debug_token` tells when the
token expires (0 = never, the usual for a Page token made from a long-lived user token)
and whether it is a Page token at all; where it cannot be read, expires_at is null.
"""

from datetime import UTC, datetime
from typing import Any

from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.facebook.connect_errors import (
    NEEDED,
    NOT_ACCEPTED,
    USER_NOT_PAGE,
    connect_message,
    missing_permissions,
)
from porch.networks.facebook.graph import Graph

__all__ = ["NOT_ACCEPTED", "verify_page_token"]


def verify_page_token(page_token: str, base_url: str = "") -> tuple[AccountRef, dict[str, Any]]:
    """The Page a token belongs to, and the credentials to store (encrypted)."""
    token = page_token.strip()
    if not token:
        raise NetworkError("Paste the Page access token.", permanent=True, code=ErrorCode.INVALID)
    graph = Graph(token, base_url)
    try:
        page = graph.get("/me", {"fields": "id,name"})
        info = _token_info(graph, token)
    except NetworkError as error:
        raise NetworkError(
            connect_message(error),
            permanent=error.permanent,
            retry_after=error.retry_after,
            code=error.code,
            detail=error.detail,
        ) from error
    finally:
        graph.close()
    if info.get("type") == "USER":
        raise NetworkError(
            USER_NOT_PAGE, permanent=True, code=ErrorCode.INVALID, detail="user_token"
        )
    _check_permissions(info)
    account = AccountRef("facebook", str(page["name"]), str(page["id"]), server_url=base_url)
    return account, {"page_token": token, "expires_at": _expires_at(info)}


def _check_permissions(info: dict[str, Any]) -> None:
    """A Page token whose scopes debug_token lists must hold the ones Porch needs."""
    scopes = info.get("scopes")
    if not isinstance(scopes, list):
        return
    missing = [name for name in NEEDED if name not in scopes]
    if missing:
        raise NetworkError(
            missing_permissions(missing),
            permanent=True,
            code=ErrorCode.FORBIDDEN,
            detail="missing_permissions",
        )


def _token_info(graph: Graph, token: str) -> dict[str, Any]:
    """debug_token's data, or {} where the token may not inspect itself."""
    try:
        data = graph.get("/debug_token", {"input_token": token}).get("data")
    except NetworkError as error:
        if error.reconnect or not error.permanent:
            raise
        return {}
    return data if isinstance(data, dict) else {}


def _expires_at(info: dict[str, Any]) -> str | None:
    expires = info.get("expires_at")
    if not isinstance(expires, int) or expires <= 0:
        return None
    return datetime.fromtimestamp(expires, UTC).isoformat()
