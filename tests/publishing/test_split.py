"""Threads: every part fits its network, nothing is lost, normal text splits as it always
did, and counting stays exact (issue 17: the splitter took 52 s on 5,000 letters).
How fast it is goes to `make bench` (BENCH split_100k_chars_ms), not here."""

from dataclasses import replace

import pytest
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
# Code points of every grapheme break category: controls, Prepend, SpacingMark, Hangul
# jamo and syllables, Indic consonants, viramas and other linkers, emoji, skin tones, tags.
BREAKS = st.sampled_from(
    ["\r", "\n", "\x01", "a", " ", "\u0600", "\U000113d1", "\u0903", "\u1100", "\u1161",
     "\u11a8", "\uac00", "\uac01", "\u0915", "\u094d", "\u093c", "\u1cf5", "\u200d", "\u0301",
     "\U0001f469", "\U0001f3fb", "\ufe0f", "\U0001f1eb", "\U000e0067", "\u00a9", "\u200b"]
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


@settings(max_examples=1000, deadline=None)
@given(st.lists(BREAKS, max_size=30).map("".join))
def test_graphemes_count_as_regex_counts_them_in_every_category(text: str) -> None:
    assert graphemes(text) == len(CLUSTER.findall(text))


SENTENCE = st.lists(WORDS.filter(lambda word: word[-1] not in ".!?…"), min_size=1, max_size=120)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        SENTENCE.map(" ".join) | st.sampled_from(["y" * 300, "z" * 700]), min_size=1, max_size=8
    ).map(". ".join),
    NETWORKS,
)
def test_long_sentences_and_words_split_exactly_as_before(text: str, rules: TextRules) -> None:
    assert split_thread(text, rules) == old_split(text, rules)


@pytest.mark.parametrize(
    ("text", "times"),
    [("a" * 20_000, 7), ("http://a.zz/" * 1700, 7), ("e\u0301" * 10_000, 7),
     ("👩\u200d👩\u200d👧" * 4000, 7), ("🇫🇷" * 10_000, 7), ("bread " * 3400, 4)],
)  # fmt: skip
@pytest.mark.parametrize("rules", [X, BLUESKY, DEFAULT_LIMITS.text_rules()])
def test_splitting_counts_a_text_a_few_times_over_at_most(
    text: str, times: int, rules: TextRules
) -> None:
    # Issue 17: the splitter counted 9 to 10 times a long word's length (6 times for
    # words), counting the whole text several times, asking about every word alone and
    # joining its own parts again. Now: 7 times (3 and a half) at most.
    counted = 0

    def count(part: str) -> int:
        nonlocal counted
        counted += len(part)
        return rules.counter(part)

    parts = split_thread(text, replace(rules, counter=count))
    assert parts == split_thread(text, rules)
    assert counted <= times * len(text)
