"""The API page: a member's personal tokens (the owner sees everyone's), made and revoked.

A token's text is shown once, in the answer to the form that made it (never stored, never
put in a redirect or the session), and that answer is marked `Cache-Control: no-store`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from porch.api import tokens
from porch.api.forms import TokenForm
from porch.api.models import ApiToken
from porch.core.feedback import refusals_shown
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


@dataclass(frozen=True)
class Row:
    """A token as the page lists it."""

    token: ApiToken
    state: str  # active, expired or revoked


def state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


def visible(member: Membership) -> QuerySet[ApiToken]:
    """The tokens this member sees and may revoke: their own; the owner's, everyone's."""
    found = ApiToken.objects.filter(membership__workspace=member.workspace)
    if not member.at_least(Role.OWNER):
        found = found.filter(membership=member)
    return found.select_related("membership__user").order_by("-created_at", "-pk")


@workspace_view(role=Role.HELPER)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest, member: Membership) -> HttpResponse:
    form = TokenForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request):
            data = form.cleaned_data
            made = tokens.create_token(
                member, data["name"], data["scopes"], days=data["days"], by=member
            )
            form = TokenForm()
    now = timezone.now()
    context = {
        "member": member,
        "form": form,
        "made": made,
        "rows": [Row(t, state(t, now)) for t in visible(member)],
        "is_owner": member.at_least(Role.OWNER),
        "is_helper": not member.at_least(Role.MANAGER),
    }
    response = render(request, "api/tokens.html", context)
    add_never_cache_headers(response)  # no-store: the answer to a POST holds the token's text
    return response


@workspace_view(role=Role.HELPER)
@require_POST
def token_revoke(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    token = visible(member).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token in this workspace")
    tokens.revoke(token, member)
    messages.success(request, f"“{token.name}” ({token.prefix}) no longer works.")
    return redirect("api:tokens", member.workspace.slug)
