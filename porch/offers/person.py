"""A person's codes and redemptions, for their page (porch.people.panels asks; offers answers).

The codes are those sent to the person (by the identity they went to, or typed against
them), the redemptions theirs by code or by person; each row links to its offer's page."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.urls import NoReverseMatch, reverse

from porch.offers import codes
from porch.offers.models import Code, Redemption
from porch.people.models import Person
from porch.people.panels import Panel, Row
from porch.workspaces.models import Membership

SHOWN = 50  # rows of each kind; the summary counts them all


def theirs(person: Person) -> Q:
    """Codes of the person: kept against them, or sent to one of their identities."""
    return Q(person=person) | Q(identity__person=person)


def offer_url(member: Membership, offer_id: int) -> str:
    try:
        return reverse("offers:offer", args=[member.workspace.slug, offer_id])
    except NoReverseMatch:  # the offers pages are not there (an install without them)
        return ""


def person_panel(member: Membership, person: Person) -> Panel | None:
    """Their codes (offer, code, state, redeemed when) and redemptions (amount, where)."""
    if person.workspace_id != member.workspace_id:
        return None
    zone = ZoneInfo(member.workspace.timezone)
    found = Code.objects.filter(workspace=member.workspace, personal=True).filter(theirs(person))
    given = list(found.select_related("offer").order_by("-created_at", "-pk")[:SHOWN])
    spent = Redemption.objects.filter(workspace=member.workspace).filter(
        Q(person=person) | Q(code__in=found)
    )
    rows = [_code_row(member, code, zone) for code in given]
    redeemed = list(spent.select_related("offer").order_by("-redeemed_at", "-pk")[:SHOWN])
    rows += [_redemption_row(member, row, zone) for row in redeemed]
    if not rows:
        return None
    total = spent.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    count, times = found.count(), spent.count()
    summary = f"{count} code{'s' if count != 1 else ''}, {times} redeemed"
    return Panel("Offers", rows, summary + (f", {total:.2f}" if total else ""))


def _code_row(member: Membership, code: Code, zone: ZoneInfo) -> Row:
    state = code.get_state_display()
    if code.redeemed_at is not None:
        state = f"redeemed {code.redeemed_at.astimezone(zone):%-d %b %Y %H:%M}"
    elif code.sent_at is not None:
        state = f"{state} {code.sent_at.astimezone(zone):%-d %b %Y}"
    return Row(
        text=f"{code.offer.title}: code {codes.display(code)}",
        detail=f"{state} · {code.get_network_display() or 'by hand'}",
        url=offer_url(member, code.offer_id),
    )


def _redemption_row(member: Membership, row: Redemption, zone: ZoneInfo) -> Row:
    amount = f" for {row.amount:.2f}" if row.amount is not None else ""
    when = row.redeemed_at.astimezone(zone)
    return Row(
        text=f"{row.offer.title}: redeemed{amount}",
        detail=f"{when:%-d %b %Y %H:%M} · {row.get_source_display()}",
        url=offer_url(member, row.offer_id),
    )
