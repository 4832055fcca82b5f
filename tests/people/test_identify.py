"""identify(): an author seen on a network becomes one identity and one person, however often
and however concurrently it is seen, and a renamed account stays the same person."""

import itertools
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from porch.people import services
from porch.people.models import Identity, Person
from porch.people.services import identify
from porch.workspaces.models import Workspace, network_choices

# Two installed networks, asked of the registry rather than named here.
ONE, OTHER = (name for name, _ in network_choices()[:2])
_workspaces = itertools.count()


def fresh_workspace() -> Workspace:
    return Workspace.objects.create(name="Shop", slug=f"shop-{next(_workspaces)}")


def test_a_new_author_makes_a_person(workspace: Workspace) -> None:
    identity = identify(workspace, ONE, "did:plc:ann", "ann.example", "Ann Baker")

    assert (identity.network, identity.stable_id, identity.handle) == (
        ONE,
        "did:plc:ann",
        "ann.example",
    )
    assert identity.display_name == "Ann Baker" and identity.workspace == workspace
    person = Person.objects.get()
    assert identity.person == person and person.workspace == workspace
    assert person.display_name == "Ann Baker" and person.status == "other"
    assert person.tags == [] and person.note == ""


def test_a_renamed_account_is_the_same_person_with_the_new_handle(workspace: Workspace) -> None:
    before = identify(workspace, ONE, "did:plc:ann", "ann.example")
    after = identify(workspace, ONE, "did:plc:ann", "ann.bakes", "Ann")

    assert after.pk == before.pk and after.person_id == before.person_id
    stored = Identity.objects.get()
    assert (stored.handle, stored.display_name) == ("ann.bakes", "Ann")
    assert Person.objects.get().display_name == "Ann"  # it was the old handle: it follows


def test_a_name_the_owner_gave_is_kept_on_a_rename(workspace: Workspace) -> None:
    identity = identify(workspace, ONE, "did:plc:ann", "ann.example")
    Person.objects.filter(pk=identity.person_id).update(display_name="Ann from the market")

    identify(workspace, ONE, "did:plc:ann", "ann.bakes")

    assert Person.objects.get().display_name == "Ann from the market"


def test_two_networks_make_two_people(workspace: Workspace) -> None:
    first = identify(workspace, ONE, "42", "ann")
    second = identify(workspace, OTHER, "42", "ann")

    assert first.pk != second.pk and first.person_id != second.person_id
    assert Person.objects.count() == 2


def test_the_same_call_twice_makes_one_row(workspace: Workspace) -> None:
    first = identify(workspace, ONE, "did:plc:ann", "ann.example", "Ann")
    second = identify(workspace, ONE, "did:plc:ann", "ann.example", "Ann")

    assert first.pk == second.pk and first.updated_at == second.updated_at
    assert Identity.objects.count() == 1 and Person.objects.count() == 1


def test_two_workspaces_know_the_same_author_apart(workspace: Workspace) -> None:
    other = fresh_workspace()
    assert identify(workspace, ONE, "7", "ann").pk != identify(other, ONE, "7", "ann").pk


def test_a_handle_only_author_takes_the_id_when_it_is_learnt(workspace: Workspace) -> None:
    handle_only = identify(workspace, ONE, "", "ann.example")
    assert handle_only.stable_id == ""
    assert identify(workspace, ONE, "", "ann.example").pk == handle_only.pk

    with_id = identify(workspace, ONE, "did:plc:ann", "ann.example")

    assert with_id.pk == handle_only.pk and Identity.objects.get().stable_id == "did:plc:ann"
    assert identify(workspace, ONE, "", "ann.example").pk == handle_only.pk  # found by handle


def test_a_handle_only_call_renames_nothing(workspace: Workspace) -> None:
    identity = identify(workspace, ONE, "did:plc:ann", "ann.example", "Ann")
    assert identify(workspace, ONE, "", "ann.example", "Someone").pk == identity.pk
    assert Identity.objects.get().display_name == "Ann"


