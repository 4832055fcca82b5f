"""The workshop's questions, step by step, each with the reason it is asked, and the checks
that point out empty or nonsense answers in the step where they were given.

Answers are a plain dict (the same from the web wizard, the terminal and a YAML file):
text answers are strings, "lines" answers are lists of strings, "choices" answers are
lists of choice keys, and the hours are a whole number.
"""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from porch.networks import registry

Answers = dict[str, Any]

GOALS = {
    "care": "Customer care: answering complaints and questions fast",
    "community": "Community: regulars who feel part of the place",
    "prospects": "Hearing prospects: what people who might buy are saying",
    "peers": "Peers and joint ventures: teaming up with businesses next to yours",
    "expert": "Being the helpful expert who solves people's problems",
    "offers": "Offers and promotions just for followers",
}


class _Networks(Mapping[str, str]):
    """The installed networks a plan can write for (those whose descriptors name post and
    bio rules), name: what the workshop calls them; read from the registry when asked."""

    def _all(self) -> dict[str, str]:
        return {
            network.name: network.plan_label or network.label
            for network in registry.descriptors()
            if network.post_rules and network.bio_rules
        }

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


NETWORKS: Mapping[str, str] = _Networks()
VOICES = {
    "friendly": "Friendly and warm",
    "expert": "Knowledgeable and calm",
    "playful": "Playful and cheeky",
    "straight": "Short and straight to the point",
}
MAX_HOURS = 80


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    purpose: str  # the one line shown under the question: why it is asked
    kind: str = "text"  # text, url, lines, choice, choices, hours
    required: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)
    example: str = ""


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    questions: tuple[Question, ...]


STEPS: tuple[Step, ...] = (
    Step(
        "business",
        "Your business",
        (
            Question(
                "name",
                "Business name",
                "Your name is the first thing people search for.",
                required=True,
                example="Corner Bakery",
            ),
            Question(
                "sells",
                "What do you sell?",
                "It goes in every bio and in your first posts.",
                required=True,
                example="sourdough bread and cakes",
            ),
            Question(
                "where", "Where are you?", "Local customers search by place.", example="Leeds"
            ),
            Question(
                "website",
                "Website",
                "Your bios link to it, so visits can be counted.",
                kind="url",
                example="https://cornerbakery.example",
            ),
            Question(
                "feed",
                "Blog feed (RSS/Atom), if you have one",
                "Each new blog post can become a draft that invites people to talk.",
                kind="url",
            ),
            Question(
                "newsletter",
                "Newsletter name, if you send one",
                "Every newsletter is a chance to continue the conversation online.",
                example="The Friday Loaf",
            ),
        ),
    ),
    Step(
        "customers",
        "Your customers",
        (
            Question(
                "customers",
                "Who are your customers?",
                "Posts written for someone in particular get answered.",
                required=True,
                example="busy parents nearby",
            ),
            Question(
                "problems",
                "Which problems do you solve for them? One per line",
                "Being the helpful person who solves them is what brings clients.",
                kind="lines",
                required=True,
                example="bread that goes stale",
            ),
        ),
    ),
    Step(
        "products",
        "Your products",
        (
            Question(
                "products",
                "Your main products or services, one per line",
                "Porch listens for people talking about them.",
                kind="lines",
                required=True,
                example="sourdough loaf",
            ),
        ),
    ),
    Step(
        "competitors",
        "Your competitors",
        (
            Question(
                "competitors",
                "Competitors your customers could go to instead, one per line",
                "Porch listens for their names only: what their customers complain about "
                "shows you openings.",
                kind="lines",
                example="Big Bread Co",
            ),
        ),
    ),
    Step(
        "peers",
        "Your peers",
        (
            Question(
                "peers",
                "Businesses next to yours you could team up with, one per line",
                "Peers lead to joint ventures and share each other's customers.",
                kind="lines",
                example="Hilltop Coffee",
            ),
        ),
    ),
    Step(
        "voice",
        "Your voice",
        (
            Question(
                "voice",
                "How do you sound?",
                "Your bios and drafts are written this way.",
                kind="choice",
                required=True,
                choices=VOICES,
            ),
        ),
    ),
    Step(
        "goals",
        "What matters most",
        (
            Question(
                "goals",
                "Pick the goals that matter most to you",
                "They decide your content pillars and your response target.",
                kind="choices",
                required=True,
                choices=GOALS,
            ),
        ),
    ),
    Step(
        "networks",
        "Networks",
        (
            Question(
                "networks",
                "Which networks do you use, or want to?",
                "Bios and posts are checked against each network's limits.",
                kind="choices",
                required=True,
                choices=NETWORKS,
            ),
        ),
    ),
    Step(
        "time",
        "Your time",
        (
            Question(
                "hours",
                "Hours a week you can give to social media",
                "Your weekly routine is made to fit them.",
                kind="hours",
                required=True,
                example="3",
            ),
        ),
    ),
)
STEP_KEYS = tuple(step.key for step in STEPS)
QUESTIONS = {q.key: q for step in STEPS for q in step.questions}

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_MASH_RUNS = frozenset(
    row[i : i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4)
) | frozenset(row[::-1][i : i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4))
_REPEAT = re.compile(r"(.)\1{3,}")
_LETTERS = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s+")


