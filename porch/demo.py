"""The demo workspace: Crumb & Co., a made-up bakery, with a week of mentions and posts.

Everything here is fictional and written for Porch; every record is marked is_demo. The
demo's accounts show four networks but run on the fake network (settings.DEMO_NETWORK,
porch.networks.sync.client_for): the customers' posts below are on it, replies and posts
go out to it, and a made-up customer writes there every few minutes
(porch.networks.fake.customer), which the ordinary sync brings into the inbox. No real
network is ever called.

Its people (porch.people) come from the same places as anyone's: the authors of its messages,
and the follower lists and profiles its accounts read from the fake network. One customer
wrote to two of its accounts, and her profiles show she is one person: one merge is
suggested, for the owner to confirm. Her lead was won; the accounts its followers follow are
ranked as peers.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from porch.demo_history import HEARD_PREFIX, Shape, add_history
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Intent,
    Message,
    MessageKind,
    Note,
    Reply,
    ReplyStatus,
)
from porch.inbox.services import use_opening_hours
from porch.listening import services as listening
from porch.listening.models import Hit, SearchKind
from porch.networks import registry
from porch.networks.base import Outgoing, Page
from porch.networks.fake import store as fake_network
from porch.networks.fake import town
from porch.networks.fake.shop import SHOP_ACCOUNTS
from porch.networks.models import INCOMING, SyncState
from porch.networks.sync import client_for
from porch.offers.sample import add_demo_offers
from porch.people.follows import sync_followers, sync_peer_follows
from porch.people.leads import mark_won
from porch.people.merge import suggest_merges
from porch.people.models import Identity, Person
from porch.people.sync import Seen, people_from
from porch.plans.generate import BEHIND, HELPFUL, NEWS, OFFERS, generate
from porch.plans.models import Plan
from porch.plans.peers import rank_peers
from porch.plans.questions import NETWORKS
from porch.plans.services import plan_accounts, store_plan, workshop_of
from porch.publishing.models import Pillar, Post, PostingSlot, PostStatus, PostTarget, TargetState
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Membership, Workspace

DEMO_EMAIL = "demo@porch.example"
DEMO_PASSWORD = "porch-demo-bakery"  # noqa: S105 - the published demo login
DEMO_NAME = "Crumb & Co. Bakery"

# The bakery's handle on each of its accounts (one per network the demo shows).
HANDLE_DOMAIN, HANDLE_SERVER, HANDLE_SHORT, PAGE_NAME = (row[1] for row in SHOP_ACCOUNTS)

# How each account does in the demo's year of history (porch.demo_history): engagement per
# post, followers a year ago and now, whether its network tells impressions, its customers'
# handles.
SHAPES = {
    HANDLE_DOMAIN: Shape(16, (240, 780), False, "{first}{last}.bsky.social"),
    HANDLE_SERVER: Shape(9, (150, 410), False, "{first}@toot.community"),
    HANDLE_SHORT: Shape(11, (420, 610), True, "{first}_{last}"),
    PAGE_NAME: Shape(20, (600, 1100), True, "{First} {Last}"),
}

# (hours ago, the shop account it was written to, author, text, intent, sentiment, urgency)
MENTIONS = [
    (
        2,
        HANDLE_SHORT,
        "maria_runs",
        "@CrumbAndCo ordered a birthday cake for 3pm today and it's still not here. Party starts in an hour!!",
        "complaint",
        "negative",
        0.86,
    ),
    (
        5,
        HANDLE_DOMAIN,
        "tom.bsky.social",
        "@crumbandco.bsky.social found a bit of plastic in my cinnamon bun this morning. Not great.",
        "complaint",
        "negative",
        0.9,
    ),
    (
        9,
        HANDLE_SERVER,
        "lena@toot.community",
        "@crumbandco do you have anything gluten free on Saturdays?",
        "question",
        "neutral",
        0.25,
    ),
    (
        14,
        PAGE_NAME,
        "Priya Shah",
        "Could I order 40 mini croissants for an office breakfast next Friday? How much would that be?",
        "lead",
        "neutral",
        0.45,
    ),
    (
        20,
        HANDLE_SHORT,
        "jonnyb",
        "@CrumbAndCo best sourdough in the city, no contest 🍞🔥",
        "praise",
        "positive",
        0.05,
    ),
    (
        26,
        HANDLE_DOMAIN,
        "ana.bsky.social",
        "@crumbandco.bsky.social the queue this morning was out the door, worth it though",
        "praise",
        "positive",
        0.1,
    ),
    (
        31,
        HANDLE_SHORT,
        "growth_guru_99",
        "@CrumbAndCo Get 10K real followers in 24h!!! DM us now 🚀🚀",
        "spam",
        "positive",
        0.0,
    ),
    (
        40,
        HANDLE_SERVER,
        "sam@toot.scot",
        "@crumbandco are you open on the bank holiday?",
        "question",
        "neutral",
        0.3,
    ),
    (
        47,
        PAGE_NAME,
        "Derek Hall",
        "Charged twice for my order on Tuesday. Emailed twice, no answer. Please sort this out.",
        "complaint",
        "negative",
        0.7,
    ),
    (
        55,
        HANDLE_SHORT,
        "kitchen_kate",
        "@CrumbAndCo do you deliver to Leith? Want to send my mum a treat box",
        "lead",
        "positive",
        0.4,
    ),
    (
        63,
        HANDLE_DOMAIN,
        "beans.bsky.social",
        "Teaming up with @crumbandco.bsky.social for a coffee + pastry morning next month ☕🥐",
        "other",
        "positive",
        0.05,
    ),
    (
        75,
        HANDLE_SHORT,
        "lou_eats",
        "@CrumbAndCo the almond croissant was a bit dry today, usually love them",
        "complaint",
        "negative",
        0.35,
    ),
    (
        90,
        HANDLE_SERVER,
        "georgie@bakers.social",
        "@crumbandco how do you keep your starter going in winter? mine keeps sulking",
        "question",
        "neutral",
        0.15,
    ),
    (
        110,
        PAGE_NAME,
        "Helen McCrae",
        "The wedding cake was perfect, thank you so much to the whole team!",
        "praise",
        "positive",
        0.05,
    ),
    (
        130,
        HANDLE_SHORT,
        "mike_builds",
        "@CrumbAndCo any chance of a quote for 200 sandwiches for a site opening?",
        "lead",
        "neutral",
        0.5,
    ),
    (
        150,
        HANDLE_DOMAIN,
        "rosie.bsky.social",
        "walked past @crumbandco.bsky.social and the smell alone made my day",
        "praise",
        "positive",
        0.05,
    ),
]

POSTS = [
    (
        "Fresh out of the oven: rye with caraway. First 20 loaves come with a free jar of our butter.",
        OFFERS,
        -30,
    ),
    (
        "How to keep sourdough fresh for three days: wrap it in a tea towel, never the fridge.",
        HELPFUL,
        -60,
    ),
    (
        "Followers only: show this post at the counter on Friday for 2-for-1 cinnamon buns.",
        OFFERS,
        -100,
    ),
    (
        "Meet Jess, our new early-shift baker. She starts at 4am so you don't have to.",
        BEHIND,
        -140,
    ),
    ("This Saturday we're at the Leith market from 9. Come say hello!", NEWS, 20),
]

# (name, query, kind): what the demo listens for in the made-up town (porch.networks.fake.town)
SEARCHES = [
    ("Crumb & Co.", '"crumb & co" OR crumbandco', SearchKind.BRAND),
    ("Rise Bakehouse", '"rise bakehouse"', SearchKind.COMPETITOR),
    ("Sourdough", "sourdough", SearchKind.NICHE),
    ("Looking for a bakery", '"anyone know" (bakery OR cake OR bread)', SearchKind.QUESTION),
]


def _add_mention(
    workspace: Workspace,
    row: tuple[int, str, str, str, str, str, float],
    now: datetime,
    name: str = "",
) -> Conversation | None:
    """The customer's post goes on the fake network; the inbox holds it, already labelled."""
    hours, handle, author, text, intent, sentiment, urgency = row
    account = workspace.accounts.filter(handle=handle).first()
    if account is None:  # its network is not installed here
        return None
    sent_at = now - timedelta(hours=hours)
    external_id = fake_network.customer_post(author, text, to=handle, at=sent_at, author_name=name)
    conversation = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id=external_id,
        contact_handle=author,
        intent=intent,
        urgency=urgency,
        first_message_at=sent_at,
        last_message_at=sent_at,
        is_demo=True,
    )
    Message.objects.create(
        workspace=workspace,
        account=account,
        conversation=conversation,
        network=account.network,
        external_id=external_id,
        kind=MessageKind.MENTION,
        author_handle=author,
        author_name=name,
        text=text,
        sent_at=sent_at,
        intent=intent,
        sentiment=sentiment,
        urgency=urgency,
        is_demo=True,
    )
    return conversation


