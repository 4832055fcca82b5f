"""Every failure of the atproto SDK (and of httpx under it) as one NetworkError.

What the SDK raises (atproto_client.exceptions), and what it becomes here:

    RateLimitExceededError   429                try again after `ratelimit-reset` (epoch s)
    UnauthorizedError        401, 403           401: reconnect the account; 403: permanent
    BadRequestError          400                permanent, with the server's message; but
                                                ExpiredToken, InvalidToken: reconnect
    NetworkError             409, 413, 502      409, 502: try again; 413: permanent
                             or no response     transport failure: try again
    InvokeTimeoutError       no response        try again
    RequestException         any other status   5xx: try again; 501 and 4xx: permanent
    LoginRequiredError and   no usable session  reconnect
    atproto_server's token errors
    ModelError               unreadable reply   permanent: a retry gets the same reply
    httpx.HTTPError          let through by     try again (protocol and decoding errors)
                             the SDK unwrapped

A write whose request may have reached the server (a timeout, a dropped connection, a
5xx answer) has `outcome_unknown=True`; a connection that was never made sent nothing.

The PDS answers an expired or revoked refresh token with 400 ExpiredToken ("Token has
been revoked") and a token it cannot verify with 400 InvalidToken; a wrong password with
401 AuthenticationRequired (checked against @atproto/pds 0.5.35 in the peer tests).
"""

from datetime import UTC, datetime

import httpx
from atproto_client import exceptions  # type: ignore[import-untyped, unused-ignore]
from atproto_client.models.common import XrpcError  # type: ignore[import-untyped, unused-ignore]
from atproto_core.exceptions import AtProtocolError  # type: ignore[import-untyped, unused-ignore]
from atproto_server.exceptions import InvalidTokenError  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import ErrorCode, NetworkError

SDK_ERRORS = (AtProtocolError, httpx.HTTPError)
NOT_SERVED = frozenset({"MethodNotImplemented", "XRPCNotSupported"})
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})
# httpx errors raised before the request left this machine: nothing was written.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# XRPC error names that say what kind of refusal it is; the rest are looked at by message.
_REFUSALS = {
    "RecordNotFound": ErrorCode.NOT_FOUND,
    "NotFound": ErrorCode.NOT_FOUND,
    "BlobTooLarge": ErrorCode.MEDIA,
    "InvalidMimeType": ErrorCode.MEDIA,
    "Forbidden": ErrorCode.FORBIDDEN,
    "AccountTakedown": ErrorCode.FORBIDDEN,
}


def private_address(exc: Exception) -> NetworkError:
    """The PDS is on a private network: the guarded transport refused to connect (fetch.py)."""
    return NetworkError(
        str(exc), permanent=True, code=ErrorCode.UNREACHABLE, detail="PrivateAddress"
    )


def reconnect_error(handle: str) -> NetworkError:
    return NetworkError(
        f"Bluesky no longer accepts Porch's session for @{handle}: reconnect the account",
        permanent=True,
        reconnect=True,
        code=ErrorCode.UNAUTHORIZED,
        detail="ExpiredToken",
    )


def _xrpc_error(exc: BaseException) -> tuple[str, str]:
    """(error name, message) of an XRPC error reply, ("", "") for anything else."""
    content = getattr(getattr(exc, "response", None), "content", None)
    if not isinstance(content, XrpcError):
        return "", ""
    return str(content.error or ""), str(content.message or "")


def error_name(exc: BaseException) -> str:
    """The XRPC error name of a reply ("InvalidRequest", "ExpiredToken"...), or ""."""
    return _xrpc_error(exc)[0]


def server_message(exc: BaseException) -> str:
    name, message = _xrpc_error(exc)
    return message or name


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def seconds_until_reset(exc: "exceptions.RateLimitExceededError") -> float | None:
    """Seconds until the window resets (`ratelimit-reset`), else `retry-after`, else None."""
    reset_at: datetime | None = exc.reset_at
    if reset_at is not None:
        return max(1.0, (reset_at - datetime.now(UTC)).total_seconds())
    retry_after: float | None = exc.retry_after
    return retry_after


