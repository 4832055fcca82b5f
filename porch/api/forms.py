"""The token page's form: a name, the scopes and how long the token lasts."""

from django import forms

from porch.api.models import Scope
from porch.api.tokens import DAYS


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True)
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope: read, write or publish."},
    )
    days = forms.TypedChoiceField(choices=[(d, f"{d} days") for d in DAYS], coerce=int, initial=90)
