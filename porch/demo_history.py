"""A year of the demo bakery's history (porch.demo), so every insight page has a story to tell.

Everything is made up, from one seeded random generator and relative to the `now` the demo is
loaded at: the same `now` gives the same rows. Written with bulk_create, in this order:
- its posts on each account, about three a week over the last year, in the plan's pillars,
  with their metric samples (the counts after two hours, a day and a week). Morning posts,
  posts with a photo, behind-the-scenes and helpful posts and Saturdays do better; links and
  evening posts do worse, so What works finds real differences;
- each account's followers, one count a day, growing over the year;
- conversations answered over the year: a customer's message, the shop's reply (sooner as
  the year goes on) and the conversation resolved;
- the hours spent (in Porch and logged outside it) and revenue traced to social media, so
  revenue per hour on the money page is sensible;
- what the listening searches heard, week by week.

Accounts are told apart by their handle (porch.demo gives each one's Shape), never by network.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    Reply,
    ReplyStatus,
)
from porch.insights.models import (
    ActiveTime,
    Activity,
    FollowerSample,
    HistoryPost,
    MetricSample,
    PostKind,
    Revenue,
    Source,
)
from porch.insights.whatworks import rebuild_cells
from porch.listening.models import Hit, Search, SearchHit, SearchKind
from porch.plans.generate import BEHIND, HELPFUL, NEWS, OFFERS, PEERS, QUESTIONS
from porch.workspaces.models import ConnectedAccount, Workspace

SEED = "crumb-and-co"
WEEKS = 52
HEARD_PREFIX = "demo-heard-"  # the listening hits' ids until demo.py puts them on the network
SITE = "https://crumbandco.example"


@dataclass(frozen=True)
class Shape:
    """How one of the shop's accounts does: engagement per post, followers a year ago and
    now, whether its network tells impressions, and how its customers' handles look."""

    base: float
    followers: tuple[int, int]
    impressions: bool
    handle: str  # "{first}" and "{last}" filled in from a customer's name


Shapes = dict[str, Shape]  # by the shop account's handle (porch.demo gives them)


# ---- posts --------------------------------------------------------------------------------

TEXTS = {
    BEHIND: [
        "4am and the first rye is out of the oven.",
        "Shaping today's sourdough: 140 loaves by hand.",
        "Jess laminating croissant dough before sunrise.",
        "Our starter, Doris, turned six this week.",
        "The morning bake, still steaming on the racks.",
    ],
    HELPFUL: [
        "Keep sourdough in a tea towel, never the fridge.",
        "Stale bread? Slice it, freeze it, toast it from frozen.",
        "Three ways to use up yesterday's focaccia.",
        "How to tell a loaf is baked: tap the bottom, it sounds hollow.",
        "Warm a croissant for four minutes at 160C, not the microwave.",
    ],
    QUESTIONS: [
        "Seeded or plain rye: which is your Saturday loaf?",
        "Which bake should come back next month?",
        "Cardamom buns or cinnamon buns? Settle it for us.",
        "What should we call the new spelt loaf?",
    ],
    PEERS: [
        "Hilltop Roasters beans in every coffee we pour.",
        "Flour from The Old Mill, ground in the valley.",
        "See you at the Leith market on Saturday, next to the cheese stall.",
        "The Millbrook Bread Club swapped starters at ours last night.",
    ],
    OFFERS: [
        "Followers only: 2-for-1 cinnamon buns this Friday.",
        "Say the word 'crumb' at the counter for a free coffee with any loaf.",
        "Pre-order your Christmas stollen by the 10th, 10% off.",
        "Half-price day-old loaves from 3pm, every day.",
    ],
    NEWS: [
        "We're open on the bank holiday, 7 till 4.",
        "New this week: spelt and honey loaf.",
        "The Friday Crumb newsletter is out.",
        "Closed Sunday and Monday: see you Tuesday at 7.",
    ],
}
MORE = [
    "Everything is made in the back of the shop on Mill Lane, from flour, water, salt and time.",
    "The first batch usually sells out by ten, so come early or order the day before.",
    "It takes us two days from starter to loaf and we would not have it any other way.",
]
ASK = ["What do you think?", "Tell us below!", "Have you tried it yet?"]
TAGS = ["#sourdough", "#Millbrook #bakery", "#realbread"]
LINKS = [f"{SITE}/order", f"{SITE}/menu", f"{SITE}/newsletter"]
# What does better or worse, for What works to find (1.0 = as usual).
HOURS = [(7, 1.7), (8, 1.6), (9, 1.4), (12, 1.1), (13, 1.0), (17, 0.85), (19, 0.75), (21, 0.6)]
WEEKDAY = [0.8, 1.0, 1.05, 1.0, 1.1, 1.35, 1.15]  # Monday first
PILLAR = {BEHIND: 1.45, HELPFUL: 1.3, QUESTIONS: 1.15, PEERS: 1.0, OFFERS: 0.9, NEWS: 0.75}
SAMPLED = ((timedelta(hours=2), 0.45), (timedelta(days=1), 0.85), (timedelta(days=7), 1.0))


