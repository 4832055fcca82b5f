"""An offer, its codes, their redemptions, the till's staff links and CSV imports.

An offer gives either one shared, readable code (posted to followers) or one unguessable
code per follower (sent by direct message). A code is redeemed once: porch.offers.redeem
claims it with a conditional update, so two tills at the same moment cannot both win.
Per-person codes are keyed by the identity they were sent to (identities move between
people on a merge but are never doubled); `person` is kept for the results and the
person's page, and a merge re-points it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from porch.people.models import Identity, Person
from porch.publishing.models import TrackedLink
from porch.workspaces.models import Workspace, network_choices


class Audience(models.TextChoices):
    ALL = "all", "All followers"
    VIP = "vip", "VIPs"
    TAG = "tag", "People with a tag"


class Give(models.TextChoices):
    SHARED = "shared", "One shared code, posted to followers"
    PERSONAL = "personal", "One code per person, sent by direct message"


class Offer(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(max_length=120)
    terms = models.TextField(blank=True)
    # Aware times; the form reads and shows them in the workspace's time zone.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    limit_total = models.PositiveIntegerField(null=True, blank=True, help_text="None = no limit")
    limit_per_person = models.PositiveIntegerField(null=True, blank=True, default=1)
    # Redemptions so far, raised by the same conditional update that checks limit_total.
    redeemed_count = models.PositiveIntegerField(default=0)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ALL)
    tag = models.CharField(max_length=60, blank=True)
    networks = models.JSONField(default=list, blank=True, help_text="network names it runs on")
    give = models.CharField(max_length=10, choices=Give.choices, default=Give.SHARED)
    # The shared code as the owner wrote it, folded (porch.offers.codes); "" for personal.
    shared_code = models.CharField(max_length=32, blank=True)
    # Where the offer's tracked link and QR lead ("" = the offer's own public page).
    landing_url = models.URLField(max_length=2000, blank=True)
    link = models.ForeignKey(
        TrackedLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the owner asked for the per-person codes to be sent (None = not yet).
    send_requested_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-starts_at"], name="offers_by_start")]

    def __str__(self) -> str:
        return self.title


class CodeState(models.TextChoices):
    """Where a per-person code's direct message stands (a shared code is always GIVEN)."""

    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    GIVEN = "given", "Given by hand"
    SKIPPED = "skipped", "Cannot be sent"
    FAILED = "failed", "Not sent"


class Code(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=32, help_text="folded: porch.offers.codes.fold")
    personal = models.BooleanField(default=True)
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    network = models.CharField(max_length=16, choices=network_choices, blank=True)
    # The direct message that carries it: sent once, as inbox replies are.
    state = models.CharField(max_length=10, choices=CodeState.choices, default=CodeState.QUEUED)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    check_first = models.BooleanField(default=False)
    retry_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True, help_text="why not sent, what to do")
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set once, by the conditional update that redeems it (personal codes only).
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="one_code_per_workspace"),
            models.UniqueConstraint(
                fields=["offer", "identity"],
                condition=Q(identity__isnull=False),
                name="one_code_per_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "retry_at"], name="offers_code_due"),
            models.Index(fields=["person"], name="offers_code_person"),
        ]

    def __str__(self) -> str:
        return self.code


class Source(models.TextChoices):
    COUNTER = "counter", "At the counter"
    STAFF = "staff", "At the counter (staff link)"
    TILL = "till", "Till import"


class StaffLink(models.Model):
    """A link that opens the counter page of one workspace without a login; revocable.

    Only the token's SHA-256 is kept: the link is shown once, when it is made."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=60, help_text="which till or who: 'Front till'")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.label


class Redemption(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="redemptions")
    code = models.ForeignKey(
        Code, null=True, blank=True, on_delete=models.SET_NULL, related_name="redemptions"
    )
    personal = models.BooleanField(default=False, help_text="a per-person code: once only")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    network = models.CharField(max_length=16, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.COUNTER)
    # A till import's row key (sha256 of the format and the order's id): a second import of
    # the same file adds nothing.
    import_key = models.CharField(max_length=64, blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_link = models.ForeignKey(
        StaffLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_at = models.DateTimeField()
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "import_key"],
                condition=~Q(import_key=""),
                name="one_redemption_per_till_row",
            ),
            # The second lock behind redeem's conditional update.
            models.UniqueConstraint(
                fields=["code"], condition=Q(personal=True), name="personal_code_redeemed_once"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-redeemed_at"], name="offers_redeemed_recent"),
            models.Index(fields=["offer", "person"], name="offers_redeemed_by_person"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} redeemed at {self.redeemed_at}"


class WrongGuess(models.Model):
    """Unknown codes typed in one window, per scope (a till and address, or a workspace)."""

    scope = models.CharField(max_length=64, unique=True, help_text="sha256 of what is counted")
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.count} wrong codes"


class TillImport(models.Model):
    """A CSV from the till or web shop: previewed, then imported once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    data = models.BinaryField(blank=True, help_text="the file, until it is imported")
    preset = models.CharField(max_length=30, blank=True, help_text="the format recognised")
    # For a format Porch does not know: the owner's choice of columns.
    mapping = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0, help_text="rows imported before")
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="one line per bad row")
    imported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file_name
