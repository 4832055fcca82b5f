"""XClient: Porch's NetworkClient for X, on tweepy's API v2 Client.

All HTTP goes through one requests.Session (`self.session`), shared by the user's
tweepy client (the OAuth 2.0 user token) and the app's (the app bearer token, for
search when credentials carry "app_bearer_token"). tweepy sets no timeout, so the
session adds one; tests mount a replaying adapter on it.

Tokens are refreshed before a call when expires_at is less than a minute away, and once
after a 401. X rotates the refresh token on every refresh, so the new credentials go to
`save_credentials` at once. A second 401, or a refused refresh: NetworkError(reconnect).

Costs: each post X returns (mentions, search, own timeline, lookups) counts one in
`usage.reads`, each post created one in `usage.writes`; direct-message events count in
`usage.extra["dm_events_read"]`. See costs.py for the prices.

Like, repost and follow (POST /2/users/{me}/likes, /retweets, /following) are idempotent
at X: it answers `liked: true` again for a post liked already. Each needs its scope
(like.write, tweet.write, follows.write); an account connected before Porch asked for
it is told to connect again before any call. Looking up a handle counts one in
`usage.extra["users_read"]`, as does each user in a follower, following or profile
reply (people.py): X bills users read apart from posts.

Direct messages from the business (an offer's code): POST
/2/dm_conversations/with/{participant_id}/messages, which needs dm.write (asked for since
offers; an account connected before is told to connect again, before any call). X bills
each one ($0.015, costs.py), counted in `usage.extra["dm_sent"]`. X refuses with 403 a
person whose message settings do not accept the shop; a token without dm.write gets a
bare 403 "Forbidden". There is no idempotency key: after an unknown outcome find_direct
reads the conversation's events for the marker (the person's code).

Cursors are described in cursor.py.
"""

import base64
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import requests
import tweepy  # type: ignore[import-untyped]
from django.conf import settings

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
from porch.networks.query import Or, Query, node_text
from porch.networks.x import auth, payloads
from porch.networks.x.cursor import (
    IncomingCursor,
    SearchCursor,
    parse_time,
    snowflake_time,
    utc_text,
)
from porch.networks.x.errors import to_network_error
from porch.networks.x.payloads import Json
from porch.networks.x.people import People
from porch.networks.x.rules import RULES, weighted_length

TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "in_reply_to_user_id"]
TWEET_FIELDS += ["referenced_tweets"]
USER_FIELDS = ["name", "username"]
DM_FIELDS = ["created_at", "dm_conversation_id", "event_type", "id", "sender_id", "text"]
PAGE_SIZE = 100
MIN_PAGE = 10  # the fewest posts a search request may ask for
FIRST_PAGE = 20  # a first fetch reads this many recent posts, not the account's history
MENTION_PAGES = 10  # X serves the 800 most recent mentions: 8 pages of 100
SEARCH_PAGES = 5  # per search call; the cursor then resumes where it stopped
DM_PAGES = 20
FIND_PAGES = 3
FIND_MARGIN = timedelta(minutes=5)  # X's clock against ours, when looking for a post
SEARCH_WINDOW = 7 * 24 * 3600 - 600  # recent search reaches 7 days back
REFRESH_MARGIN = 60.0
TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
APP_BEARER_REFUSED = "X refused Porch's app bearer token (PORCH_X_BEARER_TOKEN): check it"
# What each engagement posts to (under /2/users/{me}/), the body's key, the scope it needs,
# and the reply's field that says it is done.
ENGAGEMENTS = {
    "like": ("likes", "tweet_id", "like.write", "liked"),
    "repost": ("retweets", "tweet_id", "tweet.write", "retweeted"),
    "follow": ("following", "target_user_id", "follows.write", "following"),
}
X_ID = re.compile(r"[0-9]{1,19}")
X_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
TWEEPY_HOST = "https://api.twitter.com"
_FAILURES = (tweepy.TweepyException, requests.RequestException)
DM_SCOPE = "dm.write"
DM_RECONNECT = (
    "Connect this X account again (Accounts page) to let Porch send direct messages: it was "
    "connected before Porch asked X for that"
)
DM_REFUSED = "X did not deliver it: this person's settings do not accept messages from the shop"
_BEARER = re.compile(r"Bearer [^\s'\",}]+")


