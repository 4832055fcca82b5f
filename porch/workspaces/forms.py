"""Sign-up, sign-in, invitation and workspace forms, with messages a shop owner understands."""

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import User
from django.http import HttpRequest

from porch.workspaces.models import Role, validate_timezone


class SignInForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(widget=forms.PasswordInput)

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        # Counted by django-axes (porch/workspaces/signin.py); past the limit its middleware
        # answers with the lockout page instead of this form.
        user = authenticate(self.request, username=email.lower(), password=password)
        if user is None or not isinstance(user, User):
            raise forms.ValidationError(
                "Wrong email or password. Check both and try again (passwords are case-sensitive)."
            )
        self.user = user
        return data


class NewAccountForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].lower()
        if User.objects.filter(username=email).exists():
            raise forms.ValidationError(
                "An account with this email exists already: sign in instead."
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("email"):
            probe = User(username=data["email"], email=data["email"])
            try:
                password_validation.validate_password(data["password"], probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class JoinForm(forms.Form):
    """A password for the new account of an invited person (the email is the invitation's)."""

    password = forms.CharField(widget=forms.PasswordInput, label="Choose a password")

    def __init__(self, email: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password, User(username=self.email, email=self.email))
        return password


class SignUpForm(NewAccountForm):
    business = forms.CharField(max_length=120, label="Business name")


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=120, label="Business name")
    timezone = forms.CharField(max_length=64, initial="UTC", validators=[validate_timezone])


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.HELPER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
