"""Properties of the till importer: row order and repeated rows never change what is
counted, amounts read back as written, and junk never raises."""

import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.offers import till
from porch.offers.models import Offer, Redemption
from porch.offers.till_formats import parse_money
from porch.workspaces.models import Membership, Workspace
from tests.offers.till_helpers import (
    NOW,
    SHOPIFY,
    SQUARE,
    csv_bytes,
    manager_of,
    offer_with,
    shopify_order,
    upload,
)

DB = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
PERSONAL = ("ABCDEFGH", "JKMNPQRS", "TVWXYZ23")


class _RolledBack(Exception):
    """Ends an example's transaction so the next one starts from the same data."""


@pytest.fixture
def shop(workspace: Workspace) -> Membership:
    offer_with(workspace, shared="CRUMBSPRING")
    offer_with(workspace, personal=PERSONAL)
    return manager_of(workspace)


ORDER = st.tuples(
    st.sampled_from(["", "CRUMBSPRING", "crumb-spring", *PERSONAL, "OTHER10"]),
    st.integers(min_value=1, max_value=4),  # line items
    st.integers(min_value=1, max_value=99_999),  # cents
)


@DB
@given(
    orders=st.lists(ORDER, min_size=1, max_size=12),
    seed=st.integers(0, 2**32),
    twice=st.lists(st.integers(0, 60), max_size=6),
)
def test_any_shuffle_or_duplication_imports_each_order_once(
    shop: Membership, orders: list[tuple[str, int, int]], seed: int, twice: list[int]
) -> None:
    rows = []
    for n, (code, lines, cents) in enumerate(orders):
        paid = f"2026-10-{1 + n % 28:02d} 09:{n % 60:02d}:00 +0000"
        rows += shopify_order(f"#{n}", code, f"{Decimal(cents) / 100}", paid, lines)
    rows += [rows[i % len(rows)] for i in twice]  # some rows twice
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    expected = _count(shop, csv_bytes(SHOPIFY, rows))
    got = _count(shop, csv_bytes(SHOPIFY, shuffled), again=True)
    assert got == expected


def _count(member: Membership, data: bytes, again: bool = False) -> tuple[object, ...]:
    """What one import adds (and, with `again`, that a second adds nothing), rolled back."""
    try:
        with transaction.atomic():
            done = till.confirm(member, till.preview(member, upload(data)), now=NOW)
            made = sorted(
                Redemption.objects.values_list("import_key", "code__code", "amount", "redeemed_at")
            )
            counts = sorted(Offer.objects.values_list("redeemed_count", flat=True))
            if again:
                second = till.confirm(member, till.preview(member, upload(data)), now=NOW)
                assert (second.added, Redemption.objects.count()) == (0, len(made))
                assert sorted(Offer.objects.values_list("redeemed_count", flat=True)) == counts
            assert len({key for key, *_ in made}) == len(made) == done.added
            personal = [code for _, code, *_ in made if code in PERSONAL]
            assert len(personal) == len(set(personal))  # a personal code once at most
            result = (tuple(made), tuple(counts))
            raise _RolledBack
    except _RolledBack:
        pass
    return result


@given(
    cents=st.integers(min_value=-(10**11) + 1, max_value=10**11 - 1),
    style=st.sampled_from(["plain", "us", "eu", "swiss", "brackets", "minus-after-symbol"]),
    symbol=st.sampled_from(["", "$", "£", "€", "CHF "]),
)
def test_money_reads_back_as_written(cents: int, style: str, symbol: str) -> None:
    amount = Decimal(cents) / 100
    assert parse_money(_written(amount, style, symbol)) == amount


def _written(amount: Decimal, style: str, symbol: str) -> str:
    whole, cents = f"{abs(amount):.2f}".split(".")
    grouped = f"{int(whole):,}"
    number = {
        "plain": f"{whole}.{cents}",
        "us": f"{grouped}.{cents}",
        "eu": f"{grouped.replace(',', '.')},{cents}",
        "swiss": f"{grouped.replace(',', chr(39))}.{cents}",
        "brackets": f"{grouped}.{cents}",
        "minus-after-symbol": f"{grouped}.{cents}",
    }[style]
    if amount >= 0:
        return f"{symbol}{number}"
    if style == "brackets":
        return f"({symbol}{number})"
    if style == "minus-after-symbol":
        return f"{symbol}-{number}"
    return f"-{symbol}{number}"


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "CRUMBSPRING", "ABCD-EFGH", "$1,2,3", "(5", "13/45/2026", "\x00", "'"]),
)


@DB
@given(
    junk=st.lists(st.lists(CELL, max_size=len(SQUARE) + 3), min_size=1, max_size=8),
    square=st.booleans(),
)
def test_junk_rows_give_row_named_errors_never_an_exception(
    shop: Membership, junk: list[list[str]], square: bool
) -> None:
    header = SQUARE if square else SHOPIFY
    good = [
        {"Name": "#1", "Discount Code": "CRUMBSPRING", "Total": "2.00", "Paid at": "2026-10-05"}
    ]
    text = csv_bytes(header, [] if square else good).decode()
    lines = ["\r\n".join(",".join(_quoted(cell) for cell in row) for row in junk)]
    data = (text + "\r\n".join(lines) + "\r\n").encode()
    try:
        with transaction.atomic():
            ti = till.preview(shop, upload(data))
            till.confirm(shop, ti, now=NOW)
            raise _RolledBack
    except _RolledBack:
        pass
    for line in ti.errors:
        assert line.startswith("Row ") or line.startswith("…and ")
    first = 2 if square else 3  # the header is row 1; the good order is row 2
    keyless = [n for n, row in enumerate(junk, start=first) if _keyless(row, header)]
    named = " ".join(ti.errors)
    for number in keyless[:5]:
        assert f"Row {number}:" in named


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def _keyless(row: list[str], header: list[str]) -> bool:
    """A junk row with no order key but something in it: it must be named in an error."""
    index = header.index("Transaction ID" if header is SQUARE else "Name")
    cleaned = [cell.replace("\x00", "") for cell in row]
    key = cleaned[index].strip() if index < len(cleaned) else ""
    return not key and any(cell.strip() for cell in cleaned)
