"""The whole Mastodon path through Porch: connect in the web UI, `porch sync`, answer from
the inbox, and see the reply in the thread on the (mock) instance; then an expired token
and a rate limit as the owner sees them."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse
from mastodon import Mastodon

from porch.cli import main
from porch.inbox.models import Conversation, MessageKind
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

from .conftest import DOMAIN, Mock


def connect_in_the_browser(client: Client, workspace: Workspace, mock: Mock) -> ConnectedAccount:
    start = client.post(
        reverse("connect_mastodon", args=[workspace.slug]), {"instance": mock.base_url}
    )
    assert start.status_code == 302
    authorize = start["Location"]
    asked = parse_qs(urlsplit(authorize).query)
    choice = {name: asked[name][0] for name in ("client_id", "redirect_uri", "scope", "state")}
    allowed = httpx.post(authorize.split("?")[0], data={**choice, "username": "cornerbakery"})
    back = urlsplit(allowed.headers["location"])
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302 and done["Location"] == f"/w/{workspace.slug}/accounts/"
    return ConnectedAccount.objects.get(workspace=workspace, network="mastodon")


def sync(account: ConnectedAccount) -> str:
    result = CliRunner().invoke(main, ["sync", "--account", str(account.pk)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.django_db(transaction=True)
def test_a_mention_is_synced_answered_and_the_reply_is_in_the_thread(
    mock: Mock, pat: Mastodon, signed_in: Client, workspace: Workspace
) -> None:
    account = connect_in_the_browser(signed_in, workspace, mock)
    assert account.handle == f"cornerbakery@{DOMAIN}"
    assert "access_token" in account.credentials()

    angry = pat.status_post("@cornerbakery my order never arrived and nobody answers the phone")
    output = sync(account)
    assert "fetched 1, 1 new" in output and "my order never arrived" in output
    assert "fetched 0, 0 new" in sync(account)  # the cursor moved past it

    convo = Conversation.objects.get(account=account)
    assert convo.intent == "complaint"  # triaged on arrival
    inbox = signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert 'data-testid="intent">Complaint<' in inbox
    url = reverse("reply", args=[workspace.slug, convo.pk])
    signed_in.post(url, {"text": "So sorry Pat, we're on it: a fresh box is on its way."})

    thread = pat.status_context(angry["id"])["descendants"]
    assert [s["account"]["username"] for s in thread] == ["cornerbakery"]
    assert "a fresh box is on its way" in thread[0]["content"]
    convo.refresh_from_db()
    assert convo.first_response_at is not None
    assert convo.messages.filter(kind=MessageKind.OURS).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_expired_token_and_a_rate_limit_reach_the_owner(
    mock: Mock, signed_in: Client, workspace: Workspace
) -> None:
    account = connect_in_the_browser(signed_in, workspace, mock)
    mock.fault("/api/v1/notifications", {"type": "ratelimit"})
    sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.status_text().startswith("Rate limited until")

    revoked = {"error": "The access token was revoked"}
    mock.fault("/api/v1/notifications", {"type": "status", "status": 401, "body": revoked})
    output = sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.filter(account=account, key="reconnect").exists()
    page = signed_in.get(reverse("accounts", args=[workspace.slug])).content.decode()
    assert "Needs reconnecting" in page and "Reconnect" in page
    assert output.strip()
