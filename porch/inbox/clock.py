"""The response clock: time to first response and to resolution, in business hours."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    """Open `start`..`end` local time on `days` (0 = Monday) in time zone `tz`; an `end`
    of 00:00 means midnight at the end of the day (00:00-00:00 is open all day)."""

    tz: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset(range(5))

    def open_span(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days:
            return None
        zone = ZoneInfo(self.tz)
        if self.end == time(0):
            closes = datetime.combine(day + timedelta(days=1), time(0), zone)
        elif self.end > self.start:
            closes = datetime.combine(day, self.end, zone)
        else:
            return None
        return datetime.combine(day, self.start, zone), closes

    def week_seconds(self) -> float:
        """Open seconds in a week with no change of clocks (the inbox's long waits add
        whole weeks at once instead of day by day)."""
        start = datetime.combine(date.min, self.start)
        if self.end == time(0):
            day = datetime.combine(date.min + timedelta(days=1), time(0)) - start
        else:
            day = datetime.combine(date.min, self.end) - start
        return max(0.0, day.total_seconds()) * len(self.days & frozenset(range(7)))


def business_seconds(hours: BusinessHours, since: datetime, until: datetime) -> float:
    """Seconds of business time between two instants (aware datetimes), DST-correct."""
    if until <= since:
        return 0.0
    zone = ZoneInfo(hours.tz)
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    day, total, week = first, 0.0, timedelta(days=7)
    while day <= last:
        if first < day and day + week < last and _same_offset(day, day + week, zone):
            total += hours.week_seconds()  # a whole week inside, with no clock change in it
            day += week
            continue
        span = hours.open_span(day)
        if span is not None:
            start, end = max(span[0], since), min(span[1], until)
            # in UTC: two times of one zone subtract as wall clocks, an hour out on a change
            total += max(0.0, (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
        day += timedelta(days=1)
    return total


def _same_offset(day: date, later: date, zone: ZoneInfo) -> bool:
    """No change of clocks between the two midnights (at most one change a week, as in
    every real time zone)."""
    offset = datetime.combine(day, time(0), zone).utcoffset()
    return offset == datetime.combine(later, time(0), zone).utcoffset()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class WeekStats:
    week: str  # ISO week, e.g. 2026-W47
    answered: int
    median_minutes: float
    p90_minutes: float
    within_target: float  # share of answered conversations answered within target

    @property
    def starts(self) -> date:
        """The Monday the week starts on, as the page names the week."""
        year, week = self.week.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)


def week_stats(week: str, waits_seconds: list[float], target_minutes: int) -> WeekStats:
    minutes = [s / 60 for s in waits_seconds]
    if not minutes:
        return WeekStats(week, 0, 0.0, 0.0, 0.0)
    within = sum(1 for m in minutes if m <= target_minutes) / len(minutes)
    return WeekStats(week, len(minutes), median(minutes), percentile(minutes, 0.9), within)


def duration_text(seconds: float) -> str:
    """A duration as a shop owner reads it: "under a minute", "25 min", "2 h 05 min"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def when_text(at: datetime, now: datetime, tz: str) -> str:
    """A moment soon, as a shop owner says it: "7:00", "Tue 7:00"."""
    zone = ZoneInfo(tz)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local.hour}:{local.minute:02d}"
    if local.date() == today:
        return clock
    return f"{local:%a} {clock}"


@dataclass(frozen=True)
class ResponseClock:
    """One conversation's clock, in business seconds.

    `first_response` runs while nobody has answered (`running`); it only ticks during
    business hours (`open_now`). Only a conversation that `needs_answer` (a complaint, a
    question, a lead: see inbox/services.py) can be `overdue`: once the first response
    took, or is taking, longer than the target. Praise, thanks and spam never are."""

    first_response: float
    resolution: float | None
    running: bool
    open_now: bool
    overdue: bool
    target_minutes: int
    needs_answer: bool = True

    @property
    def waiting(self) -> bool:
        """Someone waits for an answer: the clock that matters is running."""
        return self.running and self.needs_answer

    @property
    def first_response_text(self) -> str:
        return duration_text(self.first_response)

    @property
    def resolution_text(self) -> str:
        return "" if self.resolution is None else duration_text(self.resolution)

    @property
    def target_text(self) -> str:
        return duration_text(self.target_minutes * 60)

    @property
    def left_text(self) -> str:
        """Business time left before the target: "35 min"."""
        return duration_text(max(0.0, self.target_minutes * 60 - self.first_response))


def is_open(hours: BusinessHours, at: datetime) -> bool:
    span = hours.open_span(at.astimezone(ZoneInfo(hours.tz)).date())
    return span is not None and span[0] <= at < span[1]


def response_clock(
    hours: BusinessHours,
    target_minutes: int,
    first_message_at: datetime,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
    needs_answer: bool = True,
) -> ResponseClock:
    first = business_seconds(hours, first_message_at, first_response_at or now)
    resolution = None
    if resolved_at is not None:
        resolution = business_seconds(hours, first_message_at, resolved_at)
    return ResponseClock(
        first_response=first,
        resolution=resolution,
        running=first_response_at is None,
        open_now=is_open(hours, now),
        overdue=needs_answer and first > target_minutes * 60,
        target_minutes=target_minutes,
        needs_answer=needs_answer,
    )


def next_opening(hours: BusinessHours, now: datetime) -> datetime | None:
    """When the business opens next (now if open); None if it never opens."""
    if is_open(hours, now):
        return now
    day = now.astimezone(ZoneInfo(hours.tz)).date()
    for ahead in range(8):
        span = hours.open_span(day + timedelta(days=ahead))
        if span is not None and span[1] > now and span[1] > span[0]:
            return max(span[0], now)
    return None


def iso_week(at: datetime, tz: str) -> str:
    year, week, _ = at.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekRow:
    stats: WeekStats
    waiting: int  # conversations of that week nobody has answered yet


def weekly(
    hours: BusinessHours,
    target_minutes: int,
    conversations: list[tuple[datetime, datetime | None]],
) -> list[WeekRow]:
    """Per ISO week of arrival (newest first): (first message, first response) pairs
    become the median, 90th percentile and share within target of the first response."""
    waits: dict[str, list[float]] = {}
    waiting: dict[str, int] = {}
    for arrived, answered in conversations:
        week = iso_week(arrived, hours.tz)
        waits.setdefault(week, [])
        if answered is None:
            waiting[week] = waiting.get(week, 0) + 1
        else:
            waits[week].append(business_seconds(hours, arrived, answered))
    return [
        WeekRow(week_stats(week, waits[week], target_minutes), waiting.get(week, 0))
        for week in sorted(waits, reverse=True)
    ]
