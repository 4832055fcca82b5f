"""The X path through Porch as the owner uses it: connect with OAuth 2.0 + PKCE in the web
UI, `porch sync`, reply from the inbox; and an expired token, a rate limit and a duplicate
post as the owner sees them. X answers from its recorded replies on loopback (server.py)."""

import base64
import hashlib
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.cli import main
from porch.inbox.models import Conversation, Message, MessageKind
from porch.networks.models import SyncState
from porch.networks.poller import claim_due
from porch.networks.x.errors import DUPLICATE_MESSAGE, RECONNECT_MESSAGE
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

from .replay import ME, Replay, recorded
from .server import anywhere, serving

CLIENT_ID = "cG9yY2gtdGVzdDoxOmNp"
MENTIONS = f"/2/users/{ME}/mentions"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def x(settings: Any) -> Iterator[Replay]:
    """X on loopback; every queued reply must have been asked for by the end."""
    replay = Replay()
    with serving(replay) as url:
        settings.X_API_URL = url
        settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = CLIENT_ID, "porch-test-client-secret"
        settings.X_BEARER_TOKEN = ""
        yield replay
    assert replay.queue == [], "recorded replies left unused"


def start(client: Client, workspace: Workspace) -> dict[str, str]:
    """Press "Connect X": the query Porch sends the owner to X's consent page with."""
    started = client.post(reverse("connect_x", args=[workspace.slug]))
    assert started.status_code == 302
    authorize = urlsplit(started["Location"])
    assert (authorize.scheme, authorize.netloc, authorize.path) == (
        "https",
        "x.com",
        "/i/oauth2/authorize",
    )
    return {name: values[0] for name, values in parse_qs(authorize.query).items()}


def come_back(client: Client, asked: dict[str, str], **query: str) -> str:
    """X sends the owner back to the redirect_uri; returns the page they land on."""
    back = client.get(urlsplit(asked["redirect_uri"]).path, query, follow=True)
    return back.content.decode()


def connect(client: Client, workspace: Workspace, x: Replay) -> ConnectedAccount:
    asked = start(client, workspace)
    x.add("oauth2_token", "users_me")
    page = come_back(client, asked, code="granted-code", state=asked["state"])
    assert "Connected" in page and "cornerbakery" in page
    return ConnectedAccount.objects.get(workspace=workspace, network="x")


def sync(account: ConnectedAccount) -> str:
    result = CliRunner().invoke(main, ["sync", "--account", str(account.pk)])
    assert result.exit_code == 0, result.output
    return result.output


def form_sent(x: Replay, index: int) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs((x.requests[index][3] or b"").decode()).items()}


def test_the_owner_connects_x_with_pkce_and_the_tokens_are_stored_encrypted(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    asked = start(signed_in, workspace)
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256" and len(asked["state"]) >= 32
    assert "offline.access" in asked["scope"].split()
    x.add("oauth2_token", "users_me")
    come_back(signed_in, asked, code="granted-code", state=asked["state"])

    sent = form_sent(x, 0)
    assert (sent["grant_type"], sent["code"]) == ("authorization_code", "granted-code")
    assert sent["redirect_uri"] == asked["redirect_uri"]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]

    account = ConnectedAccount.objects.get(workspace=workspace, network="x")
    token = recorded("oauth2_token")["response"]["body"]
    assert (account.handle, account.external_id) == ("cornerbakery", ME)
    assert account.credentials()["refresh_token"] == token["refresh_token"]
    assert token["refresh_token"] not in account.credentials_encrypted
    assert token["access_token"] not in account.credentials_encrypted
    listed = signed_in.get(reverse("accounts", args=[workspace.slug])).content.decode()
    assert "cornerbakery" in listed


