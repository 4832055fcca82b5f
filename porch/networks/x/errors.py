"""Every failure talking to X, as the one NetworkError the worker understands.

tweepy.TooManyRequests (429)   permanent=False, retry_after from the x-*-reset headers
                               (the latest reset among the limits at 0 remaining)
429/403 "UsageCapExceeded"     permanent: the app's monthly usage cap, not a rate limit
tweepy.Unauthorized (401)      reconnect=True (the client refreshes once before this)
tweepy.Forbidden (403)         permanent; duplicate content gets code "duplicate"
tweepy.BadRequest / NotFound   permanent, with X's own reason
tweepy.TwitterServerError 5xx  permanent=False; outcome_unknown for a write
requests timeouts, resets      permanent=False; outcome_unknown for a write, unless the
                               connection was never made (ConnectTimeout)
"""

from typing import Any

import requests
import tweepy  # type: ignore[import-untyped]

from porch.networks.base import ErrorCode, NetworkError

DUPLICATE_MESSAGE = "X refused this post because it repeats one you already posted: change the text"
RECONNECT_MESSAGE = "X no longer accepts this account's sign-in: connect the account again"
_LIMITS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")


def _body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reason(exc: tweepy.HTTPException, body: dict[str, Any]) -> str:
    messages: list[str] = [str(message) for message in exc.api_messages]
    if body.get("detail") and body["detail"] not in messages:
        messages.insert(0, str(body["detail"]))
    return "; ".join(messages) or f"{exc.response.status_code} {exc.response.reason}"


def retry_after(headers: Any, now: float) -> float | None:
    """Seconds until X lifts the limit that was hit, from its x-*-reset headers (epoch s)."""
    resets = [
        int(headers[f"{limit}-reset"])
        for limit in _LIMITS
        if headers.get(f"{limit}-remaining") == "0" and f"{limit}-reset" in headers
    ]
    if not resets and "x-rate-limit-reset" in headers:
        resets = [int(headers["x-rate-limit-reset"])]
    return max(1.0, max(resets) - now) if resets else None


def _usage_capped(body: dict[str, Any]) -> bool:
    return body.get("title") == "UsageCapExceeded" or str(body.get("type", "")).endswith(
        "/usage-capped"
    )


def _from_forbidden(reason: str, body: dict[str, Any]) -> NetworkError:
    if "duplicate content" in reason.lower():
        return NetworkError(DUPLICATE_MESSAGE, permanent=True, code=ErrorCode.DUPLICATE)
    detail = str(body.get("reason") or "forbidden")
    code = ErrorCode.TOO_LONG if "too long" in reason.lower() else ErrorCode.FORBIDDEN
    return NetworkError(f"X refused this: {reason}", permanent=True, code=code, detail=detail)


def _from_http(exc: tweepy.HTTPException, write: bool, now: float) -> NetworkError:
    status, body = exc.response.status_code, _body(exc.response)
    reason = _reason(exc, body)
    if _usage_capped(body):
        text = f"X's usage cap for Porch's X app is reached ({reason}): raise it in X's console"
        return NetworkError(text, permanent=True, code=ErrorCode.USAGE_CAP)
    if status == 429:
        wait = retry_after(exc.response.headers, now)
        text = "X asked Porch to slow down: it tries again when X's limit resets"
        return NetworkError(text, permanent=False, retry_after=wait, code=ErrorCode.RATE_LIMITED)
    if status == 401:
        return NetworkError(
            RECONNECT_MESSAGE, permanent=True, reconnect=True, code=ErrorCode.UNAUTHORIZED
        )
    if status == 403:
        return _from_forbidden(reason, body)
    if status >= 500:
        text = f"X is having trouble ({status}): Porch tries again later"
        return NetworkError(
            text, permanent=False, outcome_unknown=write, code=ErrorCode.SERVER_ERROR
        )
    if status == 404:
        code = ErrorCode.NOT_FOUND
    elif "too long" in reason.lower():
        code = ErrorCode.TOO_LONG
    else:
        code = ErrorCode.INVALID
    text = f"X refused this request: {reason}"
    return NetworkError(text, permanent=True, code=code, detail=str(status))


def _from_transport(exc: requests.RequestException, write: bool) -> NetworkError:
    sent = write and not isinstance(exc, requests.ConnectTimeout)
    if isinstance(exc, requests.Timeout):
        text, code = "X did not answer in time: Porch tries again later", ErrorCode.TIMEOUT
    else:
        text, code = "Porch could not reach X: it tries again later", ErrorCode.UNREACHABLE
    return NetworkError(text, permanent=False, outcome_unknown=sent, code=code)


def to_network_error(exc: Exception, *, write: bool, now: float) -> NetworkError:
    """The NetworkError for a failed call; `write` when the call may have created a post."""
    if isinstance(exc, tweepy.HTTPException):
        return _from_http(exc, write, now)
    if isinstance(exc, requests.RequestException):
        return _from_transport(exc, write)
    return NetworkError(f"X failed: {exc}", permanent=False, outcome_unknown=write)
