"""Connecting a Bluesky account: its handle and an app password."""

from django import forms


class BlueskyForm(forms.Form):
    handle = forms.CharField(max_length=253, help_text="e.g. yourshop.bsky.social")
    app_password = forms.CharField(
        widget=forms.PasswordInput,
        help_text=(
            "Make one in Bluesky: Settings → Privacy and security → App passwords. Tick "
            '"Allow access to your direct messages" to send offer codes by chat.'
        ),
    )
    pds_url = forms.URLField(
        assume_scheme="https",
        required=False,
        label="PDS URL (optional)",
        help_text="Only if your account is not on bsky.social.",
    )
