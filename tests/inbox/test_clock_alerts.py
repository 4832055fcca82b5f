"""Response clocks in business hours, and alerts that arrive once at a real SMTP server."""

import mailbox
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from porch.inbox.alerts import in_quiet_hours, maybe_alert
from porch.inbox.clock import BusinessHours, business_seconds, percentile, week_stats
from porch.inbox.models import Conversation, InboxSettings, Message
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.conftest import free_port

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)

LONDON = BusinessHours("Europe/London", time(9), time(17), frozenset(range(5)))


def test_business_time_skips_nights_and_weekends() -> None:
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    monday_10am = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert business_seconds(LONDON, friday_4pm, monday_10am) == 2 * 3600


def test_business_time_is_dst_correct() -> None:
    # Sunday 29 March 2026 London moves to BST; Monday 9:00 local is 08:00 UTC.
    before = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)  # Friday 16:30 GMT
    after = datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # Monday 09:30 BST
    assert business_seconds(LONDON, before, after) == 3600


def test_weekly_median_p90_and_share_within_target() -> None:
    waits = [m * 60.0 for m in (5, 10, 20, 30, 45, 50, 55, 70, 90, 240)]
    stats = week_stats("2026-W47", waits, target_minutes=60)
    assert (stats.answered, stats.median_minutes, stats.p90_minutes) == (10, 47.5, 90)
    assert stats.within_target == 0.7
    assert percentile([1.0], 0.9) == 1.0


@pytest.fixture
def smtp(tmp_path: Path, settings) -> Iterator[mailbox.Maildir]:
    box = mailbox.Maildir(tmp_path / "mail", create=True)
    port = free_port()
    controller = Controller(Mailbox(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield box
    controller.stop()


def complaint(workspace: Workspace, urgency: float) -> Conversation:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="s.test"
    )
    at = datetime.now(UTC)
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="r1",
        contact_handle="maria",
        intent="complaint",
        urgency=urgency,
        first_message_at=at,
        last_message_at=at,
    )
    Message.objects.create(
        workspace=workspace,
        account=account,
        conversation=convo,
        network="bluesky",
        external_id="r1",
        kind="mention",
        author_handle="maria",
        text="My cake never came and the party is at 3!",
        sent_at=at,
    )
    return convo


def test_an_urgent_complaint_emails_the_owner_once(
    smtp: mailbox.Maildir, workspace: Workspace
) -> None:
    convo = complaint(workspace, urgency=0.9)
    assert maybe_alert(convo) is True
    assert maybe_alert(convo) is False
    mails = list(smtp)
    assert len(mails) == 1
    assert mails[0]["To"] == "owner@bakery.example"
    assert "Complaint from maria on Bluesky" in mails[0]["Subject"]
    assert "party is at 3" in mails[0].get_payload()


def test_a_mild_complaint_and_quiet_hours_send_nothing(
    smtp: mailbox.Maildir, workspace: Workspace
) -> None:
    assert maybe_alert(complaint(workspace, urgency=0.3)) is False
    config = InboxSettings.of(workspace)
    config.quiet_from, config.quiet_until = time(22), time(7)
    config.save()
    assert in_quiet_hours(config, datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    assert not in_quiet_hours(config, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert list(smtp) == []


def test_closing_at_midnight_counts_to_the_end_of_the_day() -> None:
    all_day = BusinessHours("Europe/London", time(0), time(0), frozenset(range(7)))
    evening = BusinessHours("Europe/London", time(18), time(0), frozenset({4}))
    friday_11pm = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    saturday_1am = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert business_seconds(all_day, friday_11pm, saturday_1am) == 2 * 3600
    assert business_seconds(evening, friday_11pm, saturday_1am) == 3600
