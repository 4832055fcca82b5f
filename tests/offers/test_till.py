"""Redemptions from the till: each format read, previewed, imported once."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from porch.bench import offers_till as bench
from porch.errors import Conflict, InputError, NotAllowed
from porch.offers import till
from porch.offers.models import Code, CodeState, Offer, Redemption, Source, TillImport
from porch.offers.redeem import redeem
from porch.offers.till_formats import parse_money, parse_when
from porch.people.models import Person
from porch.workspaces.models import Membership, Role, Workspace
from tests.conftest import add_member
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


@pytest.fixture
def member(workspace: Workspace) -> Membership:
    return manager_of(workspace)


def shopify_file(*orders: list[dict[str, str]]) -> bytes:
    return csv_bytes(SHOPIFY, [row for order in orders for row in order])


def test_a_shopify_export_is_previewed_then_imported_once(
    workspace: Workspace, member: Membership
) -> None:
    spring = offer_with(workspace, shared="CRUMBSPRING")
    personal = offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS"))
    data = shopify_file(
        shopify_order("#1001", "CRUMB-SPRING", "$1,240.00", lines=3),
        shopify_order("#1002", "abcd-efgh", "12.50", paid="2026-10-06 10:00:00 +0100"),
        shopify_order("#1003", "", "8.00"),  # no code
        shopify_order("#1004", "SUMMER10", "9.00"),  # another promotion's code
        shopify_order("#1005", "crumbspring", "5.00", more={"Financial Status": "refunded"}),
        shopify_order("#1006", "CRUMBSPRING", "5.00", more={"Cancelled at": "2026-10-07"}),
    )
    ti = till.preview(member, upload(data))
    assert ti.preset == "shopify" and ti.rows == 8
    assert (ti.added, ti.already, ti.skipped, ti.errors) == (2, 0, 2, [])
    assert Redemption.objects.count() == 0  # nothing yet
    done = till.confirm(member, ti, now=NOW)
    assert done.imported_at == NOW and done.added == 2 and bytes(done.data) == b""
    made = {r.code.code: r for r in Redemption.objects.select_related("code") if r.code}
    assert made["CRUMBSPRING"].amount == Decimal("1240.00")
    assert made["CRUMBSPRING"].source == Source.TILL and made["CRUMBSPRING"].offer == spring
    assert made["ABCDEFGH"].redeemed_at == datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
    assert made["ABCDEFGH"].personal and made["ABCDEFGH"].offer == personal
    code = Code.objects.get(code="ABCDEFGH")
    assert code.redeemed_at == datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
    counts = dict(Offer.objects.values_list("pk", "redeemed_count"))
    assert counts == {spring.pk: 1, personal.pk: 1}


def test_importing_the_same_sales_again_adds_nothing(
    workspace: Workspace, member: Membership
) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    data = shopify_file(*(shopify_order(f"#{n}", "CRUMBSPRING") for n in range(1, 6)))
    till.confirm(member, till.preview(member, upload(data)), now=NOW)
    again = till.preview(member, upload(data))
    assert (again.added, again.already) == (0, 5)
    assert till.confirm(member, again, now=NOW).added == 0
    assert Redemption.objects.count() == 5
    assert Offer.objects.get().redeemed_count == 5


def test_one_import_cannot_be_confirmed_twice(workspace: Workspace, member: Membership) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    ti = till.preview(member, upload(shopify_file(shopify_order("#1", "CRUMBSPRING"))))
    till.confirm(member, ti, now=NOW)
    with pytest.raises(Conflict, match="imported already"):
        till.confirm(member, TillImport.objects.get(pk=ti.pk), now=NOW)
    assert Redemption.objects.count() == 1


def test_a_personal_code_used_at_the_counter_is_not_counted_twice(
    workspace: Workspace, member: Membership, owner: User
) -> None:
    offer_with(workspace, personal=("ABCDEFGH",))
    assert redeem(workspace, "ABCD-EFGH", now=NOW - timedelta(days=2), by_user=owner).valid
    data = shopify_file(shopify_order("#7", "ABCD-EFGH"), shopify_order("#8", "ABCDEFGH"))
    ti = till.preview(member, upload(data))
    assert (ti.added, ti.already) == (0, 2)
    till.confirm(member, ti, now=NOW)
    assert Redemption.objects.count() == 1
    assert Offer.objects.get().redeemed_count == 1


def test_a_personal_code_in_two_orders_goes_to_the_earlier(
    workspace: Workspace, member: Membership
) -> None:
    offer_with(workspace, personal=("ABCDEFGH",))
    data = shopify_file(
        shopify_order("#9", "ABCDEFGH", paid="2026-10-09 09:00:00 +0000"),
        shopify_order("#8", "ABCDEFGH", paid="2026-10-08 09:00:00 +0000", total="3.00"),
    )
    ti = till.confirm(member, till.preview(member, upload(data)), now=NOW)
    assert (ti.added, ti.already) == (1, 1)
    assert Redemption.objects.get().amount == Decimal("3.00")


def test_the_offer_limit_and_dates_hold(workspace: Workspace, member: Membership) -> None:
    offer = offer_with(workspace, shared="CRUMBSPRING", limit_total=3, redeemed_count=1)
    orders = [
        shopify_order(f"#{n}", "CRUMBSPRING", paid=f"2026-10-1{n} 09:00:00 +0000") for n in range(5)
    ]
    too_early = shopify_order("#old", "CRUMBSPRING", paid="2026-01-01 09:00:00 +0000")
    ti = till.confirm(
        member, till.preview(member, upload(shopify_file(*orders, too_early))), now=NOW
    )
    assert (ti.added, ti.skipped) == (2, 4)
    offer.refresh_from_db()
    assert offer.redeemed_count == 3
    assert sorted(r.redeemed_at.day for r in Redemption.objects.all()) == [10, 11]


def test_a_personal_code_never_sent_is_not_counted(
    workspace: Workspace, member: Membership
) -> None:
    offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS"))
    Code.objects.filter(code="JKMNPQRS").update(state=CodeState.QUEUED)
    data = shopify_file(shopify_order("#1", "ABCDEFGH"), shopify_order("#2", "JKMN-PQRS"))
    ti = till.preview(member, upload(data))
    assert (ti.added, ti.skipped) == (1, 1)
    assert ti.errors == [
        "Row 3: order '#2': the code JKMN-PQRS was never sent (waiting to be sent); "
        "check the offer's page: this order is not counted."
    ]
    till.confirm(member, ti, now=NOW)
    assert list(Redemption.objects.values_list("code__code", flat=True)) == ["ABCDEFGH"]
    assert Code.objects.get(code="JKMNPQRS").redeemed_at is None


def test_the_per_person_limit_holds_in_the_file_and_against_the_counter(
    workspace: Workspace, member: Membership, owner: User
) -> None:
    offer = offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS", "TVWXYZ23"))
    maya = Person.objects.create(workspace=workspace, display_name="Maya")
    Code.objects.filter(offer=offer).update(person=maya)  # three codes, one person
    data = shopify_file(
        shopify_order("#1", "ABCDEFGH", paid="2026-10-05 09:00:00 +0000"),
        shopify_order("#2", "JKMNPQRS", paid="2026-10-06 09:00:00 +0000"),
    )
    ti = till.preview(member, upload(data))  # the limit is 1: the earlier order wins
    assert (ti.added, ti.skipped) == (1, 1)
    assert ti.errors == [
        "Row 3: order '#2': the person already had the offer 1 time, as often as it "
        "allows; this order is not counted."
    ]
    # A redemption at the counter between the preview and the import is respected.
    assert redeem(workspace, "TVWX-YZ23", now=NOW - timedelta(hours=1), by_user=owner).valid
    done = till.confirm(member, TillImport.objects.get(pk=ti.pk), now=NOW)
    assert (done.added, done.skipped) == (0, 2)
    assert Redemption.objects.count() == 1 and Offer.objects.get().redeemed_count == 1
    assert not Code.objects.filter(code__in=["ABCDEFGH", "JKMNPQRS"], redeemed_at__isnull=False)


def test_a_counter_redemption_while_importing_is_checked_under_the_offers_lock(
    workspace: Workspace, member: Membership, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter redeems the person's other code after the import planned (as another
    connection could on PostgreSQL): the person limit, checked again, stops the import."""
    offer = offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS"))
    maya = Person.objects.create(workspace=workspace, display_name="Maya")
    Code.objects.filter(offer=offer).update(person=maya)
    ti = till.preview(member, upload(shopify_file(shopify_order("#1", "ABCDEFGH"))))
    claim = till._claim

    def counter_first(when_by_code: dict[int, datetime]) -> set[int]:
        assert redeem(workspace, "JKMNPQRS", now=NOW - timedelta(hours=1), by_user=owner).valid
        return claim(when_by_code)

    monkeypatch.setattr(till, "_claim", counter_first)
    with pytest.raises(Conflict, match="redeemed at the counter while importing"):
        till.confirm(member, ti, now=NOW)
    assert not Redemption.objects.filter(source=Source.TILL).exists()
    assert TillImport.objects.get(pk=ti.pk).imported_at is None


