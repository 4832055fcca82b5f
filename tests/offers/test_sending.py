"""Per-person codes: one per follower the offer reaches (or skipped, saying why), each sent
by direct message exactly once, on the fake network and on mastodon-mock over real HTTP."""

import dataclasses
import signal
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from mastodon import Mastodon

from porch.core import scheduler
from porch.errors import Conflict, NotAllowed, NotFound
from porch.inbox.models import Conversation, Message
from porch.networks import registry
from porch.networks.base import NetworkDescriptor
from porch.networks.fake import store
from porch.networks.fake.store import Fault
from porch.networks.models import UsageMonth
from porch.networks.sync import client_for
from porch.offers import codes, sending
from porch.offers.models import Audience, Code, CodeState, Give
from porch.offers.sending import claim, request_codes, send_due
from porch.offers.tasks import send_offer_codes
from porch.people.models import Follow, Identity, Person, Status
from porch.workspaces import services as workspaces
from porch.workspaces.models import (
    AccountStatus,
    ConnectedAccount,
    Membership,
    Notice,
    Role,
    Workspace,
)
from tests.conftest import add_member
from tests.networks.mastodon.conftest import DOMAIN, Mock, mock, mock_server, pat  # noqa: F401
from tests.offers.sending_helpers import NOW, follower, personal_offer, shop_on


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


@pytest.fixture
def shop(workspace: Workspace) -> ConnectedAccount:
    return shop_on(workspace)


def can_send(monkeypatch: pytest.MonkeyPatch, network: str, **changes: Any) -> None:
    """The network's descriptor as the offers see it, with other direct-message rules."""
    real = registry.descriptor(network)
    changed = dataclasses.replace(real, can=dataclasses.replace(real.can, **changes))

    def descriptor(name: str) -> NetworkDescriptor:
        return changed if name == network else registry.descriptor(name)

    monkeypatch.setattr(sending, "descriptor", descriptor)


def codes_of(offer: Any) -> dict[str, Code]:
    found = Code.objects.filter(offer=offer, identity__isnull=False).select_related("identity")
    return {c.identity.handle: c for c in found if c.identity is not None}


# ---------------------------------------------------------------- who gets a code


