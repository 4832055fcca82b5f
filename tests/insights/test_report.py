"""The weekly report: figures and charts as a page, a PDF (read back as text) and an email."""

import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.core import mail
from django.test import Client, override_settings
from pypdf import PdfReader
from time_machine import TimeMachineFixture

from porch.cli import main
from porch.inbox.models import Conversation, Intent, Message
from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.influence import daily_engagement, daily_sentiment
from porch.insights.models import FollowerSample, SentReport
from porch.insights.report import build_report, render_pdf, send_due_reports
from porch.workspaces.models import ConnectedAccount, Workspace

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture
def week_of_work(x_account: ConnectedAccount) -> ConnectedAccount:
    store_posts(
        x_account,
        [
            ImportedPost(
                str(n),
                "post",
                MONDAY + timedelta(days=n % 7, hours=9),
                "Fresh bread",
                likes=10 + n,
                reposts=2,
            )
            for n in range(6)
        ]
        + [ImportedPost("99", "post", MONDAY - timedelta(days=3), "Last week", likes=500)],
    )
    FollowerSample.objects.create(account=x_account, followers=200, taken_at=MONDAY)
    FollowerSample.objects.create(
        account=x_account, followers=214, taken_at=MONDAY + timedelta(days=6)
    )
    ws = x_account.workspace
    for n, (minutes, mood) in enumerate([(12, "negative"), (45, "positive"), (300, "neutral")]):
        first = MONDAY + timedelta(days=n, hours=10)
        talk = Conversation.objects.create(
            workspace=ws,
            account=x_account,
            root_external_id=f"c{n}",
            contact_handle=f"p{n}",
            intent=Intent.QUESTION,
            first_message_at=first,
            last_message_at=first,
            first_response_at=first + timedelta(minutes=minutes),
        )
        Message.objects.create(
            workspace=ws,
            account=x_account,
            conversation=talk,
            network="x",
            external_id=f"m{n}",
            kind="mention",
            author_handle=f"p{n}",
            text="hi",
            sent_at=first,
            sentiment=mood,
        )
    return x_account


@pytest.mark.clock
def test_report_figures_cover_the_week_only(week_of_work: ConnectedAccount) -> None:
    report = build_report(week_of_work.workspace, WEEK)
    lines = dict(report.lines())
    assert lines["Posts"] == "6"
    assert lines["Engagement"] == str(sum(10 + n + 2 for n in range(6)))  # 87
    assert lines["Reposts per post"] == "2.0"
    assert lines["Follower change"] == "+14"
    assert lines["Conversations answered"] == "3 (0 not yet)"
    assert lines["Median time to first answer"] == "45 min"
    assert lines["Impressions"] == "not reported by these networks"


def test_pdf_read_back_as_text_shows_the_figures(week_of_work: ConnectedAccount) -> None:
    pdf = render_pdf(build_report(week_of_work.workspace, WEEK))
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Corner Bakery: week 2026-W47" in text
    for expected in [
        "Posts: 6",
        "Engagement: 87",
        "Follower change: +14",
        "Median time to first answer: 45 min",
    ]:
        assert expected in text
    assert sum(len(page.images) for page in reader.pages) == 4  # the four charts


def test_report_page_has_the_figures_and_four_inline_svg_charts(
    signed_in: Client, week_of_work: ConnectedAccount, workspace: Workspace
) -> None:
    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week={WEEK}")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<svg") == 4
    assert 'href="http' not in body and '<script src="http' not in body  # nothing from a CDN
    assert "Engagement over time" in body and "Best hours to post" in body
    pdf = signed_in.get(f"/w/{workspace.slug}/insights/report.pdf?week={WEEK}")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_bad_week_gets_a_plain_message(signed_in: Client, workspace: Workspace) -> None:
    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week=last+week", follow=True)
    assert "is not a week: write it like 2026-W47" in page.content.decode()


