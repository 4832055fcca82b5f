"""The offer form: what, when (local date-times in the workspace's time zone, stored as
aware times), how many, where, to whom and how codes are given; and what will happen on
each network, said from the network's descriptor only."""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import URLValidator

from porch.core.params import parse_local_time
from porch.errors import InputError
from porch.networks import registry
from porch.networks.base import NetworkDescriptor
from porch.offers import codes
from porch.offers.models import Audience, Give, Offer
from porch.offers.services import (
    LANDING_URL_LENGTH,
    LIMIT_MAX,
    TERMS_LENGTH,
    TITLE_LENGTH,
    OfferInput,
)
from porch.people.models import Person
from porch.workspaces.models import Workspace

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_TAGS_SHOWN = 200


@dataclass(frozen=True)
class NetworkNote:
    """What an offer does on one network: with a shared code, with one code per person."""

    network: str
    label: str
    shared: str
    personal: str
    can_send: bool

    def for_give(self, give: str) -> str:
        return self.shared if give == Give.SHARED else self.personal

    # Under the network's own checkbox, the notes without its name in front.
    @property
    def shared_here(self) -> str:
        return self.shared.removeprefix(f"{self.label}: ")

    @property
    def personal_here(self) -> str:
        return self.personal.removeprefix(f"{self.label}: ")


def network_note(network: str) -> NetworkNote:
    """What will happen on `network`, from its descriptor."""
    try:
        return note_of(registry.descriptor(network))
    except ValueError:
        return NetworkNote(network, network, "Not installed here.", "Not installed here.", False)


def note_of(network: NetworkDescriptor) -> NetworkNote:
    """Each sentence starts with the network's name, as the networks' own notes do."""
    can, label = network.can, network.label
    shared = (
        f"{label}: the code goes out in a followers-only post."
        if can.followers_only
        else f"{label}: the code goes out in an ordinary public post ({label} has no "
        "followers-only posts)."
    )
    if can.send_direct:
        # The network's own note names it ("Mastodon: a direct message to each follower").
        personal = can.send_direct_note or f"{label}: each follower gets a direct message."
    else:
        personal = f"{label}: Porch cannot send codes here."
    return NetworkNote(network.name, label, shared, personal, bool(can.send_direct))


def local_text(at: datetime | None, zone: ZoneInfo) -> str:
    """An aware time as a datetime-local field shows it, in `zone`."""
    return at.astimezone(zone).strftime(LOCAL_FORMAT) if at else ""


def tag_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """The tags the owner gave people in this workspace, sorted (a few hundred at most)."""
    rows = (
        Person.objects.filter(workspace=workspace)
        .exclude(tags=[])
        .values_list("tags", flat=True)
        .distinct()[:5_000]
    )
    found = {tag for tags in rows for tag in tags if isinstance(tag, str)}
    return [(tag, tag) for tag in sorted(found, key=str.lower)[:MAX_TAGS_SHOWN]]


class LocalTimeField(forms.CharField):
    """A datetime-local field read in the workspace's zone; an aware UTC time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def __init__(self, zone: ZoneInfo | None = None, **kwargs: object) -> None:
        self.zone = zone or ZoneInfo("UTC")  # the form sets the workspace's
        super().__init__(max_length=40, **kwargs)  # type: ignore[arg-type]

    def clean(self, value: object) -> datetime:
        text = super().clean(value)
        found = parse_local_time(text, self.zone)
        if found is None:
            raise forms.ValidationError("Write a date and time, such as 2026-12-01T09:00.")
        return found.astimezone(UTC)


class OfferForm(forms.Form):
    title = forms.CharField(max_length=TITLE_LENGTH)
    starts_at = LocalTimeField(label="Starts")
    ends_at = LocalTimeField(label="Ends")
    terms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TERMS_LENGTH,
        required=False,
        help_text="What they get and any conditions: 10% off any loaf, one a visit.",
    )
    limit_total = forms.IntegerField(
        min_value=1,
        max_value=LIMIT_MAX,
        required=False,
        label="Limit in all",
        help_text="Empty: no limit.",
    )
    limit_per_person = forms.IntegerField(
        min_value=1,
        max_value=LIMIT_MAX,
        required=False,
        initial=1,
        label="Limit per person",
        help_text="Empty: no limit.",
    )
    networks = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, required=False, label="Networks"
    )
    audience = forms.ChoiceField(
        choices=Audience.choices, widget=forms.RadioSelect, initial=Audience.ALL, label="Who"
    )
    tag = forms.ChoiceField(required=False, label="Tag")
    give = forms.ChoiceField(
        choices=Give.choices, widget=forms.RadioSelect, initial=Give.SHARED, label="Codes"
    )
    shared_code = forms.CharField(
        max_length=40,
        required=False,
        label="Shared code",
        help_text="Letters, digits and dashes, easy to say at the counter: CRUMB-SPRING.",
    )
    landing_url = forms.URLField(
        max_length=LANDING_URL_LENGTH,
        required=False,
        assume_scheme="https",
        label="Landing page",
        help_text="Where the link and QR lead. Empty: the offer's own page.",
        validators=[URLValidator(schemes=["http", "https"])],
    )

    def __init__(
        self, workspace: Workspace, *args: object, current_tag: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.zone = ZoneInfo(workspace.timezone)
        for name in ("starts_at", "ends_at"):
            self.fields[name].zone = self.zone  # type: ignore[attr-defined]
        names = sorted(set(workspace.accounts.values_list("network", flat=True)))
        self.notes = [network_note(name) for name in names]
        self.fields["networks"].choices = [(n.network, n.label) for n in self.notes]  # type: ignore[attr-defined]
        tags = tag_choices(workspace)
        if current_tag and (current_tag, current_tag) not in tags:
            tags.append((current_tag, current_tag))
        self.fields["tag"].choices = [("", "Pick a tag"), *tags]  # type: ignore[attr-defined]

    def clean_shared_code(self) -> str:
        text: str = self.cleaned_data.get("shared_code", "")
        if self.data.get("give", Give.SHARED) != Give.SHARED:
            return ""
        try:
            return codes.check_shared(text)
        except InputError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", "The offer must end after it starts.")
        if data.get("audience") == Audience.TAG and not data.get("tag"):
            self.add_error("tag", "Pick the tag of the people who get the offer.")
        return data

    def offer_input(self) -> OfferInput:
        """The valid form as the services take it."""
        data = self.cleaned_data
        return OfferInput(
            title=data["title"],
            terms=data["terms"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            limit_total=data["limit_total"],
            limit_per_person=data["limit_per_person"],
            networks=tuple(data["networks"]),
            audience=data["audience"],
            tag=data.get("tag") or "",
            give=data["give"],
            shared_code=data["shared_code"],
            landing_url=data["landing_url"],
        )


def initial_of(offer: Offer) -> dict[str, object]:
    """An offer as the form shows it, its times in the workspace's zone."""
    zone = ZoneInfo(offer.workspace.timezone)
    return {
        "title": offer.title,
        "terms": offer.terms,
        "starts_at": local_text(offer.starts_at, zone),
        "ends_at": local_text(offer.ends_at, zone),
        "limit_total": offer.limit_total,
        "limit_per_person": offer.limit_per_person,
        "networks": offer.networks,
        "audience": offer.audience,
        "tag": offer.tag,
        "give": offer.give,
        "shared_code": offer.shared_code,
        "landing_url": offer.landing_url,
    }
