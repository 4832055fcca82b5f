"""A reply is stored before it is sent and goes out exactly once: X on loopback that is
down (connection refused) and then up, mastodon-mock for refusals and senders that die
mid-send, and the approval a helper's reply waits for by default."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from mastodon import Mastodon

from porch.core import scheduler
from porch.errors import NotAllowed
from porch.inbox import replies, services
from porch.inbox.models import (
    Conversation,
    InboxSettings,
    Message,
    MessageKind,
    Reply,
    ReplyStatus,
)
from porch.inbox.replies import claim, send_due
from porch.inbox.tasks import send_due_replies
from porch.networks.base import Outgoing, Published
from porch.networks.poller import sync_account
from porch.networks.sync import client_for
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member, free_port
from tests.inbox.test_inbox import conversation
from tests.networks.loopback import running
from tests.networks.mastodon.conftest import DOMAIN, Mock, mock, mock_server, pat  # noqa: F401
from tests.networks.x.replay import ME, NOW, Replay, credentials, recorded
from tests.networks.x.server import _Handler, _Server

AT = datetime.fromtimestamp(NOW, UTC)  # 10:00 in London: the X recordings' "now"
MARIA = "2123706672741351553"  # the tweet X's recorded reply answers
SORRY = "@maria_eats We're so sorry, María. Please DM us and we'll make it right."


class _XOnPort(_Server):
    """X's loopback server on a port chosen while nothing listened there."""

    def __init__(self, port: int) -> None:
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", port), _Handler)


@contextmanager
def x_up(port: int, replay: Replay) -> Iterator[None]:
    server = _XOnPort(port)
    server.replay, server.unmatched = replay, []
    with running(server):
        yield
    assert server.unmatched == [], server.unmatched


def any_query(name: str) -> dict[str, Any]:
    """Recording `name` as the reply whatever the query (the search window moves)."""
    exchange = recorded(name)
    exchange["request"].pop("query", None)
    return exchange


@pytest.fixture
def x_account(workspace: Workspace, settings: Any) -> ConnectedAccount:
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "cG9yY2gtdGVzdDoxOmNp", "porch-test-secret"
    settings.X_BEARER_TOKEN = ""
    account = ConnectedAccount(
        workspace=workspace,
        network="x",
        handle="cornerbakery",
        external_id=ME,
        timezone="Europe/London",
    )
    account.set_credentials(credentials())
    account.save()
    return account


def marias_complaint(account: ConnectedAccount) -> Conversation:
    arrived = AT - timedelta(hours=1)
    convo = Conversation.objects.create(
        workspace=account.workspace,
        account=account,
        root_external_id=MARIA,
        contact_handle="maria_eats",
        intent="complaint",
        first_message_at=arrived,
        last_message_at=arrived,
    )
    Message.objects.create(
        workspace=account.workspace,
        account=account,
        conversation=convo,
        network=account.network,
        external_id=MARIA,
        kind=MessageKind.MENTION,
        author_handle="maria_eats",
        text="@cornerbakery my birthday cake is an hour late!!",
        sent_at=arrived,
    )
    return convo


def page_of(client: Client, convo: Conversation) -> str:
    url = reverse("conversation", args=[convo.workspace.slug, convo.pk])
    return client.get(url).content.decode()


def test_the_worker_sends_due_replies_every_few_seconds() -> None:
    jobs = {job.name: job for job in scheduler.PERIODIC}
    assert jobs["send-due-replies"].task_path == "porch.inbox.tasks.send_due_replies"
    assert jobs["send-due-replies"].interval <= 5


