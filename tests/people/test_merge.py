"""Merge suggestions from real profile evidence, and what the owner does with them: confirm
(into the older person), dismiss (never again), undo (everything back as it was)."""

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from porch.errors import Conflict, NotAllowed
from porch.people.merge import (
    Reader,
    confirm_merge,
    dismiss,
    suggest_merges,
    undo_merge,
    url_key,
)
from porch.people.models import (
    Identity,
    Merge,
    MergeSuggestion,
    PeerSuggestion,
    Person,
    Status,
    SuggestionState,
)
from porch.workspaces.models import Membership, Role, Workspace
from tests.conftest import add_member

_ids = itertools.count()
VERIFIED = "2026-11-02T09:14:00+00:00"


def make(
    workspace: Workspace,
    network: str,
    handle: str,
    *,
    name: str = "",
    website: str = "",
    links: tuple[tuple[str, str], ...] = (),
    bio: str = "",
    profile_url: str = "",
    **fields: Any,
) -> Person:
    """A person with one identity, as a profile refresh would leave it."""
    person = Person.objects.create(workspace=workspace, display_name=name or handle, **fields)
    Identity.objects.create(
        workspace=workspace,
        person=person,
        network=network,
        stable_id=f"id-{next(_ids)}",
        handle=handle,
        display_name=name,
        website=website,
        links=[{"url": url, "verified_at": at} for url, at in links],
        bio=bio,
        profile_url=profile_url,
    )
    return person


def owner_of(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace, role=Role.OWNER)


def only_suggestion() -> MergeSuggestion:
    return MergeSuggestion.objects.get()


def test_a_handle_on_her_own_domain_and_a_verified_link_to_it(workspace: Workspace) -> None:
    sky = make(workspace, "bluesky", "bakesbyana.com", name="Ana 🍞")
    masto = make(
        workspace,
        "mastodon",
        "ana@toot.community",
        name="Ana Baker",
        profile_url="https://toot.community/@ana",
        links=(("https://bakesbyana.com", VERIFIED), ("https://linktr.ee/ana", "")),
    )

    assert suggest_merges(workspace) == 1

    found = only_suggestion()
    assert (found.a_id, found.b_id) == (sky.pk, masto.pk) and found.score == 0.9
    assert found.state == SuggestionState.OPEN
    assert found.evidence == [
        "The Bluesky handle bakesbyana.com is a domain of its own, and the Mastodon profile "
        "ana@toot.community links to https://bakesbyana.com (verified by Mastodon)."
    ]


def test_a_website_link_that_is_not_verified_counts_less(workspace: Workspace) -> None:
    make(workspace, "bluesky", "bakesbyana.com")
    make(workspace, "x", "bakesbyana", website="https://www.bakesbyana.com/")

    suggest_merges(workspace)

    found = only_suggestion()
    assert found.score == 0.8
    assert "links to https://www.bakesbyana.com/." in found.evidence[0]


def test_a_handle_the_network_hands_out_is_not_a_domain_of_her_own(workspace: Workspace) -> None:
    make(workspace, "bluesky", "ana.bsky.social", name="Ana")
    make(workspace, "mastodon", "ana@toot.community", links=(("https://bsky.social", VERIFIED),))

    assert suggest_merges(workspace) == 0
    assert Reader().domain("bluesky", "ana.bsky.social") == ""
    assert Reader().domain("mastodon", "ana@toot.community") == ""  # its handles are no domains


def test_profiles_linking_to_each_other(workspace: Workspace) -> None:
    make(
        workspace,
        "bluesky",
        "ana.bsky.social",
        bio="Sourdough most days. Also https://toot.community/@ana",
    )
    make(
        workspace,
        "mastodon",
        "ana@toot.community",
        profile_url="https://toot.community/@ana",
        links=(("https://bsky.app/profile/ana.bsky.social", ""),),
    )

    suggest_merges(workspace)

    found = only_suggestion()
    assert found.score == 1.0
    assert found.evidence == [
        "The Bluesky profile ana.bsky.social links to https://toot.community/@ana, and the "
        "Mastodon profile ana@toot.community links back to "
        "https://bsky.app/profile/ana.bsky.social."
    ]


def test_one_profile_naming_the_other_in_its_bio_is_enough(workspace: Workspace) -> None:
    make(workspace, "x", "bakesbyana", bio="bread person. fediverse: @ana@toot.community")
    make(workspace, "mastodon", "ana@toot.community")

    suggest_merges(workspace)

    found = only_suggestion()
    assert found.score == 0.6
    assert found.evidence == [
        "The X profile bakesbyana links to @ana@toot.community, which is the Mastodon "
        "profile ana@toot.community."
    ]


