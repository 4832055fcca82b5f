"""Threads: every part fits its network, nothing is lost, normal text splits as it always
did, and counting stays exact (issue 17: the splitter took 52 s on 5,000 letters).
How fast it is goes to `make bench` (BENCH split_100k_chars_ms), not here."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from porch.networks.base import TextRules
from porch.networks.bluesky.rules import RULES as BLUESKY
from porch.networks.counting import graphemes
from porch.networks.mastodon.rules import DEFAULT_LIMITS
from porch.networks.x.rules import RULES as X
from porch.publishing.compose import split_thread

NETWORKS = st.sampled_from([X, BLUESKY, DEFAULT_LIMITS.text_rules()])
WORDS = st.sampled_from(
    ["bread", "rye.", "Fresh!", "today?", "https://cornerbakery.example/menu", "🥐", "日本語",
     "é", "and", "x" * 40, "Sourdough…", "@me@bakery.social", "#buns", "\n"]
)  # fmt: skip
PIECES = st.sampled_from(
    ["a", " ", "\n", ".", "/", "https://", "a.co", "e\u0301", "😀", "👩\u200d👧", "🇫🇷", "日",
     "\u0915\u094d", ")", "@", "\r\n", "x" * 50]
)  # fmt: skip
CLUSTER = regex.compile(r"\X")


def old_split(text: str, rules: TextRules) -> list[str]:
    """The splitter before issue 17 (cubic on a long word), kept as the reference."""
    import re

    def pack(pieces: list[str]) -> list[str]:
        parts: list[str] = []
        for piece in pieces:
            joined = f"{parts[-1]} {piece}" if parts else piece
            if parts and rules.fits(joined):
                parts[-1] = joined
            else:
                parts.append(piece)
        return parts

    def words(sentence: str) -> list[str]:
        found: list[str] = []
        for word in sentence.split():
            while not rules.fits(word):
                cut = max(n for n in range(1, len(word) + 1) if rules.fits(word[:n]))
                found.append(word[:cut])
                word = word[cut:]
            found.append(word)
        return found

    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?…])\s+", text.strip()):
        pieces.extend([sentence] if rules.fits(sentence) else pack(words(sentence)))
    return pack([piece for piece in pieces if piece])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=300).map(" ".join), NETWORKS)
def test_normal_text_splits_exactly_as_before(text: str, rules: TextRules) -> None:
    assert split_thread(text, rules) == old_split(text, rules)


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=400).map("".join), NETWORKS)
def test_any_text_splits_into_parts_that_fit_and_lose_nothing(text: str, rules: TextRules) -> None:
    parts = split_thread(text, rules)
    assert all(part and rules.fits(part) for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_long_word_is_cut_where_it_still_fits_and_not_inside_a_letter() -> None:
    assert split_thread("a" * 700, X) == ["a" * 280, "a" * 280, "a" * 140]
    parts = split_thread("e\u0301" * 400, BLUESKY)
    assert all(not part.startswith("\u0301") for part in parts)
    assert "".join(parts) == "e\u0301" * 400


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join) | st.text())
def test_graphemes_count_as_regex_counts_them(text: str) -> None:
    assert graphemes(text) == len(CLUSTER.findall(text))
