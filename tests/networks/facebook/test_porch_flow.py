"""The Facebook Page path through Porch as the owner uses it: connect with a Page token in
the web UI, `porch sync`, reply from the inbox; and an expired token, a rate limit and a
duplicate post as the owner sees them. Graph is the fake on loopback (fake_graph.py),
reached through PORCH_FACEBOOK_GRAPH_URL as the real one would be."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.cli import main
from porch.inbox.models import Conversation, Message, MessageKind
from porch.networks.facebook.auth import NOT_ACCEPTED
from porch.networks.facebook.errors import RECONNECT
from porch.networks.models import SyncState
from porch.networks.poller import claim_due
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

from .fake_graph import PAGE_ID, PAT, TOKEN, FakeGraph, error_body, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def graph(settings: Any) -> Iterator[FakeGraph]:
    with serving() as fake:
        settings.FACEBOOK_GRAPH_URL = fake.base_url
        yield fake


def connect(client: Client, workspace: Workspace, token: str = TOKEN) -> str:
    url = reverse("connect_facebook", args=[workspace.slug])
    return client.post(url, {"page_token": token}, follow=True).content.decode()


def sync(account: ConnectedAccount) -> str:
    result = CliRunner().invoke(main, ["sync", "--account", str(account.pk)])
    assert result.exit_code == 0, result.output
    return result.output


def the_page(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.get(workspace=workspace, network="facebook")


def test_the_owner_connects_a_page_and_its_token_is_stored_encrypted(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    graph.token_expires_at = 1_800_000_000
    page = connect(signed_in, workspace, f"  {TOKEN} ")
    assert "Connected" in page and "Corner Bakery" in page  # listed on the Accounts page
    account = the_page(workspace)
    assert (account.handle, account.external_id, account.server_url) == (
        "Corner Bakery",
        PAGE_ID,
        "",  # no address of its own: PORCH_FACEBOOK_GRAPH_URL
    )
    assert account.credentials() == {
        "page_token": TOKEN,
        "expires_at": "2027-01-15T08:00:00+00:00",
    }
    assert TOKEN not in account.credentials_encrypted
    assert graph.requests[0].path == "/me"


@pytest.mark.parametrize(
    ("change", "told"),
    [
        ({"expired": True}, NOT_ACCEPTED),
        ({"token_type": "USER"}, "This is a user access token: paste the token of the Page"),
    ],
)
def test_a_token_that_cannot_work_connects_nothing_and_says_what_to_do(
    graph: FakeGraph, signed_in: Client, workspace: Workspace, change: dict[str, Any], told: str
) -> None:
    for name, value in change.items():
        setattr(graph, name, value)
    page = connect(signed_in, workspace)
    assert told in page and "Traceback" not in page
    assert not ConnectedAccount.objects.filter(workspace=workspace).exists()


def test_a_comment_arrives_once_as_a_message_in_the_inbox(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    connect(signed_in, workspace)
    account = the_page(workspace)
    post = graph.add_post("Fresh sourdough at 7!")
    graph.add_comment(post, "My order was cold when it arrived, not happy", PAT)
    output = sync(account)
    assert "fetched 1, 1 new" in output and "My order was cold" in output
    assert "0 new" in sync(account)
    [message] = Message.objects.filter(account=account)
    assert (message.author_name, message.kind) == ("Pat Customer", "reply")
    inbox = signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert "My order was cold" in inbox


def test_an_expired_token_asks_the_owner_to_reconnect_once(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    connect(signed_in, workspace)
    account = the_page(workspace)
    graph.expired = True  # Graph now answers error 190
    assert RECONNECT in sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.get(account=account, key="reconnect").text == RECONNECT
    SyncState.objects.filter(account=account).update(next_sync_at=timezone.now())
    asked = len(graph.requests)
    assert claim_due() == []  # no retry loop: it waits for the owner
    assert len(graph.requests) == asked

    graph.expired = False  # the owner pastes a fresh token
    connect(signed_in, workspace)
    account.refresh_from_db()
    assert account.status == AccountStatus.OK
    assert not Notice.objects.filter(account=account, dismissed_at__isnull=True).exists()


@pytest.mark.time_machine("2026-11-20T10:00Z", tick=False)  # the wait, to the second
def test_a_rate_limit_waits_as_long_as_facebook_says(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    connect(signed_in, workspace)
    account = the_page(workspace)
    usage = {PAGE_ID: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 9}]}
    body = error_body("(#32) Page request limit reached", "OAuthException", 32)
    headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
    graph.fail_next("GET", f"/{PAGE_ID}/feed", 400, body, headers=headers)
    assert "Facebook's rate limit for this Page was reached" in sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.rate_limited_until is not None
    wait = account.rate_limited_until - timezone.now()
    assert timedelta(minutes=8) < wait <= timedelta(minutes=9)


def test_a_duplicate_reply_is_refused_in_plain_words_and_nothing_is_recorded(
    graph: FakeGraph, signed_in: Client, workspace: Workspace
) -> None:
    connect(signed_in, workspace)
    account = the_page(workspace)
    post = graph.add_post("Open on Sunday?")
    question = graph.add_comment(post, "What time do you open?", PAT)
    sync(account)
    convo = Conversation.objects.get(account=account)
    duplicate = error_body("Duplicate status message", "OAuthException", 506, 1455006)
    graph.fail_next("POST", f"/{question}/comments", 400, duplicate)
    url = reverse("reply", args=[workspace.slug, convo.pk])
    page = signed_in.post(url, {"text": "8 till 2!"}, follow=True).content.decode()
    assert "Facebook refused this as a duplicate of a recent post from the Page." in page
    assert not convo.messages.filter(kind=MessageKind.OURS).exists()

    page = signed_in.post(url, {"text": "8 till 2, see you!"}, follow=True).content.decode()
    assert "Reply sent on Facebook" in page
    assert [c["message"] for c in graph.post(post)["comments"]][-1] == "8 till 2, see you!"
