"""MastodonClient: one account on any Mastodon instance, through Mastodon.py.

Incoming messages are the account's `mention` notifications: a mention, a reply to one of
its posts (Mastodon clients put the author's @handle in a reply, which makes it a mention),
and a direct message (a mention with visibility "direct").

The cursor is the id of the newest notification seen: "" starts with the newest page, and
"0" means none was seen yet (an account with no mentions at its first fetch).
Mastodon ids are numeric strings that grow with time, and `min_id=<cursor>` returns the
page right after the cursor, so paging forward from it has no gaps and no repeats, across
restarts too. Each call returns one page; `more` says another follows at once.
"""

import io
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mastodon import MastodonError, MastodonNotFoundError
from mastodon.return_types import MediaAttachment, Notification, Status
from mastodon.types_base import PaginatableList, PaginationInfo

from porch.networks.base import (
    AccountMetrics,
    AccountRef,
    DirectOut,
    ErrorCode,
    Incoming,
    Kind,
    Media,
    NetworkClient,
    NetworkError,
    Outgoing,
    Page,
    PostMetrics,
    Profile,
    ProfilePage,
    Published,
    TextRules,
)
from porch.networks.mastodon.auth import TIMEOUT, api_for
from porch.networks.mastodon.errors import to_network_error
from porch.networks.mastodon.people import People
from porch.networks.mastodon.rules import DEFAULT_LIMITS, instance_limits
from porch.networks.mastodon.search import SEARCH_PAGES, TextCursor, hashtag, newer, search_text
from porch.networks.mastodon.text import html_to_text
from porch.networks.query import Query
from porch.networks.searching import search_each

T = TypeVar("T")

PAGE_SIZE = 40  # Mastodon's largest page of statuses and notifications
BATCH_SIZE = 20  # statuses per GET /api/v1/statuses?id[]=...
FIND_PAGES = 5  # pages of the account's own posts find_published looks through
MEDIA_WAITS = (0.5, 1.0, 2.0, 4.0)  # seconds between checks on an image being processed
VISIBILITY = {"public": "public", "followers": "private"}
_PRIVACY = ["public", "unlisted", "private", "direct"]  # each more private than the last
_HASHTAG = re.compile(r"#(\w+)")
_MENTION_DOMAIN = re.compile(r"(?<![\w@])(@[\w.-]+)@[\w.-]+\w")
_SPACES = re.compile(r"\s+")
_LEADING_MENTIONS = re.compile(r"^(?:@[\w.-]+ )+")


