"""Creating users, workspaces and memberships: the one place these rules live."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from porch.workspaces.models import Invitation, Membership, Role, Workspace


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_workspace(owner: User, name: str, tz: str = "UTC", demo: bool = False) -> Workspace:
    workspace = Workspace.objects.create(
        name=name, slug=unique_slug(name), timezone=tz, is_demo=demo
    )
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


def create_user(email: str, password: str) -> User:
    email = email.lower()
    return User.objects.create_user(username=email, email=email, password=password)


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_usable():
        raise ValueError("This invitation was used already or has expired: ask for a new one.")
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    member, _ = Membership.objects.get_or_create(
        user=user, workspace=locked.workspace, defaults={"role": locked.role}
    )
    return member
