"""Weekly reports that cannot go out: each workspace on its own, recorded and retried."""

import mailbox
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import override_settings

from porch.insights.models import SentReport
from porch.insights.report import send_due_reports
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.conftest import free_port
from tests.inbox.test_clock_alerts import smtp
from tests.insights.test_report import WEEK, week_of_work

__all__ = ["smtp", "week_of_work"]

pytestmark = pytest.mark.clock

MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_a_workspace_name_with_a_line_break_stops_no_one(week_of_work: ConnectedAccount) -> None:
    user = services.create_user("sam@shop.example", "correct horse battery staple")
    odd = services.create_workspace(user, "Odd shop", "Europe/London")
    Workspace.objects.filter(pk=odd.pk).update(name="x\nBcc: evil@example.com")
    sent = send_due_reports(MONDAY_MORNING)
    assert sorted(sent) == sorted([f"{week_of_work.workspace.slug} {WEEK}", f"{odd.slug} {WEEK}"])
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects[1] == f"x Bcc: evil@example.com: your week on social media ({WEEK})"
    assert all("Bcc" not in message.message() for message in mail.outbox)
    assert all(message.bcc == [] for message in mail.outbox)


def test_a_report_the_mail_server_refused_is_recorded_and_sent_next_hour(
    smtp: mailbox.Maildir, week_of_work: ConnectedAccount, settings
) -> None:
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens
    (line,) = send_due_reports(MONDAY_MORNING)
    assert line.startswith(f"{week_of_work.workspace.slug} {WEEK} failed, retried next hour: ")
    assert "Connection refused" in line and "\n" not in line
    assert not SentReport.objects.exists()

    settings.EMAIL_PORT = working_port
    later = MONDAY_MORNING + timedelta(hours=1)
    assert send_due_reports(later) == [f"{week_of_work.workspace.slug} {WEEK}"]
    assert [m["Subject"] for m in smtp] == [f"Corner Bakery: your week on social media ({WEEK})"]
    assert send_due_reports(later + timedelta(days=2)) == []
