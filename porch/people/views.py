"""People: everyone who talks to or about the business (the list, found by name or handle,
status and tag), and each person's page: who they are on each network and whether they
follow the business there, what the owner knows (status, tags, note, lead won, joint
venture), who they may also be (merge suggestions), and their history across networks with
how they felt. Every change goes through porch.people's services, which check the role."""

import json
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from porch.core.charts import COLOURS
from porch.core.feedback import refusals_shown
from porch.core.params import parse_int
from porch.errors import NotFound
from porch.networks import registry
from porch.people import history, leads, merge, panels, peers, privacy, services
from porch.people.forms import FindForm, PersonForm, WonForm
from porch.people.models import (
    Follow,
    FollowSync,
    Identity,
    Merge,
    MergeSuggestion,
    Person,
    Status,
    SuggestionState,
)
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role

RECENT_MERGES = 20


def _person(member: Membership, pk: int) -> Person:
    try:
        return services.person_of(member, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _labels() -> dict[str, str]:
    return dict(registry.choices())


@workspace_view()
def people(request: HttpRequest, member: Membership) -> HttpResponse:
    """The list: last seen first, a page at a time, with how many of each status."""
    form = FindForm(request.GET)
    find = form.cleaned_data if form.is_valid() else {}
    page = parse_int(request.GET.get("page"), 1, 1_000_000) or 1
    found = services.people_list(
        member,
        find.get("q", ""),
        find.get("status", ""),
        find.get("tag", ""),
        bool(find.get("leads")),
        page,
    )
    labels = _labels()
    handles: dict[int, list[tuple[str, Identity]]] = {}
    for identity in Identity.objects.filter(person__in=found.rows).order_by("network", "handle"):
        label = labels.get(identity.network, identity.network)
        handles.setdefault(identity.person_id, []).append((label, identity))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "member": member,
        "form": form,
        "list": found,
        "rows": [(person, handles.get(person.pk, [])) for person in found.rows],
        "counts": [(value, label, found.counts.get(value, 0)) for value, label in Status.choices],
        "everyone": sum(found.counts.values()),
        "query": urlencode(query),
        "open_merges": MergeSuggestion.objects.filter(
            workspace=member.workspace, state=SuggestionState.OPEN
        ).count(),
    }
    return render(request, "people/list.html", context)


def _follow_lines(member: Membership, identities: list[Identity]) -> dict[int, list[str]]:
    """Per identity, whether it follows each of the business's accounts on its network, or
    why Porch cannot say (a network that does not give follower lists, or gives part)."""
    accounts = list(member.workspace.accounts.order_by("handle"))
    follows = set(
        Follow.objects.filter(identity__in=identities, gone_at__isnull=True).values_list(
            "identity_id", "account_id"
        )
    )
    syncs = {s.account_id: s for s in FollowSync.objects.filter(account__in=accounts)}
    lines: dict[int, list[str]] = {}
    for identity in identities:
        try:
            can = registry.descriptor(identity.network).can
        except ValueError:
            continue
        mine = [a for a in accounts if a.network == identity.network]
        if not can.followers:
            lines[identity.pk] = [can.followers_note or "This network does not say who follows."]
            continue
        said = []
        for account in mine:
            sync = syncs.get(account.pk)
            if (identity.pk, account.pk) in follows:
                said.append(f"Follows @{account.handle}")
            elif sync is None or (sync.synced_at is None and not sync.cursor):
                said.append(f"Not known yet if they follow @{account.handle}")
            else:
                said.append(f"Does not follow @{account.handle}")
            if can.followers == "budget":
                said.append((sync.partial if sync else "") or can.followers_note or _PARTIAL)
        lines[identity.pk] = said
    return lines


_PARTIAL = "The follower list is partial here: it is read within the monthly read budget."


CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 600, 180, 24, 20


