"""Graph API error replies and usage headers, mapped to NetworkError.

Graph answers an error as {"error": {"message", "type", "code", "error_subcode",
"fbtrace_id", "is_transient"}}:

    190, 102             the Page token expired or was revoked: reconnect the page
    4, 17, 32, 613,      rate limits: try again after the usage headers'
    80000-80014          estimated_time_to_regain_access (minutes), else after a default
    368                  blocked for going against Facebook's policies: permanent
    506                  a duplicate of a recent post: permanent
    200-299              a permission the Page token lacks: reconnect with it
    1, 2, is_transient   Facebook's own trouble: try again
    anything else        permanent, with Graph's message
    HTTP 5xx, timeouts   try again; when posting, the post may exist (outcome unknown)

Usage headers, each a JSON object of percentages of the limit used:
    X-App-Usage                  {"call_count": 28, "total_time": 25, "total_cputime": 25}
    X-Page-Usage                 the same for the Page, with estimated_time_to_regain_access
    X-Business-Use-Case-Usage    {"<id>": [{"type": "pages", "call_count": ..., ...}]}
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from porch.networks.base import ErrorCode, NetworkError

DEFAULT_RATE_LIMIT_WAIT = 600.0  # seconds, when the headers do not say
RECONNECT = "The Facebook Page token has expired or was revoked: reconnect the page."
_TOKEN_CODES = {102, 190}
_RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80000, 80015)}
_TRANSIENT_CODES = {1, 2}
_NOT_FOUND_SUBCODE = 33  # code 100: "Object does not exist, cannot be loaded due to permissions"
_USAGE_HEADERS = {
    "x-app-usage": "app",
    "x-page-usage": "page",
    "x-business-use-case-usage": "business",
}
_USAGE_FIELDS = ("call_count", "total_time", "total_cputime")


class GraphError(NetworkError):
    """A NetworkError that keeps Graph's own code, subcode and message, so that connecting
    can say exactly what is wrong with a token and how to fix it (connect_errors.py)."""

    graph_code = 0
    graph_subcode = 0
    graph_message = ""
    status = 0

    @classmethod
    def of(cls, found: NetworkError, error: dict[str, Any], status: int) -> "GraphError":
        made = cls(
            found.message,
            permanent=found.permanent,
            retry_after=found.retry_after,
            reconnect=found.reconnect,
            outcome_unknown=found.outcome_unknown,
            code=found.code,
            detail=found.detail,
        )
        made.graph_code, made.graph_subcode = (
            _int(error.get("code")),
            _int(error.get("error_subcode")),
        )
        made.graph_message, made.status = str(error.get("message") or ""), status
        return made


def graph_error(response: httpx.Response, *, write: bool) -> GraphError:
    """The NetworkError for an error reply from Graph (with Graph's code and subcode)."""
    error = _error_body(response)
    found = _classify(response, error, write=write)
    return GraphError.of(found, error or {}, response.status_code)


def _classify(
    response: httpx.Response, error: dict[str, Any] | None, *, write: bool
) -> NetworkError:
    if error is None:
        return _http_error(response.status_code, write=write)
    code, message = _int(error.get("code")), str(error.get("message") or "")
    if code in _TOKEN_CODES:
        return NetworkError(
            RECONNECT,
            permanent=True,
            reconnect=True,
            code=ErrorCode.UNAUTHORIZED,
            detail=str(code),
        )
    if code in _RATE_LIMIT_CODES:
        return NetworkError(
            "Facebook's rate limit for this Page was reached; Porch will try again later.",
            permanent=False,
            retry_after=regain_seconds(response.headers) or DEFAULT_RATE_LIMIT_WAIT,
            code=ErrorCode.RATE_LIMITED,
            detail=str(code),
        )
    if code in _TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
        return NetworkError(
            f"Facebook had a temporary problem: {message}",
            permanent=False,
            outcome_unknown=write,
            code=ErrorCode.SERVER_ERROR,
            detail=str(code),
        )
    return _permanent(code, _int(error.get("error_subcode")), message)


def _permanent(code: int, subcode: int, message: str) -> NetworkError:
    if code == 368:
        text = f"Facebook blocked this for going against its policies: {message}"
        return NetworkError(text, permanent=True, code=ErrorCode.FORBIDDEN, detail="368")
    if code == 506:
        text = "Facebook refused this as a duplicate of a recent post from the Page."
        return NetworkError(text, permanent=True, code=ErrorCode.DUPLICATE, detail="506")
    if 200 <= code <= 299:
        text = f"The Page token lacks a permission Porch needs ({message}): reconnect the page."
        return NetworkError(
            text, permanent=True, reconnect=True, code=ErrorCode.FORBIDDEN, detail=str(code)
        )
    if code == 100 and subcode == _NOT_FOUND_SUBCODE:
        return NetworkError(
            "Facebook could not find it: it was deleted.",
            permanent=True,
            code=ErrorCode.NOT_FOUND,
            detail=str(code),
        )
    text = message or f"Facebook refused the request ({code})."
    kind = ErrorCode.TOO_LONG if "too long" in message.lower() else ErrorCode.INVALID
    return NetworkError(text, permanent=True, code=kind, detail=str(code))


def _http_error(status: int, *, write: bool) -> NetworkError:
    if status >= 500 or status == 429:
        return NetworkError(
            f"Facebook had a problem ({status}); Porch will try again.",
            permanent=False,
            outcome_unknown=write and status != 429,
            code=ErrorCode.RATE_LIMITED if status == 429 else ErrorCode.SERVER_ERROR,
            detail=str(status),
        )
    return NetworkError(
        f"Facebook refused the request ({status}).", permanent=True, detail=str(status)
    )


def transport_error(exc: httpx.TransportError, *, write: bool) -> NetworkError:
    """No answer: try again; a write may have arrived unless it never left."""
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    timed_out = isinstance(exc, httpx.TimeoutException)
    return NetworkError(
        "Facebook did not answer in time." if timed_out else "Could not connect to Facebook.",
        permanent=False,
        outcome_unknown=write and not never_sent,
        code=ErrorCode.TIMEOUT if timed_out else ErrorCode.UNREACHABLE,
    )


def _error_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, dict) else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def usage_percentages(headers: Mapping[str, str]) -> dict[str, int]:
    """The usage headers as {"app_call_count": 28, ..., "usage_percent": <highest>}."""
    usage: dict[str, int] = {}
    lowered = {name.lower(): value for name, value in headers.items()}
    for header, prefix in _USAGE_HEADERS.items():
        for entry in _usage_entries(lowered.get(header)):
            for name in (*_USAGE_FIELDS, "estimated_time_to_regain_access"):
                key = f"{prefix}_{name}"
                usage[key] = max(usage.get(key, 0), _int(entry.get(name)))
    percents = [value for key, value in usage.items() if key.endswith(_USAGE_FIELDS)]
    if percents:
        usage["usage_percent"] = max(percents)
    return usage


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until access returns, from estimated_time_to_regain_access (minutes)."""
    usage = usage_percentages(headers)
    minutes = max((v for k, v in usage.items() if k.endswith("regain_access")), default=0)
    return minutes * 60.0 if minutes > 0 else None


def _usage_entries(raw: str | None) -> Iterator[dict[str, Any]]:
    """One header's objects: the app and Page headers hold one, the business header many."""
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return
    if not isinstance(parsed, dict) or not parsed:
        return
    lists = [value for value in parsed.values() if isinstance(value, list)]
    if not lists:
        yield parsed
    for entries in lists:
        yield from (entry for entry in entries if isinstance(entry, dict))
