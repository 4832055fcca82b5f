"""The caller's workspace and its members (read only)."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from porch.api.auth import needs
from porch.api.schemas import ERRORS

router = Router(tags=["workspace"])


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    role: str  # the caller's role in it
    scopes: list[str]  # the calling token's scopes


class MemberOut(Schema):
    id: int
    email: str
    role: str
    joined_at: datetime


@router.get("/workspace", response={200: WorkspaceOut, **ERRORS}, operation_id="get_workspace")
def get_workspace(request: HttpRequest) -> WorkspaceOut:
    """The workspace the token belongs to, the member's role and the token's scopes."""
    caller = needs(request, "read")
    w = caller.workspace
    return WorkspaceOut(
        id=w.pk,
        name=w.name,
        slug=w.slug,
        timezone=w.timezone,
        role=caller.member.role,
        scopes=list(caller.token.scopes),
    )


@router.get("/members", response={200: list[MemberOut], **ERRORS}, operation_id="list_members")
def list_members(request: HttpRequest) -> list[MemberOut]:
    """Everyone in the workspace and their role."""
    caller = needs(request, "read")
    members = caller.workspace.members.select_related("user").order_by("joined_at", "pk")
    return [
        MemberOut(id=m.pk, email=m.user.email, role=m.role, joined_at=m.joined_at) for m in members
    ]