class _RedactTokens(logging.Filter):
    """tweepy logs request headers at DEBUG, bearer token included: blank it out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _BEARER.sub("Bearer [redacted]", str(record.msg))
        return True


logging.getLogger("tweepy.client").addFilter(_RedactTokens())


class _Session(requests.Session):
    """A session that gives every request a timeout (tweepy sets none) and sends it to
    PORCH_X_API_URL (tweepy's host is fixed: X's own, under its former name)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        if isinstance(url, str) and url.startswith(TWEEPY_HOST):
            url = settings.X_API_URL + url.removeprefix(TWEEPY_HOST)
        return super().request(method, url, *args, **kwargs)


def _discard(_: dict[str, Any]) -> None:
    return None


def _invalid(message: str, detail: str, code: ErrorCode = ErrorCode.INVALID) -> NetworkError:
    return NetworkError(message, permanent=True, code=code, detail=detail)


def _check(post: Outgoing) -> None:
    """Refuse, before any call, what X would refuse or cannot do."""
    if post.visibility == "followers":
        raise _invalid("X has no followers-only posts: post it publicly or elsewhere", "visibility")
    if not post.text.strip() and not post.media:
        raise _invalid("The post is empty", "empty")
    if weighted_length(post.text) > RULES.max_length:
        raise _invalid(
            f"The post is over X's {RULES.max_length} characters", "too_long", ErrorCode.TOO_LONG
        )
    if len(post.media) > RULES.max_images:
        text = f"X takes at most {RULES.max_images} images a post"
        raise _invalid(text, "too_many_images", ErrorCode.TOO_MANY_MEDIA)
    for media in post.media:
        _check_media(media)


def _check_media(media: Media) -> None:
    if media.mime_type not in IMAGE_TYPES:
        raise _invalid(
            f"X takes JPEG, PNG, GIF or WebP images, not {media.mime_type}",
            "media",
            ErrorCode.MEDIA,
        )
    if len(media.data) > RULES.max_image_bytes:
        raise _invalid("An image is over X's 5 MB", "image_too_large", ErrorCode.MEDIA)
    if len(media.alt_text) > RULES.max_alt_text:
        raise _invalid(f"Alt text is over X's {RULES.max_alt_text} characters", "alt_text")


