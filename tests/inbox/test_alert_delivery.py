"""Alerts that cannot go out: header values on one line, failures retried, the batch goes on."""

import mailbox
from datetime import UTC, datetime, timedelta

import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from porch.inbox.alerts import RETRY_WAITS, maybe_alert
from porch.inbox.models import Conversation
from porch.inbox.tasks import retry_alert
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
