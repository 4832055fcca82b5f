"""XClient's people against X's recorded replies (see replay.py): followers page by page,
whom an account follows, profiles by id, and every user read counted for the bill."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from porch.networks.registry import descriptor
from porch.networks.x.client import XClient
from porch.networks.x.costs import estimated_cost
from porch.networks.x.people import USER_FIELDS

from .replay import ME, Replay

MakeClient = Callable[..., tuple[XClient, list[dict[str, Any]]]]
TOM, ANA, RYE = "987654321098765432", "1198765432109876544", "1322334455667788990"
GONE = "1099999999999999999"


def asked(x: Replay) -> list[tuple[str, dict[str, list[str]]]]:
    """Each request's path and query."""
    return [(urlsplit(url).path, parse_qs(urlsplit(url).query)) for _, url, _, _ in x.requests]


def test_x_says_followers_are_read_within_the_budget() -> None:
    can = descriptor("x").can
    assert can.followers == "budget"
    assert "X charges for each follower read" in can.followers_note


def test_followers_page_newest_first_and_count_each_user(
    make_client: MakeClient, x: Replay
) -> None:
    x.add("followers_page1", "followers_page2")
    client, _ = make_client()

    first = client.followers()
    second = client.followers(first.cursor)

    assert [p.handle for p in first.profiles] == ["bakesbyana", "tomcooks", "li_wei"]
    assert first.cursor == "7140dibdnow9c7btw3z3aay53bxj59sl3j4rlhu2bhkuv"
    assert [p.handle for p in second.profiles] == ["ryeandco"]
    assert (second.cursor, second.partial) == ("", "")
    (path, query), _ = asked(x)
    assert path == f"/2/users/{ME}/followers"
    assert query["max_results"] == ["100"]
    assert query["user.fields"] == [",".join(USER_FIELDS)]
    assert client.usage.extra["users_read"] == 4
    assert (client.usage.reads, client.usage.writes) == (0, 0)  # no post was read
    assert estimated_cost(0, 0, client.usage.extra["users_read"]) == Decimal("0.040")


def test_a_users_profile_expands_xs_links(make_client: MakeClient, x: Replay) -> None:
    x.add("followers_page1")
    client, _ = make_client()
    tom = client.followers().profiles[1]
    assert (tom.network, tom.stable_id, tom.handle) == ("x", TOM, "tomcooks")
    assert tom.display_name == "Tom Baker"
    assert tom.bio == "Bread, mostly. Recipes: https://tombakes.example/recipes"
    assert tom.website == "https://tombakes.example"
    assert tom.links == (("https://tombakes.example", ""), ("https://tombakes.example/recipes", ""))
    assert tom.followers_count == 1204
    assert (tom.profile_url, tom.local_id) == ("https://x.com/tomcooks", "")


def test_a_user_without_links_has_none(make_client: MakeClient, x: Replay) -> None:
    x.add("followers_page1")
    client, _ = make_client()
    li = client.followers().profiles[2]
    assert (li.bio, li.website, li.links, li.followers_count) == ("", "", (), 88)


def test_follows_of_by_id_and_by_username(make_client: MakeClient, x: Replay) -> None:
    x.add("following_tom", "users_by_username", "following_tom")
    client, _ = make_client()
    by_id = client.follows_of(TOM)
    by_name = client.follows_of("@tomcooks")
    assert [p.stable_id for p in by_id.profiles] == [RYE, ANA]
    assert by_name == by_id
    assert by_id.cursor == ""
    assert [path for path, _ in asked(x)] == [
        f"/2/users/{TOM}/following",
        "/2/users/by/username/tomcooks",
        f"/2/users/{TOM}/following",
    ]
    assert client.usage.extra["users_read"] == 5  # two lists of two, and the lookup


def test_profiles_leave_out_users_x_does_not_find(make_client: MakeClient, x: Replay) -> None:
    x.add("users_by_ids")
    client, _ = make_client()
    found = client.profiles([ANA, RYE, GONE])
    assert [p.handle for p in found] == ["bakesbyana", "ryeandco"]
    assert found[0].website == "https://bakesbyana.com"
    assert found[0].bio == "Pastry chef & teacher. Also @bakesbyana.com on Bluesky"
    assert found[1].display_name == "Rye & Co"
    ((path, query),) = asked(x)
    assert (path, query["ids"]) == ("/2/users", [f"{ANA},{RYE},{GONE}"])
    assert client.usage.extra["users_read"] == 2


def test_no_profiles_asked_no_request(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    assert client.profiles([]) == []
    assert x.requests == []


def test_x_suggests_no_follows(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    assert client.suggested_follows() == []
    assert x.requests == []