def test_each_follower_gets_one_code_and_asking_twice_adds_none(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann"), follower(shop, "bob"), follower(shop, "gone", gone=True)
    offer = personal_offer(member.workspace)

    first = request_codes(member, offer, now=NOW)
    second = request_codes(member, offer, now=NOW + timedelta(minutes=1))

    assert (first.queued, first.skipped) == (2, []) and (second.queued, second.skipped) == (0, [])
    found = codes_of(offer)
    assert sorted(found) == ["ann", "bob"]
    for code in found.values():
        assert code.state == CodeState.QUEUED and code.personal and code.network == "fake"
        assert code.identity is not None and code.person == code.identity.person
        assert codes.is_personal_shape(code.code)
    offer.refresh_from_db()
    assert offer.send_requested_at == NOW + timedelta(minutes=1)


def test_the_audience_narrows_who_gets_a_code(member: Membership, shop: ConnectedAccount) -> None:
    follower(shop, "ann", status=Status.VIP), follower(shop, "bob", tags=("Regular",))
    follower(shop, "cat")
    vips = personal_offer(member.workspace, audience=Audience.VIP)
    tagged = personal_offer(member.workspace, audience=Audience.TAG, tag="regular")

    assert request_codes(member, vips, now=NOW).queued == 1
    assert request_codes(member, tagged, now=NOW).queued == 1

    assert list(codes_of(vips)) == ["ann"] and list(codes_of(tagged)) == ["bob"]


def test_only_a_manager_sends_codes_of_a_personal_offer_of_their_workspace_still_on(
    member: Membership, shop: ConnectedAccount, workspace: Workspace
) -> None:
    follower(shop, "ann")
    offer = personal_offer(workspace)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper = Membership.objects.get(user=helper, workspace=workspace)
    stranger = workspaces.create_user("other@shop.example", "correct horse battery staple")
    elsewhere = workspaces.create_workspace(stranger, "Other Shop", "UTC")
    as_stranger = Membership.objects.get(user=stranger, workspace=elsewhere)

    with pytest.raises(NotAllowed):
        request_codes(as_helper, offer, now=NOW)
    with pytest.raises(NotFound):
        request_codes(as_stranger, offer, now=NOW)
    with pytest.raises(Conflict, match="shared code"):
        request_codes(member, personal_offer(workspace, give=Give.SHARED), now=NOW)
    with pytest.raises(Conflict, match="ended"):
        request_codes(member, offer, now=offer.ends_at)
    assert not Code.objects.exists()


def test_where_the_business_cannot_write_first_each_follower_is_skipped_with_the_rule(
    member: Membership, shop: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    can_send(monkeypatch, "fake", send_direct="", send_direct_note="No messages from shops.")
    follower(shop, "ann")
    offer = personal_offer(member.workspace)

    asked = request_codes(member, offer, now=NOW)

    assert asked.queued == 0 and asked.skipped == [("Ann", "No messages from shops.")]
    code = Code.objects.get(offer=offer)
    assert code.state == CodeState.SKIPPED and code.error == "No messages from shops."
    assert send_due(now=NOW) == 0 and store.direct_messages_to("ann") == []


def wrote(account: ConnectedAccount, identity: Identity, at: Any) -> None:
    convo = Conversation.objects.create(
        workspace=account.workspace,
        account=account,
        root_external_id=f"dm-{identity.handle}",
        contact_handle=identity.handle,
        first_message_at=at,
        last_message_at=at,
    )
    Message.objects.create(
        workspace=account.workspace,
        account=account,
        conversation=convo,
        network=account.network,
        external_id=f"dm-{identity.handle}",
        kind="direct",
        author_handle=identity.handle,
        author_id=identity.stable_id,
        text="Are you open on Sunday?",
        sent_at=at,
    )


def test_where_only_people_who_wrote_lately_take_messages_the_others_are_skipped(
    member: Membership, shop: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    can_send(monkeypatch, "fake", send_direct="wrote_first", send_direct_hours=24)
    ann, bob = follower(shop, "ann"), follower(shop, "bob")
    follower(shop, "cat")
    wrote(shop, ann, NOW - timedelta(hours=2))
    wrote(shop, bob, NOW - timedelta(hours=30))
    offer = personal_offer(member.workspace)

    asked = request_codes(member, offer, now=NOW)

    assert asked.queued == 1 and [name for name, _ in asked.skipped] == ["Bob", "Cat"]
    assert all("has not written in 24 h" in why for _, why in asked.skipped)
    # Bob writes again: asking again queues his code, and Cat's stays skipped.
    Message.objects.filter(author_handle="bob").update(sent_at=NOW + timedelta(hours=1))
    again = request_codes(member, offer, now=NOW + timedelta(hours=2))
    assert again.queued == 1 and [name for name, _ in again.skipped] == ["Cat"]
    assert Code.objects.filter(offer=offer).count() == 3


def test_on_a_network_that_bills_only_what_fits_under_the_cost_cap_is_queued(
    member: Membership, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = shop_on(workspace, "x")
    assert registry.descriptor("x").can.paid_reads
    can_send(monkeypatch, "x", send_direct="if_they_allow")
    x.monthly_cost_cap = UsageMonth(account=x, dms_sent=2).estimated_cost()
    x.save()
    for handle in ("ann", "bob", "cat"):
        follower(x, handle)

    asked = request_codes(member, personal_offer(workspace, networks=("x",)), now=NOW)

    assert asked.queued == 2 and [name for name, _ in asked.skipped] == ["Cat"]
    assert "cost cap" in asked.skipped[0][1] and "Accounts page" in asked.skipped[0][1]
    # The two still waiting count against the cap for the next offer too.
    other = request_codes(member, personal_offer(workspace, networks=("x",)), now=NOW)
    assert other.queued == 0 and len(other.skipped) == 3
    assert x.monthly_cost_cap > Decimal(0)


# ---------------------------------------------------------------- sending them


def test_queued_codes_go_out_once_with_the_offer_its_end_the_code_and_its_link(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann"), follower(shop, "bob")
    offer = personal_offer(member.workspace)
    with time_machine.travel(NOW, tick=False):
        request_codes(member, offer, now=NOW)
        assert send_due(now=NOW) == 2
        assert send_due(now=NOW) == 0

    code = codes_of(offer)["ann"]
    [message] = store.direct_messages_to("ann")
    assert message.text == (
        "Spring crumb\n10% off one loaf.\nUntil 17 March 2026, 10:00.\n"
        f"Your code: {codes.display(code.code)}\n{settings.LINK_HOST}/c/{code.code}/"
    )
    assert code.state == CodeState.SENT and code.sent_at == NOW and code.error == ""
    assert code.external_id == message.external_id and not code.check_first
    assert len(store.direct_messages_to("bob")) == 1
    assert UsageMonth.objects.get(account=shop).dms_sent == 2


@pytest.mark.parametrize("sent_before_dying", [True, False])
@override_settings(PUBLISH_LEASE=60)
def test_a_sender_killed_between_claim_and_record_is_taken_over_and_the_code_goes_once(
    member: Membership, shop: ConnectedAccount, sent_before_dying: bool
) -> None:
    follower(shop, "ann")
    offer = personal_offer(member.workspace)
    with time_machine.travel(NOW, tick=False) as clock:
        request_codes(member, offer, now=NOW)
        code = Code.objects.select_related("identity").get()
        assert claim(code, "dead", NOW)
        if sent_before_dying:  # its message went out, under a key the network forgot
            assert code.identity is not None
            with client_for(shop) as client:
                message = sending.direct_message(code, code.identity, client)
                client.send_direct(dataclasses.replace(message, idempotency_key="lost"))
        assert send_due(now=NOW) == 0  # the dead sender's lease still holds
        clock.shift(61)
        assert send_due() == 1
        assert send_due() == 0

    assert len(store.direct_messages_to("ann")) == 1
    code.refresh_from_db()
    assert code.state == CodeState.SENT and code.claimed_by != "dead"


def test_a_person_who_refuses_messages_is_failed_with_what_to_do_and_not_retried(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann")
    request_codes(member, personal_offer(member.workspace), now=NOW)
    store.inject(Fault.REFUSED, operation="send_direct")

    assert send_due(now=NOW) == 0
    assert send_due(now=NOW + timedelta(days=1)) == 0

    code = Code.objects.get()
    assert code.state == CodeState.FAILED and code.retry_at is None
    assert "does not take direct messages" in code.error and "at the counter" in code.error


def test_a_rate_limit_waits_and_the_code_goes_later(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann")
    request_codes(member, personal_offer(member.workspace), now=NOW)
    store.inject(Fault.RATE_LIMITED, operation="send_direct", retry_after=120)

    with time_machine.travel(NOW, tick=False):
        assert send_due(now=NOW) == 0
    code = Code.objects.get()
    assert code.state == CodeState.QUEUED and code.retry_at == NOW + timedelta(seconds=120)
    assert "tries again at 10:02" in code.error
    assert send_due(now=NOW + timedelta(seconds=60)) == 0
    assert send_due(now=NOW + timedelta(seconds=121)) == 1
    assert len(store.direct_messages_to("ann")) == 1


def test_a_lost_answer_is_looked_for_before_the_next_try_and_not_sent_twice(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann")
    with time_machine.travel(NOW, tick=False):
        request_codes(member, personal_offer(member.workspace), now=NOW)
        store.inject(Fault.LOST_ANSWER, operation="send_direct")
        assert send_due(now=NOW) == 0
        code = Code.objects.get()
        assert code.state == CodeState.QUEUED and code.check_first
        assert code.error.startswith("Not sure it went out")
        assert send_due(now=code.retry_at) == 1

    assert len(store.direct_messages_to("ann")) == 1
    code.refresh_from_db()
    assert code.state == CodeState.SENT


def test_an_expired_token_asks_for_a_reconnect_once_and_sending_again_sends(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann"), follower(shop, "bob")
    offer = personal_offer(member.workspace)
    request_codes(member, offer, now=NOW)
    store.inject(Fault.EXPIRED, operation="send_direct")

    assert send_due(now=NOW) == 0
    assert send_due(now=NOW + timedelta(hours=1)) == 0  # not retried until asked again

    shop.refresh_from_db()
    assert shop.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.filter(account=shop, key="reconnect").count() == 1
    failed = Code.objects.filter(state=CodeState.FAILED)
    assert failed.count() == 2 and all("Reconnect the account" in c.error for c in failed)
    ConnectedAccount.objects.filter(pk=shop.pk).update(status=AccountStatus.OK, status_detail="")
    assert request_codes(member, offer, now=NOW + timedelta(hours=2)).queued == 2
    assert send_due(now=NOW + timedelta(hours=2)) == 2
    assert len(store.direct_messages_to("ann")) == len(store.direct_messages_to("bob")) == 1


def test_a_code_whose_offer_ended_before_it_went_is_not_sent(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann")
    offer = personal_offer(member.workspace)
    request_codes(member, offer, now=NOW)

    assert send_due(now=offer.ends_at) == 0

    code = Code.objects.get()
    assert code.state == CodeState.FAILED and "the offer ended" in code.error
    assert store.direct_messages_to("ann") == []


def test_the_worker_sends_codes_every_few_seconds(
    member: Membership, shop: ConnectedAccount
) -> None:
    [job] = [job for job in scheduler.PERIODIC if job.name == "send-offer-codes"]
    assert (job.task_path, job.interval) == ("porch.offers.tasks.send_offer_codes", 5)
    follower(shop, "ann")
    request_codes(member, personal_offer(member.workspace), now=NOW)
    with time_machine.travel(NOW, tick=False):
        assert send_offer_codes.call() == 1


# ---------------------------------------------------------------- end to end on Mastodon


def test_a_code_reaches_a_mastodon_follower_as_a_private_mention(
    member: Membership,
    workspace: Workspace,
    mock: Mock,  # noqa: F811
    pat: Mastodon,  # noqa: F811
) -> None:
    account = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=mock.base_url,
        timezone="Europe/London",
    )
    account.set_credentials({"access_token": "bakery"})
    account.save()
    me = pat.account_verify_credentials()
    person = Person.objects.create(workspace=workspace, display_name="Pat Customer")
    identity = Identity.objects.create(
        workspace=workspace,
        person=person,
        network="mastodon",
        stable_id=str(me["uri"]),
        local_id=str(me["id"]),
        handle=f"pat@{DOMAIN}",
    )
    Follow.objects.create(account=account, identity=identity, seen_at=NOW)
    offer = personal_offer(workspace, networks=("mastodon",), ends_at=NOW + timedelta(days=3650))

    assert request_codes(member, offer, now=NOW).queued == 1
    assert send_due() == 1
    assert send_due() == 0

    code = Code.objects.get()
    [conversation] = pat.conversations()
    status = conversation["last_status"]
    assert status["visibility"] == "direct" and str(status["id"]) == code.external_id
    assert codes.display(code.code) in status["content"] and "Spring crumb" in status["content"]
    assert code.state == CodeState.SENT


# ---------------------------------------------------------------- a real worker, killed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash_at", ["before-direct", "after-direct"])
def test_a_killed_worker_sends_a_code_once(
    crash_at: str, owner: User, workspace: Workspace, fake_network: Path, tmp_path: Path
) -> None:
    """kill -9 of a real `porch worker` right before the message, or right after it and
    before it is recorded: the next worker takes the claim over when its lease runs out,
    looks for the message (find_direct) and sends only what did not go."""
    from tests.publishing.test_crash import start_worker, wait_for, worker_env

    member = Membership.objects.get(user=owner, workspace=workspace)
    shop = shop_on(workspace)
    follower(shop, "ann")
    now = timezone.now()
    # Ann follows on the network itself too: the worker's follower sync keeps her follow.
    store.follow("ann", shop.handle, at=now - timedelta(days=3))
    offer = personal_offer(
        workspace, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    assert request_codes(member, offer, now=now).queued == 1
    env = {**worker_env(tmp_path / "data"), "PORCH_FAKE_NETWORK_DB": str(fake_network)}
    log = tmp_path / "worker.log"

    dying = start_worker(env, log, crash_at)
    try:
        assert dying.wait(timeout=90) == -signal.SIGKILL, log.read_text()[-3000:]
    finally:
        dying.kill()
    assert Code.objects.get().state == CodeState.SENDING  # died holding the claim
    assert len(store.direct_messages_to("ann")) == (1 if crash_at == "after-direct" else 0)
    worker = start_worker(env, log)
    try:
        sent = wait_for(lambda: Code.objects.get().state == CodeState.SENT, 90)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert sent, log.read_text()[-3000:]
    assert len(store.direct_messages_to("ann")) == 1


def test_someone_who_unfollows_before_the_code_goes_gets_nothing(
    member: Membership, shop: ConnectedAccount
) -> None:
    follower(shop, "ann"), follower(shop, "bob")
    offer = personal_offer(member.workspace)
    with time_machine.travel(NOW, tick=False):
        request_codes(member, offer, now=NOW)
        Follow.objects.filter(identity__handle="bob").update(gone_at=NOW)
        assert send_due(now=NOW) == 1

    bob = codes_of(offer)["bob"]
    assert store.direct_messages_to("bob") == [] and len(store.direct_messages_to("ann")) == 1
    assert bob.state == CodeState.FAILED and "no longer follow" in bob.error