@pytest.mark.parametrize(
    ("query", "told"),
    [
        ({"code": "granted-code", "state": "not-the-state-porch-sent"}, "not completed"),
        ({"error": "access_denied", "state": "{state}"}, "not given access"),
    ],
)
def test_a_wrong_state_or_a_refusal_connects_nothing_and_says_so(
    x: Replay, signed_in: Client, workspace: Workspace, query: dict[str, str], told: str
) -> None:
    asked = start(signed_in, workspace)
    page = come_back(signed_in, asked, **{k: v.format(**asked) for k, v in query.items()})
    assert told in page and "Traceback" not in page
    assert not ConnectedAccount.objects.filter(workspace=workspace).exists()
    assert x.requests == []  # the code is never traded when the state is wrong


def test_a_code_x_does_not_accept_connects_nothing_and_says_so(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    asked = start(signed_in, workspace)
    x.add("oauth2_token_invalid")
    page = come_back(signed_in, asked, code="stale-code", state=asked["state"])
    assert "X did not accept the sign-in" in page and "try connecting again" in page
    assert not ConnectedAccount.objects.filter(workspace=workspace).exists()


def test_a_mention_arrives_once_and_the_refresh_token_is_used_when_the_access_expires(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    account = connect(signed_in, workspace, x)
    x.add("mentions_first", "dm_events")
    output = sync(account)
    assert "fetched 3, 3 new" in output and "gluten-free loaf" in output
    x.add("mentions_none_newer", "dm_events")  # X sends the same DM page again
    assert "fetched 0, 0 new" in sync(account)
    assert Message.objects.filter(account=account).count() == 3

    account.refresh_from_db()
    old = account.credentials()
    account.set_credentials({**old, "expires_at": time.time() - 5})
    account.save()
    x.add("oauth2_token_refreshed", "mentions_none_newer", "dm_events")
    sync(account)
    sent = form_sent(x, len(x.requests) - 3)
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", old["refresh_token"])
    account.refresh_from_db()
    rotated = recorded("oauth2_token_refreshed")["response"]["body"]["refresh_token"]
    assert account.credentials()["refresh_token"] == rotated  # X rotates it: the new one is kept
    assert x.bearer().endswith(account.credentials()["access_token"])


def test_an_expired_token_asks_the_owner_to_reconnect_once(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    account = connect(signed_in, workspace, x)
    x.queue.append(anywhere("error_401", MENTIONS))
    x.add("oauth2_token_invalid")  # the refresh is refused too
    assert RECONNECT_MESSAGE in sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.get(account=account, key="reconnect").text == RECONNECT_MESSAGE
    SyncState.objects.filter(account=account).update(next_sync_at=timezone.now())
    assert claim_due() == []  # no retry loop: it waits for the owner
    page = signed_in.get(reverse("accounts", args=[workspace.slug])).content.decode()
    assert "Needs reconnecting" in page


@pytest.mark.time_machine("2026-11-20T10:00Z", tick=False)  # the wait, to the second
def test_a_rate_limit_waits_until_xs_reset(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    account = connect(signed_in, workspace, x)
    x.queue.append(anywhere("error_429", MENTIONS))
    assert "X asked Porch to slow down" in sync(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.rate_limited_until is not None
    wait = account.rate_limited_until - timezone.now()
    assert timedelta(seconds=590) < wait <= timedelta(seconds=600)  # the recorded reset
    assert SyncState.objects.get(account=account).next_sync_at >= account.rate_limited_until


def test_a_duplicate_reply_is_refused_in_plain_words_and_nothing_is_recorded(
    x: Replay, signed_in: Client, workspace: Workspace
) -> None:
    account = connect(signed_in, workspace, x)
    x.add("mentions_first", "dm_events")
    sync(account)
    convo = Conversation.objects.filter(account=account).order_by("pk").last()
    assert convo is not None
    x.queue.append(anywhere("error_403_duplicate"))
    url = reverse("reply", args=[workspace.slug, convo.pk])
    page = signed_in.post(url, {"text": "Thanks, see you soon!"}, follow=True).content.decode()
    assert DUPLICATE_MESSAGE.replace("'", "&#x27;") in page
    assert not convo.messages.filter(kind=MessageKind.OURS).exists()
    account.refresh_from_db()
    assert account.status == AccountStatus.OK  # a refused post is no reason to reconnect
