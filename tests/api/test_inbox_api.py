"""The inbox through the API: the page's order and filters, cursor pages, the conversation
and its messages, status/assignee/intent changes, notes, replies and their approval; another
workspace's ids are a 404 that changes nothing; a read-only token cannot write."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.inbox.models import Conversation, Message, Note, Reply, ReplyStatus
from porch.networks.fake import store as fake
from porch.triage.models import TriageCorrection
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import PASSWORD, add_member
from tests.inbox.test_inbox import conversation

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
AT = NOW - timedelta(days=1)


@pytest.fixture(autouse=True)
def now() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop.test")


@pytest.fixture
def api(owner: User, workspace: Workspace) -> Api:
    return Api(token_text(member_of(workspace, owner)))


@pytest.fixture
def theirs() -> tuple[Conversation, Reply]:
    """Another workspace's conversation with a reply waiting for approval."""
    stranger = workspaces.create_user("x@other.example", PASSWORD)
    other = workspaces.create_workspace(stranger, "Other")
    account = ConnectedAccount.objects.create(workspace=other, network="fake", handle="o.test")
    convo = conversation(account, 1, "complaint", AT)
    reply = Reply.objects.create(conversation=convo, text="hi", status=ReplyStatus.PENDING)
    return convo, reply


def on_the_network(convo: Conversation) -> Conversation:
    """The conversation's first message is a real post on the fake network (to reply to)."""
    posted = fake.customer_post(convo.contact_handle, "hello", to=convo.account.handle)
    convo.messages.update(external_id=posted)
    return convo