class XClient(NetworkClient):
    network = "x"
    stock_rules = RULES
    search_pages = SEARCH_PAGES  # pages one search call reads before it stops (more=True)

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = _discard,
        *,
        oauth_http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`oauth_http`: an httpx.Client for token refreshes; `clock`: epoch seconds."""
        super().__init__(account, credentials, save_credentials)
        self.session: requests.Session = _Session()
        self._oauth_http = oauth_http
        self._clock = clock
        self._user_id = account.external_id
        self._user_api = self._api(str(credentials.get("access_token", "")))
        app_token = credentials.get("app_bearer_token")
        self._app_api = self._api(str(app_token)) if app_token else None
        self._people = People(self)

    def __repr__(self) -> str:
        return f"XClient(@{self.account.handle})"

    def close(self) -> None:
        self.session.close()

    # Calls, tokens and errors

    def _api(self, token: str) -> Any:
        api = tweepy.Client(bearer_token=token, return_type=dict)
        api.session = self.session
        return api

    def _error(self, exc: Exception, write: bool) -> NetworkError:
        return to_network_error(exc, write=write, now=self._clock())

    def _expiring(self) -> bool:
        expires_at: Any = self.credentials.get("expires_at")
        return bool(expires_at) and self._clock() >= float(expires_at) - REFRESH_MARGIN

    def _refresh(self) -> None:
        fresh = auth.refresh(self.credentials, http=self._oauth_http, now=self._clock())
        self.credentials = fresh
        self._user_api.bearer_token = fresh["access_token"]
        self.save_credentials(fresh)

    def _guarded(self, call: Callable[[Any], Json], api: Any, write: bool) -> Json:
        try:
            return call(api)
        except _FAILURES as exc:
            raise self._error(exc, write) from exc

    def _user(self, call: Callable[[Any], Json], *, write: bool = False) -> Json:
        """Call X as the account, refreshing its token when it expires or X says 401."""
        if self._expiring():
            self._refresh()
        try:
            return call(self._user_api)
        except tweepy.Unauthorized:
            self._refresh()
        except _FAILURES as exc:
            raise self._error(exc, write) from exc
        return self._guarded(call, self._user_api, write)

    def _app(self, call: Callable[[Any], Json]) -> Json:
        """Call X as Porch's app (bearer token), or as the account when there is none."""
        if self._app_api is None:
            return self._user(call)
        try:
            return call(self._app_api)
        except tweepy.Unauthorized as exc:
            raise NetworkError(
                APP_BEARER_REFUSED, permanent=True, code=ErrorCode.FORBIDDEN, detail="app_token"
            ) from exc
        except _FAILURES as exc:
            raise self._error(exc, False) from exc

    def _read(self, body: Json) -> Json:
        """Count the posts in a reply: X bills each one."""
        self.usage.reads += len(body.get("data") or [])
        return body

    @staticmethod
    def _pages(fetch: Callable[[str | None], Json], limit: int) -> Iterator[Json]:
        token: str | None = None
        for _ in range(limit):
            body = fetch(token)
            yield body
            token = body.get("meta", {}).get("next_token")
            if not token:
                return

    def _me(self) -> str:
        if not self._user_id:
            self.verify()
        return self._user_id

    def _published(self, external_id: str) -> Published:
        return Published(external_id, payloads.status_url(self.account.handle, external_id))

    # The account

    def verify(self) -> AccountRef:
        body = self._user(lambda api: api.get_me(user_auth=False, user_fields=USER_FIELDS))
        user = body["data"]
        self._user_id = user["id"]
        return AccountRef(network=self.network, handle=user["username"], external_id=user["id"])

    def account_metrics(self) -> AccountMetrics:
        fields = ["public_metrics"]
        body = self._user(lambda api: api.get_me(user_auth=False, user_fields=fields))
        return payloads.account_metrics(body["data"])

    def rules(self) -> TextRules:
        return RULES

    # Incoming: mentions and direct messages

    def fetch_incoming(self, cursor: str) -> Page:
        state = IncomingCursor.parse(cursor)
        since = state.since or utc_text(self._clock())
        mentions, newest_mention = self._mentions(state)
        messages, newest_message = self._direct_messages(state)
        items = sorted(mentions + messages, key=lambda item: (item.sent_at, int(item.external_id)))
        after = IncomingCursor(newest_mention or state.mentions, newest_message or state.dm, since)
        return Page(items, after.dump())

    def _mentions(self, state: IncomingCursor) -> tuple[list[Incoming], str]:
        me = self._me()
        params: dict[str, Any] = {"tweet_fields": TWEET_FIELDS, "expansions": ["author_id"]}
        params |= {"user_fields": USER_FIELDS, "max_results": PAGE_SIZE}
        limit = MENTION_PAGES
        if state.mentions:
            params["since_id"] = state.mentions
        elif state.since:
            params["start_time"] = state.since
        else:
            params["max_results"], limit = FIRST_PAGE, 1

        def page(token: str | None) -> Json:
            return self._read(
                self._user(
                    lambda api: api.get_users_mentions(
                        me, pagination_token=token, user_auth=False, **params
                    )
                )
            )

        bodies = list(self._pages(page, limit))
        tweets = [(tweet, body) for body in bodies for tweet in body.get("data") or []]
        items = [payloads.tweet_incoming(t, payloads.users_by_id(b), me) for t, b in tweets]
        newest = max((tweet["id"] for tweet, _ in tweets), key=int, default="")
        return [item for item in items if item.author_id != me], newest

    def _direct_messages(self, state: IncomingCursor) -> tuple[list[Incoming], str]:
        if "dm.read" not in str(self.credentials.get("scope") or "dm.read").split():
            return [], ""  # connected before Porch asked for direct messages
        events: list[Json] = []
        users: dict[str, Json] = {}
        for body in self._pages(self._dm_page, 1 if not (state.dm or state.since) else DM_PAGES):
            page = body.get("data") or []
            fresh = [event for event in page if _newer(event, state)]
            events += fresh
            users |= payloads.users_by_id(body)
            if len(fresh) < len(page):
                break
        newest = max((event["id"] for event in events), key=int, default="")
        me = self._me()
        theirs = [event for event in events if event.get("sender_id") != me]
        return [payloads.dm_incoming(event, users) for event in theirs], newest

    def _dm_page(self, token: str | None) -> Json:
        params = {"dm_event_fields": DM_FIELDS, "event_types": ["MessageCreate"]}
        params |= {"expansions": ["sender_id"], "user_fields": USER_FIELDS}
        body = self._user(
            lambda api: api.get_direct_message_events(
                pagination_token=token, max_results=PAGE_SIZE, user_auth=False, **params
            )
        )
        read = self.usage.extra.get("dm_events_read", 0) + len(body.get("data") or [])
        self.usage.extra["dm_events_read"] = read
        return body

    # Direct messages from the business

    def send_direct(self, message: DirectOut) -> Published:
        """A DM to the user `message.recipient_id`, where their settings accept it."""
        self._dm_scope()
        if not X_ID.fullmatch(message.recipient_id):
            raise _invalid(f"Not an X user id: {message.recipient_id}", "participant_id")
        try:
            body = self._user(
                lambda api: api.create_direct_message(
                    participant_id=message.recipient_id, text=message.text, user_auth=False
                ),
                write=True,
            )
        except NetworkError as exc:
            raise _dm_error(exc) from exc
        self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
        data = body["data"]
        return _dm_published(data["dm_event_id"], data["dm_conversation_id"])

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        """The account's DM to the recipient holding the marker (else the whole text),
        among those since `since` (X pages them newest first)."""
        me, wanted = self._me(), message.marker or message.text
        oldest = since - FIND_MARGIN
        for body in self._pages(
            lambda token: self._dm_with(message.recipient_id, token), FIND_PAGES
        ):
            for event in body.get("data") or []:
                if event.get("created_at") and parse_time(event["created_at"]) < oldest:
                    return None
                if event.get("sender_id") == me and wanted in str(event.get("text") or ""):
                    self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
                    return _dm_published(event["id"], str(event.get("dm_conversation_id") or ""))
        return None

    def _dm_with(self, participant_id: str, token: str | None) -> Json:
        params = {"dm_event_fields": DM_FIELDS, "event_types": ["MessageCreate"]}
        body = self._user(
            lambda api: api.get_direct_message_events(
                participant_id=participant_id,
                pagination_token=token,
                max_results=PAGE_SIZE,
                user_auth=False,
                **params,
            )
        )
        read = self.usage.extra.get("dm_events_read", 0) + len(body.get("data") or [])
        self.usage.extra["dm_events_read"] = read
        return body

    def _dm_scope(self) -> None:
        if DM_SCOPE not in str(self.credentials.get("scope") or DM_SCOPE).split():
            raise NetworkError(
                DM_RECONNECT, permanent=True, code=ErrorCode.FORBIDDEN, detail=DM_SCOPE
            )

    # Search

    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        """Recent search with the whole query in X's syntax (search_text); every post read
        is counted in usage.reads (X bills it), including those `query.matches` drops.
        With a `limit`, each request asks for no more than is left of it (X's smallest
        request is MIN_PAGE posts, so a call may read up to MIN_PAGE - 1 more)."""
        state = SearchCursor.parse(cursor)
        params, first = self._search_params(search_text(query), state)
        start = self.usage.reads

        def page(token: str | None) -> Json:
            size = params["max_results"]
            if limit is not None:
                size = max(MIN_PAGE, min(size, limit - (self.usage.reads - start)))
            return self._read(
                self._app(
                    lambda api: api.search_recent_tweets(
                        next_token=token, **(params | {"max_results": size})
                    )
                )
            )

        pages = 1 if first else self.search_pages
        if limit is not None:
            pages = min(pages, max(1, -(-limit // PAGE_SIZE)))
        bodies = list(self._pages(page, pages))
        tweets = [(tweet, body) for body in bodies for tweet in body.get("data") or []]
        me = self._user_id
        items = [payloads.tweet_incoming(t, payloads.users_by_id(b), me) for t, b in tweets]
        items = [item for item in items if query.matches(item.text, item.lang)]
        more = not first and bool(bodies[-1].get("meta", {}).get("next_token"))
        after = self._search_cursor(state, [t["id"] for t, _ in tweets], more)
        items.sort(key=lambda item: int(item.external_id))
        return Page(items, after.dump(), more=more)

    def _search_params(self, query: str, state: SearchCursor) -> tuple[dict[str, Any], bool]:
        """The search's parameters, and whether this is its first run (one page only)."""
        oldest = self._clock() - SEARCH_WINDOW
        params: dict[str, Any] = {"query": query, "tweet_fields": [*TWEET_FIELDS, "lang"]}
        params |= {"expansions": ["author_id"], "user_fields": USER_FIELDS}
        params["max_results"] = PAGE_SIZE
        if state.newest and snowflake_time(state.newest) > oldest:
            params["since_id"] = state.newest
        elif state.since or state.newest:
            params["start_time"] = max(state.since, utc_text(oldest))
        else:
            params["max_results"] = FIRST_PAGE
            return params, True
        if state.until and snowflake_time(state.until) > oldest:
            params["until_id"] = state.until
        return params, False

    def _search_cursor(self, state: SearchCursor, ids: list[str], more: bool) -> SearchCursor:
        """Where the next search starts; when it stopped early, it resumes below `until`."""
        since = state.since or utc_text(self._clock())
        top = max([*ids, state.top or "0", state.newest or "0"], key=int)
        top = "" if top == "0" else top
        if more and ids:
            return SearchCursor(state.newest, since, until=min(ids, key=int), top=top)
        return SearchCursor(top, since)

    # Publishing

    def publish(self, post: Outgoing) -> Published:
        _check(post)
        media_ids = [self._upload(media) for media in post.media]
        body = self._user(
            lambda api: api.create_tweet(
                text=post.text or None,
                in_reply_to_tweet_id=post.reply_to or None,
                media_ids=media_ids or None,
                user_auth=False,
            ),
            write=True,
        )
        self.usage.writes += 1
        return self._published(body["data"]["id"])

    def _upload(self, media: Media) -> str:
        """Upload one image (POST /2/media/upload), then its alt text (/2/media/metadata)."""
        upload = {"media": base64.b64encode(media.data).decode("ascii")}
        upload["media_category"] = "tweet_image"
        body = self._user(lambda api: api.request("POST", "/2/media/upload", json=upload).json())
        media_id: str = body["data"]["id"]
        if media.alt_text:
            metadata = {"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}}
            self._user(lambda api: api.request("POST", "/2/media/metadata", json=metadata).json())
        return media_id

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        """Look through the account's own posts since `since` for this text (URLs aside)."""
        me, wanted = self._me(), payloads.comparable(post.text)
        params = {"start_time": since - FIND_MARGIN, "max_results": PAGE_SIZE}
        params["tweet_fields"] = ["created_at", "referenced_tweets"]

        def page(token: str | None) -> Json:
            return self._read(
                self._user(
                    lambda api: api.get_users_tweets(
                        me, pagination_token=token, user_auth=False, **params
                    )
                )
            )

        for body in self._pages(page, FIND_PAGES):
            for tweet in body.get("data") or []:
                if _same_post(tweet, post, wanted):
                    self.usage.writes += 1  # it went out after all, and X billed it
                    return self._published(tweet["id"])
        return None

    def delete(self, external_id: str) -> None:
        try:
            self._user(lambda api: api.delete_tweet(external_id, user_auth=False))
        except NetworkError as exc:
            if exc.code != ErrorCode.NOT_FOUND:  # already gone is what we wanted
                raise

    # Engaging

    def like(self, external_id: str) -> None:
        self._engage("like", _post_id(external_id))

    def repost(self, external_id: str) -> None:
        self._engage("repost", _post_id(external_id))

    def follow(self, author: str) -> None:
        """By user id, or by username (looked up first: GET /2/users/by/username/...)."""
        name = author.strip().removeprefix("@")
        self._engage("follow", name if X_ID.fullmatch(name) else self._user_id_of(name))

    def _engage(self, action: str, target: str) -> None:
        """POST the engagement as the account. Not a `write`: X makes it idempotent, so
        trying again after an unknown outcome is safe."""
        route, key, scope, done = ENGAGEMENTS[action]
        scopes = str(self.credentials.get("scope") or scope).split()
        if scope not in scopes:  # connected before Porch asked for it
            text = f"Connect this X account again to let Porch {action} from it"
            raise NetworkError(text, permanent=True, code=ErrorCode.FORBIDDEN, detail=scope)
        path = f"/2/users/{self._me()}/{route}"
        body = self._user(lambda api: api.request("POST", path, json={key: target}).json())
        data = body.get("data") or {}
        if not (data.get(done) or data.get("pending_follow")):
            raise _refused(action, body)
        self.usage.extra[action] = self.usage.extra.get(action, 0) + 1

    def _user_id_of(self, username: str) -> str:
        if not X_USERNAME.fullmatch(username):
            raise _invalid(f"Not an X username: {username}", "username")
        body = self._user(lambda api: api.get_user(username=username, user_auth=False))
        self.usage.extra["users_read"] = self.usage.extra.get("users_read", 0) + 1
        if not body.get("data"):
            raise _refused("follow", body)
        user_id: str = body["data"]["id"]
        return user_id

    # People (people.py): each user read is billed

    def followers(self, cursor: str = "") -> ProfilePage:
        """Up to people.PAGE_SIZE followers a call, newest first: the caller stops within
        the cost cap (Capabilities.followers "budget")."""
        return self._people.followers(cursor)

    def follows_of(self, stable_id: str, cursor: str = "") -> ProfilePage:
        return self._people.follows_of(stable_id, cursor)

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        return self._people.profiles(stable_ids)

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        found: list[PostMetrics] = []
        for start in range(0, len(external_ids), PAGE_SIZE):
            body = self._lookup(list(external_ids[start : start + PAGE_SIZE]))
            found += [payloads.post_metrics(tweet) for tweet in body.get("data") or []]
        return found

    def _lookup(self, ids: list[str]) -> Json:
        fields = ["public_metrics"]
        return self._read(
            self._user(lambda api: api.get_tweets(ids, tweet_fields=fields, user_auth=False))
        )


def _post_id(external_id: str) -> str:
    if not X_ID.fullmatch(external_id):
        raise _invalid(f"Not an X post id: {external_id}", "post_id")
    return external_id


def _refused(action: str, body: Json) -> NetworkError:
    """X answered 200 without doing it: its `errors` say why (a post or user not found)."""
    errors = body.get("errors") or [{}]
    reason = str(errors[0].get("detail") or errors[0].get("title") or "no reason given")
    gone = str(errors[0].get("type", "")).endswith("/resource-not-found")
    code = ErrorCode.NOT_FOUND if gone else ErrorCode.INVALID
    return NetworkError(f"X did not {action} it: {reason}", permanent=True, code=code)


def _dm_published(event_id: str, conversation_id: str) -> Published:
    url = f"https://x.com/messages/{conversation_id}" if conversation_id else ""
    return Published(event_id, url)


def _dm_error(exc: NetworkError) -> NetworkError:
    """A refused DM in the owner's words: a bare 403 "Forbidden" is the token lacking
    dm.write; any other 403 is the person's message settings."""
    if exc.code != ErrorCode.FORBIDDEN:
        return exc
    said = exc.message.removeprefix("X refused this: ")
    if said.strip().lower() in {"forbidden", "403 forbidden"}:
        return NetworkError(DM_RECONNECT, permanent=True, code=ErrorCode.FORBIDDEN, detail=DM_SCOPE)
    text = f"{DM_REFUSED} (X said: {said})"
    return NetworkError(text, permanent=True, code=ErrorCode.FORBIDDEN, detail="dm_refused")


def _newer(event: Json, state: IncomingCursor) -> bool:
    """Whether a direct-message event is after the cursor (X pages them newest first)."""
    if state.dm:
        return int(event["id"]) > int(state.dm)
    if state.since:
        return parse_time(event["created_at"]) >= parse_time(state.since)
    return True


def _same_post(tweet: Json, post: Outgoing, wanted: str) -> bool:
    if payloads.comparable(tweet.get("text", "")) != wanted:
        return False
    return not post.reply_to or payloads.replied_to(tweet) == post.reply_to


def search_text(query: Query) -> str:
    """The query in X's operators (its own, nearly: space AND, OR, -, quotes, #, @,
    lang:xx), without retweets: a retweet says nothing new and X bills it as a read."""
    text = node_text(query.expr)
    parts = [f"({text})" if isinstance(query.expr, Or) else text]
    parts += [f"lang:{query.lang}"] if query.lang else []
    return " ".join([*parts, "-is:retweet"])
