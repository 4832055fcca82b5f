"""Every sentence the plan writes reads as if a person wrote it for this business, whatever
the answers look like: names with and without "The", fragments and whole sentences, lists,
trailing full stops, lower case, emoji, one word or many.

The checks, concretely:
- no doubled article ("the The", "a an", "our The");
- no doubled stop ("..", "!.", "?.", "!!", ",.");
- no sentence starting with a lower-case word (a web address or a word like "iCafe" may);
- no pasted answer: "We help with" is never written; a "what you sell", "customers" or
  product answer written as a sentence never appears; a problem appears only after a
  colon (where any answer reads, "Something we help with every week: ...");
- no position words ("above", "below"): the plan links to things instead;
- bios and posts within each network's limits;
- the next actions leave out what is done, and readiness reaches 100 without the
  optional blog and newsletter.

Hypothesis runs derandomized: the same examples on every run, so CI is stable.
"""

import re
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.plans.generate import generate, next_actions
from porch.plans.limits import BIO_LIMITS, POST_LIMITS
from porch.plans.questions import GOALS, NETWORKS, VOICES, clean_answers
from porch.plans.writing import bare, noun_phrase, one_phrase
from tests.plans.sample import BAKERY

READS = settings(
    derandomize=True, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

ARTICLE = r"(?:the|a|an)"
DOUBLED_ARTICLE = re.compile(rf"\b(?:{ARTICLE}|our|my|your)\s+{ARTICLE}\b", re.IGNORECASE)
DOUBLED_STOP = re.compile(r"\.\.|[!?]\.|\.[!?]|!!|\?\?|[,;:]\.|\.[,;:]|[!?]:")
SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)(\S+)")
POSITION = re.compile(r"\b(?:above|below)\b", re.IGNORECASE)


def _cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.lower(), text[:1].upper() + text[1:]])


CORES = [
    "Friday Crumb",
    "Crumb & Co. Bakery",
    "Corner Bakery",
    "Spokes",
    "crumb & co",
    "iCafe",
    "Owl Café 🦉",
]
CORES += ["Apple Tree Deli", "Ölbäckerei Nord", "Very Long Named Family Bakery And Tearoom"]
names = st.builds(
    lambda article, core, end: f"{article}{core}{end}",
    st.sampled_from(["", "The ", "A ", "An ", "the ", "a "]),
    st.sampled_from(CORES),
    st.sampled_from(["", ".", "!", "?", " ", "!!", "..."]),
)
ENDS = st.sampled_from(["", ".", "!", "...", " ", "?"])
PHRASES = [
    "sourdough bread and cakes",
    "Busy parents nearby",
    "bike repairs",
    "the people of Leeds",
    "a bit of everything",
    "bread, cakes, pies",
    "Gluten-free cakes 🍰",
    "iPhone repairs",
]
SENTENCES = [
    "We bake bread every morning",
    "Our customers are mostly parents",
    "They come for the coffee",
    "Bread. Cakes too",
    "I'm a baker",
]
PROBLEMS = [
    "bread that goes stale in two days",
    "Our bread goes stale",
    "why does my sourdough go flat?",
    "Birthday cakes at short notice",
    "no time to queue",
]
fragments = st.builds(
    lambda text, end: text + end, st.sampled_from(PHRASES + SENTENCES).flatmap(_cased), ENDS
)
problems = st.builds(lambda text, end: text + end, st.sampled_from(PROBLEMS), ENDS)
wheres = st.sampled_from(
    ["Leeds", "near the station.", "12 High St, Hyde Park, Leeds LS6 1AA", "leeds.", "In Leeds", ""]
)
answer_sets = st.fixed_dictionaries(
    {"name": names},
    optional={
        "sells": fragments,
        "where": wheres,
        "website": st.sampled_from(["https://cornerbakery.example", "shop.example"]),
        "newsletter": names,
        "customers": fragments,
        "problems": st.lists(problems, max_size=3),
        "products": st.lists(fragments, max_size=3),
        "peers": st.lists(names, max_size=2),
        "voice": st.sampled_from(list(VOICES)),
        "goals": st.lists(st.sampled_from(list(GOALS)), max_size=3),
        "networks": st.lists(st.sampled_from(list(NETWORKS)), min_size=1, max_size=4),
        "hours": st.integers(1, 20),
        "opening": st.sampled_from(
            ["Tue-Sat 7:00-16:00", {"days": ["5"], "opens": "6", "closes": "8"}, "mon-sun 10-24"]
        ),
    },
)


def texts(plan: dict[str, Any]) -> Iterator[str]:
    """Every sentence-bearing text of the plan."""
    yield from (b["text"] for b in plan["bios"])
    yield from (d["text"] for d in plan["drafts"])
    yield from plan["offer"]["posts"]
    yield plan["offer"]["terms"]
    yield from (a["text"] for a in plan["actions"])
    yield plan["routine"]["timing"]
    for area in plan["readiness"]:
        yield area["reason"]
        yield area["raise"]
    for peer in plan["peers"]:
        yield peer["who"]
        yield peer["why"]


