"""The weekly report: numbers and charts for one ISO week, as a page, a PDF and an email."""

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.mime.image import MIMEImage
from io import BytesIO
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from fpdf import FPDF
from matplotlib.figure import Figure

from porch.core.mail import header, message
from porch.core.params import in_range
from porch.errors import InputError
from porch.inbox.clock import duration_text
from porch.insights import charts
from porch.insights.coverage import Coverage, coverage
from porch.insights.formats import count
from porch.insights.influence import Influence, daily_engagement, daily_sentiment, influence
from porch.insights.models import SentReport
from porch.insights.whatworks import MIN_POSTS, Section, heat_map, what_works
from porch.listening import analytics
from porch.listening.models import Search
from porch.offers.results import OfferResults, workspace_offers
from porch.workspaces.models import Role, Workspace

log = logging.getLogger(__name__)

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class ReportError(InputError, ValueError):
    """A report that cannot be made; the message says what to change."""


def parse_week(text: str) -> date:
    """The Monday of an ISO week written like 2026-W47."""
    found = WEEK.match(text.strip())
    if not found:
        raise ReportError(f"{text!r} is not a week: write it like 2026-W47")
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ReportError(f"{text!r}: that year has no week {found[2]}") from None
    if not in_range(monday):
        raise ReportError(f"{text!r} is too far off: pick a week between 1900 and 2999")
    return monday


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Heard:
    """What the workspace's searches heard in the week: share of voice against the
    competitors, the top topics and the questions people kept asking."""

    voices: list[analytics.Voice] = field(default_factory=list)
    topics: list[analytics.Topic] = field(default_factory=list)
    questions: list[analytics.Question] = field(default_factory=list)

    def sections(self) -> list[tuple[str, str, list[str]]]:
        """(name, heading, lines), the same in the page, the PDF and the email."""
        voices = [
            f"{v.label}: {v.share:.0%} of mentions ({v.mentions}), {v.positive_share:.0%} positive"
            for v in self.voices
        ]
        topics = [f"{topic.name} ({topic.count} posts)" for topic in self.topics]
        questions = [
            f"{q.phrasing} (asked {q.asked} times by {q.askers} people)" for q in self.questions
        ]
        return [
            ("voice", "Share of voice", voices or ["Add a competitor search to compare."]),
            ("topics", "Top topics", topics or ["Not enough posts to find topics."]),
            ("questions", "Open questions", questions or ["No question asked twice."]),
        ]


def heard(workspace: Workspace, start: datetime, end: datetime) -> Heard | None:
    """What the searches heard from `start` to before `end`; None without searches."""
    if not Search.objects.filter(workspace=workspace).exists():
        return None
    hits = analytics.recent_hits(workspace, since=start, until=end)
    return Heard(
        analytics.share_of_voice(workspace, start, end),
        analytics.topics(hits)[:3],
        analytics.questions(hits)[:3],
    )


@dataclass(frozen=True)
class WeeklyReport:
    workspace: Workspace
    week: str
    start: datetime
    end: datetime
    numbers: Influence
    figures: dict[str, Figure]
    highlights: list[str]
    listening: Heard | None = None
    offers: list[OfferResults] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # why a chart is not drawn
    known: Coverage | None = None

    def chart_slots(self) -> list[tuple[str, str, Figure | None, str]]:
        """(name, title, figure or None, why not drawn) for each chart, in order."""
        return [
            (name, title, self.figures.get(name), self.notes.get(name, ""))
            for name, title in CHARTS.items()
        ]

    def offer_lines(self) -> list[str]:
        """A line per offer that ran or was redeemed in the week (page, PDF and email)."""
        return [f"{r.offer.title}: {r.line()}" for r in self.offers]

    def lines(self) -> list[tuple[str, str]]:
        """The key figures as (label, value), the same in the page, the PDF and the email."""
        n = self.numbers
        wait = duration_text(n.median_response * 60) if n.median_response is not None else "none"

        def maybe(value: float | None, pattern: str, missing: str) -> str:
            return pattern.format(value) if value is not None else missing

        return [
            ("Posts", count(n.posts)),
            ("Engagement", count(n.engagement)),
            ("Impressions", maybe(n.impressions, "{:,}", "not reported by these networks")),
            ("Engagement rate", maybe(n.engagement_rate, "{:.1%}", "needs impressions")),
            ("Reposts per post", maybe(n.amplification, "{:.1f}", "no posts")),
            ("Follower change", maybe(n.follower_change, "{:+,d}", "not measured yet")),
            ("Conversations answered", f"{n.answered:,} ({n.unanswered:,} not yet)"),
            ("Median time to first answer", wait),
        ]

    @property
    def period(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start:%d %b} - {last:%d %b %Y}"


def build_report(workspace: Workspace, week: str) -> WeeklyReport:
    monday = parse_week(week)
    zone = ZoneInfo(workspace.timezone)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = start + timedelta(days=7)
    sections = what_works(workspace)
    numbers = influence(workspace, start, end)
    drawn = {
        "engagement": charts.engagement_over_time(
            whole_week(daily_engagement(workspace, start, end), start)
        ),
        "best_hours": charts.best_hours(heat_map(workspace)),
        "response_times": charts.response_times(numbers.response_minutes),
        "sentiment": charts.sentiment_trend(daily_sentiment(workspace, start, end)),
    }
    known = coverage(workspace, now=min(end, timezone.now()))
    return WeeklyReport(
        workspace,
        week,
        start,
        end,
        numbers,
        {name: figure for name, figure in drawn.items() if figure is not None},
        highlights(sections, known),
        heard(workspace, start, end),
        workspace_offers(workspace, start, end),
        notes={name: _missing(name, numbers, known) for name, f in drawn.items() if f is None},
        known=known,
    )


