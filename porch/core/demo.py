"""The demo workspace: Crumb & Co., a made-up bakery, with a week of mentions and posts.

Everything here is fictional and written for Porch; every record is marked is_demo.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from porch.inbox.models import Conversation, Message, MessageKind
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Workspace

DEMO_EMAIL = "demo@porch.example"
DEMO_PASSWORD = "porch-demo-bakery"  # noqa: S105 - the published demo login
DEMO_NAME = "Crumb & Co. Bakery"

# (network, handle, the network's id for it, server): complete, like a connected account's,
# though the demo's accounts never reach a network (porch.networks.sync.client_for).
ACCOUNTS = [
    ("bluesky", "crumbandco.bsky.social", "did:plc:crumbandcodemo", "https://bsky.social"),
    ("mastodon", "crumbandco@bakers.social", "109000000000000001", "https://bakers.social"),
    ("x", "CrumbAndCo", "1000000000000000001", ""),
    ("facebook", "Crumb & Co. Bakery", "100000000000001", ""),
]

# (hours ago, network, author, text, intent, sentiment, urgency)
MENTIONS = [
    (
        2,
        "x",
        "maria_runs",
        "@CrumbAndCo ordered a birthday cake for 3pm today and it's still not here. Party starts in an hour!!",
        "complaint",
        "negative",
        0.86,
    ),
    (
        5,
        "bluesky",
        "tom.bsky.social",
        "@crumbandco.bsky.social found a bit of plastic in my cinnamon bun this morning. Not great.",
        "complaint",
        "negative",
        0.9,
    ),
    (
        9,
        "mastodon",
        "lena@toot.community",
        "@crumbandco do you have anything gluten free on Saturdays?",
        "question",
        "neutral",
        0.25,
    ),
    (
        14,
        "facebook",
        "Priya Shah",
        "Could I order 40 mini croissants for an office breakfast next Friday? How much would that be?",
        "lead",
        "neutral",
        0.45,
    ),
    (
        20,
        "x",
        "jonnyb",
        "@CrumbAndCo best sourdough in the city, no contest 🍞🔥",
        "praise",
        "positive",
        0.05,
    ),
    (
        26,
        "bluesky",
        "ana.bsky.social",
        "@crumbandco.bsky.social the queue this morning was out the door, worth it though",
        "praise",
        "positive",
        0.1,
    ),
    (
        31,
        "x",
        "growth_guru_99",
        "@CrumbAndCo Get 10K real followers in 24h!!! DM us now 🚀🚀",
        "spam",
        "positive",
        0.0,
    ),
    (
        40,
        "mastodon",
        "sam@mastodon.scot",
        "@crumbandco are you open on the bank holiday?",
        "question",
        "neutral",
        0.3,
    ),
    (
        47,
        "facebook",
        "Derek Hall",
        "Charged twice for my order on Tuesday. Emailed twice, no answer. Please sort this out.",
        "complaint",
        "negative",
        0.7,
    ),
    (
        55,
        "x",
        "kitchen_kate",
        "@CrumbAndCo do you deliver to Leith? Want to send my mum a treat box",
        "lead",
        "positive",
        0.4,
    ),
    (
        63,
        "bluesky",
        "beans.bsky.social",
        "Teaming up with @crumbandco.bsky.social for a coffee + pastry morning next month ☕🥐",
        "other",
        "positive",
        0.05,
    ),
    (
        75,
        "x",
        "lou_eats",
        "@CrumbAndCo the almond croissant was a bit dry today, usually love them",
        "complaint",
        "negative",
        0.35,
    ),
    (
        90,
        "mastodon",
        "georgie@bakers.social",
        "@crumbandco how do you keep your starter going in winter? mine keeps sulking",
        "question",
        "neutral",
        0.15,
    ),
    (
        110,
        "facebook",
        "Helen McCrae",
        "The wedding cake was perfect, thank you so much to the whole team!",
        "praise",
        "positive",
        0.05,
    ),
    (
        130,
        "x",
        "mike_builds",
        "@CrumbAndCo any chance of a quote for 200 sandwiches for a site opening?",
        "lead",
        "neutral",
        0.5,
    ),
    (
        150,
        "bluesky",
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
        "offers",
        -30,
    ),
    (
        "How to keep sourdough fresh for three days: wrap it in a tea towel, never the fridge.",
        "helpful",
        -60,
    ),
    (
        "Followers only: show this post at the counter on Friday for 2-for-1 cinnamon buns.",
        "offers",
        -100,
    ),
    (
        "Meet Jess, our new early-shift baker. She starts at 4am so you don't have to.",
        "community",
        -140,
    ),
    ("This Saturday we're at the Leith market from 9. Come say hello!", "updates", 20),
]


def _account_for(workspace: Workspace, network: str) -> ConnectedAccount:
    return ConnectedAccount.objects.get(workspace=workspace, network=network)


def _add_mention(
    workspace: Workspace, row: tuple[int, str, str, str, str, str, float], now: datetime, n: int
) -> None:
    hours, network, author, text, intent, sentiment, urgency = row
    account = _account_for(workspace, network)
    sent_at = now - timedelta(hours=hours)
    external_id = f"demo-{n}"
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
        network=network,
        external_id=external_id,
        kind=MessageKind.MENTION,
        author_handle=author,
        text=text,
        sent_at=sent_at,
        intent=intent,
        sentiment=sentiment,
        urgency=urgency,
        is_demo=True,
    )


@transaction.atomic
def load_demo() -> tuple[Workspace, bool]:
    """Create the demo user and workspace; returns (workspace, created). Idempotent."""
    existing = Workspace.objects.filter(is_demo=True, name=DEMO_NAME).first()
    if existing is not None:
        return existing, False
    user = User.objects.filter(username=DEMO_EMAIL).first() or services.create_user(
        DEMO_EMAIL, DEMO_PASSWORD
    )
    workspace = services.create_workspace(user, DEMO_NAME, "Europe/London", demo=True)
    for network, handle, external_id, server_url in ACCOUNTS:
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
    for n, row in enumerate(MENTIONS):
        _add_mention(workspace, row, now, n)
    for text, pillar, hours in POSTS:
        status = PostStatus.PUBLISHED if hours < 0 else PostStatus.SCHEDULED
        post = Post.objects.create(
            workspace=workspace, author=user, text=text, pillar=pillar, status=status, is_demo=True
        )
        for account in workspace.accounts.filter(network__in=["bluesky", "mastodon"]):
            PostTarget.objects.create(
                post=post,
                account=account,
                text=text,
                scheduled_at=now + timedelta(hours=hours),
                state=TargetState.PUBLISHED if hours < 0 else TargetState.SCHEDULED,
                published_at=now + timedelta(hours=hours) if hours < 0 else None,
            )
    return workspace, True
