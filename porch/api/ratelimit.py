"""Calls per token: PORCH_API_RATE a minute, a whole minute's calls allowed at once.

The generic cell rate algorithm in one conditional UPDATE on the token's row: with
T = 60 / rate seconds between calls and a burst of the whole minute (tau = 60 s), a call at
`now` is allowed when the token's theoretical arrival time `rate_tat <= now + tau - T`, and
then moves it to `max(rate_tat, now) + T`. The row is the lock, so it is exact under
concurrency on SQLite and PostgreSQL alike, needs no table of its own, and the same UPDATE
sets `last_used_at`. Refused: 429 `rate_limited` with Retry-After in whole seconds.
"""

import math
from datetime import datetime

from django.conf import settings
from django.db.models import F, FloatField, Value
from django.db.models.functions import Greatest

from porch.api.errors import ApiError
from porch.api.models import ApiToken

PERIOD = 60.0


def spend(token: ApiToken, now: datetime) -> None:
    """Count one call of `token` at `now`; an ApiError 429 when its rate is used up."""
    interval = PERIOD / settings.API_RATE
    at = now.timestamp()
    latest = at + PERIOD - interval
    allowed = ApiToken.objects.filter(pk=token.pk, rate_tat__lte=latest).update(
        rate_tat=Greatest(F("rate_tat"), Value(at, output_field=FloatField())) + interval,
        last_used_at=now,
    )
    if allowed:
        return
    tat = ApiToken.objects.filter(pk=token.pk).values_list("rate_tat", flat=True).first()
    wait = max(1, math.ceil((tat or latest) - latest))
    raise ApiError(
        429,
        "rate_limited",
        f"Too many calls with this token: at most {settings.API_RATE} a minute. "
        f"Try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
    )