@dataclass(frozen=True)
class Drawn:
    """One post as drawn: when (local), what, and how it did."""

    at: datetime
    pillar: str
    text: str
    links: list[str]
    media: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None


def _text(rng: random.Random, pillar: str) -> tuple[str, list[str], bool]:
    """A post's text: the pillar's line, maybe more words, a question, hashtags, a link."""
    parts = [rng.choice(TEXTS[pillar])]
    parts += rng.sample(MORE, rng.choice([0, 0, 1, 2]))
    question = pillar == QUESTIONS or rng.random() < 0.2
    if question and "?" not in parts[0]:
        parts.append(rng.choice(ASK))
    links = [rng.choice(LINKS)] if rng.random() < 0.3 else []
    parts += links
    if rng.random() < 0.3:
        parts.append(rng.choice(TAGS))
    text = " ".join(parts)
    while len(text) > 280 and len(parts) > 1:  # within every network's limit
        parts.pop(1)
        text = " ".join(parts)
    return text, links, question


def _draw_post(
    rng: random.Random, shape: Shape, pillars: list[str], when: datetime, age: float
) -> Drawn:
    pillar = rng.choice(pillars)
    text, links, question = _text(rng, pillar)
    media = rng.choice([1, 1, 2, 3]) if rng.random() < 0.45 else 0
    factor = dict(HOURS)[when.hour] * WEEKDAY[when.weekday()] * PILLAR.get(pillar, 1.0)
    factor *= (1.6 if media else 1.0) * (0.75 if links else 1.0) * (1.1 if question else 1.0)
    factor *= 1.1 if len(text) < 80 else (0.85 if len(text) >= 200 else 1.0)
    growth = 1.3 - 0.7 * age  # the account grows: a year ago posts did about half as well
    likes = max(0, round(shape.base * factor * growth * rng.lognormvariate(0, 0.35)))
    return Drawn(
        at=when,
        pillar=pillar,
        text=text,
        links=links,
        media=media,
        likes=likes,
        reposts=round(likes * 0.18 * rng.uniform(0.5, 1.5)),
        replies=round(likes * 0.08 * (3 if question else 1) * rng.uniform(0.5, 1.5)),
        quotes=round(likes * 0.03 * rng.uniform(0, 2)),
        impressions=round(likes * rng.uniform(28, 45)) + 80 if shape.impressions else None,
    )


# The slots the bakery usually posts at (weekday, local hour): most of its posts go out then.
USUAL = [(1, 8), (3, 12), (5, 9), (2, 19)]


def _post_times(rng: random.Random, zone: ZoneInfo, now: datetime) -> list[datetime]:
    """About three local times a week over the last year, most at the usual slots, oldest
    first, none after now."""
    today = now.astimezone(zone).date()
    found = []
    for week in range(WEEKS, 0, -1):
        monday = today - timedelta(days=7 * week + today.weekday() - 7)
        for _ in range(rng.choice([2, 3, 3, 4])):
            if rng.random() < 0.65:
                weekday, hour = rng.choice(USUAL)
            else:
                weekday, hour = rng.randrange(7), rng.choice([h for h, _ in HOURS])
            local = monday + timedelta(days=weekday)
            at = datetime.combine(local, time(hour, rng.randrange(60)), zone)
            if at < now:
                found.append(at)
    return sorted(found)


