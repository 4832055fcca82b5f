"""What the offer pages (and the API) do with offers, each checking the member's role.

An offer is made or changed by an owner or manager; anyone in the workspace may look.
Making a shared-code offer also makes its one Code row (not personal, given, folded) so
the counter finds it; every offer gets a tracked link (publishing's), which leads to the
owner's landing page or, without one, to the offer's own public page (/o/<link code>/).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from porch.core.fetch import checked_url
from porch.errors import InputError, NotAllowed, NotFound
from porch.offers import codes
from porch.offers.models import Audience, Code, CodeState, Give, Offer
from porch.publishing.links import make_link, with_utm
from porch.workspaces.models import Membership, Role, Workspace

TITLE_LENGTH = 120
TERMS_LENGTH = 2_000
LIMIT_MAX = 1_000_000
# The tracked link keeps the landing page with its utm_* added, in 2,000 characters.
LANDING_URL_LENGTH = 1_800


@dataclass(frozen=True)
class OfferInput:
    """An offer as the owner describes it (times aware; the form reads them locally)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    terms: str = ""
    limit_total: int | None = None
    limit_per_person: int | None = 1
    networks: tuple[str, ...] = ()
    audience: str = Audience.ALL
    tag: str = ""
    give: str = Give.SHARED
    shared_code: str = ""
    landing_url: str = ""


