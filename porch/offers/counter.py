"""The counter: staff type (or scan) a code and see at once whether to give the offer.

Three ways in, one page:

    /w/<slug>/counter/   a signed-in member, any role
    /till/<token>/       a staff link: remembered in the session, then on to /till/
    /c/<code>/           a code's QR: staff get the counter with it filled in, anyone
                         else sees the code large with the offer's terms

Unknown codes are counted (porch/offers/guesses.py); a till past its limit gets 429.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from porch.core.feedback import refusals_shown
from porch.offers import guesses, staff
from porch.offers.codes import display, fold, qr_svg
from porch.offers.forms_counter import RedeemForm, StaffLinkForm
from porch.offers.models import Code, Source, StaffLink
from porch.offers.redeem import Answer, check, find, find_personal, redeem
from porch.offers.services import running
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role, Workspace
from porch.workspaces.signin import client_ip


@dataclass(frozen=True)
class Till:
    """Who is redeeming: a member, or a staff link; and what their wrong codes count in."""

    workspace: Workspace
    user: User | None
    link: StaffLink | None
    scopes: list[guesses.Scope]
    action: str
    can_manage: bool = False


def _member_till(request: HttpRequest, member: Membership) -> Till:
    scopes = guesses.for_member(member.user_id, client_ip(request))
    action = reverse("offers:counter", args=[member.workspace.slug])
    manager = member.at_least(Role.MANAGER)
    return Till(member.workspace, member.user, None, scopes, action, manager)


def _link_till(request: HttpRequest, link: StaffLink) -> Till:
    scopes = guesses.for_link(link.pk, link.workspace_id, client_ip(request))
    return Till(link.workspace, None, link, scopes, reverse("offers:till"))


def paused_page(request: HttpRequest, till: Till | None = None) -> HttpResponse:
    context = {"minutes": guesses.minutes(), "till": till}
    return render(request, "offers/counter_paused.html", context, status=429)


def _counter_page(request: HttpRequest, till: Till) -> HttpResponse:
    now = timezone.now()
    offers = running(till.workspace, now)
    answer: Answer | None = None
    if request.method == "POST":
        form = RedeemForm(request.POST, offers=offers)
        if form.is_valid():
            if guesses.paused(till.scopes, now):
                return paused_page(request, till)
            answer = _redeem(till, form, now)
            if answer.kind == "unknown" and not guesses.count_wrong(till.scopes, now):
                return paused_page(request, till)
            chosen = form.cleaned_data.get("offer") or ""
            form = RedeemForm(offers=offers, initial={"offer": chosen})
    else:
        prefill = fold(request.GET.get("code", ""))[:32]
        form = RedeemForm(offers=offers, initial={"code": prefill})
    context = {"till": till, "form": form, "answer": answer, "offers": offers}
    return render(request, "offers/counter.html", context)


def _redeem(till: Till, form: RedeemForm, now: Any) -> Answer:
    answer = redeem(
        till.workspace,
        form.cleaned_data["code"],
        now=now,
        offer=form.chosen_offer(),
        amount=form.cleaned_data.get("amount"),
        by_user=till.user,
        by_link=till.link,
        source=Source.STAFF if till.link else Source.COUNTER,
    )
    if till.link is not None:
        staff.used_now(till.link, now)
    return answer


@workspace_view(role=Role.HELPER)
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, member: Membership) -> HttpResponse:
    return _counter_page(request, _member_till(request, member))


@require_http_methods(["GET", "POST"])
def till(request: HttpRequest) -> HttpResponse:
    link = staff.active_link(request)
    if link is None:
        return render(request, "offers/counter_closed.html", status=403)
    return _counter_page(request, _link_till(request, link))


@require_http_methods(["GET"])
def till_enter(request: HttpRequest, token: str) -> HttpResponse:
    if staff.enter(request, token, now=timezone.now()) is None:
        return render(request, "offers/counter_closed.html", status=404)
    return redirect("offers:till")


@workspace_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def staff_links(request: HttpRequest, member: Membership) -> HttpResponse:
    form = StaffLinkForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request):
            link, token = staff.create_link(member, form.cleaned_data["label"])
            url = request.build_absolute_uri(reverse("offers:till_enter", args=[token]))
            made = {"link": link, "url": url, "qr": qr_svg(url)}
            form = StaffLinkForm()
    context = {"member": member, "form": form, "made": made, "links": staff.links(member)}
    return render(request, "offers/staff_links.html", context)


@workspace_view(role=Role.MANAGER)
@require_POST
def staff_link_revoke(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    with refusals_shown(request):
        link = staff.revoke(member, pk, now=timezone.now())
        messages.success(request, f"“{link.label}” no longer opens the counter.")
    return redirect("offers:staff_links", member.workspace.slug)


@require_http_methods(["GET"])
def code(request: HttpRequest, code: str) -> HttpResponse:
    """A code's QR: staff get the counter with it filled in; anyone else, the code shown."""
    now = timezone.now()
    address = client_ip(request)
    link = staff.active_link(request)
    if link is not None:
        scopes = guesses.for_link(link.pk, link.workspace_id, address)
    elif request.user.is_authenticated:
        scopes = guesses.for_member(int(request.user.pk), address)
    else:
        scopes = guesses.for_public(address)
    if guesses.paused(scopes, now):
        return paused_page(request)
    found = _staff_code(request, link, code)
    if found is not None:
        return redirect(f"{found}?code={fold(code)}")
    personal = find_personal(code)
    if personal is None:
        if not guesses.count_wrong(scopes, now):
            return paused_page(request)
        return render(request, "offers/code.html", {"answer": None}, status=404)
    answer = check(personal.workspace, personal.code, now=now)
    context = {"answer": answer, "code": personal, "shown": display(personal)}
    return render(request, "offers/code.html", context)


def _staff_code(request: HttpRequest, link: StaffLink | None, text: str) -> str | None:
    """The counter to redeem `text` at, when the visitor is staff of its workspace."""
    if link is not None and find(link.workspace, text) is not None:
        return reverse("offers:till")
    if not request.user.is_authenticated:
        return None
    folded = fold(text)
    mine = Code.objects.filter(code=folded, workspace__members__user=request.user)
    found = mine.select_related("workspace").order_by("pk").first() if folded else None
    return reverse("offers:counter", args=[found.workspace.slug]) if found else None