def handles(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.json()
    return [c["contact_handle"] for c in answer.json()["items"]]


def test_the_queue_is_in_the_pages_order_with_its_filters(
    api: Api, account: ConnectedAccount, owner: User, workspace: Workspace
) -> None:
    other = ConnectedAccount.objects.create(workspace=workspace, network="mastodon", handle="m")
    conversation(account, 1, "praise", AT)
    conversation(account, 2, "complaint", AT + timedelta(minutes=1), urgency=0.2)
    conversation(account, 3, "complaint", AT + timedelta(minutes=2), urgency=0.9)
    conversation(other, 4, "question", AT, assigned_to=owner)
    conversation(account, 5, "spam", AT, status="resolved")
    assert handles(api.get("/conversations")) == ["person3", "person2", "person4", "person1"]
    assert handles(api.get("/conversations", intent="complaint")) == ["person3", "person2"]
    assert handles(api.get("/conversations", account=other.pk)) == ["person4"]
    assert handles(api.get("/conversations", network="mastodon")) == ["person4"]
    assert handles(api.get("/conversations", status="resolved")) == ["person5"]
    assert len(handles(api.get("/conversations", status="all"))) == 5
    assert handles(api.get("/conversations", assignee="me")) == ["person4"]
    owner_member = member_of(workspace, owner).pk
    assert handles(api.get("/conversations", assignee=str(owner_member))) == ["person4"]
    assert handles(api.get("/conversations", assignee="none")) == ["person3", "person2", "person1"]
    assert handles(api.get("/conversations", q="text 2")) == ["person2"]
    first = api.get("/conversations", assignee="me").json()["items"][0]
    assert first["assignee"] == {"member_id": owner_member, "email": "owner@bakery.example"}
    assert (first["network"], first["preview"]) == ("mastodon", "text 4 question")


def test_walking_every_page_gives_each_conversation_once(
    api: Api, account: ConnectedAccount
) -> None:
    for n in range(23):
        intent = ["complaint", "question", "praise"][n % 3]
        conversation(account, n, intent, AT + timedelta(minutes=n % 4), urgency=(n % 5) / 5)
    expected = handles(api.get("/conversations", limit=200))
    for limit in (1, 4, 7):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            answer = api.get("/conversations", **params).json()
            seen += [c["contact_handle"] for c in answer["items"]]
            cursor = answer["next_cursor"]
            if cursor is None:
                break
        assert seen == expected and len(set(seen)) == 23
    cursor = api.get("/conversations", limit=2).json()["next_cursor"]
    mixed = api.get("/conversations", limit=2, cursor=cursor, intent="praise")
    assert mixed.status_code == 400
    assert mixed.json()["error"]["code"] == "cursor_for_other_filters"


def test_a_conversation_and_its_messages_paged_oldest_first(
    api: Api, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", AT, urgency=0.8)
    for n in range(4):
        Message.objects.create(
            workspace=account.workspace,
            account=account,
            conversation=convo,
            network="fake",
            external_id=f"m{n}",
            kind="reply",
            author_handle="person1",
            text=f"more {n}",
            sent_at=AT + timedelta(minutes=n + 1),
            sentiment="negative",
        )
    Note.objects.create(conversation=convo, text="called her")
    detail = api.get(f"/conversations/{convo.pk}").json()
    assert detail["contact"]["handle"] == "person1"
    assert (detail["intent"], detail["urgency"], detail["sentiment"]) == (
        "complaint",
        0.8,
        "negative",
    )
    assert detail["alert"] == {"alerted_at": None, "deliveries": []}
    assert [n["text"] for n in detail["notes"]] == ["called her"]
    texts, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = api.get(f"/conversations/{convo.pk}/messages", **params).json()
        texts += [m["text"] for m in answer["items"]]
        if (cursor := answer["next_cursor"]) is None:
            break
    assert texts == ["text 1 complaint", "more 0", "more 1", "more 2", "more 3"]


def test_status_assignee_and_an_intent_correction(
    api: Api, account: ConnectedAccount, workspace: Workspace
) -> None:
    convo = conversation(account, 1, "question", AT)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    helper_id = member_of(workspace, helper).pk
    body = {"status": "resolved", "intent": "complaint", "assignee_id": helper_id}
    answer = api.patch(f"/conversations/{convo.pk}", body)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["assignee"]["member_id"] == helper_id
    convo.refresh_from_db()
    assert (convo.status, convo.intent, convo.assigned_to) == ("resolved", "complaint", helper)
    assert TriageCorrection.objects.get().intent == "complaint"
    assert api.patch(f"/conversations/{convo.pk}", {"status": "open"}).status_code == 200
    convo.refresh_from_db()
    assert (convo.status, convo.assigned_to) == ("open", helper)  # what was not sent stays
    api.patch(f"/conversations/{convo.pk}", {"assignee_id": None})
    convo.refresh_from_db()
    assert convo.assigned_to is None


def test_notes_and_an_owners_reply(api: Api, account: ConnectedAccount, owner: User) -> None:
    convo = on_the_network(conversation(account, 1, "question", AT))
    note = api.post(f"/conversations/{convo.pk}/notes", {"text": "VIP"})
    assert note.status_code == 201 and note.json()["text"] == "VIP"
    reply = api.post(f"/conversations/{convo.pk}/replies", {"text": "Thanks!"})
    assert reply.status_code == 201, reply.json()
    assert reply.json()["status"] == "sent"
    assert Reply.objects.get().author == owner


def test_a_helpers_reply_awaits_approval_then_the_owner_decides(
    api: Api, account: ConnectedAccount, workspace: Workspace
) -> None:
    convo = on_the_network(conversation(account, 1, "complaint", AT))
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper = Api(token_text(member_of(workspace, helper)))
    first = as_helper.post(f"/conversations/{convo.pk}/replies", {"text": "So sorry!"})
    assert first.status_code == 201
    assert (first.json()["status"], first.json()["status_text"]) == (
        "pending",
        "Waiting for approval",
    )
    pending = first.json()["id"]
    refused = as_helper.post(f"/replies/{pending}/approve")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    back = api.post(f"/replies/{pending}/send-back", {"comment": "Offer a refund"})
    assert back.status_code == 200 and back.json()["status"] == "returned"
    again = api.post(f"/replies/{pending}/approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert as_helper.post(f"/replies/{pending}/discard").json() == {
        "id": pending,
        "discarded": True,
    }
    assert not Reply.objects.exists()
    second = as_helper.post(f"/conversations/{convo.pk}/replies", {"text": "Refund on us"})
    approved = api.post(f"/replies/{second.json()['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "sent"
    in_reply_to = convo.messages.get(kind="mention").external_id
    failed = Reply.objects.create(
        conversation=convo, text="x", in_reply_to=in_reply_to, status=ReplyStatus.FAILED
    )
    retried = api.post(f"/replies/{failed.pk}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "sent"
    assert api.post(f"/replies/{failed.pk}/retry").status_code == 409


def test_another_workspaces_ids_are_404_and_nothing_changes(
    api: Api, theirs: tuple[Conversation, Reply]
) -> None:
    convo, reply = theirs
    c, r = convo.pk, reply.pk
    calls = [
        ("get", f"/conversations/{c}", None),
        ("get", f"/conversations/{c}/messages", None),
        ("patch", f"/conversations/{c}", {"status": "resolved"}),
        ("post", f"/conversations/{c}/notes", {"text": "x"}),
        ("post", f"/conversations/{c}/replies", {"text": "x"}),
        ("post", f"/replies/{r}/approve", None),
        ("post", f"/replies/{r}/send-back", {"comment": "x"}),
        ("post", f"/replies/{r}/retry", None),
        ("post", f"/replies/{r}/discard", None),
    ]
    for method, path, body in calls:
        answer = (
            getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        )
        assert answer.status_code == 404, (method, path)
        assert answer.json()["error"]["code"] == "not_found"
    convo.refresh_from_db()
    reply.refresh_from_db()
    assert (convo.status, reply.status) == ("open", ReplyStatus.PENDING)
    assert not Note.objects.exists() and Reply.objects.count() == 1
    assert handles(api.get("/conversations", status="all")) == []


def test_a_read_only_token_cannot_write(
    owner: User, workspace: Workspace, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", AT)
    reply = Reply.objects.create(conversation=convo, text="hi", status=ReplyStatus.PENDING)
    reader = Api(token_text(member_of(workspace, owner), ["read"]))
    calls = [
        ("patch", f"/conversations/{convo.pk}", {"status": "resolved"}),
        ("post", f"/conversations/{convo.pk}/notes", {"text": "x"}),
        ("post", f"/conversations/{convo.pk}/replies", {"text": "x"}),
        ("post", f"/replies/{reply.pk}/approve", {}),
        ("post", f"/replies/{reply.pk}/send-back", {"comment": "x"}),
        ("post", f"/replies/{reply.pk}/retry", {}),
        ("post", f"/replies/{reply.pk}/discard", {}),
    ]
    for method, path, body in calls:
        answer = getattr(reader, method)(path, body)
        assert answer.status_code == 403, (method, path)
        assert answer.json()["error"]["code"] == "scope_missing"
    convo.refresh_from_db()
    assert convo.status == "open" and Reply.objects.get().status == ReplyStatus.PENDING
    writer = Api(token_text(member_of(workspace, owner), ["read", "write"]))
    refused = writer.post(f"/conversations/{convo.pk}/replies", {"text": "x"})
    assert refused.json()["error"]["code"] == "scope_missing"


def test_bad_input_is_a_422_with_fields(api: Api, account: ConnectedAccount) -> None:
    convo = conversation(account, 1, "complaint", AT)
    cases = [
        api.get("/conversations", intent="angry"),
        api.get("/conversations", assignee="someone"),
        api.get("/conversations", assignee="²"),
        api.patch(f"/conversations/{convo.pk}", {"status": "closed"}),
        api.post(f"/conversations/{convo.pk}/notes", {"text": ""}),
        api.post(f"/conversations/{convo.pk}/replies", {}),
    ]
    for answer in cases:
        assert answer.status_code == 422, answer.json()
        assert answer.json()["error"]["code"] == "invalid_input"
        assert answer.json()["error"]["fields"]
    assert handles(api.get("/conversations", assignee="999999")) == []  # no such member
    stranger = api.patch(f"/conversations/{convo.pk}", {"assignee_id": 999999})
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "not_found"
    for blank in ("   ", "\x1e\n"):
        for path, field in (("replies", "text"), ("notes", "text")):
            answer = api.post(f"/conversations/{convo.pk}/{path}", {field: blank})
            assert answer.status_code == 422 and answer.json()["error"]["fields"]
    assert api.get("/conversations/99999999999999999999").status_code == 422
    bad = api.get("/conversations", cursor="not-ours")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"
    assert not Reply.objects.exists() and not Note.objects.exists()


def test_a_helper_reads_the_queue_too(workspace: Workspace, account: ConnectedAccount) -> None:
    conversation(account, 1, "question", AT)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper = Api(token_text(Membership.objects.get(user=helper, workspace=workspace)))
    assert handles(as_helper.get("/conversations")) == ["person1"]


def test_a_repeated_write_with_the_same_key_does_nothing_twice(
    api: Api, account: ConnectedAccount
) -> None:
    convo = on_the_network(conversation(account, 1, "question", AT))
    path = f"/conversations/{convo.pk}/replies"
    first = api.post(path, {"text": "Thanks!"}, Idempotency_Key="reply-1")
    again = api.post(path, {"text": "Thanks!"}, Idempotency_Key="reply-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Reply.objects.count() == 1 and len(fake.replies_to("person1")) == 1
    api.post(f"/conversations/{convo.pk}/notes", {"text": "VIP"}, Idempotency_Key="note-1")
    api.post(f"/conversations/{convo.pk}/notes", {"text": "VIP"}, Idempotency_Key="note-1")
    assert Note.objects.count() == 1