def test_same_name_and_same_website(workspace: Workspace) -> None:
    make(workspace, "x", "anabakes", name="Ana Baker", website="https://bakesbyana.com")
    make(workspace, "facebook", "Bakes by Ana", name="ana  baker", website="bakesbyana.com/")

    suggest_merges(workspace)

    found = only_suggestion()
    assert found.score == 0.6
    assert found.evidence == [
        "Both are called “Ana Baker” and both show the website bakesbyana.com: "
        "https://bakesbyana.com and bakesbyana.com/."
    ]


def test_the_same_website_or_the_same_name_alone_is_not_enough(workspace: Workspace) -> None:
    make(workspace, "x", "anabakes", name="Ana Baker", website="https://bakesbyana.com")
    make(workspace, "facebook", "Bakery", name="Bakes by Ana", website="https://bakesbyana.com")
    make(workspace, "mastodon", "ana@toot.community", name="Ana Baker")

    assert suggest_merges(workspace) == 0


def test_a_shared_host_is_never_a_website(workspace: Workspace) -> None:
    make(workspace, "x", "anabakes", name="Ana Baker", website="https://linktr.ee/anabaker")
    make(workspace, "facebook", "Ana", name="Ana Baker", website="https://linktr.ee/anabaker")
    make(workspace, "bluesky", "ana.bsky.social", name="Ana Baker", website="https://bsky.app")

    assert suggest_merges(workspace) == 0
    reader = Reader()
    assert not reader.is_site(url_key("https://linktr.ee/anabaker"))
    assert not reader.is_site(url_key("https://bsky.app/profile/ana.bsky.social"))
    assert not reader.is_site(url_key("https://toot.community/@ana"))
    assert reader.is_site(url_key("https://www.bakesbyana.com/menu"))


def test_two_accounts_on_one_network_are_never_suggested(workspace: Workspace) -> None:
    make(workspace, "bluesky", "bakesbyana.com", website="https://bakesbyana.com")
    make(workspace, "bluesky", "shop.bakesbyana.com", links=(("https://bakesbyana.com", VERIFIED),))

    assert suggest_merges(workspace) == 0


def test_suggesting_again_makes_nothing_new_and_a_dismissal_stays(workspace: Workspace) -> None:
    make(workspace, "bluesky", "bakesbyana.com")
    make(workspace, "mastodon", "ana@toot.community", links=(("https://bakesbyana.com", VERIFIED),))
    assert suggest_merges(workspace) == 1
    assert suggest_merges(workspace) == 0

    dismiss(owner_of(workspace), only_suggestion())

    assert suggest_merges(workspace) == 0
    assert only_suggestion().state == SuggestionState.DISMISSED
    with pytest.raises(Conflict):
        dismiss(owner_of(workspace), only_suggestion())


def ana_twice(workspace: Workspace) -> tuple[Person, Person]:
    older = make(
        workspace,
        "bluesky",
        "bakesbyana.com",
        name="Ana",
        status=Status.LEAD,
        tags=["bread"],
        note="Asked about wholesale.",
        won_amount=Decimal("40.00"),
    )
    newer = make(
        workspace,
        "mastodon",
        "ana@toot.community",
        links=(("https://bakesbyana.com", VERIFIED),),
        status=Status.CUSTOMER,
        tags=["bread", "market"],
        note="Buys rye on Saturdays.",
        won_amount=Decimal("25.50"),
    )
    suggest_merges(workspace)
    return older, newer


def identity_map(workspace: Workspace) -> dict[int, int]:
    return dict(Identity.objects.filter(workspace=workspace).values_list("pk", "person_id"))


def test_confirming_keeps_the_older_person_with_both_identities(workspace: Workspace) -> None:
    older, newer = ana_twice(workspace)
    newer_identity = Identity.objects.get(person=newer)

    merge = confirm_merge(owner_of(workspace), only_suggestion())

    assert merge.into_id == older.pk and not Person.objects.filter(pk=newer.pk).exists()
    assert set(older.identities.values_list("network", flat=True)) == {"bluesky", "mastodon"}
    kept = Person.objects.get(pk=older.pk)
    assert kept.tags == ["bread", "market"] and kept.status == Status.CUSTOMER
    assert kept.note == "Asked about wholesale.\n\nBuys rye on Saturdays."
    assert kept.won_amount == Decimal("65.50") and kept.display_name == "Ana"
    assert merge.moved["identities"] == [newer_identity.pk]
    assert not MergeSuggestion.objects.exists()  # it went with the merged-away person
    assert suggest_merges(workspace) == 0


