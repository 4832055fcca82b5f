"""Filling a template so it reads naturally and fits every network, and the optional rewrite
by an OpenAI-compatible endpoint.

A template is only used when every value it names is known (`needs`); otherwise the next
variant is tried, down to one that names nothing. A text too long for a network has its
longest value shortened (at a word, with "…") until it fits; if nothing fits, the variant
without values is used. So no placeholder is ever left unfilled or blank.

The rewrite runs only when PORCH_LLM_URL and PORCH_LLM_MODEL are set (the key, if the
server needs one, in PORCH_LLM_KEY or the file named by PORCH_LLM_KEY_FILE). Any error, a
slow answer (over PORCH_LLM_TIMEOUT seconds, 10 by default) or a result that breaks a
limit keeps the template's text.
"""

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
import regex

from porch.config import env_int, env_secret, env_str, env_url
from porch.networks.base import TextRules
from porch.plans.questions import clean_text
from porch.plans.searches import STOPWORDS

log = logging.getLogger(__name__)

Rewriter = Callable[[str, Sequence[TextRules], str], str]

_FIELD = re.compile(r"\{(\w+)\}")
_GRAPHEME = regex.compile(r"\X")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?:;])")


@dataclass(frozen=True)
class Variant:
    template: str

    @property
    def needs(self) -> set[str]:
        return set(_FIELD.findall(self.template))


