"""Posts through the API: compose (draft, queue, at) with every network's problems in the
body, duplicates, the list and results, submit, approve, send back, cancel, target changes,
slots; scopes; a helper's token never schedules anything itself; another workspace's ids
answer 404 and change nothing."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from time_machine import TimeMachineFixture

from porch.insights.models import HistoryPost
from porch.publishing.engine import due_targets
from porch.publishing.models import Post, PostingSlot, PostStatus, PostTarget, TargetState
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import add_member

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in London
AT = NOW + timedelta(hours=3)
LATER = NOW + timedelta(days=400)  # after every time a test schedules


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def fake_account(workspace: Workspace, handle: str, max_length: int = 0) -> ConnectedAccount:
    """An account on the fake network, posting at 09:00 and 17:00 every day."""
    account = ConnectedAccount(
        workspace=workspace, network="fake", handle=handle, timezone="Europe/London"
    )
    account.set_credentials({"max_length": max_length} if max_length else {})
    account.save()
    for weekday in range(7):
        PostingSlot.objects.create(account=account, weekday=weekday, time=time(9, 0))
        PostingSlot.objects.create(account=account, weekday=weekday, time=time(17, 0))
    return account


@pytest.fixture
def shop(workspace: Workspace) -> ConnectedAccount:
    return fake_account(workspace, "cornerbakery")


@pytest.fixture
def api(owner: User, workspace: Workspace) -> Api:
    return Api(token_text(member_of(workspace, owner)))


def scopes(workspace: Workspace, user: User, *names: str) -> Api:
    return Api(token_text(member_of(workspace, user), list(names)))


def write(api: Api, accounts: list[ConnectedAccount], text: str, **more: Any) -> Any:
    return api.post("/posts", {"text": text, "account_ids": [a.pk for a in accounts], **more})


def ids_due() -> set[int]:
    return {t.pk for t in due_targets(LATER, limit=1000)}


# Composing -----------------------------------------------------------------------------------


def test_the_owner_drafts_queues_and_schedules_a_post(
    api: Api, shop: ConnectedAccount, workspace: Workspace, owner: User
) -> None:
    draft = write(api, [shop], "Rye loaves are back", when="draft")
    assert draft.status_code == 201
    body = draft.json()
    assert body["status"] == "draft" and body["author_email"] == "owner@bakery.example"
    assert [(t["account_id"], t["network"], t["state"]) for t in body["targets"]] == [
        (shop.pk, "fake", "draft")
    ]
    queued = write(api, [shop], "Sourdough at five", when="queue").json()
    # The next free slot: 17:00 London (16:00 UTC) today, 09:00 is now.
    assert queued["status"] == "scheduled"
    assert queued["targets"][0]["scheduled_at"] == "2026-05-04T16:00:00Z"
    at = write(api, [shop], "Hot cross buns", when="at", at=AT.isoformat()).json()
    assert at["targets"][0]["scheduled_at"] == "2026-05-04T11:00:00Z"
    assert at["targets"][0]["state"] == "scheduled"
    assert Post.objects.filter(workspace=workspace).count() == 3


def test_drafts_need_write_and_scheduling_needs_publish(
    shop: ConnectedAccount, workspace: Workspace, owner: User
) -> None:
    writer = scopes(workspace, owner, "write")
    assert write(writer, [shop], "A draft", when="draft").status_code == 201
    refused = write(writer, [shop], "Queued", when="queue")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope_missing"
    publisher = scopes(workspace, owner, "publish")
    assert write(publisher, [shop], "Queued", when="queue").status_code == 201
    assert write(publisher, [shop], "Draft", when="draft").status_code == 403
    assert scopes(workspace, owner, "write", "publish").get("/posts").status_code == 403
    assert Post.objects.count() == 2


def test_every_networks_problems_come_back_in_the_body(
    api: Api, workspace: Workspace, shop: ConnectedAccount
) -> None:
    short = fake_account(workspace, "short", max_length=20)
    x = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="bakery", timezone="Europe/London"
    )
    answer = api.post(
        "/posts",
        {
            "text": "Cinnamon buns, two for one, all day today",
            "account_ids": [shop.pk, short.pk, x.pk],
            "versions": [{"account_id": x.pk, "text": "b" * 290}],
        },
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "compose_error"
    assert [(f["field"], f["account"], f["network"]) for f in error["fields"]] == [
        ("text", short.pk, "fake"),
        ("versions[0].text", x.pk, "x"),
    ]
    assert " by 21:" in error["fields"][0]["message"]
    assert " by 10: shorten it to 280" in error["fields"][1]["message"]
    assert error["message"] == error["fields"][0]["message"]
    assert not Post.objects.exists()
    # A thread splits where the text is too long: no problem.
    threaded = api.post(
        "/posts",
        {
            "text": "Cinnamon buns, two for one, all day today",
            "account_ids": [short.pk],
            "versions": [{"account_id": short.pk, "thread": True}],
        },
    )
    assert threaded.status_code == 201
    assert len(threaded.json()["targets"][0]["parts"]) == 3


def test_bad_input_says_what_is_wrong(api: Api, shop: ConnectedAccount) -> None:
    none = write(api, [], "Hello")
    assert none.status_code == 422 and none.json()["error"]["code"] == "invalid_input"
    assert none.json()["error"]["fields"][0]["field"].endswith("account_ids")
    naive = write(api, [shop], "Hello", when="at", at="2026-05-04T12:00:00")
    assert naive.status_code == 422 and naive.json()["error"]["code"] == "invalid_input"
    past = write(api, [shop], "Hello", when="at", at=(NOW - timedelta(hours=1)).isoformat())
    assert past.status_code == 422 and past.json()["error"]["code"] == "compose_error"
    stray = write(api, [shop], "Hello", versions=[{"account_id": shop.pk + 1000, "text": "x"}])
    assert stray.status_code == 422
    assert stray.json()["error"]["fields"][0]["field"] == "versions[0].account_id"
    assert not Post.objects.exists()


def test_a_near_duplicate_is_a_409_unless_confirmed(api: Api, shop: ConnectedAccount) -> None:
    assert write(api, [shop], "Lemon drizzle cake is back!").status_code == 201
    again = write(api, [shop], "Lemon drizzle cake is back")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_post"
    assert "confirm_duplicates" in again.json()["error"]["message"]
    assert Post.objects.count() == 1
    sure = write(api, [shop], "Lemon drizzle cake is back", confirm_duplicates=True)
    assert sure.status_code == 201
    assert write(api, [shop], "Lemon drizzle cake is back", when="draft").status_code == 201


# Reading -------------------------------------------------------------------------------------


def test_the_list_pages_and_filters_and_a_post_shows_its_results(
    api: Api, workspace: Workspace, shop: ConnectedAccount
) -> None:
    other = fake_account(workspace, "market")
    made = [write(api, [shop], f"Loaf number {n}", when="draft").json()["id"] for n in range(3)]
    both = write(api, [shop, other], "Market day", when="at", at=AT.isoformat()).json()
    seen, cursor = [], None
    while True:
        answer = api.get("/posts", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [p["id"] for p in answer["items"]]
        if not (cursor := answer["next_cursor"]):
            break
    assert sorted(seen) == sorted([*made, both["id"]]) and len(seen) == 4
    drafts = api.get("/posts", state="draft").json()["items"]
    assert sorted(p["id"] for p in drafts) == sorted(made)
    assert [p["id"] for p in api.get("/posts", account=other.pk).json()["items"]] == [both["id"]]
    assert api.get("/posts", state="gone").status_code == 422

    target = PostTarget.objects.get(post_id=both["id"], account=shop)
    PostTarget.objects.filter(pk=target.pk).update(
        state=TargetState.PUBLISHED,
        external_id="fake-1",
        url="https://fake.example/cornerbakery/1",
        published_at=AT,
    )
    PostTarget.objects.filter(post_id=both["id"], account=other).update(
        state=TargetState.FAILED, error="The fake network refused it. Edit it, then press Retry."
    )
    HistoryPost.objects.create(
        workspace=workspace,
        account=shop,
        network="fake",
        external_id="fake-1",
        published_at=AT,
        weekday=0,
        hour=12,
        likes=4,
        replies=1,
        engagement=5,
    )
    results = {t["account_id"]: t for t in api.get(f"/posts/{both['id']}").json()["targets"]}
    assert results[shop.pk]["state"] == "published"
    assert results[shop.pk]["url"] == "https://fake.example/cornerbakery/1"
    assert results[shop.pk]["published_at"] == "2026-05-04T11:00:00Z"
    assert results[shop.pk]["figures"]["likes"] == 4
    assert results[shop.pk]["figures"]["engagement"] == 5
    assert results[other.pk]["state"] == "failed"
    assert results[other.pk]["error"].startswith("The fake network refused it")
    assert results[other.pk]["figures"] is None


def test_slots_list_each_accounts_weekly_times(api: Api, shop: ConnectedAccount) -> None:
    slots = api.get("/slots").json()
    assert len(slots) == 14
    assert slots[0] | {"id": 0} == {
        "id": 0,
        "account_id": shop.pk,
        "weekday": 0,
        "time": "09:00",
        "timezone": "Europe/London",
    }


# After writing ------------------------------------------------------------------------------


def test_submit_then_cancel_then_submit_again(api: Api, shop: ConnectedAccount) -> None:
    post_id = write(api, [shop], "Scones", when="draft").json()["id"]
    submitted = api.post(f"/posts/{post_id}/submit").json()
    assert submitted["status"] == "scheduled"
    assert submitted["targets"][0]["state"] == "scheduled"
    assert ids_due() == {submitted["targets"][0]["id"]}
    cancelled = api.post(f"/posts/{post_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "draft"
    assert cancelled.json()["targets"][0] | {"id": 0} == cancelled.json()["targets"][0] | {
        "id": 0,
        "state": "draft",
        "scheduled_at": None,
    }
    assert ids_due() == set()
    again = api.post(f"/posts/{post_id}/cancel")
    assert again.status_code == 422 and again.json()["error"]["code"] == "compose_error"
    assert api.post(f"/posts/{post_id}/submit").json()["status"] == "scheduled"


def test_a_post_that_went_out_cannot_be_cancelled(api: Api, shop: ConnectedAccount) -> None:
    post = write(api, [shop], "Pie", when="at", at=AT.isoformat()).json()
    PostTarget.objects.filter(post_id=post["id"]).update(state=TargetState.PUBLISHING)
    refused = api.post(f"/posts/{post['id']}/cancel")
    assert refused.status_code == 422
    assert "cannot be cancelled" in refused.json()["error"]["message"]
    assert Post.objects.get(pk=post["id"]).status == PostStatus.SCHEDULED


def test_a_helpers_token_with_every_scope_never_schedules_by_itself(
    workspace: Workspace, owner: User, shop: ConnectedAccount
) -> None:
    helper = scopes(
        workspace,
        add_member(workspace, "helper@bakery.example", Role.HELPER),
        "read",
        "write",
        "publish",
    )
    at = write(helper, [shop], "Helper's tart", when="at", at=AT.isoformat()).json()
    queued = write(helper, [shop], "Helper's queue", when="queue").json()
    drafted = write(helper, [shop], "Helper's draft", when="draft").json()
    submitted = helper.post(f"/posts/{drafted['id']}/submit").json()
    for post in (at, queued, submitted):
        assert post["status"] == "awaiting_approval"
        assert {t["state"] for t in post["targets"]} == {"draft"}
    assert ids_due() == set()  # nothing a worker would publish
    refused = helper.post(f"/posts/{at['id']}/approve")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    target_id = at["targets"][0]["id"]
    assert helper.patch(f"/posts/{at['id']}/targets/{target_id}", {"text": "Tarts!"}).json()[
        "status"
    ] == ("awaiting_approval")
    assert ids_due() == set()

    owner_api = Api(token_text(member_of(workspace, owner)))
    approved = owner_api.post(f"/posts/{at['id']}/approve").json()
    assert approved["status"] == "scheduled" and approved["targets"][0]["text"] == "Tarts!"
    assert ids_due() == {target_id}
    # A helper's change to the approved post sends it back; nothing goes out before.
    helper.patch(f"/posts/{at['id']}/targets/{target_id}", {"text": "Tarts, half price!"})
    assert Post.objects.get(pk=at["id"]).status == PostStatus.AWAITING_APPROVAL
    assert ids_due() == set()
    back = owner_api.post(f"/posts/{queued['id']}/send-back", {"comment": "Add the price"})
    assert back.json()["status"] == "draft" and back.json()["review_comment"] == "Add the price"
    assert helper.post(f"/posts/{at['id']}/send-back", {"comment": "x"}).status_code == 403
    # The owner's own scheduled post, cancelled and submitted again by the helper, waits too.
    owners = write(owner_api, [shop], "Owner's loaf", when="at", at=AT.isoformat()).json()
    assert ids_due() == {owners["targets"][0]["id"]}
    assert helper.post(f"/posts/{owners['id']}/cancel").json()["status"] == "draft"
    assert helper.post(f"/posts/{owners['id']}/submit").json()["status"] == "awaiting_approval"
    assert ids_due() == set()


def test_a_target_changes_its_text_or_time(
    api: Api, workspace: Workspace, owner: User, shop: ConnectedAccount
) -> None:
    post = write(api, [shop], "Bagels", when="at", at=AT.isoformat()).json()
    path = f"/posts/{post['id']}/targets/{post['targets'][0]['id']}"
    later = AT + timedelta(days=1)
    changed = api.patch(path, {"text": "Bagels, still warm", "at": later.isoformat()}).json()
    assert changed["targets"][0]["text"] == "Bagels, still warm"
    assert changed["targets"][0]["scheduled_at"] == "2026-05-05T11:00:00Z"
    too_long = api.patch(path, {"text": "b" * 501})
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "compose_error"
    assert api.patch(path, {}).status_code == 422
    # A scheduled post is changed with publish; a draft's target with write.
    writer = scopes(workspace, owner, "write")
    assert writer.patch(path, {"text": "Bagels!"}).status_code == 403
    draft = write(api, [shop], "Muffins", when="draft").json()
    draft_path = f"/posts/{draft['id']}/targets/{draft['targets'][0]['id']}"
    assert writer.patch(draft_path, {"text": "Muffins!"}).status_code == 200
    assert PostTarget.objects.get(post_id=post["id"]).text == "Bagels, still warm"


# Walls ----------------------------------------------------------------------------------------


def test_another_workspaces_ids_are_404_and_nothing_changes(
    api: Api, workspace: Workspace, shop: ConnectedAccount
) -> None:
    them = workspaces.create_user("owner@mill.example", "correct horse battery staple")
    mill = workspaces.create_workspace(them, "The Mill", "Europe/London")
    theirs = fake_account(mill, "mill")
    their_api = Api(token_text(member_of(mill, them)))
    their_post = write(their_api, [theirs], "Flour sale", when="at", at=AT.isoformat()).json()
    target_id = their_post["targets"][0]["id"]
    mine = write(api, [shop], "Mine", when="draft").json()
    before = list(PostTarget.objects.order_by("pk").values())

    for answer in (
        write(api, [theirs], "Into their account"),
        write(api, [shop, theirs], "Half theirs", when="draft"),
        api.get(f"/posts/{their_post['id']}"),
        api.get("/posts", account=theirs.pk),
        api.post(f"/posts/{their_post['id']}/submit"),
        api.post(f"/posts/{their_post['id']}/approve"),
        api.post(f"/posts/{their_post['id']}/cancel"),
        api.post(f"/posts/{their_post['id']}/send-back", {"comment": "no"}),
        api.patch(f"/posts/{their_post['id']}/targets/{target_id}", {"text": "Mine now"}),
        api.patch(f"/posts/{mine['id']}/targets/{target_id}", {"text": "Mine now"}),
        api.post(f"/posts/{their_post['id']}/targets/{target_id}/retry"),
    ):
        assert answer.status_code == 404, answer.content
        assert answer.json()["error"]["code"] == "not_found"
    assert list(PostTarget.objects.order_by("pk").values()) == before
    assert Post.objects.filter(workspace=workspace).count() == 1
    assert [p["id"] for p in api.get("/posts").json()["items"]] == [mine["id"]]
    assert all(s["account_id"] == shop.pk for s in api.get("/slots").json())


def test_the_same_idempotency_key_twice_makes_one_post_and_answers_the_same(
    api: Api, shop: ConnectedAccount
) -> None:
    body = {"text": "Focaccia Friday", "account_ids": [shop.pk], "when": "queue"}
    first = api.post("/posts", body, Idempotency_Key="focaccia-1")
    second = api.post("/posts", body, Idempotency_Key="focaccia-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Post.objects.count() == 1 and PostTarget.objects.count() == 1
    other = api.post("/posts", body | {"text": "Focaccia Saturday"}, Idempotency_Key="focaccia-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    post_id = first.json()["id"]
    cancels = [api.post(f"/posts/{post_id}/cancel", Idempotency_Key="stop-1") for _ in range(2)]
    assert [c.status_code for c in cancels] == [200, 200]  # the second replays, not a 422
    assert cancels[0].json() == cancels[1].json()
