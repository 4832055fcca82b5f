"""The limits a plan writes to, counted the way each network counts.

Posts: X 280 weighted characters (URLs 23), Bluesky 300 graphemes, Mastodon 500 (a stock
instance; URLs 23), Facebook 63,206. Profile bios: X 160 (counted like a post), Bluesky
256 graphemes, Mastodon 500 (the "about" note of a stock instance), Facebook Page "about"
255 characters.
"""

from collections.abc import Callable

from porch.networks.base import TextRules
from porch.networks.bluesky.rules import RULES as BLUESKY_RULES
from porch.networks.bluesky.rules import graphemes
from porch.networks.mastodon.rules import DEFAULT_LIMITS, count_characters
from porch.networks.x.rules import RULES as X_RULES
from porch.networks.x.rules import weighted_length

FACEBOOK_POST_LENGTH = 63_206


def _rules(max_length: int, counter: Callable[[str], int]) -> TextRules:
    return TextRules(
        max_length=max_length, counter=counter, max_images=4, max_image_bytes=0, max_alt_text=0
    )


POST_LIMITS: dict[str, TextRules] = {
    "x": X_RULES,
    "bluesky": BLUESKY_RULES,
    "mastodon": DEFAULT_LIMITS.text_rules(),
    "facebook": _rules(FACEBOOK_POST_LENGTH, len),
}
BIO_LIMITS: dict[str, TextRules] = {
    "x": _rules(160, weighted_length),
    "bluesky": _rules(256, graphemes),
    "mastodon": _rules(500, count_characters),
    "facebook": _rules(255, len),
}
