"""The plan from any answers: every bio and draft fits its network's limits, no placeholder
is left unfilled, and the same answers always give the same plan."""

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.plans.generate import generate
from porch.plans.limits import BIO_LIMITS, POST_LIMITS
from porch.plans.questions import GOALS, NETWORKS, VOICES, looks_like_mash
from porch.plans.writing import Variant, fill
from tests.plans.sample import BAKERY

_PLACEHOLDER = re.compile(r"\{\w*\}|\s[,.!?:;]|\s{2}|^\s|\s$")

words = st.text(min_size=0, max_size=400)
lines = st.lists(words, max_size=6)
answers = st.fixed_dictionaries(
    {},
    optional={
        "name": words,
        "sells": words,
        "where": words,
        "website": st.sampled_from(["https://example.com/" + "a" * 300, "shop.example", ""]),
        "newsletter": words,
        "customers": words,
        "problems": lines,
        "products": lines,
        "competitors": lines,
        "peers": lines,
        "voice": st.sampled_from([*VOICES, "shouty"]),
        "goals": st.lists(st.sampled_from([*GOALS, "fame"])),
        "networks": st.lists(st.sampled_from([*NETWORKS, "myspace"])),
        "hours": st.one_of(st.integers(-5, 200), st.text(max_size=5)),
    },
)


def _clean(text: str) -> None:
    assert text.strip(), "empty text"
    assert not _PLACEHOLDER.search(text), f"unfilled or blank placeholder in {text!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_every_bio_and_draft_fits_and_reads_whole(raw: dict[str, Any]) -> None:
    plan = generate(raw)
    assert plan["networks"]
    for bio in plan["bios"]:
        assert BIO_LIMITS[bio["network"]].fits(bio["text"]), bio
        _clean(bio["text"])
    assert len(plan["drafts"]) == 10
    assert len({d["text"] for d in plan["drafts"]}) == 10  # X refuses duplicates
    for draft in plan["drafts"]:
        _clean(draft["text"])
        for network in plan["networks"]:
            assert POST_LIMITS[network].fits(draft["text"]), (network, draft)
    for action in plan["actions"]:
        assert action["minutes"] <= 15
    assert all(0 <= area["score"] <= 100 for area in plan["readiness"])


def test_the_same_answers_give_the_same_plan() -> None:
    assert generate(BAKERY) == generate(dict(BAKERY))


def test_long_answers_are_shortened_at_a_word_to_fit_x() -> None:
    long_name = "The Very Long Named Family Bakery " * 12
    plan = generate({**BAKERY, "name": long_name, "networks": ["x"]})
    bio = plan["bios"][0]["text"]
    assert POST_LIMITS["x"].length(bio) <= 160
    assert "…" in bio


def test_helpful_posts_outnumber_promotional_ones() -> None:
    pillars = generate(BAKERY)["pillars"]
    promotional = sum(p["share"] for p in pillars if p["promotional"])
    assert promotional == 20
    assert sum(p["share"] for p in pillars) == 100


def test_routine_fits_the_hours() -> None:
    for hours in (1, 3, 10, 80):
        routine = generate({**BAKERY, "hours": hours})["routine"]
        inbox = routine["inbox_minutes_a_day"] * 5
        posting = routine["posts_a_week"] * 15
        assert inbox + posting + routine["review_minutes"] <= max(hours * 60, 60)
        assert len(routine["slots"]) == routine["posts_a_week"]


def test_missing_answers_are_named_in_the_readiness_score() -> None:
    areas = {a["area"]: a for a in generate({"name": "Corner Bakery"})["readiness"]}
    assert areas["Business basics"]["score"] == 30
    assert "what you sell" in areas["Business basics"]["reason"]
    assert "Say what you sell" in areas["Business basics"]["raise"]


def test_a_variant_with_an_unknown_value_is_not_used() -> None:
    assert fill(Variant("We love {peer0}."), {"peer0": "  "}, [POST_LIMITS["x"]]) is None


def test_keyboard_mash_is_told_from_words() -> None:
    assert looks_like_mash("asdfgh") and looks_like_mash("qqqqq") and looks_like_mash("zxcvbn")
    for real in ("Property lettings", "Rhythm studio", "Corner Bakery", "sourdough"):
        assert not looks_like_mash(real)
