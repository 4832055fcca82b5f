"""Posts, fanned out to one target per connected account, each with its own state."""

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


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField()
    pillar = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.text[:50]


class TargetState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class PostTarget(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE)
    text = models.TextField()
    scheduled_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=12, choices=TargetState.choices, default=TargetState.SCHEDULED
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "scheduled_at"])]

    def __str__(self) -> str:
        return f"{self.account}: {self.text[:40]}"
