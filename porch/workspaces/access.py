"""The one check every workspace page and API call goes through."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from porch.workspaces.models import Membership, Role

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, Membership, P], HttpResponse]

SESSION_KEY = "porch_workspace"


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a request that passed login_required."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def membership_for(request: HttpRequest, slug: str) -> Membership:
    """The signed-in user's membership of workspace `slug`, or 404 (never reveals others)."""
    if not request.user.is_authenticated:
        raise Http404("No such workspace")
    found = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace__slug=slug)
        .first()
    )
    if found is None:
        raise Http404("No such workspace")
    return found


def workspace_view(
    role: Role = Role.HELPER, *, remember: bool = True
) -> Callable[[View[P]], Callable[Concatenate[HttpRequest, str, P], HttpResponse]]:
    """Decorate a view taking (request, membership, ...) and routed with <slug:slug>.
    The workspace becomes the session's current one unless `remember` is False (a poll from
    a background tab must not switch the workspace another tab is showing)."""

    def decorate(view: View[P]) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            member = membership_for(request, slug)
            if not member.at_least(role):
                raise PermissionDenied(f"This needs the {role.label} role in {member.workspace}.")
            if remember and request.session.get(SESSION_KEY) != member.workspace.slug:
                request.session[SESSION_KEY] = member.workspace.slug
            return view(request, member, *args, **kwargs)

        return cast(Callable[Concatenate[HttpRequest, str, P], HttpResponse], wrapper)

    return decorate
