"""The plan's listening searches are queries a person would write: short keyphrases, names
the owner gave, generic product terms with the place, only on networks that can search,
a handful of them and none twice (issue 19: not "bread that goes stale" help, not a
search per term for Facebook Pages, not 68 of them)."""

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from porch.networks import registry
from porch.networks.query import parse
from porch.plans.export import NO_SEARCHES, sections
from porch.plans.generate import generate
from tests.plans.sample import BAKERY, BIKE_SHOP, WORKSHOPS, YOGA_STUDIO
from tests.plans.test_generate import answers as any_answers

MAX_WORDS = 8  # a brand's OR list: "Corner Bakery" OR cornerbakery OR #cornerbakery OR site
MAX_TOPIC_WORDS = 5  # anything else: "where sourdough bread Leeds"
_ITEM = re.compile(r'"[^"]*"|\S+')
_SENTENCE_WORDS = {"that", "which", "is", "are", "goes", "to", "at", "in", "on", "and", "the"}

workshops = pytest.mark.parametrize("raw", WORKSHOPS.values(), ids=WORKSHOPS.keys())


def _searches(raw: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = generate(raw)["searches"]
    return found


def _items(query: str) -> list[str]:
    return [item for item in _ITEM.findall(query) if item != "OR"]


def _words(query: str) -> list[str]:
    return [word for item in _items(query) for word in item.strip('"').split()]


def _phrases(query: str) -> list[str]:
    return [item.strip('"') for item in _items(query) if item.startswith('"')]


@workshops
def test_no_query_is_longer_than_a_person_would_write(raw: dict[str, Any]) -> None:
    for search in _searches(raw):
        limit = MAX_WORDS if search["kind"] == "brand" else MAX_TOPIC_WORDS
        assert 0 < len(_words(search["query"])) <= limit, search


@workshops
def test_no_sentence_in_quotes(raw: dict[str, Any]) -> None:
    named = {n.casefold() for key in ("name", "competitors") for n in _listed(raw, key)}
    for search in _searches(raw):
        for phrase in _phrases(search["query"]):
            assert len(phrase.split()) <= 4, search
            if not any(phrase.casefold() in name for name in named):  # a name may say "and"
                assert not _SENTENCE_WORDS & set(phrase.casefold().split()), search


def _listed(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    return [value] if isinstance(value, str) else list(value)


@workshops
def test_competitors_are_only_those_the_owner_named(raw: dict[str, Any]) -> None:
    named = {c.casefold() for c in raw.get("competitors", [])}
    competitors = [s for s in _searches(raw) if s["kind"] == "competitor"]
    assert {" ".join(_words(s["query"])).casefold() for s in competitors} == named


def test_with_no_competitor_named_none_is_searched() -> None:
    assert not [s for s in _searches(YOGA_STUDIO) if s["kind"] == "competitor"]
    assert not [s for s in _searches({**BAKERY, "competitors": []}) if s["kind"] == "competitor"]


@pytest.mark.parametrize(
    ("raw", "place"),
    [(BAKERY, "Leeds"), (BIKE_SHOP, "Bristol"), (YOGA_STUDIO, '"Milton Keynes"')],
    ids=WORKSHOPS.keys(),
)
def test_generic_product_terms_carry_the_place(raw: dict[str, Any], place: str) -> None:
    products = [s["query"] for s in _searches(raw) if s["kind"] in ("product", "hashtag")]
    for product in raw["products"]:
        assert f"{product} {place}" in products, (product, products)
    for query in products:
        assert place in query or place.strip('"').replace(" ", "").casefold() in query, query


def test_a_one_word_name_is_searched_with_its_place() -> None:
    brands = [s["query"] for s in _searches(BIKE_SHOP) if s["kind"] == "brand"]
    assert "Spokes Bristol" in brands
    assert "Spokes" not in brands


def test_problems_become_keyphrases() -> None:
    niche = [s["query"] for s in _searches(BAKERY) if s["kind"] == "niche"]
    assert niche == ["bread stale", '"birthday cakes"']
    questions = [s["query"] for s in _searches(BAKERY) if s["kind"] == "question"]
    assert "where sourdough bread Leeds" in questions
    assert "best sourdough bread Leeds" in questions


@workshops
def test_searches_run_only_on_networks_that_can_search(raw: dict[str, Any]) -> None:
    for search in _searches(raw):
        assert search["networks"], search
        for network in search["networks"]:
            assert network in raw["networks"]
            assert registry.descriptor(network).can.search, search
    assert "facebook" not in {n for s in _searches(BIKE_SHOP) for n in s["networks"]}


def test_a_plan_for_facebook_only_has_no_searches() -> None:
    assert not registry.descriptor("facebook").can.search
    assert _searches({**BAKERY, "networks": ["facebook"]}) == []


@workshops
def test_a_handful_of_searches_none_twice(raw: dict[str, Any]) -> None:
    queries = [" ".join(s["query"].casefold().split()) for s in _searches(raw)]
    assert 5 <= len(queries) <= 15
    assert len(set(queries)) == len(queries)
    runs = sum(len(s["networks"]) for s in _searches(raw))  # what polling them costs
    assert runs <= 15 * len(raw["networks"])


@workshops
def test_every_query_parses_and_writes_back_the_same(raw: dict[str, Any]) -> None:
    for search in _searches(raw):
        assert parse(search["query"]).to_text() == search["query"]


def test_many_answers_still_give_a_handful() -> None:
    many = {
        **BAKERY,
        "products": [f"product {n}" for n in "abcdefghij"],
        "competitors": [f"Rival {n}" for n in "abcdefghij"],
        "problems": [f"problem {n}" for n in "abcdefghij"],
    }
    assert len(_searches(many)) <= 15


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_answers)
def test_any_answers_give_well_formed_queries(raw: dict[str, Any]) -> None:
    for search in _searches(raw):
        query = search["query"]
        assert query == query.strip() and "  " not in query, search
        assert query.count('"') % 2 == 0, search
        assert '""' not in query, search
        items = _ITEM.findall(query)
        assert items[0] != "OR" and items[-1] != "OR", search
        assert all(i not in ("AND", "NOT", "#", "-") for i in items), search
        assert not any(i.startswith("-") for i in items), search  # nothing excluded by accident
        if "OR" in items:  # an OR list of names, never mixed with AND (there are no brackets)
            assert set(items[1::2]) == {"OR"} and "OR" not in items[0::2], search
        assert 0 < len(_words(query)) <= MAX_WORDS, search
        parse(query)  # SearchSyntaxError if the listening search language cannot read it


def test_the_written_plan_says_where_each_search_runs() -> None:
    lines = dict(sections("Spokes", generate(BIKE_SHOP)))["Listening searches"]
    assert "Spokes Bristol (brand; on Bluesky, X (Twitter))" in lines
    facebook_only = dict(sections("Spokes", generate({**BIKE_SHOP, "networks": ["facebook"]})))
    assert facebook_only["Listening searches"] == [NO_SEARCHES]
