"""Webhooks to a real receiver on loopback: signed, in order, retried on schedule, given up.

The receiver is an http.server in a thread answering from a script; the real delivery
functions are called with stepped times (they take `now`), so no test waits on the clock.
"""

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from porch.api.hooks import delivery, services
from porch.api.models import (
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
)
from porch.core import events
from porch.core.events import EventType, emit
from porch.core.fetch import PRIVATE
from porch.errors import NotAllowed
from porch.workspaces.models import Membership, Notice, Role, Workspace
from tests.conftest import add_member

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def event_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kinds of event these tests emit, whether or not the features registered them yet."""
    for name in ("post.published", "complaint.arrived", "offer.redeemed"):
        monkeypatch.setitem(events.EVENT_TYPES, name, EventType(name, name))


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # wait for this before answering (a slow receiver)


@dataclass
class Receiver:
    url: str
    script: list[Answer]
    got: list[tuple[dict[str, str], bytes]]

    def ids(self) -> list[str]:
        return [h["webhook-id"] for h, _ in self.got]

    def types(self) -> list[str]:
        return [
            json.loads(b)["type"] + ":" + str(json.loads(b)["data"].get("n", ""))
            for _, b in self.got
        ]


@pytest.fixture(name="receiver")
def receiver_fixture(settings: Any) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (other test modules import this fixture)."""
    settings.FETCH_ALLOW_PRIVATE = True
    script: list[Answer] = []
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            answer = script.pop(0) if script else Answer()
            if answer.hold is not None:
                answer.hold.wait(10)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", script, got)
    server.shutdown()
    server.server_close()


def lead(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace, role=Role.OWNER)


def hook(
    workspace: Workspace, url: str, types: list[str] | None = None
) -> tuple[WebhookEndpoint, str]:
    made = services.create_endpoint(lead(workspace), url, types or ["post.published"], "till")
    return made.endpoint, made.secret


def published(workspace: Workspace, n: int, at: datetime = NOW) -> None:
    with transaction.atomic():
        emit(workspace.pk, "post.published", {"post": n, "n": n}, at)


def verify(secret: str, headers: dict[str, str], body: bytes) -> Any:
    stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    with time_machine.travel(stamp, tick=False):
        return Webhook(secret).verify(body, headers)


def test_an_event_arrives_signed_and_verifies(workspace: Workspace, receiver: Receiver) -> None:
    endpoint, secret = hook(workspace, receiver.url)
    published(workspace, 1)
    assert delivery.deliver_due(NOW) == 1
    [(headers, body)] = receiver.got
    assert verify(secret, headers, body)["data"] == {"post": 1, "n": 1}
    assert body == json.dumps(json.loads(body), separators=(",", ":")).encode()
    sent = WebhookDelivery.objects.get(endpoint=endpoint)
    assert sent.status == DeliveryStatus.SENT and sent.sent_at == NOW and sent.attempts == 1
    attempt = DeliveryAttempt.objects.get(delivery=sent)
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, "", "ok")


