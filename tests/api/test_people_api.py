"""People through the API: the list paged and filtered as the people page, a person with
identities and history, the owner's changes, a suggested merge confirmed, erasure (only
with confirm) and export; each refused as the pages refuse it (scope, role, another
workspace)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.inbox.models import Conversation, Message
from porch.people.models import Identity, Merge, MergeSuggestion, Person, Status
from porch.people.services import identify
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import PASSWORD, add_member
from tests.people.test_views import person

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def me(workspace: Workspace, owner: User) -> Membership:
    return member_of(workspace, owner)


@pytest.fixture
def api(me: Membership) -> Api:
    return Api(token_text(me))


def wrote(workspace: Workspace, handle: str, text: str) -> Conversation:
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="r1",
        contact_handle=handle,
        contact_id=f"id:{handle}",
        first_message_at=AT,
        last_message_at=AT,
    )
    Message.objects.create(
        workspace=workspace,
        account=account,
        conversation=convo,
        network="bluesky",
        external_id="m1",
        kind="mention",
        author_handle=handle,
        author_id=f"id:{handle}",
        text=text,
        sent_at=AT - timedelta(hours=1),
        sentiment="negative",
    )
    return convo


def suggested(workspace: Workspace) -> tuple[Person, Person, MergeSuggestion]:
    older = person(workspace, "ana.example", "bluesky", display_name="Ana")
    newer = person(workspace, "ana@toot.example", "mastodon", display_name="Ana B")
    found = MergeSuggestion.objects.create(
        workspace=workspace, a=older, b=newer, score=0.9, evidence=["Her profiles link"]
    )
    return older, newer, found


def elsewhere() -> Membership:
    stranger = workspaces.create_user("other@example.com", PASSWORD)
    return member_of(workspaces.create_workspace(stranger, "Other Shop", "Europe/London"), stranger)


def role_api(workspace: Workspace, role: Role, scopes: list[str] | None = None) -> Api:
    user = add_member(workspace, f"{role}@bakery.example", role)
    return Api(token_text(member_of(workspace, user), scopes))


def walk(api: Api, path: str, **params: object) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        answer = api.get(path, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.json()
        seen += [row["id"] for row in answer.json()["items"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return seen


def test_the_list_pages_last_seen_first_and_filters(api: Api, workspace: Workspace) -> None:
    people = [person(workspace, f"p{n}.example", seen_minutes_ago=n) for n in range(5)]
    lead = person(workspace, "rye.lover", seen_minutes_ago=50, status=Status.LEAD, tags=["regular"])
    never = identify(workspace, "bluesky", "id:quiet", "quiet.example").person
    assert walk(api, "/people", limit=2) == [p.pk for p in people] + [lead.pk, never.pk]
    assert walk(api, "/people", status="lead") == [lead.pk]
    assert walk(api, "/people", tag="regular") == [lead.pk]
    assert walk(api, "/people", q="@RYE") == [lead.pk]
    listed = api.get("/people", status="lead").json()["items"][0]
    assert listed["identities"][0]["handle"] == "rye.lover"
    bad = api.get("/people", status="friend")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


def test_a_person_has_identities_history_and_suggestions(api: Api, workspace: Workspace) -> None:
    ana, other, suggestion = suggested(workspace)
    convo = wrote(workspace, "ana.example", "The rye was stale today")
    answer = api.get(f"/people/{ana.pk}")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert [i["handle"] for i in body["identities"]] == ["ana.example"]
    assert body["conversation_ids"] == [convo.pk]
    assert [(e["kind"], e["text"]) for e in body["history"]] == [
        ("message", "The rye was stale today")
    ]
    assert body["history_more"] is False
    assert body["merge_suggestions"] == [
        {"id": suggestion.pk, "other_id": other.pk, "score": 0.9, "evidence": ["Her profiles link"]}
    ]


def test_the_owner_changes_status_tags_and_note(api: Api, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example")
    changed = api.patch(
        f"/people/{ana.pk}", {"status": "vip", "tags": [" regular", "Regular", "rye"]}
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["status"], changed.json()["tags"]) == ("vip", ["regular", "rye"])
    noted = api.patch(f"/people/{ana.pk}", {"note": "Likes the seeded loaf", "venture": "idea"})
    assert (noted.json()["note"], noted.json()["venture"]) == ("Likes the seeded loaf", "idea")
    ana.refresh_from_db()
    assert (ana.status, ana.tags, ana.note) == ("vip", ["regular", "rye"], "Likes the seeded loaf")
    long_tag = api.patch(f"/people/{ana.pk}", {"tags": ["x" * 41]})
    assert long_tag.status_code == 422 and "at most 40" in long_tag.json()["error"]["message"]
    bad = api.patch(f"/people/{ana.pk}", {"status": "friend"})
    assert bad.status_code == 422
    assert Person.objects.get(pk=ana.pk).tags == ["regular", "rye"]


def test_a_suggested_merge_is_confirmed_and_another_is_not(api: Api, workspace: Workspace) -> None:
    ana, other, _ = suggested(workspace)
    stranger = person(workspace, "bob@toot.example", "mastodon")
    unsuggested = api.post(f"/people/{ana.pk}/merge", {"other_id": stranger.pk})
    assert unsuggested.status_code == 404
    done = api.post(f"/people/{other.pk}/merge", {"other_id": ana.pk})
    assert done.status_code == 200, done.json()
    merge = Merge.objects.get()
    assert done.json() == {"merge_id": merge.pk, "into_id": ana.pk, "merged_id": other.pk}
    assert set(Identity.objects.filter(person=ana).values_list("network", flat=True)) == {
        "bluesky",
        "mastodon",
    }
    again = api.post(f"/people/{ana.pk}/merge", {"other_id": other.pk})
    assert again.status_code == 404  # the person merged away is gone


def test_erase_needs_confirm_and_export_gives_the_pages_json(
    api: Api, workspace: Workspace
) -> None:
    ana = person(workspace, "ana.example", display_name="Ana")
    wrote(workspace, "ana.example", "The rye was stale today")
    exported = api.get(f"/people/{ana.pk}/export")
    assert exported.status_code == 200, exported.json()
    assert exported.json()["person"]["display_name"] == "Ana"
    assert exported.json()["identities"][0]["handle"] == "ana.example"
    unconfirmed = api.post(f"/people/{ana.pk}/erase", {})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["error"]["code"] == "confirm_required"
    assert Person.objects.filter(pk=ana.pk).exists()
    erased = api.post(f"/people/{ana.pk}/erase", {"confirm": True})
    assert erased.status_code == 200, erased.json()
    assert not Person.objects.filter(pk=ana.pk).exists() and not Message.objects.exists()
    assert api.get(f"/people/{ana.pk}").status_code == 404


def test_another_workspaces_people_are_not_found(workspace: Workspace) -> None:
    ana, other, _ = suggested(workspace)
    api = Api(token_text(elsewhere()))
    for answer in (
        api.get(f"/people/{ana.pk}"),
        api.patch(f"/people/{ana.pk}", {"status": "vip"}),
        api.post(f"/people/{ana.pk}/merge", {"other_id": other.pk}),
        api.post(f"/people/{ana.pk}/erase", {"confirm": True}),
        api.get(f"/people/{ana.pk}/export"),
    ):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert api.get("/people").json()["items"] == []
    assert Person.objects.get(pk=ana.pk).status == Status.OTHER
    assert not Merge.objects.exists() and Person.objects.count() == 2


def test_scopes_and_roles_are_the_pages(workspace: Workspace, me: Membership) -> None:
    ana, other, _ = suggested(workspace)
    reader = Api(token_text(me, ["read"]))
    for answer in (
        reader.patch(f"/people/{ana.pk}", {"status": "vip"}),
        reader.post(f"/people/{ana.pk}/merge", {"other_id": other.pk}),
        reader.post(f"/people/{ana.pk}/erase", {"confirm": True}),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"
    helper = role_api(workspace, Role.HELPER)
    assert helper.get(f"/people/{ana.pk}").status_code == 200
    for answer in (
        helper.patch(f"/people/{ana.pk}", {"status": "vip"}),
        helper.post(f"/people/{ana.pk}/merge", {"other_id": other.pk}),
        helper.post(f"/people/{ana.pk}/erase", {"confirm": True}),
        helper.get(f"/people/{ana.pk}/export"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert Person.objects.count() == 2 and Person.objects.get(pk=ana.pk).status == Status.OTHER
    assert not Merge.objects.exists()
