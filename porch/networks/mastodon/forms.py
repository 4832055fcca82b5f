"""Connecting a Mastodon account: the instance it lives on."""

from django import forms


class MastodonForm(forms.Form):
    instance = forms.CharField(max_length=253, help_text="e.g. mastodon.social")

    def clean_instance(self) -> str:
        value: str = self.cleaned_data["instance"].strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            value = f"https://{value}"
        return value
