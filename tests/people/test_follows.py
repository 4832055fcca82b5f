"""Follower sync: every follower of an account becomes a person with what their profile says,
page after page; a pass broken by a failure resumes at its cursor; an unfollow is marked only
after a whole pass; an expired token is reported once and not retried; a network that does
not list followers is not asked and says why; a network that bills reads stops at its budget.

The network is the fake one (porch/networks/fake/), where made-up people follow accounts."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from porch.networks import registry
from porch.networks.base import Profile
from porch.networks.fake import store as fake
from porch.networks.fake.store import Fault
from porch.networks.models import UsageMonth
from porch.networks.sync import client_for
from porch.people import follows
from porch.people.follows import sync_due, sync_followers, sync_their_follows
from porch.people.models import (
    Follow,
    FollowSync,
    Identity,
    NetworkSuggestion,
    Person,
    TheirFollow,
)
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    shop = ConnectedAccount(workspace=workspace, network="fake", handle="cornerbakery")
    shop.set_credentials({"page_size": "2"})
    shop.save()
    return shop


def followed_by(*handles: str) -> None:
    for n, handle in enumerate(handles):
        fake.follow(handle, "cornerbakery", at=AT - timedelta(days=len(handles) - n))


def following(account: ConnectedAccount) -> set[str]:
    found = Follow.objects.filter(account=account, gone_at__isnull=True)
    return set(found.values_list("identity__handle", flat=True))


def with_followers(monkeypatch: pytest.MonkeyPatch, **can: object) -> None:
    network = registry.descriptor("fake")
    changed = replace(network, can=replace(network.can, **can))  # type: ignore[arg-type]
    monkeypatch.setattr(follows, "descriptor", lambda name: changed)


def test_followers_become_people_with_their_profiles_page_after_page(
    account: ConnectedAccount,
) -> None:
    fake.set_profile(
        "ana",
        name="Ana Bakes",
        bio="Bread nerd",
        website="https://ana.example",
        links=("https://ana.example/about",),
    )
    followed_by("ana", "ben", "cy", "dee", "eve")

    report = sync_followers(account)

    assert report.complete and report.pages == 3 and report.seen == 5 and report.new == 5
    assert following(account) == {"ana", "ben", "cy", "dee", "eve"}
    ana = Identity.objects.get(handle="ana")
    assert (ana.stable_id, ana.display_name, ana.bio) == ("fake:ana", "Ana Bakes", "Bread nerd")
    assert ana.website == "https://ana.example" and ana.profile_at == AT
    assert ana.links == [{"url": "https://ana.example/about", "verified_at": ""}]
    assert ana.profile_url.endswith("/ana") and ana.followers_count == 0
    assert ana.person.display_name == "Ana Bakes" and ana.person.first_seen_at == AT
    sync = FollowSync.objects.get(account=account)
    assert (sync.cursor, sync.followers, sync.synced_at, sync.partial) == ("", 5, AT, "")
    assert sync.next_sync_at == AT + follows.EVERY


def test_a_second_pass_adds_no_one_twice(account: ConnectedAccount) -> None:
    followed_by("ana", "ben", "cy")
    sync_followers(account)

    again = sync_followers(account)

    assert again.complete and again.new == 0
    assert Follow.objects.count() == 3 and Person.objects.count() == 3


def test_a_pass_broken_by_a_failure_resumes_at_its_cursor(
    account: ConnectedAccount, now: time_machine.Traveller
) -> None:
    followed_by("ana", "ben", "cy", "dee", "eve")
    fake.inject(Fault.SERVER_ERROR, operation="followers", skip=1)  # the second page fails

    broken = sync_followers(account)

    assert broken.error and not broken.complete and broken.pages == 1
    sync = FollowSync.objects.get(account=account)
    assert sync.cursor and sync.error and sync.synced_at is None
    assert sync.next_sync_at == AT + follows.RETRY
    assert following(account) == {"eve", "dee"}  # newest first
    now.shift(follows.RETRY)
    assert [a.pk for a in follows.due()] == [account.pk]

    resumed = sync_followers(account)

    assert resumed.complete and resumed.pages == 2 and resumed.gone == 0
    assert following(account) == {"ana", "ben", "cy", "dee", "eve"}
    assert FollowSync.objects.get(account=account).error == ""


def test_an_unfollow_is_marked_only_after_a_whole_pass(
    account: ConnectedAccount, now: time_machine.Traveller
) -> None:
    followed_by("ana", "ben", "cy", "dee", "eve")
    sync_followers(account)
    fake.unfollow("ana", "cornerbakery")  # the oldest follower: on the last page
    now.shift(timedelta(days=1))

    part = sync_followers(account, max_pages=1)  # a pass not read to its end

    assert not part.complete and part.gone == 0 and "ana" in following(account)
    assert (
        FollowSync.objects.get(account=account).next_sync_at
        == AT + timedelta(days=1) + follows.RESUME
    )
    rest = sync_followers(account)

    assert rest.complete and rest.gone == 1
    assert following(account) == {"ben", "cy", "dee", "eve"}
    assert Follow.objects.get(identity__handle="ana").gone_at == AT + timedelta(days=1)
    assert FollowSync.objects.get(account=account).followers == 4
    fake.follow("ana", "cornerbakery")  # back again
    now.shift(timedelta(days=1))
    assert sync_followers(account).new == 1 and "ana" in following(account)


def test_an_expired_token_is_reported_once_and_not_retried(
    account: ConnectedAccount, now: time_machine.Traveller
) -> None:
    followed_by("ana", "ben", "cy")
    fake.inject(Fault.EXPIRED, operation="followers", times=5)

    assert sync_due() and sync_due() == []  # tried once

    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.filter(account=account, key="reconnect").count() == 1
    assert "reconnect" in FollowSync.objects.get(account=account).error
    now.shift(timedelta(days=3))
    assert sync_due() == []  # not until the account is reconnected
    assert Notice.objects.filter(account=account).count() == 1


def test_a_network_without_follower_lists_is_not_asked_and_says_why(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = "Facebook does not tell Pages who follows them."
    with_followers(monkeypatch, followers="", followers_note=note)
    followed_by("ana")
    fake.inject(Fault.EXPIRED, operation="followers")  # any call would fail

    report = sync_followers(account)

    assert report.partial == note and not report.error and report.pages == 0
    assert FollowSync.objects.get(account=account).partial == note
    assert not Follow.objects.exists()
    account.refresh_from_db()
    assert account.status == AccountStatus.OK


def test_a_budget_network_reads_new_followers_only_and_says_the_list_is_partial(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch, now: time_machine.Traveller
) -> None:
    note = "X: follower list partly synced (budget)"
    with_followers(monkeypatch, followers="budget", followers_note=note)
    followed_by("ana", "ben", "cy", "dee", "eve")
    sync_followers(account)
    fake.follow("fay", "cornerbakery")
    fake.unfollow("ana", "cornerbakery")
    now.shift(timedelta(days=1))

    report = sync_followers(account)

    assert report.pages == 2  # fay+eve (one new), dee+cy (none new): stop
    assert report.new == 1 and report.partial == note and report.gone == 0
    assert "ana" in following(account)  # unfollows are not seen within a budget
    sync = FollowSync.objects.get(account=account)
    assert (sync.partial, sync.cursor) == (note, "")


def test_a_budget_network_stops_at_the_accounts_cost_cap(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_followers(monkeypatch, followers="budget", paid_reads=True)
    monkeypatch.setattr("porch.networks.poller.month_cost", lambda _: Decimal("9.99"))
    account.monthly_cost_cap = Decimal("5.00")
    account.save()
    followed_by("ana", "ben")

    report = sync_followers(account)

    assert report.pages == 0 and "cap" in report.partial and not Follow.objects.exists()
    account.refresh_from_db()
    assert account.status == AccountStatus.PAUSED


def test_a_followers_follows_are_kept_for_peer_discovery(account: ConnectedAccount) -> None:
    followed_by("ana", "ben")
    fake.follow("ana", "rye_club")
    fake.follow("ana", "millbrook_news")
    sync_followers(account)
    ana = Identity.objects.get(handle="ana")

    assert sync_their_follows(ana) == 3
    assert set(TheirFollow.objects.filter(follower=ana).values_list("handle", flat=True)) == {
        "rye_club",
        "millbrook_news",
        "cornerbakery",
    }
    fake.unfollow("ana", "millbrook_news")
    assert sync_their_follows(ana) == 2  # what is known is replaced


def test_a_complete_pass_reads_the_followers_follows(account: ConnectedAccount) -> None:
    followed_by("ana", "ben")
    fake.follow("ben", "rye_club")

    assert [r.complete for r in sync_due()] == [True]

    assert TheirFollow.objects.filter(handle="rye_club").count() == 1
    assert TheirFollow.objects.filter(handle="cornerbakery").count() == 2


def test_what_the_network_suggests_is_kept_and_renewed(account: ConnectedAccount) -> None:
    followed_by("ana")
    fake.follow("cornerbakery", "millbrook_news")
    fake.follow("millbrook_news", "rye_club")
    fake.follow("millbrook_news", "oldmill")

    sync_due()

    kept = NetworkSuggestion.objects.filter(account=account)
    assert set(kept.values_list("handle", flat=True)) == {"rye_club", "oldmill"}
    fake.follow("cornerbakery", "rye_club")  # followed now: no longer suggested
    follows.sync_peer_follows(account)
    assert set(kept.values_list("handle", flat=True)) == {"oldmill"}


def test_no_peer_follows_on_a_budget_network(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_followers(monkeypatch, followers="budget")
    followed_by("ana")
    sync_followers(account)

    assert follows.sync_peer_follows(account) == 0 and not TheirFollow.objects.exists()


def test_the_fake_network_tells_profiles_of_the_accounts_it_knows(
    account: ConnectedAccount,
) -> None:
    fake.set_profile("ana", name="Ana Bakes", website="https://ana.example")
    fake.customer_post("ben", "hello", author_name="Ben")
    followed_by("ana")

    with client_for(account) as client:
        found = client.profiles(["fake:ana", "fake:ben", "fake:nobody"])

    assert [(p.handle, p.display_name, p.followers_count) for p in found] == [
        ("ana", "Ana Bakes", 0),
        ("ben", "Ben", 0),
    ]
    assert found[0].website == "https://ana.example"


def test_two_workers_never_sync_one_account_at_once(account: ConnectedAccount) -> None:
    assert follows.claim(account)
    assert not follows.claim(account)
    assert list(follows.due()) == []


def test_the_followers_read_are_counted_for_the_networks_bill(account: ConnectedAccount) -> None:
    followed_by("ana", "ben", "cy")

    sync_followers(account)

    usage = UsageMonth.objects.get(account=account)
    assert usage.users_read == 3  # what X bills per account read: the cap sees it


def test_a_handle_the_network_cannot_vouch_for_keeps_the_one_known(
    account: ConnectedAccount,
) -> None:
    known = Profile("fake", "fake:ana", "ana", display_name="Ana")
    follows.store_followers(account, [known])

    follows.store_followers(
        account, [replace(known, handle="handle.invalid", handle_checked=False)]
    )
    follows.store_followers(
        account, [Profile("fake", "fake:bo", "handle.invalid", handle_checked=False)]
    )

    assert Identity.objects.get(stable_id="fake:ana").handle == "ana"
    assert Identity.objects.get(stable_id="fake:bo").handle == "fake:bo"  # named by their id
