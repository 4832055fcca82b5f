"""Keyset pages: walked to the end they are the whole ordered list, whatever the ties, nulls,
directions and page size; a tampered cursor or another list's cursor is a 400, never a 500."""

import datetime as dt
from decimal import Decimal
from operator import attrgetter

import pytest
from django.core import signing
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.api.errors import ApiError
from porch.api.pagination import SALT, page
from porch.people.models import Person
from porch.workspaces.models import Workspace

DB = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
T0 = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
ROW = st.tuples(
    st.sampled_from(["lead", "customer", "other"]),
    st.sampled_from([None, T0, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(days=1)]),
    st.sampled_from([None, Decimal("1.00"), Decimal("2.50")]),
)
ORDERS = [
    ("status",),
    ("-last_seen_at",),
    ("last_seen_at",),
    ("status", "-last_seen_at"),
    ("-status", "last_seen_at", "-won_amount"),
    ("won_amount", "-status"),
    ("-won_amount", "-last_seen_at", "status"),
    ("-pk",),
]


class _RolledBack(Exception):
    """Ends an example's transaction so the next starts from the same data."""


def _sorted_by_passes(people: list[Person], order: tuple[str, ...]) -> list[Person]:
    """A stable sort per key, last key first (handles any type going down)."""
    rows = list(people)
    keys = list(order)
    if not any(name.lstrip("-") == "pk" for name in order):
        keys.append("-pk" if order[-1].startswith("-") else "pk")
    for name in reversed(keys):
        descending, bare = name.startswith("-"), name.lstrip("-")
        present = [p for p in rows if getattr(p, bare) is not None]
        absent = [p for p in rows if getattr(p, bare) is None]
        present.sort(key=attrgetter(bare), reverse=descending)
        rows = absent + present if descending else present + absent
    return rows


def _walk(workspace: Workspace, order: tuple[str, ...], limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(1000):
        items, cursor = page(
            Person.objects.filter(workspace=workspace), order=order, cursor=cursor, limit=limit
        )
        assert len(items) <= limit
        seen += [p.pk for p in items]
        if cursor is None:
            return seen
        assert items, "a cursor after an empty page"
    raise AssertionError("the walk never ended")


@DB
@given(
    rows=st.lists(ROW, max_size=25),
    order=st.sampled_from(ORDERS),
    limit=st.integers(min_value=1, max_value=8),
)
def test_the_pages_walked_to_the_end_are_the_ordered_list(
    workspace: Workspace,
    rows: list[tuple[str, dt.datetime | None, Decimal | None]],
    order: tuple[str, ...],
    limit: int,
) -> None:
    try:
        with transaction.atomic():
            people = [
                Person.objects.create(
                    workspace=workspace, status=status, last_seen_at=seen, won_amount=won
                )
                for status, seen, won in rows
            ]
            expected = _sorted_by_passes(people, order)
            assert _walk(workspace, order, limit) == [p.pk for p in expected]
            raise _RolledBack
    except _RolledBack:
        pass


def _people(workspace: Workspace, n: int) -> None:
    for i in range(n):
        Person.objects.create(workspace=workspace, last_seen_at=T0 + dt.timedelta(minutes=i % 2))


def test_a_tampered_cursor_is_a_bad_cursor(workspace: Workspace) -> None:
    _people(workspace, 3)
    people = Person.objects.filter(workspace=workspace)
    _, cursor = page(people, order=["-last_seen_at"], cursor=None, limit=1)
    assert cursor
    for wrong in (cursor[:-2] + "xx", "nonsense", cursor + "a"):
        with pytest.raises(ApiError) as refused:
            page(people, order=["-last_seen_at"], cursor=wrong, limit=1)
        assert (refused.value.status, refused.value.code) == (400, "bad_cursor")


def test_a_signed_cursor_with_wrong_values_is_a_bad_cursor_not_a_crash(
    workspace: Workspace,
) -> None:
    _people(workspace, 3)
    people = Person.objects.filter(workspace=workspace)
    _, cursor = page(people, order=["-last_seen_at"], cursor=None, limit=1)
    fingerprint = signing.loads(str(cursor), salt=SALT)["f"]
    for values in (["not a time", 1], [None], "x", [1, 2, 3]):
        forged = signing.dumps({"v": 1, "f": fingerprint, "k": values}, salt=SALT)
        with pytest.raises(ApiError) as refused:
            page(people, order=["-last_seen_at"], cursor=forged, limit=1)
        assert refused.value.code == "bad_cursor"


def test_a_cursor_of_other_filters_or_another_order_is_refused(workspace: Workspace) -> None:
    _people(workspace, 3)
    people = Person.objects.filter(workspace=workspace)
    _, cursor = page(people, order=["-last_seen_at"], cursor=None, limit=1, filters={"s": "lead"})
    same = page(people, order=["-last_seen_at"], cursor=cursor, limit=1, filters={"s": "lead"})
    assert len(same[0]) == 1
    # A filter given as None is the same as one not given.
    page(people, order=["-last_seen_at"], cursor=cursor, limit=1, filters={"s": "lead", "q": None})
    for order, filters in ((["-last_seen_at"], {"s": "won"}), (["last_seen_at"], {"s": "lead"})):
        with pytest.raises(ApiError) as refused:
            page(people, order=order, cursor=cursor, limit=1, filters=filters)
        assert (refused.value.status, refused.value.code) == (400, "cursor_for_other_filters")


def test_an_order_that_is_not_a_column_is_a_programming_error(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="not a field"):
        page(Person.objects.all(), order=["-nonsense"], cursor=None)


def test_the_last_page_has_no_cursor_and_an_empty_list_is_one_page(workspace: Workspace) -> None:
    assert page(Person.objects.filter(workspace=workspace), order=["pk"], cursor=None) == ([], None)
    _people(workspace, 2)
    items, cursor = page(
        Person.objects.filter(workspace=workspace), order=["pk"], cursor=None, limit=2
    )
    assert len(items) == 2 and cursor is None
