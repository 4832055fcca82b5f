"""Listening through the API: searches made, read, changed, paused and removed; their hits
paged newest first and filtered as the stream page; a hit marked, taken to the inbox, liked
and answered; each refused as the pages refuse it (scope, role, another workspace)."""

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.inbox.models import Conversation, Reply
from porch.listening import services
from porch.listening.models import Hit, HitMark, Search, SearchHit
from porch.networks.fake import store
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import PASSWORD, add_member

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
_ids = itertools.count()


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def me(workspace: Workspace, owner: User) -> Membership:
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    return member_of(workspace, owner)


@pytest.fixture
def api(me: Membership) -> Api:
    return Api(token_text(me))


@pytest.fixture
def search(me: Membership) -> Search:
    return services.create_search(me, "Sourdough", "sourdough", "niche", ["fake"])


def found(search: Search, author: str, minutes_ago: int, **fields: object) -> Hit:
    sent = AT - timedelta(minutes=minutes_ago)
    hit = Hit.objects.create(
        workspace=search.workspace,
        network="fake",
        external_id=f"post-{next(_ids)}",
        author_handle=author,
        text=f"{author} loves sourdough",
        sent_at=sent,
        **fields,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=sent)
    return hit


def elsewhere() -> Membership:
    stranger = workspaces.create_user("other@example.com", PASSWORD)
    return member_of(workspaces.create_workspace(stranger, "Other Shop", "Europe/London"), stranger)


def role_api(workspace: Workspace, role: Role, scopes: list[str] | None = None) -> Api:
    user = add_member(workspace, f"{role}@bakery.example", role)
    return Api(token_text(member_of(workspace, user), scopes))


def test_the_owner_makes_reads_changes_pauses_and_removes_a_search(api: Api) -> None:
    made = api.post(
        "/searches",
        {"name": "Rye", "query": "rye bread", "kind": "product", "networks": ["fake"]},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["name"], body["query"], body["kind"], body["active"]) == (
        "Rye",
        "rye bread",
        "product",
        True,
    )
    sid = body["id"]
    listed = api.get("/searches").json()
    assert [s["id"] for s in listed["items"]] == [sid] and listed["next_cursor"] is None
    assert api.get(f"/searches/{sid}").json()["query"] == "rye bread"

    changed = api.patch(f"/searches/{sid}", {"query": "rye loaf", "monthly_read_budget": 50})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["query"], changed.json()["name"]) == ("rye loaf", "Rye")
    assert changed.json()["monthly_read_budget"] == 50
    paused = api.patch(f"/searches/{sid}", {"active": False})
    assert paused.json()["active"] is False and not Search.objects.get().active

    assert api.delete(f"/searches/{sid}").status_code == 204
    assert not Search.objects.exists()
    assert api.get(f"/searches/{sid}").json()["error"]["code"] == "not_found"


def test_a_query_the_parser_cannot_read_is_a_422_with_its_words(api: Api) -> None:
    answer = api.post("/searches", {"query": '"rye bread', "networks": ["fake"]})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "search_syntax_error"
    assert "A quote is not closed" in error["message"]
    missing = api.post("/searches", {"query": "rye"})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_input"
    assert any("networks" in f["field"] for f in missing.json()["error"]["fields"])
    assert not Search.objects.exists()


