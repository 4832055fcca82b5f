"""The API's records: personal tokens, safe retries, failed sign-ins by token, and webhooks.

ApiToken          a member's personal token: `porch_<prefix>_<secret>`, stored as the
                  prefix (looked up) and the secret's sha256 (compared); scopes, expiry,
                  last use, revocation; `rate_tat` is the rate limiter's clock (GCRA)
FailedAuth        failed authentications in one window, per scope (an address, a prefix)
IdempotentRequest a write call's Idempotency-Key and the first answer, replayed on repeat
WebhookEndpoint   a URL of the workspace's, the events it wants, its signing secret
Event             what happened (porch.core.events), kept once, delivered to each endpoint
WebhookDelivery   one event to one endpoint: queued, retried with backoff, sent or failed
DeliveryAttempt   each try of a delivery, for the delivery log
"""

from django.conf import settings
from django.db import models

from porch.workspaces import secrets as secretbox
from porch.workspaces.models import Membership, Workspace


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write (change things in Porch)"
    PUBLISH = "publish", "Publish (send to the networks)"


class ApiToken(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, help_text="sha256 hex of the secret part")
    scopes = models.JSONField(default=list, help_text="a subset of read, write, publish")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The rate limiter's theoretical arrival time, in epoch seconds (porch/api/ratelimit.py).
    rate_tat = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def __repr__(self) -> str:  # never shows the secret's hash
        return f"<ApiToken {self.pk} {self.prefix}>"


class FailedAuth(models.Model):
    """Failed authentications in one window, per scope (sha256 of an address or a prefix)."""

    scope = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.count} failed authentications"


class IdempotentRequest(models.Model):
    class State(models.TextChoices):
        STARTED = "started"
        DONE = "done"

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.STARTED)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="one_request_per_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.state})"


class WebhookEndpoint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="names of porch.core.events types")
    # Only urgent complaints (the inbox's alert webhook, before it became one of these).
    only_urgent = models.BooleanField(default=False)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # The sender holding the endpoint's queue (deliveries go out one at a time, in order).
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:  # never shows the secret
        return f"<WebhookEndpoint {self.pk} {self.url}>"

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = secretbox.encrypt({"secret": secret})

    def secret(self) -> str:
        return str(secretbox.decrypt(self.secret_encrypted)["secret"])

    def previous_secret(self) -> str:
        if not self.previous_secret_encrypted:
            return ""
        return str(secretbox.decrypt(self.previous_secret_encrypted)["secret"])


class Event(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    msg_id = models.CharField(max_length=40, unique=True, help_text="the webhook-id header")

    class Meta:
        indexes = [models.Index(fields=["workspace", "occurred_at"], name="api_event_by_time")]

    def __str__(self) -> str:
        return f"{self.type} {self.msg_id}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True, help_text="not before; None: now")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["endpoint", "status", "id"], name="api_delivery_queue"),
            models.Index(fields=["status", "retry_at"], name="api_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    milliseconds = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"attempt at {self.at}"
