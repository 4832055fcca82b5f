"""Connecting a Facebook Page: its access token, checked with the Graph API."""

from django.http import HttpRequest, HttpResponse

from porch.networks.facebook.forms import FacebookForm
from porch.networks.views import attempt, connect_form, connected
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


@workspace_view(Role.MANAGER)
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.facebook.auth import verify_page_token

    form = FacebookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = attempt(request, lambda: verify_page_token(form.cleaned_data["page_token"]))
        if done is not None:
            return connected(request, member, *done)
    return connect_form(request, member, form, "Facebook Page")
