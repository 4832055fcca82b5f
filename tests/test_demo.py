"""The demo workspace is a living, clearly-marked fictional bakery, on the fake network:
what it sends goes there, and a made-up customer writes there now and then."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.core import scheduler
from porch.demo import DEMO_EMAIL, DEMO_PASSWORD, SEARCHES, load_demo
from porch.inbox.models import Conversation, Message, ReplyStatus
from porch.inbox.services import submit_reply
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit, Search
from porch.listening.stream import Filters, stream_page
from porch.networks.apps import register_network_jobs
from porch.networks.fake import store as fake_network
from porch.networks.fake import town
from porch.networks.fake.customer import (
    DAILY_LIMIT,
    TOWN_EVERY,
    customer_posts,
    demo_accounts,
    visit,
)
from porch.networks.models import INCOMING, SyncState
from porch.networks.poller import poll, sync_account
from porch.publishing.engine import publish_due
from porch.publishing.models import Post, PostTarget, TargetState
from porch.workspaces.models import Membership


def test_demo_loads_once_and_is_marked_everywhere(db: None) -> None:
    workspace, created = load_demo()
    again, created_again = load_demo()
    assert created and not created_again and again == workspace
    assert workspace.is_demo
    assert workspace.accounts.count() == 4 and all(a.is_demo for a in workspace.accounts.all())
    assert Message.objects.filter(workspace=workspace, is_demo=False).count() == 0
    assert Message.objects.filter(workspace=workspace).count() >= 10
    assert Post.objects.filter(workspace=workspace, is_demo=True).exists()


def test_demo_dashboard_shows_the_banner_and_complaints(client: Client, db: None) -> None:
    workspace, _ = load_demo()
    assert client.login(username=DEMO_EMAIL, password=DEMO_PASSWORD)
    page = client.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert "This is the demo workspace" in page
    assert "birthday cake" in page


def test_a_reply_from_the_demo_goes_out_to_the_fake_network(db: None) -> None:
    workspace, _ = load_demo()
    owner = User.objects.get(username=DEMO_EMAIL)
    member = Membership.objects.get(workspace=workspace, user=owner)
    conversation = Conversation.objects.get(workspace=workspace, contact_handle="maria_runs")
    asked = conversation.messages.get().external_id
    reply = submit_reply(member, owner, conversation, "So sorry Maria, it's on its way now!")
    assert reply.status == ReplyStatus.SENT
    sent = fake_network.posts_by(conversation.account.handle)
    assert [(p.text, p.reply_to) for p in sent if p.reply_to] == [(reply.text, asked)]


def test_past_posts_went_out_and_due_ones_go_out_on_the_fake_network(db: None) -> None:
    workspace, _ = load_demo()
    published = PostTarget.objects.filter(post__workspace=workspace, state=TargetState.PUBLISHED)
    assert published.exists() and all(t.url.startswith("https://fake.invalid/") for t in published)
    due = list(PostTarget.objects.filter(post__workspace=workspace, state=TargetState.SCHEDULED))
    assert due
    last = max(target.scheduled_at for target in due if target.scheduled_at is not None)
    with time_machine.travel(last + timedelta(minutes=1)):
        publish_due("demo-worker")
    assert not PostTarget.objects.filter(post__workspace=workspace, state=TargetState.SCHEDULED)
    on_network = {p.text for t in due for p in fake_network.posts_by(t.account.handle)}
    assert {t.text for t in due} <= on_network


def test_a_made_up_customer_writes_and_the_sync_brings_it_to_the_inbox(db: None) -> None:
    workspace, _ = load_demo()
    before = Message.objects.filter(workspace=workspace).count()
    posted = [visit(demo_accounts()) for _ in range(4)]  # one to each account in turn
    states = SyncState.objects.filter(account__workspace=workspace, source=INCOMING)
    assert states.count() == 4
    for state in states:
        sync_account(state.account, state)
    arrived = Message.objects.filter(workspace=workspace, external_id__in=posted)
    assert (
        arrived.count() == 4 and Message.objects.filter(workspace=workspace).count() == before + 4
    )
    assert {m.account.handle for m in arrived} == {a.handle for a in workspace.accounts.all()}


def test_a_customer_thanks_the_shop_for_an_answer(db: None) -> None:
    workspace, _ = load_demo()
    owner = User.objects.get(username=DEMO_EMAIL)
    member = Membership.objects.get(workspace=workspace, user=owner)
    conversation = Conversation.objects.get(workspace=workspace, contact_handle="maria_runs")
    submit_reply(member, owner, conversation, "On its way!")
    accounts = [conversation.account]
    thanks = fake_network.get_post(visit(accounts))
    assert thanks is not None and thanks.author == "maria_runs" and thanks.reply_to
    assert visit(accounts) != thanks.external_id  # thanked once; then someone new writes


def test_the_customer_job_is_quiet_without_a_demo(db: None) -> None:
    assert customer_posts.call() == ""


def test_the_customer_job_is_scheduled_only_for_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not settings.DEMO_CUSTOMER  # PORCH_DEBUG is off: a production install
    assert "fake-customer-posts" not in {job.name for job in scheduler.PERIODIC}
    monkeypatch.setattr(scheduler, "PERIODIC", [])
    register_network_jobs(demo=False)
    assert scheduler.PERIODIC == []
    register_network_jobs(demo=True)  # `porch demo`, or PORCH_DEMO_CUSTOMER
    assert [job.name for job in scheduler.PERIODIC] == ["fake-customer-posts"]


def test_a_demo_account_gets_at_most_a_days_limit_of_made_up_posts(db: None) -> None:
    load_demo()
    accounts = demo_accounts()[:1]
    posted = [visit(accounts) for _ in range(DAILY_LIMIT + 1)]
    assert posted[-1] == ""  # enough for today
    day_ago = timezone.now() - timedelta(days=1)
    assert fake_network.count_to(accounts[0].handle, day_ago) == DAILY_LIMIT
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert visit(accounts)  # a new day, a new customer


@time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))  # its own now
def test_the_demo_listens_to_the_town_and_each_search_finds_hits(db: None) -> None:
    workspace, _ = load_demo()
    states = SyncState.objects.filter(account__workspace=workspace, source=LISTENING)
    assert states.count() == len(SEARCHES)
    for state in states:
        poll(state)
    owner = Membership.objects.get(workspace=workspace, user__username=DEMO_EMAIL)
    for search in Search.objects.filter(workspace=workspace):
        hits = stream_page(owner, search, Filters(), None).hits
        assert hits, search.name
    oldest = Hit.objects.filter(workspace=workspace).order_by("sent_at").first()
    assert oldest is not None and oldest.sent_at < timezone.now() - timedelta(days=10)


@time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))  # its own now
def test_the_customer_job_lets_the_town_talk_now_and_then(db: None) -> None:
    load_demo()
    before = town.posted_since()
    posted = [customer_posts.call() for _ in range(2 * TOWN_EVERY)]
    assert all(posted) and town.posted_since() - before == 2
    assert town.posted_since(timezone.now() - timedelta(days=1)) <= DAILY_LIMIT