class MastodonClient(NetworkClient):
    network = "mastodon"
    stock_rules = DEFAULT_LIMITS.text_rules()

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = lambda _: None,
        *,
        timeout: float = TIMEOUT,
    ) -> None:
        super().__init__(account, credentials, save_credentials)
        if not account.server_url:
            raise ValueError("a Mastodon account needs its server_url")
        self.api = api_for(
            account.server_url, access_token=credentials["access_token"], timeout=timeout
        )
        self._own_id = account.external_id
        self._people = People(self)

    def __repr__(self) -> str:
        return f"MastodonClient({self.account.handle!r})"

    def close(self) -> None:
        self.api.session.close()

    def _call(self, request: Callable[[], T], *, write: bool = False) -> T:
        try:
            return request()
        except MastodonError as exc:
            raise to_network_error(exc, api=self.api, write=write) from exc

    @property
    def _domain(self) -> str:
        """The instance's domain, as in handles (user@domain)."""
        if "@" in self.account.handle:
            return self.account.handle.rsplit("@", 1)[1]
        return urlsplit(self.account.server_url).hostname or ""

    def _me(self) -> str:
        if not self._own_id:
            self._own_id = str(self._call(self.api.account_verify_credentials).id)
        return self._own_id

    def verify(self) -> AccountRef:
        me = self._call(self.api.account_verify_credentials)
        self._own_id = str(me.id)
        return AccountRef(
            network=self.network,
            handle=f"{me.username}@{self._domain}",
            external_id=str(me.id),
            server_url=self.account.server_url,
        )

    # Incoming ---------------------------------------------------------------------------

    def fetch_incoming(self, cursor: str) -> Page:
        notifications = self._mention_notifications(cursor)
        statuses = [n.status for n in notifications if n.status is not None]
        roots: dict[str, str] = {}
        items = [self._incoming(status, roots) for status in _oldest_first(statuses)]
        self.usage.reads += len(items)
        newest = max((str(n.id) for n in notifications), key=_id_order, default=cursor or "0")
        more = bool(cursor) and len(notifications) == PAGE_SIZE
        return Page(items=items, cursor=newest, more=more)

    def _mention_notifications(self, cursor: str) -> list[Notification]:
        # Mastodon 4.3+ files private mentions from accounts the owner does not follow
        # under "notification requests" by default; a customer's first direct message is
        # one. include_filtered brings them in. Mastodon.py's notifications() lacks that
        # parameter, and its fetch_next() sends a pagination dict's parameters as given.
        request = PaginationInfo(
            _pagination_method="GET",
            _pagination_endpoint="/api/v1/notifications",
            _mastopy_type="PaginatableList[Notification]",
            limit=PAGE_SIZE,
            include_filtered="true",
        )
        request["types[]"] = ["mention"]
        if cursor:
            request["min_id"] = cursor
        page: list[Notification] | None = self._fetch_next(request)
        return list(page or [])

    def _incoming(self, status: Status, roots: dict[str, str] | None) -> Incoming:
        """`roots` collects thread roots found so far; None: do not look them up."""
        parent = str(status.in_reply_to_id or "")
        author = status.account
        return Incoming(
            external_id=str(status.id),
            kind=_kind(status),
            author_handle=self._full_handle(author.acct),
            author_name=author.display_name or author.username,
            text=status_text(status),
            sent_at=status.created_at,
            url=status.url or status.uri,
            in_reply_to=parent,
            root_id=self._root_id(status, roots) if parent and roots is not None else parent,
            author_id=str(author.uri or author.id),  # the URI: the same on every server
            lang=str(getattr(status, "language", None) or ""),
            quote_of=_quoted(status),
            repost_of=str(status.reblog.id) if status.reblog is not None else "",
        )

    def _full_handle(self, acct: str) -> str:
        return acct if "@" in acct else f"{acct}@{self._domain}"

    def _root_id(self, status: Status, roots: dict[str, str]) -> str:
        """The first post of the thread a reply belongs to (one request per new parent)."""
        parent = str(status.in_reply_to_id)
        if parent not in roots:
            try:
                context = self._call(lambda: self.api.status_context(status.id))
                ancestors = context.ancestors
            except NetworkError as error:
                if error.detail != "404":
                    raise
                ancestors = []  # the thread is gone or hidden from us: its parent is all we know
            roots[parent] = str(ancestors[0].id) if ancestors else parent
        return roots[parent]

    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        """Public posts, one request per clause of the query (search.py): a clause of
        hashtags reads a tag's timeline, any other full-text search.

        Full-text search finds only posts the instance has indexed (opted-in posts, on
        instances that run search). Results carry their parent as root_id: listening does
        not need whole threads, and looking each one up would cost a request per reply.
        """
        return search_each(query, cursor, self._search_clause, split=True)

    def _search_clause(self, clause: Query, cursor: str) -> Page:
        tag = hashtag(clause)
        if tag:
            min_id = cursor or None
            statuses = list(
                self._call(lambda: self.api.timeline_hashtag(tag, min_id=min_id, limit=PAGE_SIZE))
            )
            newest = max((str(s.id) for s in statuses), key=_id_order, default=cursor or "0")
            more = bool(cursor) and len(statuses) == PAGE_SIZE
        else:
            statuses, after = self._search_text(search_text(clause), TextCursor.load(cursor))
            newest, more = after.dump(), bool(after.below)
        own = self._own_id
        found = [
            s
            for s in _oldest_first(statuses)
            if str(s.account.id) != own and s.visibility == "public"
        ]
        items = [self._incoming(status, None) for status in found]
        self.usage.reads += len(items)
        return Page(items=items, cursor=newest, more=more)

    def _search_text(self, text: str, state: TextCursor) -> tuple[list[Status], TextCursor]:
        """The matches after `state.after`, paging down from the newest (or from below
        `state.below`, where the last poll stopped) until reaching it."""
        found: list[Status] = []
        below, top = state.below or None, state.top or state.after
        for _ in range(1 if not state.after else SEARCH_PAGES):
            page = self._search_page(text, state.after, below)
            fresh = [s for s in page if _between(str(s.id), state.after, below)]
            found += fresh
            if not fresh:
                break
            below = min((str(s.id) for s in fresh), key=_id_order)
            top = max([top, *(str(s.id) for s in fresh)], key=_id_order)
            if not state.after or len(page) < PAGE_SIZE:
                break
        else:  # stopped early: the next poll goes on below `below`
            return found, TextCursor(state.after, below or "", top)
        return found, TextCursor(top or state.after)

    def _search_page(self, text: str, after: str, below: str | None) -> list[Status]:
        found = self._call(
            lambda: self.api.search_v2(
                text,
                resolve=False,
                result_type="statuses",
                limit=PAGE_SIZE,
                min_id=after or None,
                max_id=below,
            )
        )
        return list(found.statuses)

    # Publishing -------------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Published:
        """Post, or reply in a thread; sent with the post's Idempotency-Key.

        A reply is never more public than the post it answers (a reply to a direct message
        stays direct), and starts with the author's @handle unless the text mentions them
        already: without it Mastodon neither notifies them nor shows them a direct reply.
        """
        max_images = self.rules().max_images
        if len(post.media) > max_images:
            raise NetworkError(
                f"This Mastodon server takes at most {max_images} images in a post.",
                permanent=True,
                code=ErrorCode.TOO_MANY_MEDIA,
            )
        text, visibility = post.text, VISIBILITY[post.visibility]
        if post.reply_to:
            text, visibility = self._reply_form(post.reply_to, text, visibility)
        media_ids = [self._upload(media) for media in post.media]
        status = self._call(
            lambda: self.api.status_post(
                text,
                in_reply_to_id=post.reply_to or None,
                media_ids=media_ids or None,
                visibility=visibility,
                idempotency_key=post.idempotency_key,
            ),
            write=True,
        )
        self.usage.writes += 1
        return Published(external_id=str(status.id), url=status.get("url") or "")

    def _reply_form(self, reply_to: str, text: str, visibility: str) -> tuple[str, str]:
        try:
            parent = self._call(lambda: self.api.status(reply_to))
        except NetworkError as error:
            if error.detail != "404":
                raise
            gone = "The post being replied to was deleted or is no longer visible."
            raise NetworkError(
                gone, permanent=True, code=ErrorCode.NOT_FOUND, detail="404"
            ) from error
        if parent.visibility in _PRIVACY:
            visibility = max(visibility, parent.visibility, key=_PRIVACY.index)
        author = parent.account
        if str(author.id) != self._me() and not self._mentions(text, author.acct):
            text = f"@{author.acct} {text}"
        return text, visibility

    def _mentions(self, text: str, acct: str) -> bool:
        user, _, domain = acct.partition("@")
        own_domain = f"(?:@{re.escape(self._domain)})?"
        after_user = f"@{re.escape(domain)}" if domain else own_domain
        pattern = rf"(?<![\w@])@{re.escape(user)}{after_user}(?![\w@-])"
        return re.search(pattern, text, re.IGNORECASE) is not None

    def _upload(self, media: Media) -> str:
        attachment = self._call(
            lambda: self.api.media_post(
                io.BytesIO(media.data),
                mime_type=media.mime_type,
                description=media.alt_text or None,
            )
        )
        return self._processed(attachment)

    def _processed(self, attachment: MediaAttachment) -> str:
        """Mastodon processes uploads in the background; a post cannot use one before."""
        for wait in MEDIA_WAITS:
            if attachment.get("url"):
                return str(attachment.id)
            time.sleep(wait)
            attachment = self._media(str(attachment.id))
        if attachment.get("url"):
            return str(attachment.id)
        raise NetworkError(
            "Mastodon is still processing an image; Porch will try again.",
            permanent=False,
            retry_after=30,
            code=ErrorCode.MEDIA,
            detail="media_processing",
        )

    def _media(self, media_id: str) -> MediaAttachment:
        found: MediaAttachment = self._call(lambda: self.api.media(media_id))
        return found

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        """The account's own post with this text (and parent), made since `since`."""
        for status in self._own_since(since):
            if _is_same_post(status, post):
                return Published(external_id=str(status.id), url=status.url or "")
        return None

    def _own_since(self, since: datetime) -> Iterator[Status]:
        """The account's own statuses, newest first, back to `since` (FIND_PAGES at most)."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        me = self._me()
        page = self._call(
            lambda: self.api.account_statuses(me, exclude_reblogs=True, limit=PAGE_SIZE)
        )
        for status in self._pages(page, FIND_PAGES):
            if status.created_at < since:
                return
            yield status

    def _pages(self, page: PaginatableList[Status] | None, count: int) -> Iterator[Status]:
        for _ in range(count):
            if not page:
                return
            yield from page
            page = self._next_page(page)

    def _next_page(self, page: PaginatableList[Status]) -> PaginatableList[Status] | None:
        found: PaginatableList[Status] | None = self._fetch_next(page)
        return found

    def _fetch_next(self, page: Any) -> Any:
        """Mastodon.py's fetch_next: its generic signature is beyond what mypy can solve."""
        return self._call(lambda: self.api.fetch_next(page))

    def delete(self, external_id: str) -> None:
        """Delete a post; one that is already gone counts as deleted."""
        try:
            self.api.status_delete(external_id)
        except MastodonNotFoundError:
            return
        except MastodonError as exc:
            raise to_network_error(exc, api=self.api) from exc

    # Direct messages --------------------------------------------------------------------

    def send_direct(self, message: DirectOut) -> Published:
        """A private mention: a "direct" status that names the person first, sent with the
        message's Idempotency-Key (a retry after a lost answer makes no second one).

        Mastodon delivers a direct status to the accounts it mentions and to no one else:
        one that names nobody Mastodon could find reached no one, so it is deleted and the
        send refused, with why.
        """
        acct = self._recipient_acct(message)
        # Mastodon would deliver it to anyone else the text mentions too ("flour from
        # @millfarm"): their mentions are kept from linking; the person is named first.
        text = f"@{acct} {_unmentioned(message.text)}"
        try:
            status = self._call(
                lambda: self.api.status_post(
                    text, visibility="direct", idempotency_key=message.idempotency_key
                ),
                write=True,
            )
        except NetworkError as error:
            raise _not_sent(error, acct) from error
        self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
        if not _mentioned(status, acct, self._domain) or len(status.mentions or []) > 1:
            self.delete(str(status.id))
            raise NetworkError(
                f"Mastodon could not find @{acct} to send the message to: the account may "
                "have moved or been deleted.",
                permanent=True,
                code=ErrorCode.NOT_FOUND,
                detail="not_mentioned",
            )
        return Published(external_id=str(status.id), url=status.get("url") or "")

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        """The account's own direct status to the person holding the message's marker (its
        whole text where it has none), made since `since`."""
        acct = self._recipient_acct(message)
        wanted = _comparable(message.marker or message.text)
        for status in self._own_since(since):
            if (
                status.visibility == "direct"
                and _mentioned(status, acct, self._domain)
                and wanted in _comparable(html_to_text(status.content))
            ):
                return Published(external_id=str(status.id), url=status.url or "")
        return None

    def _recipient_acct(self, message: DirectOut) -> str:
        """How a status names the person: the user name alone for an account on this
        server, user@server for one elsewhere (Mastodon resolves that by WebFinger)."""
        handle = message.recipient_handle.strip().lstrip("@")
        if not handle:
            key = message.recipient_local_id or message.recipient_id
            handle = str(self._people.account(key).acct)
        user, _, host = handle.partition("@")
        return user if host.lower() == self._domain.lower() else handle

    # Metrics and rules ------------------------------------------------------------------

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        """Counts for the posts that still exist; Mastodon does not tell impressions."""
        ids = list(external_ids)
        statuses: list[Status] = []
        for start in range(0, len(ids), BATCH_SIZE):
            statuses += self._statuses(ids[start : start + BATCH_SIZE])
        return [_metrics(status) for status in statuses]

    def _statuses(self, ids: list[str]) -> list[Status]:
        try:
            return list(self.api.statuses(ids))
        except MastodonNotFoundError:
            pass  # before Mastodon 4.3 there is no batch: one request each
        except MastodonError as exc:
            raise to_network_error(exc, api=self.api) from exc
        return [status for status in map(self._status_or_none, ids) if status is not None]

    def _status_or_none(self, external_id: str) -> Status | None:
        try:
            found: Status = self.api.status(external_id)
        except MastodonNotFoundError:
            return None
        except MastodonError as exc:
            raise to_network_error(exc, api=self.api) from exc
        return found

    def like(self, external_id: str) -> None:
        self._call(lambda: self.api.status_favourite(external_id), write=True)

    def repost(self, external_id: str) -> None:
        self._call(lambda: self.api.status_reblog(external_id), write=True)

    def follow(self, author: str) -> None:
        """By account URI, by handle, or by the account's id on this server (people.py)."""
        account_id = author if author.isdigit() else self._people.account(author).id
        self._call(lambda: self.api.account_follow(account_id), write=True)

    # People (people.py) -----------------------------------------------------------------

    def followers(self, cursor: str = "") -> ProfilePage:
        return self._people.followers(cursor)

    def follows_of(self, stable_id: str, cursor: str = "") -> ProfilePage:
        """Whom an account follows; a remote account's, as far as this server knows them."""
        return self._people.follows_of(stable_id, cursor)

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        return self._people.profiles(stable_ids)

    def suggested_follows(self) -> list[Profile]:
        return self._people.suggested_follows()

    def account_metrics(self) -> AccountMetrics:
        me = self._call(self.api.account_verify_credentials)
        return AccountMetrics(
            followers=me.followers_count, following=me.following_count, posts=me.statuses_count
        )

    def rules(self) -> TextRules:
        return instance_limits(self.api, self.account.server_url).text_rules()


