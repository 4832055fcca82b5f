"""Blog feeds and newsletters become drafts that invite readers to continue the conversation.

Feeds are polled with conditional requests (If-None-Match / If-Modified-Since): an
unchanged feed costs one 304. Each entry is remembered by its id, so it becomes one draft.
Every address is fetched by the guarded fetcher (porch/core/fetch.py), and only in the
worker: the Feeds page enqueues `fetch_for_drafts` and shows its outcome when it is done.
"""

import logging
import re
from datetime import timedelta
from html import unescape

import feedparser  # type: ignore[import-untyped]
from django.db import IntegrityError, transaction
from django.utils import timezone

from porch.core.fetch import Fetched, FetchError, checked_url
from porch.core.fetch import fetch as guarded_fetch
from porch.errors import InputError
from porch.networks.base import AccountRef
from porch.networks.registry import profile_url as network_profile_url
from porch.publishing.models import Feed, FeedEntry, Post, PostSource, PostStatus
from porch.workspaces.models import ConnectedAccount, Workspace

log = logging.getLogger(__name__)

POLL_EVERY = timedelta(minutes=15)
INVITE = "Continue the conversation: reply here, we read every message."


class FeedError(InputError):
    """The feed or newsletter could not be read: the message says why and what to do."""


def draft_text(title: str, link: str) -> str:
    return "\n\n".join(part for part in (title.strip(), link.strip(), INVITE) if part)


def _draft(workspace: Workspace, text: str, source: PostSource) -> Post:
    return Post.objects.create(
        workspace=workspace, text=text, status=PostStatus.DRAFT, source=source
    )


def check_address(url: str) -> str:
    """`url` if it is a web address (checked again, with its host, when it is fetched)."""
    try:
        return str(checked_url(url))
    except FetchError as exc:
        raise FeedError(str(exc)) from None


def fetch(url: str, headers: dict[str, str] | None = None) -> Fetched:
    try:
        return guarded_fetch(url, headers)
    except FetchError as exc:
        raise FeedError(str(exc)) from exc


def poll(feed: Feed, make_drafts: bool = True) -> list[Post]:
    """New entries of `feed` as drafts; remembers ETag and Last-Modified for next time."""
    headers = {"If-None-Match": feed.etag, "If-Modified-Since": feed.last_modified}
    try:
        answer = fetch(feed.url, {k: v for k, v in headers.items() if v and v.isascii()})
        if answer.status_code == 304:
            return _checked(feed, "")
        if answer.status_code >= 400:
            raise FeedError(f"The blog answered {answer.status_code}: check the feed address.")
        parsed = feedparser.parse(answer.content)
        if not parsed.version and not parsed.entries:
            raise FeedError("That address is not an RSS or Atom feed: use the blog's feed link.")
    except FeedError as exc:
        _checked(feed, str(exc))
        return []
    feed.etag = _ascii(answer.headers.get("etag", ""))
    feed.last_modified = _ascii(answer.headers.get("last-modified", ""))
    feed.title = feed.title or str(parsed.feed.get("title", ""))[:255]
    drafts = [post for entry in parsed.entries if (post := _entry_draft(feed, entry, make_drafts))]
    _checked(feed, "")
    return drafts


def _ascii(value: str) -> str:
    """A validator to send back next time: only plain ASCII can go in a request header."""
    return value if value.isascii() else ""


def _checked(feed: Feed, error: str) -> list[Post]:
    feed.checked_at, feed.error = timezone.now(), error[:500]
    feed.save(update_fields=["checked_at", "error", "etag", "last_modified", "title"])
    return []


def _entry_draft(feed: Feed, entry: feedparser.FeedParserDict, make_draft: bool) -> Post | None:
    entry_id = str(entry.get("id") or entry.get("link") or entry.get("title") or "")[:1000]
    if not entry_id or FeedEntry.objects.filter(feed=feed, entry_id=entry_id).exists():
        return None
    try:
        with transaction.atomic():
            text = draft_text(str(entry.get("title", "")), str(entry.get("link", "")))
            post = _draft(feed.workspace, text, PostSource.FEED) if make_draft else None
            FeedEntry.objects.create(feed=feed, entry_id=entry_id, post=post)
    except IntegrityError:  # another worker made it a moment ago
        return None
    return post


def add_feed(workspace: Workspace, url: str) -> Feed:
    """Add a feed; its entries so far are remembered, not drafted (only new ones are)."""
    if not url.startswith(("http://", "https://")):
        raise FeedError("Give the feed's full address, starting with https://")
    feed, created = Feed.objects.get_or_create(workspace=workspace, url=url)
    if created:
        poll(feed, make_drafts=False)
        if feed.error:
            message = feed.error
            feed.delete()
            raise FeedError(message)
    return feed


def poll_due_feeds() -> int:
    """Poll feeds last checked POLL_EVERY ago; a new feed is left to its first check a while."""
    due = timezone.now() - POLL_EVERY
    never = Feed.objects.filter(checked_at=None, created_at__lt=due)
    feeds = Feed.objects.filter(checked_at__lt=due) | never
    return sum(_poll_one(feed) for feed in feeds.select_related("workspace"))


def _poll_one(feed: Feed) -> int:
    """How many drafts `feed` gave; an unexpected failure is logged, and the others go on."""
    try:
        return len(poll(feed))
    except Exception:  # its id, not its address: an address may hold a token
        log.exception("feed %s could not be polled", feed.pk)
        return 0


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def newsletter_draft(workspace: Workspace, url: str = "", pasted: str = "") -> Post:
    """A newsletter issue (its address, or its pasted text) as a draft."""
    if url:
        answer = fetch(url)
        if answer.status_code >= 400:
            raise FeedError(f"The newsletter page answered {answer.status_code}: check it.")
        found = _TITLE.search(answer.text)
        title = unescape(found.group(1)).strip() if found else "Our new newsletter"
        return _draft(workspace, draft_text(title, url), PostSource.NEWSLETTER)
    lines = [line.strip() for line in pasted.splitlines() if line.strip()]
    if not lines:
        raise FeedError("Give the newsletter's address or paste its text.")
    return _draft(workspace, draft_text(lines[0][:200], ""), PostSource.NEWSLETTER)


def fetch_for_drafts(workspace_id: int, kind: str, url: str) -> dict[str, str | int]:
    """What the worker does for the Feeds page: add a feed, or draft a newsletter issue.

    Returns what the page shows: {"feed": its title}, {"post": the draft's id} or
    {"error": why not, in words for the owner}.
    """
    workspace = Workspace.objects.get(pk=workspace_id)
    try:
        if kind == "feed":
            return {"feed": str(add_feed(workspace, url))}
        return {"post": newsletter_draft(workspace, url=url).pk}
    except FeedError as exc:
        return {"error": str(exc)}


def profile_url(account: ConnectedAccount) -> str:
    """The account's public page, as its network makes it ("" where there is none)."""
    ref = AccountRef(account.network, account.handle, account.external_id, account.server_url)
    return network_profile_url(ref)


def conversation_footer(workspace: Workspace) -> tuple[str, list[tuple[str, str]]]:
    """The newsletter footer: an invitation and (network, profile link) per account."""
    accounts = workspace.accounts.order_by("network", "handle")
    links = [(f"{a.get_network_display()} {a.handle}", profile_url(a)) for a in accounts]
    return "Continue the conversation with us:", links
