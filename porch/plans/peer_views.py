"""The peers page: suggested peers with why, the saved ones with their joint ventures, and
the actions (follow, save, draft an introduction, venture stage, dismiss, look again)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from porch.core.feedback import refusals_shown
from porch.errors import InputError
from porch.people import peers as people
from porch.people.models import PeerState, PeerSuggestion, Venture
from porch.plans import peers as discovery
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


def _page(
    request: HttpRequest,
    member: Membership,
    draft: discovery.Introduction | None = None,
    drafted: PeerSuggestion | None = None,
) -> HttpResponse:
    mine = PeerSuggestion.objects.filter(workspace=member.workspace)
    context = {
        "member": member,
        "can_edit": member.at_least(Role.MANAGER),
        "suggested": list(mine.filter(state=PeerState.SUGGESTED).order_by("-score", "pk")),
        "saved": list(
            mine.filter(state=PeerState.SAVED).select_related("person").order_by("handle")
        ),
        "dismissed": mine.filter(state=PeerState.DISMISSED).count(),
        "ranked_at": mine.order_by("-ranked_at").values_list("ranked_at", flat=True).first(),
        "ventures": Venture.choices,
        "draft": draft,
        "drafted": drafted,
    }
    return render(request, "plans/peers.html", context)


@workspace_view()
def peers(request: HttpRequest, member: Membership) -> HttpResponse:
    return _page(request, member)


def _act(request: HttpRequest, member: Membership, suggestion: PeerSuggestion) -> None:
    action = request.POST.get("action", "")
    name = suggestion.display_name or suggestion.handle
    if action == "follow":
        people.follow(member, suggestion, timezone.now())
        messages.success(request, f"You follow {name} now.")
    elif action == "save":
        people.save_as_peer(member, suggestion)
        messages.success(request, f"{name} is saved as a peer, with a joint venture idea.")
    elif action == "dismiss":
        people.dismiss(member, suggestion)
        messages.success(request, f"{name} will not be suggested again.")
    elif action == "venture" and suggestion.person is not None:
        people.set_venture(member, suggestion.person, request.POST.get("venture", ""))
        messages.success(request, f"The joint venture with {name} is updated.")
    else:
        raise InputError("Porch cannot do that with a suggestion.")


@require_POST
@workspace_view()
def peer_action(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Follow, save, dismiss or set the venture's stage (then back to the page); or draft
    an introduction (the page again, with the draft)."""
    suggestion = get_object_or_404(PeerSuggestion, pk=pk, workspace=member.workspace)
    if request.POST.get("action") == "draft":
        draft = discovery.draft_introduction(member, suggestion)
        return _page(request, member, draft, suggestion)
    with refusals_shown(request):
        _act(request, member, suggestion)
    return redirect("plan_peers", slug=member.workspace.slug)


@require_POST
@workspace_view()
def look_again(request: HttpRequest, member: Membership) -> HttpResponse:
    with refusals_shown(request):
        count = discovery.look_again(member, timezone.now())
        messages.success(request, f"Looked again. Peers to consider: {count}.")
    return redirect("plan_peers", slug=member.workspace.slug)
