"""The webhooks pages (owner or manager): the endpoints and a form to add one; an
endpoint's page with its settings, secret (shown on asking, rotated), a test event and its
delivery log of the last 30 days, each delivery's tries and a Redeliver button.

The secret is shown only in the answer to a POST, marked `Cache-Control: no-store`.
"""

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from porch.api.hooks import services
from porch.api.hooks.forms import EndpointForm
from porch.api.models import DeliveryAttempt, DeliveryStatus, WebhookEndpoint
from porch.core.events import event_types
from porch.core.feedback import refusals_shown
from porch.errors import NotAllowed, NotFound, PorchError
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role

LOG_SHOWN = 100


def _endpoint(member: Membership, pk: int) -> WebhookEndpoint:
    try:
        return services.get_endpoint(member, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _saved(form: EndpointForm, save: Any) -> Any:
    """Save a valid form through the services; a refusal becomes the form's error."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except NotAllowed:
        raise
    except PorchError as exc:
        form.add_error(None, exc.message)
        return None


def _list_page(request: HttpRequest, member: Membership, form: EndpointForm) -> HttpResponse:
    context = {
        "member": member,
        "form": form,
        "endpoints": services.list_endpoints(member),
        "types": event_types(),
    }
    return render(request, "api/webhooks.html", context)


@workspace_view(role=Role.MANAGER)
def webhook_list(request: HttpRequest, member: Membership) -> HttpResponse:
    """The workspace's endpoints and the form to add one."""
    return _list_page(request, member, EndpointForm())


@workspace_view(role=Role.MANAGER)
@require_POST
def webhook_new(request: HttpRequest, member: Membership) -> HttpResponse:
    form = EndpointForm(request.POST)
    made = _saved(
        form,
        lambda d: services.create_endpoint(member, d["url"], d["event_types"], d["description"]),
    )
    if made is None:
        return _list_page(request, member, form)
    messages.success(request, "Added the endpoint. Show its secret to set up the receiver.")
    return redirect("api:webhook", slug=member.workspace.slug, pk=made.endpoint.pk)


def _endpoint_page(
    request: HttpRequest,
    member: Membership,
    endpoint: WebhookEndpoint,
    form: EndpointForm,
    secret: str = "",
) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    attempts = Prefetch("attempt_log", DeliveryAttempt.objects.order_by("pk"))
    log = services.deliveries(member, endpoint, status).prefetch_related(attempts)
    context = {
        "member": member,
        "endpoint": endpoint,
        "form": form,
        "secret": secret,
        "types": event_types(),
        "deliveries": list(log[:LOG_SHOWN]),
        "status": status,
        "statuses": DeliveryStatus.choices,
        "days": services.LOG_DAYS,
    }
    response = render(request, "api/webhook.html", context)
    add_never_cache_headers(response)  # no-store: the answer may hold the secret
    return response


def _initial(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
    }


@workspace_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def webhook_page(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """An endpoint: change it (POST), its secret, a test event, its delivery log."""
    endpoint = _endpoint(member, pk)
    if request.method != "POST":
        return _endpoint_page(request, member, endpoint, EndpointForm(initial=_initial(endpoint)))
    form = EndpointForm(request.POST)
    saved = _saved(
        form,
        lambda d: services.update_endpoint(
            member,
            endpoint,
            url=d["url"],
            event_types=d["event_types"],
            description=d["description"],
        ),
    )
    if saved is None:
        return _endpoint_page(request, member, endpoint, form)
    messages.success(request, "Saved the endpoint.")
    return redirect("api:webhook", slug=member.workspace.slug, pk=endpoint.pk)


@workspace_view(role=Role.MANAGER)
@require_POST
def webhook_action(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """The endpoint's buttons: show or rotate the secret, send a test, turn on or off, remove."""
    endpoint = _endpoint(member, pk)
    action = request.POST.get("do", "")
    form = EndpointForm(initial=_initial(endpoint))
    if action == "reveal":
        return _endpoint_page(
            request, member, endpoint, form, services.reveal_secret(member, endpoint)
        )
    if action == "rotate":
        secret = services.rotate_secret(member, endpoint)
        messages.success(request, "New secret made: the old one still signs for 24 hours.")
        return _endpoint_page(request, member, _endpoint(member, pk), form, secret)
    if action == "delete":
        services.delete_endpoint(member, endpoint)
        messages.success(request, f"Removed the endpoint {endpoint.url}.")
        return redirect("api:webhooks", slug=member.workspace.slug)
    with refusals_shown(request):
        if action == "test":
            services.send_test(member, endpoint)
            messages.success(request, "Test event queued: it goes out within seconds.")
        elif action in ("on", "off"):
            services.update_endpoint(member, endpoint, active=action == "on")
            messages.success(request, f"Turned the endpoint {action}.")
    return redirect("api:webhook", slug=member.workspace.slug, pk=endpoint.pk)


@workspace_view(role=Role.MANAGER)
@require_POST
def delivery_redeliver(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Send a delivery's event again (the same webhook-id), at the end of the queue."""
    try:
        found = services.get_delivery(member, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    with refusals_shown(request):
        services.redeliver(member, found)
        messages.success(request, "Queued again: it goes out within seconds.")
    return redirect("api:webhook", slug=member.workspace.slug, pk=found.endpoint_id)
