"""Erasing a person leaves no row in any table that names them, touches no one else's, and
an export first holds everything Porch had about them."""

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models

from porch.errors import NotAllowed, NotFound
from porch.inbox.models import Conversation, Message, MessageKind, Note, Reply
from porch.listening.models import Hit, HitMark, Mute, MuteKind, Search, SearchHit, SpikeAlert
from porch.people import privacy
from porch.people.models import (
    Follow,
    Identity,
    Merge,
    MergeSuggestion,
    PeerSuggestion,
    Person,
    TheirFollow,
)
from porch.people.privacy import Subject, erase_person, export_person, register_erasure
from porch.people.services import identify
from porch.triage.models import TriageCorrection
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace, network_choices
from tests.conftest import add_member

ONE, OTHER = (name for name, _ in network_choices()[:2])
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)

# Her, on two networks (the second a Mastodon-like account: a URI and a server-local id).
HER_ID, HER_HANDLE = "did:plc:wilhelminaquist", "wilhelmina.quist.example"
HER_URI, HER_LOCAL, HER_OTHER_HANDLE = "https://toot.example/users/wilq", "771234567890", "wilq"
HER_NAME = "Wilhelmina Quist-Zoë"
HER_TEXTS = [
    "The rye from Tuesday was burnt through, zebra-crossing-7781",
    "Do you still do the plum tart on Sundays? quokka-5519",
    "Bumping this: no answer yet about the tart, marmot-2204",
    "Joining in: mine was burnt too, ibex-9913",
]
OURS, NOTE, HIT_TEXT = (
    "Sorry Wilhelmina, a fresh loaf is yours",
    "Call her back, lynx-3307",
    ("Best plum tart in town at the corner bakery, okapi-6620"),
)
HIS_NAME, HIS_TEXT = "Bartholomew Ng", "My croissant was perfect, thanks! heron-4410"


def _account(workspace: Workspace, network: str) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network=network, handle="bakery")


def _conversation(account: ConnectedAccount, handle: str, contact_id: str) -> Conversation:
    return Conversation.objects.create(
        workspace=account.workspace,
        account=account,
        root_external_id=f"root-{next(_ids)}",
        contact_handle=handle,
        contact_id=contact_id,
        first_message_at=NOW,
        last_message_at=NOW,
    )


def _message(
    conversation: Conversation, handle: str, author_id: str, text: str, **extra: Any
) -> Message:
    return Message.objects.create(
        workspace=conversation.workspace,
        account=conversation.account,
        conversation=conversation,
        network=conversation.account.network,
        external_id=extra.pop("external_id", f"msg-{next(_ids)}"),
        kind=extra.pop("kind", MessageKind.MENTION),
        author_handle=handle,
        author_name=extra.pop("author_name", ""),
        author_id=author_id,
        text=text,
        sent_at=NOW - timedelta(minutes=next(_ids)),
        **extra,
    )


def _hit(workspace: Workspace, search: Search, handle: str, author_id: str, text: str) -> Hit:
    external_id = f"at://{author_id or handle}/post/{next(_ids)}"
    hit = Hit.objects.create(
        workspace=workspace,
        network=ONE,
        external_id=external_id,
        author_handle=handle,
        author_id=author_id,
        text=text,
        sent_at=NOW,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=NOW)
    return hit


