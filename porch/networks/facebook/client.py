"""FacebookClient: one Facebook Page through the Graph API.

Incoming, three streams (cursor.py tells how the cursor keeps them without gaps or repeats):

    comments   comments and replies to comments on the Page's RECENT_POSTS newest posts,
               kind "reply": GET /{page}/feed with each post's comments nested, newest
               first; a visitor's post on the Page, in the same feed, is a "mention"
    tags       posts by others that tag the Page, kind "mention": GET /{page}/tagged
    messages   Messenger conversations, kind "direct": GET /{page}/conversations

Comments on posts older than the RECENT_POSTS newest are not seen: Graph offers no feed
of a Page's new comments short of webhooks, which need a public endpoint.

Out: a post is POST /{page}/feed (one photo: /{page}/photos; several: unpublished photos
attached to the feed post). A reply to a comment or a post is POST /{id}/comments; a reply
to a Messenger message ("m_..." ids) goes through the Send API, POST /{page}/messages,
which Messenger allows within 24 hours of the customer's last message.

A message the Page starts (send_direct: an offer's code) goes the same way, to the page-scoped
id (PSID) of someone who messaged the Page, as messaging_type RESPONSE: Messenger allows it
only within 24 hours of their last message, and allows promotional content there.

Graph has no idempotency key: after an unknown outcome, `find_published` looks for the
text among the Page's recent posts (or the comments replied to, or the conversation), and
`find_direct` for the message's marker in the conversation with the person.
"""

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

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
    Published,
    TextRules,
)
from porch.networks.facebook.cursor import Watermark, dump_cursor, parse_cursor
from porch.networks.facebook.graph import TIMEOUT, Graph
from porch.networks.query import Query

RECENT_POSTS = 25
PAGE_SIZE = 50  # comments per request
MAX_PAGES = 6  # pages of one edge (a post's comments, a conversation) read in one fetch
BATCH_SIZE = 50  # ids per GET /?ids=...
# Limits: Facebook takes posts up to 63,206 characters (its composer's limit); Graph's
# Page Photos reference asks for photos under 4 MB. Ten images is Porch's own cap for a
# multi-photo post (Meta documents no number for attached_media). Graph cannot set alt
# text on Page photos (Facebook writes its own): max_alt_text is 0.
MAX_LENGTH = 63_206
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 4 * 1024 * 1024

_AUTHOR = "from{id,name}"
_COMMENT = f"id,message,created_time,{_AUTHOR},parent{{id}},permalink_url"
_FEED_FIELDS = (
    f"id,message,created_time,{_AUTHOR},permalink_url,"
    "comments.filter(stream).order(reverse_chronological)"
    f".limit({PAGE_SIZE}){{{_COMMENT}}}"
)
_TAGGED_FIELDS = f"id,message,created_time,{_AUTHOR},permalink_url"
_MESSAGE = f"id,message,created_time,{_AUTHOR}"
_OWN_FIELDS = _MESSAGE  # what find_published reads of posts and comments
_CONVERSATION_FIELDS = f"id,updated_time,messages.limit(25){{{_MESSAGE}}}"
_COUNTS = "reactions.limit(0).summary(true),comments.limit(0).summary(true)"
_URL = re.compile(r"https?://\S+")
_SPACES = re.compile(r"\s+")
_TOKEN_ERRORS = {"102", "190"}
OUTSIDE_WINDOW = (
    "Facebook: this person last messaged the Page more than 24 hours ago, and Messenger "
    "lets a Page message someone only within 24 hours of their last message. The code can "
    "go out when they write again."
)
NEVER_WROTE = (
    "Facebook: this person has not messaged the Page, and Messenger lets a Page message "
    "only people who wrote to it first."
)
UNAVAILABLE = (
    "Facebook: Messenger says this person isn't available right now (they may have blocked "
    "the Page or left Messenger)."
)


