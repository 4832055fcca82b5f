"""Wrong codes: how many unknown codes one till, or one workspace's tills, may try.

Codes are unguessable only while nobody may try millions. Before a code is looked up, a
till that has used up its tries is refused (429); after the lookup, an *unknown* code is
counted (used or expired codes are real codes, not guesses), in a transaction that is the
only one counting its scopes at a time. Scopes, each over LOGIN_FAILURE_WINDOW seconds:

    one till or member from one address   PORCH_OFFER_MAX_WRONG_CODES (10)
    all staff links of one workspace      PORCH_OFFER_MAX_WRONG_CODES_PER_WORKSPACE (200):
                                          pauses staff links only; members keep working
    one address on the public /c/<code>/  PORCH_OFFER_MAX_WRONG_CODES (10)

Counting after the lookup costs a right code no write (the counter stays fast with twenty
tills on SQLite); the price is that requests already in flight when a scope reaches its
limit are still answered, so a till firing N at once may see up to N - 1 more answers in
that window than the limit: against 30**8 codes, nothing."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import router, transaction
from django.db.models import F

from porch.offers.models import WrongGuess


@dataclass(frozen=True)
class Scope:
    key: str  # sha256 hex of what is counted
    limit: int


def scope(*parts: object, limit: int) -> Scope:
    text = "\x1f".join(str(part) for part in parts)
    return Scope(hashlib.sha256(text.encode()).hexdigest(), limit)


def for_member(user_id: int, address: str | None) -> list[Scope]:
    return [scope("member", user_id, address, limit=settings.OFFER_MAX_WRONG_CODES)]


def for_link(link_id: int, workspace_id: int, address: str | None) -> list[Scope]:
    return [
        scope("link", link_id, address, limit=settings.OFFER_MAX_WRONG_CODES),
        scope("workspace", workspace_id, limit=settings.OFFER_MAX_WRONG_CODES_PER_WORKSPACE),
    ]


def for_public(address: str | None) -> list[Scope]:
    return [scope("public", address, limit=settings.OFFER_MAX_WRONG_CODES)]


def window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def minutes() -> int:
    """The window in whole minutes, for the page that says how long the pause lasts."""
    return max(1, round(settings.LOGIN_FAILURE_WINDOW / 60))


def count_wrong(scopes: list[Scope], now: datetime) -> bool:
    """Count one unknown code in each scope; False when it is more than a limit allows."""
    counts = []
    with transaction.atomic(using=router.db_for_write(WrongGuess)):
        _one_at_a_time(scopes)
        for each in scopes:
            counts.append(_count_one(each.key, now))
    return all(count <= each.limit for count, each in zip(counts, scopes, strict=True))


def paused(scopes: list[Scope], now: datetime) -> bool:
    """Whether any scope has used up its tries in the current window."""
    rows = dict(
        WrongGuess.objects.filter(
            scope__in=[each.key for each in scopes], window_started_at__gt=now - window()
        ).values_list("scope", "count")
    )
    return any(rows.get(each.key, 0) >= each.limit for each in scopes)


def _one_at_a_time(scopes: list[Scope]) -> None:
    """PostgreSQL: advisory locks on the scopes, in one order (SQLite: its write lock)."""
    connection = transaction.get_connection(router.db_for_write(WrongGuess))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for each in sorted(scopes, key=lambda s: s.key):
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", [3, each.key])


def _count_one(key: str, now: datetime) -> int:
    """Add one to the scope's count in this window (a window past starts again at 1)."""
    current = WrongGuess.objects.filter(scope=key, window_started_at__gt=now - window())
    if not current.update(count=F("count") + 1):
        if not WrongGuess.objects.filter(scope=key).update(count=1, window_started_at=now):
            WrongGuess.objects.create(scope=key, count=1, window_started_at=now)
        return 1
    return int(WrongGuess.objects.get(scope=key).count)