def _add_post(workspace: Workspace, user: User, row: tuple[str, str, int], now: datetime) -> None:
    """A post for the two accounts that take long posts: the past ones went out (on the fake
    network), the others are scheduled and go out when due, like any post."""
    text, pillar, hours = row
    status = PostStatus.PUBLISHED if hours < 0 else PostStatus.SCHEDULED
    post = Post.objects.create(
        workspace=workspace, author=user, text=text, pillar=pillar, status=status, is_demo=True
    )
    for account in workspace.accounts.filter(handle__in=[HANDLE_DOMAIN, HANDLE_SERVER]):
        target = PostTarget(post=post, account=account, text=text)
        target.scheduled_at = now + timedelta(hours=hours)
        target.state = TargetState.SCHEDULED
        if hours < 0:
            with client_for(account) as client:
                sent = client.publish(Outgoing(text, str(target.idempotency_key)))
            target.state, target.published_at = TargetState.PUBLISHED, target.scheduled_at
            target.external_id, target.url = sent.external_id, sent.url
        target.save()


def _add_searches(workspace: Workspace, user: User) -> None:
    """The town's chatter, and SEARCHES that find it, on the first of the demo's networks
    that can search without paying per read (one network: the town's posts are all on the
    fake network, and each network searching them would show each post again)."""
    town.seed(timezone.now())
    free = [
        account.network
        for account in workspace.accounts.order_by("pk")
        if registry.descriptor(account.network).can.search
        and not registry.descriptor(account.network).can.paid_reads
    ]
    if not free:
        return
    member = Membership.objects.get(workspace=workspace, user=user)
    for name, query, kind in SEARCHES:
        listening.create_search(member, name, query, kind, free[:1])


