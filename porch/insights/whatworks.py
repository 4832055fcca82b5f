"""What works: engagement per post by pillar, day, hour, length, format and network.

Posts are first summed into engagement cells (one row per combination of groups, rebuilt
by one INSERT ... SELECT after each import and metrics sync); each section is then one
GROUP BY over the cells returning the count, the sum and the sum of squares of
engagement; the mean and its 95% range (mean ± 1.96 standard errors) come from those.
Below MIN_POSTS posts a group makes no claim ("not enough posts yet"). Reposts of other
people's posts are left out: their engagement is not the account's.
"""

import calendar
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from porch.insights.models import EngagementCell, HistoryPost, PostKind
from porch.workspaces.models import ConnectedAccount, Workspace, network_choices

MIN_POSTS = 10
Z95 = 1.96
LENGTHS = [(80, "Short (under 80 characters)"), (200, "Medium (80-199)")]
LONG = "Long (200 or more)"
CELL_GROUPS = [
    "pillar",
    "weekday",
    "hour",
    "length_group",
    "has_link",
    "with_media",
    "has_question",
    "has_hashtag",
]
FORMATS = [
    ("has_link", "Links", "With a link", "Without a link"),
    ("with_media", "Images and video", "With images or video", "Text only"),
    ("has_question", "Questions", "Asking a question", "No question"),
    ("has_hashtag", "Hashtags", "With hashtags", "Without hashtags"),
]


@dataclass(frozen=True)
class Finding:
    label: str
    posts: int
    mean: float
    low: float
    high: float

    @property
    def enough(self) -> bool:
        return self.posts >= MIN_POSTS

    def summary(self) -> str:
        if not self.enough:
            return f"not enough posts yet ({self.posts} of {MIN_POSTS})"
        return f"{self.mean:.1f} per post (likely {self.low:.1f} to {self.high:.1f})"


@dataclass(frozen=True)
class Section:
    title: str
    findings: list[Finding]

    def best(self) -> Finding | None:
        """The group whose worst plausible value beats the others' (enough posts only)."""
        ranked = sorted((f for f in self.findings if f.enough), key=lambda f: -f.low)
        return ranked[0] if ranked else None


def own_posts(
    workspace: Workspace, account: ConnectedAccount | None = None
) -> QuerySet[HistoryPost]:
    posts = HistoryPost.objects.filter(workspace=workspace).exclude(kind=PostKind.REPOST)
    return posts.filter(account=account) if account else posts


def rebuild_cells(account: ConnectedAccount) -> None:
    """Recount the account's engagement cells from its posts, in one INSERT ... SELECT."""
    length = Case(
        *[When(length__lt=limit, then=Value(n)) for n, (limit, _) in enumerate(LENGTHS)],
        default=Value(len(LENGTHS)),
        output_field=IntegerField(),
    )
    squared = Cast("engagement", FloatField()) * Cast("engagement", FloatField())
    rows = (
        own_posts(account.workspace, account)
        .annotate(
            length_group=length,
            with_media=ExpressionWrapper(Q(media__gt=0), output_field=BooleanField()),
        )
        .values(*CELL_GROUPS)
        .annotate(n=Count("id"), t=Sum(Cast("engagement", FloatField())), s=Sum(squared))
        .order_by()
    )
    select, params = rows.query.sql_with_params()
    table = EngagementCell._meta.db_table
    aliases = {**{name: name for name in CELL_GROUPS}, "posts": "n", "total": "t", "squares": "s"}
    columns = ", ".join(["account_id", "workspace_id", "network", *aliases])
    picked = ", ".join(f"grouped.{connection.ops.quote_name(a)}" for a in aliases.values())
    with transaction.atomic(), connection.cursor() as cursor:
        EngagementCell.objects.filter(account=account).delete()
        cursor.execute(  # names from the models, the SELECT from the ORM; values are parameters
            f"INSERT INTO {table} ({columns}) SELECT %s, %s, %s, {picked} FROM ({select}) grouped",  # noqa: S608
            [account.pk, account.workspace_id, account.network, *params],
        )


