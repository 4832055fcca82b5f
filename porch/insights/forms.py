"""Forms of the insights pages: history upload, time logged outside Porch, revenue."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import BLANK_CHOICE_DASH

from porch.insights.importers import formats
from porch.insights.models import Activity, Revenue
from porch.networks.registry import choices, descriptor
from porch.workspaces.models import ConnectedAccount, Workspace


class ImportForm(forms.Form):
    account = forms.ModelChoiceField(queryset=ConnectedAccount.objects.none(), label="Account")
    file = forms.FileField(label="History file")

    def __init__(self, workspace: Workspace, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        importable = [network for network, _ in formats()]
        accounts = workspace.accounts.filter(network__in=importable).order_by("network", "handle")
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        files = _one_of([archive.file for _, archive in formats()])
        self.fields["file"].help_text = f"The {files} you downloaded from the network."

    def import_steps(self) -> list[tuple[str, str]]:
        """(network, where it offers its history file), for the import page."""
        return [(descriptor(network).label, archive.steps) for network, archive in formats()]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(too_big_message())
        return upload


def too_big_message() -> str:
    smaller = "".join(f"{archive.smaller}, or " for _, archive in formats() if archive.smaller)
    advice = f"{smaller}ask whoever runs Porch to raise PORCH_IMPORT_MAX_MB."
    taken = f"The file is bigger than the {settings.IMPORT_MAX_MB} MB Porch takes."
    return f"{taken} {advice[0].upper()}{advice[1:]}"


def _one_of(names: list[str]) -> str:
    """The names as "a, b or c"."""
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


class OutsideTimeForm(forms.Form):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    activity = forms.ChoiceField(choices=Activity.choices, label="What you did")
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=24 * 60)


class RevenueForm(forms.ModelForm[Revenue]):
    class Meta:
        model = Revenue
        fields = ["day", "amount", "network", "pillar", "note"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}
        labels = {"amount": "Amount", "network": "From which network", "pillar": "Pillar"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The networks the money page lists (not the fake one), and "none".
        field = cast(forms.ChoiceField, self.fields["network"])
        field.choices = [*BLANK_CHOICE_DASH, *choices(offered=True)]

    def clean_amount(self) -> object:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError("Enter the amount earned, more than zero.")
        return amount