def test_an_emit_rolled_back_leaves_nothing(workspace: Workspace, receiver: Receiver) -> None:
    hook(workspace, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(workspace.pk, "post.published", {"post": 1}, NOW)
        raise RuntimeError("the write failed")
    assert not Event.objects.exists() and not WebhookDelivery.objects.exists()
    assert delivery.deliver_due(NOW) == 0 and receiver.got == []


def test_nothing_is_kept_when_no_endpoint_wants_it(
    workspace: Workspace, receiver: Receiver
) -> None:
    hook(workspace, receiver.url, ["offer.redeemed"])
    published(workspace, 1)
    assert not Event.objects.exists()
    urgent, _ = hook(workspace, receiver.url, ["complaint.arrived"])
    WebhookEndpoint.objects.filter(pk=urgent.pk).update(only_urgent=True)
    emit(workspace.pk, "complaint.arrived", {"conversation": 1, "urgent": False}, NOW)
    assert not Event.objects.exists()
    emit(workspace.pk, "complaint.arrived", {"conversation": 2, "urgent": True}, NOW)
    assert WebhookDelivery.objects.get().endpoint_id == urgent.pk


def test_retries_keep_the_id_follow_the_schedule_and_hold_the_queue(
    workspace: Workspace, receiver: Receiver
) -> None:
    _endpoint, secret = hook(workspace, receiver.url)
    receiver.script[:] = [Answer(500), Answer(500), Answer(200)]
    for n in (1, 2, 3):
        published(workspace, n)
    assert delivery.deliver_due(NOW) == 0  # the head failed: the others wait behind it
    head = WebhookDelivery.objects.order_by("pk").first()
    assert head is not None and head.retry_at == NOW + timedelta(seconds=5)
    assert delivery.deliver_due(NOW + timedelta(seconds=4)) == 0 and len(receiver.got) == 1
    assert delivery.deliver_due(NOW + timedelta(seconds=5)) == 0  # 500 again
    head.refresh_from_db()
    assert head.retry_at == NOW + timedelta(seconds=5 + 300) and head.attempts == 2
    assert delivery.deliver_due(NOW + timedelta(seconds=305)) == 3
    assert receiver.types() == ["post.published:1"] * 3 + ["post.published:2", "post.published:3"]
    assert len(set(receiver.ids()[:3])) == 1 and len(set(receiver.ids())) == 3
    for headers, body in receiver.got:
        verify(secret, headers, body)
    assert [a.status_code for a in DeliveryAttempt.objects.order_by("pk")] == [
        500,
        500,
        200,
        200,
        200,
    ]


def test_given_up_a_day_after_the_first_try(workspace: Workspace, receiver: Receiver) -> None:
    endpoint, _ = hook(workspace, receiver.url)
    receiver.script[:] = [Answer(500)] * 20
    published(workspace, 1)
    published(workspace, 2)
    at, waits = NOW, []
    while WebhookDelivery.objects.order_by("pk")[0].status == DeliveryStatus.QUEUED:
        delivery.deliver_due(at)
        head = WebhookDelivery.objects.order_by("pk")[0]
        if head.retry_at is not None and head.status == DeliveryStatus.QUEUED:
            waits.append(int((head.retry_at - at).total_seconds()))
            at = head.retry_at
    assert waits == list(delivery.RETRY_WAITS)
    assert timedelta(hours=23) < at - NOW <= timedelta(hours=24, minutes=1)
    first = WebhookDelivery.objects.order_by("pk")[0]
    assert first.status == DeliveryStatus.FAILED and first.last_status_code == 500
    assert first.attempts == len(delivery.RETRY_WAITS) + 1
    assert len(receiver.got) == 9  # the given-up head no longer holds the next one back
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).active  # failing a day: still on


def test_a_retry_after_lengthens_the_wait(workspace: Workspace, receiver: Receiver) -> None:
    hook(workspace, receiver.url)
    receiver.script[:] = [
        Answer(429, {"Retry-After": "120"}),
        Answer(503, {"Retry-After": "999999"}),
    ]
    published(workspace, 1)
    delivery.deliver_due(NOW)
    head = WebhookDelivery.objects.get()
    assert head.retry_at == NOW + timedelta(seconds=120)
    delivery.deliver_due(head.retry_at)
    head.refresh_from_db()
    assert head.retry_at == NOW + timedelta(seconds=120 + max(delivery.RETRY_WAITS))


def test_a_slow_answer_fails_and_is_retried(
    workspace: Workspace, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "SECONDS", 0.3)
    hook(workspace, receiver.url)
    slow = threading.Event()
    receiver.script[:] = [Answer(200, hold=slow)]
    published(workspace, 1)
    try:
        assert delivery.deliver_due(NOW) == 0
    finally:
        slow.set()
    head = WebhookDelivery.objects.get()
    assert head.status == DeliveryStatus.QUEUED and "longer than" in head.last_error
    assert delivery.deliver_due(head.retry_at) == 1


def test_410_gone_turns_the_endpoint_off_and_tells_the_owner(
    workspace: Workspace, receiver: Receiver
) -> None:
    endpoint, _ = hook(workspace, receiver.url)
    receiver.script[:] = [Answer(410)]
    published(workspace, 1)
    published(workspace, 2)
    delivery.deliver_due(NOW)
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    notice = Notice.objects.get(workspace=workspace)
    assert notice.account is None and receiver.url in notice.text
    published(workspace, 3)
    assert WebhookDelivery.objects.count() == 2  # an inactive endpoint gets nothing new