def test_another_workspace_cannot_see_the_report(
    client: Client, week_of_work: ConnectedAccount
) -> None:
    from porch.workspaces import services

    stranger = services.create_user("other@bikes.example", "another long password 99")
    client.force_login(stranger)
    slug = week_of_work.workspace.slug
    assert client.get(f"/w/{slug}/insights/report/?week={WEEK}").status_code == 404
    assert client.get(f"/w/{slug}/insights/").status_code == 404


def test_the_report_page_shows_last_week_on_the_workspaces_calendar(
    signed_in: Client, workspace: Workspace, time_machine: TimeMachineFixture
) -> None:
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    # Sunday 14 June 20:30 in New York is Monday 15 June in UTC: last week is still W23.
    time_machine.move_to(datetime(2026, 6, 15, 0, 30, tzinfo=UTC), tick=False)
    body = signed_in.get(f"/w/{workspace.slug}/insights/report/").content.decode()
    assert "Your week on social media: 01 Jun - 07 Jun 2026" in body
    assert 'href="?week=2026-W22" rel="prev"' in body and 'href="?week=2026-W24"' in body


def test_a_workspace_made_this_week_sees_this_week_so_far(
    signed_in: Client, workspace: Workspace, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 6, 17, 9, tzinfo=UTC), tick=False)
    Workspace.objects.filter(pk=workspace.pk).update(created_at=datetime(2026, 6, 16, tzinfo=UTC))
    body = signed_in.get(f"/w/{workspace.slug}/insights/report/").content.decode()
    assert "Your week on social media: 15 Jun - 21 Jun 2026" in body


def test_daily_figures_count_on_the_workspaces_days(x_account: ConnectedAccount) -> None:
    workspace = x_account.workspace
    start = datetime.combine(date(2026, 6, 15), time(0), ZoneInfo("Europe/London"))
    early = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # Monday 00:30 in London, Sunday in UTC
    store_posts(x_account, [ImportedPost("1", "post", early, "First loaves", likes=3)])
    talk = Conversation.objects.create(
        workspace=workspace,
        account=x_account,
        root_external_id="c1",
        contact_handle="ann",
        first_message_at=early,
        last_message_at=early,
    )
    Message.objects.create(
        workspace=workspace,
        account=x_account,
        conversation=talk,
        network="x",
        external_id="m1",
        kind="mention",
        author_handle="ann",
        text="up early!",
        sent_at=early,
        sentiment="positive",
    )
    end = start + timedelta(days=7)
    assert daily_engagement(workspace, start, end) == [(date(2026, 6, 15), 1, 3)]
    days = daily_sentiment(workspace, start, end)
    assert list(days) == [date(2026, 6, 15) + timedelta(days=n) for n in range(7)]
    assert days[date(2026, 6, 15)]["positive"] == 1


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
@pytest.mark.clock
def test_monday_morning_emails_last_weeks_report_once(week_of_work: ConnectedAccount) -> None:
    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert send_due_reports(monday_morning) == [f"{week_of_work.workspace.slug} {WEEK}"]
    assert send_due_reports(monday_morning + timedelta(hours=1)) == []
    (sent,) = mail.outbox
    assert sent.to == ["owner@bakery.example"] and WEEK in sent.subject
    assert "Posts: 6" in sent.body
    names = [a.get_filename() if hasattr(a, "get_filename") else a[0] for a in sent.attachments]
    assert "porch-report-2026-W47.pdf" in names and "engagement.png" in names
    assert SentReport.objects.count() == 1


def test_cli_report_writes_the_pdf(tmp_path: Path, week_of_work: ConnectedAccount) -> None:
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(main, ["report", "--week", WEEK, "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert "Posts: 6" in result.output and out.read_bytes().startswith(b"%PDF")
    bad = CliRunner().invoke(main, ["report", "--week", "2026-W60"])
    assert bad.exit_code == 1 and "that year has no week 60" in bad.output
