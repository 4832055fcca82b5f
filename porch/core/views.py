"""The dashboard and the health page.

Install admins (staff) see the whole install's background work: workers by host and
process, the queue, failed tasks with their tracebacks. Everyone else sees, in words,
whether background work is running and how their own workspaces' work stands.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core.models import PeriodicJob, WorkerHeartbeat
from porch.inbox.models import Conversation, ConversationStatus, Intent, Message, Reply, ReplyStatus
from porch.insights.models import HistoryImport
from porch.publishing.engine import backlog
from porch.publishing.models import Post, PostTarget, TargetState
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Workspace


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


def stale_after() -> timedelta:
    """A worker that has not beaten for this long is shown as stopped (PORCH_WORKER_STALE_AFTER)."""
    return timedelta(seconds=settings.WORKER_STALE_AFTER)


def health_facts() -> dict[str, object]:
    now = timezone.now()
    workers = [
        {"beat": beat, "alive": now - beat.last_seen < stale_after()}
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
        "stale_after": settings.WORKER_STALE_AFTER,
    }


@login_required
def health(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.is_staff:
        return render(request, "core/health.html", health_facts())
    now = timezone.now()
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    context = {
        "alive": _workers_alive(now),
        "workspaces": [workspace_work(m.workspace, now) for m in memberships.order_by("pk")],
    }
    return render(request, "core/health_workspace.html", context)


def _workers_alive(now: datetime) -> int:
    return WorkerHeartbeat.objects.filter(last_seen__gte=now - stale_after()).count()


def workspace_work(workspace: Workspace, now: datetime) -> dict[str, object]:
    """One workspace's background work, for its members: no other workspace's, no hosts."""
    recent = now - timedelta(days=7)
    imports = HistoryImport.objects.filter(account__workspace=workspace).select_related("account")
    late = PostTarget.objects.filter(
        post__workspace=workspace,
        state=TargetState.SCHEDULED,
        scheduled_at__lte=now - timedelta(minutes=1),
    ).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    replies = Reply.objects.filter(conversation__workspace=workspace)
    return {
        "workspace": workspace,
        "imports": imports.filter(created_at__gte=recent).order_by("-created_at")[:10],
        "late_posts": late.count(),
        "replies_waiting": replies.filter(
            status__in=[ReplyStatus.QUEUED, ReplyStatus.SENDING]
        ).count(),
        "replies_failed": replies.filter(status=ReplyStatus.FAILED)
        .select_related("conversation")
        .order_by("-created_at")[:10],
        "accounts": workspace.accounts.order_by("network", "handle"),
    }


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: no secrets, no workspace data."""
    facts = health_facts()
    return JsonResponse(
        {"ok": True, "workers_alive": facts["alive"], "queue_depth": facts["queue_depth"]}
    )
