"""The rule that never breaks: no suggestion, and no confirmed merge, puts two identities of
one network in one person; and an undo puts every identity back where it was. Small pools of
hosts, names and handles so that blocks collide often."""

import itertools
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from porch.errors import Conflict
from porch.networks import registry
from porch.people.merge import confirm_merge, suggest_merges, undo_merge
from porch.people.models import Identity, Merge, MergeSuggestion, Person, SuggestionState
from porch.workspaces.models import Membership, Role, Workspace

# Three installed networks, the first whose handles are domains; asked, not named.
DOMAINS = next(d.name for d in registry.descriptors() if d.hosted_handles is not None)
NETWORKS = [DOMAINS, *(d.name for d in registry.descriptors() if d.name != DOMAINS)][:3]
HOSTED = (registry.descriptor(DOMAINS).hosted_handles or ("",))[0]
HANDLES = ["a.example", "shop.a.example", "b.example", f"ana.{HOSTED}", "ana@toot.example", "bo"]
NAMES = ["Ana Baker", "ana baker", "Bo", ""]
URLS = [
    "https://a.example",
    "a.example/menu",
    "https://www.b.example/",
    "https://linktr.ee/ana",
    "https://toot.example/@ana",
    f"https://{HOSTED}",
]
BIOS = ["", "bread! @ana@toot.example", "also @a.example", "see https://toot.example/@ana"]
_runs = itertools.count()

identity = st.fixed_dictionaries(
    {
        "network": st.sampled_from(NETWORKS),
        "handle": st.sampled_from(HANDLES),
        "display_name": st.sampled_from(NAMES),
        "website": st.sampled_from(["", *URLS]),
        "links": st.lists(
            st.fixed_dictionaries(
                {"url": st.sampled_from(URLS), "verified_at": st.sampled_from(["", "2026-11-02"])}
            ),
            max_size=2,
        ),
        "bio": st.sampled_from(BIOS),
        "profile_url": st.sampled_from(["", "https://toot.example/@ana"]),
    }
)
# A person's identities are on different networks, as the rule wants.
person = st.lists(identity, min_size=1, max_size=3, unique_by=lambda i: i["network"])
people = st.lists(person, min_size=2, max_size=8)


def fresh() -> tuple[Workspace, Membership]:
    run = next(_runs)  # no password to hash: many examples, one test
    owner = User.objects.create(username=f"owner{run}@merge.example")
    workspace = Workspace.objects.create(name=f"Shop {run}", slug=f"merge-shop-{run}")
    return workspace, Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)


def fill(workspace: Workspace, drawn: list[list[dict[str, Any]]]) -> None:
    ids = itertools.count()
    for identities in drawn:
        someone = Person.objects.create(workspace=workspace, display_name="someone")
        for fields in identities:
            Identity.objects.create(
                workspace=workspace, person=someone, stable_id=f"id-{next(ids)}", **fields
            )


def networks_of(person_id: int) -> list[str]:
    return list(Identity.objects.filter(person_id=person_id).values_list("network", flat=True))


def identity_map(workspace: Workspace) -> dict[int, int]:
    return dict(Identity.objects.filter(workspace=workspace).values_list("pk", "person_id"))


@pytest.mark.django_db
@settings(max_examples=80, deadline=None)
@given(people)
def test_no_suggestion_joins_two_people_on_one_network(drawn: list[list[dict[str, Any]]]) -> None:
    workspace, _ = fresh()
    fill(workspace, drawn)

    made = suggest_merges(workspace)

    suggestions = list(MergeSuggestion.objects.filter(workspace=workspace))
    assert made == len(suggestions)
    for suggestion in suggestions:
        assert suggestion.a_id < suggestion.b_id and suggestion.score >= 0.6
        assert set(networks_of(suggestion.a_id)).isdisjoint(networks_of(suggestion.b_id))
        assert suggestion.evidence and all(isinstance(s, str) for s in suggestion.evidence)
    assert suggest_merges(workspace) == 0  # idempotent


class MergeMachine(RuleBasedStateMachine):
    """Suggest, confirm any open suggestion, undo any merge, in any order."""

    def __init__(self) -> None:
        super().__init__()
        self.workspace, self.owner = fresh()
        # merges not undone, oldest first, with the identity map just before each (None once
        # an older merge was undone out of turn, which changes what "before" means)
        self.live: list[tuple[int, dict[int, int] | None]] = []

    @initialize(drawn=people)
    def fill(self, drawn: list[list[dict[str, Any]]]) -> None:
        fill(self.workspace, drawn)

    @rule()
    def suggest(self) -> None:
        suggest_merges(self.workspace)

    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        open_ones = list(
            MergeSuggestion.objects.filter(workspace=self.workspace, state=SuggestionState.OPEN)
        )
        if not open_ones:
            return
        chosen = data.draw(st.sampled_from(open_ones))
        before = identity_map(self.workspace)
        try:
            merge = confirm_merge(self.owner, chosen)
        except Conflict:
            assert identity_map(self.workspace) == before
            return
        self.live.append((merge.pk, before))

    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        if not self.live:
            return
        place = data.draw(st.integers(0, len(self.live) - 1))
        merge_pk, snapshot = self.live.pop(place)
        merge = Merge.objects.get(pk=merge_pk)
        before = identity_map(self.workspace)
        away = merge.moved["person"]["id"]
        expected = dict(before)
        for pk in merge.moved["identities"]:
            if before.get(pk) == merge.into_id:
                expected[pk] = away

        undo_merge(self.owner, merge)

        after = identity_map(self.workspace)
        assert after == expected
        if place == len(self.live) and snapshot is not None:  # the latest merge: all back
            assert after == snapshot
        elif place < len(self.live):
            self.live = [
                (pk, None) if i >= place else (pk, s) for i, (pk, s) in enumerate(self.live)
            ]

    @invariant()
    def one_identity_per_network_per_person(self) -> None:
        rows = Identity.objects.filter(workspace=self.workspace).values_list("person_id", "network")
        assert len(set(rows)) == len(list(rows))

    @invariant()
    def no_open_suggestion_joins_one_network(self) -> None:
        for suggestion in MergeSuggestion.objects.filter(
            workspace=self.workspace, state=SuggestionState.OPEN
        ):
            assert set(networks_of(suggestion.a_id)).isdisjoint(networks_of(suggestion.b_id))


@pytest.mark.django_db
def test_suggest_confirm_and_undo_in_any_order() -> None:
    run_state_machine_as_test(
        MergeMachine, settings=settings(max_examples=60, stateful_step_count=20, deadline=None)
    )
