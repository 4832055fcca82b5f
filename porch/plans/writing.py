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
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))


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
