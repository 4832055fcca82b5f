"""Cursor pagination with a stable order (keyset: no offset, no row twice, none missed).

    items, next_cursor = page(queryset, order=("rank", "-rank_urgency", "first_message_at"),
                              cursor=cursor, limit=limit, filters={"intent": intent, ...})

`order` is the list's order; the primary key is added as the last tie-breaker. The next page
is the rows strictly after the last one in that order, one OR-chain of conditions
(`a > x | (a == x & b < y) | ...`) that mixed directions read right. The cursor is opaque and
signed (a tampered one is a 400 `bad_cursor`) and tied to the model, the order and the
filters it was made with (another set is a 400 `cursor_for_other_filters`). next_cursor is
None on the last page.

A field that can be null sorts as if null were larger than every value (PostgreSQL's own
default: nulls last going up, first going down), on SQLite too. A field that can change
between two fetches can move a row across the cursor: the row is then seen twice or not at
all in that walk, as on the web page.
"""

import datetime
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

from porch.api.errors import ApiError

M = TypeVar("M", bound=Model)

LIMIT = 50
MAX_LIMIT = 200
SALT = "porch.api.cursor"
VERSION = 1


@dataclass(frozen=True)
class Key:
    """One field of the order: its name, direction, whether it can be null, and its field."""

    name: str
    descending: bool
    nullable: bool
    field: Field[Any, Any] | None  # None: an annotation (no type to read values back with)

    def order_by(self) -> OrderBy:
        expression = F(self.name)
        if not self.nullable:
            return expression.desc() if self.descending else expression.asc()
        # Null is the largest value: last going up, first going down (as PostgreSQL).
        if self.descending:
            return expression.desc(nulls_first=True)
        return expression.asc(nulls_last=True)

    def after(self, value: Any) -> Q:
        """The rows strictly after `value` on this field alone."""
        if value is None:  # null is the largest: only going down is anything after it
            return Q(**{f"{self.name}__isnull": False}) if self.descending else Q(pk__in=[])
        beyond = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        if self.nullable and not self.descending:
            beyond |= Q(**{f"{self.name}__isnull": True})
        return beyond

    def same(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})

    def dump(self, value: Any) -> Any:
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, Decimal | uuid.UUID):
            return str(value)
        return value

    def load(self, value: Any) -> Any:
        if value is None or self.field is None:
            return value
        field = getattr(self.field, "output_field", None) or self.field  # a GeneratedField
        return field.to_python(value)


def keys_of(queryset: "QuerySet[Any]", order: Sequence[str]) -> list[Key]:
    """The order's fields, the primary key last (a programming error names a wrong one)."""
    keys = [_key(queryset, name) for name in order]
    if not any(key.name in ("pk", queryset.model._meta.pk.name) for key in keys):
        keys.append(Key("pk", keys[-1].descending if keys else False, False, None))
    return keys


def _key(queryset: "QuerySet[Any]", name: str) -> Key:
    descending = name.startswith("-")
    bare = name.lstrip("-")
    if bare in queryset.query.annotations:
        return Key(bare, descending, True, None)
    try:
        field = queryset.model._meta.get_field("id" if bare == "pk" else bare)
    except FieldDoesNotExist as e:
        raise ValueError(f"page(): order {name!r} is not a field of {queryset.model}") from e
    if not field.concrete or (field.is_relation and not field.many_to_one):
        raise ValueError(f"page(): order {name!r} must be a column of {queryset.model}")
    assert isinstance(field, Field)
    return Key(field.attname, descending, bool(field.null), field)


def after(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """The rows strictly after `values` in the order: a OR-chain over the keys."""
    chain = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        chain |= equal & key.after(value)
        equal &= key.same(value)
    return chain


def fingerprint(queryset: "QuerySet[Any]", order: Sequence[str], filters: dict[str, Any]) -> str:
    """A short hash of the list a cursor belongs to: model, order, and the filters that
    are set (None is the same as not given)."""
    normal = {k: v for k, v in sorted(filters.items()) if v is not None}
    text = json.dumps([queryset.model._meta.label, list(order), normal], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_cursor(keys: Sequence[Key], row: Model, print_: str) -> str:
    values = [key.dump(getattr(row, key.name)) for key in keys]
    return signing.dumps({"v": VERSION, "f": print_, "k": values}, salt=SALT, compress=True)


def read_cursor(cursor: str, keys: Sequence[Key], print_: str) -> list[Any]:
    """The last row's values a cursor holds; 400 when it is not one of ours or not this
    list's."""
    bad = ApiError(400, "bad_cursor", "That cursor is not one Porch gave: start again without it.")
    try:
        data = signing.loads(cursor, salt=SALT)
    except signing.BadSignature as e:
        raise bad from e
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise bad
    if data.get("f") != print_:
        raise ApiError(
            400,
            "cursor_for_other_filters",
            "That cursor belongs to a list with other filters: start again without it.",
        )
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(keys):
        raise bad
    try:
        return [key.load(value) for key, value in zip(keys, values, strict=True)]
    except (ValidationError, TypeError, ValueError) as e:
        raise bad from e


def page(
    queryset: "QuerySet[M]",
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int = LIMIT,
    filters: dict[str, Any] | None = None,
) -> tuple[list[M], str | None]:
    """One page of `queryset` in `order` (+ pk) after `cursor`, and the next page's cursor."""
    limit = max(1, min(limit, MAX_LIMIT))
    keys = keys_of(queryset, order)
    print_ = fingerprint(queryset, order, filters or {})
    rows = queryset.order_by(*(key.order_by() for key in keys))
    if cursor:
        rows = rows.filter(after(keys, read_cursor(cursor, keys, print_)))
    items = list(rows[: limit + 1])
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, make_cursor(keys, items[-1], print_)
