"""Graph error replies and usage headers, the log filter, and the fetch cursor."""

import json
import logging

import httpx
import pytest

from porch.networks.facebook.cursor import LOOK_BACK, OVERLAP, Watermark, dump_cursor, parse_cursor
from porch.networks.facebook.errors import (
    DEFAULT_RATE_LIMIT_WAIT,
    graph_error,
    regain_seconds,
    transport_error,
    usage_percentages,
)
from porch.networks.facebook.graph import RedactTokens

from .fake_graph import EXPIRED, error_body


def reply(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("code", "subcode", "permanent", "reconnect"),
    [
        (190, 463, True, True),  # expired
        (190, 460, True, True),  # password changed
        (102, None, True, True),  # session key invalid
        (4, None, False, False),  # app rate limit
        (17, None, False, False),  # user rate limit
        (32, None, False, False),  # page request limit
        (613, None, False, False),
        (80001, None, False, False),  # Page business-use-case limit
        (368, 1390008, True, False),  # blocked for policy
        (506, 1455006, True, False),  # duplicate post
        (200, None, True, True),  # missing permission
        (1, None, False, False),  # unknown error
        (2, None, False, False),  # service temporarily unavailable
        (100, None, True, False),  # invalid parameter
    ],
)
def test_graph_error_codes(
    code: int, subcode: int | None, permanent: bool, reconnect: bool
) -> None:
    error = graph_error(
        reply(400, error_body("message", "OAuthException", code, subcode)), write=False
    )

    assert (error.permanent, error.reconnect) == (permanent, reconnect)


def test_an_expired_token_says_to_reconnect_the_page() -> None:
    error = graph_error(reply(400, EXPIRED), write=False)

    assert (
        error.message == "The Facebook Page token has expired or was revoked: reconnect the page."
    )


def test_rate_limits_wait_for_the_longest_estimate_or_a_default() -> None:
    page_usage = {
        "call_count": 96,
        "total_cputime": 12,
        "total_time": 20,
        "estimated_time_to_regain_access": 5,
    }
    business = {
        "1234": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 19}]
    }
    headers = {
        "X-Page-Usage": json.dumps(page_usage),
        "X-Business-Use-Case-Usage": json.dumps(business),
    }
    body = error_body("(#32) Page request limit reached", "OAuthException", 32)

    assert graph_error(reply(400, body, headers), write=False).retry_after == 19 * 60
    assert graph_error(reply(400, body), write=False).retry_after == DEFAULT_RATE_LIMIT_WAIT


def test_usage_headers_become_percentages() -> None:
    headers = httpx.Headers({"X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":7}'})

    usage = usage_percentages(headers)

    assert usage["app_call_count"] == 28 and usage["app_total_cputime"] == 7
    assert usage["usage_percent"] == 28
    assert regain_seconds(headers) is None
    assert usage_percentages({"X-App-Usage": "not json"}) == {}


def test_server_errors_and_timeouts_are_temporary_and_writes_unknown() -> None:
    html = httpx.Response(502, text="<html>Bad gateway</html>")
    transient = error_body("An unexpected error has occurred.", "OAuthException", 2)
    timeout = httpx.ReadTimeout("timed out")
    refused = httpx.ConnectError("connection refused")

    assert graph_error(html, write=True).outcome_unknown
    assert graph_error(reply(500, transient), write=True).outcome_unknown
    assert not graph_error(html, write=False).outcome_unknown
    assert transport_error(timeout, write=True).outcome_unknown
    assert not transport_error(refused, write=True).outcome_unknown
    assert not transport_error(timeout, write=True).permanent


def test_tokens_in_logged_urls_are_blanked() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s"',
        ("GET", "https://graph.facebook.com/v21.0/debug_token?input_token=EAAGsecret&x=1", "200"),
        None,
    )

    RedactTokens().filter(record)

    assert (
        "EAAGsecret" not in record.getMessage() and "input_token=[redacted]" in record.getMessage()
    )


def test_the_cursor_round_trips_and_forgets_ids_outside_the_overlap() -> None:
    mark = Watermark(1000.0).advanced([("a", 2000.0), ("b", 2000.0 - OVERLAP - 1), ("c", 1990.0)])

    marks = parse_cursor(dump_cursor({"comments": mark}), now=2100.0)

    assert marks["comments"] == Watermark(2000.0, {"a": 2000.0, "c": 1990.0})
    assert marks["comments"].is_new("d", 2000.0) and not marks["comments"].is_new("a", 2000.0)
    assert not marks["comments"].is_new("e", 2000.0 - OVERLAP - 1)


def test_an_empty_or_unreadable_cursor_starts_a_little_back() -> None:
    for cursor in ["", "not json", '{"comments": {"newest": "x"}}']:
        marks = parse_cursor(cursor, now=10_000_000.0)
        assert marks["messages"].newest == 10_000_000.0 - LOOK_BACK
