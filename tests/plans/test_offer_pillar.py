"""The "Offers for followers" pillar drafts the plan's first offer: a title, terms, how long
it runs and two posts that name the code and link only once the offer is made; the plan page
links to the offer form, filled in."""

import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from time_machine import TimeMachineFixture

from porch.plans.export import sections
from porch.plans.generate import generate, offer_posts, offer_query
from porch.plans.limits import POST_LIMITS
from porch.plans.services import store_plan
from porch.workspaces.models import Workspace
from tests.plans.sample import BAKERY

NETWORKS = BAKERY["networks"]
LINK = "https://porch.example/l/AbC123"


def test_the_plan_drafts_an_offer_from_the_answers() -> None:
    offer = generate(BAKERY)["offer"]
    assert offer["title"] == "Followers' thank-you: Sourdough loaf"
    assert "Corner Bakery" in offer["terms"] and "14 days" in offer["terms"]
    assert offer["days"] == 14
    assert offer["posts"] == [
        "Just for our followers: a thank-you on our sourdough loaf this fortnight. Ask for it "
        "at the counter.",
        "Last days of our followers' offer: a thank-you on our sourdough loaf. Ask for it at "
        "the counter.",
    ]
    bare = generate({"name": "Kiln", "networks": ["x"]})["offer"]
    assert bare["title"] == "Followers' thank-you"
    assert all("{" not in text for text in bare["posts"])


def test_the_posts_name_the_code_and_link_only_when_known() -> None:
    with_both = offer_posts(BAKERY, NETWORKS, code="CRUMB-SPRING", link=LINK)
    assert all("CRUMB-SPRING" in text for text in with_both)
    assert LINK in with_both[0]
    only_code = offer_posts(BAKERY, NETWORKS, code="CRUMB-SPRING")
    assert all("CRUMB-SPRING" in t and "Details" not in t for t in only_code)
    only_link = offer_posts(BAKERY, NETWORKS, link=LINK)
    assert all(LINK in text and "code" not in text for text in only_link)
    long = {**BAKERY, "products": ["sourdough " * 60]}
    for text in offer_posts(long, NETWORKS, code="CRUMB-SPRING", link=LINK):
        assert all(POST_LIMITS[network].fits(text) for network in NETWORKS)
        assert "CRUMB-SPRING" in text


def test_the_offer_form_is_filled_from_next_monday() -> None:
    query = parse_qs(offer_query(generate(BAKERY)["offer"], date(2026, 12, 2)))
    assert query["title"] == ["Followers' thank-you: Sourdough loaf"]
    assert query["starts"] == ["2026-12-07T00:00"] and query["ends"] == ["2026-12-21T00:00"]
    assert query["terms"][0].startswith("For our followers only at Corner Bakery")
    monday = parse_qs(offer_query(generate(BAKERY)["offer"], date(2026, 12, 7)))
    assert monday["starts"] == ["2026-12-14T00:00"]


def test_the_plan_page_links_to_the_offer_form(
    signed_in: Client, workspace: Workspace, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
    store_plan(workspace, BAKERY)
    page = signed_in.get(f"/w/{workspace.slug}/plan/").content.decode()
    assert "Your first offer for followers" in page
    assert "Followers&#x27; thank-you: Sourdough loaf" in page
    (href,) = re.findall(r'<a href="([^"]+)" data-testid="plan-offer-make"', page)
    href = href.replace("&amp;", "&")
    url = urlsplit(href)
    assert url.path == f"/w/{workspace.slug}/offers/new/"
    assert parse_qs(url.query)["starts"] == ["2026-12-07T00:00"]
    assert signed_in.get(href).status_code == 200


def test_the_exported_plan_has_its_offer_and_an_older_plan_does_not() -> None:
    plan = generate(BAKERY)
    found = dict(sections("Corner Bakery", plan))["First offer for followers"]
    assert found[0].startswith("Followers' thank-you: Sourdough loaf, for 14 days.")
    assert found[1:] == [f"Post: {text}" for text in plan["offer"]["posts"]]
    older = {key: value for key, value in plan.items() if key != "offer"}
    assert "First offer for followers" not in dict(sections("Corner Bakery", older))
