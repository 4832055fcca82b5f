"""The demo workspace is a living, clearly-marked fictional bakery, on the fake network:
what it sends goes there, and a made-up customer writes there now and then."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.core import scheduler
from porch.demo import DEMO_EMAIL, DEMO_PASSWORD, SEARCHES, load_demo
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Message,
    MessageKind,
    Reply,
    ReplyStatus,
)
from porch.inbox.services import submit_reply
from porch.insights.models import ActiveTime, FollowerSample, HistoryPost, MetricSample, Revenue
from porch.insights.money import where_the_money_is
from porch.insights.report import build_report, week_label
from porch.insights.whatworks import best_times, what_works
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit, Search, SearchHit
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
from porch.offers.models import Redemption
from porch.plans.models import Plan
from porch.publishing.engine import publish_due
from porch.publishing.models import Post, PostTarget, TargetState
from porch.workspaces.models import Membership, Workspace


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


# A year of history -------------------------------------------------------------------------

YEAR_NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def _history(workspace: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """The demo's generated rows, without their ids: what two loads can be compared by."""
    accounts = {a.pk: a.handle for a in workspace.accounts.all()}
    posts = HistoryPost.objects.filter(workspace=workspace).order_by(
        "account__handle", "external_id"
    )
    fields = ("external_id", "published_at", "pillar", "text", "media", "likes", "impressions")
    return {
        "posts": [(accounts[p.account_id], *(getattr(p, f) for f in fields)) for p in posts],
        "samples": list(
            MetricSample.objects.filter(post__workspace=workspace)
            .order_by("post__account__handle", "post__external_id", "taken_at")
            .values_list("post__external_id", "taken_at", "likes", "reposts")
        ),
        "followers": list(
            FollowerSample.objects.filter(account__workspace=workspace)
            .order_by("account__handle", "taken_at")
            .values_list("account__handle", "taken_at", "followers")
        ),
        "talk": list(
            Message.objects.filter(workspace=workspace, external_id__startswith="demo-talk-")
            .order_by("account__handle", "external_id")
            .values_list("account__handle", "external_id", "author_handle", "text", "sent_at")
        ),
        "heard": list(
            Hit.objects.filter(workspace=workspace)
            .order_by("sent_at", "text")
            .values_list("author_handle", "text", "sent_at")
        ),
        "time": list(
            ActiveTime.objects.filter(workspace=workspace)
            .order_by("day", "activity", "outside_porch")
            .values_list("day", "activity", "seconds", "outside_porch")
        ),
        "revenue": list(
            Revenue.objects.filter(workspace=workspace)
            .order_by("day", "amount")
            .values_list("day", "amount", "network", "pillar")
        ),
    }


@time_machine.travel(YEAR_NOW, tick=False)
def test_the_demo_has_a_year_of_posts_with_metrics_on_every_network(db: None) -> None:
    workspace, _ = load_demo()
    for account in workspace.accounts.all():
        posts = HistoryPost.objects.filter(account=account)
        weeks = {p.published_at.isocalendar()[:2] for p in posts}
        assert len(weeks) >= 40, account
        assert all(p.engagement == p.likes + p.reposts + p.replies + p.quotes for p in posts)
        assert MetricSample.objects.filter(post__account=account).count() >= posts.count()
        assert best_times(account), account  # enough posts at its usual slots to say
        samples = FollowerSample.objects.filter(account=account).order_by("taken_at")
        first, last = samples.first(), samples.last()
        assert first is not None and last is not None
        assert last.taken_at <= timezone.now() and first.taken_at < timezone.now() - timedelta(
            days=300
        )
        assert last.followers > first.followers
    pillars = {p["name"] for p in Plan.objects.get(workspace=workspace).content["pillars"]}
    used = set(HistoryPost.objects.filter(workspace=workspace).values_list("pillar", flat=True))
    assert used == pillars
    sections = {s.title: s for s in what_works(workspace)}
    for title in ("Content pillar", "Hour of the day", "Images and video"):
        best = sections[title].best()
        assert best is not None and len([f for f in sections[title].findings if f.enough]) > 1
    best_hour = sections["Hour of the day"].best()
    assert best_hour is not None and best_hour.label < "10:00"  # mornings do best
    assert sections["Images and video"].best().label == "With images or video"  # type: ignore[union-attr]


@time_machine.travel(YEAR_NOW, tick=False)
def test_the_demo_answered_a_year_of_conversations(db: None) -> None:
    workspace, _ = load_demo()
    year_ago = timezone.now() - timedelta(days=300)
    answered = Conversation.objects.filter(
        workspace=workspace, first_message_at__lt=year_ago, status=ConversationStatus.RESOLVED
    )
    assert answered.count() >= 10
    for conversation in answered:
        ours = conversation.messages.get(kind=MessageKind.OURS)
        assert conversation.first_response_at == ours.sent_at > conversation.first_message_at
        assert Reply.objects.get(sent=ours).status == ReplyStatus.SENT
    settings = InboxSettings.of(workspace)
    assert (settings.days, settings.opens, settings.closes) == ("1,2,3,4,5", time(7), time(16))
    assert 5 in Plan.objects.get(workspace=workspace).answers["opening"]["days"]  # Saturday


@time_machine.travel(YEAR_NOW, tick=False)
def test_the_demo_report_and_money_pages_have_figures(client: Client, db: None) -> None:
    workspace, _ = load_demo()
    report = build_report(workspace, week_label(workspace.today() - timedelta(days=7)))
    assert report.numbers.posts > 0 and report.numbers.follower_change
    assert report.numbers.impressions and report.numbers.median_response is not None
    assert report.listening is not None and report.listening.voices
    end = workspace.today() + timedelta(days=1)
    money = where_the_money_is(workspace, end - timedelta(days=30), end)
    assert money.total.hours > 5 and money.total.revenue > 100
    assert 5 < float(money.total.revenue) / money.total.hours < 100  # pounds an hour
    assert Redemption.objects.filter(workspace=workspace).exists()
    assert SearchHit.objects.filter(search__workspace=workspace).exists()
    searched = Hit.objects.filter(
        workspace=workspace, sent_at__lt=timezone.now() - timedelta(days=300)
    )
    assert searched.exists()  # heard over the whole year
    client.force_login(User.objects.get(username=DEMO_EMAIL))
    for name in ("insights", "insights_report", "insights_money", "response_times"):
        response = client.get(reverse(name, args=[workspace.slug]))
        assert response.status_code == 200, name
        assert "no posts yet" not in response.content.decode().lower(), name


def test_the_same_now_gives_the_same_year_and_loading_again_adds_nothing(db: None) -> None:
    with time_machine.travel(YEAR_NOW, tick=False):
        first, _ = load_demo()
        counts = {name: len(rows) for name, rows in _history(first).items()}
        assert load_demo() == (first, False)
        assert {name: len(rows) for name, rows in _history(first).items()} == counts
        first.name = f"{first.name} A"
        first.save(update_fields=["name"])
        User.objects.filter(username=DEMO_EMAIL).update(username=f"a-{DEMO_EMAIL}")
        second, created = load_demo()
    assert created and second.pk != first.pk
    assert _history(second) == _history(first)
