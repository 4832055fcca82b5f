"""The SDK's exceptions, as it raises them, mapped to NetworkError."""

import time
from typing import Any

import httpx
import pytest
from atproto_client import Client, exceptions, models  # type: ignore[import-untyped, unused-ignore]
from atproto_client.models.common import XrpcError  # type: ignore[import-untyped, unused-ignore]
from atproto_client.request import Request, Response  # type: ignore[import-untyped, unused-ignore]
from atproto_server.exceptions import TokenDecodeError  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.bluesky.errors import as_network_error

RECONNECT = (
    "Bluesky no longer accepts Porch's session for @corner.bsky.social: reconnect the account"
)


def reply(status: int, error: str = "", message: str = "", **headers: str) -> Response:
    content = XrpcError(error=error, message=message) if error else None
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return Response(success=False, status_code=status, content=content, headers=named)


def mapped(exc: BaseException, write: bool = False) -> NetworkError:
    return as_network_error(exc, handle="corner.bsky.social", write=write)


def test_rate_limit_waits_until_the_window_resets() -> None:
    reset = str(int(time.time()) + 120)
    error = mapped(
        exceptions.RateLimitExceededError(reply(429, "RateLimitExceeded", ratelimit_reset=reset))
    )
    assert not error.permanent
    assert error.retry_after is not None and 115 <= error.retry_after <= 120
    assert error.code == ErrorCode.RATE_LIMITED and error.detail == "RateLimitExceeded"


def test_rate_limit_without_reset_header_backs_off() -> None:
    error = mapped(exceptions.RateLimitExceededError(reply(429, "RateLimitExceeded")))
    assert (error.permanent, error.retry_after) == (False, None)


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.BadRequestError(reply(400, "ExpiredToken", "Token has been revoked")),
        exceptions.BadRequestError(reply(400, "InvalidToken", "Token could not be verified")),
        exceptions.UnauthorizedError(reply(401, "AuthenticationRequired", "Invalid token")),
        exceptions.LoginRequiredError(),
        TokenDecodeError("Invalid header padding"),
    ],
)
def test_a_refused_session_asks_the_owner_to_reconnect(exc: Exception) -> None:
    error = mapped(exc)
    assert (error.permanent, error.reconnect, error.message) == (True, True, RECONNECT)


def test_a_bad_request_is_permanent_with_the_servers_words() -> None:
    message = "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"
    error = mapped(exceptions.BadRequestError(reply(400, "InvalidRequest", message)))
    assert (error.permanent, error.reconnect, error.code) == (True, False, ErrorCode.TOO_LONG)
    assert error.detail == "InvalidRequest"
    assert message in error.message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(status: int) -> None:
    cls = exceptions.NetworkError if status == 502 else exceptions.RequestException
    error = mapped(cls(reply(status, "InternalServerError", "Internal Server Error")))
    assert (error.permanent, error.outcome_unknown) == (False, False)
    assert mapped(cls(reply(status)), write=True).outcome_unknown


def test_a_method_the_server_does_not_offer_is_permanent() -> None:
    error = mapped(
        exceptions.RequestException(reply(501, "MethodNotImplemented", "Not implemented"))
    )
    assert error.permanent and "does not offer" in error.message


def test_too_large_is_permanent() -> None:
    assert mapped(
        exceptions.NetworkError(reply(413, "PayloadTooLarge", "request entity too large"))
    ).permanent


def wrapped(cause: httpx.HTTPError, cls: type[exceptions.NetworkError]) -> exceptions.NetworkError:
    try:
        raise cls from cause
    except cls as exc:
        return exc


def test_a_write_that_timed_out_has_an_unknown_outcome() -> None:
    exc = wrapped(httpx.ReadTimeout("timed out"), exceptions.InvokeTimeoutError)
    error = mapped(exc, write=True)
    assert (error.permanent, error.outcome_unknown, error.code) == (False, True, "timeout")
    assert not mapped(exc).outcome_unknown  # a read is just retried


def test_a_write_that_never_connected_did_not_happen() -> None:
    refused = wrapped(httpx.ConnectError("[Errno 111] Connection refused"), exceptions.NetworkError)
    assert mapped(refused, write=True).outcome_unknown is False
    connect_timeout = wrapped(httpx.ConnectTimeout("timed out"), exceptions.InvokeTimeoutError)
    assert mapped(connect_timeout, write=True).outcome_unknown is False


def test_what_the_sdk_lets_through_unwrapped_is_retried() -> None:
    error = mapped(httpx.RemoteProtocolError("Server disconnected"), write=True)
    assert (error.permanent, error.outcome_unknown) == (False, True)


def test_an_unreadable_reply_is_permanent() -> None:
    assert mapped(exceptions.ModelError("Invalid model")).permanent


def sdk_raising(status: int, body: dict[str, Any], **headers: str) -> Exception:
    """What the SDK itself raises for this reply (real httpx response, no server)."""
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json=body, headers=headers))
    client: Any = Client("http://pds.invalid", request=Request(transport=transport))
    params = models.AppBskyActorGetProfile.Params(actor="corner.bsky.social")
    with pytest.raises(exceptions.RequestErrorBase) as raised:
        client.app.bsky.actor.get_profile(params)
    exc: Exception = raised.value
    return exc


def test_the_sdks_own_exceptions_map_the_same() -> None:
    reset = str(int(time.time()) + 60)
    limited = sdk_raising(429, {"error": "RateLimitExceeded"}, **{"RateLimit-Reset": reset})
    assert mapped(limited).retry_after is not None
    revoked = sdk_raising(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
    assert mapped(revoked).reconnect
    invalid = sdk_raising(400, {"error": "InvalidRequest", "message": "Profile not found"})
    assert mapped(invalid).message == "Bluesky refused the request: Profile not found"
    assert mapped(invalid).code == ErrorCode.NOT_FOUND
    assert not mapped(sdk_raising(503, {"error": "Unavailable"})).permanent


def test_a_network_error_passes_through() -> None:
    error = NetworkError("already mapped", permanent=True)
    assert mapped(error) is error