class FacebookClient(NetworkClient):
    network = "facebook"
    stock_rules = TextRules(
        max_length=MAX_LENGTH,
        counter=len,
        max_images=MAX_IMAGES,
        max_image_bytes=MAX_IMAGE_BYTES,
        max_alt_text=0,
    )

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = lambda _: None,
        *,
        timeout: float = TIMEOUT,
    ) -> None:
        super().__init__(account, credentials, save_credentials)
        if not account.external_id:
            raise ValueError("a Facebook account needs its Page id")
        self.page_id = account.external_id
        self.graph = Graph(
            credentials["page_token"], account.server_url, usage=self.usage, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"FacebookClient({self.account.handle!r})"

    def close(self) -> None:
        self.graph.close()

    def verify(self) -> AccountRef:
        page = self.graph.get("/me", {"fields": "id,name"})
        return AccountRef(self.network, str(page["name"]), str(page["id"]), self.account.server_url)

    # Incoming ---------------------------------------------------------------------------

    def fetch_incoming(self, cursor: str) -> Page:
        marks = parse_cursor(cursor, time.time())
        found = {
            "comments": list(self._comments(marks["comments"])),
            "tags": list(self._tags(marks["tags"])),
            "messages": list(self._messages(marks["messages"])),
        }
        advanced = {
            name: marks[name].advanced((i.external_id, i.sent_at.timestamp()) for i in items)
            for name, items in found.items()
        }
        items = sorted(
            (item for items in found.values() for item in items),
            key=lambda item: (item.sent_at, item.external_id),
        )
        self.usage.reads += len(items)
        return Page(items=items, cursor=dump_cursor(advanced))

    def _is_new(self, node: dict[str, Any], mark: Watermark) -> bool:
        return _author(node)[0] != self.page_id and mark.is_new(node["id"], _seconds(node))

    def _comments(self, mark: Watermark) -> Iterator[Incoming]:
        params = {"fields": _FEED_FIELDS, "limit": RECENT_POSTS}
        for post in self.graph.get(f"/{self.page_id}/feed", params).get("data", []):
            if self._is_new(post, mark):  # a visitor's post on the Page
                yield _incoming(post, "mention")
            for comment in self._walk(post.get("comments") or {}, mark.floor):
                if self._is_new(comment, mark):
                    yield _incoming(comment, "reply", root_id=post["id"])

    def _tags(self, mark: Watermark) -> Iterator[Incoming]:
        params = {"fields": _TAGGED_FIELDS, "since": int(mark.floor), "limit": PAGE_SIZE}
        tagged = self.graph.get(f"/{self.page_id}/tagged", params)
        for post in self._walk(tagged, mark.floor):
            if self._is_new(post, mark):
                yield _incoming(post, "mention")

    def _messages(self, mark: Watermark) -> Iterator[Incoming]:
        params = {"fields": _CONVERSATION_FIELDS, "limit": RECENT_POSTS}
        conversations = self.graph.get(f"/{self.page_id}/conversations", params)
        for conversation in self._walk(conversations, mark.floor, "updated_time"):
            if _seconds(conversation, "updated_time") < mark.floor:
                return
            for message in self._walk(conversation.get("messages") or {}, mark.floor):
                if self._is_new(message, mark):
                    yield _incoming(message, "direct", root_id=conversation["id"])

    def _walk(
        self, edge: dict[str, Any], floor: float, key: str = "created_time"
    ) -> Iterator[dict[str, Any]]:
        """An edge's nodes, newest first, following its pages down to `floor` (seconds)."""
        for _ in range(MAX_PAGES):
            nodes = edge.get("data") or []
            yield from nodes
            next_page = (edge.get("paging") or {}).get("next")
            if not nodes or not next_page or _seconds(nodes[-1], key) < floor:
                return
            edge = self.graph.follow(next_page)

    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        raise NetworkError(
            "Facebook does not offer search of public posts",
            permanent=True,
            code=ErrorCode.NOT_SUPPORTED,
        )

    # Publishing -------------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Published:
        """A Page post, a comment in reply, or a Messenger reply (see the module's notes).

        Image alt text cannot be set through Graph (Facebook writes its own).
        """
        if post.visibility != "public":
            raise NetworkError(
                "Facebook Page posts are always public: send followers-only offers "
                "as messages instead.",
                permanent=True,
                code=ErrorCode.INVALID,
                detail="visibility",
            )
        if post.reply_to.startswith("m_"):
            published = self._message_reply(post)
        elif post.reply_to:
            published = self._comment_reply(post)
        else:
            published = self._page_post(post)
        self.usage.writes += 1
        return published

    def _page_post(self, post: Outgoing) -> Published:
        _check_images(post.media, MAX_IMAGES, "a post")
        feed = f"/{self.page_id}/feed"
        if not post.media:
            link = _URL.search(post.text)
            data = {"message": post.text, **({"link": link.group()} if link else {})}
            return _published(self.graph.post(feed, data=data)["id"])
        if len(post.media) == 1:
            data = {"message": post.text, "published": "true"}
            photo = self.graph.post(
                f"/{self.page_id}/photos", data=data, files=_source(post.media[0])
            )
            return _published(photo.get("post_id") or photo["id"])
        data = {"message": post.text}
        for index, media in enumerate(post.media):
            data[f"attached_media[{index}]"] = json.dumps({"media_fbid": self._photo(media)})
        return _published(self.graph.post(feed, data=data)["id"])

    def _photo(self, media: Media) -> str:
        """An unpublished photo, for a multi-photo post (a lost one is harmless)."""
        data = {"published": "false"}
        photo = self.graph.post(
            f"/{self.page_id}/photos", data=data, files=_source(media), write=False
        )
        return str(photo["id"])

    def _comment_reply(self, post: Outgoing) -> Published:
        _check_images(post.media, 1, "a comment")
        files = _source(post.media[0]) if post.media else None
        comment = self.graph.post(
            f"/{post.reply_to}/comments", data={"message": post.text}, files=files
        )
        return _published(comment["id"])

    def _message_reply(self, post: Outgoing) -> Published:
        _check_images(post.media, 0, "a Messenger reply")
        message = {
            "recipient": {"id": self._sender(post.reply_to)},
            "messaging_type": "RESPONSE",
            "message": {"text": post.text},
        }
        sent = self.graph.post(f"/{self.page_id}/messages", json=message)
        return _published(sent["message_id"])

    def _sender(self, message_id: str) -> str:
        """The page-scoped id of who sent a message: Messenger replies go to them."""
        return str(self.graph.get(f"/{message_id}", {"fields": "from"})["from"]["id"])

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        """The Page's own post, comment or message with this text, made since `since`."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        for node in self._recent_own(post, since):
            created = _seconds(node)
            if created >= since.timestamp() and _same_text(node.get("message", ""), post.text):
                return _published(node["id"])
        return None

    def _recent_own(self, post: Outgoing, since: datetime) -> Iterator[dict[str, Any]]:
        if post.reply_to.startswith("m_"):
            nodes = self._conversation_with(self._sender(post.reply_to))
        elif post.reply_to:
            nodes = self._comments_on(post.reply_to)
        else:
            nodes = self._feed_since(since)
        yield from (node for node in nodes if _author(node)[0] == self.page_id)

    def _conversation_with(self, sender: str) -> list[dict[str, Any]]:
        params = {"user_id": sender, "fields": f"messages{{{_MESSAGE}}}"}
        found = self.graph.get(f"/{self.page_id}/conversations", params).get("data", [])
        return [m for c in found for m in (c.get("messages") or {}).get("data", [])]

    def _comments_on(self, external_id: str) -> list[dict[str, Any]]:
        params = {"fields": _OWN_FIELDS, "filter": "stream", "order": "reverse_chronological"}
        found: list[dict[str, Any]] = self.graph.get(f"/{external_id}/comments", params).get(
            "data", []
        )
        return found

    def _feed_since(self, since: datetime) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"fields": _OWN_FIELDS, "limit": PAGE_SIZE}
        params["since"] = int(since.timestamp()) - 60  # Graph's clock and ours may differ
        found: list[dict[str, Any]] = self.graph.get(f"/{self.page_id}/feed", params).get(
            "data", []
        )
        return found

    # Direct messages --------------------------------------------------------------------

    def send_direct(self, message: DirectOut) -> Published:
        """A Messenger message to someone who messaged the Page (recipient_id: their PSID),
        as a RESPONSE within Messenger's 24 hours; Graph's refusal (outside the window, a
        person it cannot reach) becomes a permanent error that tells the owner why."""
        payload = {
            "recipient": {"id": message.recipient_id},
            "messaging_type": "RESPONSE",
            "message": {"text": message.text},
        }
        try:
            sent = self.graph.post(f"/{self.page_id}/messages", json=payload)
        except NetworkError as error:
            raise _not_delivered(error) from error
        self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
        return _published(sent["message_id"])

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        """The Page's own message in the conversation with the person holding the
        message's marker (its whole text where it has none), sent since `since`."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        floor = int(since.timestamp())  # Graph's times are whole seconds
        for node in self._conversation_with(message.recipient_id):
            if _author(node)[0] != self.page_id or _seconds(node) < floor:
                continue
            text = node.get("message", "")
            found = message.marker in text if message.marker else _same_text(text, message.text)
            if found:
                return _published(node["id"])
        return None

    def delete(self, external_id: str) -> None:
        """Delete a post or comment; one that is already gone counts as deleted."""
        if external_id.startswith("m_"):
            raise NetworkError(
                "Facebook does not let a Page delete a message it sent.", permanent=True
            )
        try:
            self.graph.delete(f"/{external_id}")
        except NetworkError as error:
            if error.code != ErrorCode.NOT_FOUND:
                raise

    # Metrics and rules ------------------------------------------------------------------

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        """Reactions, comments, shares; impressions where the Page's insights allow."""
        posts = [i for i in external_ids if i.startswith(f"{self.page_id}_")]
        comments = [i for i in external_ids if i not in posts and not i.startswith("m_")]
        nodes = self._nodes(posts, f"{_COUNTS},shares") | self._nodes(comments, _COUNTS)
        return [
            self._metrics(external_id, nodes[external_id], external_id in posts)
            for external_id in external_ids
            if external_id in nodes
        ]

    def _metrics(self, external_id: str, node: dict[str, Any], is_post: bool) -> PostMetrics:
        return PostMetrics(
            external_id=external_id,
            likes=_total(node, "reactions"),
            reposts=int((node.get("shares") or {}).get("count", 0)),
            replies=_total(node, "comments"),
            impressions=self._impressions(external_id) if is_post else None,
        )

    def _nodes(self, ids: list[str], fields: str) -> dict[str, dict[str, Any]]:
        """Nodes by id, BATCH_SIZE to a request; deleted ones are left out."""
        nodes: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            try:
                nodes |= self.graph.get("/", {"ids": ",".join(chunk), "fields": fields})
            except NetworkError as error:
                if error.code != ErrorCode.NOT_FOUND and error.detail != "100":
                    raise
                nodes |= self._each(chunk, fields)  # one of them is gone: ask one by one
        return nodes

    def _each(self, ids: list[str], fields: str) -> dict[str, dict[str, Any]]:
        nodes: dict[str, dict[str, Any]] = {}
        for external_id in ids:
            try:
                nodes[external_id] = self.graph.get(f"/{external_id}", {"fields": fields})
            except NetworkError as error:
                if error.code != ErrorCode.NOT_FOUND and error.detail != "100":
                    raise
        return nodes

    def _impressions(self, post_id: str) -> int | None:
        """post_impressions from the Page's insights; None where Graph will not tell."""
        try:
            found = self.graph.get(f"/{post_id}/insights", {"metric": "post_impressions"})
            return int(found["data"][0]["values"][0]["value"])
        except NetworkError as error:
            if not error.permanent or error.detail in _TOKEN_ERRORS:
                raise
        except (KeyError, IndexError, TypeError, ValueError):
            pass
        return None

    def account_metrics(self) -> AccountMetrics:
        page = self.graph.get(f"/{self.page_id}", {"fields": "followers_count,fan_count"})
        return AccountMetrics(followers=int(page.get("followers_count", page.get("fan_count", 0))))

    def rules(self) -> TextRules:
        return self.stock_rules


def _incoming(node: dict[str, Any], kind: Kind, root_id: str = "") -> Incoming:
    author_id, author_name = _author(node)
    parent = (node.get("parent") or {}).get("id") or (root_id if kind == "reply" else "")
    return Incoming(
        external_id=str(node["id"]),
        kind=kind,
        author_handle=author_name,  # Facebook has no handles: the name people see
        author_name=author_name,
        text=node.get("message", ""),
        sent_at=_time(node["created_time"]),
        url=node.get("permalink_url", ""),
        in_reply_to=parent,
        root_id=root_id,
        author_id=author_id,
    )


def _author(node: dict[str, Any]) -> tuple[str, str]:
    """(id, name) of who wrote it; Facebook hides some people from Pages."""
    author = node.get("from") or {}
    return str(author.get("id", "")), str(author.get("name") or "Facebook user")


def _time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")  # Graph: 2026-11-20T09:14:03+0000


def _seconds(node: dict[str, Any], key: str = "created_time") -> float:
    return _time(node[key]).timestamp()


def _total(node: dict[str, Any], edge: str) -> int:
    return int(((node.get(edge) or {}).get("summary") or {}).get("total_count", 0))


def _published(external_id: str) -> Published:
    """Posts and comments open at facebook.com/<id>; Messenger messages have no address."""
    url = "" if external_id.startswith("m_") else f"https://www.facebook.com/{external_id}"
    return Published(external_id=str(external_id), url=url)


def _source(media: Media) -> dict[str, tuple[str, bytes, str]]:
    extension = media.mime_type.rsplit("/", 1)[-1]
    return {"source": (f"image.{extension}", media.data, media.mime_type)}


def _check_images(media: Sequence[Media], most: int, where: str) -> None:
    if len(media) > most:
        text = f"at most {most} images" if most else "no images"
        raise NetworkError(
            f"Facebook takes {text} in {where}.", permanent=True, code=ErrorCode.TOO_MANY_MEDIA
        )
    if any(len(image.data) > MAX_IMAGE_BYTES for image in media):
        raise NetworkError(
            "Facebook takes photos of up to 4 MB.", permanent=True, code=ErrorCode.MEDIA
        )


def _not_delivered(error: NetworkError) -> NetworkError:
    """Messenger's refusals of a message the Page starts, in words for the owner (Graph:
    code 10 subcode 2018278 outside the window, 100 "No matching user found", 551)."""
    lowered = error.message.lower()
    if error.detail == "10" and "allowed window" in lowered:
        text, code = OUTSIDE_WINDOW, ErrorCode.FORBIDDEN
    elif error.detail == "100" and "no matching user" in lowered:
        text, code = NEVER_WROTE, ErrorCode.NOT_FOUND
    elif error.detail == "551":
        text, code = UNAVAILABLE, ErrorCode.FORBIDDEN
    else:
        return error
    return NetworkError(text, permanent=True, code=code, detail=error.detail)


def _same_text(published: str, wanted: str) -> bool:
    return _SPACES.sub(" ", published).strip() == _SPACES.sub(" ", wanted).strip()
