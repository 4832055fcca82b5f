"""Workspaces (one per business), their members and roles, and connected accounts."""

import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string

from porch.workspaces import secrets as secretbox


def validate_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError(f"{value!r} is not a time zone: use a name like Europe/London")


_TIMEZONES = frozenset(available_timezones())


class Workspace(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def today(self) -> date:
        """The date on the wall in the workspace's time zone (not the server's, not UTC)."""
        return timezone.localdate(timezone=ZoneInfo(self.timezone))


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    HELPER = "helper", "Helper"


# What each role may do; a helper's posts and replies wait for approval.
ROLE_RANK = {Role.HELPER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HELPER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    def at_least(self, role: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]

    @property
    def needs_approval(self) -> bool:
        return self.role == Role.HELPER


def _invite_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A link for one email address to join a workspace; it lasts INVITATION_DAYS days."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HELPER)
    token = models.CharField(max_length=64, unique=True, default=_invite_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace}"

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(days=settings.INVITATION_DAYS)

    def unusable_because(self) -> str | None:
        """Why this invitation cannot be accepted now, in words; None when it can."""
        if self.accepted_at is not None:
            return "It has been used already."
        if self.revoked_at is not None:
            return "It was withdrawn."
        if timezone.now() >= self.expires_at:
            return "It has expired."
        return None

    def is_usable(self) -> bool:
        return self.unusable_because() is None


def network_choices() -> list[tuple[str, str]]:
    """(name, label) of the installed networks (settings.NETWORKS, each package's NETWORK),
    read when first asked, so this layer names no network and imports none."""
    return [(n.name, n.label) for n in (import_string(f"{p}.NETWORK") for p in settings.NETWORKS)]


class AccountStatus(models.TextChoices):
    OK = "ok", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
    RATE_LIMITED = "rate_limited", "Rate limited"
    PAUSED = "paused", "Paused"


class ConnectedAccount(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="accounts")
    network = models.CharField(max_length=16, choices=network_choices)
    handle = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    # The instance or PDS URL for federated networks; empty for X and Facebook.
    server_url = models.URLField(blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.OK
    )
    status_detail = models.CharField(max_length=500, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # X bills reads: syncing pauses once this month's estimated cost reaches the cap.
    monthly_cost_cap = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "handle"], name="one_account_per_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle}"

    def __repr__(self) -> str:  # never shows credentials
        return f"<ConnectedAccount {self.pk} {self.network}:{self.handle}>"

    def set_credentials(self, data: dict[str, Any]) -> None:
        self.credentials_encrypted = secretbox.encrypt(data)

    def credentials(self) -> dict[str, Any]:
        return secretbox.decrypt(self.credentials_encrypted)

    def status_text(self) -> str:
        if self.status == AccountStatus.RATE_LIMITED and self.rate_limited_until:
            until = timezone.localtime(self.rate_limited_until).strftime("%H:%M")
            return f"Rate limited until {until}"
        return self.get_status_display()


class Notice(models.Model):
    """Something the owner must hear about (an account to reconnect, a paused sync)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notices")
    account = models.ForeignKey(ConnectedAccount, null=True, blank=True, on_delete=models.CASCADE)
    key = models.CharField(max_length=120, help_text="one open notice per key")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def tell(cls, account: ConnectedAccount, key: str, text: str) -> "Notice":
        """Open a notice for the account's workspace, once while it stays undismissed."""
        notice, _ = cls.objects.get_or_create(
            workspace=account.workspace,
            account=account,
            key=key,
            dismissed_at=None,
            defaults={"text": text},
        )
        return notice
