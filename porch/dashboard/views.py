"""A workspace's dashboard, the health page and the health check for monitors.

The dashboard is the owner's "what now" (porch/dashboard/whatnow.py: the inbox, approvals,
today's posts, failures, the plan's next actions, listening and offers) with a guided start
for a new workspace (porch/dashboard/start.py). On the health page, install admins (staff)
see the whole install's background work: workers by host and process, the queue, failed
tasks with their tracebacks. Everyone else sees, in words, whether background work is
running and how their own workspaces' work stands. The health figures come from
porch/core/health.py, the features' from what they register there.
"""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from porch.core.health import health_facts, workers_alive, workspace_figures
from porch.dashboard.start import guided_start
from porch.dashboard.whatnow import what_now
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Workspace


@workspace_view()
def dashboard(request: HttpRequest, member: Membership) -> HttpResponse:
    """The owner's "what now": what waits for them, most urgent first, each one click from
    acting on it; and, for a new workspace, the guided start (porch/dashboard/start.py)."""
    now = timezone.now()
    found = what_now(member, now)
    context = {
        "member": member,
        "now_items": found,
        "start": guided_start(member, found.plan, found.accounts),
        "zone": member.workspace.timezone,
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
def health(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.is_staff:
        return render(request, "dashboard/health.html", health_facts())
    now = timezone.now()
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    context = {
        "alive": workers_alive(now),
        "workspaces": [workspace_work(m.workspace, now) for m in memberships.order_by("pk")],
    }
    return render(request, "dashboard/health_workspace.html", context)


def workspace_work(workspace: Workspace, now: datetime) -> dict[str, object]:
    """One workspace's background work, for its members: no other workspace's, no hosts."""
    return {
        "workspace": workspace,
        "accounts": workspace.accounts.order_by("network", "handle"),
        **workspace_figures(workspace, now),
    }


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: no secrets, no workspace data."""
    facts = health_facts()
    return JsonResponse(
        {"ok": True, "workers_alive": facts["alive"], "queue_depth": facts["queue_depth"]}
    )
