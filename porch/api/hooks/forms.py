"""The webhooks page's form: an address, the events it wants, a note to say what it is."""

from typing import Any

from django import forms

from porch.core.events import event_types


def event_choices() -> list[tuple[str, str]]:
    return [(t.name, t.name) for t in event_types()]


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text="Where Porch sends each event, as a signed POST (https:// is best).",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/porch-hook"}),
    )
    description = forms.CharField(
        label="What it is", max_length=200, required=False, help_text="For you: e.g. Till app."
    )
    event_types = forms.MultipleChoiceField(
        label="Events", choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = event_choices()
