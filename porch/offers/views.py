"""The owner's offer pages: the list (running, upcoming, ended, with their results), a new
or changed offer, an offer's page (terms, local dates, the shared code large, its QR, the
print sheet, "post it to followers", sending per-person codes and where each stands), and
the offer's public page its tracked link leads to. Services check every role."""

from datetime import datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from fpdf import FPDF

from porch.core.feedback import refusals_shown
from porch.errors import NotAllowed, NotFound, PorchError
from porch.offers import codes, results, sending, services
from porch.offers.forms import OfferForm, initial_of, network_note
from porch.offers.models import Code, CodeState, Give, Offer
from porch.publishing.links import short_url
from porch.publishing.models import TrackedLink
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role

# The plan's pillar for offers (porch.plans.generate.OFFERS; plans sit above offers).
OFFERS_PILLAR = "Offers for followers"
CODES_SHOWN = 200


def _offer(member: Membership, pk: int) -> Offer:
    try:
        return services.get_offer(member, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@workspace_view()
def offer_list(request: HttpRequest, member: Membership) -> HttpResponse:
    """Running, upcoming and ended offers, each with codes given, redeemed and revenue."""
    now = timezone.now()
    offers = Offer.objects.filter(workspace=member.workspace).order_by("-starts_at", "-pk")
    groups: dict[str, list[results.OfferResults]] = {"running": [], "upcoming": [], "ended": []}
    for offer in offers[:300]:
        key = (
            "upcoming" if offer.starts_at > now else "ended" if offer.ends_at <= now else "running"
        )
        groups[key].append(results.offer_results(offer, now=now))
    context = {
        "member": member,
        "groups": [
            ("Running", groups["running"]),
            ("Upcoming", groups["upcoming"]),
            ("Ended", groups["ended"]),
        ],
        "any": any(groups.values()),
        "can_change": member.at_least(Role.MANAGER),
        "zone": member.workspace.timezone,
    }
    return render(request, "offers/list.html", context)


def _form_page(
    request: HttpRequest, member: Membership, form: OfferForm, offer: Offer | None
) -> HttpResponse:
    context = {"member": member, "form": form, "offer": offer, "notes": form.notes}
    return render(request, "offers/form.html", {**context, "zone": member.workspace.timezone})


def _saved(
    request: HttpRequest, member: Membership, form: OfferForm, offer: Offer | None
) -> Offer | None:
    """Save a valid form through the services; a refusal becomes the form's error."""
    if not form.is_valid():
        return None
    try:
        if offer is None:
            return services.create_offer(member, form.offer_input())
        return services.update_offer(member, offer, form.offer_input())
    except NotAllowed:
        raise
    except PorchError as exc:
        form.add_error(None, exc.message)
        return None


@workspace_view(role=Role.MANAGER)
def offer_new(request: HttpRequest, member: Membership) -> HttpResponse:
    """A new offer."""
    if request.method != "POST":
        now = timezone.now().astimezone(ZoneInfo(member.workspace.timezone))
        start = now.replace(minute=0, second=0, microsecond=0)
        initial = {"starts_at": start.strftime("%Y-%m-%dT%H:%M")}
        # A plan's offer draft arrives prefilled (porch.plans.generate.offer_query); the
        # form checks these values as it checks typed ones.
        prefill = {
            "title": request.GET.get("title", ""),
            "terms": request.GET.get("terms", ""),
            "starts_at": request.GET.get("starts", ""),
            "ends_at": request.GET.get("ends", ""),
        }
        initial.update({field: value[:2000] for field, value in prefill.items() if value})
        return _form_page(request, member, OfferForm(member.workspace, initial=initial), None)
    form = OfferForm(member.workspace, request.POST)
    saved = _saved(request, member, form, None)
    if saved is None:
        return _form_page(request, member, form, None)
    messages.success(request, f"Made the offer {saved.title}.")
    return redirect("offers:offer", slug=member.workspace.slug, pk=saved.pk)


@workspace_view(role=Role.MANAGER)
def offer_edit(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Change an offer."""
    offer = _offer(member, pk)
    if request.method != "POST":
        form = OfferForm(member.workspace, initial=initial_of(offer), current_tag=offer.tag)
        return _form_page(request, member, form, offer)
    form = OfferForm(member.workspace, request.POST, current_tag=offer.tag)
    saved = _saved(request, member, form, offer)
    if saved is None:
        return _form_page(request, member, form, offer)
    messages.success(request, f"Saved the offer {saved.title}.")
    return redirect("offers:offer", slug=member.workspace.slug, pk=saved.pk)


def qr_target(offer: Offer) -> str:
    """What the offer's QR holds: its tracked link (made once, for an offer without one)."""
    if offer.link is None:
        services.link_offer(offer)
    assert offer.link is not None
    return short_url(offer.link)


def post_text(offer: Offer) -> str:
    """The offer as a post to followers: what, the code, until when, the link."""
    zone = ZoneInfo(offer.workspace.timezone)
    parts = [offer.title + "."]
    if offer.terms:
        parts.append(offer.terms)
    if offer.give == Give.SHARED:
        parts.append(f"Say {offer.shared_code} at the counter")
    else:
        parts.append("Followers get their own code by direct message")
    parts[-1] += f", until {_when(offer.ends_at.astimezone(zone))}."
    if offer.link is not None:
        parts.append(short_url(offer.link))
    return " ".join(parts)


def _when(at: datetime, year: bool = False) -> str:
    return f"{at.day} {at:%b}{f' {at.year}' if year else ''} {at:%H:%M}"


def compose_url(member: Membership, offer: Offer) -> str:
    query = {"text": post_text(offer), "pillar": OFFERS_PILLAR, "visibility": "followers"}
    return reverse("compose", args=[member.workspace.slug]) + "?" + urlencode(query)


def _codes(offer: Offer) -> tuple[list[Code], list[tuple[str, int]]]:
    """The first per-person codes (problems first) and how many are in each state."""
    rows = offer.codes.filter(personal=True)
    counted = dict(rows.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    counts = [(label, counted[value]) for value, label in CodeState.choices if counted.get(value)]
    shown = rows.select_related("person", "identity").order_by("state", "pk")[:CODES_SHOWN]
    return list(shown), counts


@workspace_view()
def offer_page(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """An offer: terms, local dates, the code and its QR, what happens on each network, the
    codes sent and the results."""
    offer = _offer(member, pk)
    now = timezone.now()
    shown, counts = _codes(offer) if offer.give == Give.PERSONAL else ([], [])
    notes = [network_note(name) for name in offer.networks]
    context: dict[str, Any] = {
        "member": member,
        "offer": offer,
        "zone": member.workspace.timezone,
        "results": results.offer_results(offer, now=now),
        "notes": [(note.label, note.for_give(offer.give)) for note in notes],
        "qr": codes.qr_svg(qr_target(offer)),
        "qr_target": qr_target(offer),
        "compose_url": compose_url(member, offer),
        "codes": [(code, codes.display(code)) for code in shown],
        "code_counts": counts,
        "more_codes": sum(n for _, n in counts) > len(shown),
        "can_change": member.at_least(Role.MANAGER),
        "ended": offer.ends_at <= now,
    }
    return render(request, "offers/offer.html", context)


@workspace_view(role=Role.MANAGER)
@require_POST
def send(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Queue one code per follower the offer reaches; the page then lists where each stands."""
    offer = _offer(member, pk)
    with refusals_shown(request):
        done = sending.request_codes(member, offer, now=timezone.now())
        skipped = f"; {len(done.skipped)} cannot be sent (listed below)" if done.skipped else ""
        messages.success(
            request, f"{done.queued} code{'s' if done.queued != 1 else ''} queued to send{skipped}."
        )
    return redirect("offers:offer", slug=member.workspace.slug, pk=offer.pk)


@workspace_view()
def qr(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """The offer's QR as SVG, or as PNG with ?as=png (to save or print)."""
    offer = _offer(member, pk)
    target = qr_target(offer)
    if request.GET.get("as") == "png":
        answer = HttpResponse(codes.qr_png(target, 10), content_type="image/png")
        answer["Content-Disposition"] = f'inline; filename="offer-{offer.pk}-qr.png"'
        return answer
    return HttpResponse(codes.qr_svg(target), content_type="image/svg+xml")


def _latin(text: str) -> str:
    """Helvetica has Latin-1 only: other characters become '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def dates_text(offer: Offer) -> str:
    zone = ZoneInfo(offer.workspace.timezone)
    start, end = offer.starts_at.astimezone(zone), offer.ends_at.astimezone(zone)
    return f"{_when(start, True)} to {_when(end, True)} ({zone.key})"


def print_sheet(offer: Offer) -> bytes:
    """An A4 sheet for the counter or the window: title, code, QR, dates and terms."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 24)
    pdf.multi_cell(0, 12, _latin(offer.title), align="C", new_x="LMARGIN", new_y="NEXT")
    if offer.give == Give.SHARED:
        pdf.set_font("Helvetica", "B", 32)
        pdf.cell(0, 18, _latin(offer.shared_code), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(BytesIO(codes.qr_png(qr_target(offer), 10)), x=55, w=100)
    pdf.set_font("Helvetica", "", 12)
    pdf.multi_cell(0, 7, _latin(dates_text(offer)), align="C", new_x="LMARGIN", new_y="NEXT")
    if offer.terms:
        pdf.ln(4)
        pdf.multi_cell(0, 6, _latin(offer.terms), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@workspace_view()
def print_page(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """The print sheet as a PDF."""
    offer = _offer(member, pk)
    answer = HttpResponse(print_sheet(offer), content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="offer-{offer.pk}.pdf"'
    return answer


def public(request: HttpRequest, code: str) -> HttpResponse:
    """The offer's own public page, where its tracked link leads: what, terms, dates."""
    link = TrackedLink.objects.filter(code=code[:16]).first()
    offer = Offer.objects.filter(link=link).select_related("workspace").first() if link else None
    if offer is None:
        raise Http404("No such offer.")
    context = {
        "offer": offer,
        "dates": dates_text(offer),
        "ended": offer.ends_at <= timezone.now(),
        "business": offer.workspace.name,
    }
    return render(request, "offers/offer_public.html", context)
