"""Searches run on the generic poller: each post is stored once as a hit, however many polls,
restarts or searches find it, triaged on arrival; a search on a network that bills reads
stops at its monthly budget without touching the account.

The network is the fake one (porch/networks/fake/): made-up customers post into its file.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from porch.listening import ingest, services
from porch.listening.ingest import LISTENING, LISTENING_SINK, count_reads, reads_left
from porch.listening.models import Hit, Search
from porch.networks import registry
from porch.networks.base import Incoming, NetworkDescriptor
from porch.networks.fake import store as fake
from porch.networks.models import SyncState
from porch.networks.poller import Batch, poll
from porch.workspaces.models import AccountStatus, ConnectedAccount, Membership, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="cornerbakery"
    )


@pytest.fixture
def member(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace)


def search_for(member: Membership, query: str, budget: int | None = None) -> Search:
    return services.create_search(member, query, query, "niche", ["fake"], budget)


def row(account: ConnectedAccount, search: Search) -> SyncState:
    return SyncState.objects.get(account=account, source=LISTENING, key=str(search.pk))


def test_each_post_is_stored_once_across_polls_and_searches(
    account: ConnectedAccount, member: Membership
) -> None:
    sourdough = search_for(member, "sourdough")
    leeds = search_for(member, "leeds")
    both = fake.customer_post("maya", "Best sourdough in Leeds? Asking for a friend")
    fake.customer_post("dan", "Leeds is rainy today")
    fake.customer_post("olly", "Nothing to see here")

    assert poll(row(account, sourdough)).new == 1
    assert poll(row(account, leeds)).new == 1  # the sourdough post was known: linked only
    again = fake.customer_post("ann", "sourdough starter tips please")
    assert poll(row(account, sourdough)).new == 1
    assert poll(row(account, leeds)).new == 0

    assert Hit.objects.count() == 3
    hit = Hit.objects.get(external_id=both)
    assert set(hit.searches.all()) == {sourdough, leeds}
    assert (hit.author_handle, hit.author_id, hit.network) == ("maya", "fake:maya", "fake")
    assert hit.is_question and hit.intent  # triaged on arrival
    assert list(services.hits_of(member, sourdough).values_list("external_id", flat=True)) == [
        again,
        both,
    ]


def test_a_restart_fetches_nothing_twice(account: ConnectedAccount, member: Membership) -> None:
    search = search_for(member, "croissant")
    fake.customer_post("maya", "croissant heaven this morning")
    first = poll(row(account, search))
    assert (first.fetched, first.new) == (1, 1)

    restarted = row(account, search)  # a new worker reads the row afresh
    assert (poll(restarted).fetched, Hit.objects.count()) == (0, 1)
    assert restarted.cursor != ""


def test_a_cursor_lost_stores_nothing_twice(account: ConnectedAccount, member: Membership) -> None:
    search = search_for(member, "croissant")
    fake.customer_post("maya", "croissant heaven this morning")
    poll(row(account, search))
    SyncState.objects.filter(key=str(search.pk)).update(cursor="")  # lost
    fake.customer_post("dan", "a croissant a day")
    report = poll(row(account, search))
    assert (report.fetched, report.new, Hit.objects.count()) == (2, 1, 2)


def test_only_what_the_query_says_is_kept(account: ConnectedAccount, member: Membership) -> None:
    search = search_for(member, '"corner bakery" -closed')
    fake.customer_post("maya", "Corner Bakery has the best rye")
    fake.customer_post("dan", "corner bakery closed today?")
    fake.customer_post("olly", "the bakery on the corner")
    poll(row(account, search))
    assert list(Hit.objects.values_list("author_handle", flat=True)) == ["maya"]


@pytest.fixture
def paid(monkeypatch: pytest.MonkeyPatch) -> NetworkDescriptor:
    """The fake network billing its reads, as X does."""
    fake_network = registry.descriptor("fake")
    billing = replace(fake_network, can=replace(fake_network.can, paid_reads=True))
    monkeypatch.setattr(ingest, "descriptor", lambda name: billing)
    return billing


def test_a_search_on_a_paid_network_stops_at_its_budget(
    account: ConnectedAccount, member: Membership, paid: NetworkDescriptor
) -> None:
    search = search_for(member, "rye", budget=3)
    for n in range(3):
        fake.customer_post(f"c{n}", f"rye loaf number {n}")
    assert poll(row(account, search)).new == 3
    search.refresh_from_db()
    assert (search.reads_this_month, reads_left(search)) == (3, 0)

    fake.customer_post("late", "more rye please")
    state = row(account, search)
    report = poll(state)
    assert (report.fetched, report.error) == (0, "")  # skipped, not failed
    account.refresh_from_db()
    assert (account.status, account.status_detail) == (AccountStatus.OK, "")
    assert row(account, search).cursor == state.cursor  # nothing was read past

    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        assert reads_left(search) == 3
        assert poll(row(account, search)).new == 1
        search.refresh_from_db()
    assert (search.reads_this_month, search.month) == (1, date(2026, 12, 1))


def test_last_months_reads_do_not_count() -> None:
    search = Search(monthly_read_budget=10, reads_this_month=10, month=date(2026, 10, 1))
    assert reads_left(search) == 10
    assert reads_left(Search(monthly_read_budget=None)) is None


def test_count_reads_adds_within_the_month(member: Membership) -> None:
    search = search_for(member, "rye", budget=10)
    count_reads(search, 4)
    count_reads(search, 3)
    search.refresh_from_db()
    assert (search.reads_this_month, reads_left(search)) == (7, 3)


def test_a_free_network_has_no_budget_to_spend(
    account: ConnectedAccount, member: Membership
) -> None:
    search = search_for(member, "rye", budget=0)
    fake.customer_post("maya", "rye again")
    assert poll(row(account, search)).new == 1  # the fake network bills nothing
    search.refresh_from_db()
    assert (search.reads_this_month, reads_left(search)) == (0, 0)  # nor counts it


def incoming(external_id: str, text: str, **links: str) -> Incoming:
    return Incoming(external_id, "mention", "maya", "Maya", text, AT, lang="en", **links)


@pytest.mark.parametrize("original_first", [True, False])
def test_a_quote_or_repost_links_to_its_original_whichever_comes_first(
    account: ConnectedAccount, member: Membership, original_first: bool
) -> None:
    search = search_for(member, "rye")
    first = Batch(account, LISTENING, str(search.pk), [incoming("p1", "rye is back")])
    again = [incoming("p2", "yes! rye", quote_of="p1"), incoming("p3", "rye", repost_of="p1")]
    later = Batch(account, LISTENING, str(search.pk), again)
    for batch in (first, later) if original_first else (later, first):
        assert LISTENING_SINK.store(batch, LISTENING_SINK.prepare(batch)) == len(batch.items)
    original = Hit.objects.get(external_id="p1")
    assert Hit.objects.get(external_id="p2").quote_of == original
    assert Hit.objects.get(external_id="p3").repost_of == original
    assert original.lang == "en"


def test_a_failing_search_stops_on_its_own_and_leaves_the_account_alone(
    account: ConnectedAccount, member: Membership
) -> None:
    search = search_for(member, "sourdough")
    fake.inject(fake.Fault.SERVER_ERROR, handle="cornerbakery", operation="search")
    report = poll(row(account, search))
    account.refresh_from_db()
    assert report.error and (account.status, account.status_detail) == (AccountStatus.OK, "")
    failing = row(account, search)
    assert failing.failures == 1 and failing.last_error == report.error
    assert failing.next_sync_at > AT
    looked = services.looking(member, search)
    assert [(line.handle, line.error) for line in looked] == [("cornerbakery", report.error)]
    fake.customer_post("maya", "sourdough at the market today")
    assert poll(row(account, search)).new == 1
    assert services.looking(member, search)[0] == ("Fake (demo)", "cornerbakery", AT, "")


def test_a_rate_limited_search_makes_the_whole_account_wait(
    account: ConnectedAccount, member: Membership
) -> None:
    search = search_for(member, "sourdough")
    fake.inject(fake.Fault.RATE_LIMITED, handle="cornerbakery", operation="search", retry_after=300)
    poll(row(account, search))
    account.refresh_from_db()
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.rate_limited_until == AT + timedelta(seconds=300)


def test_a_stored_query_the_parser_refuses_fails_its_own_row_only(
    account: ConnectedAccount, member: Membership
) -> None:
    broken, rye = search_for(member, "sourdough"), search_for(member, "rye")
    Search.objects.filter(pk=broken.pk).update(query='"sourdough')  # stored before the parser
    fake.customer_post("maya", "rye at the market")
    report = poll(row(account, broken))
    assert report.error and "cannot run: A quote is not closed" in report.error
    assert row(account, broken).failures == 1
    account.refresh_from_db()
    assert account.status_detail == ""
    assert poll(row(account, rye)).new == 1


def test_a_page_fetched_before_a_pause_is_stored_with_its_cursor(
    account: ConnectedAccount, member: Membership
) -> None:
    search = search_for(member, "croissant")
    item = Incoming("fake-9", "mention", "maya", "Maya", "croissant heaven", AT)
    batch = Batch(account, LISTENING, str(search.pk), [item])
    prepared = ingest.prepare(batch)
    services.pause_search(member, search)  # while the page was on its way
    assert ingest.store(batch, prepared) == 1
    assert list(search.hits.values_list("external_id", flat=True)) == ["fake-9"]


def test_the_shops_own_posts_are_not_what_people_say(
    account: ConnectedAccount, member: Membership
) -> None:
    ConnectedAccount.objects.create(
        workspace=account.workspace, network="mastodon", handle="@cornerbakery@bakers.social"
    )
    search = search_for(member, "sourdough")
    fake.customer_post("cornerbakery", "Our sourdough is out of the oven")
    fake.customer_post("cornerbakery@bakers.social", "Sourdough tips: keep it in a tea towel")
    fake.customer_post("maya", "sourdough at the market")
    poll(row(account, search))
    assert list(Hit.objects.values_list("author_handle", flat=True)) == ["maya"]
