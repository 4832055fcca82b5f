"""An account's posts (imported history and Porch's own), metrics over time, time and money."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from porch.workspaces.models import ConnectedAccount, Workspace, network_choices


class PostKind(models.TextChoices):
    POST = "post", "Post"
    REPLY = "reply", "Reply"
    REPOST = "repost", "Repost"


class Source(models.TextChoices):
    IMPORT = "import", "Imported history"
    PORCH = "porch", "Published with Porch"


class HistoryPost(models.Model):
    """One post of the account, with its latest engagement counts.

    Weekday and hour are in the account's time zone, stored so what-works groups in SQL.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="history")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="history")
    network = models.CharField(max_length=16, choices=network_choices)
    external_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=8, choices=PostKind.choices, default=PostKind.POST)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.IMPORT)
    published_at = models.DateTimeField()
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday, account's time zone")
    hour = models.PositiveSmallIntegerField(help_text="0-23, account's time zone")
    text = models.TextField(blank=True)
    length = models.PositiveIntegerField(default=0)
    url = models.URLField(max_length=500, blank=True)
    links = models.JSONField(default=list, blank=True)
    media = models.PositiveSmallIntegerField(default=0, help_text="images or videos attached")
    has_link = models.BooleanField(default=False)
    has_question = models.BooleanField(default=False)
    has_hashtag = models.BooleanField(default=False)
    pillar = models.CharField(max_length=60, blank=True)
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(null=True, blank=True)
    engagement = models.PositiveIntegerField(default=0, help_text="likes+reposts+replies+quotes")
    metrics_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="one_history_post")
        ]
        indexes = [
            models.Index(fields=["workspace", "kind", "published_at"]),
            models.Index(fields=["account", "kind", "weekday", "hour"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.external_id}"


class MetricSample(models.Model):
    """A post's counts at one moment: the time series behind 'engagement over time'."""

    post = models.ForeignKey(HistoryPost, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField(default=timezone.now)
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["post", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.post_id} at {self.taken_at:%Y-%m-%d %H:%M}"


class FollowerSample(models.Model):
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)
    followers = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.followers}"


class ImportState(models.TextChoices):
    WAITING = "waiting", "Waiting"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class HistoryImport(models.Model):
    """One uploaded (or command-line) import, with its progress for the page to poll."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name} into {self.account_id}"

    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class Activity(models.TextChoices):
    INBOX = "inbox", "Inbox"
    PUBLISHING = "publishing", "Publishing"
    PLANNING = "planning", "Planning"
    REVIEWING = "reviewing", "Reviewing results"


class ActiveTime(models.Model):
    """Seconds a member was active in Porch on one day, per activity (idle gaps not counted)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    activity = models.CharField(max_length=12, choices=Activity.choices)
    seconds = models.PositiveIntegerField(default=0)
    outside_porch = models.BooleanField(default=False, help_text="logged by hand")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "day", "activity", "outside_porch"],
                name="one_active_time_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.activity}: {self.seconds}s"


class Revenue(models.Model):
    """Money the owner traces to social media, entered by hand."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    network = models.CharField(max_length=16, choices=network_choices, blank=True)
    pillar = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.amount} on {self.day}"


class SentReport(models.Model):
    """A weekly report emailed, so the weekly job sends each week's report once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W47")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "week"], name="one_report_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.week}"


class EngagementCell(models.Model):
    """Engagement of an account's own posts summed per combination of what-works groups.

    Rebuilt from HistoryPost in one SQL statement after each import and metrics sync, so
    the what-works page sums a few thousand cells instead of every post.
    """

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=16, choices=network_choices)
    pillar = models.CharField(max_length=60, blank=True)
    weekday = models.PositiveSmallIntegerField()
    hour = models.PositiveSmallIntegerField()
    length_group = models.PositiveSmallIntegerField(help_text="0 short, 1 medium, 2 long")
    has_link = models.BooleanField()
    with_media = models.BooleanField()
    has_question = models.BooleanField()
    has_hashtag = models.BooleanField()
    posts = models.PositiveIntegerField()
    total = models.FloatField(help_text="sum of engagement")
    squares = models.FloatField(help_text="sum of squared engagement")

    class Meta:
        indexes = [models.Index(fields=["workspace", "account"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.weekday}/{self.hour}: {self.posts}"