def as_network_error(exc: BaseException, *, handle: str, write: bool = False) -> NetworkError:
    """The NetworkError for an exception raised by the atproto SDK or httpx."""
    if isinstance(exc, NetworkError):
        return exc
    if isinstance(exc, exceptions.RateLimitExceededError):
        return NetworkError(
            "Bluesky asked Porch to slow down (rate limit); Porch will try again later",
            permanent=False,
            retry_after=seconds_until_reset(exc),
            code=ErrorCode.RATE_LIMITED,
            detail="RateLimitExceeded",
        )
    if _is_token_error(exc):
        return reconnect_error(handle)
    if isinstance(exc, exceptions.RequestErrorBase):
        return _from_reply(exc, write) if exc.response is not None else _transport(exc, write)
    if isinstance(exc, httpx.HTTPError):
        return _transport(exc, write)
    if isinstance(exc, exceptions.ModelError):
        text = f"Bluesky sent a reply Porch could not read: {exc}"
        return NetworkError(text, permanent=True, code=ErrorCode.SERVER_ERROR)
    return NetworkError(f"Bluesky client error: {exc}", permanent=True)


def _is_token_error(exc: BaseException) -> bool:
    if isinstance(exc, exceptions.LoginRequiredError | InvalidTokenError):
        return True
    return status_of(exc) == 401 or error_name(exc) in TOKEN_ERRORS


def _from_reply(exc: "exceptions.RequestErrorBase", write: bool) -> NetworkError:
    status = status_of(exc) or 0
    name = error_name(exc) or f"HTTP {status}"
    detail = server_message(exc) or name
    if status == 501 or name in NOT_SERVED:
        return NetworkError(
            f"This Bluesky server does not offer that ({detail})",
            permanent=True,
            code=ErrorCode.NOT_SUPPORTED,
            detail=name,
        )
    if status >= 500 or status in (408, 409):
        return NetworkError(
            f"Bluesky's server had a problem ({name}); Porch will try again",
            permanent=False,
            outcome_unknown=write,
            code=ErrorCode.TIMEOUT if status == 408 else ErrorCode.SERVER_ERROR,
            detail=name,
        )
    return NetworkError(
        f"Bluesky refused the request: {detail}",
        permanent=True,
        code=_refusal_code(status, name, detail),
        detail=name,
    )


def _refusal_code(status: int, name: str, message: str) -> ErrorCode:
    """What kind of refusal a 4xx reply is, from its XRPC name and (for records the PDS
    finds invalid, e.g. "Record/text must not be longer than 300 graphemes") its message."""
    if name in _REFUSALS:
        return _REFUSALS[name]
    lowered = message.lower()
    if "longer than" in lowered or "too long" in lowered:
        return ErrorCode.TOO_LONG
    if "not found" in lowered:  # 400 InvalidRequest "Profile not found"
        return ErrorCode.NOT_FOUND
    if status == 413:
        return ErrorCode.MEDIA
    if status == 404:
        return ErrorCode.NOT_FOUND
    if status == 403:
        return ErrorCode.FORBIDDEN
    return ErrorCode.INVALID


def _transport(exc: BaseException, write: bool) -> NetworkError:
    cause = exc if isinstance(exc, httpx.HTTPError) else exc.__cause__
    sent = not isinstance(cause, _NOT_SENT)
    timed_out = isinstance(exc, exceptions.InvokeTimeoutError | httpx.TimeoutException)
    what = "did not answer in time" if timed_out else f"could not be reached ({cause or exc!r})"
    unknown = write and sent
    message = f"Bluesky {what}; Porch will try again"
    if unknown:
        message += " after checking whether the post went out"
    return NetworkError(
        message,
        permanent=False,
        outcome_unknown=unknown,
        code=ErrorCode.TIMEOUT if timed_out else ErrorCode.UNREACHABLE,
    )