def build(workspace: Workspace, owner: User) -> tuple[Person, Person]:
    """Her (two networks, merged), with everything Porch can hold; him, with rows of his own
    that point at hers."""
    one, other = _account(workspace, ONE), _account(workspace, OTHER)
    her = identify(workspace, ONE, HER_ID, HER_HANDLE, HER_NAME)
    second = identify(workspace, OTHER, HER_URI, HER_OTHER_HANDLE, HER_NAME)
    Identity.objects.filter(pk=second.pk).update(local_id=HER_LOCAL, bio=f"I am {HER_NAME}")
    merged_away = second.person
    Identity.objects.filter(pk=second.pk).update(person=her.person)
    Merge.objects.create(
        workspace=workspace,
        into=her.person,
        moved={"person": {"display_name": HER_NAME}, "identities": [second.pk]},
    )
    merged_away.delete()
    him = identify(workspace, ONE, "did:plc:bartng", "bart.example", HIS_NAME)

    first = _conversation(one, HER_HANDLE, HER_ID)
    mine = _message(first, HER_HANDLE, HER_ID, HER_TEXTS[0], external_id=f"at://{HER_ID}/p/1")
    _message(first, "bakery", "", OURS, kind=MessageKind.OURS, in_reply_to=mine.external_id)
    Reply.objects.create(conversation=first, author=owner, text=OURS, in_reply_to=mine.external_id)
    Note.objects.create(conversation=first, author=owner, text=NOTE)
    on_other = _conversation(other, HER_OTHER_HANDLE, HER_LOCAL)
    _message(on_other, HER_OTHER_HANDLE, HER_LOCAL, HER_TEXTS[1], author_name=HER_NAME)
    _message(first, HER_HANDLE, "", HER_TEXTS[2])  # a row that kept only her handle
    his_conversation = _conversation(one, "bart.example", "did:plc:bartng")
    his = _message(his_conversation, "bart.example", "did:plc:bartng", HIS_TEXT)
    _message(his_conversation, HER_HANDLE, HER_ID, HER_TEXTS[3], in_reply_to=his.external_id)
    answer = _message(his_conversation, "bart.example", "did:plc:bartng", "Same, sorry!")
    Message.objects.filter(pk=answer.pk).update(in_reply_to=mine.external_id)

    search = Search.objects.create(workspace=workspace, name="Tarts", query="tart")
    her_hit = _hit(workspace, search, HER_HANDLE, HER_ID, HIT_TEXT)
    HitMark.objects.create(hit=her_hit, relevant=True, marked_by=owner)
    his_hit = _hit(workspace, search, "bart.example", "did:plc:bartng", "Quoting this")
    Hit.objects.filter(pk=his_hit.pk).update(quote_of=her_hit, quotes_id=her_hit.external_id)
    SpikeAlert.objects.create(
        search=search,
        channel="email",
        hour=NOW,
        reason="volume",
        count=2,
        negative=0,
        usual=1,
        hit_ids=[her_hit.pk, his_hit.pk],
        created_at=NOW,
    )
    Mute.objects.create(workspace=workspace, kind=MuteKind.AUTHOR, value=HER_HANDLE)
    Mute.objects.create(workspace=workspace, kind=MuteKind.AUTHOR, value="bart.example")

    TriageCorrection.objects.create(workspace=workspace, text=HER_TEXTS[0], intent="complaint")
    TriageCorrection.objects.create(workspace=workspace, text=HIS_TEXT, intent="praise")

    Follow.objects.create(account=one, identity=her, seen_at=NOW)
    Follow.objects.create(account=one, identity=him, seen_at=NOW)
    TheirFollow.objects.create(follower=her, network=ONE, stable_id="did:plc:x", handle="x.test")
    TheirFollow.objects.create(follower=him, network=ONE, stable_id=HER_ID, handle=HER_HANDLE)
    MergeSuggestion.objects.create(workspace=workspace, a=her.person, b=him.person, score=0.6)
    for who, (stable_id, handle) in enumerate([(HER_ID, HER_HANDLE), ("did:plc:pip", "pip.test")]):
        PeerSuggestion.objects.create(
            workspace=workspace,
            network=ONE,
            stable_id=stable_id,
            handle=handle,
            display_name=HER_NAME if who == 0 else "Pip",
            score=1.0,
            why={"posts": [{"url": "", "text": HIT_TEXT}]} if who == 0 else PIP_WHY,
            ranked_at=NOW,
        )
    return her.person, him.person


PIP_WHY = {
    "posts": [{"url": "https://example.test/pip/1", "text": "pip"}],
    "followers": [HER_HANDLE, "bart.example"],
    "shared_followers": 2,
    "lines": [
        f"Followed by 2 of your followers ({HER_HANDLE}, bart.example).",
        f"Shared by {HER_NAME}.",
    ],
}
NEEDLES = [HER_ID, HER_HANDLE, HER_URI, HER_LOCAL, HER_NAME, *HER_TEXTS, OURS, NOTE, HIT_TEXT]