@pytest.mark.django_db(transaction=True)
def test_a_reply_x_cannot_take_is_kept_shown_retried_with_backoff_and_sent_once(
    signed_in: Client, x_account: ConnectedAccount, settings: Any
) -> None:
    port = free_port()
    settings.X_API_URL = f"http://127.0.0.1:{port}"  # nothing listens there: refused
    convo = marias_complaint(x_account)
    url = reverse("reply", args=[convo.workspace.slug, convo.pk])
    with time_machine.travel(AT, tick=False) as clock:
        page = signed_in.post(url, {"text": SORRY}, follow=True).content.decode()
        reply = Reply.objects.get()
        assert (reply.status, reply.text, reply.attempts) == (ReplyStatus.QUEUED, SORRY, 1)
        assert reply.check_first  # X cannot say a refused write never arrived: look first
        assert reply.retry_at == AT + timedelta(seconds=60)
        assert "Porch could not reach X" in page and "tries again at 10:01" in page
        assert escape(SORRY) in page and 'data-status="queued"' in page  # not lost
        assert not convo.messages.filter(kind=MessageKind.OURS).exists()

        assert send_due_replies.call() == 0  # not due yet
        clock.move_to(reply.retry_at)
        assert send_due_replies.call() == 0  # still down: the wait doubles
        reply.refresh_from_db()
        assert (reply.status, reply.attempts) == (ReplyStatus.QUEUED, 2)
        assert reply.retry_at == AT + timedelta(seconds=60 + 120)

        replay = Replay()
        replay.queue += [any_query("users_tweets_empty"), recorded("create_reply")]
        with x_up(port, replay):  # X is back, at the same address
            clock.move_to(reply.retry_at)
            assert send_due_replies.call() == 1
            assert send_due_replies.call() == 0
        assert replay.queue == []
        page = page_of(signed_in, convo)

    assert [r[0] for r in replay.requests] == ["GET", "POST"]  # looked, then posted once
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT and reply.error == ""
    assert reply.sent is not None and reply.sent.external_id == "2123718571980357632"
    assert reply.sent.in_reply_to == MARIA and reply.sent.text == SORRY
    assert escape(SORRY) in page and "data-status" not in page and "Porch could not" not in page
    convo.refresh_from_db()
    sent_at = AT + timedelta(seconds=60 + 120)  # the clock stops when it went out
    assert convo.first_response_at == sent_at and convo.status == "waiting"


@pytest.fixture
def shop(mock: Mock, workspace: Workspace) -> ConnectedAccount:  # noqa: F811
    account = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=mock.base_url,
        timezone="Europe/London",
    )
    account.set_credentials({"access_token": "bakery"})
    account.save()
    return account


def pats_complaint(pat: Mastodon, shop: ConnectedAccount) -> tuple[Conversation, str]:  # noqa: F811
    angry = pat.status_post("@cornerbakery my order never arrived and nobody answers the phone")
    assert sync_account(shop).new == 1
    return Conversation.objects.get(account=shop), str(angry["id"])


def answers(pat: Mastodon, status_id: str) -> list[str]:  # noqa: F811
    return [str(s["content"]) for s in pat.status_context(status_id)["descendants"]]


@pytest.mark.parametrize("sent_before_dying", [True, False])
@override_settings(PUBLISH_LEASE=60)
def test_a_sender_that_died_mid_send_is_taken_over_and_the_reply_goes_once(
    shop: ConnectedAccount,
    owner: User,
    pat: Mastodon,  # noqa: F811
    sent_before_dying: bool,
) -> None:
    with time_machine.travel(AT, tick=False) as clock:
        convo, angry = pats_complaint(pat, shop)
        reply = Reply.objects.create(
            conversation=convo, author=owner, text="So sorry Pat!", in_reply_to=angry
        )
        assert claim(reply, "dead", AT)
        if sent_before_dying:  # its call went out; it died before recording that
            outgoing = Outgoing("So sorry Pat!", str(reply.idempotency_key), reply_to=angry)
            with client_for(shop) as client:
                client.publish(outgoing)
        assert send_due() == 0  # the dead sender's lease still holds
        clock.shift(61)
        assert send_due() == 1
        assert send_due() == 0
    assert len(answers(pat, angry)) == 1 and "So sorry Pat!" in answers(pat, angry)[0]
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT and reply.claimed_by != "dead"
    assert convo.messages.filter(kind=MessageKind.OURS).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_a_reply_once(
    shop: ConnectedAccount,
    owner: User,
    pat: Mastodon,  # noqa: F811
) -> None:
    with time_machine.travel(AT, tick=False):
        convo, angry = pats_complaint(pat, shop)
        Reply.objects.create(
            conversation=convo, author=owner, text="On its way!", in_reply_to=angry
        )
    barrier, sent = threading.Barrier(4), []

    def work() -> None:
        barrier.wait()
        try:
            sent.append(send_due_replies.call())
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    with time_machine.travel(AT + timedelta(minutes=1), tick=False):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(answers(pat, angry)) == 1


@override_settings(PUBLISH_LEASE=60)
def test_a_second_reply_with_the_same_words_is_sent_not_taken_for_the_first(
    shop: ConnectedAccount,
    owner: User,
    pat: Mastodon,  # noqa: F811
) -> None:
    with time_machine.travel(AT, tick=False) as clock:
        convo, angry = pats_complaint(pat, shop)
        first = Reply.objects.create(
            conversation=convo, author=owner, text="Thanks!", in_reply_to=angry
        )
        assert send_due() == 1
        clock.shift(60)
        second = Reply.objects.create(
            conversation=convo, author=owner, text="Thanks!", in_reply_to=angry
        )
        assert claim(second, "dead", timezone.now())  # died before its call: outcome unknown
        clock.shift(61)
        assert send_due() == 1  # it looked, found only the first's copy, and sent its own
        assert send_due() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ReplyStatus.SENT and second.sent is not None
    assert first.sent is not None and second.sent != first.sent
    assert Reply.objects.get(sent=first.sent) == first  # the first keeps its message
    assert len(answers(pat, angry)) == 2


