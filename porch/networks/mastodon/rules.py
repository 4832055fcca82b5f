"""An instance's own limits, and how Mastodon counts a post's length.

Each instance sets its limits; `GET /api/v2/instance` tells them (Mastodon 4.0+):

    configuration.statuses.max_characters               500 on a stock instance
    configuration.statuses.characters_reserved_per_url  23
    configuration.statuses.max_media_attachments        4
    configuration.media_attachments.image_size_limit    bytes
    configuration.media_attachments.description_limit   alt text, Mastodon 4.4+ (1,500)

Older servers answer only `GET /api/v1/instance`, where forks such as glitch-soc and
Pleroma give `max_toot_chars`. Limits are cached per instance for a day.

Counting (Mastodon's StatusLengthValidator): grapheme clusters, where every http(s) URL
counts `characters_reserved_per_url` whatever its length, and a mention `@user@domain`
counts as `@user`.
"""

import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mastodon import Mastodon, MastodonError, MastodonNotFoundError

# The URL pattern Mastodon's own counter uses (twitter-text's, as Mastodon.py ships it):
# group 2 is the character before the URL, which is kept, group 3 the URL.
from mastodon._url_regex import URL_REGEX_SOURCE, url_regex

from porch.networks.base import NetworkError, TextRules
from porch.networks.counting import graphemes, remember_last
from porch.networks.mastodon.errors import to_network_error

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
_MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@\w+(?:[.-]+\w+)*", re.I)

# url_regex tries about 3,000 top-level domains at each "http(s)://" (20 us a try). Every
# URL it finds starts with one, and ends its host (labels, dots, - and _) with a dot and a
# top-level domain: where no dot in the host is followed by one, it cannot match there.
# The host is read in a look-ahead, so that a scheme inside it is still found.
_SCHEME = re.compile(
    r"https?://(?=([^/!'#%&()*+,\\:;<=>?@\[\]^{|}~$\x09-\x0d\x20\x85\xa0\u1680\u180e"
    r"\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufffe\ufeff\uffff\u202a-\u202e\u061c"
    r"\u200e\u200f\u2066-\u2069]*))",
    re.I,
)
_TLDS = frozenset(
    name.lower()
    for names in re.findall(r"\(\?:\(\?:([^()]*)\)\(\?=", URL_REGEX_SOURCE)
    for name in names.split("|")
)
_LONGEST_TLD = max(map(len, _TLDS))


@dataclass(frozen=True)
class InstanceLimits:
    max_characters: int = 500
    url_length: int = 23
    max_images: int = 4
    max_image_bytes: int = 16 * 1024 * 1024
    max_alt_text: int = 1500

    def text_rules(self) -> TextRules:
        url_length = self.url_length
        return TextRules(
            max_length=self.max_characters,
            counter=remember_last(lambda text: count_characters(text, url_length)),
            max_images=self.max_images,
            max_image_bytes=self.max_image_bytes,
            max_alt_text=self.max_alt_text,
            url_length=url_length,
        )


DEFAULT_LIMITS = InstanceLimits()
_cache: dict[str, tuple[float, InstanceLimits]] = {}


def count_characters(text: str, url_length: int = DEFAULT_LIMITS.url_length) -> int:
    """How many characters Mastodon counts `text` as, against `max_characters`."""
    countable = _without_urls(text, "x" * url_length)
    countable = _MENTION.sub(lambda match: "@" + match.group(1), countable)
    return graphemes(countable)


def _without_urls(text: str, stand_in: str) -> str:
    """url_regex.sub(group 2 + stand_in, text), trying url_regex only where it can match."""
    kept: list[str] = []
    position = 0
    for scheme in _SCHEME.finditer(text):
        start = scheme.start()
        if max(start - 1, 0) < position or not _may_have_tld(scheme.group(1)):
            continue  # inside the last URL, or no top-level domain to end a host
        match = url_regex.match(text, max(start - 1, 0))
        if match and match.start(3) == start:
            kept += (text[position:start], stand_in)
            position = match.end()
    kept.append(text[position:])
    return "".join(kept)


@lru_cache(maxsize=1024)
def _may_have_tld(host: str) -> bool:
    """Whether a dot in `host` is followed by a top-level domain (or may be: non-ASCII)."""
    if not host.isascii():
        return True
    host = host.lower()
    for dot in (index for index, char in enumerate(host) if char == "."):
        name = host[dot + 1 : dot + 1 + _LONGEST_TLD]
        if name.startswith("xn--") or any(name[:size] in _TLDS for size in range(1, len(name) + 1)):
            return True
    return False


def limits_from_instance(v2: dict[str, Any] | None, v1: dict[str, Any] | None) -> InstanceLimits:
    """Limits from the instance documents; anything they leave out keeps its default."""
    config = (v2 or v1 or {}).get("configuration") or {}
    statuses = config.get("statuses") or {}
    media = config.get("media_attachments") or {}
    legacy_max = (v1 or {}).get("max_toot_chars")
    return InstanceLimits(
        max_characters=_positive(statuses.get("max_characters") or legacy_max, "max_characters"),
        url_length=_positive(statuses.get("characters_reserved_per_url"), "url_length"),
        max_images=_positive(statuses.get("max_media_attachments"), "max_images"),
        max_image_bytes=_positive(media.get("image_size_limit"), "max_image_bytes"),
        max_alt_text=_positive(media.get("description_limit"), "max_alt_text"),
    )


def _positive(value: Any, field: str) -> int:
    default: int = getattr(DEFAULT_LIMITS, field)
    return value if isinstance(value, int) and value > 0 else default


def instance_limits(api: Mastodon, server_url: str) -> InstanceLimits:
    """The instance's limits, fetched at most once a day per instance."""
    cached = _cache.get(server_url)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        limits = _fetch_limits(api)
    except NetworkError as error:
        # The composer must keep working while an instance is down: the defaults are
        # those of a stock instance, and the next call asks again.
        logger.warning("Could not read the limits of %s: %s", server_url, error.message)
        return DEFAULT_LIMITS
    _cache[server_url] = (time.monotonic(), limits)
    return limits


def _fetch_limits(api: Mastodon) -> InstanceLimits:
    try:
        return limits_from_instance(dict(api.instance_v2()), None)
    except MastodonNotFoundError:
        pass  # before Mastodon 4.0
    except MastodonError as exc:
        raise to_network_error(exc, api=api) from exc
    try:
        return limits_from_instance(None, dict(api.instance_v1()))
    except MastodonError as exc:
        raise to_network_error(exc, api=api) from exc
