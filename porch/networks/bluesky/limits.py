"""The limits a plan writes to on Bluesky: a post (300 graphemes) and the profile
description (256 graphemes)."""

from porch.networks.base import TextRules
from porch.networks.bluesky.rules import RULES, graphemes

POST = RULES
BIO = TextRules(max_length=256, counter=graphemes, max_images=0, max_image_bytes=0, max_alt_text=0)
