"""Direct messages by Bluesky chat (chat.py): an offer's code to one person.

The dev network has no chat service, so recorded replies stand in for it (recorded/chat/,
in the lexicons' shapes, parsed strictly by the SDK). The peer tests serve them as a
did:web chat service *behind the real dev PDS*: the PDS resolves the proxy header's DID,
applies its own rule (only an app password allowed direct messages may reach chat) and
forwards each call with a service token, exactly as it does to api.bsky.chat. The other
tests serve them from a scripted PDS, for what a dev network cannot produce on demand.
"""

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import DirectOut, ErrorCode, NetworkError
from porch.networks.bluesky import NETWORK
from porch.networks.bluesky.auth import login
from porch.networks.bluesky.chat import CHAT_PROXY, NOT_ALLOWED
from porch.networks.bluesky.client import BlueskyClient

from .conftest import DevNetwork, Person
from .fakes import jwt
from .test_client import ScriptedPds, client_on, error

RECORDED = Path(__file__).parent / "recorded" / "chat"
SHOP, GUEST = "did:plc:bakery", "did:plc:guest"  # the scripted PDS's session is did:plc:bakery
CODE = "7KQ2-MB9X"
TEXT = f"Hello from Corner Bakery: your code is {CODE}, show it at the counter."
SINCE = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def recorded(name: str, me: str = SHOP, them: str = GUEST, text: str = TEXT) -> Any:
    raw = (RECORDED / f"{name}.json").read_text()
    raw = raw.replace("did:plc:shop", me).replace("did:plc:guest", them)
    return json.loads(raw.replace('"TEXT"', json.dumps(text)))


def answers(
    extra: dict[str, list[Any]] | None = None, *, them: str = GUEST, me: str = SHOP
) -> dict[str, Any]:
    """The chat service's replies by method (a list: one per call, the last repeats)."""
    base = {
        "chat.bsky.convo.getConvoAvailability": [recorded("get_convo_availability", me, them)],
        "chat.bsky.convo.getConvoForMembers": [{"convo": recorded("convo", me, them)}],
        "chat.bsky.convo.sendMessage": [recorded("send_message", me, them)],
        "chat.bsky.convo.getMessages": [recorded("get_messages", me, them)],
    }
    return {**base, **(extra or {})}


def direct(to: str = GUEST, marker: str = CODE) -> DirectOut:
    return DirectOut(to, "guest.test", TEXT, "offer-1-code-9", marker=marker)


# -- against a scripted PDS (no server) -------------------------------------------------


class ChatPds(ScriptedPds):
    """The scripted PDS, also noting each call's atproto-proxy header."""

    def __init__(self, replies: dict[str, list[Any]]) -> None:
        super().__init__(
            {
                method: [
                    r if isinstance(r, httpx.Response | Exception) else httpx.Response(200, json=r)
                    for r in queue
                ]
                for method, queue in replies.items()
            }
        )
        self.proxies: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.proxies.append(request.headers.get("atproto-proxy", ""))
        return super().__call__(request)


def scripted(replies: dict[str, list[Any]]) -> tuple[BlueskyClient, ChatPds]:
    pds = ChatPds(replies)
    client, _ = client_on(pds, jwt(3600))
    return client, pds


def test_a_code_goes_by_chat_in_a_new_conversation() -> None:
    client, pds = scripted(answers())
    published = client.send_direct(direct())
    assert pds.methods() == [
        "chat.bsky.convo.getConvoAvailability",
        "chat.bsky.convo.getConvoForMembers",
        "chat.bsky.convo.sendMessage",
    ]
    assert set(pds.proxies) == {"did:web:api.bsky.chat#bsky_chat"} == {CHAT_PROXY}
    sent = pds.bodies["chat.bsky.convo.sendMessage"]
    assert sent["convoId"] == "3m2chtk4pbc2s"
    assert sent["message"]["text"] == TEXT
    assert published.external_id == "3m2chtk4pbc2s/3m2chu7kq4k2s"
    assert published.url == "https://bsky.app/messages/3m2chtk4pbc2s"
    assert client.usage.extra["dm_sent"] == 1


def test_a_conversation_there_already_is_used() -> None:
    existing = {"canChat": True, "convo": recorded("convo")}
    client, pds = scripted(answers({"chat.bsky.convo.getConvoAvailability": [existing]}))
    client.send_direct(direct())
    assert "chat.bsky.convo.getConvoForMembers" not in pds.methods()


