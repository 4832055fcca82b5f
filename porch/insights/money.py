"""Time against money: hours spent (in Porch and logged outside) against results.

Results are the leads and complaints handled in the inbox, the posts and their
engagement, clicks on Porch's tracked links, revenue entered by hand, and the leads marked
won on a person's page (porch.people.leads: their own line, and in the total), and the offers'
redemptions (porch.offers.results: their own line, one row per offer, and in the total).
Per network and per pillar, the hours are
shared out by the work done there (conversations handled for inbox time, posts for
publishing and planning time). Days are the workspace's days, in its time zone.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from porch.inbox.models import Conversation, Intent
from porch.insights.formats import MIN_HOURS, count, currency_symbol, hours_text, money
from porch.insights.models import ActiveTime, Activity, Revenue
from porch.insights.whatworks import own_posts
from porch.networks import registry
from porch.offers.results import OfferResults, workspace_offers
from porch.people.leads import won_total
from porch.publishing.models import TrackedLink
from porch.workspaces.models import Workspace


@dataclass
class Line:
    """Results and hours for the whole workspace, one network or one pillar."""

    name: str
    hours: float = 0.0
    leads: int = 0
    complaints: int = 0
    posts: int = 0
    engagement: int = 0
    revenue: Decimal = Decimal("0.00")
    clicks: int = 0
    redemptions: int = 0

    currency: str = ""  # the symbol money is shown with (porch.insights.formats)

    @property
    def enough_time(self) -> bool:
        """Enough hours behind it for figures per hour to mean something."""
        return self.hours >= MIN_HOURS

    def per_hour(self, value: float | Decimal) -> str:
        """A result per hour spent; "" under MIN_HOURS (the page says to log more time)."""
        if not self.enough_time:
            return ""
        return count(round(float(value) / self.hours, 1))

    @property
    def hours_text(self) -> str:
        return hours_text(self.hours)

    @property
    def revenue_text(self) -> str:
        return money(self.revenue, self.currency)

    @property
    def leads_per_hour(self) -> str:
        return self.per_hour(self.leads)

    @property
    def complaints_per_hour(self) -> str:
        return self.per_hour(self.complaints)

    @property
    def posts_per_hour(self) -> str:
        return self.per_hour(self.posts)

    @property
    def engagement_per_hour(self) -> str:
        return self.per_hour(self.engagement)

    @property
    def clicks_per_hour(self) -> str:
        return self.per_hour(self.clicks)

    @property
    def revenue_per_hour(self) -> str:
        if not self.enough_time:
            return ""
        return money(self.revenue / Decimal(str(self.hours)), self.currency)


@dataclass
class MoneyPage:
    total: Line
    hours_by_activity: dict[str, float] = field(default_factory=dict)
    networks: list[Line] = field(default_factory=list)
    pillars: list[Line] = field(default_factory=list)
    # The leads won in the period (leads: how many; revenue: for how much).
    won: Line = field(default_factory=lambda: Line("Leads won on social media"))
    # The offers' redemptions in the period (redemptions: how many; revenue: their sales).
    redeemed: Line = field(default_factory=lambda: Line("Offer redemptions"))
    offers: list[OfferResults] = field(default_factory=list)
    currency: str = ""

    def money(self, amount: Decimal) -> str:
        return money(amount, self.currency)

    @property
    def activities(self) -> list[tuple[str, str]]:
        """(activity, time spent as words) for each activity."""
        return [(name, hours_text(hours)) for name, hours in self.hours_by_activity.items()]

    def offer_rows(self) -> list[tuple[OfferResults, str]]:
        """Each offer with its sales as money."""
        return [(r, money(r.revenue, self.currency)) for r in self.offers]


def hours_by_activity(workspace: Workspace, start: date, end: date) -> dict[str, float]:
    rows = (
        ActiveTime.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
        .values("activity")
        .annotate(s=Sum("seconds"))
    )
    found = {row["activity"]: row["s"] / 3600 for row in rows}
    return {label: found.get(value, 0.0) for value, label in Activity.choices}


def local_days(workspace: Workspace, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants the workspace's days `start` up to (not including) `end` run between."""
    zone = ZoneInfo(workspace.timezone)
    return datetime.combine(start, time(0), zone), datetime.combine(end, time(0), zone)


