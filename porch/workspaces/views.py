"""Signing in and up, workspaces, members and invitations, connected accounts."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from porch.workspaces import services
from porch.workspaces.access import SESSION_KEY, signed_in_user, workspace_view
from porch.workspaces.forms import InviteForm, NewAccountForm, SignInForm, SignUpForm, WorkspaceForm
from porch.workspaces.models import Invitation, Membership, Role


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)
        target = request.GET.get("next", "")
        return redirect(
            target if target.startswith("/") and not target.startswith("//") else "home"
        )
    return render(request, "workspaces/sign_in.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.create_user(form.cleaned_data["email"], form.cleaned_data["password"])
        workspace = services.create_workspace(user, form.cleaned_data["business"])
        login(request, user)
        return redirect("dashboard", slug=workspace.slug)
    return render(request, "workspaces/sign_up.html", {"form": form})


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
        role = form.cleaned_data["role"]
        if role == Role.OWNER and not member.at_least(Role.OWNER):
            form.add_error("role", "Only an owner can invite another owner.")
        else:
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=form.cleaned_data["email"],
                role=role,
                invited_by=signed_in_user(request),
            )
            link = request.build_absolute_uri(reverse("invitation", args=[invitation.token]))
            messages.success(
                request, f"Invitation ready. Send this link to {invitation.email}: {link}"
            )
            return redirect("members", slug=workspace.slug)
    context = {
        "member": member,
        "form": form,
        "people": workspace.members.select_related("user").order_by("user__email"),
        "invitations": workspace.invitations.filter(accepted_at__isnull=True),
    }
    return render(request, "workspaces/members.html", context)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invite = get_object_or_404(Invitation, token=token)
    if not invite.is_usable():
        return render(request, "workspaces/invitation.html", {"invite": invite, "unusable": True})
    form = NewAccountForm(request.POST or None, initial={"email": invite.email})
    if request.method == "POST":
        user = signed_in_user(request) if request.user.is_authenticated else None
        if user is None and form.is_valid():
            user = services.create_user(form.cleaned_data["email"], form.cleaned_data["password"])
            login(request, user)
        if user is not None:
            services.accept_invitation(invite, user)
            return redirect("dashboard", slug=invite.workspace.slug)
    return render(request, "workspaces/invitation.html", {"invite": invite, "form": form})
