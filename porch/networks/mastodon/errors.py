"""Every Mastodon.py exception becomes one NetworkError.

MastodonRatelimitError       429 (Mastodon.py runs with ratelimit_method="throw", so it
                             never sleeps): retry after X-RateLimit-Reset, which
                             Mastodon.py has parsed into `api.ratelimit_reset`
MastodonNetworkError         no answer: try again; when a post was being sent and the
                             request may have reached the server, outcome_unknown
MastodonUnauthorizedError    401, "The access token was revoked"/"is invalid": reconnect
MastodonAPIError 403         forbidden; a missing OAuth scope means reconnecting
MastodonNotFoundError 404    gone (deleted, or never visible to this account)
MastodonAPIError 422         the server's own message, e.g. "Validation failed: Text
                             character limit of 500 exceeded": permanent
MastodonServerError 5xx      try again; when posting, the post may exist
MastodonIllegalArgumentError bad input on our side: permanent
"""

import time

import requests
import urllib3.exceptions
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from porch.networks.base import ErrorCode, NetworkError

RECONNECT = "Mastodon no longer accepts Porch's access to this account: reconnect it."
_REVOKED_WORDS = ("revoked", "invalid_token", "access token is invalid", "expired")
_SCOPE_WORDS = ("outside the authorized scopes", "insufficient_scope")


def to_network_error(
    exc: MastodonError, *, api: Mastodon | None = None, write: bool = False
) -> NetworkError:
    """The NetworkError for `exc`; `write` is True while a post was being created."""
    if isinstance(exc, MastodonRatelimitError):
        return _rate_limited(api)
    if isinstance(exc, MastodonNetworkError):
        return _no_answer(exc, write=write)
    if isinstance(exc, MastodonIllegalArgumentError):
        return NetworkError(
            f"Mastodon refused the request: {exc}", permanent=True, code=ErrorCode.INVALID
        )
    status, message = _status_and_message(exc)
    if status is None:
        # An answer that was not the JSON Mastodon sends: a proxy's error page, maintenance.
        return NetworkError(
            "The Mastodon server sent an unreadable answer.",
            permanent=False,
            outcome_unknown=write,
            code=ErrorCode.SERVER_ERROR,
            detail="unreadable",
        )
    return _from_status(status, message, write=write)


def _rate_limited(api: Mastodon | None) -> NetworkError:
    reset = api.ratelimit_reset if api is not None else None
    retry_after = max(0.0, float(reset) - time.time()) if reset else None
    return NetworkError(
        "Mastodon's rate limit was reached; Porch will try again when it resets.",
        permanent=False,
        retry_after=retry_after,
        code=ErrorCode.RATE_LIMITED,
    )


def _no_answer(exc: MastodonNetworkError, *, write: bool) -> NetworkError:
    timed_out = _in_chain(exc, (requests.Timeout,))
    message = (
        "The Mastodon server did not answer in time."
        if timed_out
        else "Could not connect to the Mastodon server."
    )
    return NetworkError(
        message,
        permanent=False,
        outcome_unknown=write and not _never_sent(exc),
        code=ErrorCode.TIMEOUT if timed_out else ErrorCode.UNREACHABLE,
    )


def _never_sent(exc: BaseException) -> bool:
    """Whether the request failed before any byte of it could reach the server."""
    unsent = (
        requests.ConnectTimeout,
        urllib3.exceptions.NewConnectionError,
        urllib3.exceptions.ConnectTimeoutError,
    )
    return _in_chain(exc, unsent)


def _in_chain(exc: BaseException, types: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, types) or isinstance(getattr(seen, "reason", None), types):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _status_and_message(exc: MastodonError) -> tuple[int | None, str]:
    """Mastodon.py raises MastodonAPIError("...", status, reason, error text)."""
    args = exc.args if isinstance(exc, MastodonAPIError) else ()
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
    return status, message


def _from_status(status: int, message: str, *, write: bool) -> NetworkError:
    lowered = message.lower()
    if status == 401 or (status in (400, 403) and any(w in lowered for w in _REVOKED_WORDS)):
        return NetworkError(RECONNECT, permanent=True, reconnect=True, code=ErrorCode.UNAUTHORIZED)
    if status == 403 and any(word in lowered for word in _SCOPE_WORDS):
        return NetworkError(
            "Porch lacks a permission on this Mastodon account: reconnect it.",
            permanent=True,
            reconnect=True,
            code=ErrorCode.FORBIDDEN,
        )
    if status == 429:
        return NetworkError(
            message or "Too many requests", permanent=False, code=ErrorCode.RATE_LIMITED
        )
    if status >= 500:
        return NetworkError(
            f"The Mastodon server had a problem ({status}); Porch will try again.",
            permanent=False,
            outcome_unknown=write,
            code=ErrorCode.SERVER_ERROR,
            detail=str(status),
        )
    return NetworkError(
        _client_error_message(status, message),
        permanent=True,
        code=_refusal_code(status, lowered),
        detail=str(status),
    )


def _refusal_code(status: int, lowered: str) -> ErrorCode:
    """What a 4xx refusal is about; 422 says so in words ("Text character limit of 500
    exceeded")."""
    if status in (404, 410):
        return ErrorCode.NOT_FOUND
    if status == 403:
        return ErrorCode.FORBIDDEN
    if "character limit" in lowered or "too long" in lowered:
        return ErrorCode.TOO_LONG
    return ErrorCode.INVALID


def _client_error_message(status: int, message: str) -> str:
    if message:
        return message
    if status in (404, 410):
        return "Mastodon could not find it: it was deleted or is not visible to this account."
    if status == 403:
        return "Mastodon does not allow this account to do that."
    return f"Mastodon refused the request ({status})."
