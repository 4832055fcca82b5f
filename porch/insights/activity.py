"""Measuring the owner's active time in Porch, per activity, from their requests.

Each signed-in request to a workspace page adds the time since the member's previous
request to the activity of the page (inbox, publishing, planning, reviewing), when that
gap is at most IDLE_AFTER: a longer gap is time away, and is not counted. Requests closer
than STEP to the last counted one (the inbox's refresh, quick clicks) are added with the next
counted request, so a busy page costs no database write per request. The time counts
on the workspace's own day (its time zone), like everything the money page adds up.
"""

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse

from porch.insights.models import ActiveTime, Activity
from porch.workspaces.models import Membership

IDLE_AFTER = 300  # seconds
STEP = 30  # seconds: a gap shorter than this waits for the next request (one write a half-minute)
LAST_SEEN = "porch_last_active"
WORKSPACE_PAGE = re.compile(r"^/w/(?P<slug>[-\w]+)/(?P<area>[-\w]*)")
AREAS = {
    "inbox": Activity.INBOX,
    "saved-replies": Activity.INBOX,
    "posts": Activity.PUBLISHING,
    "publish": Activity.PUBLISHING,
    "publishing": Activity.PUBLISHING,
    "calendar": Activity.PUBLISHING,
    "queue": Activity.PUBLISHING,
    "plan": Activity.PLANNING,
    "listening": Activity.PLANNING,
    "insights": Activity.REVIEWING,
    "": Activity.REVIEWING,  # the dashboard
}


def now() -> float:
    return time.time()


def activity_of(path: str) -> tuple[str, Activity] | None:
    """(workspace slug, activity) for a workspace page that counts as work, else None."""
    found = WORKSPACE_PAGE.match(path)
    if not found or found["area"] not in AREAS:
        return None
    return found["slug"], AREAS[found["area"]]


def add_time(
    workspace_id: int, user_id: int, day: date, activity: str, seconds: int, outside: bool
) -> None:
    """Add to the day's row: one UPDATE on every request but the day's first."""
    key: dict[str, Any] = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "day": day,
        "activity": activity,
        "outside_porch": outside,
    }
    if not ActiveTime.objects.filter(**key).update(seconds=F("seconds") + seconds):
        row, _ = ActiveTime.objects.get_or_create(**key)
        ActiveTime.objects.filter(pk=row.pk).update(seconds=F("seconds") + seconds)


class ActiveTimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        where = activity_of(request.path)
        background = getattr(request, "porch_background", False)  # a poll (the inbox's pulse)
        if user is None or not user.is_authenticated or where is None or background:
            return response
        moment = now()
        gap = moment - float(request.session.get(LAST_SEEN, 0))
        if 0 < gap < STEP:
            return response  # counted with a later request: no write on every page
        request.session[LAST_SEEN] = moment
        if 0 < gap <= IDLE_AFTER:
            members = Membership.objects.filter(user=user, workspace__slug=where[0])
            member = members.select_related("workspace").first()
            if member is not None:
                workspace = member.workspace
                add_time(workspace.pk, user.pk, workspace.today(), where[1], round(gap), False)
        return response
