"""Porch's own tracked links: /l/CODE redirects to the address with UTM parameters added
and counts the click for the post and network it came from. No third-party shortener."""

import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db.models import F

from porch.core.fetch import checked_url
from porch.publishing.models import Post, TrackedLink
from porch.workspaces.models import Workspace

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,!?;:)]'\""


def with_utm(url: str, network: str, campaign: str) -> str:
    """`url` with utm_source/medium/campaign added (ones already there are kept)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in (
        ("utm_source", network),
        ("utm_medium", "social"),
        ("utm_campaign", campaign),
    ):
        query.setdefault(name, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def short_url(link: TrackedLink) -> str:
    return f"{settings.LINK_HOST}/l/{link.code}"


def _new_code() -> str:
    return secrets.token_urlsafe(6)


def _link_for(post: Post, network: str, url: str) -> TrackedLink:
    target = with_utm(url, network, post.pillar or "porch")
    found = TrackedLink.objects.filter(post=post, network=network, url=target).first()
    if found:
        return found
    return TrackedLink.objects.create(
        workspace=post.workspace, post=post, network=network, code=_new_code(), url=target
    )


def make_link(
    workspace: Workspace, url: str, *, network: str = "", campaign: str = ""
) -> TrackedLink:
    """A new tracked link to `url` belonging to no post (an offer's link, its QR code).

    UTM source is the network ("porch" when none), campaign `campaign` ("porch" when none);
    `url` must be a web address (AddressRefused, a PorchError, otherwise). Each call makes
    its own link, so each keeps its own count of clicks."""
    checked_url(url)
    target = with_utm(url, network or "porch", campaign or "porch")
    return TrackedLink.objects.create(
        workspace=workspace, post=None, network=network, code=_new_code(), url=target
    )


def track_links(text: str, post: Post, network: str) -> str:
    """Every web address in `text` replaced by a tracked short link for this network."""

    def swap(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        if kept.startswith(settings.LINK_HOST + "/l/"):
            return url
        return short_url(_link_for(post, network, kept)) + url[len(kept) :]

    return _URL.sub(swap, text)


def follow(code: str) -> str | None:
    """Count a click on `code`; its destination, or None for an unknown code."""
    link = TrackedLink.objects.filter(code=code).first()
    if link is None:
        return None
    TrackedLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
    return link.url
