"""Template context: the workspaces the user belongs to, for the switcher."""

from typing import Any

from django.http import HttpRequest

from porch.workspaces.access import SESSION_KEY
from porch.workspaces.models import Membership


def workspaces(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)  # none on a 400 raised before the auth middleware
    if user is None or not user.is_authenticated:
        return {}
    members = list(
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )
    current = request.session.get(SESSION_KEY)
    return {
        "my_memberships": members,
        "current_membership": next((m for m in members if m.workspace.slug == current), None),
    }
