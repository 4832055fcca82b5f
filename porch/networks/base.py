"""The network interface every network implements, and the one error it raises.

    NetworkError                 every failure talking to a network (a PorchError: its
                                 .message is what the owner reads; .code an ErrorCode)
      .permanent = True          retrying the same call cannot help (bad input, duplicate,
                                 policy block); the owner is told why
      .permanent = False         try again later: after .retry_after seconds when the
                                 network said so (429, usage headers), else with backoff
                                 (5xx, timeouts, connection errors)
      .reconnect = True          the credentials are expired or revoked (401, Graph 190):
                                 the account is marked "needs reconnecting", no retry loop
      .outcome_unknown = True    a write may or may not have happened (timeout after
                                 sending): look for it with `find_published` before retrying

A client is built from an AccountRef and the decrypted credentials; when it refreshes a
token it calls `save_credentials` so the caller stores the new ones (encrypted). It holds
HTTP connections until `close()`: use it as `with client_for(account) as client: ...`.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from porch.errors import PorchError
from porch.networks.query import Query

Kind = Literal["mention", "reply", "direct"]


class ErrorCode(StrEnum):
    """What kind of failure a NetworkError is, whatever the network said: each network's
    errors.py maps its own codes and messages to one of these."""

    OTHER = "other"
    INVALID = "invalid"  # the network refused the input as it is
    TOO_LONG = "too_long"  # the text is over the network's limit
    TOO_MANY_MEDIA = "too_many_media"
    MEDIA = "media"  # an image the network could not take or process
    DUPLICATE = "duplicate"  # the same post was already published
    NOT_FOUND = "not_found"  # the post, reply target or account is gone
    FORBIDDEN = "forbidden"  # not allowed (policy, blocked, missing permission)
    UNAUTHORIZED = "unauthorized"  # credentials expired or revoked: reconnect
    RATE_LIMITED = "rate_limited"
    USAGE_CAP = "usage_cap"  # a plan's or the app's monthly usage is spent
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    NOT_SUPPORTED = "not_supported"  # the network or server does not offer this
    DEMO_ACCOUNT = "demo_account"  # one of the demo's made-up accounts on a real network
    INCOMPLETE = "incomplete_connection"  # stored settings lack what a client needs
    CREDENTIALS_UNREADABLE = "credentials_unreadable"  # encrypted under another secret key
    REFUSED_BY_PORCH = "refused_by_porch"  # Porch's own checks stopped it before sending


class NetworkError(PorchError):
    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        reconnect: bool = False,
        outcome_unknown: bool = False,
        code: ErrorCode = ErrorCode.OTHER,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.reconnect = reconnect
        self.outcome_unknown = outcome_unknown
        self.code = code
        self.detail = detail  # the network's own code ("190", "RecordNotFound"), for its client

    def __repr__(self) -> str:
        return (
            f"NetworkError({self.message!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after}, reconnect={self.reconnect})"
        )


@dataclass(frozen=True)
class AccountRef:
    """What a client needs to know about the account, besides its credentials."""

    network: str
    handle: str
    external_id: str = ""  # the network's user id / DID / page id, once known
    server_url: str = ""  # Mastodon instance or Bluesky PDS; empty for X and Facebook


@dataclass(frozen=True)
class Incoming:
    """A mention, a reply to one of the account's posts, or a direct message."""

    external_id: str
    kind: Kind
    author_handle: str
    author_name: str
    text: str
    sent_at: datetime
    url: str = ""
    in_reply_to: str = ""  # external id of the parent post, if any
    root_id: str = ""  # external id of the thread's first post ("" = this one)
    author_id: str = ""
    # What a search hit says of itself, where the network tells ("" = not known / none):
    lang: str = ""  # its language (ISO 639, as the network gives it)
    quote_of: str = ""  # external id of the post it quotes
    repost_of: str = ""  # external id of the post it reposts


@dataclass(frozen=True)
class StreamPost:
    """A public post as a network's whole-network stream (its firehose) carries it."""

    item: Incoming  # external_id, author_id (the network's id), text, sent_at, lang, links;
    # author_handle/author_name "" when the stream does not say them (see firehose profiles)
    mentions: tuple[str, ...] = ()  # the network's ids of the accounts it mentions
    reply_to_author: str = ""  # the network's id of the author of the post it answers