def finding(label: str, n: int, total: float, squares: float) -> Finding:
    if n == 0:
        return Finding(label, 0, 0.0, 0.0, 0.0)
    mean = total / n
    variance = max(squares / n - mean * mean, 0.0) * (n / (n - 1) if n > 1 else 0.0)
    margin = Z95 * math.sqrt(variance / n)
    return Finding(label, n, mean, max(mean - margin, 0.0), mean + margin)


def cells(
    workspace: Workspace, account: ConnectedAccount | None = None
) -> QuerySet[EngagementCell]:
    found = EngagementCell.objects.filter(workspace=workspace)
    return found.filter(account=account) if account else found


def grouped(
    found: QuerySet[EngagementCell], *fields: str
) -> list[tuple[tuple[object, ...], Finding]]:
    """(group values, finding) for each group of `fields`, summed in SQL."""
    rows = (
        found.values(*fields)
        .annotate(n=Sum("posts"), t=Sum("total"), s=Sum("squares"))
        .order_by(*fields)
    )
    return [
        (tuple(row[f] for f in fields), finding("", row["n"], row["t"] or 0.0, row["s"] or 0.0))
        for row in rows
    ]


def _section(
    title: str, found: QuerySet[EngagementCell], field: str, name: dict[object, str]
) -> Section:
    findings = [
        Finding(name.get(key[0], str(key[0])), f.posts, f.mean, f.low, f.high)
        for key, f in grouped(found, field)
    ]
    return Section(title, findings)


def what_works(workspace: Workspace, account: ConnectedAccount | None = None) -> list[Section]:
    found = cells(workspace, account)
    days: dict[object, str] = dict(enumerate(calendar.day_name))
    hours: dict[object, str] = {h: f"{h:02d}:00" for h in range(24)}
    lengths: dict[object, str] = {n: label for n, (_, label) in enumerate(LENGTHS)}
    lengths[len(LENGTHS)] = LONG
    sections = [
        _section("Content pillar", found, "pillar", {"": "No pillar"}),
        _section("Day of the week", found, "weekday", days),
        _section("Hour of the day", found, "hour", hours),
        _section("Length", found, "length_group", lengths),
        _section("Network", found, "network", dict(network_choices())),
    ]
    for field, title, yes, no in FORMATS:
        sections.append(_section(title, found, field, {True: yes, False: no}))
    return sections


def heat_map(
    workspace: Workspace, account: ConnectedAccount | None = None
) -> list[list[float | None]]:
    """Mean engagement per post for each weekday (rows, Monday first) and hour (columns)."""
    grid: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    for (day, hour), found in grouped(cells(workspace, account), "weekday", "hour"):
        grid[int(str(day))][int(str(hour))] = found.mean
    return grid


def best_times(account: ConnectedAccount, count: int = 3) -> list[tuple[int, int]]:
    """The (weekday, hour) slots with the best engagement that enough posts stand behind."""
    slots = grouped(cells(account.workspace, account), "weekday", "hour")
    ranked = sorted((c for c in slots if c[1].enough), key=lambda c: -c[1].low)
    return [(int(str(day)), int(str(hour))) for (day, hour), _ in ranked[:count]]


def suggested_slots(account: ConnectedAccount, after: datetime, count: int = 3) -> list[datetime]:
    """The next times to post from `account`, at its best slots (for the publishing queue).

    Empty until the account has enough history to say.
    """
    zone = ZoneInfo(account.timezone)
    start = after.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    best = set(best_times(account, count))
    slots = []
    for step in range(1, 24 * 7 * 2 + 1):
        moment = start + timedelta(hours=step)
        if (moment.weekday(), moment.hour) in best:
            slots.append(moment)
        if len(slots) == count:
            break
    return slots
