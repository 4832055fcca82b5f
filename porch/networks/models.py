"""Per-account sync state (cursor, adaptive interval, lease) and monthly usage."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone

from porch.workspaces.models import ConnectedAccount


class SyncState(models.Model):
    account = models.OneToOneField(ConnectedAccount, on_delete=models.CASCADE, related_name="sync")
    cursor = models.TextField(blank=True)
    next_sync_at = models.DateTimeField(default=timezone.now, db_index=True)
    interval = models.PositiveIntegerField(default=60, help_text="seconds, adapted to activity")
    failures = models.PositiveIntegerField(default=0)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_fetched = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    leased_until = models.DateTimeField(
        null=True, blank=True, help_text="a worker is syncing it until then (or it died)"
    )
    woken = models.BooleanField(
        default=False, help_text="the network's stream said something arrived: sync it now"
    )

    def __str__(self) -> str:
        return f"sync of {self.account}"


def month_start(day: date | None = None) -> date:
    return (day or timezone.now().date()).replace(day=1)


class UsageMonth(models.Model):
    """Posts read and created through the network's API in one calendar month."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="usage")
    month = models.DateField()
    reads = models.PositiveIntegerField(default=0)
    writes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="one_usage_row_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"

    def estimated_cost(self) -> Decimal:
        """What the network bills for this month's use (only X bills per post)."""
        if self.account.network != "x":
            return Decimal("0.00")
        from porch.networks.x.costs import estimated_cost

        return estimated_cost(self.reads, self.writes)
