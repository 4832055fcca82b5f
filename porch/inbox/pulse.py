"""The inbox's pulse: what an open Porch tab polls to tell the owner of a new complaint.

A small JSON answer for porch/static/porch/notify.js (the browser's Notification API and a
sound; no outside push service).
"""

from django.http import HttpRequest, JsonResponse

from porch.inbox.models import Conversation, ConversationStatus, Intent
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership


@workspace_view()
def pulse(request: HttpRequest, member: Membership) -> JsonResponse:
    complaints = Conversation.objects.filter(
        workspace=member.workspace, status=ConversationStatus.OPEN, intent=Intent.COMPLAINT
    )
    latest = complaints.order_by("-pk").values_list("pk", flat=True).first()
    return JsonResponse({"open_complaints": complaints.count(), "latest_complaint": latest})