def reads_badly(text: str) -> str:
    """What is wrong with the text, "" when nothing."""
    if found := DOUBLED_ARTICLE.search(text):
        return f"doubled article {found[0]!r}"
    if found := DOUBLED_STOP.search(text.replace("…", "")):
        return f"doubled stop {found[0]!r}"
    if POSITION.search(text):
        return "position word"
    if "We help with" in text:
        return "pasted answer"
    for word in SENTENCE_START.findall(text):
        letters = re.sub(r"^[^\w]+", "", word)
        mixed = letters[1:] != letters[1:].lower()
        urlish = "://" in word or "." in letters.rstrip(".!?:,")
        if letters[:1].islower() and not mixed and not urlish:
            return f"sentence starts lower case: {word!r}"
    return ""


def pasted(answers: dict[str, Any], text: str) -> str:
    """An answer dropped in where a sentence needed a noun phrase."""
    for key in ("sells", "customers"):
        given = bare(answers.get(key, ""))
        sentence = not noun_phrase(given) and not noun_phrase(given.rstrip("!?"))
        if given and sentence and given.casefold() in text.casefold():
            return f"{key} sentence {given!r} pasted"
    for problem in answers.get("problems", []):
        given = bare(problem).rstrip("!?")
        at = text.casefold().find(given.casefold())  # "Birthday cakes…" lowercased mid-text too
        starts = at == 0 and len(text.strip()) > len(given) + 2  # a sentence made of it
        if len(given) > 3 and (at > 0 or starts) and text[at - 2 : at] != ": ":
            return f"problem {given!r} pasted mid-sentence"
    return ""


@READS
@given(answer_sets)
def test_every_generated_sentence_reads_well(raw: dict[str, Any]) -> None:
    plan = generate(raw)
    answers = clean_answers(raw)
    for text in texts(plan):
        assert not reads_badly(text), (reads_badly(text), text)
        assert not pasted(answers, text), (pasted(answers, text), text)
    for bio in plan["bios"]:
        assert BIO_LIMITS[bio["network"]].fits(bio["text"]), bio
        assert one_phrase(answers["name"])[:5].casefold() in bio["text"].casefold(), bio
    for post in [d["text"] for d in plan["drafts"]] + plan["offer"]["posts"]:
        for network in plan["networks"]:
            assert POST_LIMITS[network].fits(post), (network, post)


@READS
@given(answer_sets, st.sets(st.sampled_from(["accept", "drafts", "feed", "inbox", "peers"])))
def test_no_next_action_is_one_already_done(raw: dict[str, Any], others: set[str]) -> None:
    answers = clean_answers(raw)
    networks = list(answers.get("networks") or NETWORKS)
    connected = set(networks[::2])
    done = {f"connect:{n}" for n in connected} | others
    actions = next_actions(answers, networks, done)
    assert not {a["key"] for a in actions} & done
    for network in connected:
        assert not any(NETWORKS[network] in a["text"] and "Connect" in a["text"] for a in actions)
    for action in actions:
        assert not reads_badly(action["text"]), action


def test_the_friday_crumb_reads_like_a_person_wrote_it() -> None:
    plan = generate(
        {
            **BAKERY,
            "name": "The Friday Crumb",
            "newsletter": "The Friday Crumb",
            "problems": ["bread that goes stale in two days"],
            "networks": ["x"],
        }
    )
    drafts = " ".join(d["text"] for d in plan["drafts"])
    assert "A new issue of The Friday Crumb is out!" in drafts
    assert "The new The" not in drafts
    assert "We help with" not in plan["bios"][0]["text"]
    assert "Something we help with every week: bread that goes stale in two days." in drafts


def test_readiness_reaches_100_without_a_blog_or_newsletter() -> None:
    answers = {key: value for key, value in BAKERY.items() if key not in ("feed", "newsletter")}
    plan = generate(answers)
    assert plan["overall"] == 100
    optional = [area for area in plan["readiness"] if area["optional"]]
    assert optional
    assert optional[0]["raise"].startswith("If you have one:")


def test_connected_networks_are_not_asked_for_again() -> None:
    actions = next_actions(BAKERY, ["x", "bluesky"], {"connect:x"})
    texts_ = [a["text"] for a in actions]
    assert "Connect your Bluesky account." in texts_
    assert not any("X (Twitter) account" in text for text in texts_)
    assert "Put your new bio on your X (Twitter) and Bluesky profiles." in texts_


def test_posts_are_timed_around_the_opening_hours() -> None:
    routine = generate({**BAKERY, "opening": "Tue-Sat 7:00-16:00"})["routine"]
    assert {slot["weekday"] for slot in routine["slots"]} == {1, 2, 3, 4, 5}
    assert {slot["time"] for slot in routine["slots"]} == {"06:30"}
    assert routine["inbox_days"] == "Tuesday to Saturday"
    assert "(Tuesday to Saturday, 07:00 to 16:00)" in routine["timing"]
