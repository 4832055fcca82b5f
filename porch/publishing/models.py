"""Posts, fanned out to one target per connected account, each with its own state.

A target's life:

    draft --approve/schedule--> scheduled --claimed by a worker--> publishing --> published
                                    ^                                  |
                                    +--- a short wait (rate limit, ----+--> failed (says why
                                         network down, unknown outcome)     and what to do)
"""

import uuid

from django.conf import settings
from django.db import models

from porch.workspaces.models import ConnectedAccount, Workspace


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class PostSource(models.TextChoices):
    COMPOSER = "composer", "Written in Porch"
    FEED = "feed", "From the blog"
    NEWSLETTER = "newsletter", "From the newsletter"


class Visibility(models.TextChoices):
    """Who sees a post: everyone, or only the account's followers (where the network can)."""

    PUBLIC = "public", "Everyone"
    FOLLOWERS = "followers", "Followers only"


class Pillar(models.Model):
    """A theme the business posts about (specials, behind the scenes, tips...)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_pillar_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField()
    pillar = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    source = models.CharField(
        max_length=12, choices=PostSource.choices, default=PostSource.COMPOSER
    )
    # Repeat: after a target goes out, the next one is queued this many days later.
    repeat_every_days = models.PositiveSmallIntegerField(null=True, blank=True)
    track_links = models.BooleanField(default=False)
    # Followers only: a target on a network without followers-only posts goes out only
    # where the owner chose "post publicly there" (PostTarget.public_there).
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    review_comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.text[:50]


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    data = models.BinaryField()
    mime_type = models.CharField(max_length=40)
    alt_text = models.CharField(max_length=2000)
    position = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.alt_text[:40]


class TargetState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class PostTarget(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE)
    text = models.TextField()
    # A thread: the parts after `text`, each a reply to the one before.
    more_parts = models.JSONField(default=list, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=12, choices=TargetState.choices, default=TargetState.SCHEDULED
    )
    # The owner chose to post a followers-only post publicly here (its network has no
    # followers-only posts); without that choice it never goes out publicly.
    public_there = models.BooleanField(default=False)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The claim: who holds it since when; a claim older than the lease is taken over.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Set before each network call: the next attempt first asks the network what went out.
    check_first = models.BooleanField(default=False)
    retry_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    # Ids of the thread's parts that went out, in order (the first is external_id).
    part_ids = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "scheduled_at"])]

    def __str__(self) -> str:
        return f"{self.account}: {self.text[:40]}"

    def parts(self) -> list[str]:
        return [self.text, *self.more_parts]

    def visibility(self) -> str:
        """Who sees this target: the post's visibility, unless the owner chose public here."""
        return Visibility.PUBLIC if self.public_there else self.post.visibility


class PostingSlot(models.Model):
    """A weekly time the account posts at, in the account's own time zone."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday")
    time = models.TimeField(help_text="local wall-clock time")

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["account", "weekday", "time"], name="one_slot_per_time")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.weekday} {self.time:%H:%M}"


class TrackedLink(models.Model):
    """Porch's own short link: /l/CODE redirects to `url` (UTM added) and counts clicks."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="links")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL)
    network = models.CharField(max_length=16)
    code = models.CharField(max_length=16, unique=True)
    url = models.URLField(max_length=2000)
    clicks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Feed(models.Model):
    """A blog's RSS/Atom feed: each new entry becomes a draft."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=255, blank=True)
    etag = models.CharField(max_length=255, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "url"], name="one_feed_per_url")
        ]

    def __str__(self) -> str:
        return self.title or self.url


class FeedEntry(models.Model):
    """An entry already seen, so a feed entry never becomes two drafts."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    entry_id = models.CharField(max_length=1000)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feed", "entry_id"], name="one_entry_per_id")
        ]

    def __str__(self) -> str:
        return self.entry_id
