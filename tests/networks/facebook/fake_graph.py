"""A small fake of the Graph API endpoints Porch uses, over real HTTP on loopback.

No maintained fake or OpenAPI document of Graph exists; this one answers in Graph's real
shapes: nodes with `created_time` like "2026-11-20T09:14:03+0000", edges as {"data": [...],
"paging": {"cursors": ..., "next": <absolute URL carrying access_token>}}, errors as
{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} with HTTP 400, and an
X-App-Usage header on every reply. It keeps one Page's posts, comments, tags and
Messenger conversations, and can fail the next matching request on demand.
"""

import base64
import itertools
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import MIMEPart
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..loopback import LoopbackServer, running

VERSION = "/v21.0"
PAGE_ID = "104857600123456"
PAGE_NAME = "Corner Bakery"
TOKEN = "EAAGpagetoken0123456789"
PAGE = {"id": PAGE_ID, "name": PAGE_NAME}


@dataclass(frozen=True)
class Person:
    id: str
    name: str

    def node(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


PAT = Person("6543210987654321", "Pat Customer")
SAM = Person("7654321098765432", "Sam Okafor")


def graph_time(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def error_body(message: str, type_: str, code: int, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AmT2fPq0XyZ7bL1cD3eF4gH"
    return {"error": error}


EXPIRED = error_body(
    "Error validating access token: Session has expired on Wednesday, 19-Nov-25 09:00:00 PST. "
    "The current time is Thursday, 20-Nov-25 02:11:45 PST.",
    "OAuthException",
    190,
    463,
)


@dataclass
class Failure:
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout when the client gives up first)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, Any]


class FakeGraph:
    """One Page on a fake Graph API: its state, and what it was asked."""

    def __init__(self) -> None:
        self.base_url = ""
        self.posts: list[dict[str, Any]] = []  # newest first, comments inside
        self.comments: dict[str, dict[str, Any]] = {}
        self.tagged: list[dict[str, Any]] = []
        self.conversations: list[dict[str, Any]] = []
        self.photos: dict[str, dict[str, Any]] = {}
        self.insights: dict[str, int] = {}
        self.token_type, self.token_expires_at = "PAGE", 0
        self.expired = False
        self.failures: list[Failure] = []
        self.requests: list[Seen] = []
        self.followers = 812
        self.unavailable: set[str] = set()  # PSIDs Messenger will not deliver to
        self._ids = itertools.count(1000)

    # State ------------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids)) + "1234567"

    def add_post(self, message: str, *, by: Person | None = None, at: float | None = None) -> str:
        author = by.node() if by else PAGE
        post_id = f"{PAGE_ID}_{self.new_id()}"
        created = graph_time(at or time.time())
        node = {"id": post_id, "message": message, "created_time": created, "from": author}
        self.posts.insert(0, {**node, "comments": [], "reactions": 0, "shares": 0})
        return post_id

    def add_comment(
        self, on: str, message: str, by: Person, *, at: float | None = None, parent: str = ""
    ) -> str:
        post_id = self.comments[on]["post_id"] if on in self.comments else on
        post = next(p for p in self.posts if p["id"] == post_id)
        comment_id = f"{post_id.split('_')[1]}_{self.new_id()}"
        comment = {
            "id": comment_id,
            "message": message,
            "created_time": graph_time(at or time.time()),
            "from": by.node(),
            "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}",
            "post_id": post_id,
            "reactions": 0,
        }
        if parent or on in self.comments:
            comment["parent"] = {"id": parent or on}
        post["comments"].append(comment)
        self.comments[comment_id] = comment
        return comment_id

    def add_tag(self, message: str, by: Person, *, at: float | None = None) -> str:
        post_id = f"{by.id}_{self.new_id()}"
        created = graph_time(at or time.time())
        node = {"id": post_id, "message": message, "created_time": created, "from": by.node()}
        self.tagged.insert(0, {**node, "permalink_url": f"https://www.facebook.com/{post_id}"})
        return post_id

    def add_message(self, by: Person, text: str, *, at: float | None = None) -> str:
        conversation = self._conversation(by)
        message_id = f"m_{base64.urlsafe_b64encode(self.new_id().encode()).decode()}"
        when = at or time.time()
        message = {"id": message_id, "message": text, "created_time": graph_time(when)}
        conversation["messages"].insert(0, {**message, "from": by.node(), "psid": by.id})
        conversation["updated_time"] = graph_time(when)
        self.conversations.sort(key=lambda c: c["updated_time"], reverse=True)
        return message_id

    def _conversation(self, person: Person) -> dict[str, Any]:
        for conversation in self.conversations:
            if conversation["user_id"] == person.id:
                return conversation
        conversation = {"id": f"t_{self.new_id()}", "user_id": person.id, "messages": []}
        self.conversations.append(conversation)
        return conversation

    def fail_next(self, method: str, path: str, status: int, body: Any, **kwargs: Any) -> None:
        self.failures.append(Failure(method, path, status, body, **kwargs))

    def post(self, post_id: str) -> dict[str, Any]:
        return next(p for p in self.posts if p["id"] == post_id)

    # Requests ---------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(handler.path)
        path = parts.path.removeprefix(VERSION)
        query = parse_qs(parts.query)
        form = _form(handler)
        self.requests.append(Seen(handler.command, path, query, form))
        failure = self._failure(handler.command, path)
        if failure:
            time.sleep(failure.delay)
            return failure.status, failure.body, failure.headers
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}" or self.expired:
            return 400, EXPIRED, {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token"'}
        params = {k: v[0] for k, v in query.items()} | form
        return self._route(handler.command, path, params)

    def _failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and path.startswith(failure.path):
                self.failures.remove(failure)
                return failure
        return None

    def _route(
        self, method: str, path: str, params: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        segments = path.strip("/").split("/")
        handler = getattr(self, f"_{method.lower()}_{len(segments)}")
        status, body = handler(segments, params)
        return status, body, {}

    def _get_1(self, segments: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        node = segments[0]
        if node == "":
            return self._many(params["ids"].split(","), params["fields"])
        if node == "me":
            return 200, PAGE
        if node == "debug_token":
            return 200, {"data": self._token_info()}
        if node == PAGE_ID:
            return 200, {"followers_count": self.followers, "fan_count": 790, "id": PAGE_ID}
        for conversation in self.conversations:
            for message in conversation["messages"]:
                if message["id"] == node:
                    return 200, {"from": message["from"], "id": node}
        return self._fields(node, params.get("fields", ""))

    def _token_info(self) -> dict[str, Any]:
        return {
            "app_id": "1122334455667788",
            "type": self.token_type,
            "application": "Porch",
            "data_access_expires_at": int(time.time()) + 90 * 86400,
            "expires_at": self.token_expires_at,
            "is_valid": True,
            "profile_id": PAGE_ID,
            "scopes": ["pages_show_list", "pages_manage_posts", "pages_read_engagement"],
            "user_id": "1000123456789",
        }

    def _get_2(self, segments: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        node, edge = segments
        if edge == "feed":
            return 200, self._feed(params)
        if edge == "tagged":
            since = int(params.get("since", 0))
            found = [t for t in self.tagged if _seconds(t) >= since]
            return 200, {"data": found}
        if edge == "conversations":
            return 200, self._conversations(params)
        if edge == "comments":
            return 200, self._comment_edge(node, params)
        if edge == "insights":
            return self._insights(node)
        return 400, _unknown_path(edge)

    def _feed(self, params: dict[str, Any]) -> dict[str, Any]:
        since = int(params.get("since", 0))
        posts = [p for p in self.posts if _seconds(p) >= since][: int(params.get("limit", 25))]
        match = re.search(r"comments[^{]*\.limit\((\d+)\)", params.get("fields", ""))
        if match is None:
            return {"data": [_public(p) for p in posts]}
        limit = int(match.group(1))
        return {
            "data": [
                {**_public(p), "comments": self._comment_edge(p["id"], {"limit": limit})}
                for p in posts
            ]
        }

    def _comment_edge(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        post = self.post(node) if node in {p["id"] for p in self.posts} else None
        found = (
            post["comments"]
            if post
            else [c for c in self.comments.values() if c.get("parent", {}).get("id") == node]
        )
        newest_first = sorted(found, key=lambda c: c["created_time"], reverse=True)
        start, limit = int(_decode(params.get("after", "MA=="))), int(params.get("limit", 25))
        page = newest_first[start : start + limit]
        edge: dict[str, Any] = {
            "data": [_public(c) for c in page],
            "paging": {"cursors": {"before": _encode(start), "after": _encode(start + limit)}},
        }
        if start + limit < len(newest_first):
            query = {"access_token": TOKEN, "limit": limit, "after": _encode(start + limit)}
            edge["paging"]["next"] = f"{self.base_url}/{node}/comments?{urlencode(query)}"
        return edge

    def _conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user_id")
        found = [c for c in self.conversations if user in (None, c["user_id"])]
        return {
            "data": [
                {
                    "id": c["id"],
                    "updated_time": c["updated_time"],
                    "messages": {"data": [_public(m) for m in c["messages"]]},
                }
                for c in found
            ]
        }

    def _insights(self, node: str) -> tuple[int, Any]:
        if node not in self.insights:
            return 400, error_body(
                "(#100) The value must be a valid insights metric", "OAuthException", 100
            )
        value = {"values": [{"value": self.insights[node]}], "period": "lifetime"}
        metric = {"name": "post_impressions", **value, "id": f"{node}/insights/post_impressions"}
        return 200, {"data": [metric]}

    def _many(self, ids: list[str], fields: str) -> tuple[int, Any]:
        missing = [i for i in ids if self._fields(i, fields)[0] != 200]
        if missing:
            message = f"(#100) Some of the aliases you requested do not exist: {','.join(missing)}"
            return 400, error_body(message, "OAuthException", 100)
        return 200, {i: self._fields(i, fields)[1] for i in ids}

    def _fields(self, node_id: str, fields: str) -> tuple[int, Any]:
        node = next((p for p in self.posts if p["id"] == node_id), None) or self.comments.get(
            node_id
        )
        if node is None:
            message = (
                f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation."
            )
            return 400, error_body(message, "GraphMethodException", 100, 33)
        if "shares" in fields and "comments" not in node:
            return 400, error_body(
                "(#100) Tried accessing nonexisting field (shares) on node type (Comment)",
                "OAuthException",
                100,
            )
        replies = node.get(
            "comments",
            [c for c in self.comments.values() if c.get("parent", {}).get("id") == node_id],
        )
        counts: dict[str, Any] = {
            "id": node_id,
            "reactions": {
                "data": [],
                "summary": {"total_count": node["reactions"], "viewer_reaction": "NONE"},
            },
            "comments": {
                "data": [],
                "summary": {"order": "ranked", "total_count": len(replies), "can_comment": True},
            },
        }
        if "shares" in fields and node["shares"]:
            counts["shares"] = {"count": node["shares"]}
        return 200, counts

    def _post_2(self, segments: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        node, edge = segments
        if edge == "feed":
            return self._new_post(params)
        if edge == "photos":
            return self._new_photo(params)
        if edge == "comments":
            text = params.get("message", "")
            return 200, {"id": self.add_comment(node, text, Person(PAGE_ID, PAGE_NAME))}
        if edge == "messages":
            return self._send_message(params)
        return 400, _unknown_path(edge)

    def _new_post(self, params: dict[str, Any]) -> tuple[int, Any]:
        post_id = self.add_post(params.get("message", ""))
        post = self.post(post_id)
        post["link"] = params.get("link")
        attached = [
            json.loads(v)["media_fbid"]
            for k, v in sorted(params.items())
            if k.startswith("attached_media[")
        ]
        post["photos"] = [self.photos[i] for i in attached]
        return 200, {"id": post_id}

    def _new_photo(self, params: dict[str, Any]) -> tuple[int, Any]:
        photo_id = self.new_id()
        self.photos[photo_id] = {
            "id": photo_id,
            "image": params["source"],
            "published": params.get("published"),
        }
        if params.get("published") == "false":
            return 200, {"id": photo_id}
        post_id = self.add_post(params.get("message", ""))
        self.post(post_id)["photos"] = [self.photos[photo_id]]
        return 200, {"id": photo_id, "post_id": post_id}

    def _send_message(self, params: dict[str, Any]) -> tuple[int, Any]:
        body = params["json"]
        psid = body["recipient"]["id"]
        conversation = next((c for c in self.conversations if c["user_id"] == psid), None)
        refused = self._refusal(psid, conversation)
        if conversation is None or refused:
            return 400, refused
        message_id = f"m_{base64.urlsafe_b64encode(self.new_id().encode()).decode()}"
        node = {
            "id": message_id,
            "message": body["message"]["text"],
            "created_time": graph_time(time.time()),
        }
        conversation["messages"].insert(
            0, {**node, "from": PAGE, "sent_with": body["messaging_type"]}
        )
        return 200, {"recipient_id": psid, "message_id": message_id}

    def _refusal(self, psid: str, conversation: dict[str, Any] | None) -> dict[str, Any]:
        """Messenger's answer to a message it will not send ({} when it sends it): a
        RESPONSE goes only to someone who wrote to the Page in the last 24 hours."""
        if psid in self.unavailable:
            return error_body(
                "This person isn't available right now.", "OAuthException", 551, 1545041
            )
        if conversation is None:
            return error_body("(#100) No matching user found", "OAuthException", 100, 2018001)
        theirs = [_seconds(m) for m in conversation["messages"] if m.get("psid") == psid]
        if not theirs or max(theirs) < time.time() - 24 * 3600:
            message = (
                "(#10) This message is sent outside of allowed window. Learn more about the "
                "new policy here: https://developers.facebook.com/docs/messenger-platform/"
                "policy-overview"
            )
            return error_body(message, "OAuthException", 10, 2018278)
        return {}

    def _delete_1(self, segments: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        node = segments[0]
        if node in self.comments:
            comment = self.comments.pop(node)
            self.post(comment["post_id"])["comments"].remove(comment)
            return 200, {"success": True}
        if any(p["id"] == node for p in self.posts):
            self.posts = [p for p in self.posts if p["id"] != node]
            return 200, {"success": True}
        return self._fields(node, "")


def _public(node: dict[str, Any]) -> dict[str, Any]:
    """A node as Graph shows it: without the fake's own bookkeeping."""
    hidden = {"comments", "post_id", "reactions", "shares", "psid", "photos", "link", "sent_with"}
    return {k: v for k, v in node.items() if k not in hidden}


def _seconds(node: dict[str, Any]) -> float:
    return datetime.strptime(node["created_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp()


def _encode(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def _decode(cursor: str) -> str:
    return base64.b64decode(cursor).decode()


def _unknown_path(edge: str) -> dict[str, Any]:
    return error_body(f"(#12) Unknown path components: /{edge}", "OAuthException", 2500)


def _form(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    content_type = handler.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        return {"json": json.loads(raw)}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        return dict(_field(part) for part in message.iter_parts())
    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}


def _field(part: MIMEPart) -> tuple[str, Any]:
    """A multipart part: a file's bytes, or a field's text."""
    name = str(part.get_param("name", header="content-disposition"))
    return name, part.get_payload(decode=True) if part.get_filename() else part.get_content()


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        graph = self.server.graph
        status, body, headers = graph.answer(self)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        usage = {"call_count": min(100, len(graph.requests)), "total_time": 3, "total_cputime": 2}
        self.send_header("X-App-Usage", json.dumps(usage))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(LoopbackServer):
    graph: FakeGraph


@contextmanager
def serving() -> Iterator[FakeGraph]:
    graph = FakeGraph()
    server = _Server(_Handler)
    server.graph = graph
    with running(server) as url:
        graph.base_url = f"{url}{VERSION}"
        yield graph
