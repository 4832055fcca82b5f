"""Database records of triage learning: owners' corrections and each workspace's models.

The model files themselves live under settings.DATA_DIR / "models" / <workspace id> /
v<version>/ (see fast.py for the format); a row here says which version is in use.
"""

from django.conf import settings
from django.db import models

from porch.triage.base import Intent
from porch.workspaces.models import Workspace


class TriageCorrection(models.Model):
    """An owner saying: this message's intent is really that."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    intent = models.CharField(max_length=20, choices=Intent.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.intent}: {self.text[:40]}"


class WorkspaceModel(models.Model):
    """One retrained model of a workspace; the newest promoted one is in use."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    path = models.CharField(max_length=500)
    metrics = models.JSONField(default=dict)
    promoted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workspace", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "version"], name="triage_model_version"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} v{self.version}"
