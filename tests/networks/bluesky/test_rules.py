"""Bluesky's rules: 300 graphemes (and 3000 bytes), 4 images, 2 MB each, alt text."""

import pytest

from porch.networks.base import Media, Outgoing
from porch.networks.bluesky.rules import RULES, graphemes, post_length, refusal

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦, 25 bytes
FLAG = "\U0001f1ec\U0001f1e7"  # 🇬🇧
THUMBS = "\U0001f44d\U0001f3fd"  # 👍🏽
E_ACUTE = "e\u0301"  # e + combining acute accent
HANGUL = "\u1100\u1161\u11a8"  # 각 as three conjoining jamo


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("Fresh croissants", 16),
        (FAMILY, 1),
        (FLAG + FLAG, 2),
        (THUMBS, 1),
        (E_ACUTE * 3, 3),
        ("Z\u0351\u036b\u0343", 1),  # stacked combining marks
        ("東京のパン屋", 6),
        (HANGUL, 1),
        ("line\r\nbreak", 10),  # CR LF is one grapheme
    ],
)
def test_graphemes_are_what_a_reader_sees(text: str, count: int) -> None:
    assert graphemes(text) == count


def test_300_graphemes_fit_and_301_do_not() -> None:
    assert RULES.fits("é" * 300)
    assert not RULES.fits("é" * 301)
    assert RULES.fits(E_ACUTE * 300)  # 600 code points, 300 graphemes
    assert RULES.fits("東" * 300)  # 900 bytes


def test_the_3000_byte_limit_counts_too() -> None:
    assert RULES.length(FAMILY * 120) == 300  # 120 graphemes, 3000 bytes
    assert RULES.fits(FAMILY * 120)
    assert not RULES.fits(FAMILY * 121)  # 121 graphemes, but 3025 bytes
    assert post_length(FAMILY * 121) == 303


def test_the_rules_the_composer_reads() -> None:
    assert (RULES.max_length, RULES.max_images, RULES.max_alt_text) == (300, 4, 2000)
    assert RULES.max_image_bytes == 2_000_000
    assert RULES.url_length is None


def image(size: int = 10, mime: str = "image/png", alt: str = "a croissant") -> Media:
    return Media(b"x" * size, mime, alt)


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (Outgoing("hi", "k", visibility="followers"), "no followers-only posts"),
        (Outgoing("a" * 301, "k"), "301 of 300"),
        (Outgoing("hi", "k", media=[image()] * 5), "at most 4 images"),
        (Outgoing("hi", "k", media=[image(), image(2_000_001)]), "Image 2: 2,000,001 bytes"),
        (Outgoing("hi", "k", media=[image(mime="video/mp4")]), "images only"),
        (Outgoing("hi", "k", media=[image(alt="a" * 2001)]), "description is over"),
    ],
)
def test_refusal_says_why(post: Outgoing, reason: str) -> None:
    assert reason in refusal(post)


def test_a_good_post_is_not_refused() -> None:
    assert refusal(Outgoing("hi " * 90, "k", media=[image(2_000_000)] * 4)) == ""


def test_a_long_text_asked_about_twice_is_counted_once() -> None:
    # The composer asks whether a text fits, then its length, then splits it.
    from dataclasses import replace

    from porch.networks.counting import remember_last

    texts: list[str] = []

    def count(text: str) -> int:
        texts.append(text)
        return len(text)

    rules = replace(RULES, counter=remember_last(count))
    long_text = "🥐" * 5000
    assert not rules.fits(long_text)
    assert rules.length(long_text[:]) == 5000
    assert rules.length("🥐" * 5000) == 5000  # equal, another string
    assert rules.length("short") == 5
    assert texts == [long_text, "short"]
    assert RULES.length(long_text) == post_length(long_text)
