"""The weekly report's figures (the numbers the report page, PDF and email show, not the
charts or the PDF), for one ISO week."""

import re
from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params.functions import Path

from porch.api.auth import needs
from porch.api.errors import ApiError
from porch.api.schemas import ERRORS
from porch.core.params import in_range
from porch.insights.report import ReportError, WeeklyReport, build_report, parse_week, week_label

router = Router(tags=["reports"])

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# An ISO week or a day, years 1900 to 2999 (what the report page accepts); one that has the
# form but does not exist (2026-W53, 2026-02-30) is a 404.
WEEK_OR_DAY = (
    r"^(19|2[0-9])[0-9]{2}-(W(0[1-9]|[1-4][0-9]|5[0-3])|(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))$"
)


class ReportNumbersOut(Schema):
    posts: int
    engagement: int
    impressions: int | None  # null where no network reports them
    engagement_rate: float | None  # engagement per impression
    reposts: int
    reposts_per_post: float | None
    follower_change: int | None
    followers: int | None
    answered: int  # conversations answered
    unanswered: int
    median_response_minutes: float | None


class ReportLineOut(Schema):
    label: str
    value: str  # as the report writes it


class ReportVoiceOut(Schema):
    label: str
    own: bool
    mentions: int
    positive: int
    share: float
    positive_share: float


class ReportTopicOut(Schema):
    name: str
    phrases: list[str]
    count: int


class ReportQuestionOut(Schema):
    phrasing: str
    asked: int
    askers: int


class ReportListeningOut(Schema):
    voices: list[ReportVoiceOut]
    topics: list[ReportTopicOut]
    questions: list[ReportQuestionOut]


class ReportOfferOut(Schema):
    offer_id: int
    title: str
    given: int | None  # codes given; null for a shared code
    redeemed: int
    revenue: str  # in the workspace's currency, "12.50"
    rate: float | None  # redeemed per code given
    new: int
    returning: int
    posts: int
    running: bool
    line: str


class ReportOut(Schema):
    week: str  # ISO week, 2026-W49
    start: datetime  # Monday 00:00 in the workspace's time zone
    end: datetime  # the next Monday 00:00
    period: str
    numbers: ReportNumbersOut
    lines: list[ReportLineOut]
    highlights: list[str]
    listening: ReportListeningOut | None  # null when the workspace has no searches
    offers: list[ReportOfferOut]


def _week(text: str) -> str:
    """An ISO week (2026-W49) or a day in it (2026-12-02) as the ISO week; 404 for one that
    does not exist (the path's pattern has refused any other form)."""
    value = text.strip()
    try:
        if DAY.match(value):
            day = date.fromisoformat(value)
            if not in_range(day):
                raise ReportError(f"{text!r} is too far off: pick a week between 1900 and 2999")
            return week_label(day)
        parse_week(value)
        return value
    except ValueError as e:  # ReportError is one
        reason = e.message if isinstance(e, ReportError) else f"{text!r} is not a day ({e})"
        message = f"{reason}. Send a week like 2026-W49, or a day in it like 2026-12-02."
        raise ApiError(404, "not_found", message) from e


def _numbers(report: WeeklyReport) -> ReportNumbersOut:
    n = report.numbers
    return ReportNumbersOut(
        posts=n.posts,
        engagement=n.engagement,
        impressions=n.impressions,
        engagement_rate=n.engagement_rate,
        reposts=n.reposts,
        reposts_per_post=n.amplification,
        follower_change=n.follower_change,
        followers=n.followers,
        answered=n.answered,
        unanswered=n.unanswered,
        median_response_minutes=n.median_response,
    )


def _listening(report: WeeklyReport) -> ReportListeningOut | None:
    heard = report.listening
    if heard is None:
        return None
    return ReportListeningOut(
        voices=[
            ReportVoiceOut(
                label=v.label,
                own=v.own,
                mentions=v.mentions,
                positive=v.positive,
                share=v.share,
                positive_share=v.positive_share,
            )
            for v in heard.voices
        ],
        topics=[
            ReportTopicOut(name=t.name, phrases=list(t.phrases), count=t.count)
            for t in heard.topics
        ],
        questions=[
            ReportQuestionOut(phrasing=q.phrasing, asked=q.asked, askers=q.askers)
            for q in heard.questions
        ],
    )


def _offers(report: WeeklyReport) -> list[ReportOfferOut]:
    return [
        ReportOfferOut(
            offer_id=r.offer.pk,
            title=r.offer.title,
            given=r.given,
            redeemed=r.redeemed,
            revenue=str(r.revenue),
            rate=r.rate,
            new=r.new,
            returning=r.returning,
            posts=r.posts,
            running=r.running,
            line=r.line(),
        )
        for r in report.offers
    ]


@router.get("/reports/{week}", response={200: ReportOut, **ERRORS}, operation_id="get_report")
def get_report(request: HttpRequest, week: str = Path(..., pattern=WEEK_OR_DAY)) -> ReportOut:
    """The weekly report's figures for an ISO week (`2026-W49`) or the week of a day
    (`2026-12-02`), on the workspace's calendar: the key numbers, what works best, what the
    searches heard and how the offers did. A week written another way is a 422 naming
    `week`; one that does not exist (2025-W53, 2026-02-30), a 404."""
    caller = needs(request, "read")
    report = build_report(caller.workspace, _week(week))
    return ReportOut(
        week=report.week,
        start=report.start,
        end=report.end,
        period=report.period,
        numbers=_numbers(report),
        lines=[ReportLineOut(label=label, value=value) for label, value in report.lines()],
        highlights=report.highlights,
        listening=_listening(report),
        offers=_offers(report),
    )
