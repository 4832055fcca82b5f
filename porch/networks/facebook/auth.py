"""Connecting a Facebook Page with a Page access token.

The owner pastes a Page access token (Meta's Graph API Explorer or Business settings give
one); with a Page token, `GET /me` is the Page itself. `GET /debug_token` tells when the
token expires (0 = never, the usual for a Page token made from a long-lived user token)
and whether it is a Page token at all; where it cannot be read, expires_at is null.
"""

from datetime import UTC, datetime
from typing import Any

from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.facebook.graph import Graph

NOT_ACCEPTED = (
    "Facebook did not accept this Page access token (expired, revoked or mistyped): "
    "make a new one and paste it."
)


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
        if error.reconnect:
            raise NetworkError(
                NOT_ACCEPTED, permanent=True, code=error.code, detail=error.detail
            ) from error
        raise
    finally:
        graph.close()
    if info.get("type") == "USER":
        raise NetworkError(
            "This is a user access token: paste the token of the Page instead.",
            permanent=True,
            code=ErrorCode.INVALID,
            detail="user_token",
        )
    account = AccountRef("facebook", str(page["name"]), str(page["id"]), server_url=base_url)
    return account, {"page_token": token, "expires_at": _expires_at(info)}


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