def status_text(status: Status) -> str:
    """The status as plain text, its content warning (if any) first."""
    text = html_to_text(status.content)
    return f"{status.spoiler_text}\n\n{text}" if status.spoiler_text else text


def _kind(status: Status) -> Kind:
    if status.visibility == "direct":
        return "direct"
    return "reply" if status.in_reply_to_id else "mention"


def _quoted(status: Status) -> str:
    """The id of the post a status quotes (Mastodon 4.4's `quote`; "" when none)."""
    quote = getattr(status, "quote", None) or {}
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    return str(quoted.get("id") or "") if isinstance(quoted, dict) else ""


def _between(found: str, after: str, below: str | None) -> bool:
    return (not after or newer(found, after)) and (below is None or newer(below, found))


def _id_order(external_id: str) -> tuple[int, str]:
    """Mastodon ids are numbers as strings: a longer one is newer."""
    return len(external_id), external_id


def _oldest_first(statuses: list[Status]) -> list[Status]:
    return sorted(statuses, key=lambda status: _id_order(str(status.id)))


def _comparable(text: str) -> str:
    """Text as Mastodon gives it back: @user@domain shown as @user, spacing collapsed."""
    return _SPACES.sub(" ", _MENTION_DOMAIN.sub(r"\1", text)).strip()