def add_posts(
    workspace: Workspace, shapes: Shapes, pillars: list[str], now: datetime, rng: random.Random
) -> int:
    """Each account's year of posts with their metric samples; how many posts."""
    posts, counts = [], []
    for account in workspace.accounts.order_by("pk"):
        shape = shapes.get(account.handle)
        if shape is None:
            continue
        zone = ZoneInfo(account.timezone)
        for n, when in enumerate(_post_times(rng, zone, now)):
            age = (now - when) / timedelta(days=365)
            drawn = _draw_post(rng, shape, pillars, when, age)
            posts.append(_history_post(account, f"demo-history-{n}", drawn, now))
            counts.append(drawn)
    HistoryPost.objects.bulk_create(posts)
    MetricSample.objects.bulk_create(
        sample
        for post, drawn in zip(posts, counts, strict=True)
        for sample in _samples(post, drawn, now)
    )
    for account in workspace.accounts.order_by("pk"):
        rebuild_cells(account)
    return len(posts)


def _history_post(
    account: ConnectedAccount, external_id: str, drawn: Drawn, now: datetime
) -> HistoryPost:
    engagement = drawn.likes + drawn.reposts + drawn.replies + drawn.quotes
    return HistoryPost(
        workspace_id=account.workspace_id,
        account=account,
        network=account.network,
        external_id=external_id,
        kind=PostKind.POST,
        source=Source.IMPORT,
        published_at=drawn.at,
        weekday=drawn.at.weekday(),
        hour=drawn.at.hour,
        text=drawn.text,
        length=len(drawn.text),
        url=f"https://fake.invalid/{account.pk}/{external_id}",
        links=drawn.links,
        media=drawn.media,
        has_link=bool(drawn.links),
        has_question="?" in drawn.text,
        has_hashtag="#" in drawn.text,
        pillar=drawn.pillar,
        likes=drawn.likes,
        reposts=drawn.reposts,
        replies=drawn.replies,
        quotes=drawn.quotes,
        impressions=drawn.impressions,
        engagement=engagement,
        metrics_at=min(drawn.at + SAMPLED[-1][0], now),
    )


def _samples(post: HistoryPost, drawn: Drawn, now: datetime) -> list[MetricSample]:
    found = []
    for after, share in SAMPLED:
        if drawn.at + after > now:
            break
        found.append(
            MetricSample(
                post=post,
                taken_at=drawn.at + after,
                likes=round(drawn.likes * share),
                reposts=round(drawn.reposts * share),
                replies=round(drawn.replies * share),
                quotes=round(drawn.quotes * share),
                impressions=None if drawn.impressions is None else round(drawn.impressions * share),
            )
        )
    return found


# ---- followers ----------------------------------------------------------------------------


def add_followers(workspace: Workspace, shapes: Shapes, now: datetime, rng: random.Random) -> int:
    """Each account's follower count, once a day for a year, growing with a little noise."""
    samples = []
    for account in workspace.accounts.order_by("pk"):
        shape = shapes.get(account.handle)
        if shape is None:
            continue
        start, end = shape.followers
        wobble = 0
        for day in range(7 * WEEKS, -1, -1):
            wobble = max(-8, min(8, wobble + rng.choice([-2, -1, 0, 1, 2])))
            trend = start + (end - start) * (1 - day / (7 * WEEKS)) ** 1.3
            samples.append(
                FollowerSample(
                    account=account,
                    taken_at=now - timedelta(days=day, hours=1),
                    followers=max(0, round(trend) + wobble),
                )
            )
    FollowerSample.objects.bulk_create(samples)
    return len(samples)


# ---- conversations ------------------------------------------------------------------------

