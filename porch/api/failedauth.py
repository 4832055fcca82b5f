"""Unknown tokens: how many one address, or one token prefix, may send.

A token's secret is unguessable only while nobody may try millions. Before a token is looked
up, an address or prefix that has used up its tries is refused (429 `too_many_failed_auth`,
Retry-After: the rest of the window); after the lookup an *unknown* token is counted (a
revoked or expired one is a real token, not a guess), in a transaction that is the only one
counting its scopes at a time: the method of porch/offers/guesses.py, in the API's own table
(FailedAuth). A good token costs no write. Scopes, each over LOGIN_FAILURE_WINDOW seconds:

    one address (IPv6: its /64)     PORCH_API_MAX_FAILED_AUTH (20)
    one token prefix                PORCH_API_MAX_FAILED_AUTH_PER_TOKEN (10)

Not counted by django-axes: its per-account backstop would pause the human's sign-in.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import router, transaction
from django.db.models import F

from porch.api.models import FailedAuth


@dataclass(frozen=True)
class Scope:
    key: str  # sha256 hex of what is counted
    limit: int


def scope(*parts: object, limit: int) -> Scope:
    text = "\x1f".join(str(part) for part in parts)
    return Scope(hashlib.sha256(text.encode()).hexdigest(), limit)


def scopes(address: str | None, prefix: str | None) -> list[Scope]:
    """What one call's failure counts against: its address and, when shaped like a token,
    the prefix it names."""
    found = [scope("api-address", address, limit=settings.API_MAX_FAILED_AUTH)]
    if prefix:
        found.append(scope("api-prefix", prefix, limit=settings.API_MAX_FAILED_AUTH_PER_TOKEN))
    return found


def window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def paused_for(counted: list[Scope], now: datetime) -> int | None:
    """Seconds until the pause ends when a scope has used up its tries in this window;
    None when none has."""
    rows = FailedAuth.objects.filter(
        scope__in=[each.key for each in counted], window_started_at__gt=now - window()
    ).values_list("scope", "count", "window_started_at")
    limits = {each.key: each.limit for each in counted}
    ends = [started + window() for key, count, started in rows if count >= limits[key]]
    if not ends:
        return None
    return max(1, math.ceil((max(ends) - now).total_seconds()))


def count_failure(counted: list[Scope], now: datetime) -> None:
    """Count one unknown token in each scope."""
    with transaction.atomic(using=router.db_for_write(FailedAuth)):
        _one_at_a_time(counted)
        for each in counted:
            _count_one(each.key, now)


def _one_at_a_time(counted: list[Scope]) -> None:
    """PostgreSQL: advisory locks on the scopes, in one order (SQLite: its write lock)."""
    connection = transaction.get_connection(router.db_for_write(FailedAuth))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for each in sorted(counted, key=lambda s: s.key):
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", [4, each.key])


def _count_one(key: str, now: datetime) -> None:
    """Add one to the scope's count in this window (a window past starts again at 1)."""
    current = FailedAuth.objects.filter(scope=key, window_started_at__gt=now - window())
    if current.update(count=F("count") + 1):
        return
    if not FailedAuth.objects.filter(scope=key).update(count=1, window_started_at=now):
        FailedAuth.objects.create(scope=key, count=1, window_started_at=now)