@dataclass(frozen=True)
class StreamBatch:
    """What a firehose brought since the last batch: its posts, where to resume after them,
    and how it went (porch/networks/firehose.py stores it in one transaction)."""

    posts: list[StreamPost]
    cursor: str  # resume after this batch ("" = the stream's live end)
    event_time: datetime | None = None  # when the newest event happened, for the lag
    events: int = 0  # every event read, posts or not
    # Words for the owner when the stream could not replay from the saved cursor (the
    # listening searches fill the gap), else "".
    gap: str = ""
    skipped: dict[str, int] = field(default_factory=dict)  # bad events, by kind


@dataclass(frozen=True)
class Page:
    """One fetch: items oldest first, and the cursor to pass next time (no gaps, no repeats)."""

    items: list[Incoming]
    cursor: str
    more: bool = False  # another call with `cursor` would return more right away


@dataclass(frozen=True)
class Media:
    data: bytes
    mime_type: str
    alt_text: str = ""


@dataclass(frozen=True)
class Outgoing:
    text: str
    idempotency_key: str
    media: Sequence[Media] = ()
    reply_to: str = ""  # external id of the post replied to
    visibility: Literal["public", "followers"] = "public"


@dataclass(frozen=True)
class DirectOut:
    """A private message from the business to one account (an offer's code, by DM)."""

    recipient_id: str  # the network's stable id of the account (Identity.stable_id)
    recipient_handle: str  # its handle, where the network addresses by handle (a mention)
    text: str
    idempotency_key: str
    # Text only this message holds (the person's code): find_direct looks for it.
    marker: str = ""
    recipient_local_id: str = ""  # Identity.local_id, where the network has one


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


@dataclass(frozen=True)
class PostMetrics:
    external_id: str
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None  # None where the network does not tell


@dataclass(frozen=True)
class AccountMetrics:
    followers: int
    following: int = 0
    posts: int = 0


@dataclass(frozen=True)
class TextRules:
    """How the network counts a post's length and what media it takes."""

    max_length: int
    counter: Callable[[str], int]
    max_images: int
    max_image_bytes: int
    max_alt_text: int
    url_length: int | None = None  # fixed length a URL counts as, where the network has one

    def length(self, text: str) -> int:
        return self.counter(text)

    def fits(self, text: str) -> bool:
        return self.counter(text) <= self.max_length


@dataclass(frozen=True)
class Profile:
    """Who an account is, as its network shows it (for porch.people)."""

    network: str
    stable_id: str  # the id a rename keeps: DID, X user id, Mastodon account URI, page-scoped id
    handle: str
    display_name: str = ""
    bio: str = ""  # plain text
    website: str = ""
    # Links the profile shows, with when the network verified each ("" = not verified).
    links: tuple[tuple[str, str], ...] = ()
    followers_count: int | None = None
    profile_url: str = ""
    local_id: str = ""  # the id the shop's own server uses, where it differs (Mastodon)
    # False where the network cannot vouch for the handle just now (Bluesky shows a handle it
    # cannot verify as "handle.invalid"): the handle known before is kept.
    handle_checked: bool = True


@dataclass(frozen=True)
class ProfilePage:
    """One page of a list of accounts (followers, follows, suggestions), and what comes next."""

    profiles: list[Profile]
    cursor: str = ""  # "" = the list is done
    partial: str = ""  # why the list stops short of the whole ("" = it does not), for the owner


@dataclass
class Usage:
    """Calls made through one client, for cost accounting (X bills reads and writes)."""

    reads: int = 0  # posts read
    writes: int = 0  # posts created
    extra: dict[str, int] = field(default_factory=dict)