def _may_change(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can make or change offers.")


def get_offer(member: Membership, pk: int) -> Offer:
    """The member's workspace's offer `pk`; NotFound otherwise (never another workspace's)."""
    found = Offer.objects.filter(pk=pk, workspace=member.workspace).first()
    if found is None:
        raise NotFound("No such offer in this workspace.")
    return found


def running(workspace: Workspace, now: datetime) -> list[Offer]:
    """The workspace's offers on at `now`, ending soonest first."""
    rows = Offer.objects.filter(workspace=workspace, starts_at__lte=now, ends_at__gt=now)
    return list(rows.order_by("ends_at", "pk"))


def connected_networks(workspace: Workspace) -> list[str]:
    """The networks of the workspace's connected accounts, in a stable order."""
    return sorted(set(workspace.accounts.values_list("network", flat=True)))


def _checked(workspace: Workspace, data: OfferInput) -> OfferInput:
    """`data` with its text trimmed and its shared code checked; InputError says what is wrong."""
    title = data.title.strip()
    if not title or len(title) > TITLE_LENGTH:
        raise InputError(f"Give the offer a title of 1 to {TITLE_LENGTH} characters.")
    if len(data.terms) > TERMS_LENGTH:
        raise InputError(f"The terms are at most {TERMS_LENGTH} characters.")
    if data.ends_at <= data.starts_at:
        raise InputError("The offer must end after it starts.")
    for limit in (data.limit_total, data.limit_per_person):
        if limit is not None and not 1 <= limit <= LIMIT_MAX:
            raise InputError(f"A limit is 1 to {LIMIT_MAX}, or empty for no limit.")
    unknown = set(data.networks) - set(connected_networks(workspace))
    if unknown:
        raise InputError("Pick only networks where the business has a connected account.")
    if data.audience not in Audience.values or data.give not in Give.values:
        raise InputError("Choose who gets the offer and how the codes are given.")
    tag = data.tag.strip() if data.audience == Audience.TAG else ""
    if data.audience == Audience.TAG and not tag:
        raise InputError("Pick the tag of the people who get the offer.")
    if data.landing_url:
        checked_url(data.landing_url)  # AddressRefused: only http(s) addresses lead anywhere
        if len(data.landing_url) > LANDING_URL_LENGTH:
            raise InputError(
                f"The landing page's address is at most {LANDING_URL_LENGTH} characters."
            )
    shared = codes.check_shared(data.shared_code) if data.give == Give.SHARED else ""
    return OfferInput(
        **{**data.__dict__, "title": title, "tag": tag, "shared_code": shared},
    )


def _code_taken(workspace: Workspace, folded: str, offer: Offer | None) -> bool:
    taken = Code.objects.filter(workspace=workspace, code=folded)
    return taken.filter(~Q(offer=offer) if offer else Q()).exists()


def _fields(data: OfferInput) -> dict[str, object]:
    return {
        "title": data.title,
        "terms": data.terms,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "limit_total": data.limit_total,
        "limit_per_person": data.limit_per_person,
        "networks": list(data.networks),
        "audience": data.audience,
        "tag": data.tag,
        "give": data.give,
        "shared_code": data.shared_code,
        "landing_url": data.landing_url,
    }


def public_url(offer: Offer) -> str:
    """Where the offer's tracked link leads without a landing page: its public page."""
    assert offer.link is not None
    return settings.LINK_HOST + reverse("offers:public", args=[offer.link.code])


def link_offer(offer: Offer) -> None:
    """The offer's tracked link, made once; it follows a changed landing page."""
    campaign = f"offer-{offer.pk}"
    if offer.link is None:
        offer.link = make_link(
            offer.workspace, offer.landing_url or settings.LINK_HOST, campaign=campaign
        )
        offer.save(update_fields=["link"])
    if offer.landing_url:
        wanted = with_utm(offer.landing_url, "porch", campaign)
    else:
        wanted = public_url(offer)
    if offer.link.url != wanted:
        offer.link.url = wanted
        offer.link.save(update_fields=["url"])


def keep_shared_code(offer: Offer) -> None:
    """The shared offer's one Code row, kept to its shared code."""
    folded = codes.fold(offer.shared_code)
    row = Code.objects.filter(offer=offer, personal=False).first()
    if row is None:
        Code.objects.create(
            workspace=offer.workspace,
            offer=offer,
            code=folded,
            personal=False,
            state=CodeState.GIVEN,
        )
    elif row.code != folded:
        row.code = folded
        row.save(update_fields=["code"])


def _save(member: Membership, offer: Offer, data: OfferInput) -> Offer:
    data = _checked(member.workspace, data)
    if data.give == Give.SHARED and _code_taken(
        member.workspace, codes.fold(data.shared_code), offer if offer.pk else None
    ):
        raise InputError(f"The code {data.shared_code} is already used in this workspace.")
    for name, value in _fields(data).items():
        setattr(offer, name, value)
    try:
        with transaction.atomic():
            offer.save()
            if offer.give == Give.SHARED:
                keep_shared_code(offer)
            else:  # no longer shared (nothing was redeemed: update_offer checks)
                Code.objects.filter(offer=offer, personal=False).delete()
            link_offer(offer)
    except IntegrityError:  # the same code saved by someone else meanwhile
        raise InputError(
            f"The code {data.shared_code} is already used in this workspace."
        ) from None
    return offer


def create_offer(member: Membership, data: OfferInput) -> Offer:
    """A new offer (owner or manager), with its shared code's row and its tracked link."""
    _may_change(member)
    offer = Offer(workspace=member.workspace, created_by=member.user)
    return _save(member, offer, data)


def update_offer(member: Membership, offer: Offer, data: OfferInput) -> Offer:
    """Change an offer (owner or manager). How codes are given, and a shared code once
    redeemed, stay as they are: people hold them."""
    _may_change(member)
    if offer.workspace_id != member.workspace_id:
        raise NotFound("No such offer in this workspace.")
    if data.give != offer.give and (
        offer.redeemed_count or offer.codes.filter(personal=True).exists()
    ):
        raise InputError("Codes were given already: how they are given cannot change now.")
    if (
        offer.give == Give.SHARED
        and offer.redeemed_count
        and codes.fold(data.shared_code) != codes.fold(offer.shared_code)
    ):
        raise InputError("The code was redeemed already: it cannot change now.")
    return _save(member, offer, data)