def _is_same_post(status: Status, post: Outgoing) -> bool:
    if post.reply_to and str(status.in_reply_to_id) != post.reply_to:
        return False
    published, wanted = _comparable(html_to_text(status.content)), _comparable(post.text)
    if not wanted:
        return not published and len(status.media_attachments) == len(post.media)
    # A reply may have had the author's @handle put in front of it.
    return wanted in (published, _LEADING_MENTIONS.sub("", published))


def _full_acct(acct: str, domain: str) -> str:
    return (acct if "@" in acct else f"{acct}@{domain}").lower()


# A mention's "@": at the start, or after anything but a letter, digit, "@" or "/" (so an
# e-mail address or a URL's "/@user" path is left alone).
_MENTION_AT = re.compile(r"(?<![\w@/])@(?=\w)")


def _unmentioned(text: str) -> str:
    """The text with a word joiner after each mention's "@": it reads the same, and
    Mastodon mentions (and delivers a direct status to) no one it names."""
    return _MENTION_AT.sub("@\u2060", text)


def _mentioned(status: Status, acct: str, domain: str) -> bool:
    """Whether the status names the account `acct` (as Mastodon resolved its mentions)."""
    wanted = _full_acct(acct, domain)
    return any(_full_acct(str(m.acct), domain) == wanted for m in status.mentions or [])


def _not_sent(error: NetworkError, acct: str) -> NetworkError:
    """A refusal, saying whom the message was for; other errors as they are."""
    if not error.permanent or error.reconnect:
        return error
    return NetworkError(
        f"Mastodon would not send the message to @{acct}: {error.message}",
        permanent=True,
        code=error.code,
        detail=error.detail,
    )


def _metrics(status: Status) -> PostMetrics:
    return PostMetrics(
        external_id=str(status.id),
        likes=status.favourites_count,
        reposts=status.reblogs_count,
        replies=status.replies_count,
        quotes=int(status.get("quotes_count") or 0),
        impressions=None,
    )
