"""X's weighted length (twitter-text v3): URLs 23, emoji 2, CJK 2, NFC, limit 280.

Several cases follow twitter-text's own conformance suite (validate.yml,
WeightedTweetsWithDiscountedEmojiCounterTest).
"""

import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from porch.networks.x.rules import RULES, strip_urls, url_spans, weighted_length

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy
WAVE_MEDIUM = "\U0001f44b\U0001f3fd"  # waving hand, medium skin tone
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("", 0),
        ("Fresh bread today!", 18),
        ("Line one\nline two", 17),
        ("Crème brûlée, ñandú, Ærø", 24),
        ("Привет, мир", 11),  # Cyrillic is in the light range
        ("שלום", 4),  # so is Hebrew
        ("こんにちは", 10),  # CJK counts 2
        ("故人西辞黄鹤楼", 14),
        ("the故人", 7),
        ("한국어", 6),
        ("\u2018quoted\u2019 \u2013 dash", 15),  # quotes and dashes (8208-8223) are light
        ("\u2026", 2),  # the ellipsis (8230) is not
        ("\u2022 bullet", 9),  # nor the bullet (8226)
        ("\u2032\u2033", 2),  # primes, 8242-8247
        ("\u2122", 2),  # trade mark sign is outside the light ranges
        ("\u00a9 2026", 6),  # a bare copyright sign is text, not emoji
    ],
)
def test_plain_text(text: str, length: int) -> None:
    assert weighted_length(text) == length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("\U0001f35e", 2),  # bread
        ("\U0001f600\U0001f600", 4),
        ("\u2615", 2),  # hot beverage, in the BMP
        ("\u2764\ufe0f", 2),  # red heart with its variation selector
        (WAVE_MEDIUM, 2),  # a skin tone does not add
        (FAMILY, 2),  # seven code points, one emoji
        (FAMILY * 140, 280),
        (
            "\U0001f9d1\U0001f3fb\u200d\U0001f91d\u200d\U0001f9d1\U0001f3ff",
            2,
        ),  # people holding hands
        ("\U0001f1ec\U0001f1e7", 2),  # a flag
        (ENGLAND, 2),  # a subdivision flag (tag sequence)
        ("1\ufe0f\u20e3", 2),  # keycap
        ("\u00a9\ufe0f", 2),  # copyright as emoji
        ("H\U0001f431\u263a" + FAMILY, 7),  # twitter-text: 1 + 2 + 2 + 2
        ("\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4", 4),
        ("Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5\U0001f3fe; " + ENGLAND, 34),
    ],
)
def test_emoji_count_two_each(text: str, length: int) -> None:
    assert weighted_length(text) == length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("http://test.co", 23),
        ("Hi http://test.co", 26),
        ("https://cornerbakery.co.uk/menu/autumn-2026?utm_source=x&utm_medium=social", 23),
        ("HTTPS://www.ExaMPLE.COM/index.html", 23),
        ("example.com", 23),
        ("www.example.com", 23),
        ("t.co", 23),
        ("foo.co.jp", 23),
        ("example.com/path/to/resource?search=foo&lang=en", 23),
        ("Order at cornerbakery.com/order.", 9 + 23 + 1),  # the full stop is not the URL's
        ("(see https://en.wikipedia.org/wiki/Bread_(food))", 5 + 23 + 1),
        ("two: a.com b.com", 5 + 23 + 1 + 23),
        ("example.de", 10),  # a bare two-letter country domain needs a path
        ("example.de/menu", 23),
        ("file.txt", 8),  # not a top-level domain
        ("mail me@example.com", 19),  # an address is not a URL
        ("ftp://example.com", 17),
        ("http://192.168.0.1/index.html?src=asdf", 23),
        ("http://\u2603.net/", 23),  # an internationalised domain
        ("\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069", 31),
        ("randomurl" * 7 + "s.com", 68),  # a 64-character label is no domain
        ("https://example.com\U0001f35e", 25),
        ("日本語example.com", 6 + 23),
    ],
)
def test_every_url_counts_23(text: str, length: int) -> None:
    assert weighted_length(text) == length


def test_urls_are_found_where_they_are() -> None:
    text = "Menu: https://cornerbakery.co.uk/menu, and cornerbakery.com too."
    assert [text[start:end] for start, end in url_spans(text)] == [
        "https://cornerbakery.co.uk/menu",
        "cornerbakery.com",
    ]
    assert strip_urls("Sourdough https://t.co/Xy12AbCdEf") == "Sourdough "