# The bakery's answers to the workshop (porch.plans.questions): its plan was made from them
# and accepted a year ago, and its history is written in that plan's pillars.
OPEN_DAYS, OPENS, CLOSES = [1, 2, 3, 4, 5], time(7), time(16)  # Tuesday to Saturday
ANSWERS = {
    "name": DEMO_NAME,
    "sells": "sourdough bread, pastries and celebration cakes",
    "where": "Millbrook",
    "opening": {"days": OPEN_DAYS, "opens": f"{OPENS:%H:%M}", "closes": f"{CLOSES:%H:%M}"},
    "website": "https://crumbandco.example",
    "newsletter": "The Friday Crumb",
    "customers": "neighbours, office workers and families in Millbrook",
    "problems": ["bread that goes stale in two days", "birthday cakes at short notice"],
    "products": ["sourdough loaf", "cardamom buns", "celebration cakes"],
    "competitors": ["Rise Bakehouse"],
    "peers": ["Hilltop Roasters", "The Old Mill"],
    "voice": "friendly",
    "goals": ["care", "community", "offers"],
    "hours": 3,
}


def _add_plan(workspace: Workspace, now: datetime) -> Plan:
    """The workshop's answers and the plan made from them, accepted a year ago: its pillars,
    posting slots and response target set up (its searches are SEARCHES, its first drafts
    long since posted), and the opening hours the inbox's business hours."""
    answers = dict(
        ANSWERS,
        networks=[a.network for a in workspace.accounts.order_by("pk") if a.network in NETWORKS],
    )
    workshop = workshop_of(workspace)
    workshop.answers, workshop.step = answers, ""
    workshop.save()
    plan = store_plan(workspace, answers, generate(answers))
    Plan.objects.filter(pk=plan.pk).update(accepted_at=now - timedelta(days=365))
    content = plan.content
    Pillar.objects.bulk_create(
        Pillar(workspace=workspace, name=p["name"][:60]) for p in content["pillars"]
    )
    PostingSlot.objects.bulk_create(
        PostingSlot(account=account, weekday=slot["weekday"], time=slot["time"])
        for account in plan_accounts(plan)
        for slot in content["routine"]["slots"]
    )
    use_opening_hours(workspace, days=OPEN_DAYS, opens=OPENS, closes=CLOSES)
    InboxSettings.objects.filter(workspace=workspace).update(
        first_response_target=content["first_response_minutes"]
    )
    return plan


