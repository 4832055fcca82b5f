"""What Porch keeps about suggested peers, and the owner's choices on them.

store_ranking   peer discovery's answer (porch.plans.peers ranks) kept as PeerSuggestion
                rows: a re-rank updates score and why, keeps what the owner chose (saved,
                dismissed, followed, the person), and drops the plain suggestions it no
                longer makes
follow          an owner or manager: follow the account from the workspace's account on
                its network, once (followed_at records it; a second click calls nothing)
save_as_peer    an owner or manager: the account becomes a person with the status peer and
                a joint venture at "idea" (unless one is further along)
set_venture     an owner or manager: where the joint venture with a person stands
dismiss         an owner or manager: the suggestion leaves the list, and stays gone

A refusal by role is NotAllowed; anything else refused is a PorchError the page shows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from porch.errors import Conflict, InputError, NotAllowed
from porch.networks.registry import descriptor
from porch.networks.sync import client_for
from porch.people.models import Identity, PeerState, PeerSuggestion, Person, Status, Venture
from porch.people.services import identify
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace


@dataclass(frozen=True)
class Ranked:
    """One account peer discovery suggests, with why (PeerSuggestion.why's shape)."""

    network: str
    stable_id: str  # the network's id for it, else its handle
    handle: str
    display_name: str
    score: float
    why: dict[str, Any]


def _manager(member: Membership, what: str) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed(f"Only an owner or manager can {what}.")


def _own(member: Membership, suggestion: PeerSuggestion, what: str) -> None:
    _manager(member, what)
    if suggestion.workspace_id != member.workspace_id:
        raise NotAllowed("This suggestion is not in your workspace.")


@transaction.atomic
def store_ranking(workspace: Workspace, ranked: Sequence[Ranked], now: datetime) -> int:
    """Keep the ranking (idempotent: the same ranking twice leaves the same rows); how many
    suggestions it holds."""
    rows = [
        PeerSuggestion(
            workspace=workspace,
            network=r.network,
            stable_id=r.stable_id[:255],
            handle=r.handle[:255],
            display_name=r.display_name[:255],
            score=r.score,
            why=r.why,
            ranked_at=now,
        )
        for r in ranked
    ]
    PeerSuggestion.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["workspace", "network", "stable_id"],
        update_fields=["handle", "display_name", "score", "why", "ranked_at"],
    )
    keys = {(r.network, r.stable_id[:255]) for r in ranked}
    plain = PeerSuggestion.objects.filter(
        workspace=workspace, state=PeerState.SUGGESTED, followed_at__isnull=True
    )
    stale = [
        pk for pk, n, s in plain.values_list("pk", "network", "stable_id") if (n, s) not in keys
    ]
    PeerSuggestion.objects.filter(pk__in=stale).delete()
    return len(rows)


def follow_target(suggestion: PeerSuggestion) -> str:
    """What the network's client follows: the account's id on the shop's own server where
    Porch knows one, its id where that is not an address, else its handle."""
    local = (
        Identity.objects.filter(
            workspace_id=suggestion.workspace_id,
            network=suggestion.network,
            stable_id=suggestion.stable_id,
        )
        .exclude(local_id="")
        .values_list("local_id", flat=True)
        .first()
    )
    if local:
        return local
    if "://" in suggestion.stable_id or suggestion.stable_id == suggestion.handle:
        return suggestion.handle
    return suggestion.stable_id


def follow(member: Membership, suggestion: PeerSuggestion, now: datetime) -> PeerSuggestion:
    """Follow the account from the workspace's (first) account on its network; the network
    is called once however often this is asked (a failed call can be tried again)."""
    _own(member, suggestion, "follow accounts")
    network = descriptor(suggestion.network)
    if not network.can.engage:
        raise Conflict(f"Porch cannot follow accounts on {network.label} yet.")
    account = (
        ConnectedAccount.objects.filter(workspace=member.workspace, network=suggestion.network)
        .order_by("pk")
        .first()
    )
    if account is None:
        raise Conflict(f"Connect a {network.label} account first: Porch follows from it.")
    claimed = PeerSuggestion.objects.filter(pk=suggestion.pk, followed_at__isnull=True)
    if not claimed.update(followed_at=now):
        suggestion.refresh_from_db()
        return suggestion  # followed already
    try:
        with client_for(account) as client:
            client.follow(follow_target(suggestion))
    except BaseException:
        PeerSuggestion.objects.filter(pk=suggestion.pk, followed_at=now).update(followed_at=None)
        raise
    suggestion.followed_at = now
    return suggestion


@transaction.atomic
def save_as_peer(member: Membership, suggestion: PeerSuggestion) -> Person:
    """The account as a person (found or made) with the status peer and a joint venture at
    "idea" unless it has one already; the suggestion is saved. Saving again changes nothing."""
    _own(member, suggestion, "save peers")
    known_id = "" if suggestion.stable_id == suggestion.handle else suggestion.stable_id
    identity = identify(
        member.workspace, suggestion.network, known_id, suggestion.handle, suggestion.display_name
    )
    person = Person.objects.select_for_update().get(pk=identity.person_id)
    person.status = Status.PEER
    person.venture = person.venture or Venture.IDEA
    person.save(update_fields=["status", "venture", "updated_at"])
    PeerSuggestion.objects.filter(pk=suggestion.pk).update(state=PeerState.SAVED, person=person)
    suggestion.state, suggestion.person = PeerState.SAVED, person
    return person


def set_venture(member: Membership, person: Person, state: str) -> Person:
    """Where the joint venture with the person stands ("" for none)."""
    _manager(member, "track joint ventures")
    if person.workspace_id != member.workspace_id:
        raise NotAllowed("This person is not in your workspace.")
    if state and state not in Venture.values:
        raise InputError(f"{state} is not a joint venture's stage.")
    Person.objects.filter(pk=person.pk).update(venture=state)
    person.venture = state
    return person


def dismiss(member: Membership, suggestion: PeerSuggestion) -> PeerSuggestion:
    """The suggestion leaves the list; later rankings keep it dismissed."""
    _own(member, suggestion, "dismiss suggestions")
    PeerSuggestion.objects.filter(pk=suggestion.pk).update(state=PeerState.DISMISSED)
    suggestion.state = PeerState.DISMISSED
    return suggestion