def test_a_higher_per_person_limit_counts_what_was_stored(
    workspace: Workspace, member: Membership
) -> None:
    offer = offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS", "TVWXYZ23"))
    Offer.objects.filter(pk=offer.pk).update(limit_per_person=2)
    maya = Person.objects.create(workspace=workspace, display_name="Maya")
    Code.objects.filter(offer=offer).update(person=maya)
    first = shopify_file(shopify_order("#1", "ABCDEFGH"))
    assert till.confirm(member, till.preview(member, upload(first)), now=NOW).added == 1
    data = shopify_file(shopify_order("#2", "JKMNPQRS"), shopify_order("#3", "TVWXYZ23"))
    ti = till.confirm(member, till.preview(member, upload(data)), now=NOW)
    assert (ti.added, ti.skipped) == (1, 1)
    assert "already had the offer 2 times" in ti.errors[0]


def test_square_transactions_match_by_discount_name_or_a_note(
    workspace: Workspace, member: Membership
) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS"))
    rows = [
        {
            "Date": "10/05/2026",
            "Time": "2:30:00 PM",
            "Time Zone": "Pacific Time (US & Canada)",
            "Total Collected": "$22.50",
            "Transaction ID": "t1",
            "Discount Name": "Crumb Spring",
            "Customer Name": "Maya Baker",
        },
        {
            "Date": "2026-10-05",
            "Time": "21:50:48",
            "Time Zone": "Europe/London",
            "Total Collected": "$7.00",
            "Transaction ID": "t2",
            "Other Tender Note": "code abcd efgh, thanks",
        },
        {
            "Date": "2026-10-05",
            "Total Collected": "-$3.00",
            "Transaction ID": "t3",
            "Details": "JKMN-PQRS",
            "Event Type": "Refund",
        },
        {"Date": "2026-10-05", "Total Collected": "$9.00", "Transaction ID": "t4"},
    ]
    ti = till.preview(member, upload(csv_bytes(SQUARE, rows), "transactions.csv"))
    assert ti.preset == "square-transactions"
    assert (ti.rows, ti.added, ti.skipped, ti.errors) == (4, 2, 1, [])
    till.confirm(member, ti, now=NOW)
    made = {r.code.code: r for r in Redemption.objects.select_related("code") if r.code}
    pacific = datetime(2026, 10, 5, 14, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert made["CRUMBSPRING"].redeemed_at == pacific
    assert made["CRUMBSPRING"].amount == Decimal("22.50")
    assert made["ABCDEFGH"].redeemed_at == datetime(2026, 10, 5, 20, 50, 48, tzinfo=UTC)
    assert not Code.objects.get(code="JKMNPQRS").redeemed_at


def test_square_items_add_up_the_transaction(workspace: Workspace, member: Membership) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    header = ["Date", "Time", "Time Zone", "Item", "Qty", "Net Sales", "Transaction ID", "Notes"]
    rows = [
        {"Date": "2026-10-05", "Item": "Rye", "Net Sales": "$4.00", "Transaction ID": "x1"},
        {"Date": "2026-10-05", "Item": "Bun", "Net Sales": "$2.50", "Transaction ID": "x1"},
        {"Date": "2026-10-05", "Item": "Tea", "Transaction ID": "x1", "Notes": "CRUMBSPRING"},
    ]
    ti = till.confirm(member, till.preview(member, upload(csv_bytes(header, rows))), now=NOW)
    assert ti.preset == "square-items" and ti.added == 1
    assert Redemption.objects.get().amount == Decimal("6.50")


def test_an_unknown_format_waits_for_its_columns_which_are_kept_for_the_next_file(
    workspace: Workspace, member: Membership
) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    header = ["Receipt", "Customer email", "Voucher", "Paid", "When"]
    rows = [
        {
            "Receipt": "R1",
            "Customer email": "maya@x.example",
            "Voucher": "CRUMBSPRING",
            "Paid": "£4.00",
            "When": "2026-10-05 10:00",
        },
    ]
    first = till.preview(member, upload(csv_bytes(header, rows)))
    assert first.preset == "" and first.rows == 0
    assert b"maya@" not in bytes(first.data) and b"Customer email" not in bytes(first.data)
    mapping = {"order": "Receipt", "code": "Voucher", "amount": "Paid", "date": "When"}
    mapped = till.remap(member, first, mapping)
    assert (mapped.preset, mapped.added, mapped.mapping) == ("mapped", 1, mapping)
    till.confirm(member, mapped, now=NOW)
    assert Redemption.objects.get().redeemed_at == datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    rows[0]["Receipt"] = "R2"
    second = till.preview(member, upload(csv_bytes(header, rows)))
    assert (second.preset, second.added) == ("mapped", 1)


def test_bad_rows_are_named_with_what_to_do(workspace: Workspace, member: Membership) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    data = shopify_file(
        shopify_order("#1", "CRUMBSPRING", "twelve"),
        shopify_order("#2", "CRUMBSPRING", paid="yesterday", more={"Created at": ""}),
        [{"Lineitem name": "a line with no order"}],
        shopify_order("#3", "CRUMBSPRING"),
    )
    ti = till.preview(member, upload(data))
    assert ti.added == 1
    assert ti.errors == [
        "Row 4: no order number in the 'Name' column; fill it in or delete the row.",
        "Row 2: order '#1': the amount 'twelve' is not an amount of money; write it like 12.50.",
        "Row 3: order '#2': the date 'yesterday' cannot be read; write it like 2026-10-05 "
        "14:30 or 10/05/2026 2:30 PM.",
    ]


def test_no_email_or_name_from_the_file_is_kept(workspace: Workspace, member: Membership) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    ti = till.preview(member, upload(shopify_file(shopify_order("#1", "CRUMBSPRING"))))
    kept = bytes(TillImport.objects.get(pk=ti.pk).data)
    assert b"@" not in kept and b"Maya" not in kept and b"7700" not in kept


def test_refused_files_say_why(workspace: Workspace, member: Membership, settings: object) -> None:
    with pytest.raises(InputError, match="empty"):
        till.preview(member, upload(b""))
    with pytest.raises(InputError, match="Excel"):
        till.preview(member, upload(b"PK\x03\x04rest"))
    with pytest.raises(InputError, match="header row"):
        till.preview(member, upload(b"just one line of words\n"))
    settings.TILL_IMPORT_MAX_MB = 1  # type: ignore[attr-defined]
    settings.IMPORT_MAX_MB = 1024  # type: ignore[attr-defined]  # history archives': not this
    with pytest.raises(
        InputError,
        match=r"bigger than the 1 MB .* for till sales\. Export a shorter date range.*"
        r"PORCH_TILL_IMPORT_MAX_MB",
    ):
        till.preview(member, upload(b"a,b\n" + b"1,2\n" * 300_000))


def test_a_helper_may_not_import(workspace: Workspace) -> None:
    add_member(workspace, "helper@bakery.example", Role.HELPER)
    helper = Membership.objects.get(role=Role.HELPER)
    with pytest.raises(NotAllowed):
        till.preview(helper, upload(shopify_file(shopify_order("#1"))))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,240.00", "1240.00"),
        ("-$3.00", "-3.00"),
        ("$-3.00", "-3.00"),
        ("(3.00)", "-3.00"),
        ("12,50 €", "12.50"),
        ("1.240,50", "1240.50"),
        ("£4", "4.00"),
        ("1,240", "1240.00"),
        ("CHF 1'240.05", "1240.05"),
    ],
)
def test_money_as_tills_write_it(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5x", "$", "(3.00", "12 34 56 apples"])
def test_what_is_not_money(text: str) -> None:
    assert parse_money(text) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("(" + " " * 100_000 + "xxxx", None),
        ("1" + " " * 100_000 + "xxxx", None),
        ("- " + " " * 100_000 + "$ 3.00", "-3.00"),
        ("(" + " " * 100_000 + "3.00" + " " * 100_000 + "€ )", "-3.00"),
    ],
)
def test_a_long_run_of_spaces_is_read_in_one_pass(text: str, amount: str | None) -> None:
    """The money pattern has no two runs of spaces side by side to backtrack between (a
    cell like these took minutes with them)."""
    assert parse_money(text) == (None if amount is None else Decimal(amount))


