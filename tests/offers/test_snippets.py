"""The composer can insert a running offer's shared code or tracked link, for a
followers-only post; publishing asks porch.core.snippets, which offers fills."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.core.snippets import Snippet, snippets
from porch.offers.services import OfferInput, create_offer
from porch.offers.snippets import offer_snippets
from porch.publishing.links import short_url
from porch.workspaces.models import Membership, Workspace
from tests.offers.sending_helpers import NOW, shop_on


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


def test_running_offers_give_their_code_and_link_to_the_composer(
    member: Membership, workspace: Workspace
) -> None:
    shop_on(workspace)
    day = timedelta(days=1)
    shared = create_offer(
        member,
        OfferInput(
            "Spring crumb", NOW - day, NOW + day, networks=("fake",), shared_code="CRUMB-SPRING"
        ),
    )
    personal = create_offer(
        member, OfferInput("Free coffee", NOW - day, NOW + day, networks=("fake",), give="personal")
    )
    create_offer(
        member,
        OfferInput("Later", NOW + day, NOW + 2 * day, networks=("fake",), shared_code="LATER"),
    )
    assert shared.link is not None and personal.link is not None

    with time_machine.travel(NOW, tick=False):
        found = offer_snippets(workspace)
        assert [s for s in snippets(workspace) if s in found] == found

    assert found == [
        Snippet("Spring crumb: code", "CRUMB-SPRING", "followers"),
        Snippet("Spring crumb: link", short_url(shared.link), "followers"),
        Snippet("Free coffee: link", short_url(personal.link), "followers"),
    ]
