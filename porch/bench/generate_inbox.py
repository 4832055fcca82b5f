"""Fill a workspace with a realistic inbox history, for benchmarks and for trying Porch at scale.

Example:

    porch generate-inbox --workspace corner-bakery --messages 1000000

Conversations come from one connected account per network an owner can connect, start
over the last two years, run from one to ten messages (customer and shop taking turns), and
carry the intents, urgencies and texts of the triage corpus; older ones are mostly
resolved, recent ones mostly open. Rows go in as plain tuples (executemany on SQLite, COPY
on PostgreSQL), one transaction a batch, so a million messages take a minute or two, not
half an hour.
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from porch.inbox.models import Conversation, ConversationStatus, Intent, Message, MessageKind
from porch.networks.registry import descriptors
from porch.triage.corpus import Example, load_corpus
from porch.workspaces.models import ConnectedAccount, Workspace

Row = dict[str, Any]  # a row to insert: column attnames to values
BATCH = 5_000  # conversations written per transaction
HISTORY = timedelta(days=730)
# How often each intent starts a conversation, and how long threads run (in messages).
INTENT_WEIGHTS = {
    Intent.COMPLAINT: 12,
    Intent.QUESTION: 18,
    Intent.LEAD: 8,
    Intent.PRAISE: 20,
    Intent.SPAM: 7,
    Intent.OTHER: 35,
}
THREAD_LENGTHS = (1, 2, 3, 4, 5, 6, 8, 10)
THREAD_WEIGHTS = (40, 20, 15, 10, 6, 4, 3, 2)


@dataclass(frozen=True)
class Generated:
    conversations: int
    messages: int
    seconds: float


def generated_accounts(workspace: Workspace) -> list[ConnectedAccount]:
    """One account per network an owner can connect (not the fake one), made once per
    workspace."""
    return [
        ConnectedAccount.objects.get_or_create(
            workspace=workspace, network=network.name, handle=f"generated-{network.name}"
        )[0]
        for network in descriptors()
        if network.connect_urls
    ]


def _texts() -> dict[str, list[Example]]:
    by_intent: dict[str, list[Example]] = {intent: [] for intent in INTENT_WEIGHTS}
    for example in load_corpus():
        if example.intent in by_intent:
            by_intent[example.intent].append(example)
    for intent, examples in by_intent.items():
        if not examples:
            by_intent[intent] = [Example(f"A message about {intent}.", intent, urgency=0.0)]
    return by_intent


class _Table:
    """Inserts rows of one model as tuples in the table's column order: a million model
    objects through bulk_create cost minutes of Python before the database sees a row."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
        self.columns = itemgetter(*self.defaults)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = quote(model._meta.db_table)
        # Names come from the model, quoted by the backend; values go as parameters.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: list[Row]) -> None:
        values = [self.columns({**self.defaults, **row}) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.executemany(self.sql, values)
                return
            with cursor.cursor.copy(self.copy) as copy:  # PostgreSQL's bulk load, 3x faster
                for value in values:
                    copy.write_row(value)


class _Writer:
    """Makes the rows of conversations and their messages, with ids given here."""

    def __init__(
        self, workspace: Workspace, accounts: Sequence[ConnectedAccount], seed: int
    ) -> None:
        self.workspace = workspace
        self.accounts = accounts
        self.random = random.Random(seed)
        self.texts = _texts()
        # Dates as the backend stores them (naive UTC on SQLite), so rows need no adapting.
        now = timezone.now()
        self.now = now if connection.features.supports_timezones else now.replace(tzinfo=None)
        self.convo_id = Conversation.objects.aggregate(top=Max("pk"))["top"] or 0
        self.message_id = Message.objects.aggregate(top=Max("pk"))["top"] or 0

    def conversation(self, length: int) -> tuple[Row, list[Row]]:
        pick = self.random
        account = pick.choice(self.accounts)
        intent = pick.choices(list(INTENT_WEIGHTS), list(INTENT_WEIGHTS.values()))[0]
        example = pick.choice(self.texts[intent])
        start = self.now - HISTORY * pick.random() ** 2  # more recent than old
        sent = [start + timedelta(minutes=i * pick.randint(2, 180)) for i in range(length)]
        status = self._status(self.now - start, pick)
        self.convo_id += 1
        convo: Row = {
            "id": self.convo_id,
            "workspace_id": self.workspace.pk,
            "account_id": account.pk,
            "root_external_id": f"gen-{self.convo_id}-0",
            "contact_handle": f"customer{pick.randrange(length * 40_000 + 1)}",
            "status": status,
            "intent": intent,
            "urgency": example.urgency or 0.0,
            "first_message_at": sent[0],
            "last_message_at": sent[-1],
            "first_response_at": sent[1] if length > 1 else None,
            "resolved_at": sent[-1] if status == ConversationStatus.RESOLVED else None,
        }
        texts = [example] + [pick.choice(self.texts[intent]) for _ in sent[1:]]
        return convo, [self._message(convo, account, i, at, texts[i]) for i, at in enumerate(sent)]

    @staticmethod
    def _status(age: timedelta, pick: random.Random) -> str:
        open_share = 0.6 if age < timedelta(days=14) else 0.03
        roll = pick.random()
        if roll < open_share:
            return ConversationStatus.OPEN
        if roll < open_share + 0.05:
            return ConversationStatus.WAITING
        return ConversationStatus.RESOLVED

    def _message(
        self,
        convo: Row,
        account: ConnectedAccount,
        i: int,
        at: datetime,
        example: Example,
    ) -> Row:
        ours = i % 2 == 1
        kind = MessageKind.OURS if ours else (MessageKind.MENTION if i == 0 else MessageKind.REPLY)
        handle = str(convo["contact_handle"])
        self.message_id += 1
        return {
            "id": self.message_id,
            "workspace_id": self.workspace.pk,
            "account_id": account.pk,
            "conversation_id": convo["id"],
            "network": account.network,
            "external_id": f"gen-{convo['id']}-{i}",
            "in_reply_to": f"gen-{convo['id']}-{i - 1}" if i else "",
            "kind": kind,
            "author_handle": account.handle if ours else handle,
            "author_name": "" if ours else handle.title(),
            "text": "Thanks for getting in touch, we're on it." if ours else example.text,
            "sent_at": at,
            "fetched_at": at,
            "intent": Intent.OTHER if ours else convo["intent"],
            "urgency": 0.0 if ours else convo["urgency"],
        }


def fill(workspace: Workspace, messages: int, seed: int = 5) -> Generated:
    """Add conversations to the workspace until it has `messages` more messages."""
    started = time.perf_counter()
    writer = _Writer(workspace, generated_accounts(workspace), seed)
    conversation_table, message_table = _Table(Conversation), _Table(Message)
    written = conversations = 0
    while written < messages:
        convos: list[Row] = []
        thread: list[Row] = []
        while written < messages and len(convos) < BATCH:
            length = writer.random.choices(THREAD_LENGTHS, THREAD_WEIGHTS)[0]
            convo, rows = writer.conversation(min(length, messages - written))
            convos.append(convo)
            thread.extend(rows)
            written += len(rows)
        with transaction.atomic():
            conversation_table.insert(convos)
            message_table.insert(thread)
        conversations += len(convos)
    _reset_sequences()
    return Generated(conversations, written, time.perf_counter() - started)


def _reset_sequences() -> None:
    """Ids were given here: move PostgreSQL's sequences past them (nothing to do on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Conversation, Message])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
