"""The workshop's questions, step by step, each with the reason it is asked, and the checks
that point out empty or nonsense answers in the step where they were given.

Answers are a plain dict (the same from the web wizard, the terminal and a YAML file):
text answers are strings, "lines" answers are lists of strings, "choices" answers are
lists of choice keys, the hours are a whole number, and the opening hours are
{"days": [0 = Monday, ...], "opens": "HH:MM", "closes": "HH:MM"} (see parse_opening).
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
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    purpose: str  # the one line shown under the question: why it is asked
    kind: str = "text"  # text, url, lines, choice, choices, hours, opening
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
                "opening",
                "When are you open?",
                "Your inbox counts response times in these hours, and posts go out when "
                "you are open.",
                kind="opening",
                example="Tuesday to Saturday, 7:00 to 16:00",
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
        elif question.kind == "opening":
            opening = parse_opening(value)
            if opening is not None:
                answers[key] = opening
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
    if question.kind == "opening":
        return opening_problem(value)
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


# ---- opening hours --------------------------------------------------------------------
# The answer: {"days": [0 = Monday, ...], "opens": "HH:MM", "closes": "HH:MM"} ("00:00"
# closes at midnight). The form sends it as <key>_days (check boxes), <key>_opens and
# <key>_closes; a file may give it as that dict, with day names or numbers.

_TIME = re.compile(r"^(\d{1,2})(?:[:.h ]?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_DAY_WORDS = {name[:3].casefold(): n for n, name in enumerate(WEEKDAY_NAMES)}


def parse_time(value: object) -> str | None:
    """ "7", "7:30", "07.30", "7am", "4:30 pm", "16:00", "midnight" -> "HH:MM"; else None."""
    text = str(value or "").strip().casefold().replace(" ", "")
    if text in ("midnight", "24:00", "24"):
        return "00:00"
    if text == "noon":
        return "12:00"
    found = _TIME.match(text)
    if not found:
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    half = (found[3] or "").replace(".", "")
    if half and not 1 <= hour <= 12:
        return None
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_days(value: object) -> list[int]:
    """Check-box values ("0".."6") or day names ("tue", "Saturday") -> sorted day numbers."""
    items = value if isinstance(value, list | tuple) else str(value or "").replace(",", " ").split()
    days: set[int] = set()
    for item in items:
        text = str(item).strip().casefold()
        if text.isascii() and text.isdigit() and int(text) < 7:
            days.add(int(text))
        elif text[:3] in _DAY_WORDS:
            days.add(_DAY_WORDS[text[:3]])
    return sorted(days)


_OPENING_TEXT = re.compile(
    r"^(?P<days>.+?),?\s+(?P<opens>\d[\w:.]*)\s*(?:-|\u2013|to)\s*(?P<closes>\w[\w:. ]*)$", re.I
)
_DAY_RANGE = re.compile(r"^(\w+)\s*(?:-|\u2013|to)\s*(\w+)$", re.I)


def _opening_parts(value: object) -> tuple[list[int], object, object]:
    if isinstance(value, str) and value.strip():
        found = _OPENING_TEXT.match(value.strip())
        if not found:
            return [], value, ""
        return _days_text(found["days"]), found["opens"], found["closes"]
    if not isinstance(value, Mapping):
        return [], "", ""
    return parse_days(value.get("days")), value.get("opens"), value.get("closes")


def _days_text(text: str) -> list[int]:
    """ "Tue-Sat", "Tuesday to Saturday", "mon, wed, fri" -> day numbers."""
    found = _DAY_RANGE.match(text.strip())
    ends = [_DAY_WORDS.get(found[n][:3].casefold()) for n in (1, 2)] if found else []
    if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
        start, end = ends[0], ends[1]
        return sorted((start + n) % 7 for n in range((end - start) % 7 + 1))
    return parse_days(text.replace(" and ", " "))


def opening_problem(value: object) -> str:
    """What is wrong with an opening-hours answer; "" when it is fine or left empty."""
    days, opens, closes = _opening_parts(value)
    if not days and opens in (None, "") and closes in (None, ""):
        return ""
    if isinstance(value, str) and not closes:
        return f"“{value.strip()}” is not opening hours: write them like “Tue-Sat 7:00-16:00”."
    if not days:
        return "Tick the days you are open."
    for given in (opens, closes):
        if parse_time(given) is None:
            shown = str(given or "").strip()
            if not shown:
                return "Say when you open and when you close: for example 7:00 and 16:00."
            return f"“{shown}” is not a time: write it like 7:00 or 16:30."
    if parse_time(closes) != "00:00" and str(parse_time(closes)) <= str(parse_time(opens)):
        return "You close before you open: write the closing time after the opening time."
    return ""


def parse_opening(value: object) -> dict[str, Any] | None:
    """The opening-hours answer in its one shape, or None when it is empty or wrong."""
    if opening_problem(value):
        return None
    days, opens, closes = _opening_parts(value)
    if not days:
        return None
    return {"days": days, "opens": parse_time(opens), "closes": parse_time(closes)}


def opening_days(opening: Mapping[str, Any]) -> str:
    """The open days in words: "Tuesday to Saturday", "Monday and Friday", "every day"."""
    days = list(opening["days"])
    names = [WEEKDAY_NAMES[d] for d in days]
    if len(days) == 7:
        return "every day"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def opening_text(opening: Mapping[str, Any]) -> str:
    """The opening hours in words: "Tuesday to Saturday, 07:00 to 16:00"."""
    closes = "midnight" if opening["closes"] == "00:00" else opening["closes"]
    return f"{opening_days(opening)}, {opening['opens']} to {closes}"


def form_value(question: Question, data: Any) -> object:
    """The question's raw answer from a submitted form (a QueryDict)."""
    if question.kind == "choices":
        return data.getlist(question.key)
    if question.kind == "opening":
        key = question.key
        return {
            "days": data.getlist(f"{key}_days"),
            "opens": data.get(f"{key}_opens", ""),
            "closes": data.get(f"{key}_closes", ""),
        }
    return data.get(question.key)
