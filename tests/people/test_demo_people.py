"""The demo's people: a customer with a history on two networks whose profiles say she is one
person (one merge suggested, which the owner can confirm), followers, a few peers with why,
and a lead won with an amount."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from porch.demo import ANA, ANA_DOMAIN, ANA_SERVER, ANA_WON, DEMO_EMAIL, HISTORY, load_demo
from porch.inbox.models import Message, MessageKind, Note
from porch.people import leads
from porch.people.merge import confirm_merge
from porch.people.models import Follow, Identity, MergeSuggestion, PeerSuggestion, Person, Status
from porch.people.privacy import erase_person
from porch.workspaces.models import Membership, Workspace
from tests.people.test_privacy import naming

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def _owner(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace, user__username=DEMO_EMAIL)


def _ana(workspace: Workspace, handle: str) -> Identity:
    return Identity.objects.get(workspace=workspace, handle=handle)


@time_machine.travel(NOW)
def test_the_demo_suggests_exactly_one_merge_from_her_two_profiles(db: None) -> None:
    workspace, _ = load_demo()
    on_domain, on_server = _ana(workspace, ANA_DOMAIN), _ana(workspace, ANA_SERVER)
    assert on_domain.network != on_server.network
    assert on_domain.person_id != on_server.person_id  # never merged by itself

    suggestion = MergeSuggestion.objects.get(workspace=workspace)

    assert {suggestion.a_id, suggestion.b_id} == {on_domain.person_id, on_server.person_id}
    assert any("verified" in line and ANA_DOMAIN in line for line in suggestion.evidence)
    assert load_demo()[1] is False and MergeSuggestion.objects.count() == 1


@time_machine.travel(NOW)
def test_once_merged_her_history_spans_both_networks(db: None) -> None:
    workspace, _ = load_demo()
    confirm_merge(_owner(workspace), MergeSuggestion.objects.get(workspace=workspace))

    ana = _ana(workspace, ANA_DOMAIN).person
    identities = list(ana.identities.all())
    assert {i.handle for i in identities} == {ANA_DOMAIN, ANA_SERVER}
    wrote = Message.objects.filter(workspace=workspace, author_handle__in=[ANA_DOMAIN, ANA_SERVER])
    assert wrote.count() == len(HISTORY) and len({m.network for m in wrote}) == 2
    lead = wrote.get(intent="lead").conversation
    assert lead.messages.filter(kind=MessageKind.OURS).exists()
    assert Note.objects.filter(conversation=lead).exists()


@time_machine.travel(NOW)
def test_her_lead_was_won_and_the_money_counts_it(db: None) -> None:
    workspace, _ = load_demo()
    ana = _ana(workspace, ANA_DOMAIN).person

    assert (ana.status, ana.won_amount, ana.display_name) == (Status.CUSTOMER, ANA_WON, ANA)
    count, total = leads.won_total(workspace, NOW - timedelta(days=7), NOW + timedelta(days=1))
    assert (count, total) == (1, Decimal(ANA_WON))
    assert Person.objects.filter(workspace=workspace, status=Status.LEAD).exists()  # open leads


@time_machine.travel(NOW)
def test_customers_follow_the_shop_and_a_few_peers_are_suggested_with_why(db: None) -> None:
    workspace, _ = load_demo()
    follows = Follow.objects.filter(account__workspace=workspace, gone_at__isnull=True)
    followed_by_her = follows.filter(identity__handle__in=[ANA_DOMAIN, ANA_SERVER])
    assert followed_by_her.values("account").distinct().count() == 2

    peers = list(PeerSuggestion.objects.filter(workspace=workspace).order_by("-score"))

    assert 3 <= len(peers) <= 10
    assert len({peer.network for peer in peers}) == 2
    own = set(workspace.accounts.values_list("handle", flat=True))
    assert all(peer.handle not in own and peer.why["shared_followers"] >= 2 for peer in peers)
    assert all(person.is_demo for person in Person.objects.filter(workspace=workspace))


@time_machine.travel(NOW)
def test_erasing_a_demo_customer_leaves_no_row_naming_her(db: None) -> None:
    workspace, _ = load_demo()
    texts = [row[3] for row in HISTORY]
    owner = _owner(workspace)
    confirm_merge(owner, MergeSuggestion.objects.get(workspace=workspace))

    erase_person(owner, _ana(workspace, ANA_DOMAIN).person)

    assert naming([ANA, ANA_DOMAIN, ANA_SERVER, *texts]) == []
    assert Person.objects.filter(workspace=workspace).count() > 10  # the others stay