def test_five_days_of_failures_turn_the_endpoint_off(
    workspace: Workspace, receiver: Receiver
) -> None:
    endpoint, _ = hook(workspace, receiver.url)
    receiver.script[:] = [Answer(500)] * 3
    published(workspace, 1)
    delivery.deliver_due(NOW)
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED)
    later = NOW + timedelta(days=5)
    published(workspace, 2, later)
    delivery.deliver_due(later)
    endpoint.refresh_from_db()
    assert not endpoint.active and "5 days" in endpoint.disabled_reason


def test_a_private_address_is_refused_without_the_setting(
    workspace: Workspace, receiver: Receiver, settings: Any
) -> None:
    endpoint, _ = hook(workspace, receiver.url)
    settings.FETCH_ALLOW_PRIVATE = False
    with pytest.raises(Exception, match=PRIVATE):
        services.create_endpoint(lead(workspace), receiver.url, ["post.published"])
    published(workspace, 1)
    delivery.deliver_due(NOW)
    sent = WebhookDelivery.objects.get(endpoint=endpoint)
    assert sent.status == DeliveryStatus.FAILED and sent.last_error == PRIVATE  # no retry
    assert receiver.got == []


def test_redeliver_sends_the_same_event_again(workspace: Workspace, receiver: Receiver) -> None:
    _endpoint, secret = hook(workspace, receiver.url)
    published(workspace, 1)
    delivery.deliver_due(NOW)
    first = WebhookDelivery.objects.get()
    again = services.redeliver(lead(workspace), first)
    assert again.pk != first.pk and again.event_id == first.event_id
    delivery.deliver_due(NOW + timedelta(minutes=1))
    assert receiver.ids()[0] == receiver.ids()[1]
    verify(secret, *receiver.got[1])
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    with pytest.raises(NotAllowed):
        services.redeliver(Membership.objects.get(user=helper), first)


def test_a_claimed_endpoint_is_not_sent_twice(
    workspace: Workspace, receiver: Receiver, settings: Any
) -> None:
    endpoint, _ = hook(workspace, receiver.url)
    published(workspace, 1)
    assert delivery.claim(endpoint.pk, "another", NOW)
    assert delivery.deliver_due(NOW) == 0 and receiver.got == []
    lease = timedelta(seconds=settings.PUBLISH_LEASE + 1)
    assert delivery.deliver_due(NOW + lease) == 1  # the other sender died: taken over


def test_the_worker_sends_what_a_committed_emit_enqueued(
    transactional_db: None, receiver: Receiver
) -> None:
    from django_tasks_db.models import DBTaskResult

    from porch.core.worker import make_worker, new_worker_id
    from porch.workspaces import services as workspace_services

    owner = workspace_services.create_user("owner@bakery.example", "correct horse battery")
    workspace = workspace_services.create_workspace(owner, "Corner Bakery", "Europe/London")
    _, secret = hook(workspace, receiver.url)
    published(workspace, 1)  # commits: the listener's task is enqueued then
    queued = DBTaskResult.objects.get(task_path="porch.api.tasks.deliver_endpoint")
    make_worker(new_worker_id(), interval=0, max_tasks=1).run()
    assert DBTaskResult.objects.get(pk=queued.pk).status == "SUCCESSFUL"
    [(headers, body)] = receiver.got
    assert verify(secret, headers, body)["data"]["post"] == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SENT


def test_events_older_than_the_log_are_pruned_unless_queued(
    workspace: Workspace, receiver: Receiver
) -> None:
    hook(workspace, receiver.url)
    published(workspace, 1, NOW - timedelta(days=31))
    published(workspace, 2, NOW - timedelta(days=31))
    published(workspace, 3, NOW)
    WebhookDelivery.objects.filter(event__data__n=1).update(status=DeliveryStatus.SENT)
    assert delivery.prune(NOW) == 1
    assert sorted(Event.objects.values_list("data__n", flat=True)) == [2, 3]