def naming(needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where any row of any model names one of the needles."""
    found: list[tuple[str, str, str]] = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for field in fields:
            for value in model._default_manager.values_list(field.attname, flat=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found.extend(
                    (model._meta.db_table, field.name, needle)
                    for needle in needles
                    if needle.casefold() in (text or "").casefold()
                )
    return found


def his_rows(him: Person) -> dict[str, Any]:
    return {
        "person": list(Person.objects.filter(pk=him.pk).values()),
        "identities": list(Identity.objects.filter(person=him).values()),
        "messages": sorted(
            Message.objects.filter(author_handle="bart.example").values_list("text")
        ),
        "hits": list(Hit.objects.filter(author_handle="bart.example").values_list("text")),
        "corrections": list(TriageCorrection.objects.values_list("text")),
        "follows": Follow.objects.filter(identity__person=him).count(),
        "matches": SearchHit.objects.count(),
        "mutes": list(Mute.objects.values_list("value")),
        "peers": list(PeerSuggestion.objects.values_list("handle")),
        "their_follows": TheirFollow.objects.filter(follower__person=him).count(),
    }


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


def test_erasure_leaves_no_row_anywhere_that_names_her(
    member: Membership, owner: User, workspace: Workspace
) -> None:
    her, _ = build(workspace, owner)
    before = naming(NEEDLES)
    assert {needle for _, _, needle in before} == set(NEEDLES)  # the search does find them

    erased = erase_person(member, her)

    assert naming(NEEDLES) == []
    assert erased["people"] == 1 and erased["identities"] == 2
    assert erased["messages"] == 5 and erased["conversations"] == 2
    assert erased["hits"] == 1 and erased["corrections"] == 1 and erased["mutes"] == 1
    assert (erased["notes"], erased["replies"], erased["marks"]) == (1, 1, 1)
    assert not Person.objects.filter(pk=her.pk).exists()


def test_erasure_leaves_everyone_else_as_it_was(
    member: Membership, owner: User, workspace: Workspace
) -> None:
    her, him = build(workspace, owner)
    his_before = his_rows(him)
    expected = {**his_before, "corrections": [(HIS_TEXT,)], "matches": 1}
    expected |= {"mutes": [("bart.example",)], "peers": [("pip.test",)], "their_follows": 0}

    erase_person(member, her)

    after = his_rows(him)
    assert {k: v for k, v in after.items() if k != "person"} == {
        k: v for k, v in expected.items() if k != "person"
    }
    assert [dict(row, updated_at=None) for row in after["person"]] == [
        dict(row, updated_at=None) for row in his_before["person"]
    ]
    his_hit = Hit.objects.get(author_handle="bart.example")
    assert his_hit.quote_of is None and his_hit.quotes_id == ""  # the quoted post is gone
    assert SpikeAlert.objects.get().hit_ids == [his_hit.pk]
    assert Conversation.objects.filter(contact_handle="bart.example").count() == 1
    assert PeerSuggestion.objects.get().why == {  # another peer's reasons forget she follows
        **PIP_WHY,
        "followers": ["bart.example"],
        "lines": ["Followed by 2 of your followers (bart.example).", "Shared by ."],
    }


def test_the_export_holds_everything_she_wrote_and_what_the_business_wrote_to_her(
    member: Membership, owner: User, workspace: Workspace
) -> None:
    her, _ = build(workspace, owner)

    exported = json.loads(json.dumps(export_person(member, her)))

    texts = {row["text"] for row in exported["messages"]}
    assert set(HER_TEXTS) | {OURS} <= texts and HIS_TEXT not in texts
    assert [row["text"] for row in exported["replies"]] == [OURS]
    assert [row["text"] for row in exported["notes"]] == [NOTE]
    assert [row["text"] for row in exported["hits"]] == [HIT_TEXT]
    assert exported["hits"][0]["searches"] == ["Tarts"]
    assert [row["text"] for row in exported["corrections"]] == [HER_TEXTS[0]]
    assert exported["person"]["display_name"] == HER_NAME
    assert {row["stable_id"] for row in exported["identities"]} == {HER_ID, HER_URI}
    assert len(exported["follows"]) == 1 and len(exported["merges"]) == 1
    assert len(exported["merge_suggestions"]) == 1
    assert [row["handle"] for row in exported["peer_suggestions"]] == [HER_HANDLE]
    assert Person.objects.filter(pk=her.pk).exists()  # an export changes nothing


def test_only_an_owner_or_manager_of_her_workspace_may_erase_or_export(
    owner: User, workspace: Workspace
) -> None:
    her, _ = build(workspace, owner)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper = Membership.objects.get(user=helper, workspace=workspace)
    stranger_owner = services.create_user("other@shop.example", "correct horse battery staple")
    elsewhere = services.create_workspace(stranger_owner, "Other Shop", "Europe/London")
    as_stranger = Membership.objects.get(user=stranger_owner, workspace=elsewhere)

    for action in (erase_person, export_person):
        with pytest.raises(NotAllowed):
            action(as_helper, her)
        with pytest.raises(NotFound):
            action(as_stranger, her)
    manager = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    erase_person(Membership.objects.get(user=manager, workspace=workspace), her)
    assert not Person.objects.filter(pk=her.pk).exists()


def test_an_app_registers_what_it_holds_and_erasure_reaches_it(
    member: Membership, owner: User, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    her, _ = build(workspace, owner)
    seen: list[tuple[int, set[str]]] = []

    def offers_eraser(subject: Subject) -> dict[str, int]:
        seen.append((subject.person.pk, subject.handles()))
        return {"codes": 2}

    monkeypatch.setattr(privacy, "ERASERS", list(privacy.ERASERS))
    register_erasure(offers_eraser)
    register_erasure(offers_eraser)  # once is enough

    erased = erase_person(member, her)

    assert seen == [(her.pk, {HER_HANDLE, HER_OTHER_HANDLE})] and erased["codes"] == 2


def test_a_failing_app_erases_nothing(
    member: Membership, owner: User, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    her, _ = build(workspace, owner)

    def broken(subject: Subject) -> dict[str, int]:
        raise RuntimeError("the offers table is locked")

    monkeypatch.setattr(privacy, "ERASERS", [*privacy.ERASERS, broken])
    with pytest.raises(RuntimeError):
        erase_person(member, her)

    assert {needle for _, _, needle in naming(NEEDLES)} == set(NEEDLES)  # one transaction
