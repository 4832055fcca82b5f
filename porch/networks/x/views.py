"""Connecting an X account: OAuth 2.0 with PKCE through the install's X app
(PORCH_X_CLIENT_ID and PORCH_X_CLIENT_SECRET); search uses its bearer token."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from porch.networks.base import AccountRef
from porch.networks.views import callback_url, keep_oauth, oauth_state
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role

NAME = "x"
NOT_READY = (
    "The person who installed Porch must first set PORCH_X_CLIENT_ID and "
    "PORCH_X_CLIENT_SECRET (an app at developer.x.com)."
)


def problem() -> str:
    """Why X accounts cannot be connected on this install ("" when they can)."""
    return "" if settings.X_CLIENT_ID else NOT_READY


@workspace_view(Role.MANAGER)
@require_POST
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.x.auth import authorize_url

    if not settings.X_CLIENT_ID:
        messages.error(request, "X needs an app: set PORCH_X_CLIENT_ID and PORCH_X_CLIENT_SECRET.")
        return redirect("connect", slug=member.workspace.slug)
    state = oauth_state()
    url, verifier = authorize_url(settings.X_CLIENT_ID, callback_url(request, member, NAME), state)
    keep_oauth(request, NAME, state, verifier=verifier)
    return redirect(url)


def finish(
    request: HttpRequest, pending: dict[str, Any], code: str, callback: str
) -> tuple[AccountRef, dict[str, Any]]:
    """The end of the sign-in: the code for tokens (NetworkError if X refuses)."""
    from porch.networks.x.auth import exchange_code

    secret, verifier = settings.X_CLIENT_SECRET, pending["verifier"]
    account, credentials = exchange_code(settings.X_CLIENT_ID, secret, callback, code, verifier)
    if settings.X_BEARER_TOKEN:
        credentials["app_bearer_token"] = settings.X_BEARER_TOKEN
    return account, credentials
