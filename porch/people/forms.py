"""The people pages' forms: the list's filters, a person's status, tags and note, a won
lead's amount (services check the rest)."""

from datetime import date
from decimal import Decimal

from django import forms

from porch.errors import InputError
from porch.people.models import Status, Venture
from porch.people.services import clean_tags

NOTE_LENGTH = 5_000


class FindForm(forms.Form):
    """The list's search and filters (GET); a bad value is dropped, never an error page."""

    q = forms.CharField(max_length=100, required=False, label="Name or handle")
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    tag = forms.CharField(max_length=40, required=False)
    leads = forms.BooleanField(required=False, label="Leads first")


class PersonForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    tags = forms.CharField(
        max_length=1_000, required=False, help_text="Separate them with commas: regular, rye"
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_LENGTH, required=False
    )
    venture = forms.ChoiceField(
        choices=[("", "None"), *Venture.choices], required=False, label="Joint venture"
    )

    def clean_tags(self) -> list[str]:
        try:
            return clean_tags(self.cleaned_data["tags"])
        except InputError as exc:
            raise forms.ValidationError(exc.message) from exc


class WonForm(forms.Form):
    amount = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
        decimal_places=2,
        label="Amount won",
    )
    day = forms.DateField(
        label="Won on", widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )
