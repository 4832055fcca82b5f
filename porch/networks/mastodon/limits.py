"""The limits a plan writes to on Mastodon, a stock instance's: a post (500 characters,
URLs 23) and the profile's "about" note (500)."""

from porch.networks.base import TextRules
from porch.networks.mastodon.rules import DEFAULT_LIMITS, count_characters

POST = DEFAULT_LIMITS.text_rules()
BIO = TextRules(
    max_length=500, counter=count_characters, max_images=0, max_image_bytes=0, max_alt_text=0
)