CUSTOMERS = [
    ("Amira", "Khan"),
    ("Ben", "Ortiz"),
    ("Cara", "Doyle"),
    ("Dev", "Patel"),
    ("Ella", "Moss"),
    ("Finn", "Reid"),
    ("Gail", "Weir"),
    ("Hamza", "Ali"),
    ("Isla", "Grant"),
    ("Jude", "Bell"),
    ("Kofi", "Mensah"),
    ("Lara", "Quinn"),
    ("Mo", "Farah"),
    ("Nell", "Price"),
    ("Oscar", "Lund"),
    ("Pia", "Rossi"),
    ("Ravi", "Shah"),
    ("Sofia", "Berg"),
    ("Theo", "Marsh"),
    ("Una", "Byrne"),
    ("Vik", "Rao"),
    ("Wren", "Ellis"),
    ("Yusuf", "Demir"),
    ("Zoe", "Hart"),
]
# intent: (weight, sentiment, urgency, [(their message, our answer)])
TALK = {
    "question": (
        0.35,
        "neutral",
        0.25,
        [
            ("are you open on Saturday afternoons?", "We are: Saturdays 7 till 4. See you then!"),
            ("do you do anything vegan?", "Yes: the rye, the focaccia and the oat cookies."),
            (
                "can I reserve a loaf for tomorrow?",
                "Of course, send us your name and we'll keep one.",
            ),
            (
                "is there parking near the shop?",
                "Free on Mill Lane after 9, and the car park behind us.",
            ),
        ],
    ),
    "praise": (
        0.3,
        "positive",
        0.05,
        [
            ("best croissant I've had outside Paris", "That made our morning, thank you!"),
            ("the rye is the only bread my kids eat now", "We'll keep baking it for them!"),
            ("lovely staff and even better buns", "Thank you! We'll tell the team."),
        ],
    ),
    "complaint": (
        0.15,
        "negative",
        0.6,
        [
            (
                "my order was missing the cookies",
                "So sorry! Pop in and we'll give you a box on us.",
            ),
            (
                "sold out of sourdough by 9 again",
                "Sorry! We're baking a second batch from next week.",
            ),
            (
                "waited 20 minutes in the queue today",
                "Sorry about the wait: a second till opens on Saturdays now.",
            ),
        ],
    ),
    "lead": (
        0.2,
        "positive",
        0.45,
        [
            (
                "could you do a cake for 30 people next month?",
                "We'd love to: a two-tier sponge is 85.00.",
            ),
            ("do you supply cafes with bread?", "We do: we'll send you our wholesale list today."),
            (
                "any chance of 50 sandwiches for an office lunch?",
                "Yes! 50 sandwiches come to 175.00, delivered.",
            ),
        ],
    ),
}


@dataclass(frozen=True)
class Talk:
    account: ConnectedAccount
    author: str
    name: str
    intent: str
    asked: str
    answer: str
    at: datetime
    wait: timedelta


def _customer(rng: random.Random, shapes: Shapes, account: ConnectedAccount) -> tuple[str, str]:
    """(handle, name) of one of the account's regulars: each name once per network."""
    shape = shapes[account.handle]
    offset = sorted(shapes).index(account.handle) * 6  # other networks, other people
    first, last = CUSTOMERS[(offset + rng.randrange(12)) % len(CUSTOMERS)]
    keys = {"first": first.lower(), "last": last.lower(), "First": first, "Last": last}
    return shape.handle.format(**keys), f"{first} {last}"


def _arrival(rng: random.Random, zone: ZoneInfo, day: date) -> datetime:
    """Mostly while the shop is open (Tuesday to Saturday, 7 to 4), some in the evening."""
    hour = rng.randrange(7, 16) if rng.random() < 0.8 else rng.randrange(17, 22)
    return datetime.combine(day, time(hour, rng.randrange(60)), zone)


def _wait(rng: random.Random, at: datetime, intent: str, age: float) -> timedelta:
    """How long the shop took to answer: faster for complaints, faster as the year went on."""
    if at.hour >= 16:  # answered when the shop opens the next morning
        return datetime.combine(at.date() + timedelta(days=1), time(7, 20), at.tzinfo) - at
    minutes = rng.lognormvariate(3.4, 0.5) * (0.5 if intent == "complaint" else 1.0)
    return timedelta(minutes=max(3, round(minutes * (0.6 + 1.2 * age))))


def _talks(workspace: Workspace, shapes: Shapes, now: datetime, rng: random.Random) -> list[Talk]:
    accounts = [a for a in workspace.accounts.order_by("pk") if a.handle in shapes]
    intents = list(TALK)
    weights = [TALK[i][0] for i in intents]
    found = []
    for week in range(WEEKS, 0, -1):
        for _ in range(rng.choice([3, 4, 5, 6])):
            account = rng.choice(accounts)
            zone = ZoneInfo(account.timezone)
            day = now.astimezone(zone).date() - timedelta(days=7 * week - 6 + rng.randrange(1, 6))
            at = _arrival(rng, zone, day)
            intent = rng.choices(intents, weights)[0]
            asked, answer = rng.choice(TALK[intent][3])
            handle, name = _customer(rng, shapes, account)
            wait = _wait(rng, at, intent, (now - at) / timedelta(days=365))
            if at + wait < now - timedelta(days=2):
                found.append(Talk(account, handle, name, intent, asked, answer, at, wait))
    return found


