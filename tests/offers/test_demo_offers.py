"""The demo's offers: a shared code running where posts can be for followers only, and a code
per follower sent by direct message, five redeemed with amounts (one from a till import);
everything marked as the demo's, and its results on the money page."""

from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from django.test import Client

from porch.demo import DEMO_EMAIL, load_demo
from porch.networks import registry
from porch.offers.models import Code, CodeState, Give, Offer, Redemption, Source, TillImport
from porch.offers.results import offer_results
from porch.offers.sample import PERSONAL_CODES, SHARED_SALES
from porch.people.models import Follow

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_the_demo_has_a_running_shared_offer_and_personal_codes(client: Client, db: None) -> None:
    workspace, _ = load_demo()
    shared = Offer.objects.get(workspace=workspace, give=Give.SHARED)
    personal = Offer.objects.get(workspace=workspace, give=Give.PERSONAL)
    assert shared.is_demo and personal.is_demo
    assert shared.starts_at < NOW < shared.ends_at and personal.starts_at < NOW < personal.ends_at
    assert shared.networks and all(
        registry.descriptor(n).can.followers_only for n in shared.networks
    )
    assert all(registry.descriptor(n).can.send_direct for n in personal.networks)

    codes = Code.objects.filter(offer=personal)
    assert codes.count() == PERSONAL_CODES and all(c.state == CodeState.SENT for c in codes)
    following = Follow.objects.filter(account__workspace=workspace, gone_at__isnull=True)
    assert set(codes.values_list("identity", flat=True)) <= set(
        following.values_list("identity", flat=True)
    )
    assert all(c.person_id is not None for c in codes)
    redeemed = Redemption.objects.filter(offer=personal)
    assert redeemed.count() == 5 and all(r.amount and r.is_demo for r in redeemed)
    assert redeemed.filter(source=Source.TILL).exclude(import_key="").count() == 1
    assert TillImport.objects.filter(workspace=workspace, added=1).exists()
    assert Redemption.objects.filter(workspace=workspace, is_demo=False).count() == 0

    results = offer_results(personal, now=NOW)
    assert (results.given, results.redeemed, results.revenue) == (12, 5, Decimal("33.90"))
    assert results.new + results.returning == 5
    assert offer_results(shared, now=NOW).redeemed == len(SHARED_SALES)
    assert load_demo()[1] is False and Offer.objects.filter(workspace=workspace).count() == 2

    client.force_login(workspace.members.get(user__username=DEMO_EMAIL).user)
    page = client.get(f"/w/{workspace.slug}/insights/money/?days=7").content.decode()
    assert "Offer redemptions: <strong>8</strong> redemptions, for <strong>£55.60</strong>" in page
