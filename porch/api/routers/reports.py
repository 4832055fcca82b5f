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


class NumbersOut(Schema):
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


class LineOut(Schema):
    label: str
    value: str  # as the report writes it


class VoiceOut(Schema):
    label: str
    own: bool
    mentions: int
    positive: int
    share: float
    positive_share: float


class TopicOut(Schema):
    name: str
    phrases: list[str]
    count: int


class QuestionOut(Schema):
    phrasing: str
    asked: int
    askers: int


class ListeningOut(Schema):
    voices: list[VoiceOut]
    topics: list[TopicOut]
    questions: list[QuestionOut]


class OfferOut(Schema):
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
    numbers: NumbersOut
    lines: list[LineOut]
    highlights: list[str]
    listening: ListeningOut | None  # null when the workspace has no searches
    offers: list[OfferOut]


def _week(text: str) -> str:
    """An ISO week (2026-W49) or a day in it (2026-12-02) as the ISO week; 422 otherwise."""
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
        raise ApiError(
            422, "invalid_input", message, fields=[{"field": "week", "message": message}]
        ) from e


def _numbers(report: WeeklyReport) -> NumbersOut:
    n = report.numbers
    return NumbersOut(
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


def _listening(report: WeeklyReport) -> ListeningOut | None:
    heard = report.listening
    if heard is None:
        return None
    return ListeningOut(
        voices=[
            VoiceOut(
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
            TopicOut(name=t.name, phrases=list(t.phrases), count=t.count) for t in heard.topics
        ],
        questions=[
            QuestionOut(phrasing=q.phrasing, asked=q.asked, askers=q.askers)
            for q in heard.questions
        ],
    )


def _offers(report: WeeklyReport) -> list[OfferOut]:
    return [
        OfferOut(
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
def get_report(request: HttpRequest, week: str = Path(..., max_length=40)) -> ReportOut:
    """The weekly report's figures for an ISO week (`2026-W49`) or the week of a day
    (`2026-12-02`), on the workspace's calendar: the key numbers, what works best, what the
    searches heard and how the offers did."""
    caller = needs(request, "read")
    report = build_report(caller.workspace, _week(week))
    return ReportOut(
        week=report.week,
        start=report.start,
        end=report.end,
        period=report.period,
        numbers=_numbers(report),
        lines=[LineOut(label=label, value=value) for label, value in report.lines()],
        highlights=report.highlights,
        listening=_listening(report),
        offers=_offers(report),
    )