def test_a_reply_that_breaks_does_not_stop_the_next_and_is_tried_again(
    shop: ConnectedAccount,
    owner: User,
    pat: Mastodon,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    thread_message = replies._thread_message

    def broken_for_the_first(reply: Reply, published: Any) -> Message:
        if reply.text == "Sorry!":
            raise RuntimeError("a bug recording it")
        return thread_message(reply, published)

    with time_machine.travel(AT, tick=False) as clock:
        convo, angry = pats_complaint(pat, shop)
        broken = Reply.objects.create(conversation=convo, author=owner, text="Sorry!")
        fine = Reply.objects.create(conversation=convo, author=owner, text="On its way!")
        monkeypatch.setattr(replies, "_thread_message", broken_for_the_first)
        assert send_due() == 1
        broken.refresh_from_db()
        fine.refresh_from_db()
        assert fine.status == ReplyStatus.SENT
        assert broken.status == ReplyStatus.QUEUED and broken.check_first
        assert "Porch hit a problem (RuntimeError)" in broken.error
        assert f"sending reply {broken.pk} broke" in caplog.text
        monkeypatch.undo()
        assert broken.retry_at is not None
        clock.move_to(broken.retry_at)
        assert send_due() == 1  # it went out before the bug: found, recorded, not sent again
    broken.refresh_from_db()
    assert broken.status == ReplyStatus.SENT and broken.sent is not None
    assert len(answers(pat, angry)) == 2


def test_a_copy_that_became_another_replys_meanwhile_is_not_linked_twice(
    owner: User, account: ConnectedAccount
) -> None:
    with time_machine.travel(AT, tick=False):
        convo = conversation(account, 1, "complaint", AT)
        copy = Message.objects.create(
            workspace=convo.workspace,
            account=account,
            conversation=convo,
            network=account.network,
            external_id="ours-1",
            kind=MessageKind.OURS,
            text="Thanks!",
            sent_at=AT,
        )
        first = Reply.objects.create(
            conversation=convo, author=owner, text="Thanks!", status=ReplyStatus.SENT, sent=copy
        )
        second = Reply.objects.create(conversation=convo, author=owner, text="Thanks!")
        assert claim(second, "me", AT)
        assert not replies._record(second, "me", Published(external_id="ours-1", url=""))
    second.refresh_from_db()
    assert second.status == ReplyStatus.QUEUED and second.check_first and second.sent is None
    assert "Not sure it went out (the copy Porch found belongs to another reply)" in second.error
    assert Reply.objects.get(sent=copy) == first


def test_a_check_that_failed_is_made_again_before_the_next_send(
    shop: ConnectedAccount,
    owner: User,
    pat: Mastodon,  # noqa: F811
    mock: Mock,  # noqa: F811
) -> None:
    with time_machine.travel(AT, tick=False) as clock:
        convo, angry = pats_complaint(pat, shop)
        reply = Reply.objects.create(conversation=convo, author=owner, text="Sorry!")
        Reply.objects.filter(pk=reply.pk).update(check_first=True)  # an earlier try unsure
        mock.fault("/api/v1/accounts/verify_credentials", {"type": "status", "status": 503})
        assert send_due() == 0
        reply.refresh_from_db()
        assert reply.status == ReplyStatus.QUEUED and reply.check_first  # still to look
        clock.move_to(reply.retry_at)
        assert send_due() == 1
    assert len(answers(pat, angry)) == 1


def test_a_refused_reply_says_why_and_is_sent_once_when_tried_again(
    signed_in: Client,
    shop: ConnectedAccount,
    pat: Mastodon,  # noqa: F811
    mock: Mock,  # noqa: F811
) -> None:
    with time_machine.travel(AT, tick=False):
        convo, angry = pats_complaint(pat, shop)
        refusal = {"error": "Validation failed: Text contains a blocked link"}
        mock.fault("/api/v1/statuses", {"type": "status", "status": 422, "body": refusal}, ["POST"])
        url = reverse("reply", args=[convo.workspace.slug, convo.pk])
        page = signed_in.post(url, {"text": "Sorry Pat!"}, follow=True).content.decode()
        reply = Reply.objects.get()
        assert reply.status == ReplyStatus.FAILED and reply.retry_at is None
        assert "Not sent: Mastodon refused it" in page and "blocked link" in page
        assert 'data-status="failed"' in page and "Try again" in page and "Discard" in page
        assert send_due() == 0  # a refusal waits for the owner
        again = reverse("retry_reply", args=[convo.workspace.slug, reply.pk])
        page = signed_in.post(again, follow=True).content.decode()
    assert "Reply sent on Mastodon." in page and 'data-status="failed"' not in page
    assert len(answers(pat, angry)) == 1


def test_a_discarded_reply_leaves_the_thread_but_one_being_sent_cannot_be(
    signed_in: Client, workspace: Workspace, owner: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", AT)
    failed = Reply.objects.create(conversation=convo, text="old", status=ReplyStatus.FAILED)
    sending = Reply.objects.create(conversation=convo, text="mid", status=ReplyStatus.SENDING)
    for reply in (failed, sending):
        signed_in.post(reverse("discard_reply", args=[workspace.slug, reply.pk]))
    assert list(Reply.objects.values_list("text", flat=True)) == ["mid"]


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test"
    )


def test_helpers_replies_wait_for_approval_by_default_as_the_members_page_says(
    client: Client, workspace: Workspace, owner: User, account: ConnectedAccount
) -> None:
    client.force_login(owner)
    members = client.get(reverse("members", args=[workspace.slug])).content.decode()
    assert "a helper's posts and replies wait for approval" in members
    settings_page = client.get(reverse("inbox_settings", args=[workspace.slug])).content.decode()
    assert 'name="helpers_need_approval" id="id_helpers_need_approval" checked' in settings_page

    convo = conversation(account, 1, "complaint", AT)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert "Send for approval" in page_of(client, convo)
    client.post(reverse("reply", args=[workspace.slug, convo.pk]), {"text": "So sorry!"})
    reply = Reply.objects.get()
    assert reply.status == ReplyStatus.PENDING and reply.author == helper
    assert InboxSettings.of(workspace).helpers_need_approval


def test_only_owners_and_managers_approve_and_only_the_author_retries_their_own(
    workspace: Workspace, owner: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", AT)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper = Membership.objects.get(user=helper, workspace=workspace)
    pending = Reply.objects.create(conversation=convo, text="hi", status=ReplyStatus.PENDING)
    owners = Reply.objects.create(
        conversation=convo, author=owner, text="x", status=ReplyStatus.FAILED
    )
    with pytest.raises(NotAllowed):
        services.approve(as_helper, helper, pending)
    with pytest.raises(NotAllowed):
        services.retry(as_helper, helper, owners)
    with pytest.raises(NotAllowed):
        services.discard(as_helper, helper, owners)
    from porch.workspaces import services as workspaces

    stranger = workspaces.create_user("x@other.example", "correct horse battery staple")
    theirs = workspaces.create_workspace(stranger, "Other")
    outsider = Membership.objects.get(user=stranger, workspace=theirs)
    with pytest.raises(NotAllowed):
        services.submit_reply(outsider, stranger, convo, "hello")
    assert Reply.objects.filter(status=ReplyStatus.PENDING).count() == 1


def test_a_send_and_resolve_reply_that_fails_later_reopens_the_conversation(
    signed_in: Client,
    shop: ConnectedAccount,
    pat: Mastodon,  # noqa: F811
    mock: Mock,  # noqa: F811
) -> None:
    with time_machine.travel(AT, tick=False) as clock:
        convo, _ = pats_complaint(pat, shop)
        busy = {"type": "status", "status": 503, "body": {"error": "Try again later"}}
        mock.fault("/api/v1/statuses", busy, ["POST"])
        url = reverse("reply", args=[convo.workspace.slug, convo.pk])
        signed_in.post(url, {"text": "Sorry Pat!", "resolve": "1"})
        reply = Reply.objects.get()
        convo.refresh_from_db()
        assert reply.status == ReplyStatus.QUEUED and reply.retry_at is not None
        assert convo.status == "resolved"  # stored for sending: resolved, as the button says
        refusal = {"error": "Validation failed: Text contains a blocked link"}
        mock.fault("/api/v1/statuses", {"type": "status", "status": 422, "body": refusal}, ["POST"])
        clock.move_to(reply.retry_at)
        send_due()
    reply.refresh_from_db()
    convo.refresh_from_db()
    assert reply.status == ReplyStatus.FAILED
    assert (convo.status, convo.resolved_at) == ("open", None)  # nothing went: open again