def tidy(text: str) -> str:
    """Single spaces, none before punctuation, and no doubled stop where an answer that
    ends in one meets the template's ("Yum!!" -> "Yum!", "fresh?." -> "fresh?")."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
    return _DOUBLE_STOP.sub(r"\1", text)


# ---- answers as the words a sentence needs ----------------------------------------------

_DOUBLE_STOP = re.compile(r"([.!?…])[.!?]+")
_TRAILING = " ,;:.-\u2013\u2014"
ARTICLES = frozenset({"the", "a", "an"})
_DETERMINERS = ARTICLES | {"our", "my", "your", "their", "this", "these", "some"}
# A word that makes an answer a sentence rather than a noun phrase ("we bake bread",
# "our customers are parents"): subject pronouns and the forms of "be".
_SENTENCE_WORDS = frozenset(
    [
        "i",
        "we",
        "they",
        "he",
        "she",
        "i'm",
        "we're",
        "they're",
        "we've",
        "i've",
        "we'd",
        "there's",
        "it's",
        "is",
        "are",
        "was",
        "were",
        "am",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
    ]
)
_MAX_PHRASE_WORDS = 10
_URLISH = re.compile(r"^(https?://|www\.|@|#)|\.\w{2,}/?$")


def bare(text: str) -> str:
    """An answer without what would clash with the template around it: spaces and the
    trailing comma, colon or full stop ("Leeds." -> "Leeds"); "!" and "?" are kept."""
    return clean_text(text).rstrip(_TRAILING).strip()


def one_phrase(text: str, keep: str = "") -> str:
    """The answer without the stop at its end, to go inside a sentence ("Yum!" -> "Yum",
    "Why does bread go stale?" keeps its "?" when `keep` says so); "" when a stop inside
    it would start a sentence in lower case ("Bread. cakes too"); "Crumb & Co. Bakery" is
    kept."""
    phrase = bare(text)
    ends = "".join(mark for mark in "!?" if mark not in keep)
    phrase = phrase.rstrip(ends).rstrip(_TRAILING)
    if re.search(r"[.!?]\s+[a-z]", phrase):
        return ""
    return phrase


def noun_phrase(text: str, *, drop_article: bool = False) -> str:
    """The answer as a noun phrase to put inside a sentence ("Sourdough bread." ->
    "sourdough bread"), or "" when it reads as a sentence or a list of them ("We bake
    bread.", "Bread. Cakes."): a template then uses a variant without it.

    Its first word is lowercased when the answer was written like a sentence ("Busy
    parents nearby" -> "busy parents nearby", "All sorts" -> "all sorts"); a name is kept
    ("Hilltop Coffee", "iPhone repairs"). `drop_article` drops a leading "the", "a", "our"… for a
    template that puts its own determiner in front ("our {product0}")."""
    phrase = bare(text)
    if not phrase or re.search(r"[.!?;](\s|$)", phrase):
        return ""
    found = phrase.split()
    lowered = [word.casefold().strip(",()\"'") for word in found]
    if len(found) > _MAX_PHRASE_WORDS or set(lowered) & _SENTENCE_WORDS:
        return ""
    if drop_article and len(found) > 1 and lowered[0] in _DETERMINERS:
        found = found[1:]
    return mid_sentence(" ".join(found))


def mid_sentence(text: str) -> str:
    """The text to go on inside a sentence: its first word lowercased when it was only
    capitalised because it began the answer ("Busy parents nearby", "All sorts"); a name
    is kept ("Hilltop Coffee", "Leeds", "iPhone repairs")."""
    found = text.split(" ")
    first, rest = found[0], found[1:]
    sentence_case = bool(rest) and all(word == word.lower() for word in rest)
    if (
        first[:1].isupper()
        and first[1:].islower()
        and (sentence_case or first.casefold() in STOPWORDS)
    ):
        found[0] = first.lower()
    return " ".join(found)


def capitalised(text: str) -> str:
    """The text to begin a sentence: its first letter upper case, unless its first word
    already mixes cases ("iPhone") or is a web address or handle."""
    first = text.split(" ", 1)[0]
    if not first or _URLISH.search(first) or first[1:] != first[1:].lower():
        return text
    return text[:1].upper() + text[1:]


def place(where: str) -> str:
    """Where the business is, as a phrase after a verb: "in Leeds"; an answer that already
    starts with a preposition is kept ("near the station", "opposite the church")."""
    where = bare(where)
    if not where:
        return ""
    if where.split()[0].casefold() in _PREPOSITIONS:
        return where[:1].lower() + where[1:]
    return f"in {where}"


_PREPOSITIONS = frozenset(
    [
        "in",
        "at",
        "on",
        "near",
        "by",
        "opposite",
        "beside",
        "behind",
        "above",
        "under",
        "off",
        "next",
        "just",
        "right",
        "round",
        "around",
        "outside",
        "inside",
        "within",
        "across",
        "along",
        "between",
    ]
)


def fits_all(text: str, rules: Sequence[TextRules]) -> bool:
    return all(rule.fits(text) for rule in rules)


def shorten(value: str, size: int) -> str:
    """`value` cut to about `size` graphemes, at a word where there is one, with "…"."""
    marks = _GRAPHEME.findall(value)
    if len(marks) <= size:
        return value
    cut = "".join(marks[: max(size - 1, 1)])
    if " " in cut[1:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def fill(variant: Variant, values: dict[str, str], rules: Sequence[TextRules]) -> str | None:
    """The variant with `values` in it, shortened to fit `rules`; None when it cannot."""
    used = {key: values[key] for key in variant.needs}
    if any(not value.strip() for value in used.values()):
        return None
    for _ in range(100):
        text = tidy(variant.template.format(**used))
        if fits_all(text, rules):
            return text
        if not used:
            return None
        longest = max(used, key=lambda key: len(used[key]))
        size = len(_GRAPHEME.findall(used[longest]))
        if size <= 4:
            return None
        used[longest] = shorten(used[longest], size * 3 // 4)
    return None


def first_fitting(
    variants: Sequence[Variant], values: dict[str, str], rules: Sequence[TextRules]
) -> str:
    """The first variant whose values are all known and that fits; the last has none."""
    for variant in variants:
        if variant.needs <= values.keys():
            text = fill(variant, values, rules)
            if text is not None:
                return text
    raise ValueError("the last variant must name no value and fit every network")


def llm_rewriter() -> Rewriter | None:
    """The configured rewrite, or None when no endpoint is set."""
    url, model = env_str("PORCH_LLM_URL", "").strip(), env_str("PORCH_LLM_MODEL", "").strip()
    if not url or not model:
        return None
    base = env_url("PORCH_LLM_URL", url)
    key = env_secret("PORCH_LLM_KEY")
    timeout = env_int("PORCH_LLM_TIMEOUT", 10, low=1, high=120)

    def rewrite(text: str, rules: Sequence[TextRules], voice: str) -> str:
        limit = min(rule.max_length for rule in rules)
        prompt = (
            f"Rewrite this social media post for a small business in a {voice} voice. Keep "
            f"its meaning and any web address, stay under {limit} characters, no hashtags, "
            f"answer with the post only.\n\n{text}"
        )
        try:
            reply = httpx.post(
                f"{base}/chat/completions",
                json={"model": model, "messages": [{"role": "user", "content": prompt}]},
                headers={"Authorization": f"Bearer {key}"} if key else {},
                timeout=timeout,
            )
            reply.raise_for_status()
            written = clean_text(reply.json()["choices"][0]["message"]["content"]).strip('"')
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("draft rewrite failed, keeping the template text: %s", type(exc).__name__)
            return text
        if len(written) < 10 or not fits_all(written, rules):
            return text
        return written

    return rewrite
