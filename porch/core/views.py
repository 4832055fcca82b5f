"""The dashboard and the worker health page."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core.models import PeriodicJob, WorkerHeartbeat
from porch.inbox.models import Conversation, ConversationStatus, Intent, Message
from porch.publishing.engine import backlog
from porch.publishing.models import Post
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership

# A worker that has not beaten for this long is shown as stopped.
STALE_AFTER = timedelta(seconds=60)


@workspace_view()
def dashboard(request: HttpRequest, member: Membership) -> HttpResponse:
    workspace = member.workspace
    open_conversations = Conversation.objects.filter(
        workspace=workspace, status=ConversationStatus.OPEN
    )
    context = {
        "member": member,
        "open_count": open_conversations.count(),
        "complaint_count": open_conversations.filter(intent=Intent.COMPLAINT).count(),
        "recent_messages": Message.objects.filter(workspace=workspace)
        .select_related("account")
        .order_by("-sent_at")[:8],
        "recent_posts": Post.objects.filter(workspace=workspace).order_by("-created_at")[:5],
        "accounts": workspace.accounts.order_by("network"),
    }
    return render(request, "core/dashboard.html", context)


def health_facts() -> dict[str, object]:
    now = timezone.now()
    workers = [
        {"beat": beat, "alive": now - beat.last_seen < STALE_AFTER}
        for beat in WorkerHeartbeat.objects.order_by("-last_seen")[:20]
    ]
    return {
        "workers": workers,
        "alive": sum(1 for w in workers if w["alive"]),
        "queue_depth": DBTaskResult.objects.ready().count(),
        "running": DBTaskResult.objects.running().count(),
        "failed": DBTaskResult.objects.failed().order_by("-finished_at")[:20],
        "jobs": PeriodicJob.objects.order_by("name"),
        "posts": backlog(now),
        "now": now,
    }


@login_required
def health(request: HttpRequest) -> HttpResponse:
    return render(request, "core/health.html", health_facts())


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: no secrets, no workspace data."""
    facts = health_facts()
    return JsonResponse(
        {"ok": True, "workers_alive": facts["alive"], "queue_depth": facts["queue_depth"]}
    )