def add_conversations(
    workspace: Workspace, user: User, shapes: Shapes, now: datetime, rng: random.Random
) -> int:
    """A year of conversations, each answered and resolved; how many."""
    talks = _talks(workspace, shapes, now, rng)
    conversations = Conversation.objects.bulk_create(
        Conversation(
            workspace=workspace,
            account=t.account,
            root_external_id=f"demo-talk-{n}",
            contact_handle=t.author,
            status=ConversationStatus.RESOLVED,
            intent=t.intent,
            urgency=TALK[t.intent][2],
            first_message_at=t.at,
            last_message_at=t.at + t.wait,
            first_response_at=t.at + t.wait,
            resolved_at=t.at + t.wait,
            is_demo=True,
        )
        for n, t in enumerate(talks)
    )
    messages = []
    for n, (talk, conversation) in enumerate(zip(talks, conversations, strict=True)):
        messages += _messages(talk, conversation, f"demo-talk-{n}")
    Message.objects.bulk_create(messages)
    Reply.objects.bulk_create(
        Reply(
            conversation=ours.conversation,
            author=user,
            text=ours.text,
            in_reply_to=ours.in_reply_to,
            status=ReplyStatus.SENT,
            sent=ours,
        )
        for ours in messages
        if ours.kind == MessageKind.OURS
    )
    return len(conversations)


def _messages(talk: Talk, conversation: Conversation, key: str) -> list[Message]:
    _, sentiment, urgency, _ = TALK[talk.intent]
    common = {
        "workspace_id": conversation.workspace_id,
        "account": talk.account,
        "conversation": conversation,
        "network": talk.account.network,
        "is_demo": True,
    }
    mention = "" if " " in talk.author else f"@{talk.account.handle} "  # a page's visitors
    return [
        Message(
            **common,
            external_id=key,
            kind=MessageKind.MENTION,
            author_handle=talk.author,
            author_name=talk.name,
            text=f"{mention}{talk.asked}",
            sent_at=talk.at,
            intent=talk.intent,
            sentiment=sentiment,
            urgency=urgency,
        ),
        Message(
            **common,
            external_id=f"{key}-answer",
            in_reply_to=key,
            kind=MessageKind.OURS,
            author_handle=talk.account.handle,
            text=f"{talk.name.split()[0]}, {talk.answer[0].lower()}{talk.answer[1:]}",
            sent_at=talk.at + talk.wait,
        ),
    ]


# ---- time and money -----------------------------------------------------------------------

# (activity, days of the week it is done, minutes on such a day: low, high)
ROUTINE = [
    (Activity.INBOX, (1, 2, 3, 4, 5), (10, 25)),
    (Activity.PUBLISHING, (1, 3, 5), (15, 30)),
    (Activity.PLANNING, (0,), (20, 45)),
    (Activity.REVIEWING, (4,), (10, 20)),
]
# Orders the owner traced to social media: (what, amount low, high)
ORDERS = [
    ("Birthday cake ordered by message", 35, 90),
    ("Office breakfast order after a post", 45, 160),
    ("Wedding cake tasting booked", 60, 120),
    ("Wholesale bread for a cafe", 80, 200),
]


def add_time_and_money(
    workspace: Workspace, user: User, pillars: list[str], now: datetime, rng: random.Random
) -> None:
    """The owner's hours over the year (in Porch, and some logged outside it: the photos),
    and orders traced to social media about every ten days."""
    today = now.astimezone(ZoneInfo(workspace.timezone)).date()
    rows = []
    for back in range(7 * WEEKS, 0, -1):
        day = today - timedelta(days=back)
        for activity, weekdays, (low, high) in ROUTINE:
            if day.weekday() in weekdays:
                seconds = 60 * rng.randint(low, high)
                rows.append(
                    ActiveTime(
                        workspace=workspace, user=user, day=day, activity=activity, seconds=seconds
                    )
                )
        if day.weekday() == 0 and rng.random() < 0.5:
            seconds = 60 * rng.randint(20, 40)  # taking the week's photos
            rows.append(
                ActiveTime(
                    workspace=workspace,
                    user=user,
                    day=day,
                    activity=Activity.PUBLISHING,
                    seconds=seconds,
                    outside_porch=True,
                )
            )
    ActiveTime.objects.bulk_create(rows)
    networks = [a.network for a in workspace.accounts.order_by("pk")]
    Revenue.objects.bulk_create(
        _order(workspace, rng, today - timedelta(days=back), networks, pillars)
        for back in range(7 * WEEKS, 0, -1)
        if rng.random() < 0.1
    )


