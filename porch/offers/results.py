"""What an offer brought: codes given, redemptions, revenue, by network and by audience, and
how many of the people who redeemed were new.

Codes given: for a per-person offer, the codes sent or given by hand (a redeemed code was
given too); a shared code goes to everyone who reads the posts that carry it, which Porch
cannot count, so `given` (and the rate) is None there and `posts` says how many posts
carried it. A person counts as *returning* when Porch knew them before the offer started
(first seen earlier) and they had redeemed an offer before it; everyone else who redeemed
is *new*. Each figure is one aggregate query, never a loop over rows.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, TextField, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone

from porch.networks import registry
from porch.offers import codes
from porch.offers.models import Code, CodeState, Give, Offer, Redemption
from porch.people.models import Person, Status
from porch.publishing.models import Post, PostStatus
from porch.workspaces.models import Workspace

GIVEN_STATES = (CodeState.SENT, CodeState.GIVEN)
NOT_KNOWN = "Not known"
CENTS = Decimal("0.00")

# (label, codes given (None where not counted), redeemed, revenue)
Row = tuple[str, int | None, int, Decimal]


@dataclass(frozen=True)
class OfferResults:
    offer: Offer
    given: int | None
    redeemed: int
    revenue: Decimal
    rate: float | None
    by_network: list[Row] = field(default_factory=list)
    by_audience: list[Row] = field(default_factory=list)
    new: int = 0
    returning: int = 0
    posts: int = 0  # a shared offer: the posts that carried its code or link
    running: bool = False

    @property
    def rate_text(self) -> str:
        return f"{self.rate:.0%}" if self.rate is not None else "-"

    @property
    def given_text(self) -> str:
        if self.given is not None:
            return str(self.given)
        return f"shared code, {self.posts} post{'' if self.posts == 1 else 's'}"

    def line(self) -> str:
        """One line for the weekly report (page, PDF and email)."""
        given = f"{self.given} codes given, " if self.given is not None else ""
        rate = f" ({self.rate_text} of codes)" if self.rate is not None else ""
        return (
            f"{given}{self.redeemed} redeemed{rate}, {self.revenue} in sales; "
            f"{self.new} new, {self.returning} returning"
        )


def _label(network: str) -> str:
    if not network:
        return NOT_KNOWN
    try:
        return registry.descriptor(network).label
    except ValueError:
        return network


def _rows(
    given: dict[str, int] | None, redeemed: dict[str, tuple[int, Decimal]], label: dict[str, str]
) -> list[Row]:
    keys = sorted(set(given or {}) | set(redeemed), key=lambda key: label.get(key, key))
    return [
        (
            label.get(key, key),
            (given or {}).get(key, 0) if given is not None else None,
            redeemed.get(key, (0, CENTS))[0],
            redeemed.get(key, (0, CENTS))[1],
        )
        for key in keys
    ]


def _grouped(rows: QuerySet[Redemption], by: str) -> dict[str, tuple[int, Decimal]]:
    found: dict[str, tuple[int, Decimal]] = {}
    for row in rows.values(by).annotate(n=Count("id"), s=Sum("amount")):
        key = row[by] or ""
        n, s = found.get(key, (0, CENTS))
        found[key] = (n + row["n"], (s + (row["s"] or CENTS)).quantize(CENTS))
    return found


def _counted(codes: QuerySet[Code], by: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in codes.values(by).annotate(n=Count("id")):
        found[row[by] or ""] = found.get(row[by] or "", 0) + row["n"]
    return found


def new_and_returning(offer: Offer, redemptions: QuerySet[Redemption]) -> tuple[int, int]:
    """(new, returning) people among those who redeemed (see the module)."""
    people = Person.objects.filter(pk__in=redemptions.values("person"))
    earlier = Redemption.objects.filter(
        workspace_id=offer.workspace_id, person=OuterRef("pk"), redeemed_at__lt=offer.starts_at
    )
    counts = people.aggregate(
        everyone=Count("id"),
        returning=Count("id", filter=Q(first_seen_at__lt=offer.starts_at) & Q(Exists(earlier))),
    )
    return counts["everyone"] - counts["returning"], counts["returning"]


def carried_by(offer: Offer) -> int:
    """How many of the workspace's published posts carry a shared offer's code or tracked link."""
    if offer.give != Give.SHARED:
        return 0
    carried = Q()
    if offer.shared_code:  # folded: the post may write it with dashes or spaces
        carried |= Q(folded__contains=codes.fold(offer.shared_code))
    if offer.link is not None:
        carried |= Q(text__contains=f"/l/{offer.link.code}")
    if not carried:
        return 0
    posts = Post.objects.filter(workspace_id=offer.workspace_id, status=PostStatus.PUBLISHED)
    text: TextField[str, str] = TextField()
    folded = Replace(
        Replace(Upper("text"), Value("-", text), Value("", text)), Value(" ", text), Value("", text)
    )
    return posts.annotate(folded=folded).filter(carried).count()


def offer_results(
    offer: Offer,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> OfferResults:
    """The offer's results up to `now` (only redemptions in [since, until) when given)."""
    redemptions = Redemption.objects.filter(offer=offer, redeemed_at__lte=now)
    if since is not None:
        redemptions = redemptions.filter(redeemed_at__gte=since)
    if until is not None:
        redemptions = redemptions.filter(redeemed_at__lt=until)
    personal = offer.give == Give.PERSONAL
    codes = Code.objects.filter(offer=offer, personal=True).filter(
        Q(state__in=GIVEN_STATES) | Q(redeemed_at__isnull=False)
    )
    by_network_given = _counted(codes, "network") if personal else None
    by_network = _grouped(redemptions, "network")
    statuses = dict(Status.choices) | {"": NOT_KNOWN}
    by_status_given = _counted(codes, "person__status") if personal else None
    by_status = _grouped(redemptions, "person__status")
    networks = {name: _label(name) for name in set(by_network) | set(by_network_given or {})}
    redeemed = sum(n for n, _ in by_network.values())
    revenue = sum((s for _, s in by_network.values()), CENTS)
    given = sum(by_network_given.values()) if by_network_given is not None else None
    new, returning = new_and_returning(offer, redemptions)
    return OfferResults(
        offer=offer,
        given=given,
        redeemed=redeemed,
        revenue=revenue,
        rate=redeemed / given if given else None,
        by_network=_rows(by_network_given, by_network, networks),
        by_audience=_rows(by_status_given, by_status, statuses),
        new=new,
        returning=returning,
        posts=carried_by(offer),
        running=offer.starts_at <= now < offer.ends_at,
    )


def workspace_offers(
    workspace: Workspace, start: datetime, end: datetime, *, now: datetime | None = None
) -> list[OfferResults]:
    """Each offer that ran in [start, end) or was redeemed then, with that period's figures
    (up to `now`, the present unless given: `running` says whether it runs at `now`)."""
    now = min(now or timezone.now(), end)
    redeemed = Redemption.objects.filter(
        offer=OuterRef("pk"), redeemed_at__gte=start, redeemed_at__lt=end
    )
    offers = (
        Offer.objects.filter(workspace=workspace)
        .filter(Q(starts_at__lt=end, ends_at__gt=start) | Q(Exists(redeemed)))
        .select_related("link")
        .order_by("-starts_at", "pk")
    )
    return [offer_results(offer, now=now, since=start, until=end) for offer in offers]
