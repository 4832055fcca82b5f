"""Connecting accounts from the web UI, one flow per network, and account settings."""

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from porch.networks.base import AccountRef, NetworkError
from porch.networks.connect import save_connection
from porch.networks.forms import AccountSettingsForm, BlueskyForm, FacebookForm, MastodonForm
from porch.networks.sync import mark_unreadable, month_cost
from porch.workspaces.access import workspace_view
from porch.workspaces.models import AccountStatus, ConnectedAccount, Membership, Role

OAUTH_SESSION = "porch_oauth"
DENIED = "Porch was not given access to the account, so it is not connected."
NOT_COMPLETED = "The sign-in was not completed: try connecting again."


def _connected(
    request: HttpRequest, member: Membership, ref: AccountRef, creds: dict[str, Any]
) -> HttpResponse:
    account = save_connection(member.workspace, ref, creds, member.workspace.timezone)
    messages.success(request, f"Connected {account}. Porch will start gathering its mentions.")
    return redirect("accounts", slug=member.workspace.slug)


def _attempt(request: HttpRequest, call: Callable[[], Any]) -> Any | None:
    """Run a network call; on failure show its plain message and return None."""
    try:
        return call()
    except NetworkError as exc:
        messages.error(request, exc.message)
        return None


@workspace_view()
def accounts(request: HttpRequest, member: Membership) -> HttpResponse:
    found = list(member.workspace.accounts.order_by("network", "handle"))
    mark_unreadable(found)  # saved under another PORCH_SECRET_KEY: shown as needing reconnecting
    rows = [
        {"account": account, "cost": month_cost(account) if account.network == "x" else None}
        for account in found
    ]
    notices = member.workspace.notices.filter(dismissed_at__isnull=True).order_by("-created_at")
    context = {"member": member, "rows": rows, "notices": notices}
    return render(request, "networks/accounts.html", context)


@workspace_view(Role.MANAGER)
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    context = {"member": member, "x_ready": bool(settings.X_CLIENT_ID)}
    return render(request, "networks/connect.html", context)


@workspace_view(Role.MANAGER)
def connect_bluesky(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.bluesky.auth import login

    form = BlueskyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request, lambda: login(data["handle"], data["app_password"], data["pds_url"])
        )
        if done is not None:
            return _connected(request, member, *done)
    return render(
        request,
        "networks/connect_form.html",
        {"member": member, "form": form, "network": "Bluesky"},
    )


@workspace_view(Role.MANAGER)
def connect_facebook(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.facebook.auth import verify_page_token

    form = FacebookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _attempt(request, lambda: verify_page_token(form.cleaned_data["page_token"]))
        if done is not None:
            return _connected(request, member, *done)
    context = {"member": member, "form": form, "network": "Facebook Page"}
    return render(request, "networks/connect_form.html", context)


def _callback_url(request: HttpRequest, member: Membership, network: str) -> str:
    return request.build_absolute_uri(
        reverse("connect_callback", args=[member.workspace.slug, network])
    )


@workspace_view(Role.MANAGER)
def connect_mastodon(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.mastodon.auth import authorize_url, register_app

    form = MastodonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        instance, callback = (
            form.cleaned_data["instance"],
            _callback_url(request, member, "mastodon"),
        )
        app = _attempt(request, lambda: register_app(instance, callback))
        if app is not None:
            state = secrets.token_urlsafe(24)
            pending = {"network": "mastodon", "state": state, "instance": instance, "app": app}
            request.session[OAUTH_SESSION] = pending
            return redirect(authorize_url(instance, app, callback, state))
    context = {"member": member, "form": form, "network": "Mastodon"}
    return render(request, "networks/connect_form.html", context)


@workspace_view(Role.MANAGER)
@require_POST
def connect_x(request: HttpRequest, member: Membership) -> HttpResponse:
    from porch.networks.x.auth import authorize_url

    if not settings.X_CLIENT_ID:
        messages.error(request, "X needs an app: set PORCH_X_CLIENT_ID and PORCH_X_CLIENT_SECRET.")
        return redirect("connect", slug=member.workspace.slug)
    state = secrets.token_urlsafe(24)
    url, verifier = authorize_url(settings.X_CLIENT_ID, _callback_url(request, member, "x"), state)
    request.session[OAUTH_SESSION] = {"network": "x", "state": state, "verifier": verifier}
    return redirect(url)


def _finish_oauth(request: HttpRequest, member: Membership, network: str, code: str) -> Any | None:
    pending = request.session.pop(OAUTH_SESSION, {})
    callback = _callback_url(request, member, network)
    if network == "mastodon":
        from porch.networks.mastodon.auth import exchange_code

        return _attempt(
            request, lambda: exchange_code(pending["instance"], pending["app"], code, callback)
        )
    from porch.networks.x.auth import exchange_code as x_exchange

    secret, verifier = settings.X_CLIENT_SECRET, pending["verifier"]
    result = _attempt(
        request, lambda: x_exchange(settings.X_CLIENT_ID, secret, callback, code, verifier)
    )
    if result is not None and settings.X_BEARER_TOKEN:
        result[1]["app_bearer_token"] = settings.X_BEARER_TOKEN
    return result


@workspace_view(Role.MANAGER)
def connect_callback(request: HttpRequest, member: Membership, network: str) -> HttpResponse:
    pending = request.session.get(OAUTH_SESSION) or {}
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    expected = pending.get("state", "") if pending.get("network") == network else ""
    if not code or not expected or not secrets.compare_digest(state, expected):
        request.session.pop(OAUTH_SESSION, None)
        denied = request.GET.get("error") == "access_denied"
        messages.error(request, DENIED if denied else NOT_COMPLETED)
        return redirect("connect", slug=member.workspace.slug)
    done = _finish_oauth(request, member, network, code)
    if done is None:
        return redirect("connect", slug=member.workspace.slug)
    return _connected(request, member, *done)


@workspace_view(Role.MANAGER)
def account_settings(request: HttpRequest, member: Membership, account_id: int) -> HttpResponse:
    account = get_object_or_404(ConnectedAccount, pk=account_id, workspace=member.workspace)
    initial = {"timezone": account.timezone, "monthly_cost_cap": account.monthly_cost_cap}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        account.timezone = form.cleaned_data["timezone"]
        account.monthly_cost_cap = form.cleaned_data["monthly_cost_cap"]
        if account.status == AccountStatus.PAUSED:
            account.status, account.status_detail = AccountStatus.OK, ""
        account.save()
        messages.success(request, f"Saved the settings of {account}.")
        return redirect("accounts", slug=member.workspace.slug)
    context = {"member": member, "account": account, "form": form, "cost": month_cost(account)}
    return render(request, "networks/account_settings.html", context)


@workspace_view(Role.MANAGER)
@require_POST
def disconnect(request: HttpRequest, member: Membership, account_id: int) -> HttpResponse:
    account = get_object_or_404(ConnectedAccount, pk=account_id, workspace=member.workspace)
    account.delete()
    messages.info(request, f"Disconnected {account}. Its credentials are deleted from Porch.")
    return redirect("accounts", slug=member.workspace.slug)