def whole_week(days: list[tuple[date, int, int]], start: datetime) -> list[tuple[date, int, int]]:
    """(day, posts, engagement) for each of the week's seven days, days without posts at 0."""
    found = {day: (day, n, e) for day, n, e in days}
    week = [start.date() + timedelta(days=n) for n in range(7)]
    return [found.get(day, (day, 0, 0)) for day in week]


CHARTS = {
    "engagement": "Engagement over time",
    "best_hours": "Best hours to post",
    "response_times": "Time to first answer",
    "sentiment": "How people felt",
}


def _missing(name: str, numbers: Influence, known: Coverage) -> str:
    """Why a chart is not drawn, and what would draw it."""
    if name == "engagement":
        if numbers.posts:
            return known.figures_line() or "This week's posts have no likes or reposts yet."
        return "No posts went out this week: schedule one and it shows here."
    if name == "best_hours":
        return known.needs_line()
    if name == "response_times":
        return "No conversation was answered this week."
    return "No messages came in this week."


def highlights(sections: list[Section], known: Coverage | None = None) -> list[str]:
    """One sentence per section where enough posts show a best group, else what is needed."""
    found = []
    for section in sections:
        best = section.best()
        if best is not None and len([f for f in section.findings if f.enough]) > 1:
            found.append(f"{section.title}: {best.label} does best, {best.summary()}.")
    if found:
        return found
    return [known.needs_line() if known else f"What works needs {MIN_POSTS} posts in a group."]


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(report: WeeklyReport) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0, 10, _latin(f"{report.workspace.name}: week {report.week}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin(report.period), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in report.lines():
        pdf.cell(0, 6, _latin(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for line in report.highlights:
        pdf.multi_cell(0, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    for _, heading, lines in report.listening.sections() if report.listening else []:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for line in lines:
            pdf.multi_cell(0, 5, _latin(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
    if report.offers:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, "Offers", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for line in report.offer_lines():
            pdf.multi_cell(0, 5, _latin(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
    for _, title, figure, why in report.chart_slots():
        if figure is not None:
            pdf.image(BytesIO(charts.png(figure)), w=180)
        else:
            pdf.ln(2)
            pdf.multi_cell(0, 5, _latin(f"{title}: {why}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def owners_emails(workspace: Workspace) -> list[str]:
    members = workspace.members.filter(role=Role.OWNER).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


def send_report(report: WeeklyReport, to: list[str]) -> None:
    """Email the report: the figures in the body, charts inline (PNG), the PDF attached."""
    context = {"report": report, "lines": report.lines(), "charts": list(report.figures)}
    subject = f"{report.workspace.name}: your week on social media ({report.week})"
    text = "\n".join([subject, report.period, ""] + [f"{k}: {v}" for k, v in report.lines()])
    for _, heading, lines in report.listening.sections() if report.listening else []:
        text += f"\n\n{heading}\n" + "\n".join(f"- {line}" for line in lines)
    if report.notes:
        text += "\n\n" + "\n".join(report.notes.values())
    if report.offers:
        text += "\n\nOffers\n" + "\n".join(f"- {line}" for line in report.offer_lines())
    email = message(subject, text, to)
    email.attach_alternative(render_to_string("insights/report_email.html", context), "text/html")
    email.mixed_subtype = "related"
    for name, figure in report.figures.items():
        image = MIMEImage(charts.png(figure), "png")
        image.add_header("Content-ID", f"<{name}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        email.attach(image)
    email.attach(f"porch-report-{report.week}.pdf", render_pdf(report), "application/pdf")
    email.send()


def due_week(workspace: Workspace, now: datetime) -> str | None:
    """The week whose report is due: last week's, from Monday 08:00 workspace time on."""
    local = now.astimezone(ZoneInfo(workspace.timezone))
    if local.weekday() == 0 and local.hour < 8:
        return None
    return week_label(local.date() - timedelta(days=local.weekday() + 7))


def send_due_reports(now: datetime | None = None) -> list[str]:
    """Email each workspace's last week report to its owners, once, from Monday 08:00.

    Each workspace is sent on its own: one that fails (a broken record, the mail server
    down) is logged and listed, and the hourly job tries it again until the week is out,
    while the others are sent."""
    now = now or timezone.now()
    done = []
    for workspace in Workspace.objects.filter(is_demo=False):
        week = due_week(workspace, now)
        if week is None or SentReport.objects.filter(workspace=workspace, week=week).exists():
            continue
        try:
            if send_due_report(workspace, week):
                done.append(f"{workspace.slug} {week}")
        except Exception as exc:  # this workspace only: the others still get theirs
            why = header(f"{type(exc).__name__}: {exc}")
            log.warning("weekly report %s for workspace %s not sent: %s", week, workspace.pk, why)
            done.append(f"{workspace.slug} {week} failed, retried next hour: {why}")
    return done


def send_due_report(workspace: Workspace, week: str) -> bool:
    """Send one workspace's report, recorded in the same transaction; False if not sent."""
    to = owners_emails(workspace)
    if not to:
        return False
    try:
        with transaction.atomic():
            SentReport.objects.create(workspace=workspace, week=week, recipients=", ".join(to))
            send_report(build_report(workspace, week), to)
    except IntegrityError:
        return False  # another worker sent it
    return True