def feeling_chart(months: list[history.Month]) -> str:
    """Their messages and hits a month, stacked by how they felt, as a small inline <svg>
    (hand-written, every text escaped; a title and a summary for screen readers)."""
    tallest = max((month.total for month in months), default=0) or 1
    slot = CHART_WIDTH / max(1, len(months))
    room = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    parts = [_legend()]
    for n, month in enumerate(months):
        x, y = n * slot + slot * 0.15, float(CHART_HEIGHT - CHART_BOTTOM)
        said = ", ".join(f"{getattr(month, mood)} {mood}" for mood in COLOURS)
        label = f"{month.month:%b %Y}: {said}"
        bars = []
        for mood, colour in COLOURS.items():
            tall = room * getattr(month, mood) / tallest
            y -= tall
            if tall:
                bars.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        f"{x:.1f}",
                        f"{y:.1f}",
                        f"{slot * 0.7:.1f}",
                        f"{tall:.1f}",
                        colour,
                    )
                )
        parts.append(
            format_html(
                '<g><title>{}</title>{}<text x="{}" y="{}" font-size="10" text-anchor="middle">'
                "{}</text></g>",
                label,
                mark_safe("".join(bars)),
                f"{n * slot + slot / 2:.1f}",
                CHART_HEIGHT - 6,
                f"{month.month:%b %y}",
            )
        )
    summary = "; ".join(
        f"{m.month:%b %Y}: {m.negative} negative, {m.neutral} neutral, {m.positive} positive"
        for m in months
        if m.total
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="feeling-title feeling-desc"><title id="feeling-title">{}</title>'
        '<desc id="feeling-desc">{}</desc>{}</svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        "Their messages and posts a month, by feeling",
        summary,
        mark_safe("".join(parts)),
    )


def _legend() -> str:
    return mark_safe(
        "".join(
            format_html(
                '<rect x="{}" y="4" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="13" font-size="10">{}</text>',
                n * 80,
                colour,
                n * 80 + 14,
                mood.capitalize(),
            )
            for n, (mood, colour) in enumerate(COLOURS.items())
        )
    )


