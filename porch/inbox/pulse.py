"""The inbox's pulse: what an open Porch tab polls to tell the owner of a new complaint.

A small JSON answer for porch/static/porch/notify.js (the browser's Notification API and a
sound; no outside push service): how many complaints are open, the newest one's id, where it
is and a short plain-text line about it (the browser shows it as text, never as HTML).
Polling is not work: the request is marked so the active-time measure does not count it.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from porch.inbox.models import Conversation, ConversationStatus, Intent, MessageKind
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership

BACKGROUND = "porch_background"  # a request attribute: a poll, not the owner at work
TEXT_LENGTH = 90


@require_safe
@never_cache
@workspace_view(remember=False)
def pulse(request: HttpRequest, member: Membership) -> JsonResponse:
    setattr(request, BACKGROUND, True)  # HttpRequest has no such field to type
    complaints = Conversation.objects.filter(
        workspace=member.workspace, status=ConversationStatus.OPEN, intent=Intent.COMPLAINT
    )
    latest = complaints.order_by("-pk").first()
    answer: dict[str, object] = {
        "open_complaints": complaints.count(),
        "latest_complaint": latest.pk if latest else None,
        "url": None,
        "text": "",
    }
    if latest is not None:
        answer["url"] = reverse("conversation", args=[member.workspace.slug, latest.pk])
        answer["text"] = complaint_line(latest)
    return JsonResponse(answer)


def complaint_line(conversation: Conversation) -> str:
    """'@handle: the start of their newest message', plain text and short."""
    words = (
        conversation.messages.exclude(kind=MessageKind.OURS)
        .order_by("-sent_at")
        .values_list("text", flat=True)
        .first()
    ) or ""
    line = f"@{conversation.contact_handle}: {' '.join(words.split())}"
    return Truncator(line).chars(TEXT_LENGTH)
