"""What offers tell the API's webhooks (porch.core.events), in the transaction of the write:
a code redeemed at the counter, and a till file imported (one summary, not one event per
sale: a till's year can be 100,000 rows). The demo's made-up offers stay in Porch."""

from collections.abc import Mapping

from porch.core.events import EventType, emit, register_event_type
from porch.offers.codes import display
from porch.offers.models import Code, Redemption, TillImport

OFFER_REDEEMED = EventType(
    "offer.redeemed",
    "A code was redeemed at the counter.",
    {
        "redemption": 501,
        "offer": 7,
        "title": "10% off a loaf",
        "code": "ABCD-EFGH",
        "personal": True,
        "person": 88,
        "network": "<the account's network>",
        "amount": "12.50",
        "source": "counter",
        "redeemed_at": "2026-11-16T09:30:00+00:00",
    },
)

OFFER_TILL_IMPORTED = EventType(
    "offer.till_imported",
    "A till's sales file was imported: how many redemptions it added, per offer.",
    {
        "import": 12,
        "file_name": "sales-november.csv",
        "format": "shopify",
        "rows": 120,
        "added": 14,
        "already": 2,
        "skipped": 104,
        "errors": 1,
        "offers": [{"offer": 7, "added": 14}],
        "imported_at": "2026-11-30T18:00:00+00:00",
    },
)


def register() -> None:
    register_event_type(OFFER_REDEEMED)
    register_event_type(OFFER_TILL_IMPORTED)


def redeemed(redemption: Redemption, code: Code) -> None:
    """Tell of a redemption of `code` made at the counter (or by a staff link)."""
    if redemption.is_demo:
        return
    data = {
        "redemption": redemption.pk,
        "offer": code.offer_id,
        "title": code.offer.title,
        "code": display(code),
        "personal": redemption.personal,
        "person": redemption.person_id,
        "network": redemption.network,
        "amount": None if redemption.amount is None else str(redemption.amount),
        "source": redemption.source,
        "redeemed_at": redemption.redeemed_at.isoformat(),
    }
    emit(redemption.workspace_id, OFFER_REDEEMED.name, data, at=redemption.redeemed_at)


def till_imported(till: TillImport, added: Mapping[int, int], demo: bool) -> None:
    """Tell of a till file imported, with its counts and the redemptions added per offer."""
    if demo or till.imported_at is None:
        return
    data = {
        "import": till.pk,
        "file_name": till.file_name,
        "format": till.preset,
        "rows": till.rows,
        "added": till.added,
        "already": till.already,
        "skipped": till.skipped,
        "errors": len(till.errors),
        "offers": [{"offer": offer, "added": count} for offer, count in sorted(added.items())],
        "imported_at": till.imported_at.isoformat(),
    }
    emit(till.workspace_id, OFFER_TILL_IMPORTED.name, data, at=till.imported_at)
