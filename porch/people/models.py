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

from porch.workspaces.models import ConnectedAccount, Workspace, network_choices

SEARCH_KEY_LENGTH = 1000


class Status(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    LEAD = "lead", "Lead"
    VIP = "vip", "VIP"
    PEER = "peer", "Peer"
    COMPETITOR = "competitor", "Competitor"
    PRESS = "press", "Press"
    OTHER = "other", "Other"


class Venture(models.TextChoices):
    """Where a joint venture with a peer stands ("" = none)."""

    IDEA = "idea", "Idea"
    CONTACTED = "contacted", "Contacted"
    TALKING = "talking", "Talking"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class Person(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="people")
    # The best name to show, copied from an identity when the person is made.
    display_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OTHER)
    note = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="the owner's tags, as text")
    # When the person was first and last heard from (a message, a hit, a follow), for the list.
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # A lead: since when (a lead-intent message or hit, or the owner); won: how much, when.
    lead_at = models.DateTimeField(null=True, blank=True)
    won_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    venture = models.CharField(max_length=12, choices=Venture.choices, blank=True)
    is_demo = models.BooleanField(default=False)
    # The name and every identity's handle, folded, for the list's search (porch.people.search).
    search_key = models.CharField(max_length=SEARCH_KEY_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-last_seen_at"], name="people_recent"),
            models.Index(fields=["workspace", "search_key"], name="people_search"),
            # The list by tag: the JSON text of the tags read from the index, not every row.
            models.Index(fields=["workspace", "tags"], name="people_by_tag"),
            models.Index(fields=["workspace", "status", "-last_seen_at"], name="people_by_status"),
        ]

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
    # The account's id on the shop's own server where it differs from stable_id (Mastodon's
    # local account id; the stable id is the account URI).
    local_id = models.CharField(max_length=255, blank=True)
    website = models.URLField(max_length=500, blank=True)
    # Links the profile shows (bio, fields): [{"url": ..., "verified_at": iso or ""}].
    links = models.JSONField(default=list, blank=True)
    profile_at = models.DateTimeField(null=True, blank=True, help_text="profile last read")
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


class Follow(models.Model):
    """An identity follows one of the business's accounts (from the follower sync)."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="follows")
    seen_at = models.DateTimeField()
    gone_at = models.DateTimeField(null=True, blank=True, help_text="unfollow seen at a full sync")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "identity"], name="one_follow_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} follows {self.account_id}"


class FollowSync(models.Model):
    """Where the follower sync of one account stands."""

    account = models.OneToOneField(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    cursor = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True, help_text="last complete pass")
    followers = models.PositiveIntegerField(default=0)
    # What the owner should know: "" when the list is whole, else why it is not.
    partial = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # When the next pass (or the rest of this one) is due; a permanent failure waits a day.
    next_sync_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"follower sync of {self.account_id}"


class TheirFollow(models.Model):
    """An account that a follower of the business follows (for peer discovery)."""

    follower = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="their_follows")
    network = models.CharField(max_length=16, choices=network_choices)
    stable_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "network", "stable_id"], name="one_their_follow"
            )
        ]
        indexes = [models.Index(fields=["network", "stable_id"], name="people_their_follow_key")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.handle}"


class SuggestionState(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class MergeSuggestion(models.Model):
    """Two people who may be one, with the evidence; only the owner merges."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    evidence = models.JSONField(default=list, help_text="why, as sentences for the owner")
    state = models.CharField(max_length=10, choices=SuggestionState.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["a", "b"], name="one_suggestion_per_pair")]
        indexes = [models.Index(fields=["workspace", "state"], name="people_open_suggestions")]

    def __str__(self) -> str:
        return f"{self.a_id} may be {self.b_id}"


class Merge(models.Model):
    """A merge the owner confirmed, with what it moved, so that it can be undone."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    into = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    # {"person": {fields of the person merged away}, "identities": [ids moved]}
    moved = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"merge into {self.into_id}"


class PeerState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    SAVED = "saved", "Saved as peer"
    DISMISSED = "dismissed", "Dismissed"


class PeerSuggestion(models.Model):
    """An account in the niche worth a collaboration, with why (ranked by peer discovery)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=16, choices=network_choices)
    stable_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    score = models.FloatField()
    # {"posts": [{"url", "text"}], "shared_followers": n, "topics": [...], "in_plan": bool}
    why = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=PeerState.choices, default="suggested")
    followed_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    ranked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "stable_id"], name="one_peer_suggestion"
            )
        ]
        indexes = [models.Index(fields=["workspace", "state", "-score"], name="people_peers")]

    def __str__(self) -> str:
        return f"peer {self.handle} ({self.network})"


class Sweep(models.Model):
    """How far porch.people.sync has read one source of authors (inbox messages, listening
    hits): every row with a primary key up to `after` has made its person."""

    source = models.CharField(max_length=20, unique=True)
    after = models.BigIntegerField(default=0)
    swept_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"people sweep of {self.source} after {self.after}"


class NetworkSuggestion(models.Model):
    """An account a network itself suggests one of the business's accounts should follow
    (NetworkClient.suggested_follows), kept for peer discovery; renewed with each read."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=16, choices=network_choices)
    stable_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "stable_id"], name="one_network_suggestion_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network} suggests {self.handle}"
