"""The made-up customer: every few minutes someone writes to one of the demo's accounts.

The scheduler runs `customer_posts` (NETWORK.periodic); it posts on the fake network, and
the ordinary sync brings the post into the inbox, triaged like any other. Where the shop
has answered someone, that customer first says thanks in the same thread. Nothing happens
on an install without the demo's accounts, and an account that was written to
DAILY_LIMIT times in the last day gets nothing more until the day rolls on, so a demo left
running gets a few posts an hour instead of a message every three minutes for ever.
Every TOWN_EVERY-th run, someone in the made-up town (porch.networks.fake.town) posts
instead, for the demo's searches to find; at most DAILY_LIMIT such posts a day too.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from porch.networks.fake import store, town
from porch.workspaces.models import ConnectedAccount

# (handle, name, what they write after the shop's @handle)
CUSTOMERS = [
    ("maya_bakes", "Maya", "do you still have sourdough left today? Coming by at 5"),
    ("dan.walks", "Dan", "my loaf this morning was burnt on the bottom, bit disappointed"),
    (
        "priya_s",
        "Priya",
        "could you do a birthday cake for 12 people on Saturday? What would it cost?",
    ),
    ("olly_k", "Olly", "those cardamom buns are the best thing in the city, thank you!"),
    ("hannah.r", "Hannah", "are you open on Sunday mornings?"),
    ("free_followers_now", "Growth", "Get 5K followers today!!! DM us 🚀"),
    ("sam_cooks", "Sam", "waited 20 minutes and my order was wrong. Not happy."),
    ("leah.m", "Leah", "do you cater office breakfasts? About 30 people, next month"),
]
THANKS = "thanks so much for the quick answer, lovely bakery!"
DAILY_LIMIT = 20  # made-up posts to one demo account in 24 hours, at most
TOWN_EVERY = 3  # one run in three, the town talks instead


def demo_accounts() -> list[ConnectedAccount]:
    return list(ConnectedAccount.objects.filter(is_demo=True).order_by("pk"))


def unanswered_reply(handle: str) -> store.Row | None:
    """The shop's latest reply to a customer that the customer has not answered yet."""
    answered = {row.reply_to for row in store.replies_to(handle)}
    for row in reversed(store.posts_by(handle)):
        if row.reply_to and not row.deleted and row.external_id not in answered:
            return row
    return None


def visit(accounts: list[ConnectedAccount]) -> str:
    """One customer writes to one of `accounts` (in turn); returns the post's id, or ""
    when none is left that was written to fewer than DAILY_LIMIT times in the last day."""
    since = timezone.now() - timedelta(days=1)
    accounts = [a for a in accounts if store.count_to(a.handle, since) < DAILY_LIMIT]
    if not accounts:
        return ""
    turn = sum(store.count_to(account.handle) for account in accounts)
    account = accounts[turn % len(accounts)]
    answered = unanswered_reply(account.handle)
    if answered is not None:
        parent = store.get_post(answered.reply_to)
        author = parent.author if parent is not None else CUSTOMERS[0][0]
        return store.customer_post(author, THANKS, reply_to=answered.external_id)
    handle, name, text = CUSTOMERS[turn % len(CUSTOMERS)]
    if " " not in account.handle:  # a Page's name is not @-mentioned
        text = f"@{account.handle} {text}"
    return store.customer_post(handle, text, to=account.handle, author_name=name)


def town_visit() -> str:
    """Someone in the town posts (not to the shop); "" once DAILY_LIMIT went out today."""
    if town.posted_since(timezone.now() - timedelta(days=1)) >= DAILY_LIMIT:
        return ""
    return town.chatter(town.posted_since())


@task()
def customer_posts() -> str:
    """The scheduler's job (every few minutes): a customer writes to a demo account, or
    (one run in TOWN_EVERY) someone in the town posts for the demo's searches."""
    accounts = demo_accounts()
    if accounts and town.everything() % TOWN_EVERY == 0:
        return town_visit() or visit(accounts)
    return visit(accounts)
