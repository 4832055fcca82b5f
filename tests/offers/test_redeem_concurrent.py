"""Twenty tills redeem one code at the same moment: exactly one says "valid".

Real threads, each on its own database connection (SQLite here, PostgreSQL in CI)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from porch.offers.models import Code, Offer, Redemption
from porch.offers.redeem import redeem
from porch.workspaces.models import Workspace
from tests.offers.test_redeem import NOW, make_offer, personal_code, shared_offer

TILLS = 20


def race(workspace: Workspace, text: str) -> Counter[str]:
    barrier = threading.Barrier(TILLS)
    kinds: list[str] = []
    errors: list[BaseException] = []

    def till() -> None:
        try:
            barrier.wait(timeout=30)
            kinds.append(redeem(workspace, text, now=NOW).kind)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=till) for _ in range(TILLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return Counter(kinds)


@pytest.mark.django_db(transaction=True)
def test_one_personal_code_at_twenty_tills_is_valid_once(workspace: Workspace) -> None:
    offer = make_offer(workspace)
    code = personal_code(offer, "ABCDEFGH")
    assert race(workspace, "ABCD-EFGH") == Counter({"valid": 1, "used": TILLS - 1})
    assert Redemption.objects.filter(code=code).count() == 1
    assert Offer.objects.get(pk=offer.pk).redeemed_count == 1
    assert Code.objects.get(pk=code.pk).redeemed_at == NOW


@pytest.mark.django_db(transaction=True)
def test_a_shared_code_at_twenty_tills_stops_at_its_limit(workspace: Workspace) -> None:
    offer = shared_offer(workspace, limit_total=5)
    assert race(workspace, "CRUMB-SPRING") == Counter({"valid": 5, "used_up": TILLS - 5})
    assert Redemption.objects.filter(offer=offer).count() == 5
    assert Offer.objects.get(pk=offer.pk).redeemed_count == 5
