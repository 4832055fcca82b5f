"""Weekly slots keep their local wall time across daylight-saving changes.

The rule (porch/publishing/slots.py): a wall time skipped in spring posts as if the clocks
had not changed yet (01:30 becomes 02:30 on the wall); one repeated in autumn posts the
first time round (the summer-time instant).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porch.publishing.models import PostingSlot, PostTarget
from porch.publishing.slots import next_free_slot, same_wall_time_later, slot_instant, slot_instants
from porch.workspaces.models import ConnectedAccount, Workspace

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney"]
# Days around each zone's changes (spring and autumn) in 2025-2027.
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
# A slot's wall time as the owner sets it: a plain time (st.times() also draws fold=1, which
# made the skipped-time check read the offset after the change as the one before).
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0, fold=0))


def exists(day: date, at: time, zone: ZoneInfo) -> bool:
    """Whether the wall time happens on that day (it round-trips through UTC)."""
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def ambiguous(day: date, at: time, zone: ZoneInfo) -> bool:
    first = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    return first.utcoffset() != first.replace(fold=1).utcoffset()


@settings(max_examples=400, deadline=None)
@given(zone_name=st.sampled_from(ZONES), day=DAYS, at=TIMES)
def test_a_slot_posts_at_its_wall_time_or_by_the_documented_rule(
    zone_name: str, day: date, at: time
) -> None:
    zone = ZoneInfo(zone_name)
    instant = slot_instant(day, at, zone)
    assert instant.tzinfo is UTC
    wall = instant.astimezone(zone)
    if not exists(day, at, zone):  # skipped in spring: as if the clocks had not moved yet
        before = datetime.combine(day, at, tzinfo=zone).utcoffset()
        after = wall.utcoffset()
        assert before is not None and after is not None and after > before
        assert wall.replace(tzinfo=None) == datetime.combine(day, at) + (after - before)
        return
    assert (wall.date(), wall.time()) == (day, at)
    if ambiguous(day, at, zone):  # repeated in autumn: the first time round
        assert instant == datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)
        later = datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
        assert instant < later


@st.composite
def change_weeks(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a moment within a week before one of its clock changes."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = {
        "Europe/London": [datetime(2026, 3, 29), datetime(2026, 10, 25)],
        "America/New_York": [datetime(2026, 3, 8), datetime(2026, 11, 1)],
        "Australia/Sydney": [datetime(2026, 4, 5), datetime(2026, 10, 4)],
    }[zone_name]
    change = draw(st.sampled_from(changes))
    offset = draw(st.integers(min_value=-7 * 24 * 60, max_value=0))
    return zone_name, (change + timedelta(minutes=offset)).replace(tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(case=change_weeks(), at=st.sampled_from([time(9, 0), time(18, 30), time(0, 15)]))
def test_nine_oclock_every_day_stays_nine_oclock_across_the_change(
    case: tuple[str, datetime], at: time
) -> None:
    zone_name, after = case
    zone = ZoneInfo(zone_name)
    every_day = [(weekday, at) for weekday in range(7)]
    upcoming = [i for _, i in zip(range(14), slot_instants(every_day, zone, after), strict=False)]
    assert upcoming == sorted(set(upcoming)) and upcoming[0] > after
    walls = [i.astimezone(zone) for i in upcoming]
    assert all(w.time() == at for w in walls)  # 09:00 local before and after the change
    days = [w.date() for w in walls]
    assert days == [days[0] + timedelta(days=n) for n in range(14)]  # one a day, none lost


@given(zone_name=st.sampled_from(ZONES), day=DAYS, days=st.integers(1, 60))
@settings(max_examples=200, deadline=None)
def test_a_repeat_keeps_the_wall_time(zone_name: str, day: date, days: int) -> None:
    zone = ZoneInfo(zone_name)
    first = slot_instant(day, time(9, 0), zone)
    again = same_wall_time_later(first, days, zone).astimezone(zone)
    assert (again.date(), again.time()) == (day + timedelta(days=days), time(9, 0))


@pytest.mark.clock  # the properties above take their instants; this one reads the database
def test_add_to_queue_takes_the_next_free_slot(workspace: Workspace) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test", timezone="America/New_York"
    )
    PostingSlot.objects.create(account=account, weekday=0, time=time(9, 0))  # Mondays 09:00
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday, before the March change
    first = next_free_slot(account, now)
    assert first == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT (UTC-4), Mon 9 Mar
    post = workspace.posts.create(text="x")
    PostTarget.objects.create(post=post, account=account, text="x", scheduled_at=first)
    second = next_free_slot(account, now)
    assert second == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
    assert (
        next_free_slot(
            ConnectedAccount.objects.create(workspace=workspace, network="x", handle="shop"), now
        )
        is None
    )  # no slots: the composer says to add some
