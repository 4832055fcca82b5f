"""Cursor pagination with a stable order (STACK implements; this is the contract).

    items, next_cursor = page(queryset, order=("rank", "-rank_urgency", "first_message_at"),
                              cursor=cursor, limit=limit, filters={"intent": intent, ...})

`order` is the list's order; the primary key is added as the last tie-breaker. The cursor is
opaque and signed (a tampered one is a 400 `bad_cursor`) and tied to the filters it was made
with (another filter set is a 400 `cursor_for_other_filters`). next_cursor is None on the
last page.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

LIMIT = 50
MAX_LIMIT = 200


def page(
    queryset: "QuerySet[M]",
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int = LIMIT,
    filters: dict[str, Any] | None = None,
) -> tuple[list[M], str | None]:
    raise NotImplementedError("STACK implements keyset pagination here")