def test_dates_as_tills_write_them() -> None:
    london = ZoneInfo("Europe/London")
    assert parse_when("2026-03-12 09:14:02 +0000", london) == datetime(
        2026, 3, 12, 9, 14, 2, tzinfo=UTC
    )
    assert parse_when("10/05/2026 2:30:00 PM", london) == datetime(
        2026, 10, 5, 14, 30, tzinfo=london
    )
    assert parse_when("25/12/2026", london) == datetime(2026, 12, 25, tzinfo=london)
    assert parse_when("2026-02-30", london) is None
    assert parse_when("13:00 PM 2026", london) is None


def test_the_benchmarks_export_imports_once(
    workspace: Workspace, member: Membership, tmp_path: Path
) -> None:
    """porch/bench/offers_till.py's generated Shopify export, in small: about 0.6 orders a
    row, the codes found, and a second import adds nothing."""
    offer = offer_with(workspace, personal=("ABCDEFGH", "JKMNPQRS"), days=400)
    Offer.objects.filter(pk=offer.pk).update(starts_at=bench.START - timedelta(days=1))
    path = tmp_path / "orders_export.csv"
    orders = bench.write_export(path, 2000, ["ABCDEFGH", "JKMNPQRS"])
    assert 1100 <= orders <= 1300
    first = till.confirm(member, till.preview(member, upload(path.read_bytes())), now=NOW)
    assert (first.rows, first.added, first.errors) == (2000, 2, [])
    again = till.confirm(member, till.preview(member, upload(path.read_bytes())), now=NOW)
    assert (again.added, again.already) == (0, 2)