def test_the_same_search_twice_is_a_conflict(api: Api, search: Search) -> None:
    again = api.post("/searches", {"query": "SOURDOUGH", "kind": "niche", "networks": ["fake"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_hits_page_newest_first_and_filter_as_the_stream(api: Api, search: Search) -> None:
    hits = [found(search, f"author{n}", minutes_ago=n) for n in range(5)]
    found(search, "asker", minutes_ago=10, is_question=True, intent="question")
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = api.get(f"/searches/{search.pk}/hits", **params).json()
        seen += [h["id"] for h in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen[:5] == [h.pk for h in hits] and len(seen) == 6
    questions = api.get(f"/searches/{search.pk}/hits", questions="true").json()["items"]
    assert [h["author_handle"] for h in questions] == ["asker"]
    wrong = api.get(f"/searches/{search.pk}/hits", intent="gossip")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_input"
    first = api.get(f"/searches/{search.pk}/hits", limit=2).json()["next_cursor"]
    other = api.get(f"/searches/{search.pk}/hits", limit=2, questions="true", cursor=first)
    assert other.status_code == 400
    assert other.json()["error"]["code"] == "cursor_for_other_filters"


def test_a_hit_is_marked_and_restored_and_taken_to_the_inbox(api: Api, search: Search) -> None:
    hit = found(search, "maya", minutes_ago=1)
    marked = api.post(f"/hits/{hit.pk}/mark", {"relevant": False})
    assert marked.status_code == 200 and marked.json() == {"hit_id": hit.pk, "relevant": False}
    assert api.get(f"/searches/{search.pk}/hits").json()["items"] == []
    hidden = api.get(f"/searches/{search.pk}/hits", hidden="true").json()["items"]
    assert [h["id"] for h in hidden] == [hit.pk]
    assert api.post(f"/hits/{hit.pk}/mark", {"relevant": True}).status_code == 200
    assert HitMark.objects.get().relevant

    taken = api.post(f"/hits/{hit.pk}/take")
    assert taken.status_code == 200, taken.json()
    conversation = Conversation.objects.get()
    assert taken.json() == {"hit_id": hit.pk, "conversation_id": conversation.pk}
    assert api.post(f"/hits/{hit.pk}/take").json()["conversation_id"] == conversation.pk
    listed = api.get(f"/searches/{search.pk}/hits").json()["items"]
    assert listed[0]["conversation_id"] == conversation.pk


def test_the_owner_likes_and_answers_a_hit_on_its_network(api: Api, search: Search) -> None:
    external = store.customer_post("maya", "Anyone know where to get good rye?")
    post = store.get_post(external)
    assert post is not None
    hit = found(search, "maya", minutes_ago=1)
    Hit.objects.filter(pk=hit.pk).update(external_id=external, author_id="fake:maya")
    liked = api.post(f"/hits/{hit.pk}/engage", {"action": "like"})
    assert liked.status_code == 200, liked.json()
    assert store.engagements("shop") == [("like", external)]
    replied = api.post(f"/hits/{hit.pk}/replies", {"text": "Try our rye!"})
    assert replied.status_code == 201, replied.json()
    reply = Reply.objects.get()
    assert replied.json()["id"] == reply.pk and reply.text == "Try our rye!"
    bad = api.post(f"/hits/{hit.pk}/engage", {"action": "poke"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    assert [f["field"] for f in bad.json()["error"]["fields"]] == ["body.body.action"]


def test_another_workspaces_searches_and_hits_are_not_found(search: Search) -> None:
    hit = found(search, "maya", minutes_ago=1)
    api = Api(token_text(elsewhere()))
    for answer in (
        api.get(f"/searches/{search.pk}"),
        api.get(f"/searches/{search.pk}/hits"),
        api.patch(f"/searches/{search.pk}", {"name": "Mine now"}),
        api.delete(f"/searches/{search.pk}"),
        api.post(f"/hits/{hit.pk}/mark", {"relevant": False}),
        api.post(f"/hits/{hit.pk}/take"),
        api.post(f"/hits/{hit.pk}/engage", {"action": "like"}),
        api.post(f"/hits/{hit.pk}/replies", {"text": "hi"}),
    ):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert Search.objects.get().name == "Sourdough"
    assert not HitMark.objects.exists() and not Conversation.objects.exists()
    assert api.get("/searches").json()["items"] == []


def test_scopes_and_roles_are_the_pages(
    workspace: Workspace, me: Membership, search: Search
) -> None:
    hit = found(search, "maya", minutes_ago=1)
    reader = Api(token_text(me, ["read"]))
    for answer in (
        reader.post("/searches", {"query": "rye", "networks": ["fake"]}),
        reader.patch(f"/searches/{search.pk}", {"active": False}),
        reader.delete(f"/searches/{search.pk}"),
        reader.post(f"/hits/{hit.pk}/mark", {"relevant": False}),
        reader.post(f"/hits/{hit.pk}/take"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"
    writer = Api(token_text(me, ["read", "write"]))
    no_publish = writer.post(f"/hits/{hit.pk}/engage", {"action": "like"})
    assert no_publish.json()["error"]["code"] == "scope_missing"

    helper = role_api(workspace, Role.HELPER)
    for answer in (
        helper.post("/searches", {"query": "rye", "networks": ["fake"]}),
        helper.patch(f"/searches/{search.pk}", {"active": False}),
        helper.delete(f"/searches/{search.pk}"),
        helper.post(f"/hits/{hit.pk}/engage", {"action": "like"}),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert Search.objects.get().active and store.engagements("shop") == []
    assert helper.post(f"/hits/{hit.pk}/mark", {"relevant": False}).status_code == 200
    assert helper.get(f"/searches/{search.pk}").status_code == 200
