"""Peer discovery: accounts ranked from listening, from the followers' follows and from the
plan, each saying why; competitors, customers, the business's own accounts and muted authors
never suggested; the owner's choices kept by the next ranking; the page and its actions
(a helper reads and drafts, but cannot act)."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import HTTPServer
from itertools import count

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from porch.listening.models import Hit, HitMark, Mute, Search, SearchHit
from porch.networks.fake import store
from porch.people.models import (
    Follow,
    Identity,
    NetworkSuggestion,
    PeerState,
    PeerSuggestion,
    Person,
    Status,
    TheirFollow,
    Venture,
)
from porch.plans import peers
from porch.plans.models import Plan
from porch.plans.tasks import rank_peers_everywhere
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member, free_port
from tests.plans.test_rewrite import REPLY, ChatServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_ids = count(1)


@pytest.fixture
def member(workspace: Workspace, owner: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=owner)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="shop", external_id="fake:shop"
    )


def search(workspace: Workspace, name: str, kind: str = "niche") -> Search:
    return Search.objects.create(
        workspace=workspace, name=name, query=name.lower(), kind=kind, networks=["fake"]
    )


def post(
    found: Search,
    handle: str,
    text: str = "Our rye loaves are out of the oven",
    days_ago: float = 1,
    **fields: object,
) -> Hit:
    n = next(_ids)
    at = NOW - timedelta(days=days_ago)
    defaults: dict[str, object] = {
        "author_id": f"fake:{handle}",
        "author_name": handle.title(),
        "url": f"https://fake.example/{handle}/{n}",
        "sentiment": "positive",
        "sentiment_score": 0.8,
    }
    hit = Hit.objects.create(
        workspace=found.workspace,
        network="fake",
        external_id=f"post-{n}",
        author_handle=handle,
        text=text,
        sent_at=at,
        **(defaults | fields),
    )
    SearchHit.objects.create(search=found, hit=hit, sent_at=at)
    return hit


def suggested(workspace: Workspace) -> dict[str, PeerSuggestion]:
    rows = PeerSuggestion.objects.filter(workspace=workspace, state=PeerState.SUGGESTED)
    return {s.handle: s for s in rows.order_by("-score")}


def follower(workspace: Workspace, account: ConnectedAccount, handle: str) -> Identity:
    identity = Identity.objects.create(
        workspace=workspace,
        person=Person.objects.create(workspace=workspace),
        network="fake",
        stable_id=f"fake:{handle}",
        handle=handle,
    )
    Follow.objects.create(account=account, identity=identity, seen_at=NOW)
    return identity


def test_posting_often_about_the_niche_ranks_an_author_and_says_why(
    workspace: Workspace,
) -> None:
    bread, rye = search(workspace, "Bread"), search(workspace, "Rye")
    for n in range(4):
        post(bread, "maya", f"Fresh sourdough number {n}")
    post(rye, "maya", "Rye for the weekend")
    post(bread, "maya", "spam spam", judged_irrelevant=True)
    HitMark.objects.create(hit=post(bread, "maya", "off topic"), relevant=False)
    post(bread, "tom")
    post(bread, "tom", days_ago=90)  # outside the window
    post(bread, "old", days_ago=70)
    post(bread, "old", days_ago=65)

    assert peers.rank_peers(workspace, NOW) == 1
    maya = suggested(workspace)["maya"]
    assert maya.why["post_count"] == 5
    assert maya.why["topics"] == ["Bread", "Rye"]
    assert (
        maya.why["lines"][0] == "Posted 5 times about Bread, Rye in 60 days (2 more not relevant)."
    )
    shown = maya.why["posts"]
    assert len(shown) == 3 and all(p["url"].startswith("https://fake.example/maya/") for p in shown)
    assert not any(p["text"] in ("spam spam", "off topic") for p in shown)
    assert maya.stable_id == "fake:maya" and maya.display_name == "Maya"


def test_better_posts_rank_higher(workspace: Workspace) -> None:
    bread = search(workspace, "Bread")
    for n in range(3):
        post(bread, "glad")
        post(bread, "grim", sentiment="negative", sentiment_score=-0.5)
        post(bread, "muddled", judged_irrelevant=n > 0)
    post(bread, "muddled")
    peers.rank_peers(workspace, NOW)
    assert list(suggested(workspace)) == ["glad", "grim", "muddled"]


def test_accounts_the_followers_follow_are_suggested_with_the_count(
    workspace: Workspace, account: ConnectedAccount
) -> None:
    ana, ben, cat = (follower(workspace, account, h) for h in ("ana", "ben", "cat"))
    gone = follower(workspace, account, "gone")
    Follow.objects.filter(identity=gone).update(gone_at=NOW)
    for who in (ana, ben, cat, gone):
        TheirFollow.objects.create(
            follower=who, network="fake", stable_id="fake:mill", handle="mill", display_name="Mill"
        )
    TheirFollow.objects.create(follower=ana, network="fake", stable_id="fake:kiln", handle="kiln")
    TheirFollow.objects.create(follower=gone, network="fake", stable_id="fake:nope", handle="nope")

    peers.rank_peers(workspace, NOW)
    found = suggested(workspace)
    assert list(found) == ["mill", "kiln"]
    assert found["mill"].why["shared_followers"] == 3
    assert found["mill"].why["lines"] == ["Followed by 3 of your followers (ana, ben, cat)."]
    assert found["kiln"].why["shared_followers"] == 1


def test_the_peers_named_in_the_plan_are_found_by_name_or_handle(workspace: Workspace) -> None:
    answers = {"name": "Corner Bakery", "peers": ["Riverside Books", "@kiln"]}
    Plan.objects.create(workspace=workspace, version=1, answers=answers, content={})
    bread = search(workspace, "Bread")
    post(bread, "riverside", author_name="Riverside Books")  # one post: "often" it is not
    brand = search(workspace, "Corner Bakery", "brand")
    post(brand, "kiln", author_id="")

    peers.rank_peers(workspace, NOW)
    found = suggested(workspace)
    assert set(found) == {"riverside", "kiln"}
    assert (
        found["riverside"].why["in_plan"]
        and "Named in your plan." in found["riverside"].why["lines"]
    )
    assert found["kiln"].stable_id == "kiln"  # no id known: the handle is its key


def test_competitors_customers_own_accounts_and_muted_authors_are_never_suggested(
    workspace: Workspace, account: ConnectedAccount
) -> None:
    Plan.objects.create(
        workspace=workspace, version=1, answers={"peers": ["Rb", "fan"]}, content={}
    )
    bread, rivals = search(workspace, "Bread"), search(workspace, "Rival Bakery", "competitor")
    for handle in ("rivalbakery.town", "fan", "press", "shop", "noisy", "fine", "chatty"):
        for _ in range(4):
            post(bread, handle)
    post(bread, "Rb", author_name="The Rival Bakery")
    post(bread, "Rb", author_name="The Rival Bakery")
    post(rivals, "chatty", "Rival Bakery's new loaf looks good")  # mentions them: still a peer
    for n in range(2):
        post(rivals, "fanboy", f"Rival Bakery forever {n}")  # found by the rival's search...
        post(bread, "fanboy")  # ...as often as by the niche's
    for handle, status in (("fan", Status.CUSTOMER), ("press", Status.PRESS)):
        Identity.objects.create(
            workspace=workspace,
            person=Person.objects.create(workspace=workspace, status=status),
            network="fake",
            stable_id=f"fake:{handle}",
            handle=handle,
        )
    Mute.objects.create(workspace=workspace, kind="author", value="noisy")
    marked = follower(workspace, account, "friend")
    Person.objects.filter(pk=marked.person_id).update(status=Status.COMPETITOR)
    TheirFollow.objects.create(
        follower=marked, network="fake", stable_id="fake:friend", handle="friend"
    )

    peers.rank_peers(workspace, NOW)
    assert set(suggested(workspace)) == {"fine", "chatty"}


def test_the_owners_choices_survive_looking_again(
    workspace: Workspace, member: Membership, account: ConnectedAccount
) -> None:
    from porch.people import peers as people

    bread = search(workspace, "Bread")
    for handle in ("ana", "ben", "cat"):
        for _ in range(3):
            post(bread, handle)
    peers.rank_peers(workspace, NOW)
    found = suggested(workspace)
    person = people.save_as_peer(member, found["ana"])
    people.set_venture(member, person, Venture.CONTACTED)
    people.dismiss(member, found["ben"])
    people.follow(member, found["cat"], NOW)

    for _ in range(2):
        peers.look_again(member, NOW + timedelta(days=1))
    rows = {s.handle: s for s in PeerSuggestion.objects.filter(workspace=workspace)}
    assert rows["ana"].state == PeerState.SAVED and rows["ana"].person == person
    assert Person.objects.get(pk=person.pk).venture == Venture.CONTACTED
    assert rows["ben"].state == PeerState.DISMISSED
    assert rows["cat"].followed_at == NOW
    assert store.engagements("shop") == [("follow", "cat")]
    assert set(suggested(workspace)) == {"cat"}


def test_the_periodic_job_ranks_every_workspace(workspace: Workspace) -> None:
    bread = search(workspace, "Bread")
    post(bread, "maya", days_ago=0)
    post(bread, "maya", days_ago=0)
    with time_machine.travel(NOW, tick=False):
        rank_peers_everywhere.call()
    assert set(suggested(workspace)) == {"maya"}


# ---- the page ----------------------------------------------------------------------------


@pytest.fixture
def ranked(workspace: Workspace, account: ConnectedAccount) -> PeerSuggestion:
    Plan.objects.create(
        workspace=workspace,
        version=1,
        answers={"name": "Corner Bakery", "sells": "sourdough bread", "where": "Leeds"},
        content={},
    )
    bread = search(workspace, "Bread")
    name = "Maya <b>Mill</b>"
    post(
        bread, "maya", "<script>alert(1)</script> rye", url="javascript:alert(1)", author_name=name
    )
    post(bread, "maya", "Rye loaves", author_name=name)
    peers.rank_peers(workspace, NOW)
    return suggested(workspace)["maya"]


def url(workspace: Workspace, found: PeerSuggestion | None = None) -> str:
    base = f"/w/{workspace.slug}/plan/peers/"
    return f"{base}{found.pk}/" if found else base


def test_the_page_shows_why_escaped_and_only_web_links(
    signed_in: Client, workspace: Workspace, ranked: PeerSuggestion
) -> None:
    page = signed_in.get(url(workspace)).content.decode()
    assert "Posted 2 times about Bread in 60 days." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; rye" in page and "<script>alert" not in page
    assert "javascript:" not in page
    assert "https://fake.example/maya/" in page
    assert 'name="csrfmiddlewaretoken"' in page and "Look again" in page


def test_the_owner_follows_saves_sets_the_venture_and_dismisses(
    signed_in: Client, workspace: Workspace, ranked: PeerSuggestion
) -> None:
    assert signed_in.post(url(workspace, ranked), {"action": "follow"}).status_code == 302
    assert signed_in.post(url(workspace, ranked), {"action": "follow"}).status_code == 302
    assert store.engagements("shop") == [("follow", "maya")]
    assert signed_in.post(url(workspace, ranked), {"action": "save"}).status_code == 302
    ranked.refresh_from_db()
    assert ranked.state == PeerState.SAVED and ranked.person is not None
    data = {"action": "venture", "venture": "talking"}
    assert signed_in.post(url(workspace, ranked), data).status_code == 302
    assert Person.objects.get(pk=ranked.person.pk).venture == Venture.TALKING
    page = signed_in.get(url(workspace)).content.decode()
    assert '<option value="talking" selected>' in page

    bad = signed_in.post(url(workspace, ranked), {"action": "venture", "venture": "wed"})
    assert "not a joint venture" in signed_in.get(bad["Location"]).content.decode()
    assert signed_in.post(url(workspace, ranked), {"action": "dismiss"}).status_code == 302
    ranked.refresh_from_db()
    assert ranked.state == PeerState.DISMISSED
    assert "1 dismissed" in signed_in.get(url(workspace)).content.decode()


def test_an_introduction_is_drafted_from_the_plan(
    signed_in: Client, workspace: Workspace, ranked: PeerSuggestion
) -> None:
    page = signed_in.post(url(workspace, ranked), {"action": "draft"}).content.decode()
    assert (
        "Hello Maya &lt;b&gt;Mill&lt;/b&gt;! I&#x27;m with Corner Bakery: we sell sourdough "
        "bread in Leeds. We love your posts about Bread" in page
    )
    assert "We love working alongside Maya &lt;b&gt;Mill&lt;/b&gt;." in page
    ranked.refresh_from_db()
    assert ranked.state == PeerState.SUGGESTED


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = HTTPServer(("127.0.0.1", free_port()), ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PORCH_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("PORCH_LLM_MODEL", "tiny")
    monkeypatch.setitem(REPLY, "status", 200)
    monkeypatch.setitem(REPLY, "content", "Hi Maya, fancy a joint bake sale this spring?")
    yield
    server.shutdown()
    server.server_close()


def test_the_introduction_is_rewritten_when_a_rewrite_is_configured(
    member: Membership, ranked: PeerSuggestion, llm: None
) -> None:
    drafted = peers.draft_introduction(member, ranked)
    assert drafted.message == "Hi Maya, fancy a joint bake sale this spring?"


def test_a_helper_reads_and_drafts_but_cannot_act(
    client: Client, workspace: Workspace, ranked: PeerSuggestion
) -> None:
    client.force_login(add_member(workspace, "h@bakery.example", Role.HELPER))
    page = client.get(url(workspace)).content.decode()
    assert "Posted 2 times" in page and "Save as peer" not in page and "Look again" not in page
    assert client.post(url(workspace, ranked), {"action": "draft"}).status_code == 200
    for action in ("follow", "save", "dismiss"):
        assert client.post(url(workspace, ranked), {"action": action}).status_code == 403
    assert client.post(url(workspace) + "look/").status_code == 403
    ranked.refresh_from_db()
    assert ranked.state == PeerState.SUGGESTED and ranked.followed_at is None
    assert store.engagements("shop") == []


@time_machine.travel(NOW, tick=False)  # the page's "now" is the clock's
def test_look_again_ranks_and_actions_need_post(
    signed_in: Client, workspace: Workspace, account: ConnectedAccount
) -> None:
    bread = search(workspace, "Bread")
    post(bread, "maya", days_ago=0)
    post(bread, "maya", days_ago=0)
    assert signed_in.get(url(workspace) + "look/").status_code == 405
    response = signed_in.post(url(workspace) + "look/")
    assert response.status_code == 302
    assert (
        "Looked again. Peers to consider: 1."
        in signed_in.get(response["Location"]).content.decode()
    )
    assert set(suggested(workspace)) == {"maya"}
    found = suggested(workspace)["maya"]
    assert signed_in.get(url(workspace, found)).status_code == 405


def test_people_asking_for_a_shop_are_prospects_not_peers(workspace: Workspace) -> None:
    bread, asking = search(workspace, "Bread"), search(workspace, "Bakery?", kind="question")
    for n in range(3):
        post(asking, "sam", f"Does anyone know a bakery open before {n + 6}?")
        post(bread, "cy", f"Anyone sell rye near the station? {n}", intent="lead")
    post(bread, "maya", "Fresh sourdough out now")
    post(bread, "maya", "Rye for the weekend")

    peers.rank_peers(workspace, NOW)

    assert set(suggested(workspace)) == {"maya"}


def test_accounts_the_network_suggests_are_suggested_with_its_name(
    workspace: Workspace, account: ConnectedAccount
) -> None:
    NetworkSuggestion.objects.create(
        account=account, network="fake", stable_id="fake:oldmill", handle="oldmill", seen_at=NOW
    )

    peers.rank_peers(workspace, NOW)

    oldmill = suggested(workspace)["oldmill"]
    assert oldmill.why["suggested_by"] == "Fake (demo)"
    assert "Fake (demo) suggests you follow them." in oldmill.why["lines"]