# The demo's people. Ana Ruiz wrote to two of the shop's accounts; her profiles show she is
# one person (one handle is her own domain, and her other profile links to that domain, a
# link her server verified), so the merge suggester (porch.people.merge) finds exactly one
# pair, which the owner confirms or not. Customers follow the shop, and follow accounts in
# the niche that peer discovery (porch.plans.peers) suggests. Her lead was won.
ANA = "Ana Ruiz"
ANA_SITE = "https://anaruiz.studio"
ANA_DOMAIN, ANA_SERVER = "anaruiz.studio", "anaruiz@toot.community"
# (hours ago, shop account, author, text, intent, sentiment, urgency): her history
HISTORY = [
    (
        330,
        HANDLE_DOMAIN,
        ANA_DOMAIN,
        "@crumbandco.bsky.social your rye is the only bread my whole studio agrees on",
        "praise",
        "positive",
        0.05,
    ),
    (
        200,
        HANDLE_SERVER,
        ANA_SERVER,
        "@crumbandco do you bake anything without nuts? Asking for a pottery workshop group",
        "question",
        "neutral",
        0.3,
    ),
    (
        60,
        HANDLE_DOMAIN,
        ANA_DOMAIN,
        "@crumbandco.bsky.social could you do 40 cardamom buns for my studio open day on the 12th?",
        "lead",
        "positive",
        0.4,
    ),
    (
        8,
        HANDLE_SERVER,
        ANA_SERVER,
        "@crumbandco the buns were gone in ten minutes, everyone asked where they came from",
        "praise",
        "positive",
        0.05,
    ),
]
ANA_REPLY = "Happy to! 40 cardamom buns for the 12th come to 54.00, we'll drop them at 9."
ANA_NOTE = (
    "Ana runs the ceramics studio on Mill Lane: ask her about a joint bake-and-glaze workshop."
)
ANA_WON = Decimal("54.00")
# (handle, name, bio, website, links) as each profile shows it on the fake network
PROFILES = [
    (ANA_DOMAIN, ANA, "Ceramics studio on Mill Lane, Millbrook", ANA_SITE, ()),
    (ANA_SERVER, ANA, "Potter. Wheel classes on Thursdays.", "", (ANA_SITE,)),
    ("oldmillflour.bsky.social", "The Old Mill", "Stoneground flour from the valley", "", ()),
    ("hilltoproasters.bsky.social", "Hilltop Roasters", "Small-batch coffee, Millbrook", "", ()),
    ("breadclub@bakers.social", "Millbrook Bread Club", "Home bakers swapping starters", "", ()),
]
VERIFIED = {ANA_SERVER: ANA_SITE}  # her server found the link back to the profile
# (follower, followed): the shop's followers, and whom they follow in turn
FOLLOWS = [
    *((who, HANDLE_DOMAIN) for who in (ANA_DOMAIN, "tom.bsky.social", "rosie.bsky.social")),
    *((who, HANDLE_DOMAIN) for who in ("ana.bsky.social", "beans.bsky.social")),
    *((who, HANDLE_SERVER) for who in (ANA_SERVER, "lena@toot.community")),
    ("georgie@bakers.social", HANDLE_SERVER),
    *((who, "oldmillflour.bsky.social") for who in (ANA_DOMAIN, "tom.bsky.social")),
    *((who, "oldmillflour.bsky.social") for who in ("rosie.bsky.social", "ana.bsky.social")),
    *((who, "hilltoproasters.bsky.social") for who in ("rosie.bsky.social", "beans.bsky.social")),
    *((who, "breadclub@bakers.social") for who in (ANA_SERVER, "lena@toot.community")),
    ("georgie@bakers.social", "breadclub@bakers.social"),
]


def _add_people(workspace: Workspace, user: User, now: datetime) -> None:
    """Ana's history, everyone who wrote as a person, the follower lists synced from the fake
    network, her merge suggested and her lead won, and the peers ranked."""
    for handle, name, bio, website, links in PROFILES:
        fake_network.set_profile(handle, name=name, bio=bio, website=website, links=links)
    for follower, followed in FOLLOWS:
        fake_network.follow(follower, followed, at=now - timedelta(days=20))
    member = Membership.objects.get(workspace=workspace, user=user)
    lead = _add_history(workspace, user, now)
    people_from(_seen(workspace))
    for account in workspace.accounts.order_by("pk"):
        sync_followers(account)
        sync_peer_follows(account)
    for handle, url in VERIFIED.items():
        Identity.objects.filter(workspace=workspace, handle=handle).update(
            links=[{"url": url, "verified_at": (now - timedelta(days=90)).isoformat()}]
        )
    Person.objects.filter(workspace=workspace).update(is_demo=True)
    suggest_merges(workspace)
    if lead is not None:
        ana = Identity.objects.get(workspace=workspace, handle=ANA_DOMAIN).person
        mark_won(member, ana, ANA_WON, now - timedelta(hours=30))
    rank_peers(workspace, now)


def _heard_on_the_network(workspace: Workspace) -> None:
    """The year's listening hits are posts on the fake network too, so liking or answering
    one reaches a post (one write transaction for all of them)."""
    hits = list(Hit.objects.filter(workspace=workspace, external_id__startswith=HEARD_PREFIX))
    with fake_network.writing(fake_network.connection()) as db:
        for hit in hits:
            draft = fake_network.Draft(hit.author_handle, hit.text, hit.author_name, at=hit.sent_at)
            hit.external_id = fake_network.insert(db, draft).external_id
    Hit.objects.bulk_update(hits, ["external_id"])