def test_text_is_nfc_normalised() -> None:
    decomposed = "Cafe\u0301 cre\u0300me"  # e + combining accents
    assert weighted_length(decomposed) == weighted_length("Café crème") == 10
    assert weighted_length("A\ufb2c") == 4  # a precomposed form NFC takes apart


def test_exactly_280_fits_and_281_does_not() -> None:
    assert weighted_length("a" * 280) == 280 and RULES.fits("a" * 280)
    assert not RULES.fits("a" * 281)
    assert RULES.fits("界" * 140) and not RULES.fits("界" * 140 + "a")
    assert RULES.fits("\U0001f35e" * 140) and not RULES.fits("\U0001f35e" * 140 + "!")
    with_link = "x" * 256 + " " + "https://example.com/" + "p" * 300
    assert weighted_length(with_link) == 280 and RULES.fits(with_link)


def test_twitter_text_overflow_cases() -> None:
    assert weighted_length("285 chars-" + "xxxxxxxxxx-" * 25) == 285
    assert weighted_length("285 chars- http://www.twitter.com/jack " + "xxxxxxxxxx-" * 24) == 299
    assert weighted_length("https://www.twitter.com/aloha " * 10) == 240


# Properties

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
words = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=" "), max_size=30)
no_dots = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="."), max_size=60)


@settings(max_examples=150, deadline=None)
@given(texts, words)
def test_appending_a_word_never_shortens(text: str, word: str) -> None:
    # Appending straight onto the text can shorten it: "a.c" + "om" becomes a 23-long URL,
    # and a ZWJ joins two emoji into one. After a space it cannot.
    assert weighted_length(text + " " + word) >= weighted_length(text)


@settings(max_examples=150, deadline=None)
@given(texts, texts)
def test_length_adds_up_across_a_space(first: str, second: str) -> None:
    joined = weighted_length(first + " " + second)
    assert joined == weighted_length(first) + 1 + weighted_length(second)


@settings(max_examples=150, deadline=None)
@given(no_dots)
def test_without_urls_each_grapheme_counts_at_least_one(text: str) -> None:
    # A URL counts 23 whatever its length, so this holds for text without one.
    normal = unicodedata.normalize("NFC", text)
    assert weighted_length(text) >= len(regex.findall(r"\X", normal))
    assert weighted_length(text) <= 2 * len(normal)


@settings(max_examples=100, deadline=None)
@given(texts)
def test_normalising_first_changes_nothing(text: str) -> None:
    assert weighted_length(unicodedata.normalize("NFD", text)) == weighted_length(text)


EMOJI_PIECES = st.sampled_from(
    ["a", " ", "😀", "©", "®", "\ufe0f", "\u200d", "\U0001f3fd", "🇫", "#", "1", "\u20e3", "‼",
     "日", "\U000e0067", "\U000e007f", "👩", "\u2122", "é"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(EMOJI_PIECES, max_size=10).map("".join))
def test_emoji_weigh_as_the_full_emoji_pattern_weighs_them(text: str) -> None:
    from porch.networks.x.rules import _EMOJI, _HEAVY

    rest, emoji = _EMOJI.subn("", text)  # the reference: every emoji matched, as before
    assert weighted_length(text) == 2 * emoji + len(rest) + len(_HEAVY.findall(rest))


def reference_url_spans(text: str) -> list[tuple[int, int]]:
    """url_spans before issue 17: `regex` tried _URL at every position."""
    from porch.networks.x.rules import _URL, _url_end

    spans, position = [], 0
    while match := _URL.search(text, position):
        if end := _url_end(match):
            spans.append((match.start(), end))
            position = end
        else:
            position = match.start() + 1
    return spans


URL_PIECES = st.sampled_from(
    ["http://", "HTTPS://", "http\u017f://", "http", "://", "a", ".", "co", "com", "zz", "/", "@",
     ":", "80", "-", "_", "[::1]", "1.2.3.4", " ", "é", "日", "xn--p1ai", "рф", ")", "?", "#",
     "\u200b", "user:pw@", "t.co", "\n", "~", "%", "\uff20", "$"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(URL_PIECES, max_size=30).map("".join))
def test_urls_are_found_where_trying_every_position_finds_them(text: str) -> None:
    assert list(url_spans(text)) == reference_url_spans(text)
