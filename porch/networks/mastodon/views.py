"""Connecting a Mastodon account: Porch registers an app on the instance, the owner signs
in there and allows it, and the instance sends them back to the callback with a code."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from porch.networks.base import AccountRef
from porch.networks.mastodon.forms import MastodonForm
from porch.networks.views import attempt, callback_url, connect_form, keep_oauth, oauth_state
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role

NAME = "mastodon"


@workspace_view(Role.MANAGER)
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.mastodon.auth import authorize_url, register_app

    form = MastodonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        instance, callback = form.cleaned_data["instance"], callback_url(request, member, NAME)
        app = attempt(request, lambda: register_app(instance, callback))
        if app is not None:
            state = oauth_state()
            keep_oauth(request, NAME, state, instance=instance, app=app)
            return redirect(authorize_url(instance, app, callback, state))
    return connect_form(request, member, form, "Mastodon")


def finish(
    request: HttpRequest, pending: dict[str, Any], code: str, callback: str
) -> tuple[AccountRef, dict[str, Any]]:
    """The end of the sign-in: the code for a token (NetworkError if the instance refuses)."""
    from porch.networks.mastodon.auth import exchange_code

    return exchange_code(pending["instance"], pending["app"], code, callback)
