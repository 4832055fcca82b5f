"""What the poller keeps per (account, source): cursor, adaptive interval, lease; and
each account's monthly usage."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string

from porch.networks.registry import descriptor
from porch.workspaces.models import ConnectedAccount

INCOMING = "incoming"  # the source every account has: its mentions, replies and messages


class SyncState(models.Model):
    """One thing the poller fetches for an account: a source (`incoming`, a feature's
    `search`) and what for (`key`: a search's query; "" for incoming), with its cursor."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="syncs")
    source = models.CharField(max_length=40, default=INCOMING)
    key = models.CharField(max_length=500, blank=True, help_text="what the source fetches for")
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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "key"], name="one_sync_state_per_source"
            )
        ]

    def __str__(self) -> str:
        what = f"{self.source} {self.key}".strip()
        return f"sync of {self.account} ({what})"


def month_start(day: date | None = None) -> date:
    return (day or timezone.now().date()).replace(day=1)


class UsageMonth(models.Model):
    """Posts read and created, accounts read (followers, profiles) and direct messages sent,
    through the network's API in one calendar month."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="usage")
    month = models.DateField()
    reads = models.PositiveIntegerField(default=0)
    writes = models.PositiveIntegerField(default=0)
    users_read = models.PositiveIntegerField(default=0)
    dms_sent = models.PositiveIntegerField(default=0)  # direct messages the shop sent

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="one_usage_row_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"

    def estimated_cost(self) -> Decimal:
        """What the network bills for this month's use (where it bills per post read)."""
        try:
            path = descriptor(self.account.network).costs
        except ValueError:  # a network no longer installed bills nothing here
            path = ""
        if not path:
            return Decimal("0.00")
        estimated_cost: Callable[[int, int, int, int], Decimal] = import_string(path)
        return estimated_cost(self.reads, self.writes, self.users_read, self.dms_sent)


class FirehoseState(models.Model):
    """One network's firehose (porch/networks/firehose.py): where its stream resumes, who
    reads it (a lease, so one worker of the install does), and how the reading goes."""

    network = models.CharField(max_length=16, unique=True)
    cursor = models.TextField(blank=True, help_text="resume after this; saved with the batch")
    holder = models.CharField(max_length=200, blank=True, help_text="the worker reading it")
    leased_until = models.DateTimeField(
        null=True, blank=True, help_text="the holder reads it until then (or it died)"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(
        null=True, blank=True, help_text="when the newest stored event happened"
    )
    lag_seconds = models.FloatField(
        null=True, blank=True, help_text="seconds from the event to its storing"
    )
    rate = models.FloatField(default=0.0, help_text="events a second, over the last minute")
    events = models.BigIntegerField(default=0, help_text="every event read, posts or not")
    posts = models.BigIntegerField(default=0)
    kept = models.BigIntegerField(default=0, help_text="what the sinks stored")
    skipped = models.JSONField(default=dict, blank=True, help_text="bad events, by kind")
    gap = models.TextField(blank=True, help_text="when and why it could not replay that far")
    last_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"firehose of {self.network}"
