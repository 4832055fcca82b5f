"""Forms of the insights pages: history upload, time logged outside Porch, revenue."""

from django import forms
from django.conf import settings

from porch.insights.models import Activity, Revenue
from porch.workspaces.models import ConnectedAccount, Workspace


class ImportForm(forms.Form):
    account = forms.ModelChoiceField(queryset=ConnectedAccount.objects.none(), label="Account")
    file = forms.FileField(
        label="History file",
        help_text="The X archive (.zip), Mastodon export (.zip) or Bluesky "
        "repository (.car) you downloaded from the network.",
    )

    def __init__(self, workspace: Workspace, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        accounts = workspace.accounts.exclude(network="facebook").order_by("network", "handle")
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(too_big_message())
        return upload


def too_big_message() -> str:
    return (
        f"The file is bigger than the {settings.IMPORT_MAX_MB} MB Porch takes. Upload only "
        "data/tweets.js from an X archive, or ask whoever runs Porch to raise PORCH_IMPORT_MAX_MB."
    )


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

    def clean_amount(self) -> object:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError("Enter the amount earned, more than zero.")
        return amount
