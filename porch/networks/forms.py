"""The settings of a connected account, whatever its network (each network's connect form
is in its folder)."""

from django import forms

from porch.workspaces.models import validate_timezone


class AccountSettingsForm(forms.Form):
    timezone = forms.CharField(max_length=64, validators=[validate_timezone])
    monthly_cost_cap = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        label="Monthly cost cap (USD)",
        help_text="Syncing pauses once this month's estimated cost reaches it.",
    )
