"""Mastodon search against mastodon-mock: hashtag timelines page with min_id; full-text
search there is one case-insensitive substring that ignores min_id and max_id and returns
every visibility, so Porch keeps the cursor and the visibility itself."""

import json

from mastodon import Mastodon

from porch.networks.base import Incoming
from porch.networks.mastodon.client import MastodonClient
from porch.networks.query import parse


def texts(items: list[Incoming]) -> list[str]:
    return [item.text for item in items]


def test_a_second_poll_of_a_full_text_search_returns_nothing_new(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    pat.status_post("Sourdough at the market today")
    sam.status_post("sourdough secrets", visibility="direct")
    sam.status_post("sourdough for followers", visibility="private")
    first = bakery.search(parse("sourdough"), "")
    again = bakery.search(parse("sourdough"), first.cursor)  # the mock answers the same
    sam.status_post("Is the sourdough good?", language="en")
    later = bakery.search(parse("sourdough"), again.cursor)

    assert texts(first.items) == ["Sourdough at the market today"]
    assert again.items == [] and again.cursor == first.cursor
    assert texts(later.items) == ["Is the sourdough good?"]
    assert later.items[0].lang == "en"


def test_or_runs_each_alternative_and_checks_every_hit(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    pat.status_post("A croissant please")
    pat.status_post("Brioche and croissant")  # matches both: comes once
    pat.status_post("briochettes")  # the mock's substring match finds it; not a word
    query = parse("croissant OR brioche")
    first = bakery.search(query, "")
    pat.status_post("brioche again")
    later = bakery.search(query, first.cursor)

    assert texts(first.items) == ["A croissant please", "Brioche and croissant"]
    assert set(json.loads(first.cursor)["parts"]) == {"croissant", "brioche"}
    assert texts(later.items) == ["brioche again"]


def test_a_hashtag_clause_reads_the_timeline_and_checks_the_rest(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    pat.status_post("#sourdough with rye")
    pat.status_post("#sourdough, vegan")
    page = bakery.search(parse("#sourdough -vegan"), "")
    assert texts(page.items) == ["#sourdough with rye"]
