"""Status HTML to plain text, and counting a post's length as Mastodon does."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porch.networks.mastodon.rules import (
    DEFAULT_LIMITS,
    InstanceLimits,
    count_characters,
    limits_from_instance,
)
from porch.networks.mastodon.text import html_to_text

from .replay import recorded


def test_recorded_statuses_read_as_their_authors_wrote_them() -> None:
    contents = [n["status"]["content"] for n in recorded("notifications_mentions.json")]

    assert [html_to_text(content) for content in contents] == [
        "@cornerbakery hi! can I order a birthday cake for Saturday? 🎂 "
        "It's for 12 people & one is vegan",
        "@cornerbakery the sourdough was gone by 10 again 😩\n"
        "any chance you could bake more on Saturdays? #sourdough",
        "Best croissants in town, thanks @cornerbakery! 🥐\n\n"
        "Their autumn menu: https://cornerbakery.example/menu/autumn-2026?ref=mastodon",
    ]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>one</p><p>two</p><p>three</p>", "one\n\ntwo\n\nthree"),
        ("<p>a<br>b<br/>c</p>", "a\nb\nc"),
        ("<p>Quoting this</p><p class='quote-inline'>RE: <a href='x'>x</a></p>", "Quoting this"),
        ("<p>list:</p><ul><li>rye</li><li>spelt</li></ul>", "list:\n\n- rye\n- spelt"),
        ("<p>spaces\n  collapse   here</p>", "spaces collapse here"),
        ("<p>&lt;b&gt; is not bold &amp; :blobcat:</p>", "<b> is not bold & :blobcat:"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Fresh bread", 11),
        ("Menu: https://cornerbakery.co.uk/menu/autumn-2026?ref=mastodon", 6 + 23),
        ("two https://a.co.uk/1 https://b.com/2", 4 + 23 + 1 + 23),
        ("cornerbakery.co.uk has no protocol", 34),
        ("thanks @pat@fosstodon.org!", len("thanks @pat!")),
        ("hi @sam", 7),
        ("family 👨‍👩‍👧 counts once", len("family x counts once")),
        ("café", 4),
        ("cafe\u0301", 4),  # e + combining accent: one grapheme
    ],
)
def test_count_characters_as_mastodon(text: str, length: int) -> None:
    assert count_characters(text, 23) == length


def test_count_characters_uses_the_instances_url_length() -> None:
    assert count_characters("see https://example.com/x", 30) == 4 + 30


def test_limits_from_a_recorded_instance() -> None:
    limits = limits_from_instance(recorded("instance_v2.json"), None)

    assert limits == InstanceLimits(500, 23, 4, 16 * 1024 * 1024, 1500)
    assert limits.text_rules().fits("x" * 500) and not limits.text_rules().fits("x" * 501)


def test_limits_from_older_servers_and_empty_answers() -> None:
    assert limits_from_instance(None, recorded("instance_v1_pleroma.json")).max_characters == 5000
    assert limits_from_instance({}, None) == DEFAULT_LIMITS
    odd = {"configuration": {"statuses": {"max_characters": "lots", "max_media_attachments": 0}}}
    assert limits_from_instance(odd, None) == DEFAULT_LIMITS


URL_PIECES = st.sampled_from(
    ["a", " ", "\n", ".", "/", "https://", "http://", "HTTPS://", "a.co", "b.com", "x.zz",
     "co.uk", "xn--p1ai", "\u017f", "(", ")", "?q=1", "@", "#", ":80", "日本", "é", "-", "_",
     "\u200e", "$", "a.рф", "@pat@fosstodon.org", "e\u0301", "👩\u200d👧"]
)  # fmt: skip


def reference_count(text: str, url_length: int) -> int:
    """Mastodon's counting as Mastodon.py's url_regex does it, one URL at a time (issue 17:
    152 ms for 100,000 characters of `http://a.zz/`)."""
    from mastodon._url_regex import url_regex

    from porch.networks.counting import graphemes
    from porch.networks.mastodon.rules import _MENTION

    countable = url_regex.sub(lambda match: match.group(2) + "x" * url_length, text)
    return graphemes(_MENTION.sub(lambda match: "@" + match.group(1), countable))


@settings(max_examples=1000, deadline=None)
@given(st.lists(URL_PIECES, max_size=14).map("".join))
def test_count_characters_finds_the_urls_mastodons_regex_finds(text: str) -> None:
    assert count_characters(text, 23) == reference_count(text, 23)


def test_a_scheme_without_a_domain_is_not_tried_as_a_url() -> None:
    # b.co's path runs on to the end: ':' and '/' are path characters.
    text = "http://a.zz/" * 100 + "https://b.co/x " + "http://a.zz/" * 100
    assert count_characters(text, 23) == reference_count(text, 23) == 1200 + 23 + 1 + 1200
