"""Long waits add whole weeks at once: the same business seconds as counting day by day,
across changes of clocks."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from porch.inbox.clock import BusinessHours, business_seconds

ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


def day_by_day(hours: BusinessHours, since: datetime, until: datetime) -> float:
    zone = ZoneInfo(hours.tz)
    day, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    total = 0.0
    while day <= last:
        span = hours.open_span(day)
        if span is not None:
            end, start = min(span[1], until), max(span[0], since)
            total += max(0.0, (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
        day += timedelta(days=1)
    return total


hours_st = st.builds(
    BusinessHours,
    tz=st.sampled_from(ZONES),
    start=st.sampled_from([time(0), time(7), time(9, 30), time(1, 30)]),
    end=st.sampled_from([time(0), time(16), time(17, 45), time(3)]),
    days=st.frozensets(st.integers(0, 6)),
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    hours=hours_st,
    start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
    length=st.timedeltas(timedelta(0), timedelta(days=400)),
)
def test_whole_weeks_add_up_to_the_days(
    hours: BusinessHours, start: datetime, length: timedelta
) -> None:
    since = start.replace(tzinfo=UTC)
    assert business_seconds(hours, since, since + length) == day_by_day(
        hours, since, since + length
    )


def test_a_wait_over_the_spring_change_counts_the_hours_that_passed() -> None:
    all_day = BusinessHours("Europe/London", time(0), time(0), frozenset(range(7)))
    since = datetime(2027, 3, 1, tzinfo=UTC)
    until = datetime(2027, 4, 30, tzinfo=UTC)
    assert business_seconds(all_day, since, until) == (until - since).total_seconds()
    assert date(2027, 3, 28).weekday() == 6  # the change falls on a Sunday
