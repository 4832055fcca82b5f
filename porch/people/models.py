"""A person (Person) and who they are on each network (Identity).

A person is everyone who wrote to the business or was found by listening; each has one or
more identities. An identity is known by the network's stable id (a Bluesky DID, an X user
id, a Mastodon account URI, a Facebook page-scoped id), which never changes, and shows the
handle it had when last seen, which may. Where a network gives no stable id (the inbox's
messages keep only a handle), the identity is "handle-only": its stable_id is "" and the
handle is its key until the id is learnt (porch.people.services.identify).
"""

from django.db import models
from django.db.models import Q

from porch.workspaces.models import Workspace, network_choices


class Status(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    LEAD = "lead", "Lead"
    VIP = "vip", "VIP"
    PEER = "peer", "Peer"
    COMPETITOR = "competitor", "Competitor"
    PRESS = "press", "Press"
    OTHER = "other", "Other"


class Person(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="people")
    # The best name to show, copied from an identity when the person is made.
    display_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OTHER)
    note = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="the owner's tags, as text")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name or f"person {self.pk}"


class Identity(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="identities")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    network = models.CharField(max_length=16, choices=network_choices)
    # The network's id of the account, which a rename keeps; "" while only the handle is known.
    stable_id = models.CharField(max_length=255, blank=True)
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    bio = models.TextField(blank=True)
    followers_count = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            # One identity per account; handle-only identities ("" ids) are one per handle.
            models.UniqueConstraint(
                fields=["workspace", "network", "stable_id"],
                condition=~Q(stable_id=""),
                name="one_identity_per_account",
            ),
            models.UniqueConstraint(
                fields=["workspace", "network", "handle"],
                condition=Q(stable_id=""),
                name="one_handle_only_identity_per_handle",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "network", "handle"], name="people_identity_handle")
        ]

    def __str__(self) -> str:
        return f"{self.handle} ({self.network})"
