"""X API v2 replies as Porch's dataclasses.

X's replies use the "tweet" names (referenced_tweets, retweet_count, tweet_count) that
tweepy and X's documentation use; X's newer OpenAPI document calls them "post"
(referenced_posts, repost_count, post_count). Both are read.
X sends post text HTML-escaped (&amp; &lt; &gt;); it is unescaped here.
"""

import html
from typing import Any

from porch.networks.base import AccountMetrics, AccountRef, Incoming, PostMetrics
from porch.networks.x.cursor import parse_time
from porch.networks.x.rules import strip_urls

Json = dict[str, Any]


def status_url(handle: str, external_id: str) -> str:
    return f"https://x.com/{handle or 'i/web'}/status/{external_id}"


def profile_url(account: AccountRef) -> str:
    return f"https://x.com/{account.handle}"


def users_by_id(body: Json) -> dict[str, Json]:
    return {user["id"]: user for user in body.get("includes", {}).get("users", [])}


def referenced(tweet: Json, kind: str) -> str:
    """The id of the post this one quotes ("quoted") or reposts ("retweeted"), or ""."""
    references = tweet.get("referenced_tweets") or []
    return next((ref["id"] for ref in references if ref.get("type") == kind), "")


def replied_to(tweet: Json) -> str:
    references = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    return next((ref["id"] for ref in references if ref.get("type") == "replied_to"), "")


def comparable(text: str) -> str:
    """A post's text as X would echo it back, less URLs (X turns them into t.co links)."""
    return " ".join(strip_urls(html.unescape(text)).split())


def tweet_incoming(tweet: Json, users: dict[str, Json], me: str) -> Incoming:
    """A mention, or a reply when it answers one of our posts (`me` = our user id)."""
    author = users.get(tweet.get("author_id", ""), {})
    handle = str(author.get("username", ""))
    parent = replied_to(tweet)
    ours = bool(me) and tweet.get("in_reply_to_user_id") == me
    conversation = tweet.get("conversation_id", "")
    return Incoming(
        external_id=tweet["id"],
        kind="reply" if parent and ours else "mention",
        author_handle=handle,
        author_name=str(author.get("name") or handle),
        text=html.unescape(tweet["text"]),
        sent_at=parse_time(tweet["created_at"]),
        url=status_url(handle, tweet["id"]),
        in_reply_to=parent,
        root_id="" if conversation == tweet["id"] else conversation,
        author_id=tweet.get("author_id", ""),
        lang=str(tweet.get("lang") or ""),
        quote_of=referenced(tweet, "quoted"),
        repost_of=referenced(tweet, "retweeted"),
    )


def dm_incoming(event: Json, users: dict[str, Json]) -> Incoming:
    """A direct message; root_id is X's dm_conversation_id, which threads the exchange."""
    sender = users.get(event.get("sender_id", ""), {})
    handle = str(sender.get("username", ""))
    conversation = event.get("dm_conversation_id", "")
    return Incoming(
        external_id=event["id"],
        kind="direct",
        author_handle=handle,
        author_name=str(sender.get("name") or handle),
        text=html.unescape(event.get("text", "")),
        sent_at=parse_time(event["created_at"]),
        url=f"https://x.com/messages/{conversation}" if conversation else "",
        root_id=conversation,
        author_id=event.get("sender_id", ""),
    )


def post_metrics(tweet: Json) -> PostMetrics:
    counts = tweet.get("public_metrics", {})
    return PostMetrics(
        external_id=tweet["id"],
        likes=counts.get("like_count", 0),
        reposts=counts.get("retweet_count", counts.get("repost_count", 0)),
        replies=counts.get("reply_count", 0),
        quotes=counts.get("quote_count", 0),
        impressions=counts.get("impression_count"),
    )


def account_metrics(user: Json) -> AccountMetrics:
    counts = user.get("public_metrics", {})
    return AccountMetrics(
        followers=counts.get("followers_count", 0),
        following=counts.get("following_count", 0),
        posts=counts.get("tweet_count", counts.get("post_count", 0)),
    )
