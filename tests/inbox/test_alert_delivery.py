"""Alerts that cannot go out: header values on one line, failures retried, the batch goes on;
what went out is never sent again, a worker that dies after sending is taken over, and what
the old alert webhook left queued settles without holding the alert back."""

import mailbox
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from porch.inbox import alerts
from porch.inbox.alerts import RETRY_WAITS, maybe_alert
from porch.inbox.models import AlertDelivery, AlertStatus, Conversation
from porch.inbox.tasks import retry_alert, send_alert, send_due_alerts
from porch.workspaces.models import Workspace
from tests.conftest import free_port
from tests.inbox.test_clock_alerts import complaint, smtp

__all__ = ["smtp"]

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def second_complaint(workspace: Workspace, handle: str) -> tuple[Conversation, Conversation]:
    first = complaint(workspace, urgency=0.9)
    other = Conversation.objects.create(
        workspace=workspace,
        account=first.account,
        root_external_id="r2",
        contact_handle=handle,
        intent="complaint",
        urgency=0.9,
        first_message_at=NOW,
        last_message_at=NOW,
    )
    Conversation.objects.filter(pk=first.pk).update(contact_handle="maria\nBcc: evil@example.com")
    first.refresh_from_db()
    return first, other


def test_a_handle_with_a_line_break_is_alerted_on_one_line_and_the_batch_goes_on(
    smtp: mailbox.Maildir, workspace: Workspace, django_capture_on_commit_callbacks
) -> None:
    bad, good = second_complaint(workspace, "jo")
    with django_capture_on_commit_callbacks(execute=True):  # as ingest alerts a batch
        transaction.on_commit(lambda: maybe_alert(bad))
        transaction.on_commit(lambda: maybe_alert(good))
    mails = sorted(smtp, key=lambda m: m["Subject"])
    assert [m["Subject"] for m in mails] == [
        "Complaint from jo on Bluesky",
        "Complaint from maria Bcc: evil@example.com on Bluesky",
    ]
    assert all(m["Bcc"] is None and m["To"] == "owner@bakery.example" for m in mails)
    assert Conversation.objects.filter(alerted_at__isnull=True).count() == 0


def test_an_alert_that_fails_stays_unclaimed_and_is_retried_later(
    smtp: mailbox.Maildir, workspace: Workspace, settings
) -> None:
    convo = complaint(workspace, urgency=0.9)
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens
    with time_machine.travel(NOW, tick=False):
        assert maybe_alert(convo) is False
    convo.refresh_from_db()
    assert convo.alerted_at is None and list(smtp) == []
    (queued,) = DBTaskResult.objects.filter(task_path="porch.inbox.tasks.retry_alert")
    assert queued.args_kwargs["args"] == [convo.pk, 1]
    assert queued.run_after == NOW + timedelta(seconds=RETRY_WAITS[0])

    settings.EMAIL_PORT = working_port  # the mail server is back when the retry runs
    assert retry_alert.call(convo.pk, 1) is True
    assert [m["Subject"] for m in smtp] == ["Complaint from maria on Bluesky"]
    assert retry_alert.call(convo.pk, 1) is False  # sent once only


def test_an_alert_is_given_up_after_the_last_wait(workspace: Workspace, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    convo = complaint(workspace, urgency=0.9)
    with time_machine.travel(NOW, tick=False):
        assert maybe_alert(convo, attempt=len(RETRY_WAITS)) is False
    assert not DBTaskResult.objects.filter(task_path="porch.inbox.tasks.retry_alert").exists()


def test_a_worker_that_dies_between_send_and_mark_is_taken_over_with_the_same_key(
    workspace: Workspace, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    convo = complaint(workspace, urgency=0.9)
    marked = alerts.mark_sent

    def dies_after_sending(delivery: AlertDelivery, sender: str) -> None:
        raise SystemExit("the worker was killed")

    monkeypatch.setattr(alerts, "mark_sent", dies_after_sending)
    with time_machine.travel(NOW, tick=False), pytest.raises(SystemExit):
        send_alert.call(convo.pk)
    monkeypatch.setattr(alerts, "mark_sent", marked)
    assert len(mail.outbox) == 1

    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert retry_alert.call(convo.pk, 1) is False  # its claim may still be sending
    assert len(mail.outbox) == 1
    lease_over = NOW + timedelta(seconds=settings.PUBLISH_LEASE + 1)
    with time_machine.travel(lease_over, tick=False):
        assert retry_alert.call(convo.pk, 2) is True  # taken over: sent again, same key
        assert retry_alert.call(convo.pk, 3) is False
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    email = AlertDelivery.objects.get(conversation=convo, channel="email")
    assert (email.status, email.attempts) == (AlertStatus.SENT, 2)


def test_a_delivery_left_by_the_old_alert_webhook_settles_unsent_and_the_email_alerts(
    workspace: Workspace,
) -> None:
    """The alert webhook became a webhook endpoint of the API (its migration): a delivery
    it had queued is never retried, and does not hold the conversation's alert back."""
    convo = complaint(workspace, urgency=0.9)
    AlertDelivery.objects.create(conversation=convo, channel="email")  # recorded together
    left = AlertDelivery.objects.create(conversation=convo, channel="webhook")
    with time_machine.travel(NOW, tick=False):
        assert send_alert.call(convo.pk) is True
    left.refresh_from_db()
    assert left.status == AlertStatus.FAILED and "webhooks page" in left.error
    assert [m.subject for m in mail.outbox] == ["Complaint from maria on Bluesky"]
    assert not DBTaskResult.objects.filter(task_path="porch.inbox.tasks.retry_alert").exists()
    convo.refresh_from_db()
    assert convo.alerted_at is not None


def test_an_alert_whose_task_was_lost_is_sent_by_the_sweep_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    convo = complaint(workspace, urgency=0.9)
    monkeypatch.setattr(alerts, "_enqueue", lambda *args: None)  # the queue refused the task
    stored = django_capture_on_commit_callbacks(execute=True)
    with time_machine.travel(NOW, tick=False), stored, transaction.atomic():  # as the sink does
        alerts.alert_soon(convo)
    assert mail.outbox == []
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert send_due_alerts.call() == 0  # the task may still be on its way
    with time_machine.travel(NOW + timedelta(seconds=alerts.SWEEP_AFTER + 1), tick=False):
        assert send_due_alerts.call() == 1
        assert send_due_alerts.call() == 0
    assert [m.subject for m in mail.outbox] == ["Complaint from maria on Bluesky"]


def test_a_given_up_alert_goes_out_when_a_new_urgent_message_arrives(
    smtp: mailbox.Maildir, workspace: Workspace, settings
) -> None:
    convo = complaint(workspace, urgency=0.9)
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens
    with time_machine.travel(NOW, tick=False):
        assert maybe_alert(convo, attempt=len(RETRY_WAITS)) is False  # the last try: given up
    assert AlertDelivery.objects.get(conversation=convo).status == AlertStatus.FAILED
    settings.EMAIL_PORT = working_port
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        alerts.alert_soon(convo)  # the customer writes again, as urgently
        assert send_alert.call(convo.pk) is True
    assert [m["Subject"] for m in smtp] == ["Complaint from maria on Bluesky"]


def test_the_demos_made_up_complaints_never_alert(workspace: Workspace) -> None:
    convo = complaint(workspace, urgency=0.99)
    Conversation.objects.filter(pk=convo.pk).update(is_demo=True)
    convo.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        alerts.alert_soon(convo)
        assert send_alert.call(convo.pk) is False
        assert send_due_alerts.call() == 0
    assert mail.outbox == [] and not AlertDelivery.objects.exists()
