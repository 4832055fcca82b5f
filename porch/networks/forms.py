"""Forms for connecting accounts and their settings."""

from django import forms

from porch.workspaces.models import validate_timezone


class BlueskyForm(forms.Form):
    handle = forms.CharField(max_length=253, help_text="e.g. yourshop.bsky.social")
    app_password = forms.CharField(
        widget=forms.PasswordInput,
        help_text="Make one in Bluesky: Settings → Privacy and security → App passwords.",
    )
    pds_url = forms.URLField(
        assume_scheme="https",
        required=False,
        label="PDS URL (optional)",
        help_text="Only if your account is not on bsky.social.",
    )


class MastodonForm(forms.Form):
    instance = forms.CharField(max_length=253, help_text="e.g. mastodon.social")

    def clean_instance(self) -> str:
        value: str = self.cleaned_data["instance"].strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            value = f"https://{value}"
        return value


class FacebookForm(forms.Form):
    page_token = forms.CharField(
        widget=forms.PasswordInput,
        label="Page access token",
        help_text="From Meta's Graph API Explorer or your app: a token for the Page, not for you.",
    )

    def clean_page_token(self) -> str:
        value: str = self.cleaned_data["page_token"].strip()
        if not (value.isascii() and value.isalnum()):
            raise forms.ValidationError(
                "A Page access token is letters and digits only: copy it again, whole."
            )
        return value


class AccountSettingsForm(forms.Form):
    timezone = forms.CharField(max_length=64, validators=[validate_timezone])
    monthly_cost_cap = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        label="Monthly cost cap (USD)",
        help_text="X only: syncing pauses once this month's estimated cost reaches it.",
    )