def _order(
    workspace: Workspace, rng: random.Random, day: date, networks: list[str], pillars: list[str]
) -> Revenue:
    what, low, high = rng.choice(ORDERS)
    return Revenue(
        workspace=workspace,
        day=day,
        amount=Decimal(rng.randint(low, high)).quantize(Decimal("0.01")),
        network=rng.choice(networks),
        pillar=rng.choice(pillars),
        note=what,
    )


# ---- listening ----------------------------------------------------------------------------

# Search kind: (hits a week, [(text, intent, sentiment)])
HEARD = {
    SearchKind.BRAND: (
        3,
        [
            ("Crumb & Co's cardamom buns are worth the queue", "praise", "positive"),
            ("picked up a loaf from crumbandco on the way to work", "other", "neutral"),
            ("Crumb & Co sold out of rye before I got there", "complaint", "negative"),
            ("the new spelt loaf at Crumb & Co is lovely", "praise", "positive"),
        ],
    ),
    SearchKind.COMPETITOR: (
        2,
        [
            ("Rise Bakehouse was shut again this morning", "complaint", "negative"),
            ("Rise Bakehouse croissants are fine but pricey", "other", "neutral"),
            ("great coffee at Rise Bakehouse today", "praise", "positive"),
        ],
    ),
    SearchKind.NICHE: (
        3,
        [
            ("my sourdough starter finally doubled overnight", "other", "positive"),
            ("why is my sourdough so dense? third try", "question", "negative"),
            ("sourdough toast with butter is the whole point of Sundays", "praise", "positive"),
        ],
    ),
    SearchKind.QUESTION: (
        1,
        [
            ("anyone know a bakery that does gluten free birthday cakes?", "question", "neutral"),
            ("anyone know where to get good bread near Millbrook?", "question", "neutral"),
        ],
    ),
}
SCORE = {"positive": 0.6, "neutral": 0.0, "negative": -0.5}
TOWNSFOLK = ["maya", "olu", "grace", "hugo", "ines", "jack", "kim", "leo", "nadia", "pat"]


def add_listening(workspace: Workspace, now: datetime, rng: random.Random) -> int:
    """What each search heard over the year, on its first network; how many posts. The
    authors take turns (240 of them), so none of a search's is heard twice in a year and none
    passes for a peer who posts about the niche often (porch.plans.peers): the demo's peers
    are those its followers follow."""
    hits: list[Hit] = []
    matches: list[SearchHit] = []
    for search in Search.objects.filter(workspace=workspace).order_by("pk"):
        if search.kind not in HEARD or not search.networks:
            continue
        per_week, said = HEARD[SearchKind(search.kind)]
        for week in range(WEEKS, 0, -1):
            for _ in range(rng.randint(per_week - 1, per_week + 1)):
                text, intent, sentiment = rng.choice(said)
                first, last = TOWNSFOLK[len(hits) % 10], CUSTOMERS[len(hits) // 10 % 24][1]
                at = now - timedelta(days=7 * week - rng.uniform(0, 7))
                hit = Hit(
                    workspace=workspace,
                    network=search.networks[0],
                    external_id=f"{HEARD_PREFIX}{search.pk}-{len(hits)}",
                    author_handle=f"{first}-{last.lower()}.bsky.social",
                    author_name=f"{first.title()} {last}",
                    text=text,
                    sent_at=at,
                    intent=intent,
                    sentiment=sentiment,
                    sentiment_score=SCORE[sentiment],
                    is_question="?" in text,
                )
                hits.append(hit)
                matches.append(SearchHit(search=search, hit=hit, sent_at=at))
    Hit.objects.bulk_create(hits)
    SearchHit.objects.bulk_create(matches)
    return len(hits)


def add_history(
    workspace: Workspace, user: User, shapes: Shapes, pillars: list[str], now: datetime
) -> None:
    """The demo's year (see the module) on the accounts `shapes` names: the same `now` gives
    the same rows."""
    rng = random.Random(SEED)
    add_posts(workspace, shapes, pillars, now, rng)
    add_followers(workspace, shapes, now, rng)
    add_conversations(workspace, user, shapes, now, rng)
    add_time_and_money(workspace, user, pillars, now, rng)
    add_listening(workspace, now, rng)
