"""The counter pages: members, staff links, revoking, guess limits and the code's QR page."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.offers.models import Redemption, Source, StaffLink
from porch.workspaces import services
from porch.workspaces.models import Role, Workspace
from tests.conftest import add_member
from tests.offers.test_redeem import NOW, make_offer, personal_code


@pytest.fixture(autouse=True)
def at_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def answer_of(response: Any) -> str:
    found = re.search(r'data-testid="answer" data-kind="(\w+)"', response.content.decode())
    return found.group(1) if found else ""


def csrf_of(response: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the form has no CSRF token"
    return found.group(1)


def make_link(client: Client, workspace: Workspace, label: str = "Front till") -> str:
    page = client.post(reverse("offers:staff_links", args=[workspace.slug]), {"label": label})
    assert page.status_code == 200
    found = re.search(r'data-testid="staff-link-url" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1).replace("http://testserver", "")


def enter(url: str) -> Client:
    till = Client(enforce_csrf_checks=True)
    answer = till.get(url)
    assert answer.status_code == 302 and answer["Location"] == reverse("offers:till")
    return till


def post_code(till: Client, code: str, **extra: str) -> Any:
    page = till.get(reverse("offers:till"))
    assert page.status_code == 200
    form = {"code": code, "csrfmiddlewaretoken": csrf_of(page), **extra}
    return till.post(reverse("offers:till"), form)


def test_a_helper_redeems_at_the_counter(workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    personal_code(make_offer(workspace), "ABCDEFGH")
    client = Client()
    client.force_login(helper)
    url = reverse("offers:counter", args=[workspace.slug])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'inputmode="text"' in body and 'autocapitalize="characters"' in body
    assert "Any running offer" in body and "Staff links" not in body
    first = client.post(url, {"code": "abcd efgh", "amount": "9.50"})
    assert answer_of(first) == "valid" and "Spring crumb" in first.content.decode()
    assert answer_of(client.post(url, {"code": "ABCD-EFGH"})) == "used"
    redemption = Redemption.objects.get()
    assert redemption.by_user == helper and str(redemption.amount) == "9.50"
    assert client.get(reverse("offers:staff_links", args=[workspace.slug])).status_code == 403


def test_a_member_of_another_workspace_sees_no_counter(workspace: Workspace) -> None:
    stranger = services.create_user("stranger@elsewhere.example", "long enough password 1")
    client = Client()
    client.force_login(stranger)
    assert client.get(reverse("offers:counter", args=[workspace.slug])).status_code == 404


def test_a_staff_link_opens_the_counter_without_a_login(
    signed_in: Client, workspace: Workspace
) -> None:
    personal_code(make_offer(workspace), "ABCDEFGH")
    url = make_link(signed_in, workspace)
    link = StaffLink.objects.get()
    assert link.token_hash not in url and url.startswith("/till/")
    till = enter(url)
    page = till.get(reverse("offers:till"))
    assert "Front till" in page.content.decode()
    assert answer_of(post_code(till, "abcdefgh", amount="4")) == "valid"
    assert answer_of(post_code(till, "abcdefgh")) == "used"
    redemption = Redemption.objects.get()
    assert redemption.by_link == link and redemption.source == Source.STAFF
    assert "Front till" in post_code(till, "abcdefgh").content.decode()
    # The link opens the counter only: no workspace page.
    assert till.get(reverse("offers:counter", args=[workspace.slug])).status_code == 302


def test_a_till_in_use_stays_open_past_the_sessions_age(
    signed_in: Client, workspace: Workspace
) -> None:
    personal_code(make_offer(workspace, ends_at=NOW + timedelta(days=60)), "ABCDEFGH")
    till = enter(make_link(signed_in, workspace))
    for days in (13, 26, 39):  # used every 13 days; a session lasts 14
        with time_machine.travel(NOW + timedelta(days=days), tick=False):
            assert till.get(reverse("offers:till")).status_code == 200, days
    with time_machine.travel(NOW + timedelta(days=39 + 15), tick=False):
        assert till.get(reverse("offers:till")).status_code == 403  # left unused: closed


def test_a_revoked_link_stops_at_once(signed_in: Client, workspace: Workspace) -> None:
    personal_code(make_offer(workspace), "ABCDEFGH")
    till = enter(make_link(signed_in, workspace))
    page = till.get(reverse("offers:till"))
    link = StaffLink.objects.get()
    revoke = reverse("offers:staff_link_revoke", args=[workspace.slug, link.pk])
    assert signed_in.post(revoke).status_code == 302
    form = {"code": "ABCDEFGH", "csrfmiddlewaretoken": csrf_of(page)}
    assert till.post(reverse("offers:till"), form).status_code == 403
    assert till.get(reverse("offers:till")).status_code == 403
    assert not Redemption.objects.exists()
    assert Client().get(f"/till/{'x' * 43}/").status_code == 404


def test_helpers_cannot_make_or_revoke_links(signed_in: Client, workspace: Workspace) -> None:
    make_link(signed_in, workspace)
    link = StaffLink.objects.get()
    manager = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    as_helper, as_manager = Client(), Client()
    as_helper.force_login(helper)
    as_manager.force_login(manager)
    revoke = reverse("offers:staff_link_revoke", args=[workspace.slug, link.pk])
    assert as_helper.post(revoke).status_code == 403
    assert StaffLink.objects.get().revoked_at is None
    assert as_manager.post(revoke).status_code == 302
    assert StaffLink.objects.get().revoked_at is not None
    assert make_link(as_manager, workspace, "Market stall")


def test_unknown_codes_are_limited_per_till(
    signed_in: Client, workspace: Workspace, settings: Any
) -> None:
    settings.OFFER_MAX_WRONG_CODES = 3
    personal_code(make_offer(workspace), "ABCDEFGH")
    till = enter(make_link(signed_in, workspace))
    for wrong in ("AAAA2222", "AAAA3333", "AAAA4444"):
        # Known codes, used or not, are not wrong guesses.
        assert answer_of(post_code(till, "ABCDEFGH")) in ("valid", "used")
        assert answer_of(post_code(till, wrong)) == "unknown"
    paused = post_code(till, "ABCDEFGH")
    assert paused.status_code == 429 and "paused for 15 minutes" in paused.content.decode()
    # Another till, and the owner signed in, still work.
    other = enter(make_link(signed_in, workspace, "Back till"))
    assert answer_of(post_code(other, "ABCDEFGH")) == "used"
    counter = reverse("offers:counter", args=[workspace.slug])
    assert answer_of(signed_in.post(counter, {"code": "ABCDEFGH"})) == "used"
    with time_machine.travel(NOW.timestamp() + 15 * 60 + 1, tick=False):
        assert answer_of(post_code(till, "ABCDEFGH")) == "used"


def test_unknown_codes_are_limited_per_workspace_for_staff_links_only(
    signed_in: Client, workspace: Workspace, settings: Any
) -> None:
    settings.OFFER_MAX_WRONG_CODES_PER_WORKSPACE = 4
    tills = [enter(make_link(signed_in, workspace, f"Till {n}")) for n in range(3)]
    for till in tills[:2]:
        for wrong in ("AAAA2222", "AAAA3333"):
            assert answer_of(post_code(till, wrong)) == "unknown"
    assert post_code(tills[2], "AAAA5555").status_code == 429
    counter = reverse("offers:counter", args=[workspace.slug])
    assert answer_of(signed_in.post(counter, {"code": "AAAA5555"})) == "unknown"


def test_a_codes_qr_shows_the_code_to_a_customer(workspace: Workspace, settings: Any) -> None:
    settings.OFFER_MAX_WRONG_CODES = 2
    personal_code(make_offer(workspace, terms="One <b>slice</b> free"), "ABCDEFGH")
    customer = Client()
    page = customer.get(reverse("offers:code", args=["abcdefgh"]))
    body = page.content.decode()
    assert page.status_code == 200 and "ABCD-EFGH" in body and "Ready to use" in body
    assert "One &lt;b&gt;slice&lt;/b&gt; free" in body
    assert not Redemption.objects.exists()
    for wrong in ("AAAA2222", "AAAA3333"):
        assert customer.get(reverse("offers:code", args=[wrong])).status_code == 404
    assert customer.get(reverse("offers:code", args=["ABCDEFGH"])).status_code == 429


def test_a_codes_page_says_when_the_offer_ends_in_the_shops_time(workspace: Workspace) -> None:
    workspace.timezone = "America/New_York"
    workspace.save()
    personal_code(make_offer(workspace), "ABCDEFGH")  # ends 19 March, 10:00 UTC
    body = Client().get(reverse("offers:code", args=["ABCDEFGH"])).content.decode()
    assert "until 19 Mar 2026, 06:00 (America/New_York)" in body


def test_a_codes_qr_opens_the_counter_for_staff(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    personal_code(make_offer(workspace), "ABCDEFGH")
    opened = signed_in.get(reverse("offers:code", args=["ABCDEFGH"]))
    counter = reverse("offers:counter", args=[workspace.slug])
    assert opened.status_code == 302 and opened["Location"] == f"{counter}?code=ABCDEFGH"
    prefilled = signed_in.get(opened["Location"]).content.decode()
    assert 'value="ABCDEFGH"' in prefilled
    till = enter(make_link(signed_in, workspace))
    opened = till.get(reverse("offers:code", args=["abcd-efgh"]))
    assert opened["Location"] == f"{reverse('offers:till')}?code=ABCDEFGH"
    assert not Redemption.objects.exists()
