"""Till exports as the shops' tills write them, and offers to match them (the till tests share
these)."""

import csv
import io
from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from porch.bench.offers_till import HEADER as SHOPIFY_EXPORT
from porch.offers.models import Code, CodeState, Give, Offer
from porch.workspaces.models import Membership, Workspace

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)

# The first columns of a Shopify orders export, verbatim (research22 §3), and some later ones.
SHOPIFY = [*SHOPIFY_EXPORT[:-1], "Refunded Amount", "Id", "Phone"]
SQUARE = [
    "Date",
    "Time",
    "Time Zone",
    "Gross Sales",
    "Discounts",
    "Net Sales",
    "Tax",
    "Tip",
    "Total Collected",
    "Source",
    "Other Tender Note",
    "Transaction ID",
    "Payment ID",
    "Staff Name",
    "Details",
    "Description",
    "Event Type",
    "Location",
    "Customer Name",
    "Discount Name",
]


def offer_with(
    workspace: Workspace,
    *,
    shared: str = "",
    personal: tuple[str, ...] = (),
    days: int = 30,
    **fields: object,
) -> Offer:
    """An offer running the `days` before NOW, with a shared code or these personal codes."""
    offer = Offer.objects.create(
        workspace=workspace,
        title=f"Offer {shared or personal[:1]}",
        starts_at=NOW - timedelta(days=days),
        ends_at=NOW + timedelta(days=1),
        give=Give.SHARED if shared else Give.PERSONAL,
        shared_code=shared,
        **fields,
    )
    for code in [shared] if shared else personal:
        Code.objects.create(
            workspace=workspace,
            offer=offer,
            code=code,
            personal=not shared,
            state=CodeState.GIVEN if shared else CodeState.SENT,
        )
    return offer


def csv_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def shopify_order(
    name: str,
    code: str = "",
    total: str = "20.00",
    paid: str = "2026-10-05 09:14:02 +0000",
    lines: int = 1,
    more: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """An order as Shopify writes it: the order's columns on its first line item's row."""
    first = {
        "Name": name,
        "Email": f"{name.strip('#')}@customer.example",
        "Financial Status": "paid",
        "Paid at": paid,
        "Created at": paid,
        "Total": total,
        "Discount Code": code,
        "Billing Name": "Maya Baker",
        "Lineitem name": "Rye loaf",
        "Phone": "+44 7700 900123",
        **(more or {}),
    }
    return [first] + [{"Name": name, "Lineitem name": f"Bun {i}"} for i in range(1, lines)]


def upload(data: bytes, name: str = "orders_export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def manager_of(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace)  # the owner made by the fixtures
