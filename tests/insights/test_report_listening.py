"""The weekly report of a workspace with searches: share of voice, top topics and the
questions people kept asking, from the week's hits only, in the page, the PDF and the email."""

import io
from datetime import UTC, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.test import Client
from pypdf import PdfReader

from porch.insights.report import build_report, render_pdf, send_report
from porch.listening.models import Hit, Search, SearchHit, SearchKind
from porch.workspaces.models import Workspace
from tests.listening.test_analytics import GLUTEN, HOURS, LATE

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026
MONDAY = datetime(2026, 11, 16, 9, tzinfo=UTC)
ASKED = [
    "what time do you open on sunday?",
    "what time do you open on sunday morning?",
    "hey, what time do you open on sunday?",
]


def heard(search: Search, texts: list[str], at: datetime, sentiment: str = "neutral") -> None:
    for text in texts:
        n = Hit.objects.count()
        hit = Hit.objects.create(
            workspace=search.workspace,
            network="bluesky",
            external_id=str(n),
            author_handle=f"person{n}",
            text=text,
            sent_at=at + timedelta(minutes=n),
            sentiment=sentiment,
        )
        SearchHit.objects.create(search=search, hit=hit, sent_at=hit.sent_at)


def searches_with_hits(workspace: Workspace) -> None:
    brand = Search.objects.create(
        workspace=workspace, name="Corner Bakery", query="corner bakery", kind=SearchKind.BRAND
    )
    rival = Search.objects.create(
        workspace=workspace, name="Big Bread", query="big bread", kind=SearchKind.COMPETITOR
    )
    heard(brand, [*LATE, *GLUTEN, *HOURS, *ASKED], MONDAY, "positive")
    heard(rival, LATE[:3], MONDAY + timedelta(days=1))
    heard(rival, GLUTEN, MONDAY - timedelta(days=3))  # the week before: not counted


def test_the_report_says_what_the_searches_heard_this_week(
    signed_in: Client, workspace: Workspace
) -> None:
    searches_with_hits(workspace)
    report = build_report(workspace, WEEK)
    assert report.listening is not None
    (voice, topics, questions) = report.listening.sections()
    assert voice == (
        "voice",
        "Share of voice",
        ["You: 92% of mentions (33), 100% positive", "Big Bread: 8% of mentions (3), 0% positive"],
    )
    assert topics[1] == "Top topics" and len(topics[2]) == 3
    assert topics[2][0].startswith("delivery, late")
    assert any("gluten" in line for line in topics[2])
    assert "what time do you open on sunday?" in questions[2][0]
    assert "(asked 3 times by 3 people)" in questions[2][0]

    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week={WEEK}").content.decode()
    for heading in ("Share of voice", "Top topics", "Open questions"):
        assert f"<h2>{heading}</h2>" in page
    assert "Big Bread: 8% of mentions (3)" in page
    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Open questions" in text and "Big Bread: 8% of mentions" in text


def test_the_email_has_the_sections_and_a_workspace_without_searches_has_none(
    workspace: Workspace, mailoutbox: list[EmailMultiAlternatives]
) -> None:
    assert build_report(workspace, WEEK).listening is None
    searches_with_hits(workspace)
    send_report(build_report(workspace, WEEK), ["owner@bakery.example"])
    (sent,) = mailoutbox
    assert "Share of voice\n- You: 92% of mentions (33), 100% positive" in sent.body
    assert "<h2>Open questions</h2>" in str(sent.alternatives[0][0])
