"""Connecting a Facebook Page: each way Graph refuses a token (its real error bodies,
replayed by the fake Graph on loopback) is told to the owner as what is wrong and how to
fix it, never only "Could not connect to Facebook"."""

import html
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.facebook.auth import NOT_ACCEPTED, verify_page_token
from porch.networks.facebook.connect_errors import connect_message
from porch.networks.facebook.errors import transport_error
from porch.workspaces.models import ConnectedAccount, Workspace

from .fake_graph import TOKEN, FakeGraph, error_body, serving

pytestmark = pytest.mark.django_db(transaction=True)

LOGGED_OUT = error_body(
    "Error validating access token: The session is invalid because the user logged out.",
    "OAuthException",
    190,
    467,
)
PASSWORD_CHANGED = error_body(
    "Error validating access token: The session has been invalidated because the user "
    "changed their password or Facebook has changed the session for security reasons.",
    "OAuthException",
    190,
    460,
)
NO_POSTING = error_body(
    "(#200) If posting to a page, requires both pages_read_engagement and "
    "pages_manage_posts as an admin with sufficient administrative permission",
    "OAuthException",
    200,
)
NO_READING = error_body(
    "(#10) This endpoint requires the 'pages_read_engagement' permission or the 'Page "
    "Public Content Access' feature. Refer to https://developers.facebook.com/docs/apps/"
    "review/login-permissions#manage-pages for details.",
    "OAuthException",
    10,
)
NO_SUCH_PAGE = error_body(
    "Unsupported get request. Object with ID 'me' does not exist, cannot be loaded due to "
    "missing permissions, or does not support this operation. Please read the Graph API "
    "documentation at https://developers.facebook.com/docs/graph-api",
    "GraphMethodException",
    100,
    33,
)
APP_LIMIT = {
    "error": {
        "message": "(#4) Application request limit reached",
        "type": "OAuthException",
        "is_transient": True,
        "code": 4,
        "fbtrace_id": "AmT2fPq0XyZ7bL1cD3eF4gH",
    }
}
PAGE_LIMIT = error_body("(#32) Page request limit reached", "OAuthException", 32)
PAGE_USAGE = {
    "X-Page-Usage": json.dumps(
        {
            "call_count": 100,
            "total_cputime": 20,
            "total_time": 35,
            "estimated_time_to_regain_access": 17,
        }
    )
}
TROUBLE = error_body(
    "An unexpected error has occurred. Please retry your request later.", "OAuthException", 2
)


@pytest.fixture
def graph(settings: Any) -> Iterator[FakeGraph]:
    with serving() as fake:
        settings.FACEBOOK_GRAPH_URL = fake.base_url
        yield fake


def connect(client: Client, workspace: Workspace) -> str:
    url = reverse("connect_facebook", args=[workspace.slug])
    return html.unescape(client.post(url, {"page_token": TOKEN}, follow=True).content.decode())


@pytest.mark.parametrize(
    ("path", "status", "body", "headers", "told"),
    [
        (
            "/me",
            400,
            LOGGED_OUT,
            {},
            [NOT_ACCEPTED, "not valid", "Copy the Page access token again"],
        ),
        ("/me", 400, PASSWORD_CHANGED, {}, [NOT_ACCEPTED, "password", "Make a new one"]),
        (
            "/debug_token",
            403,
            NO_POSTING,
            {},
            [
                "lacks the permissions pages_read_engagement, pages_manage_posts",
                "Graph API Explorer",
                "'User or Page'",
            ],
        ),
        (
            "/me",
            403,
            NO_READING,
            {},
            ["lacks the permission pages_read_engagement,", "Generate Access Token"],
        ),
        ("/me", 400, NO_SUCH_PAGE, {}, ["cannot find that Page", "'User or Page'"]),
        (
            "/me",
            400,
            APP_LIMIT,
            {"X-App-Usage": '{"call_count": 100}'},
            ["rate limit", "code 4", "wait about 10 minutes"],
        ),
        ("/me", 400, PAGE_LIMIT, PAGE_USAGE, ["rate limit", "code 32", "wait about 17 minutes"]),
        ("/me", 500, TROUBLE, {}, ["temporary problem", "try again in a few minutes"]),
    ],
)
def test_each_refusal_says_what_is_wrong_and_how_to_fix_it(
    graph: FakeGraph,
    signed_in: Client,
    workspace: Workspace,
    path: str,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
    told: list[str],
) -> None:
    graph.fail_next("GET", path, status, body, headers=headers)
    page = connect(signed_in, workspace)
    for words in told:
        assert words in page, words
    assert "Could not connect to Facebook" not in page and "Traceback" not in page
    assert not ConnectedAccount.objects.filter(workspace=workspace).exists()


def test_a_user_token_says_where_to_find_the_page_token(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    graph.token_type = "USER"
    page = connect(signed_in, workspace)
    assert "This is a user access token" in page
    assert "pick your Page under 'User or Page' and copy the Page access token" in page


def test_a_page_token_without_posting_permission_names_it(graph: FakeGraph) -> None:
    """debug_token lists the token's scopes: one Porch needs is missing."""
    info = graph._token_info()
    info["scopes"] = ["pages_show_list", "pages_read_engagement"]
    graph.fail_next("GET", "/debug_token", 200, {"data": info})
    with pytest.raises(NetworkError) as raised:
        verify_page_token(TOKEN, graph.base_url)
    message = raised.value.message
    assert "lacks the permission pages_manage_posts," in message
    assert "add the permissions pages_show_list, pages_manage_posts" in message


def test_facebook_unreachable_or_slow_says_what_to_check(settings: Any) -> None:
    settings.FACEBOOK_GRAPH_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(NetworkError) as raised:
        verify_page_token(TOKEN)
    assert raised.value.code == ErrorCode.UNREACHABLE and not raised.value.permanent
    assert "could not reach Facebook" in raised.value.message
    assert "internet connection" in raised.value.message
    slow = transport_error(httpx.ReadTimeout("timed out"), write=False)
    assert "did not answer in time. Try again in a minute" in connect_message(slow)
