"""Leads and wins: a person the owner (or a lead-intent message or hit, porch.people.sync)
marks a lead, and a lead the owner marks won with an amount, which the money page counts
(porch.insights.money, from Person.won_amount and won_at).

Any member may mark a lead or a win (as any member may add revenue); taking a win back
removes money from the reports, so only an owner or a manager may.
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from porch.errors import NotAllowed, PorchError
from porch.people.models import Person, Status
from porch.workspaces.models import Membership, Role, Workspace


def _in_workspace(member: Membership, person: Person) -> None:
    if person.workspace_id != member.workspace_id:
        raise NotAllowed("This person is not in your workspace.")


def mark_lead(member: Membership, person: Person, when: datetime | None = None) -> Person:
    """Any member: the person is a lead (since `when`, by default now)."""
    _in_workspace(member, person)
    person.status, person.lead_at = Status.LEAD, person.lead_at or when or timezone.now()
    person.save(update_fields=["status", "lead_at", "updated_at"])
    return person


def unmark_lead(member: Membership, person: Person) -> Person:
    """Any member: the person is not a lead after all (a won lead is taken back first)."""
    _in_workspace(member, person)
    if person.won_at is not None:
        raise PorchError("This lead was won: take the win back first.")
    if person.status == Status.LEAD:
        person.status = Status.OTHER
    person.lead_at = None
    person.save(update_fields=["status", "lead_at", "updated_at"])
    return person


def mark_won(
    member: Membership, person: Person, amount: Decimal, when: datetime | None = None
) -> Person:
    """Any member: the lead was won, for `amount` (the workspace's currency), at `when`
    (by default now); the person becomes a customer. Marking it again corrects it."""
    _in_workspace(member, person)
    if amount < 0:
        raise PorchError("A won lead's amount cannot be negative.")
    if amount >= Decimal("1e10"):
        raise PorchError("That amount is too large.")
    now = timezone.now()
    person.won_amount, person.won_at = amount.quantize(Decimal("0.01")), when or now
    person.lead_at = person.lead_at or person.won_at
    person.status = Status.CUSTOMER
    person.save(update_fields=["won_amount", "won_at", "lead_at", "status", "updated_at"])
    return person


def unmark_won(member: Membership, person: Person) -> Person:
    """An owner or manager: the win is taken back; the person is a lead again."""
    _in_workspace(member, person)
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can take a win back.")
    person.won_amount = person.won_at = None
    person.status = Status.LEAD
    person.save(update_fields=["won_amount", "won_at", "status", "updated_at"])
    return person


def won_between(workspace: Workspace, since: datetime, until: datetime) -> QuerySet[Person]:
    """The leads won in [since, until)."""
    return Person.objects.filter(
        workspace=workspace, won_at__gte=since, won_at__lt=until, won_amount__isnull=False
    )


def won_total(workspace: Workspace, since: datetime, until: datetime) -> tuple[int, Decimal]:
    """(how many leads were won, for how much in all) in [since, until)."""
    found = won_between(workspace, since, until).aggregate(s=Sum("won_amount"))
    total = Decimal(found["s"] or 0).quantize(Decimal("0.01"))  # SQLite's sum drops the cents
    return won_between(workspace, since, until).count(), total
