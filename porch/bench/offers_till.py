"""Till import benchmark: a 100,000-row Shopify orders export, previewed and imported.

- `till_csv_100k_rows_s`: a Shopify export of 100,000 rows (about 60,000 orders of one to
  four line items; 40% of the orders with a discount code: a third one of three shared
  codes, a third a per-person code, a third another promotion's code Porch does not know)
  is written to a temporary file; the seconds for preview + import on a fresh, migrated
  SQLite database, as the owner would do it (porch.offers.till). Goal: 5 s or less.
- `till_csv_100k_rows_again_s`: the same file imported a second time, which adds nothing
  (the figure is skipped if it adds anything).

The measurement runs in a child process (`python -m porch.bench.offers_till import`) with its
own PORCH_DATA; PORCH_BENCH_TILL_ROWS=<rows> runs a smaller copy (named after its size).
"""

import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from porch.bench.run import Figure, run_child, skipped

ROWS = 100_000
WITH_CODE = 0.4
SHARED = ["CRUMBSPRING", "RYEDAY", "FREECOFFEE"]
HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Billing Name",
    "Cancelled at",
    "Id",
]
START = datetime(2026, 9, 1, tzinfo=UTC)


def size() -> int:
    return int(os.environ.get("PORCH_BENCH_TILL_ROWS", ROWS))


def figure_name(rows: int) -> str:
    return "till_csv_100k_rows" if rows == ROWS else f"till_csv_{rows // 1000}k_rows"


def till_figures() -> Iterator[Figure]:
    name = figure_name(size())
    result = run_child("porch.bench.offers_till", ["import"], {}, 900)
    if "error" in result:
        yield skipped(f"{name}_s", result["error"])
        yield skipped(f"{name}_again_s", result["error"])
        return
    yield Figure(f"{name}_s", result["seconds"], "s")
    if result["again_added"]:
        yield skipped(f"{name}_again_s", f"the second import added {result['again_added']}")
    else:
        yield Figure(f"{name}_again_s", result["again_seconds"], "s")


def say(text: str) -> None:
    print(f"till bench: {text}", file=sys.stderr, flush=True)


def write_export(path: Path, rows: int, personal: list[str], seed: int = 22) -> int:
    """A Shopify orders export of `rows` rows into `path`; the number of orders."""
    pick = random.Random(seed)
    free = list(personal)
    pick.shuffle(free)
    orders = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        written = 0
        while written < rows:
            orders += 1
            lines = min(rows - written, pick.choices([1, 2, 3, 4], [55, 30, 10, 5])[0])
            writer.writerows(_order(pick, orders, lines, free))
            written += lines
    return orders


def _order(pick: random.Random, n: int, lines: int, free: list[str]) -> list[list[str]]:
    code = ""
    if pick.random() < WITH_CODE:
        kind = pick.randrange(3)
        if kind == 0:
            code = pick.choice(SHARED)
        elif kind == 1 and free:
            code = free.pop()
            code = f"{code[:4]}-{code[4:]}"
        else:
            code = "SUMMER10"
    paid = START + timedelta(seconds=pick.randrange(40 * 86400))
    stamp = paid.strftime("%Y-%m-%d %H:%M:%S +0000")
    status = "refunded" if pick.random() < 0.02 else "paid"
    total = f"{pick.randrange(300, 20000) / 100:.2f}"
    first = [f"#{1000 + n}", f"buyer{n}@customer.example", status, stamp, "fulfilled", stamp]
    first += ["no", "GBP", total, "0.00", "0.00", total, code, "2.00" if code else "", ""]
    first += [stamp, "1", "Rye loaf", "4.00", f"Customer {n}", "", str(9_000_000 + n)]
    rest = [
        [f"#{1000 + n}", *[""] * 15, "1", f"Bun {i}", "2.00", "", "", ""] for i in range(1, lines)
    ]
    return [first, *rest]


# What the child process does, with Django set up on its own database.


def _shop(personal_count: int) -> tuple[Any, list[str]]:
    from porch.bench.inbox import setup

    owner, workspace = setup()  # sets Django up
    from porch.offers.codes import new_personal_code
    from porch.offers.models import Code, CodeState, Give, Offer
    from porch.workspaces.models import Membership

    window = {"starts_at": START - timedelta(days=1), "ends_at": START + timedelta(days=60)}
    for code in SHARED:
        offer = Offer.objects.create(
            workspace=workspace, title=code, give=Give.SHARED, shared_code=code, **window
        )
        Code.objects.create(
            workspace=workspace, offer=offer, code=code, personal=False, state=CodeState.GIVEN
        )
    offer = Offer.objects.create(
        workspace=workspace, title="A code each", give=Give.PERSONAL, **window
    )
    codes = sorted({new_personal_code() for _ in range(personal_count)})
    Code.objects.bulk_create(
        [
            Code(workspace=workspace, offer=offer, code=c, personal=True, state=CodeState.SENT)
            for c in codes
        ],
        batch_size=2000,
    )
    return Membership.objects.get(user=owner, workspace=workspace), codes


def import_child() -> dict[str, Any]:
    rows = size()
    member, codes = _shop(rows // 8)  # sets Django up
    from django.core.files import File

    from porch.offers import till
    from porch.offers.models import Redemption

    with tempfile.TemporaryDirectory(prefix="porch-till-") as folder:
        path = Path(folder) / "orders_export.csv"
        orders = write_export(path, rows, codes)
        say(f"{rows} rows, {orders} orders, {path.stat().st_size // 1024} KiB")
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            with path.open("rb") as handle:
                shown = till.preview(member, File(handle, name=path.name))
            done = till.confirm(member, shown, now=START + timedelta(days=61))
            timings.append((time.perf_counter() - started, done.added, done.already))
            say(f"{timings[-1][0]:.2f} s: {done.added} added, {done.already} counted before")
    return {
        "seconds": timings[0][0],
        "added": timings[0][1],
        "again_seconds": timings[1][0],
        "again_added": timings[1][1],
        "redemptions": Redemption.objects.count(),
        "orders": orders,
    }


if __name__ == "__main__":
    import json

    if sys.argv[1:] == ["import"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "porch.settings")
        print(json.dumps(import_child()))