def test_an_author_with_no_handle_or_an_unknown_network_is_refused(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="needs a handle"):
        identify(workspace, ONE, "did:plc:ann", "  ")
    with pytest.raises(ValueError, match="not an installed network"):
        identify(workspace, "no-such-network", "1", "ann")
    assert not Identity.objects.exists() and not Person.objects.exists()


def test_a_lost_race_looks_again_and_keeps_the_callers_transaction(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker made the identity between this one's look and its insert: the insert is
    refused in a savepoint, the second look finds the other's row, no person is left over."""
    theirs = identify(workspace, ONE, "did:plc:ann", "ann.example")
    real_find = services._find
    looks: list[str] = []

    def stale_first_look(*args: Any) -> Identity | None:
        looks.append("look")
        return None if len(looks) == 1 else real_find(*args)

    monkeypatch.setattr(services, "_find", stale_first_look)
    with transaction.atomic():
        mine = identify(workspace, ONE, "did:plc:ann", "ann.example")
        assert Person.objects.count() == 1  # the caller's transaction still answers

    assert mine.pk == theirs.pk and len(looks) == 2
    assert Identity.objects.count() == 1 and Person.objects.count() == 1


def test_eight_workers_seeing_one_new_author_at_once_make_one_identity(
    transactional_db: None,
) -> None:
    workspace = fresh_workspace()
    start = threading.Barrier(8)
    found: list[int] = []

    def see() -> None:
        try:
            start.wait(timeout=30)
            found.append(identify(workspace, ONE, "did:plc:ann", "ann.example").pk)
        finally:
            connection.close()

    workers = [threading.Thread(target=see) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(found) == 8 and len(set(found)) == 1
    assert Identity.objects.count() == 1 and Person.objects.count() == 1


calls_with_ids = st.lists(
    st.tuples(
        st.sampled_from([ONE, OTHER]),
        st.sampled_from(["1", "2", "3", "did:plc:x"]),
        st.sampled_from(["ann", "bob", "cat.example"]),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(calls_with_ids)
def test_one_identity_and_one_person_per_account(calls: list[tuple[str, str, str]]) -> None:
    workspace = fresh_workspace()
    for network, stable_id, handle in calls:
        identity = identify(workspace, network, stable_id, handle)
        assert (identity.network, identity.stable_id, identity.handle) == (
            network,
            stable_id,
            handle,
        )

    identities = Identity.objects.filter(workspace=workspace)
    keys = list(identities.values_list("network", "stable_id"))
    assert len(keys) == len({(n, s) for n, s, _ in calls}) == len(set(keys))
    last_handle = {(n, s): h for n, s, h in calls}
    assert {(i.network, i.stable_id): i.handle for i in identities} == last_handle
    assert Person.objects.filter(workspace=workspace).count() == len(keys)


calls_some_without_ids = st.lists(
    st.tuples(
        st.sampled_from([ONE, OTHER]),
        st.sampled_from(["", "", "1", "2"]),
        st.sampled_from(["ann", "bob"]),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(calls_some_without_ids)
def test_ids_and_handle_only_identities_are_never_doubled(
    calls: list[tuple[str, str, str]],
) -> None:
    workspace = fresh_workspace()
    for network, stable_id, handle in calls:
        identity = identify(workspace, network, stable_id, handle)
        if stable_id:
            assert (identity.stable_id, identity.handle) == (stable_id, handle)
        assert identify(workspace, network, stable_id, handle).pk == identity.pk  # idempotent

    rows = list(
        Identity.objects.filter(workspace=workspace).values("network", "stable_id", "handle")
    )
    with_id = [(r["network"], r["stable_id"]) for r in rows if r["stable_id"]]
    handle_only = [(r["network"], r["handle"]) for r in rows if not r["stable_id"]]
    assert len(with_id) == len(set(with_id)) and len(handle_only) == len(set(handle_only))
    assert set(with_id) == {(n, s) for n, s, _ in calls if s}
    assert Person.objects.filter(workspace=workspace).count() == len(rows)