class NetworkClient(ABC):
    network: ClassVar[str]
    # The network's rules without asking it (a stock server's, where each server sets its
    # own): for accounts that cannot be asked, such as the demo's made-up ones.
    stock_rules: ClassVar[TextRules]

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = lambda _: None,
    ) -> None:
        self.account = account
        self.credentials = credentials
        self.save_credentials = save_credentials
        self.usage = Usage()

    @abstractmethod
    def close(self) -> None:
        """Release the client's HTTP connections; the client is not used after this."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abstractmethod
    def verify(self) -> AccountRef:
        """Check the credentials; returns the account as the network knows it."""

    @abstractmethod
    def fetch_incoming(self, cursor: str) -> Page:
        """Mentions, replies and direct messages after `cursor` ("" = start from now-ish)."""

    @abstractmethod
    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        """Public posts matching `query` (porch/networks/query.py) after `cursor`, each
        checked with `query.matches`. A network that cannot say the query in one request
        sends several under the one cursor (porch/networks/searching.py); one that cannot
        search at all (descriptor's can.search False) raises NetworkError(NOT_SUPPORTED).
        `limit`: the most posts the call may read, where reads are billed (a search's
        budget); the page then says `more` and the cursor resumes where it stopped."""

    @abstractmethod
    def publish(self, post: Outgoing) -> Published:
        """Create a post or a reply. Raises NetworkError(outcome_unknown=True) if unsure."""

    @abstractmethod
    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        """After an unknown outcome: the post if it went out (matched by key or text)."""

    @abstractmethod
    def delete(self, external_id: str) -> None: ...

    @abstractmethod
    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]: ...

    @abstractmethod
    def account_metrics(self) -> AccountMetrics: ...

    @abstractmethod
    def rules(self) -> TextRules: ...

    # Engaging with someone else's post or account (descriptor's can.engage). Each is
    # idempotent: liking a post liked already, or following one followed, changes nothing.
    def like(self, external_id: str) -> None:
        raise self._not_supported("like")

    def repost(self, external_id: str) -> None:
        raise self._not_supported("repost")

    def follow(self, author: str) -> None:
        """Follow an account, named by the network's id for it or by its handle."""
        raise self._not_supported("follow")

    # People (Capabilities.followers): each returns the network's own answer, one page a call.
    def followers(self, cursor: str = "") -> ProfilePage:
        """The account's followers, newest first where the network orders them."""
        raise self._not_supported("list followers")

    def follows_of(self, stable_id: str, cursor: str = "") -> ProfilePage:
        """The accounts that another account follows (for peer discovery)."""
        raise self._not_supported("list whom an account follows")

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        """The profiles of these accounts (any it cannot find are left out)."""
        raise self._not_supported("read profiles")

    def suggested_follows(self) -> list[Profile]:
        """Accounts the network itself suggests the account follows ([] when it has none)."""
        return []

    # Direct messages from the business (Capabilities.send_direct says to whom).
    def send_direct(self, message: DirectOut) -> Published:
        """Send a private message. Raises NetworkError(outcome_unknown=True) if unsure whether
        it went; NetworkError(permanent=True) when this person cannot be messaged (their
        settings, the network's rules): the text says why, for the owner."""
        raise self._not_supported("send direct messages")

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        """After an unknown outcome: the message if it went out (matched by key or marker)."""
        raise self._not_supported("look for a direct message sent")

    def _not_supported(self, what: str) -> NetworkError:
        text = f"Porch cannot {what} on {self.network} yet."
        return NetworkError(text, permanent=True, code=ErrorCode.NOT_SUPPORTED)


@dataclass(frozen=True)
class Capabilities:
    """What a network can do, for features to ask instead of naming networks."""

    search: bool = False  # public posts matching a query
    direct_messages: bool = False
    stream: bool = False  # it pushes notifications (see NetworkDescriptor.stream)
    followers_only: bool = False  # posts that only followers see
    paid_reads: bool = False  # reads cost money: a monthly cost cap applies
    one_text_per_account: bool = False  # the same text may not go out on two accounts
    engage: bool = False  # like, repost and follow (NetworkClient.like/repost/follow)
    # A post just made may be "not found" for a few seconds (Bluesky's AppView indexes it
    # late): a thread's next part replying to it is retried briefly instead of failing.
    shows_posts_late: bool = False
    # Its follower list: "all" (the whole list), "budget" (within the monthly read budget:
    # newest first), "" (the network does not give it; `followers_note` says so for the owner).
    followers: str = ""
    followers_note: str = ""
    # Direct messages the business may start (NetworkClient.send_direct): "followers" (any
    # follower), "if_they_allow" (where the person's message settings let them be written
    # to), "wrote_first" (only someone who wrote to the business lately: `send_direct_hours`),
    # "" (none). `send_direct_note` says the rule for the owner.
    send_direct: str = ""
    send_direct_note: str = ""
    send_direct_hours: int = 0  # "wrote_first": within how many hours of their last message


@dataclass(frozen=True)
class ArchiveFormat:
    """The history file a network gives its users, for Porch's history import."""

    reader: str  # dotted path of its ArchiveReader (porch/networks/archives.py)
    file: str  # what to upload, for the import form: "X archive (.zip)"
    steps: str  # where the network offers it, as its menus name the way
    smaller: str = ""  # what to upload instead of a file that is too big


@dataclass(frozen=True)
class NetworkDescriptor:
    """Everything the rest of Porch may know about one network. Each network's package
    (`porch/networks/<name>/__init__.py`) exports one as `NETWORK`; settings.NETWORKS lists
    the packages and `porch.networks.registry` returns their descriptors. Dotted paths are
    imported when first used, so listing the networks imports no client library."""

    name: str  # stored in ConnectedAccount.network
    label: str  # what the owner reads
    client: str  # dotted path of its NetworkClient subclass
    can: Capabilities = field(default_factory=Capabilities)
    # (shortest, longest) multiples of settings' sync intervals between two polls
    poll_scale: tuple[int, int] = (1, 1)
    connect_urls: str = ""  # dotted path of the module whose `urlpatterns` connect an account
    archive: ArchiveFormat | None = None  # its history file, where Porch can import one
    # Dotted paths of profile_url(handle, server_url) -> str, the account's public page,
    # and of post_url(handle, external_id) -> str, a post's ("" = none to link to).
    profile_url: str = ""
    post_url: str = ""
    # The connect page's card: a line on what connecting asks for, the template of its
    # button or link, and the dotted path of a function () -> str saying why accounts
    # cannot be connected on this install now ("" when they can).
    blurb: str = ""
    connect_card: str = ""
    connect_check: str = ""
    # Dotted path of finish(request, pending, code, callback_url) -> (AccountRef,
    # credentials): the end of an OAuth sign-in started by its connect view (`pending` is
    # what that view kept in the session; NetworkError when the network refuses).
    oauth_finish: str = ""
    # Dotted path of its stream module, where can.stream: enabled() -> bool (settings may
    # turn it off) and listen(account, credentials, on_mention, on_revoked) -> a thread to
    # start, or None when the account cannot be listened to (porch/networks/streams.py).
    stream: str = ""
    # Dotted paths of the TextRules a plan writes to: a stock account's post, and its bio.
    post_rules: str = ""
    bio_rules: str = ""
    plan_label: str = ""  # its name in the plan workshop and plans ("" = label)
    # Dotted path of estimated_cost(reads, writes, users_read, dms_sent) -> Decimal, where
    # can.paid_reads: what a month's posts read and created, accounts read and direct
    # messages sent cost (the poller pauses an account at its cap).
    costs: str = ""
    # Dotted path of its firehose module, where it streams every public post (whole-network
    # listening, porch/networks/firehose.py): events(url, cursor, stop) -> Iterator of
    # StreamBatch (raises NetworkError when the connection fails: the caller reconnects),
    # profiles(ids) -> {id: (handle, display name)} for the posts kept, and URL, the setting
    # naming the address it reads by default.
    firehose: str = ""
    # Its periodic jobs: (name, dotted path of a task, seconds between runs), registered
    # with the scheduler by the networks app (the fake network's made-up customer).
    periodic: tuple[tuple[str, str, int], ...] = ()
    # Where its handles are domain names the account shows it holds (a handle on one's own
    # website's domain, porch.people's merge evidence): the suffixes of the handles the
    # network hands out itself, which say nothing of a website. None: handles are not domains.
    hosted_handles: tuple[str, ...] | None = None
