"""What the composer can insert from offers (porch.core.snippets asks; offers answers): for
each running offer, its shared code, or its tracked link, for a followers-only post."""

from typing import Any

from django.utils import timezone

from porch.core.snippets import Snippet
from porch.offers.models import Give
from porch.offers.services import running
from porch.publishing.links import short_url


def offer_snippets(workspace: Any) -> list[Snippet]:
    """The workspace's running offers: a shared code, and each offer's link."""
    found: list[Snippet] = []
    for offer in running(workspace, timezone.now()):
        if offer.give == Give.SHARED and offer.shared_code:
            found.append(Snippet(f"{offer.title}: code", offer.shared_code, "followers"))
        if offer.link is not None:
            found.append(Snippet(f"{offer.title}: link", short_url(offer.link), "followers"))
    return found
