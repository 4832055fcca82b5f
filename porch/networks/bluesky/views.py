"""Connecting a Bluesky account: the handle and an app password, checked by signing in."""

from django.http import HttpRequest, HttpResponse

from porch.networks.bluesky.forms import BlueskyForm
from porch.networks.views import attempt, connect_form, connected
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


@workspace_view(Role.MANAGER)
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.bluesky.auth import login

    form = BlueskyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            request, lambda: login(data["handle"], data["app_password"], data["pds_url"])
        )
        if done is not None:
            return connected(request, member, *done)
    return connect_form(request, member, form, "Bluesky")
