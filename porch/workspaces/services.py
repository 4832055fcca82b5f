"""Accounts, workspaces, members and invitations: the one place these rules live.

Pages and the `porch` command call these; each checks who may do what, and refuses with a
MemberError whose message is one line for the person who asked.
"""

from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from porch.errors import InputError
from porch.workspaces.models import Invitation, Membership, Role, Workspace


class MemberError(InputError):
    """Refused: the message says why in one line, for the person who asked."""


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


# --- accounts ---------------------------------------------------------------------------


def install_is_new() -> bool:
    """No accounts yet but the demo's (`porch demo`): the next person to sign up runs Porch.

    Any account that is admin, in a workspace that is not the demo, or in no workspace at
    all is someone's: each row of the one query below is one account with one membership
    (or none), so an owner who is also in the demo still counts."""
    someones = (
        Q(is_superuser=True)
        | Q(is_staff=True)
        | Q(memberships__isnull=True)
        | Q(memberships__workspace__is_demo=False)
    )
    return not User.objects.filter(someones).exists()


def signup_mode() -> str:
    """How a new account may be made here: "first" on a new install, else PORCH_SIGNUP."""
    return "first" if install_is_new() else settings.SIGNUP


def one_line(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def check_new_email(email: str) -> str:
    """The email, normalised, when a new account may use it; else MemberError."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise MemberError(f"{email!r} is not an email address: use name@example.com") from None
    if User.objects.filter(username=email).exists():
        raise MemberError(f"An account for {email} exists already: sign in instead.")
    return email


def check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise MemberError(f"That password will not do: {one_line(exc)}") from None


@transaction.atomic
def new_account(email: str, password: str, admin: bool = False) -> User:
    """A validated account; the first one on a new install also runs it (Django's admin)."""
    first = install_is_new()
    email = check_new_email(email)
    check_password(password, User(username=email, email=email))
    user = create_user(email, password)
    if admin or first:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def sign_up(email: str, password: str, business: str) -> tuple[User, Workspace]:
    """Someone makes their own account and their business's workspace, if this install lets them."""
    mode = signup_mode()
    if mode not in ("first", "open"):
        raise MemberError(SIGNUP_REFUSALS[mode])
    user = new_account(email, password)
    return user, create_workspace(user, business)


SIGNUP_REFUSALS = {
    "invite": "This Porch is by invitation: ask the owner of your business's workspace "
    "to invite you.",
    "closed": "This Porch does not take new accounts: ask the person who runs it to make "
    "one for you.",
}


def reset_password(email: str, password: str) -> User:
    """Set a new password (for `porch resetpassword`) and lift any sign-in pause on it."""
    user = User.objects.filter(username=email.strip().lower()).first()
    if user is None:
        raise MemberError(f"There is no account for {email}.")
    check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=user.username)
    return user


# --- members ----------------------------------------------------------------------------


def _require(member: Membership, role: Role, doing: str) -> None:
    if not member.at_least(role):
        raise MemberError(f"Only an {role.label.lower()} can {doing}.")


def _lock(workspace: Workspace) -> Workspace:
    """Hold the workspace while its members change, so two changes never pass one check."""
    return Workspace.objects.select_for_update().get(pk=workspace.pk)


def _other_owners(target: Membership) -> bool:
    others = Membership.objects.filter(workspace=target.workspace_id, role=Role.OWNER)
    return others.exclude(pk=target.pk).exists()


@transaction.atomic
def change_role(member: Membership, target_id: int, role: Role) -> Membership:
    _require(member, Role.OWNER, "change someone's role")
    _lock(member.workspace)
    target = Membership.objects.select_related("user").get(pk=target_id, workspace=member.workspace)
    if target.role == Role.OWNER and role != Role.OWNER and not _other_owners(target):
        raise MemberError("A workspace needs an owner: make someone else owner first.")
    target.role = role
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def remove_member(member: Membership, target_id: int) -> Membership:
    _require(member, Role.OWNER, "remove someone")
    _lock(member.workspace)
    target = Membership.objects.select_related("user").get(pk=target_id, workspace=member.workspace)
    if target.role == Role.OWNER and not _other_owners(target):
        raise MemberError("A workspace needs an owner: make someone else owner first.")
    target.delete()
    return target


# --- invitations ------------------------------------------------------------------------


def pending_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    fresh = timezone.now() - timedelta(days=settings.INVITATION_DAYS)
    return workspace.invitations.filter(
        accepted_at=None, revoked_at=None, created_at__gt=fresh
    ).order_by("email")


def invite(member: Membership, email: str, role: Role) -> Invitation:
    _require(member, Role.MANAGER, "invite people")
    if role == Role.OWNER:
        _require(member, Role.OWNER, "invite another owner")
    email = email.strip().lower()
    if member.workspace.members.filter(user__username=email).exists():
        raise MemberError(f"{email} is a member already.")
    return Invitation.objects.create(
        workspace=member.workspace, email=email, role=role, invited_by=member.user
    )


@transaction.atomic
def revoke_invitation(member: Membership, invitation_id: int) -> Invitation:
    _require(member, Role.MANAGER, "withdraw invitations")
    invitation = Invitation.objects.select_for_update().get(
        pk=invitation_id, workspace=member.workspace
    )
    if invitation.role == Role.OWNER:
        _require(member, Role.OWNER, "withdraw an owner's invitation")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _check_usable(invitation: Invitation) -> None:
    why = invitation.unusable_because()
    if why is not None:
        raise MemberError(f"{why} Ask {invitation.workspace.name} for a new invitation.")


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """The invited person joins: only the account with the invitation's email may accept."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_usable(locked)
    if (user.email or "").lower() != locked.email.lower():
        raise MemberError(
            f"This invitation is for {locked.email}: sign in with that email to accept it."
        )
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    member, _ = Membership.objects.get_or_create(
        user=user, workspace=locked.workspace, defaults={"role": locked.role}
    )
    return member


@transaction.atomic
def join_with_new_account(invitation: Invitation, password: str) -> Membership:
    """The invited person has no account yet: one is made for the invitation's email."""
    if settings.SIGNUP == "closed":
        raise MemberError(SIGNUP_REFUSALS["closed"])
    _check_usable(invitation)
    return accept_invitation(invitation, new_account(invitation.email, password))