def test_a_link_in_the_message_is_a_link_facet() -> None:
    client, pds = scripted(answers())
    client.send_direct(DirectOut(GUEST, "", "Your code: https://porch.test/c/7KQ2MB9X", "k"))
    facet = pds.bodies["chat.bsky.convo.sendMessage"]["message"]["facets"][0]
    assert facet["features"][0]["uri"] == "https://porch.test/c/7KQ2MB9X"


def test_chat_settings_that_refuse_the_shop_are_a_permanent_refusal_and_nothing_is_sent() -> None:
    refused = recorded("get_convo_availability_refused")
    client, pds = scripted(answers({"chat.bsky.convo.getConvoAvailability": [refused]}))
    with pytest.raises(NetworkError) as caught:
        client.send_direct(direct())
    assert caught.value.permanent and not caught.value.reconnect
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert "chat settings do not let the shop write to them" in caught.value.message
    assert pds.methods() == ["chat.bsky.convo.getConvoAvailability"]


def test_an_app_password_without_direct_messages_asks_for_a_new_one() -> None:
    refusal = error(400, "InvalidToken", "Bad token method")
    client, _ = scripted(answers({"chat.bsky.convo.getConvoForMembers": [refusal]}))
    with pytest.raises(NetworkError) as caught:
        client.send_direct(direct())
    assert caught.value.permanent and not caught.value.reconnect  # posting still works
    assert caught.value.message == NOT_ALLOWED
    assert "Allow access to your direct messages" in NOT_ALLOWED and "reconnect" in NOT_ALLOWED


def test_another_invalid_token_still_means_reconnect() -> None:
    expired = error(400, "InvalidToken", "Token could not be verified")
    client, _ = scripted(answers({"chat.bsky.convo.getConvoAvailability": [expired]}))
    with pytest.raises(NetworkError) as caught:
        client.send_direct(direct())
    assert caught.value.reconnect


@pytest.mark.parametrize(
    "failure", [httpx.Response(502, json={}), httpx.ReadTimeout("slow")], ids=["502", "timeout"]
)
def test_a_send_that_may_have_gone_is_an_unknown_outcome(failure: Any) -> None:
    client, _ = scripted(answers({"chat.bsky.convo.sendMessage": [failure]}))
    with pytest.raises(NetworkError) as caught:
        client.send_direct(direct())
    assert caught.value.outcome_unknown and not caught.value.permanent


def test_a_rate_limit_is_temporary() -> None:
    limited = httpx.Response(
        429, json={"error": "RateLimitExceeded"}, headers={"retry-after": "30"}
    )
    client, _ = scripted(answers({"chat.bsky.convo.getConvoAvailability": [limited]}))
    with pytest.raises(NetworkError) as caught:
        client.send_direct(direct())
    assert not caught.value.permanent and caught.value.code == ErrorCode.RATE_LIMITED


def test_find_direct_finds_the_shops_message_holding_the_code() -> None:
    existing = {"canChat": True, "convo": recorded("convo")}
    client, pds = scripted(answers({"chat.bsky.convo.getConvoAvailability": [existing]}))
    found = client.find_direct(direct(), SINCE)
    assert found is not None and found.external_id == "3m2chtk4pbc2s/3m2chu7kq4k2s"
    assert pds.methods()[-1] == "chat.bsky.convo.getMessages"


def test_find_direct_ignores_other_codes_the_persons_own_words_and_older_messages() -> None:
    existing = {"canChat": True, "convo": recorded("convo")}
    client, _ = scripted(answers({"chat.bsky.convo.getConvoAvailability": [existing]}))
    assert client.find_direct(direct(marker="ZZZZ-ZZZZ"), SINCE) is None
    assert client.find_direct(direct(marker="See you Saturday"), SINCE) is None  # theirs
    assert client.find_direct(direct(), datetime(2026, 3, 12, 9, 15, tzinfo=UTC)) is None


def test_find_direct_without_a_conversation_is_none_and_makes_none() -> None:
    client, pds = scripted(answers())
    assert client.find_direct(direct(), SINCE) is None
    assert pds.methods() == ["chat.bsky.convo.getConvoAvailability"]


def test_the_descriptor_says_who_can_be_written_to() -> None:
    assert NETWORK.can.send_direct == "if_they_allow"
    assert "chat settings allow it" in NETWORK.can.send_direct_note
    assert "allow direct messages" in NETWORK.can.send_direct_note


def test_the_recorded_replies_have_the_lexicons_shapes() -> None:
    """Strictly parsed by the SDK, as its calls parse the chat service's replies."""
    from atproto_client.models.utils import get_or_create  # type: ignore[import-untyped, unused-ignore]

    shapes = {
        "get_convo_availability": models.ChatBskyConvoGetConvoAvailability.Response,
        "get_convo_availability_refused": models.ChatBskyConvoGetConvoAvailability.Response,
        "convo": models.ChatBskyConvoDefs.ConvoView,
        "send_message": models.ChatBskyConvoDefs.MessageView,
        "get_messages": models.ChatBskyConvoGetMessages.Response,
    }
    for name, model in shapes.items():
        assert get_or_create(recorded(name), model, strict=True) is not None, name


