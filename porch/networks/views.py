"""The accounts pages, whatever the network: the list, the connect page, the end of an
OAuth sign-in, settings and disconnecting. Each network's own connect flow is in its
folder (porch/networks/<name>/views.py), built from the helpers here."""

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from porch.networks import registry, services
from porch.networks.base import AccountRef, NetworkDescriptor, NetworkError
from porch.networks.connect import save_connection
from porch.networks.forms import AccountSettingsForm
from porch.networks.sync import mark_unreadable, month_cost
from porch.workspaces.access import workspace_view
from porch.workspaces.models import ConnectedAccount, Membership, Role

OAUTH_SESSION = "porch_oauth"
DENIED = "Porch was not given access to the account, so it is not connected."
NOT_COMPLETED = "The sign-in was not completed: try connecting again."


def connected(
    request: HttpRequest, member: Membership, ref: AccountRef, creds: dict[str, Any]
) -> HttpResponse:
    """Save an account the network accepted and go back to the accounts page."""
    account = save_connection(member.workspace, ref, creds, member.workspace.timezone)
    messages.success(request, f"Connected {account}. Porch will start gathering its mentions.")
    return redirect("accounts", slug=member.workspace.slug)


def attempt(request: HttpRequest, call: Callable[[], Any]) -> Any | None:
    """Run a network call; on failure show its plain message and return None."""
    try:
        return call()
    except NetworkError as exc:
        messages.error(request, exc.message)
        return None


def connect_form(request: HttpRequest, member: Membership, form: Form, label: str) -> HttpResponse:
    """A network's connect form (its fields, then Connect)."""
    context = {"member": member, "form": form, "network": label}
    return render(request, "networks/connect_form.html", context)


def callback_url(request: HttpRequest, member: Membership, network: str) -> str:
    """Where the network sends the owner back after an OAuth sign-in."""
    return request.build_absolute_uri(
        reverse("connect_callback", args=[member.workspace.slug, network])
    )


def oauth_state() -> str:
    """The `state` an OAuth sign-in sends along, for the callback to check."""
    return secrets.token_urlsafe(24)


def keep_oauth(request: HttpRequest, network: str, state: str, **pending: Any) -> None:
    """Keep in the session what the callback needs to finish the sign-in."""
    request.session[OAUTH_SESSION] = {"network": network, "state": state, **pending}


def _paid_reads() -> set[str]:
    return {network.name for network in registry.descriptors() if network.can.paid_reads}


@workspace_view()
def accounts(request: HttpRequest, member: Membership) -> HttpResponse:
    found = list(member.workspace.accounts.order_by("network", "handle"))
    mark_unreadable(found)  # saved under another PORCH_SECRET_KEY: shown as needing reconnecting
    paid = _paid_reads()
    rows = [
        {"account": account, "cost": month_cost(account) if account.network in paid else None}
        for account in found
    ]
    notices = member.workspace.notices.filter(dismissed_at__isnull=True).order_by("-created_at")
    context = {"member": member, "rows": rows, "notices": notices}
    return render(request, "networks/accounts.html", context)


def _card(network: NetworkDescriptor) -> dict[str, Any]:
    problem = import_string(network.connect_check)() if network.connect_check else ""
    return {"network": network, "problem": problem}


@workspace_view(Role.MANAGER)
def connect(request: HttpRequest, member: Membership) -> HttpResponse:
    cards = [_card(network) for network in registry.descriptors() if network.connect_card]
    return render(request, "networks/connect.html", {"member": member, "cards": cards})


def _finish_oauth(request: HttpRequest, member: Membership, network: str, code: str) -> Any | None:
    pending = request.session.pop(OAUTH_SESSION, {})
    try:
        finish = registry.descriptor(network).oauth_finish
    except ValueError:  # a network no longer installed
        finish = ""
    if not finish:
        messages.error(request, NOT_COMPLETED)
        return None
    callback = callback_url(request, member, network)
    return attempt(request, lambda: import_string(finish)(request, pending, code, callback))


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
    return connected(request, member, *done)


@workspace_view(Role.MANAGER)
def account_settings(request: HttpRequest, member: Membership, account_id: int) -> HttpResponse:
    account = get_object_or_404(ConnectedAccount, pk=account_id, workspace=member.workspace)
    initial = {"timezone": account.timezone, "monthly_cost_cap": account.monthly_cost_cap}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_account_settings(member, account, data["timezone"], data["monthly_cost_cap"])
        messages.success(request, f"Saved the settings of {account}.")
        return redirect("accounts", slug=member.workspace.slug)
    context = {
        "member": member,
        "account": account,
        "form": form,
        "cost": month_cost(account),
        "paid_reads": account.network in _paid_reads(),
    }
    return render(request, "networks/account_settings.html", context)


@workspace_view(Role.MANAGER)
@require_POST
def disconnect(request: HttpRequest, member: Membership, account_id: int) -> HttpResponse:
    account = get_object_or_404(ConnectedAccount, pk=account_id, workspace=member.workspace)
    services.disconnect(member, account)
    messages.info(request, f"Disconnected {account}. Its credentials are deleted from Porch.")
    return redirect("accounts", slug=member.workspace.slug)
