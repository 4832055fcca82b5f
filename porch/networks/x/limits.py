"""The limits a plan writes to on X: a post (280 weighted characters, URLs 23) and the
profile bio (160, counted like a post)."""

from porch.networks.base import TextRules
from porch.networks.x.rules import RULES, weighted_length

POST = RULES
BIO = TextRules(
    max_length=160, counter=weighted_length, max_images=0, max_image_bytes=0, max_alt_text=0
)