@workspace_view()
def person(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """A person's page; `older` pages on through their history."""
    found = _person(member, pk)
    mark = history.Mark.parse(request.GET.get("older"))
    page = history.history_page(found, mark)
    identities = list(found.identities.order_by("network", "handle"))
    follows = _follow_lines(member, identities)
    labels = _labels()
    months = history.feeling_by_month(found, timezone.now()) if mark is None else []
    initial = {
        "status": found.status,
        "tags": ", ".join(found.tags),
        "note": found.note,
        "venture": found.venture,
    }
    context = {
        "member": member,
        "person": found,
        "identities": [
            (i, labels.get(i.network, i.network), follows.get(i.pk, [])) for i in identities
        ],
        "entries": [(e, labels.get(e.network, e.network)) for e in page.entries],
        "page": page,
        "older": mark is not None,
        "chart": feeling_chart(months) if any(m.total for m in months) else "",
        "form": PersonForm(initial=initial),
        "won_form": WonForm(initial={"day": member.workspace.today()}),
        "can_change": member.at_least(Role.MANAGER),
        "suggestions": _suggestions_of(found),
        "merges": Merge.objects.filter(into=found, undone_at__isnull=True).order_by("-created_at"),
        "panels": panels.panels(member, found),
    }
    return render(request, "people/person.html", context)


def _suggestions_of(person: Person) -> list[tuple[MergeSuggestion, Person]]:
    """The open suggestions that this person may be someone else, with that other person."""
    open_ = MergeSuggestion.objects.filter(state=SuggestionState.OPEN, workspace=person.workspace)
    rows = (open_.filter(a=person) | open_.filter(b=person)).select_related("a", "b")
    return [(s, s.b if s.a_id == person.pk else s.a) for s in rows.order_by("-score")]


def _back(request: HttpRequest, member: Membership, fallback: str) -> HttpResponse:
    """Back to the people page the action was taken on (only one of this workspace)."""
    here = request.POST.get("next", "")
    start = reverse("people:list", args=[member.workspace.slug])
    if here.startswith(start) and "//" not in here and "\\" not in here:
        return redirect(here)
    return redirect(fallback)


def _page(member: Membership, person_pk: int) -> str:
    return reverse("people:person", args=[member.workspace.slug, person_pk])


@workspace_view()
@require_POST
def update(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Save the person's status, tags, note and joint venture."""
    found = _person(member, pk)
    form = PersonForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(_page(member, pk))
    data = form.cleaned_data
    with refusals_shown(request):
        services.update_person(
            member, found, status=data["status"], tags=data["tags"], note=data["note"]
        )
        if data["venture"] != found.venture:
            peers.set_venture(member, found, data["venture"])
        messages.success(request, f"Saved {found}.")
    return redirect(_page(member, pk))


@workspace_view()
@require_POST
def won(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Mark the lead won, with the amount (the money view counts it)."""
    found = _person(member, pk)
    form = WonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the amount won (more than 0) and the day.")
        return redirect(_page(member, pk))
    day = form.cleaned_data["day"]
    when = datetime.combine(day, time(12), tzinfo=ZoneInfo(member.workspace.timezone))
    with refusals_shown(request):
        leads.mark_won(member, found, form.cleaned_data["amount"], when)
        messages.success(request, f"Marked {found} won: {form.cleaned_data['amount']}.")
    return redirect(_page(member, pk))


@workspace_view()
def merges(request: HttpRequest, member: Membership) -> HttpResponse:
    """The open merge suggestions, strongest first, and the recent merges (to undo)."""
    workspace = member.workspace
    context = {
        "member": member,
        "suggestions": MergeSuggestion.objects.filter(
            workspace=workspace, state=SuggestionState.OPEN
        )
        .select_related("a", "b")
        .prefetch_related("a__identities", "b__identities")
        .order_by("-score", "pk"),
        "merges": Merge.objects.filter(workspace=workspace)
        .select_related("into")
        .order_by("-created_at")[:RECENT_MERGES],
        "can_change": member.at_least(Role.MANAGER),
    }
    return render(request, "people/merges.html", context)


def _suggestion(member: Membership, pk: int) -> MergeSuggestion:
    return get_object_or_404(MergeSuggestion, pk=pk, workspace=member.workspace)


@workspace_view()
@require_POST
def merge_confirm(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """They are one person: merge them (it can be undone)."""
    suggestion = _suggestion(member, pk)
    fallback = reverse("people:merges", args=[member.workspace.slug])
    with refusals_shown(request):
        done = merge.confirm_merge(member, suggestion)
        messages.success(request, f"Merged into {done.into}. Undo it from Merges if it was wrong.")
        fallback = _page(member, done.into_id)
    return _back(request, member, fallback)


@workspace_view()
@require_POST
def merge_dismiss(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """They are two people: the suggestion goes, and is not made again."""
    suggestion = _suggestion(member, pk)
    with refusals_shown(request):
        merge.dismiss(member, suggestion)
        messages.success(request, "Kept apart: Porch will not suggest this merge again.")
    return _back(request, member, reverse("people:merges", args=[member.workspace.slug]))


@workspace_view()
@require_POST
def merge_undo(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Undo a merge: the person merged away is back with their identities."""
    done = get_object_or_404(Merge, pk=pk, workspace=member.workspace)
    with refusals_shown(request):
        merge.undo_merge(member, done)
        messages.success(request, "Merge undone: they are two people again.")
    return _back(request, member, reverse("people:merges", args=[member.workspace.slug]))


@workspace_view()
def erase(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Erase a person on request: a page that says what goes, then (POST) erase it all."""
    found = _person(member, pk)
    if request.method == "POST":
        name = str(found)
        with refusals_shown(request):
            privacy.erase_person(member, found)
            messages.success(request, f"Erased {name} and everything Porch held about them.")
            return redirect("people:list", slug=member.workspace.slug)
        return redirect("people:erase", slug=member.workspace.slug, pk=pk)
    context = {"member": member, "person": found, "identities": found.identities.all()}
    return render(request, "people/erase.html", context)


@workspace_view()
def export(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Everything Porch holds about the person, as a JSON file to hand them."""
    found = _person(member, pk)
    data: dict[str, Any] = privacy.export_person(member, found)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    answer = HttpResponse(body, content_type="application/json; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="person-{found.pk}.json"'
    return answer
