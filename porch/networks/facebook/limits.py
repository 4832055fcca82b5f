"""The limits a plan writes to on a Facebook Page: a post (63,206 characters) and the
Page's "about" (255 characters)."""

from porch.networks.base import TextRules

POST_LENGTH = 63_206

POST = TextRules(
    max_length=POST_LENGTH, counter=len, max_images=4, max_image_bytes=0, max_alt_text=0
)
BIO = TextRules(max_length=255, counter=len, max_images=0, max_image_bytes=0, max_alt_text=0)
