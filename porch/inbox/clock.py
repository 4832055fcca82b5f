"""The response clock: time to first response and to resolution, in business hours."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    """Open `start`..`end` local time on `days` (0 = Monday) in time zone `tz`."""

    tz: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset(range(5))

    def open_span(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or self.end <= self.start:
            return None
        zone = ZoneInfo(self.tz)
        return datetime.combine(day, self.start, zone), datetime.combine(day, self.end, zone)


def business_seconds(hours: BusinessHours, since: datetime, until: datetime) -> float:
    """Seconds of business time between two instants (aware datetimes), DST-correct."""
    if until <= since:
        return 0.0
    zone = ZoneInfo(hours.tz)
    day, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    total = 0.0
    while day <= last:
        span = hours.open_span(day)
        if span is not None:
            start, end = max(span[0], since), min(span[1], until)
            total += max(0.0, (end - start).total_seconds())
        day += timedelta(days=1)
    return total


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


def week_stats(week: str, waits_seconds: list[float], target_minutes: int) -> WeekStats:
    minutes = [s / 60 for s in waits_seconds]
    if not minutes:
        return WeekStats(week, 0, 0.0, 0.0, 0.0)
    within = sum(1 for m in minutes if m <= target_minutes) / len(minutes)
    return WeekStats(week, len(minutes), median(minutes), percentile(minutes, 0.9), within)