def _add_history(workspace: Workspace, user: User, now: datetime) -> Conversation | None:
    """Ana's messages, with the shop's answer and a note on her lead; the lead's conversation."""
    lead = None
    for row in HISTORY:
        conversation = _add_mention(workspace, row, now, name=ANA)
        if conversation is not None and row[4] == "lead":
            lead = conversation
    if lead is None:
        return None
    asked = lead.messages.get()
    with client_for(lead.account) as client:
        sent = client.publish(
            Outgoing(ANA_REPLY, f"demo-reply-{lead.pk}", reply_to=asked.external_id)
        )
    at = asked.sent_at + timedelta(minutes=25)
    answer = Message.objects.create(
        workspace=workspace,
        account=lead.account,
        conversation=lead,
        network=lead.account.network,
        external_id=sent.external_id,
        url=sent.url,
        in_reply_to=asked.external_id,
        kind=MessageKind.OURS,
        author_handle=lead.account.handle,
        text=ANA_REPLY,
        sent_at=at,
        is_demo=True,
    )
    Reply.objects.create(
        conversation=lead,
        author=user,
        text=ANA_REPLY,
        in_reply_to=asked.external_id,
        status=ReplyStatus.SENT,
        sent=answer,
    )
    Note.objects.create(conversation=lead, author=user, text=ANA_NOTE)
    lead.first_response_at, lead.status = at, ConversationStatus.RESOLVED
    lead.resolved_at = at
    lead.save(update_fields=["first_response_at", "status", "resolved_at"])
    return lead


def _seen(workspace: Workspace) -> list[Seen]:
    """The demo's messages as the people sweep reads them (porch.people.sync)."""
    rows = Message.objects.filter(workspace=workspace).order_by("pk")
    return [
        Seen(
            m.pk,
            workspace.pk,
            m.network,
            m.author_id,
            m.author_handle,
            m.author_name,
            m.sent_at,
            m.intent == Intent.LEAD,
            m.fetched_at,
            m.kind == MessageKind.OURS,
        )
        for m in rows
    ]


def start_syncing(workspace: Workspace) -> None:
    """The demo's accounts sync like connected ones, from after what the demo loaded: what a
    made-up customer posts later (porch.networks.fake.customer) reaches the inbox."""
    for account in workspace.accounts.filter(is_demo=True):
        state, created = SyncState.objects.get_or_create(account=account, source=INCOMING, key="")
        if not created:
            continue
        with client_for(account) as client:
            page = Page([], "", more=True)
            while page.more:
                page = client.fetch_incoming(page.cursor)
        state.cursor = page.cursor
        state.save(update_fields=["cursor"])


@transaction.atomic
def load_demo() -> tuple[Workspace, bool]:
    """Create the demo user and workspace; returns (workspace, created). Idempotent."""
    existing = Workspace.objects.filter(is_demo=True, name=DEMO_NAME).first()
    if existing is not None:
        start_syncing(existing)  # a demo loaded before its accounts synced
        return existing, False
    user = User.objects.filter(username=DEMO_EMAIL).first() or services.create_user(
        DEMO_EMAIL, DEMO_PASSWORD
    )
    workspace = services.create_workspace(user, DEMO_NAME, "Europe/London", demo=True)
    installed = {network.name for network in registry.descriptors()}
    for network, handle, external_id, server_url in SHOP_ACCOUNTS:
        if network not in installed:
            continue
        ConnectedAccount.objects.create(
            workspace=workspace,
            network=network,
            handle=handle,
            external_id=external_id,
            server_url=server_url,
            timezone="Europe/London",
            display_name=DEMO_NAME,
            is_demo=True,
        )
    now = timezone.now()
    for row in MENTIONS:
        _add_mention(workspace, row, now)
    for post in POSTS:
        _add_post(workspace, user, post, now)
    _add_searches(workspace, user)
    plan = _add_plan(workspace, now)
    add_history(workspace, user, SHAPES, [p["name"] for p in plan.content["pillars"]], now)
    _heard_on_the_network(workspace)
    start_syncing(workspace)
    _add_people(workspace, user, now)
    add_demo_offers(workspace, now, _add_follower)
    return workspace, True


def _add_follower(account: ConnectedAccount, handle: str, name: str, since: datetime) -> None:
    """A made-up follower of one of the demo's accounts, on the fake network they run on."""
    fake_network.set_profile(handle, name=name, bio="Here for the bread.")
    fake_network.follow(handle, account.handle, at=since)
