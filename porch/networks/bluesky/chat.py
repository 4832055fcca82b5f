"""Direct messages from the business by Bluesky chat (chat.bsky.convo.*), for offers' codes.

Chat is its own service: every call goes to the account's PDS with the header
`atproto-proxy: did:web:api.bsky.chat#bsky_chat`, and the PDS forwards it with a service
token. Sending is three calls: getConvoAvailability (may this account write to that one?
`canChat`, and the conversation if there is one), getConvoForMembers (the conversation,
made if new) and sendMessage.

Two refusals are the owner's to read, not retries:
- the person's chat settings (`chat.bsky.actor.declaration.allowIncoming`: "following"
  means accounts *they* follow, "none" nobody) leave `canChat` false;
- the PDS lets only an app password made with "Allow access to your direct messages"
  (a privileged one) through to chat: any other gets `400 InvalidToken "Bad token method"`
  for getConvoForMembers, sendMessage and getMessages (@atproto/pds pipethrough.js
  PRIVILEGED_METHODS, checked against the dev PDS in tests/networks/bluesky/test_chat.py).
  That is not a signed-out session (posting still works), so it is not `reconnect`.

sendMessage has no idempotency key: after an unknown outcome `find` reads the
conversation's latest messages for the marker (the person's code) instead.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from atproto_client import Client, models  # type: ignore[import-untyped, unused-ignore]
from atproto_client.exceptions import RequestErrorBase  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import DirectOut, ErrorCode, NetworkError, Published, Usage
from porch.networks.bluesky.errors import error_name, server_message
from porch.networks.bluesky.posts import facets

R = TypeVar("R")
Call = Callable[..., Any]  # BlueskyClient._call(request, write=...)

CHAT_PROXY = f"{Client.BSKY_CHAT_DID}#bsky_chat"
PAGE_SIZE = 100  # getMessages takes at most 100
MAX_PAGES = 5  # how far back `find` reads (newest first), besides stopping at `since`

NOT_ALLOWED = (
    "Bluesky did not let Porch send direct messages: the app password Porch uses does not "
    "allow them. In Bluesky, under Settings \u203a Privacy and security \u203a App "
    'passwords, make a new app password with "Allow access to your direct messages" turned '
    "on, then reconnect the account in Porch with it."
)
CANNOT_CHAT = (
    "This person's chat settings do not let the shop write to them on Bluesky "
    "(they accept messages only from people they follow, or from nobody)."
)


def chat_message_url(convo_id: str) -> str:
    return f"https://bsky.app/messages/{convo_id}"


class Chat:
    """The chat calls of one BlueskyClient: `call` is its `_call`, `me` its DID."""

    def __init__(self, call: Call, usage: Usage, me: str, proxy: str = CHAT_PROXY) -> None:
        self.call, self.usage, self.me = call, usage, me
        self.headers = {"atproto-proxy": proxy}

    def _chat(self, request: Callable[[Any, dict[str, str]], R], *, write: bool = False) -> R:
        """One chat call through the PDS; "Bad token method" as the owner's refusal."""

        def proxied(api: Client) -> R:
            try:
                return request(api, self.headers)
            except RequestErrorBase as exc:
                if error_name(exc) == "InvalidToken" and server_message(exc) == "Bad token method":
                    raise NetworkError(
                        NOT_ALLOWED,
                        permanent=True,
                        code=ErrorCode.FORBIDDEN,
                        detail="BadTokenMethod",
                    ) from exc
                raise

        result: R = self.call(proxied, write=write)
        return result

    def availability(self, did: str) -> Any:
        params = models.ChatBskyConvoGetConvoAvailability.Params(members=[did])
        return self._chat(
            lambda api, h: api.chat.bsky.convo.get_convo_availability(params, headers=h)
        )

    def convo_for(self, did: str) -> Any:
        """The conversation with `did`: one there already, else a new one (if they allow it)."""
        available = self.availability(did)
        if not available.can_chat:
            raise NetworkError(
                CANNOT_CHAT, permanent=True, code=ErrorCode.FORBIDDEN, detail="CannotChat"
            )
        if available.convo is not None:
            return available.convo
        params = models.ChatBskyConvoGetConvoForMembers.Params(members=[did])
        return self._chat(
            lambda api, h: api.chat.bsky.convo.get_convo_for_members(params, headers=h)
        ).convo

    def send(self, message: DirectOut) -> Published:
        convo = self.convo_for(message.recipient_id)
        data = models.ChatBskyConvoSendMessage.Data(
            convo_id=convo.id,
            message=models.ChatBskyConvoDefs.MessageInput(
                text=message.text, facets=facets(message.text, lambda _: None) or None
            ),
        )
        sent = self._chat(
            lambda api, h: api.chat.bsky.convo.send_message(data, headers=h), write=True
        )
        self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
        return Published(f"{convo.id}/{sent.id}", chat_message_url(convo.id))

    def find(self, message: DirectOut, since: datetime) -> Published | None:
        """The account's message holding the marker (else the whole text) in the conversation
        with the recipient, among those sent since `since`; None if there is none."""
        convo = self.availability(message.recipient_id).convo
        if convo is None:  # no conversation: nothing was ever sent
            return None
        wanted = message.marker or message.text
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = self._messages(convo.id, cursor)
            for item in page.messages:
                if _sent_before(item, since):
                    return None
                if _sender(item) == self.me and wanted in (getattr(item, "text", "") or ""):
                    return Published(f"{convo.id}/{item.id}", chat_message_url(convo.id))
            cursor = page.cursor
            if not cursor:
                return None
        return None

    def _messages(self, convo_id: str, cursor: str | None) -> Any:
        params = models.ChatBskyConvoGetMessages.Params(
            convo_id=convo_id, cursor=cursor, limit=PAGE_SIZE
        )
        page = self._chat(lambda api, h: api.chat.bsky.convo.get_messages(params, headers=h))
        self.usage.reads += len(page.messages)
        return page


def _sender(item: Any) -> str:
    sender = getattr(item, "sender", None)
    return str(getattr(sender, "did", "") or "")


def _sent_before(item: Any, since: datetime) -> bool:
    """Messages come newest first: one sent before `since` ends the search."""
    sent_at = getattr(item, "sent_at", None)
    if not sent_at:
        return False
    try:
        sent = datetime.fromisoformat(str(sent_at).replace("Z", "+00:00"))
    except ValueError:
        return False
    return sent < (since if since.tzinfo else since.replace(tzinfo=UTC))