def test_undo_brings_everything_back_and_keeps_the_pair_apart(workspace: Workspace) -> None:
    older, newer = ana_twice(workspace)
    before_map = identity_map(workspace)
    fields = {p.pk: (p.tags, p.note, p.status, p.won_amount, p.created_at) for p in (older, newer)}
    peer = PeerSuggestion.objects.create(
        workspace=workspace,
        network="mastodon",
        stable_id="id-peer",
        handle="ana@toot.community",
        score=1.0,
        person=newer,
        ranked_at=newer.created_at,
    )
    merge = confirm_merge(owner_of(workspace), only_suggestion())
    assert PeerSuggestion.objects.get(pk=peer.pk).person_id == older.pk

    back = undo_merge(owner_of(workspace), merge)

    assert back.pk == newer.pk and identity_map(workspace) == before_map
    for person in Person.objects.all():
        assert (
            person.tags,
            person.note,
            person.status,
            person.won_amount,
            person.created_at,
        ) == fields[person.pk]
    assert PeerSuggestion.objects.get(pk=peer.pk).person_id == newer.pk
    assert only_suggestion().state == SuggestionState.DISMISSED
    assert suggest_merges(workspace) == 0
    with pytest.raises(Conflict):
        undo_merge(owner_of(workspace), Merge.objects.get())


def test_undo_keeps_what_the_owner_changed_after_the_merge(workspace: Workspace) -> None:
    older, _ = ana_twice(workspace)
    merge = confirm_merge(owner_of(workspace), only_suggestion())
    Person.objects.filter(pk=older.pk).update(note="Wholesale order every Friday.")

    undo_merge(owner_of(workspace), merge)

    kept = Person.objects.get(pk=older.pk)
    assert kept.note == "Wholesale order every Friday." and kept.tags == ["bread"]


def test_confirm_checks_the_networks_again(workspace: Workspace) -> None:
    older, newer = ana_twice(workspace)
    Identity.objects.create(
        workspace=workspace, person=newer, network="bluesky", stable_id="did:plc:x", handle="x.y"
    )

    with pytest.raises(Conflict, match="both on Bluesky"):
        confirm_merge(owner_of(workspace), only_suggestion())

    assert not MergeSuggestion.objects.exists() and not Merge.objects.exists()
    assert Identity.objects.filter(person=older).count() == 1


def test_a_merge_drops_the_other_suggestions_that_now_overlap(workspace: Workspace) -> None:
    make(workspace, "bluesky", "bakesbyana.com")
    make(workspace, "mastodon", "ana@toot.community", links=(("https://bakesbyana.com", VERIFIED),))
    make(workspace, "mastodon", "ana@bread.town", links=(("https://bakesbyana.com", ""),))
    assert suggest_merges(workspace) == 2
    best = MergeSuggestion.objects.order_by("-score").first()
    assert best is not None

    confirm_merge(owner_of(workspace), best)

    assert not MergeSuggestion.objects.exists()
    assert all(
        len(set(networks)) == len(networks)
        for networks in (
            list(p.identities.values_list("network", flat=True)) for p in Person.objects.all()
        )
    )


@pytest.mark.parametrize("role", [Role.HELPER])
def test_a_helper_cannot_merge_dismiss_or_undo(
    workspace: Workspace, owner: User, role: Role
) -> None:
    ana_twice(workspace)
    helper = Membership.objects.get(user=add_member(workspace, "sam@bakery.example", role))

    with pytest.raises(NotAllowed):
        confirm_merge(helper, only_suggestion())
    with pytest.raises(NotAllowed):
        dismiss(helper, only_suggestion())
    merge = confirm_merge(owner_of(workspace), only_suggestion())
    with pytest.raises(NotAllowed):
        undo_merge(helper, merge)
    manager = Membership.objects.get(user=add_member(workspace, "kim@bakery.example", Role.MANAGER))
    undo_merge(manager, merge)


def test_no_one_merges_in_another_workspace(workspace: Workspace, owner: User) -> None:
    ana_twice(workspace)
    from porch.workspaces import services

    elsewhere = services.create_workspace(owner, "Harbour Bikes", "Europe/London")
    stranger = Membership.objects.get(workspace=elsewhere)

    with pytest.raises(NotAllowed):
        confirm_merge(stranger, only_suggestion())
    with pytest.raises(NotAllowed):
        dismiss(stranger, only_suggestion())
