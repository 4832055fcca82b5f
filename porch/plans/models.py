"""A workspace's workshop (answers so far, where it stopped), its plan versions, and the
listening searches an accepted plan sets up."""

from django.db import models

from porch.publishing.models import Post
from porch.workspaces.models import Workspace


class Workshop(models.Model):
    """The answers being given, saved after every step so the owner can stop and resume."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="workshop")
    answers = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=20, blank=True)  # the step to resume at
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"workshop of {self.workspace}"


class PlanOrigin(models.TextChoices):
    WORKSHOP = "workshop", "From the workshop"
    REVIEW = "review", "Proposed by the weekly review"


class Plan(models.Model):
    """One version of a workspace's plan: the answers and what was generated from them."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    content = models.JSONField(default=dict)
    origin = models.CharField(
        max_length=10, choices=PlanOrigin.choices, default=PlanOrigin.WORKSHOP
    )
    changes = models.JSONField(default=list, blank=True)  # what moved since the last version
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "version"], name="one_plan_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.workspace} plan v{self.version}"


class PlanDraft(models.Model):
    """A first post of a plan put in the queue: one per text, so accepting twice adds none."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="plan_drafts")
    text = models.TextField()
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "text"], name="one_plan_draft_per_text")
        ]

    def __str__(self) -> str:
        return self.text[:40]
