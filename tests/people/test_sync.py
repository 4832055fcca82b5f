"""The people sweep: every author of an incoming message or a listening hit becomes one person,
once however often the sweep runs, resuming where it stopped; a renamed author stays one
person; a lead-intent message or hit makes a lead; the business's own replies make no one.

Messages come through the inbox's real path (the fake network, then the poller's sync) and
hits through listening's (a search polled on the fake network)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from porch.core.scheduler import PERIODIC
from porch.inbox.models import Message, MessageKind
from porch.listening import services as listening
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit
from porch.networks.fake import store as fake
from porch.networks.models import SyncState
from porch.networks.poller import poll, sync_account
from porch.people import sync
from porch.people.models import Identity, Person, Status, Sweep
from porch.triage.base import Intent
from porch.workspaces.models import ConnectedAccount, Membership, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
NO_WAIT = timedelta(0)


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="cornerbakery"
    )


def test_each_author_becomes_one_person_however_often_the_sweep_runs(
    account: ConnectedAccount,
) -> None:
    first = fake.customer_post("maria", "@cornerbakery is the rye back?", to="cornerbakery")
    fake.customer_post("dan", "@cornerbakery it was Tuesday", to="cornerbakery", reply_to=first)
    fake.customer_post("maria", "@cornerbakery thanks!", to="cornerbakery", reply_to=first)
    sync_account(account)

    assert sync.sweep(settle=NO_WAIT) == 3
    assert sync.sweep(settle=NO_WAIT) == 0  # nothing new: nothing done
    Sweep.objects.all().delete()  # as if every row were new again
    assert sync.sweep(settle=NO_WAIT) == 3

    people = {i.handle: i.person for i in Identity.objects.select_related("person")}
    assert set(people) == {"maria", "dan"} and Person.objects.count() == 2
    assert Identity.objects.get(handle="maria").stable_id == "fake:maria"
    sent = Message.objects.filter(author_handle="maria").order_by("sent_at")
    assert people["maria"].first_seen_at == sent.first().sent_at  # type: ignore[union-attr]
    assert people["maria"].last_seen_at == sent.last().sent_at  # type: ignore[union-attr]


def test_the_businesss_own_replies_make_no_person(account: ConnectedAccount) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    sync_account(account)
    mine = Message.objects.get()
    Message.objects.create(
        workspace=account.workspace,
        account=account,
        conversation=mine.conversation,
        network="fake",
        external_id="ours-1",
        kind=MessageKind.OURS,
        author_handle="cornerbakery",
        text="Hello Maria!",
        sent_at=AT,
    )

    assert sync.sweep(settle=NO_WAIT) == 2  # both rows swept past
    assert list(Identity.objects.values_list("handle", flat=True)) == ["maria"]


def test_the_sweep_resumes_in_bounded_batches(account: ConnectedAccount) -> None:
    for n in range(7):
        fake.customer_post(f"fan{n}", f"@cornerbakery hello {n}", to="cornerbakery")
    sync_account(account)

    assert sync.sweep_batch("inbox", settle=NO_WAIT, size=3) == 3
    assert Person.objects.count() == 3
    assert Sweep.objects.get(source="inbox").after == Message.objects.order_by("pk")[2].pk
    assert sync.sweep(settle=NO_WAIT, size=3, batches=1) == 3  # one batch a source
    assert sync.sweep(settle=NO_WAIT, size=3) == 1
    assert Person.objects.count() == 7


def test_rows_younger_than_the_settling_time_wait_for_the_next_sweep(
    account: ConnectedAccount, now: time_machine.Traveller
) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    sync_account(account)

    assert sync.sweep() == 0 and not Person.objects.exists()
    now.shift(sync.SETTLE)
    assert sync.sweep() == 1 and Person.objects.count() == 1


def test_a_renamed_author_stays_one_person(account: ConnectedAccount) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery", author_name="Maria")
    sync_account(account)
    sync.sweep(settle=NO_WAIT)
    # The network says the same account (same id) now has another handle and name.
    fake.customer_post("maria", "@cornerbakery again", to="cornerbakery", author_name="Maria B")
    sync_account(account)
    Message.objects.filter(text__contains="again").update(author_handle="maria.bakes")

    sync.sweep(settle=NO_WAIT)

    identity = Identity.objects.get()
    assert (identity.stable_id, identity.handle) == ("fake:maria", "maria.bakes")
    assert identity.display_name == "Maria B"
    assert Person.objects.get().display_name == "Maria B"


def test_a_lead_intent_message_makes_a_lead_once(account: ConnectedAccount) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    sync_account(account)
    sync.sweep(settle=NO_WAIT)
    assert Person.objects.get().status == Status.OTHER
    fake.customer_post("maria", "@cornerbakery can I order 40 loaves?", to="cornerbakery")
    sync_account(account)
    Message.objects.filter(text__contains="loaves").update(intent=Intent.LEAD)

    sync.sweep(settle=NO_WAIT)

    person = Person.objects.get()
    assert (person.status, person.lead_at) == (Status.LEAD, AT)


def test_a_lead_intent_never_demotes_a_customer(account: ConnectedAccount) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    sync_account(account)
    sync.sweep(settle=NO_WAIT)
    Person.objects.update(status=Status.CUSTOMER)
    fake.customer_post("maria", "@cornerbakery 40 more loaves please", to="cornerbakery")
    sync_account(account)
    Message.objects.filter(text__contains="loaves").update(intent=Intent.LEAD)

    sync.sweep(settle=NO_WAIT)

    assert Person.objects.get().status == Status.CUSTOMER


def test_listening_hits_make_people_and_leads(
    account: ConnectedAccount, workspace: Workspace
) -> None:
    member = Membership.objects.get(workspace=workspace)
    search = listening.create_search(member, "sourdough", "sourdough", "niche", ["fake"], None)
    fake.customer_post("ann", "where can I buy sourdough for a wedding?", author_name="Ann")
    fake.customer_post("bo", "sourdough starter day 3")
    poll(SyncState.objects.get(account=account, source=LISTENING, key=str(search.pk)))
    Hit.objects.filter(author_handle="ann").update(intent=Intent.LEAD)

    assert sync.sweep(settle=NO_WAIT) == 2

    ann = Identity.objects.get(handle="ann")
    assert ann.stable_id == "fake:ann" and ann.person.status == Status.LEAD
    assert Identity.objects.get(handle="bo").person.status == Status.OTHER


def test_one_author_in_the_inbox_and_in_listening_is_one_person(
    account: ConnectedAccount, workspace: Workspace
) -> None:
    member = Membership.objects.get(workspace=workspace)
    search = listening.create_search(member, "sourdough", "sourdough", "niche", ["fake"], None)
    fake.customer_post("ann", "sourdough is life")
    fake.customer_post("ann", "@cornerbakery your sourdough is great", to="cornerbakery")
    sync_account(account)
    poll(SyncState.objects.get(account=account, source=LISTENING, key=str(search.pk)))

    sync.sweep(settle=NO_WAIT)

    assert Identity.objects.count() == 1 and Person.objects.count() == 1


def test_an_author_seen_with_and_without_an_id_in_one_batch_is_one_person(
    account: ConnectedAccount,
) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    fake.customer_post("maria", "@cornerbakery again", to="cornerbakery")
    sync_account(account)
    Message.objects.filter(text__contains="hello").update(author_id="")  # an older row

    assert sync.sweep(settle=NO_WAIT) == 2

    assert Identity.objects.get().stable_id == "fake:maria" and Person.objects.count() == 1


def test_a_worker_that_loses_the_cursor_rolls_its_batch_back(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.customer_post("maria", "@cornerbakery hello", to="cornerbakery")
    sync_account(account)
    reader = sync.SOURCES["inbox"]

    def racing(after: int, limit: int) -> list[sync.Seen]:
        rows = reader(after, limit)
        Sweep.objects.filter(source="inbox").update(after=rows[-1].pk)  # the other worker
        return rows

    monkeypatch.setitem(sync.SOURCES, "inbox", racing)
    assert sync.sweep_batch("inbox", settle=NO_WAIT) == 0
    assert not Person.objects.exists() and not Identity.objects.exists()


def test_the_sweep_is_a_registered_periodic_job() -> None:
    found = {job.name: job for job in PERIODIC}
    assert found["people-sweep"].task_path == "porch.people.tasks.sweep_people"
    assert found["people-sweep"].interval <= 10
    assert found["people-followers"].task_path == "porch.people.tasks.sync_followers"
