"""Bluesky through the AT Protocol (atproto SDK), on the account's own PDS.

The client reuses the stored session (see auth.py): the SDK refreshes the access token
before it expires, and every new session is handed to `save_credentials`. A PDS that
refuses the session (refresh token expired or revoked) makes a NetworkError with
`reconnect=True`; the password is never sent again.

Direct messages are not read: Bluesky chat is a separate service (chat.bsky.*, reached
through the PDS with a service-proxy header and an app password allowed to read DMs),
so `fetch_incoming` returns mentions, replies and quote posts only. The business can
send one (an offer's code) where the person's chat settings allow it: see chat.py.

Publishing is idempotent through the record key: see posts.py. So are like, repost and
follow: each is skipped where the AppView's viewer state shows it done already, and its
record's key is derived from what it is about, so one made moments ago (not yet
indexed) is found under that key instead of being made twice.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from atproto_client import Client, Session, SessionEvent, models  # type: ignore[import-untyped, unused-ignore]
from atproto_client.exceptions import RequestErrorBase  # type: ignore[import-untyped, unused-ignore]
from atproto_client.models.utils import get_response_model  # type: ignore[import-untyped, unused-ignore]
from atproto_client.request import Request  # type: ignore[import-untyped, unused-ignore]
from atproto_core.exceptions import AtProtocolError  # type: ignore[import-untyped, unused-ignore]

from porch.core.fetch import AddressRefused, GuardedTransport
from porch.networks.base import (
    AccountMetrics,
    AccountRef,
    DirectOut,
    ErrorCode,
    Incoming,
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
from porch.networks.bluesky import convert, people
from porch.networks.bluesky.chat import CHAT_PROXY, Chat
from porch.networks.bluesky.cursor import Entry, walk
from porch.networks.bluesky.errors import (
    NOT_SERVED,
    SDK_ERRORS,
    as_network_error,
    error_name,
    private_address,
    reconnect_error,
)
from porch.networks.bluesky.posts import (
    POST_COLLECTION,
    facets,
    post_url,
    record_key,
    repo_of,
    rkey_of,
)
from porch.networks.bluesky.rules import RULES, refusal
from porch.networks.query import Query
from porch.networks.searching import search_each

R = TypeVar("R")
PAGE_SIZE = 50
GET_POSTS_LIMIT = 25  # app.bsky.feed.getPosts takes at most 25 URIs
LIKE_COLLECTION = "app.bsky.feed.like"
REPOST_COLLECTION = "app.bsky.feed.repost"
FOLLOW_COLLECTION = "app.bsky.graph.follow"


def _now() -> str:
    """A record's createdAt: now, in UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlueskyClient(NetworkClient):
    network = "bluesky"
    stock_rules = RULES
    chat_proxy = CHAT_PROXY  # the chat service the PDS forwards chat.bsky.* calls to

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = lambda _: None,
    ) -> None:
        super().__init__(account, credentials, save_credentials)
        self._sdk: Client | None = None

    def __repr__(self) -> str:
        return f"<BlueskyClient @{self.account.handle}>"

    def close(self) -> None:
        if self._sdk is not None:
            self._sdk.request.close()
            self._sdk = None

    # -- session ----------------------------------------------------------------------

    def _session(self) -> Session:
        value = self.credentials.get("session")
        if not isinstance(value, str) or value.count(":::") != 4:
            raise reconnect_error(self.account.handle)
        return Session.decode(value)

    def _new_sdk(self) -> Client:
        """The SDK on the guarded transport: the PDS's address is checked at each connection
        (a PDS on a private network is refused unless PORCH_FETCH_ALLOW_PRIVATE is set)."""
        request = Request(transport=GuardedTransport())
        return Client(base_url=self.account.server_url or None, request=request)

    def _api(self) -> Client:
        """The SDK client on the stored session (no request is made to set it up)."""
        if self._sdk is None:
            sdk = self._new_sdk()
            sdk.on_session_change(self._session_changed)
            sdk.login(session_string=self._session().export(), fetch_bsky_profile=False)
            self._sdk = sdk
        return self._sdk

    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self.credentials = {"session": session.export()}
            self.save_credentials(self.credentials)

    def _did(self) -> str:
        did: str = self._session().did
        return did

    def _call(self, request: Callable[[Client], R], *, write: bool = False) -> R:
        """One SDK call, its failures as NetworkError."""
        self.usage.extra["requests"] = self.usage.extra.get("requests", 0) + 1
        try:
            return self._with_fresh_token(request)
        except AddressRefused as exc:
            raise private_address(exc) from None
        except SDK_ERRORS as exc:
            raise as_network_error(exc, handle=self.account.handle, write=write) from exc

    def _with_fresh_token(self, request: Callable[[Client], R]) -> R:
        """The SDK refreshes ahead of the token's expiry by this machine's clock; when the
        PDS still says the token expired (clocks apart), refresh once and try again."""
        api = self._api()
        try:
            return request(api)
        except RequestErrorBase as exc:
            if error_name(exc) != "ExpiredToken":
                raise
        api._refresh_and_set_session()  # no public method; the SDK's own refresh
        return request(api)

    def verify(self) -> AccountRef:
        session = self._call(lambda api: api.com.atproto.server.get_session())
        server = self._session().pds_endpoint or self.account.server_url
        return AccountRef(self.network, session.handle, session.did, server.removesuffix("/xrpc"))

    # -- reading ----------------------------------------------------------------------

    def fetch_incoming(self, cursor: str) -> Page:
        """Mentions, replies and quotes from listNotifications, oldest first (cursor.py)."""
        items, next_cursor, more = walk(cursor, self._notifications)
        return Page(items, next_cursor, more)

    def _notifications(self, api_cursor: str | None) -> tuple[list[Entry[Incoming]], str | None]:
        params = models.AppBskyNotificationListNotifications.Params(
            limit=PAGE_SIZE, cursor=api_cursor, reasons=list(convert.REASONS)
        )
        page = self._call(lambda api: api.app.bsky.notification.list_notifications(params))
        self.usage.reads += len(page.notifications)
        entries = [convert.from_notification(note) for note in page.notifications]
        return [entry for entry in entries if entry], page.cursor

    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        """Posts matching `query` (searchPosts, latest first), oldest first, each as a
        "mention"; the same cursor scheme as fetch_incoming, one per request.

        searchPosts cannot say OR everywhere (production's search service takes `|`, the
        dev-env AppView has no search service and matches one case-sensitive substring of
        the whole `q`), so each of the query's clauses is one request
        (`a b -c "p q" lang:xx`), and every hit is checked with `query.matches`.
        """
        return search_each(query, cursor, self._search_clause, split=True)

    def _search_clause(self, clause: Query, cursor: str) -> Page:
        text = clause.to_text()
        try:
            items, next_cursor, more = walk(cursor, lambda page: self._search_page(text, page))
        except NetworkError as error:
            if error.detail not in NOT_SERVED | {"HTTP 501"}:
                raise
            message = f"Search is not available on this Bluesky server ({error.detail})"
            raise NetworkError(
                message, permanent=True, code=ErrorCode.NOT_SUPPORTED, detail=error.detail
            ) from error
        return Page(items, next_cursor, more)

    def _search_page(
        self, query: str, api_cursor: str | None
    ) -> tuple[list[Entry[Incoming]], str | None]:
        params = models.AppBskyFeedSearchPosts.Params(
            q=query, sort="latest", limit=PAGE_SIZE, cursor=api_cursor
        )
        page = self._call(lambda api: api.app.bsky.feed.search_posts(params))
        self.usage.reads += len(page.posts)
        entries = [convert.from_post_view(post) for post in page.posts]
        return [entry for entry in entries if entry], page.cursor

    def _posts(self, uris: Sequence[str]) -> list[Any]:
        params = models.AppBskyFeedGetPosts.Params(uris=list(uris))
        posts: list[Any] = self._call(lambda api: api.app.bsky.feed.get_posts(params)).posts
        self.usage.reads += len(posts)
        return posts

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        """Likes, reposts, replies and quotes (impressions: Bluesky does not tell); posts
        that are gone are left out."""
        found: list[PostMetrics] = []
        for start in range(0, len(external_ids), GET_POSTS_LIMIT):
            chunk = external_ids[start : start + GET_POSTS_LIMIT]
            found += [convert.metrics(post) for post in self._posts(chunk)]
        return found

    def account_metrics(self) -> AccountMetrics:
        params = models.AppBskyActorGetProfile.Params(actor=self._did())
        profile = self._call(lambda api: api.app.bsky.actor.get_profile(params))
        return AccountMetrics(
            followers=profile.followers_count or 0,
            following=profile.follows_count or 0,
            posts=profile.posts_count or 0,
        )

    def rules(self) -> TextRules:
        return RULES

    # -- people (people.py) -----------------------------------------------------------

    def followers(self, cursor: str = "") -> ProfilePage:
        return people.followers(self._call, self.usage, self._did(), cursor)

    def follows_of(self, stable_id: str, cursor: str = "") -> ProfilePage:
        return people.follows(self._call, self.usage, stable_id, cursor)

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        return people.profiles(self._call, self.usage, stable_ids)

    def suggested_follows(self) -> list[Profile]:
        return people.suggested(self._call, self.usage, self._did())

    # -- writing ----------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Published:
        """Create the post under the record key derived from its idempotency key.

        A retry after the post went out finds the key taken (the PDS answers 500) and
        returns the post already there instead of making a second one.
        """
        if problem := refusal(post):
            code = ErrorCode.INVALID if RULES.fits(post.text) else ErrorCode.TOO_LONG
            raise NetworkError(problem, permanent=True, code=code, detail="Refused")
        rkey = record_key(post.idempotency_key)
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._did(), collection=POST_COLLECTION, rkey=rkey, record=self._record(post)
        )
        try:
            created = self._call(lambda api: api.com.atproto.repo.create_record(data), write=True)
        except NetworkError as error:
            return self._already_published(post, rkey, error)
        self.usage.writes += 1
        return self._published(created.uri)

    def _already_published(self, post: Outgoing, rkey: str, error: NetworkError) -> Published:
        """After a failed create: the post if it is already there under its key, else `error`."""
        if error.reconnect:
            raise error
        try:
            found = self._get_post(rkey)
        except NetworkError:
            raise error from None
        if found is None:
            raise error
        published = self._published(found.uri)
        if found.value.text != post.text:
            raise NetworkError(
                "A post with different text went out under this post's idempotency key: "
                f"{published.url}",
                permanent=True,
                code=ErrorCode.DUPLICATE,
                detail="KeyInUse",
            )
        return published

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        """The post under the record key of its idempotency key, if it exists (any date)."""
        found = self._get_post(record_key(post.idempotency_key))
        return self._published(found.uri) if found else None

    def _get_post(self, rkey: str, collection: str = POST_COLLECTION) -> Any | None:
        """The account's record under `rkey` (a post, unless `collection` says), or None."""
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self._did(), collection=collection, rkey=rkey
        )
        try:
            record = self._call(lambda api: api.com.atproto.repo.get_record(params))
        except NetworkError as error:
            if error.detail == "RecordNotFound":
                return None
            raise
        self.usage.reads += 1
        return record

    def _published(self, uri: str) -> Published:
        return Published(uri, post_url(self.account.handle or self._did(), uri))

    def _record(self, post: Outgoing) -> "models.AppBskyFeedPost.Record":
        return models.AppBskyFeedPost.Record(
            created_at=_now(),
            text=post.text,
            facets=facets(post.text, self._resolve) or None,
            reply=self._reply_ref(post.reply_to) if post.reply_to else None,
            embed=self._images(post.media) if post.media else None,
        )

    def _resolve(self, handle: str) -> str | None:
        """The DID of a handle, or None where it does not resolve."""
        params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
        try:
            did: str = self._call(lambda api: api.com.atproto.identity.resolve_handle(params)).did
        except NetworkError as error:
            if error.permanent and not error.reconnect:
                return None
            raise
        return did

    def _post_view(self, uri: str, what: str) -> Any:
        """The AppView's view of the post at `uri` (its cid, record and the account's viewer
        state); NetworkError(NOT_FOUND) naming `what` ("reply to") when it is not there."""
        posts = self._posts([uri])
        if not posts:
            raise NetworkError(
                f"The post to {what} is not on Bluesky (deleted, hidden, or not yet visible)",
                permanent=True,
                code=ErrorCode.NOT_FOUND,
                detail="NotFound",
            )
        return posts[0]

    def _reply_ref(self, uri: str) -> "models.AppBskyFeedPost.ReplyRef":
        """Parent and root of a reply: the root is the parent's root, or the parent itself."""
        post = self._post_view(uri, "reply to")
        parent = models.ComAtprotoRepoStrongRef.Main(uri=post.uri, cid=post.cid)
        reply = getattr(post.record, "reply", None)
        return models.AppBskyFeedPost.ReplyRef(parent=parent, root=reply.root if reply else parent)

    def _images(self, media: Sequence[Media]) -> "models.AppBskyEmbedImages.Main":
        images = [
            models.AppBskyEmbedImages.Image(alt=item.alt_text, image=self._upload(item))
            for item in media
        ]
        return models.AppBskyEmbedImages.Main(images=images)

    def _upload(self, media: Media) -> Any:
        """uploadBlob with the bytes as the request body (the SDK's own upload_blob hands
        them to httpx as `data=`, which httpx deprecates: an error in the tests)."""

        def upload(api: Client) -> Any:
            response = api.invoke_procedure(
                "com.atproto.repo.uploadBlob",
                content=media.data,
                input_encoding=media.mime_type,
                output_encoding="application/json",
            )
            return get_response_model(response, models.ComAtprotoRepoUploadBlob.Response).blob

        return self._call(upload)

    def delete(self, external_id: str) -> None:
        """Delete one of the account's own posts (nothing happens if it is already gone)."""
        try:
            repo, rkey = repo_of(external_id), rkey_of(external_id)
        except AtProtocolError:
            raise NetworkError(
                f"Not a Bluesky post: {external_id}",
                permanent=True,
                code=ErrorCode.INVALID,
                detail="BadUri",
            ) from None
        if repo != self._did():
            raise NetworkError(
                "Porch can delete only the account's own posts",
                permanent=True,
                code=ErrorCode.FORBIDDEN,
                detail="NotOwn",
            )
        data = models.ComAtprotoRepoDeleteRecord.Data(
            repo=repo, collection=POST_COLLECTION, rkey=rkey
        )
        self._call(lambda api: api.com.atproto.repo.delete_record(data), write=True)
        self.usage.extra["deleted"] = self.usage.extra.get("deleted", 0) + 1

    # -- direct messages (chat.py) ----------------------------------------------------

    def _chat(self) -> Chat:
        return Chat(self._call, self.usage, self._did(), self.chat_proxy)

    def send_direct(self, message: DirectOut) -> Published:
        """A chat message to the account `message.recipient_id` (a DID), where its chat
        settings allow it; the app password must allow direct messages."""
        return self._chat().send(message)

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        return self._chat().find(message, since)

    # -- engaging ---------------------------------------------------------------------

    def like(self, external_id: str) -> None:
        """Like the post at `external_id` (an at:// URI), unless the account likes it."""
        post = self._post_view(external_id, "like")
        if not (post.viewer and post.viewer.like):
            subject = models.ComAtprotoRepoStrongRef.Main(uri=post.uri, cid=post.cid)
            record = models.AppBskyFeedLike.Record(subject=subject, created_at=_now())
            self._create_once(LIKE_COLLECTION, post.uri, record)

    def repost(self, external_id: str) -> None:
        """Repost the post at `external_id`, unless the account has reposted it."""
        post = self._post_view(external_id, "repost")
        if not (post.viewer and post.viewer.repost):
            subject = models.ComAtprotoRepoStrongRef.Main(uri=post.uri, cid=post.cid)
            record = models.AppBskyFeedRepost.Record(subject=subject, created_at=_now())
            self._create_once(REPOST_COLLECTION, post.uri, record)

    def follow(self, author: str) -> None:
        """Follow an account by DID or handle (getProfile resolves either), unless the
        account follows it already."""
        params = models.AppBskyActorGetProfile.Params(actor=author.strip().lstrip("@"))
        profile = self._call(lambda api: api.app.bsky.actor.get_profile(params))
        if not (profile.viewer and profile.viewer.following):
            record = models.AppBskyGraphFollow.Record(subject=profile.did, created_at=_now())
            self._create_once(FOLLOW_COLLECTION, profile.did, record)

    def _create_once(self, collection: str, subject: str, record: Any) -> None:
        """Create the account's `collection` record about `subject` under a key derived from
        both: when that key is taken (the PDS refuses it), the record is there already."""
        rkey = record_key(f"{collection} {subject}")
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._did(), collection=collection, rkey=rkey, record=record
        )
        try:  # not a `write`: trying again after an unknown outcome is safe here
            self._call(lambda api: api.com.atproto.repo.create_record(data))
        except NetworkError as error:
            if error.reconnect or not self._record_exists(collection, rkey):
                raise
            return
        name = collection.rsplit(".", 1)[1]
        self.usage.extra[name] = self.usage.extra.get(name, 0) + 1

    def _record_exists(self, collection: str, rkey: str) -> bool:
        try:
            return self._get_post(rkey, collection) is not None
        except NetworkError:
            return False
