"""The owner's offer pages: the list by running/upcoming/ended with results, the form (local
times across a clock change, one-line errors, what happens on each network), an offer's
page (code, QR, print sheet, post it to followers, send codes and where each stands), the
public page; each by role, never another workspace's offer, user text escaped."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.networks.base import Capabilities, NetworkDescriptor
from porch.offers import services
from porch.offers.forms import network_note, note_of
from porch.offers.models import Code, CodeState, Give, Offer
from porch.offers.services import OfferInput
from porch.offers.views import OFFERS_PILLAR
from porch.people.models import Follow, Person
from porch.people.services import identify
from porch.plans.generate import OFFERS, offer_query
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    for network in ("mastodon", "bluesky", "fake"):
        ConnectedAccount.objects.create(workspace=workspace, network=network, handle="shop")
    return Membership.objects.get(user=owner, workspace=workspace)


def make(member: Membership, **changes: Any) -> Offer:
    data: dict[str, Any] = {
        "title": "Spring loaf",
        "terms": "10% off any loaf",
        "starts_at": AT - timedelta(days=1),
        "ends_at": AT + timedelta(days=7),
        "networks": ("mastodon",),
        "give": Give.SHARED,
        "shared_code": "CRUMB-SPRING",
        **changes,
    }
    return services.create_offer(member, OfferInput(**data))


def url(member: Membership, name: str, offer: Offer | None = None) -> str:
    args: list[object] = [member.workspace.slug] + ([offer.pk] if offer else [])
    return reverse(f"offers:{name}", args=args)


def form(**changes: object) -> dict[str, object]:
    return {
        "title": "Spring loaf",
        "terms": "10% off",
        "starts_at": "2026-03-28T10:00",
        "ends_at": "2026-03-30T10:00",
        "limit_total": "",
        "limit_per_person": "1",
        "networks": ["mastodon"],
        "audience": "all",
        "tag": "",
        "give": "shared",
        "shared_code": "CRUMB-SPRING",
        "landing_url": "",
        **changes,
    }


def test_the_form_reads_local_times_and_shows_them_back_across_the_clock_change(
    signed_in: Client, member: Membership
) -> None:
    """London goes from GMT to BST on 29 March 2026: 10:00 before is 10:00 UTC, after 09:00."""
    answer = signed_in.post(url(member, "new"), form())
    offer = Offer.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url(member, "offer", offer)
    assert offer.starts_at == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    assert offer.ends_at == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    page = signed_in.get(url(member, "edit", offer)).content.decode()
    assert 'value="2026-03-28T10:00"' in page and 'value="2026-03-30T10:00"' in page
    shown = signed_in.get(url(member, "offer", offer)).content.decode()
    assert "28 Mar 2026 10:00" in shown and "30 Mar 2026 10:00" in shown
    assert (
        signed_in.post(url(member, "edit", offer), form(title="Spring loaves")).status_code == 302
    )
    offer.refresh_from_db()
    assert offer.title == "Spring loaves"
    assert offer.ends_at == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_a_plans_offer_draft_arrives_prefilled_in_the_new_offer_form(
    signed_in: Client, member: Membership
) -> None:
    query = offer_query({"title": "Crumb club <3", "terms": "A free bun", "days": 14}, AT.date())
    page = signed_in.get(url(member, "new") + "?" + query).content.decode()
    assert 'value="Crumb club &lt;3"' in page and "A free bun" in page
    # From next Monday (the 23rd) at midnight, for 14 days.
    assert 'value="2026-03-23T00:00"' in page and 'value="2026-04-06T00:00"' in page


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"ends_at": "2026-03-27T10:00"}, "The offer must end after it starts."),
        ({"limit_total": "0"}, "greater than or equal to 1"),
        ({"limit_per_person": "0"}, "greater than or equal to 1"),
        ({"shared_code": "no"}, "A shared code is 3 to 32"),
        ({"starts_at": "tomorrow"}, "Write a date and time"),
        ({"starts_at": "9999-12-31T23:59"}, "Write a date and time"),
        ({"networks": ["x"]}, "Select a valid choice"),
        ({"audience": "tag"}, "Pick the tag"),
        ({"landing_url": "javascript:alert(1)"}, "Enter a valid URL"),
    ],
)
def test_a_bad_offer_is_the_form_again_with_a_line_saying_why(
    signed_in: Client, member: Membership, changes: dict[str, object], said: str
) -> None:
    answer = signed_in.post(url(member, "new"), form(**changes))
    assert answer.status_code == 200
    assert said in answer.content.decode()
    assert not Offer.objects.exists()


def test_a_code_taken_in_this_workspace_is_said_on_the_form(
    signed_in: Client, member: Membership
) -> None:
    make(member)
    answer = signed_in.post(url(member, "new"), form(shared_code="crumb-spring"))
    assert answer.status_code == 200
    assert "The code CRUMB-SPRING is already used in this workspace." in answer.content.decode()
    assert Offer.objects.count() == 1


def test_the_form_says_what_happens_on_each_connected_network(
    signed_in: Client, member: Membership
) -> None:
    page = signed_in.get(url(member, "new")).content.decode()
    for network in ("mastodon", "bluesky", "fake"):
        note = network_note(network)
        assert note.shared_here in page and note.personal_here in page
    assert "followers-only post" in network_note("mastodon").shared
    assert "ordinary public post" in network_note("bluesky").shared
    assert 'value="x"' not in page  # no account there


def test_a_network_that_cannot_send_says_so() -> None:
    none = NetworkDescriptor(name="none", label="Nowhere", client="", can=Capabilities())
    assert note_of(none).personal == "Nowhere: Porch cannot send codes here."
    assert "ordinary public post" in note_of(none).shared
    sends = Capabilities(send_direct="followers", send_direct_note="A DM to each follower.")
    assert note_of(NetworkDescriptor("s", "S", "", can=sends)).personal == sends.send_direct_note


def test_tags_to_choose_are_the_ones_people_have(signed_in: Client, member: Membership) -> None:
    ana = identify(member.workspace, "mastodon", "id:ana", "ana").person
    Person.objects.filter(pk=ana.pk).update(tags=["regular", "rye"])
    page = signed_in.get(url(member, "new")).content.decode()
    assert '<option value="regular">' in page and '<option value="rye">' in page
    answer = signed_in.post(url(member, "new"), form(audience="tag", tag="rye"))
    assert answer.status_code == 302 and Offer.objects.get().tag == "rye"


def test_the_list_groups_offers_with_their_figures(signed_in: Client, member: Membership) -> None:
    make(member, title="On now")
    make(member, title="Later", shared_code="LATER", starts_at=AT + timedelta(days=2))
    make(
        member,
        title="Over",
        shared_code="OVER",
        starts_at=AT - timedelta(days=9),
        ends_at=AT - timedelta(days=2),
    )
    page = signed_in.get(url(member, "list")).content.decode()
    running, upcoming, ended = (
        page.index(f'data-testid="offers-{g}"') for g in ("running", "upcoming", "ended")
    )
    assert (
        running < page.index("On now") < upcoming < page.index("Later") < ended < page.index("Over")
    )
    assert page.count('data-testid="offer-figures"') == 3
    assert "redeemed: 0" in page


def test_the_offer_page_shows_the_code_the_qr_and_the_post_it_link(
    signed_in: Client, member: Membership
) -> None:
    offer = make(member, title="<b>Loaf</b> & co")
    page = signed_in.get(url(member, "offer", offer)).content.decode()
    assert "&lt;b&gt;Loaf&lt;/b&gt; &amp; co" in page and "<b>Loaf</b>" not in page
    assert "CRUMB-SPRING" in page and "<svg" in page
    assert offer.link is not None and f"/l/{offer.link.code}" in page
    assert network_note("mastodon").shared in page
    compose = page.split('data-testid="offer-post"')[0].rsplit('href="', 1)[1].split('"')[0]
    query = parse_qs(urlsplit(compose.replace("&amp;", "&")).query)
    assert urlsplit(compose).path == reverse("compose", args=[member.workspace.slug])
    assert query["pillar"] == [OFFERS] and OFFERS_PILLAR == OFFERS
    assert query["visibility"] == ["followers"]
    assert "CRUMB-SPRING" in query["text"][0] and f"/l/{offer.link.code}" in query["text"][0]


def test_the_qr_comes_as_svg_or_png_and_the_sheet_as_pdf(
    signed_in: Client, member: Membership
) -> None:
    offer = make(member)
    svg = signed_in.get(url(member, "qr", offer))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    png = signed_in.get(url(member, "qr", offer) + "?as=png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    sheet = signed_in.get(url(member, "print", offer))
    assert sheet["Content-Type"] == "application/pdf" and sheet.content.startswith(b"%PDF")


def test_sending_codes_queues_them_and_the_page_says_where_each_stands(
    signed_in: Client, member: Membership
) -> None:
    offer = make(member, give=Give.PERSONAL, shared_code="", networks=("fake",))
    account = ConnectedAccount.objects.get(workspace=member.workspace, network="fake")
    ana = identify(member.workspace, "fake", "id:ana", "ana")
    Follow.objects.create(account=account, identity=ana, seen_at=AT)
    answer = signed_in.post(url(member, "send", offer), follow=True)
    assert "1 code queued to send" in answer.content.decode()
    code = Code.objects.get(offer=offer)
    assert code.state == CodeState.QUEUED and code.identity == ana
    Code.objects.filter(pk=code.pk).update(
        state=CodeState.SKIPPED, error="Has not written <lately>"
    )
    page = signed_in.get(url(member, "offer", offer)).content.decode()
    assert 'data-state="skipped"' in page and "Has not written &lt;lately&gt;" in page
    assert f"{code.code[:4]}-{code.code[4:]}" in page
    assert 'data-testid="offer-results"' in page


def test_a_shared_offers_codes_are_not_sent(signed_in: Client, member: Membership) -> None:
    offer = make(member)
    answer = signed_in.post(url(member, "send", offer), follow=True)
    assert "post it to your followers instead" in answer.content.decode()
    assert Code.objects.filter(offer=offer, personal=True).count() == 0


def test_a_helper_sees_offers_but_changes_nothing(
    client: Client, member: Membership, workspace: Workspace
) -> None:
    offer = make(member, give=Give.PERSONAL, shared_code="", networks=("fake",))
    client.force_login(add_member(workspace, "h@bakery.example", Role.HELPER))
    assert client.get(url(member, "list")).status_code == 200
    page = client.get(url(member, "offer", offer)).content.decode()
    assert 'data-testid="offer-edit"' not in page and 'data-testid="offer-send"' not in page
    assert client.get(url(member, "new")).status_code == 403
    assert client.post(url(member, "new"), form()).status_code == 403
    assert client.get(url(member, "edit", offer)).status_code == 403
    assert client.post(url(member, "send", offer)).status_code == 403
    assert client.get(url(member, "qr", offer)).status_code == 200
    assert Offer.objects.count() == 1 and not Code.objects.exists()


def test_another_workspaces_offer_answers_404(
    client: Client, member: Membership, owner: User
) -> None:
    offer = make(member)
    stranger = workspaces.create_user("s@elsewhere.example", "pw-long-enough-123")
    other = workspaces.create_workspace(stranger, "Elsewhere", "UTC")
    theirs = Membership.objects.get(user=stranger, workspace=other)
    client.force_login(stranger)
    for name in ("offer", "edit", "qr", "print"):
        assert client.get(url(theirs, name, offer)).status_code == 404, name
    assert client.post(url(theirs, "send", offer)).status_code == 404
    assert client.post(url(theirs, "edit", offer), form(title="Mine")).status_code == 404
    # and their slug is no way into ours
    assert client.get(url(member, "offer", offer)).status_code == 404
    offer.refresh_from_db()
    assert offer.title == "Spring loaf"


def test_the_public_page_shows_what_when_and_the_shared_code(
    client: Client, member: Membership
) -> None:
    offer = make(member, terms="<i>One</i> a visit")
    assert offer.link is not None
    page = client.get(reverse("offers:public", args=[offer.link.code])).content.decode()
    assert "Spring loaf" in page and "&lt;i&gt;One&lt;/i&gt; a visit" in page
    assert "CRUMB-SPRING" in page and "Europe/London" in page
    assert client.get(reverse("offers:public", args=["nosuchcode"])).status_code == 404
