"""What a workspace listens for (Search), what it found (Hit, stored once however many
searches match it), what the owner mutes (Mute), and the owner's marks for later learning
(HitMark)."""

import uuid

from django.conf import settings
from django.db import models

from porch.inbox.models import AlertChannel, AlertStatus
from porch.triage.base import Intent, Sentiment
from porch.workspaces.models import Workspace, network_choices


class SearchKind(models.TextChoices):
    BRAND = "brand", "Your brand"
    PRODUCT = "product", "Your products"
    OWN = "own", "Your own handles"
    COMPETITOR = "competitor", "Competitors"
    NICHE = "niche", "Your niche"
    QUESTION = "question", "Questions people ask"
    HASHTAG = "hashtag", "Hashtags"
    OTHER = "other", "Other"


class Search(models.Model):
    """A query, as the owner wrote it (porch.networks.query's syntax), run on its networks."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="searches")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=512)
    kind = models.CharField(max_length=12, choices=SearchKind.choices, default=SearchKind.OTHER)
    networks = models.JSONField(default=list, help_text="names of the networks it runs on")
    active = models.BooleanField(default=True)
    # Posts a month it may read on networks that bill reads (None = no budget of its own).
    monthly_read_budget = models.PositiveIntegerField(null=True, blank=True)
    reads_this_month = models.PositiveIntegerField(default=0)
    month = models.DateField(null=True, blank=True, help_text="the month reads_this_month counts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Any change: the firehose's matcher (porch/listening/firehose.py) rebuilds on it.
    updated_at = models.DateTimeField(auto_now=True)
    # The last spike told as an event (porch.core.events), for its cooldown: events go out
    # in quiet hours too, e-mails wait (listening/spikes.py).
    spike_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "query", "kind"], name="one_search_per_query_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.query})"

    def network_labels(self) -> list[str]:
        labels = dict(network_choices())
        return [labels.get(name, name) for name in self.networks]


class Hit(models.Model):
    """A public post one or more searches found, stored once per workspace and network."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="hits")
    network = models.CharField(max_length=16, choices=network_choices)
    external_id = models.CharField(max_length=255)
    searches: "models.ManyToManyField[Search, SearchHit]" = models.ManyToManyField(
        Search, through="SearchHit", related_name="hits"
    )
    author_handle = models.CharField(max_length=255)
    author_name = models.CharField(max_length=255, blank=True)
    author_id = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    lang = models.CharField(max_length=16, blank=True)
    quote_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    repost_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reposts"
    )
    # The network's ids of the posts it quotes or reposts, kept so that a quote found before
    # its original is linked when the original comes.
    quotes_id = models.CharField(max_length=255, blank=True)
    reposts_id = models.CharField(max_length=255, blank=True)
    intent = models.CharField(max_length=10, choices=Intent.choices, default=Intent.OTHER)
    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    sentiment_score = models.FloatField(default=0.0)
    urgency = models.FloatField(default=0.0)
    is_question = models.BooleanField(default=False)
    # The workspace's relevance model (porch.listening.relevance) judged it not relevant on
    # arrival: the streams hide it, and say how many they hide.
    judged_irrelevant = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "external_id"], name="one_hit_per_post"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-sent_at"], name="listening_stream_all"),
            # A person's history (porch.people): their hits by network id, or by handle.
            models.Index(
                fields=["workspace", "network", "author_id", "-sent_at"],
                name="listening_by_author_id",
            ),
            models.Index(
                fields=["workspace", "network", "author_handle", "-sent_at"],
                name="listening_by_author_handle",
            ),
            models.Index(
                fields=["workspace"],
                condition=models.Q(judged_irrelevant=True),
                name="listening_judged_irrelevant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:40]}"


class SearchHit(models.Model):
    """A search's match: the stream page of one search reads these, newest first."""

    search = models.ForeignKey(Search, on_delete=models.CASCADE)
    hit = models.ForeignKey(Hit, on_delete=models.CASCADE)
    sent_at = models.DateTimeField(help_text="the hit's, kept here for the stream's order")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["search", "hit"], name="one_match_per_search")
        ]
        indexes = [models.Index(fields=["search", "-sent_at"], name="listening_stream_search")]

    def __str__(self) -> str:
        return f"{self.search_id} found {self.hit_id}"


class MuteKind(models.TextChoices):
    AUTHOR = "author", "Author"
    WORD = "word", "Word"


class Mute(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="mutes")
    kind = models.CharField(max_length=8, choices=MuteKind.choices)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="one_mute")
        ]

    def __str__(self) -> str:
        return f"mute {self.kind} {self.value}"


class HitMark(models.Model):
    """The owner said a hit is not relevant (or is): what the relevance model learns from."""

    hit = models.ForeignKey(Hit, on_delete=models.CASCADE, related_name="marks")
    relevant = models.BooleanField(default=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.hit_id} {'relevant' if self.relevant else 'not relevant'}"


class SpikeReason(models.TextChoices):
    VOLUME = "volume", "More posts than usual"
    NEGATIVE = "negative", "More negative posts than usual"


class SpikeAlert(models.Model):
    """One way (e-mail: the inbox's alert channel) a search's spike is told,
    by listening/spikes.py: claimed under a lease like the inbox's AlertDelivery, never sent
    again once it went, retried with backoff; `key` goes with every send."""

    search = models.ForeignKey(Search, on_delete=models.CASCADE, related_name="spike_alerts")
    channel = models.CharField(max_length=10, choices=AlertChannel.choices)
    # The detection's hour: two sweeps of one hour that both saw the spike record it once.
    hour = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=SpikeReason.choices)
    count = models.PositiveIntegerField(help_text="posts in the window")
    negative = models.PositiveIntegerField(help_text="negative posts in the window")
    usual = models.FloatField(help_text="the baseline's median (posts or negative share)")
    hit_ids = models.JSONField(default=list, help_text="the posts that caused it")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.QUEUED
    )
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["search", "hour", "channel"], name="one_spike_alert_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.search_id} {self.reason} spike by {self.channel}: {self.status}"
