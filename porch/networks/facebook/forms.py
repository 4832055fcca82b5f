"""Connecting a Facebook Page: a Page access token."""

from django import forms


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
