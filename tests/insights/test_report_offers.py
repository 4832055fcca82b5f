"""The weekly report has a line per offer that ran or was redeemed in the week, in the page,
the PDF and the email; a week without offers has none."""

import io
from datetime import UTC, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.test import Client
from pypdf import PdfReader
from time_machine import TimeMachineFixture

from porch.insights.report import build_report, render_pdf, send_report
from porch.offers.models import Give, Offer
from porch.workspaces.models import Workspace
from tests.offers.test_results import END, per_person_offer

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026: the loaf offer's first week
LINE = (
    "Followers' loaf: 6 codes given, 3 redeemed (50% of codes), 20.50 in sales; 2 new, 1 returning"
)


def test_each_offer_of_the_week_has_its_line_everywhere(
    signed_in: Client,
    workspace: Workspace,
    time_machine: TimeMachineFixture,
    mailoutbox: list[EmailMultiAlternatives],
) -> None:
    time_machine.move_to(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False)
    per_person_offer(workspace)
    Offer.objects.create(  # the week after: not in this report
        workspace=workspace,
        title="Advent",
        give=Give.SHARED,
        shared_code="ADVENT",
        starts_at=END,
        ends_at=END + timedelta(days=20),
    )
    report = build_report(workspace, WEEK)
    assert report.offer_lines() == [LINE]

    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week={WEEK}").content.decode()
    assert "<h2>Offers</h2>" in page and LINE.replace("'", "&#x27;") in page
    assert "Advent" not in page
    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "Offers" in text and "3 redeemed (50% of codes), 20.50 in sales" in text
    send_report(report, ["owner@bakery.example"])
    (sent,) = mailoutbox
    assert f"Offers\n- {LINE}" in sent.body
    assert "<h2>Offers</h2>" in str(sent.alternatives[0][0])


def test_a_week_without_offers_has_no_offer_section(
    signed_in: Client, workspace: Workspace
) -> None:
    report = build_report(workspace, WEEK)
    assert report.offers == [] and report.offer_lines() == []
    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week={WEEK}").content.decode()
    assert "<h2>Offers</h2>" not in page
