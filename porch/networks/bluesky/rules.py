"""What a Bluesky post may hold.

Sources:
- text: the lexicon of app.bsky.feed.post, `text` has maxGraphemes 300 and maxLength
  3000 (UTF-8 bytes); graphemes are extended grapheme clusters (UAX #29), counted here
  with the `regex` module's \\X, as the Bluesky app does with Intl.Segmenter.
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json
- images: app.bsky.embed.images takes at most 4 images (`maxLength: 4`), each an image/*
  blob of at most 2,000,000 bytes (`maxSize: 2000000`: "May be up to 2 MB, formerly
  limited to 1 MB", in the lexicons of @atproto/api 0.20.44, which the dev-env PDS
  enforces; the peer tests post a 1.5 MB image).
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json
- alt text: the lexicon sets no limit; the Bluesky app allows 2,000 characters
  (MAX_ALT_TEXT in bluesky-social/social-app src/lib/constants.ts).
- URLs count as typed: the text holds the whole URL (the Bluesky app shortens long
  ones for display, Porch does not), so there is no fixed URL length.
"""

from porch.networks.base import Media, Outgoing, TextRules
from porch.networks.counting import graphemes as count_graphemes
from porch.networks.counting import remember_last

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000
MAX_ALT_TEXT = 2000


def graphemes(text: str) -> int:
    return count_graphemes(text)


def post_length(text: str) -> int:
    """Graphemes, or more where the text's UTF-8 bytes pass their own limit (3000 = 300).

    The record has both limits; one number keeps `fits` right: it stays at or under 300
    exactly when the graphemes are at most 300 and the bytes at most 3000.
    """
    over_bytes = -(-len(text.encode()) * MAX_GRAPHEMES // MAX_BYTES)
    return max(graphemes(text), over_bytes)


RULES = TextRules(
    max_length=MAX_GRAPHEMES,
    counter=remember_last(post_length),
    max_images=MAX_IMAGES,
    max_image_bytes=MAX_IMAGE_BYTES,
    max_alt_text=MAX_ALT_TEXT,
)


def refusal(post: Outgoing) -> str:
    """Why Bluesky would not take `post`, in words for the owner; "" when it would."""
    if post.visibility != "public":
        return "Bluesky has no followers-only posts: every Bluesky post is public"
    if not RULES.fits(post.text):
        return f"Too long for Bluesky: {post_length(post.text)} of {MAX_GRAPHEMES} characters"
    if len(post.media) > MAX_IMAGES:
        return f"Bluesky takes at most {MAX_IMAGES} images in a post"
    for number, media in enumerate(post.media, 1):
        if problem := _image_problem(media):
            return f"Image {number}: {problem}"
    return ""


def _image_problem(media: Media) -> str:
    if not media.mime_type.startswith("image/"):
        return f"Bluesky posts take images only, not {media.mime_type}"
    if len(media.data) > MAX_IMAGE_BYTES:
        return f"{len(media.data):,} bytes is over Bluesky's {MAX_IMAGE_BYTES:,} per image"
    if len(media.alt_text) > MAX_ALT_TEXT:
        return f"the description is over Bluesky's {MAX_ALT_TEXT:,} characters"
    return ""