def step_by_key(key: str) -> Step:
    for step in STEPS:
        if step.key == key:
            return step
    raise KeyError(key)


def clean_text(value: object) -> str:
    """One line of text: no control characters, no template braces, single spaces."""
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t ")
    text = text.replace("{", "(").replace("}", ")")
    return _SPACES.sub(" ", text).strip()


def clean_lines(value: object) -> list[str]:
    raw = value.splitlines() if isinstance(value, str) else value
    if not isinstance(raw, list | tuple):
        raw = [raw]
    seen: list[str] = []
    for item in raw:
        text = clean_text(item).strip(" ,;")
        if text and text.casefold() not in {s.casefold() for s in seen}:
            seen.append(text)
    return seen


def clean_answers(raw: Answers) -> Answers:
    """The answers in their one shape; unknown keys and unknown choices are dropped."""
    answers: Answers = {}
    for key, question in QUESTIONS.items():
        if key not in raw or raw[key] is None:
            continue
        value = raw[key]
        if question.kind == "lines":
            answers[key] = clean_lines(value)
        elif question.kind == "choices":
            picked = clean_lines(value)
            answers[key] = [c for c in question.choices if c in picked]
        elif question.kind == "choice":
            answers[key] = clean_text(value) if clean_text(value) in question.choices else ""
        elif question.kind == "hours":
            hours = parse_hours(value)
            if hours is not None:
                answers[key] = hours
        else:
            answers[key] = clean_text(value)
    return {key: value for key, value in answers.items() if value not in ("", [])}


def parse_hours(value: object) -> int | None:
    try:
        hours = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    if hours != hours or hours < 1 or hours > MAX_HOURS:  # NaN, or out of range
        return None
    return round(hours)


def looks_like_mash(text: str) -> bool:
    """Keyboard mash ("asdfgh", "qqqqq") or a word with no vowel that no language has."""
    lowered = text.casefold()
    if _REPEAT.search(lowered):
        return True
    for word in _LETTERS.findall(lowered):
        if any(word[i : i + 5] in _MASH_RUNS for i in range(len(word) - 4)):
            return True
        if len(word) >= 6 and not set(word) & set("aeiouy"):
            return True
    return False


def is_web_address(text: str) -> bool:
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and " " not in text


def _text_problem(question: Question, text: str) -> str:
    if question.kind == "url":
        if not is_web_address(text):
            example = question.example or "https://example.com"
            return f"“{text}” is not a web address: write it like {example}, or leave it empty."
        return ""
    if len(text) < 2:
        return "One character is not enough: say it in a few words."
    if looks_like_mash(text):
        return f"“{text}” looks like random keys: say it in your own words."
    return ""


def problems(step: Step, raw: Answers) -> dict[str, str]:
    """What is wrong with the answers given in `step`, as a message per question."""
    found: dict[str, str] = {}
    for question in step.questions:
        value = raw.get(question.key)
        found_problem = _problem(question, value)
        if found_problem:
            found[question.key] = found_problem
    return found


def _problem(question: Question, value: object) -> str:
    if question.kind == "hours":
        if value in (None, ""):
            return "Say how many hours a week you can give: a number like 2."
        if parse_hours(value) is None:
            return (
                f"“{value}” is not a number of hours from 1 to {MAX_HOURS}: write a number like 3."
            )
        return ""
    if question.kind in ("choice", "choices"):
        picked = clean_lines(value) if value not in (None, "") else []
        picked = [p for p in picked if p in question.choices]
        if question.required and not picked:
            return "Pick at least one." if question.kind == "choices" else "Pick one."
        return ""
    items = clean_lines(value) if question.kind == "lines" else [clean_text(value or "")]
    items = [item for item in items if item]
    if question.required and not items:
        return f"This one is needed: for example “{question.example}”."
    for item in items:
        message = _text_problem(question, item)
        if message:
            return message
    return ""


def first_unanswered(answers: Answers) -> str:
    """The step to resume at: the first with a required answer missing, else the last."""
    for step in STEPS:
        if any(q.required and q.key not in answers for q in step.questions):
            return step.key
    return STEPS[-1].key
