"""Signing in and up, workspaces, members and invitations, connected accounts."""

from collections.abc import Callable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from porch.workspaces import services
from porch.workspaces.access import SESSION_KEY, signed_in_user, workspace_view
from porch.workspaces.forms import (
    InviteForm,
    JoinForm,
    RoleForm,
    SignInForm,
    SignUpForm,
    WorkspaceForm,
)
from porch.workspaces.models import Invitation, Membership, Role
from porch.workspaces.pages import members_page_facts
from porch.workspaces.signin import client_ip

# Accounts made here sign in at once, without a password check to count.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)
        target = request.GET.get("next", "")
        return redirect(
            target if target.startswith("/") and not target.startswith("//") else "home"
        )
    context = {"form": form, "signup_mode": services.signup_mode()}
    return render(request, "workspaces/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def sign_up(request: HttpRequest) -> HttpResponse:
    mode = services.signup_mode()
    form = SignUpForm(request.POST or None)
    if mode not in ("first", "open"):
        status = 403 if request.method == "POST" else 200
        context = {"mode": mode, "refusal": services.SIGNUP_REFUSALS[mode]}
        return render(request, "workspaces/sign_up.html", context, status=status)
    if request.method == "POST" and form.is_valid():
        try:
            user, workspace = services.sign_up(
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                form.cleaned_data["business"],
            )
        except services.MemberError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, user, backend=MODEL_BACKEND)
            return redirect("dashboard", slug=workspace.slug)
    return render(request, "workspaces/sign_up.html", {"form": form, "mode": mode})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    members = Membership.objects.filter(user=signed_in_user(request)).select_related("workspace")
    last = request.session.get(SESSION_KEY)
    chosen = next((m for m in members if m.workspace.slug == last), None) or members.first()
    if chosen is None:
        return redirect("workspace_new")
    return redirect("dashboard", slug=chosen.workspace.slug)


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.create_workspace(
            signed_in_user(request),
            form.cleaned_data["name"],
            form.cleaned_data["timezone"],
        )
        return redirect("dashboard", slug=workspace.slug)
    return render(request, "workspaces/workspace_new.html", {"form": form})


@workspace_view(Role.MANAGER)
def members(request: HttpRequest, member: Membership) -> HttpResponse:
    form = InviteForm(request.POST or None)
    workspace = member.workspace
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(
                member, form.cleaned_data["email"], Role(form.cleaned_data["role"])
            )
        except services.MemberError as exc:
            form.add_error(None, str(exc))
        else:
            link = request.build_absolute_uri(reverse("invitation", args=[invitation.token]))
            messages.success(
                request, f"Invitation ready. Send this link to {invitation.email}: {link}"
            )
            return redirect("members", slug=workspace.slug)
    context = {
        "member": member,
        "form": form,
        "roles": Role.choices,
        "people": workspace.members.select_related("user").order_by("user__email"),
        "invitations": services.pending_invitations(workspace),
        "invitation_days": settings.INVITATION_DAYS,
        **members_page_facts(workspace),
    }
    return render(request, "workspaces/members.html", context)


def _member_action(
    request: HttpRequest, member: Membership, done: str, act: Callable[[], object]
) -> HttpResponse:
    try:
        act()
    except services.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("members", slug=member.workspace.slug)


@require_POST
@workspace_view(Role.MANAGER)
def member_role(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose owner, manager or helper.")
        return redirect("members", slug=member.workspace.slug)
    role = Role(form.cleaned_data["role"])
    get_object_or_404(Membership, pk=pk, workspace=member.workspace)
    return _member_action(
        request,
        member,
        f"Role changed to {role.label}.",
        lambda: services.change_role(member, pk, role),
    )


@require_POST
@workspace_view(Role.MANAGER)
def member_remove(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    gone = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, workspace=member.workspace
    )
    return _member_action(
        request,
        member,
        f"{gone.user.email} was removed.",
        lambda: services.remove_member(member, pk),
    )


@require_POST
@workspace_view(Role.MANAGER)
def invitation_revoke(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    invite = get_object_or_404(Invitation, pk=pk, workspace=member.workspace)
    return _member_action(
        request,
        member,
        f"The invitation for {invite.email} was withdrawn.",
        lambda: services.revoke_invitation(member, pk),
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invite = get_object_or_404(Invitation.objects.select_related("workspace"), token=token)
    user = request.user if isinstance(request.user, User) else None
    has_account = User.objects.filter(username=invite.email).exists()
    form = JoinForm(invite.email, request.POST or None)
    context = {
        "invite": invite,
        "form": form,
        "has_account": has_account,
        "why": invite.unusable_because(),
        "signup": settings.SIGNUP,
    }
    if request.method == "POST" and context["why"] is None:
        try:
            if user is not None:
                services.accept_invitation(invite, user)
            elif not has_account and form.is_valid():
                joined = services.join_with_new_account(invite, form.cleaned_data["password"])
                login(request, joined.user, backend=MODEL_BACKEND)
            else:
                return render(request, "workspaces/invitation.html", context)
        except services.MemberError as exc:
            context["error"] = str(exc)
        else:
            return redirect("dashboard", slug=invite.workspace.slug)
    return render(request, "workspaces/invitation.html", context)


class PasswordReset(auth_views.PasswordResetView):
    """Django's reset by email; links use PORCH_PUBLIC_URL where it is set."""

    template_name = "workspaces/password_reset.html"
    email_template_name = "workspaces/password_reset_email.txt"
    subject_template_name = "workspaces/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.extra_email_context = {"public_url": settings.PUBLIC_URL}
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """A new password from the emailed link also lifts a sign-in pause for it here."""

    template_name = "workspaces/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: "SetPasswordForm[User]") -> HttpResponse:
        response = super().form_valid(form)
        axes_reset(ip=client_ip(self.request), username=form.user.get_username())
        return response


password_reset = PasswordReset.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="workspaces/password_reset_done.html"
)
password_reset_confirm = PasswordResetConfirm.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="workspaces/password_reset_complete.html"
)
