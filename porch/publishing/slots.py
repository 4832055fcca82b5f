"""Weekly posting slots: local wall-clock times in the account's zone, stored as UTC.

A slot says "Tuesday 09:00 in Europe/London"; each week's instant is computed from the
wall time with zoneinfo, so 09:00 stays 09:00 local across daylight-saving changes.

Two wall times need a rule, and this is Porch's:
- a time that does not exist (the hour skipped in spring, e.g. 01:30 in London on the
  last Sunday of March) posts as if the clocks had not changed yet: 01:30 GMT, which
  the clock on the wall calls 02:30 (zoneinfo's fold=0 for a gap);
- a time that happens twice (the hour repeated in autumn) posts the first time round
  (fold=0: the summer-time instant).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from porch.publishing.models import PostingSlot, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount

LOOKAHEAD_WEEKS = 26  # how far "add to queue" looks for a free slot


def slot_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `day` in `zone`, by the rule above."""
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def slot_instants(
    slots: list[tuple[int, time]], zone: ZoneInfo, after: datetime
) -> Iterator[datetime]:
    """Every slot instant after `after`, in order, for LOOKAHEAD_WEEKS weeks."""
    if not slots:
        return
    start = local_date(after, zone) - timedelta(days=1)
    for offset in range(LOOKAHEAD_WEEKS * 7 + 2):
        day = start + timedelta(days=offset)
        for instant in sorted(
            slot_instant(day, at, zone) for weekday, at in slots if weekday == day.weekday()
        ):
            if instant > after:
                yield instant


def next_free_slot(account: ConnectedAccount, after: datetime) -> datetime | None:
    """The account's first slot after `after` that no live post of it already takes."""
    slots = [(s.weekday, s.time) for s in PostingSlot.objects.filter(account=account)]
    taken = set(
        PostTarget.objects.filter(account=account, scheduled_at__gt=after)
        .exclude(state=TargetState.FAILED)
        .values_list("scheduled_at", flat=True)
    )
    zone = ZoneInfo(account.timezone)
    return next((at for at in slot_instants(slots, zone, after) if at not in taken), None)


def same_wall_time_later(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`days` later at the same local wall time (for repeats), by the same rule."""
    local = instant.astimezone(zone)
    return slot_instant(local.date() + timedelta(days=days), local.time(), zone)
