"""Staff links: a till's way into one workspace's counter page, with no account.

`/till/<token>/` looks the token's SHA-256 up; a live link's pk goes into the session and
the browser is sent on to `/till/`, so the token leaves the address bar, the history and
any Referer. Every request re-reads the link (`active_link`), so revoking it stops the
till at once. Owners and managers make, list and revoke links; the token is shown once.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone

from porch.errors import InputError, NotAllowed, NotFound
from porch.offers.models import StaffLink
from porch.workspaces.models import Membership, Role

SESSION_KEY = "porch_staff_link"
# The day the till's session was last saved: saving it once a day keeps a till that is in
# use signed in past the session's age (two weeks), with one write a day.
SEEN_KEY = "porch_staff_link_seen"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _managers_only(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only owners and managers can make or revoke staff links.")


def create_link(member: Membership, label: str) -> tuple[StaffLink, str]:
    """A new staff link and its token (shown once: Porch keeps only its hash)."""
    _managers_only(member)
    label = " ".join((label or "").split())
    if not label or len(label) > 60:
        raise InputError("Name the till or the person, in up to 60 characters: 'Front till'.")
    token = secrets.token_urlsafe(32)
    link = StaffLink.objects.create(
        workspace=member.workspace,
        label=label,
        token_hash=hash_token(token),
        created_by=member.user,
    )
    return link, token


def revoke(member: Membership, pk: int, *, now: datetime) -> StaffLink:
    """Revoke one of the workspace's staff links; its tills stop on their next request."""
    _managers_only(member)
    link = StaffLink.objects.filter(workspace=member.workspace, pk=pk).first()
    if link is None:
        raise NotFound("That staff link is not in this workspace.")
    StaffLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
    link.refresh_from_db()
    return link


def links(member: Membership) -> list[StaffLink]:
    _managers_only(member)
    found = StaffLink.objects.filter(workspace=member.workspace).order_by("revoked_at", "-pk")
    return list(found)


def enter(request: HttpRequest, token: str, *, now: datetime) -> StaffLink | None:
    """Remember a live link in the session; None (and forget any) when it is not one."""
    request.session.pop(SESSION_KEY, None)
    if not token or len(token) > 200:
        return None
    link = (
        StaffLink.objects.select_related("workspace")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if link is None:
        return None
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    StaffLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def active_link(request: HttpRequest) -> StaffLink | None:
    """The session's staff link, read again now: None once it is revoked."""
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    link = (
        StaffLink.objects.select_related("workspace").filter(pk=pk, revoked_at__isnull=True).first()
    )
    if link is None:
        request.session.pop(SESSION_KEY, None)
        return None
    today = timezone.now().date().isoformat()
    if request.session.get(SEEN_KEY) != today:
        request.session[SEEN_KEY] = today
    return link


def used_now(link: StaffLink, now: datetime) -> None:
    """Note when the link was last used, to the minute (no write on every code)."""
    if link.last_used_at is None or now - link.last_used_at >= timedelta(minutes=1):
        StaffLink.objects.filter(pk=link.pk).update(last_used_at=now)