# -- behind the real dev PDS -----------------------------------------------------------


class ChatService:
    """A did:web chat service on loopback answering from recorded replies; the PDS resolves
    its DID document and forwards chat.bsky.* calls to it."""

    def __init__(self, replies: dict[str, Any]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, dict[str, Any], Any]] = []  # (method, token claims, body)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        port = self.server.server_address[1]
        self.url = f"http://localhost:{port}"
        self.did = f"did:web:localhost%3A{port}"
        self.proxy = f"{self.did}#bsky_chat"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.calls]

    def answer(self, path: str, token: str, body: bytes) -> Any:
        if path == "/.well-known/did.json":
            service = {"id": "#bsky_chat", "type": "BskyChatService", "serviceEndpoint": self.url}
            return {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": self.did,
                "service": [service],
            }
        method = path.split("?")[0].removeprefix("/xrpc/")
        self.calls.append((method, _claims(token), json.loads(body) if body else None))
        queue = self.replies[method]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._reply()

            def do_POST(self) -> None:
                self._reply()

            def _reply(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                token = self.headers.get("authorization", "").removeprefix("Bearer ")
                data = json.dumps(service.answer(self.path, token, body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    if not payload:
        return {}
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


@pytest.fixture(scope="module")
def people(network: DevNetwork) -> list[Person]:
    return network.people("bakery", "guest")


@pytest.fixture
def chat(people: list[Person]) -> Iterator[ChatService]:
    shop, guest = people
    first, later = recorded("get_convo_availability"), {"canChat": True, "convo": recorded("convo")}
    availability = [first, json.loads(json.dumps(later).replace(SHOP, shop.did))]
    replies = answers(them=guest.did, me=shop.did)
    replies["chat.bsky.convo.getConvoAvailability"] = [
        json.loads(json.dumps(a).replace(GUEST, guest.did)) for a in availability
    ]
    service = ChatService(replies)
    yield service
    service.close()


def peer_client(
    network: DevNetwork, shop: Person, chat: ChatService, password: str
) -> BlueskyClient:
    account, credentials = login(shop.handle, password, network.pds)
    client = BlueskyClient(account, credentials)
    client.chat_proxy = chat.proxy
    return client


def privileged_password(shop: Person) -> str:
    data = models.ComAtprotoServerCreateAppPassword.Data(
        name=f"dm-{secrets.token_hex(2)}", privileged=True
    )
    password: str = shop.sdk.com.atproto.server.create_app_password(data).password
    return password


@pytest.mark.peers
def test_the_real_pds_refuses_chat_to_a_normal_app_password(
    network: DevNetwork, people: list[Person], chat: ChatService
) -> None:
    shop, guest = people
    password = shop.app_password(f"p{secrets.token_hex(2)}")
    with (
        peer_client(network, shop, chat, password) as client,
        pytest.raises(NetworkError) as caught,
    ):
        client.send_direct(direct(guest.did))
    assert caught.value.message == NOT_ALLOWED and caught.value.permanent
    # getConvoAvailability is not on the PDS's privileged list; getConvoForMembers is
    assert chat.methods() == ["chat.bsky.convo.getConvoAvailability"]


@pytest.mark.peers
def test_a_code_goes_through_the_real_pds_with_an_app_password_allowed_messages(
    network: DevNetwork, people: list[Person], chat: ChatService
) -> None:
    shop, guest = people
    with peer_client(network, shop, chat, privileged_password(shop)) as client:
        published = client.send_direct(direct(guest.did))
        found = client.find_direct(direct(guest.did), SINCE)
    assert chat.methods() == [
        "chat.bsky.convo.getConvoAvailability",
        "chat.bsky.convo.getConvoForMembers",
        "chat.bsky.convo.sendMessage",
        "chat.bsky.convo.getConvoAvailability",
        "chat.bsky.convo.getMessages",
    ]
    method, claims, body = chat.calls[2]
    assert (claims["iss"], claims["aud"], claims["lxm"]) == (shop.did, chat.did, method)
    assert body["message"]["text"] == TEXT and body["convoId"] == "3m2chtk4pbc2s"
    assert published.external_id == "3m2chtk4pbc2s/3m2chu7kq4k2s"
    assert found is not None and found.external_id == published.external_id
