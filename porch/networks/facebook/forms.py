"""Connecting a Facebook Page: a Page access token."""

from django import forms


class FacebookForm(forms.Form):
    page_token = forms.CharField(
        widget=forms.PasswordInput,
        label="Page access token",
        help_text=(
            "A token for the Page, not for you. In Meta's Graph API Explorer "
            "(developers.facebook.com/tools/explorer): pick your app, add the permissions "
            "pages_show_list, pages_manage_posts, pages_read_engagement, "
            "pages_read_user_content and pages_messaging, click Generate Access Token, then "
            "pick your Page under 'User or Page' and copy the token shown."
        ),
    )

    def clean_page_token(self) -> str:
        value: str = self.cleaned_data["page_token"].strip()
        if not (value.isascii() and value.isalnum()):
            raise forms.ValidationError(
                "A Page access token is letters and digits only: copy it again, whole."
            )
        return value