def link_clicks(workspace: Workspace, start: date, end: date) -> dict[tuple[str, str], int]:
    """Clicks on Porch's tracked links made in the period, by ("network", x) and ("pillar", y)."""
    since, until = local_days(workspace, start, end)
    links = TrackedLink.objects.filter(
        workspace=workspace, created_at__gte=since, created_at__lt=until
    )
    found: dict[tuple[str, str], int] = {}
    for network, pillar, clicks in links.values_list("network", "post__pillar", "clicks"):
        found[("network", network)] = found.get(("network", network), 0) + clicks
        found[("pillar", pillar or "")] = found.get(("pillar", pillar or ""), 0) + clicks
    return found


def where_the_money_is(workspace: Workspace, start: date, end: date) -> MoneyPage:
    hours = hours_by_activity(workspace, start, end)
    inbox_hours = hours[Activity.INBOX.label]
    publishing_hours = hours[Activity.PUBLISHING.label] + hours[Activity.PLANNING.label]
    since, until = local_days(workspace, start, end)
    handled = Conversation.objects.filter(
        workspace=workspace, first_response_at__gte=since, first_response_at__lt=until
    )
    by_network = {
        row["account__network"]: row
        for row in handled.values("account__network").annotate(
            n=Count("id"),
            leads=Count("id", filter=Q(intent=Intent.LEAD)),
            complaints=Count("id", filter=Q(intent=Intent.COMPLAINT)),
        )
    }
    posts = own_posts(workspace).filter(published_at__gte=since, published_at__lt=until)
    posts_by = {
        (row["network"], row["pillar"]): row
        for row in posts.values("network", "pillar").annotate(n=Count("id"), e=Sum("engagement"))
    }
    revenue = Revenue.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
    clicks = link_clicks(workspace, start, end)
    total_conversations = sum(r["n"] for r in by_network.values())
    total_posts = sum(r["n"] for r in posts_by.values())

    def share(part: int, whole: int, hours_of: float) -> float:
        return hours_of * part / whole if whole else 0.0

    networks = []
    for value, label in registry.choices(offered=True):
        talk = by_network.get(value, {"n": 0, "leads": 0, "complaints": 0})
        mine = [r for (net, _), r in posts_by.items() if net == value]
        line = Line(
            label,
            hours=share(talk["n"], total_conversations, inbox_hours)
            + share(sum(r["n"] for r in mine), total_posts, publishing_hours),
            leads=talk["leads"],
            complaints=talk["complaints"],
            posts=sum(r["n"] for r in mine),
            engagement=sum(r["e"] or 0 for r in mine),
            revenue=revenue.filter(network=value).aggregate(s=Sum("amount"))["s"] or Decimal(0),
            clicks=clicks.get(("network", value), 0),
        )
        if line.posts or line.leads or line.complaints or line.revenue or line.clicks:
            networks.append(line)
    pillars = []
    for pillar in sorted(
        {p for (_, p) in posts_by} | set(revenue.values_list("pillar", flat=True))
    ):
        mine = [r for (_, p), r in posts_by.items() if p == pillar]
        n = sum(r["n"] for r in mine)
        pillars.append(
            Line(
                pillar or "No pillar",
                hours=share(n, total_posts, publishing_hours),
                posts=n,
                engagement=sum(r["e"] or 0 for r in mine),
                revenue=revenue.filter(pillar=pillar).aggregate(s=Sum("amount"))["s"] or Decimal(0),
                clicks=clicks.get(("pillar", pillar), 0),
            )
        )
    won_count, won_amount = won_total(workspace, since, until)
    won = Line("Leads won on social media", leads=won_count, revenue=won_amount)
    offers = workspace_offers(workspace, since, until)
    redeemed = Line(
        "Offer redemptions",
        redemptions=sum(r.redeemed for r in offers),
        revenue=sum((r.revenue for r in offers), Decimal("0.00")),
    )
    total = Line(
        "All of it",
        hours=sum(hours.values()),
        leads=sum(r["leads"] for r in by_network.values()),
        complaints=sum(r["complaints"] for r in by_network.values()),
        posts=total_posts,
        engagement=sum(r["e"] or 0 for r in posts_by.values()),
        revenue=(revenue.aggregate(s=Sum("amount"))["s"] or Decimal(0))
        + won_amount
        + redeemed.revenue,
        clicks=sum(n for (kind, _), n in clicks.items() if kind == "network"),
    )
    page = MoneyPage(total, hours, networks, pillars, won, redeemed, offers)
    page.currency = currency_symbol(workspace)
    for line in [total, won, redeemed, *networks, *pillars]:
        line.currency = page.currency
    return page
