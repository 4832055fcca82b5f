"""Listening: the workspace's searches (add, change, pause, remove) and the streams of what
they find, one per search and one over all, live and filterable, with mute, not relevant
(and, in the stream's hidden view, relevant after all) and take to inbox. Every change
goes through porch.listening.services."""

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from porch.core.charts import svg
from porch.core.feedback import refusals_shown
from porch.core.params import parse_int
from porch.core.who import Author, describe
from porch.errors import NotAllowed, PorchError
from porch.inbox.services import needs_approval
from porch.listening import analytics, services
from porch.listening.charts import volume_chart
from porch.listening.firehose import stream_note, streaming
from porch.listening.forms import SYNTAX, MuteForm, SearchForm
from porch.listening.models import Hit, Mute, Search
from porch.listening.stream import FILTERS, Filters, Mark, judged_hidden, stream_page
from porch.networks import registry
from porch.triage.base import Intent, Sentiment
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


def _networks(member: Membership) -> list[tuple[str, str, bool]]:
    """(name, label, can search) of the networks an owner can connect, and of those the
    workspace has an account on (the demo's made-up one)."""
    used = set(member.workspace.accounts.values_list("network", flat=True))
    return [
        (network.name, network.label, network.can.search)
        for network in registry.descriptors()
        if network.connect_urls or network.name in used
    ]


def _form(member: Membership, data: Any = None, initial: Any = None) -> SearchForm:
    choices = [(name, label) for name, label, _ in _networks(member)]
    return SearchForm(data, initial=initial, networks=choices)


def _save(member: Membership, form: SearchForm, search: Search | None) -> Search | None:
    """Create or change the search from a valid form; a refusal is the form's error."""
    data = form.cleaned_data
    values = (data["name"], data["query"], data["kind"], data["networks"], data["budget"])
    try:
        if search is None:
            return services.create_search(member, *values)
        return services.edit_search(member, search, *values)
    except NotAllowed:
        raise
    except PorchError as exc:
        form.add_error(None, exc.message)
        return None


@workspace_view()
def listening(request: HttpRequest, member: Membership) -> HttpResponse:
    """The searches, and (owner or manager) the form that adds one."""
    form = _form(member, request.POST or None, initial={"networks": _searchable(member)})
    if request.method == "POST" and form.is_valid():
        search = _save(member, form, None)
        if search is not None:
            messages.success(request, f"Listening for {search.query}.")
            return redirect("listening", slug=member.workspace.slug)
    searches = list(services.searches_of(member))
    counts = services.week_counts(member, timezone.now() - timedelta(days=7))
    connected = set(member.workspace.accounts.values_list("network", flat=True))
    reading = streaming()
    context = {
        "member": member,
        "rows": [(s, counts.get(s.pk, 0), *_runs(s, connected, reading)) for s in searches],
        "form": form,
        "networks": _networks(member),
        "syntax": SYNTAX,
        "can_change": member.at_least(Role.MANAGER),
        "mutes": Mute.objects.filter(workspace=member.workspace).order_by("kind", "value"),
    }
    return render(request, "listening/list.html", context)


def _searchable(member: Membership) -> list[str]:
    return [name for name, _, can in _networks(member) if can]


def _runs(search: Search, connected: set[str], reading: bool) -> tuple[list[str], str]:
    """The networks it waits on an account for, and what it says of the live stream (a
    network's firehose needs no account: it is read for every workspace)."""
    note = stream_note(search, reading)
    live = {n.name for n in registry.descriptors() if n.firehose} if note == "live" else set()
    labels = dict(registry.choices())
    waiting = [labels.get(name, name) for name in search.networks if name not in connected | live]
    return waiting, note


def _search(member: Membership, pk: int) -> Search:
    return get_object_or_404(Search, pk=pk, workspace=member.workspace)


@workspace_view(Role.MANAGER)
def edit(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Change a search, or (POST with `delete`) remove it."""
    search = _search(member, pk)
    if request.method == "POST" and "delete" in request.POST:
        services.delete_search(member, search)
        messages.success(request, f"Deleted the search {search.name}.")
        return redirect("listening", slug=member.workspace.slug)
    initial = {
        "name": search.name,
        "query": search.query,
        "kind": search.kind,
        "networks": search.networks,
        "budget": search.monthly_read_budget,
    }
    form = _form(member, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(member, form, search):
        messages.success(request, f"Saved the search {search.name}.")
        return redirect("listening", slug=member.workspace.slug)
    context = {"member": member, "form": form, "search": search, "syntax": SYNTAX}
    context["networks"] = _networks(member)
    return render(request, "listening/edit.html", context)


@workspace_view(Role.MANAGER)
@require_POST
def pause(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Pause a search, or resume it (POST `active=1`)."""
    search = services.pause_search(member, _search(member, pk), request.POST.get("active") == "1")
    messages.success(request, f"{'Resumed' if search.active else 'Paused'} {search.name}.")
    return redirect("listening", slug=member.workspace.slug)


def _stream(request: HttpRequest, member: Membership, search: Search | None) -> HttpResponse:
    filters = Filters.parse({key: request.GET.get(key, "") for key in FILTERS})
    after = Mark.parse(request.GET.get("after"))
    page = stream_page(member, search, filters, after)
    taken = services.conversations_of(member, page.hits)
    authors = [(hit, Author(hit.network, hit.author_id, hit.author_handle)) for hit in page.hits]
    who = describe(member.workspace, [author for _, author in authors])  # one question a page
    context = {
        "member": member,
        "search": search,
        "filters": filters,
        "after": after,
        "page": page,
        "rows": [(hit, taken.get(hit.pk), who.get(author)) for hit, author in authors],
        "query": filters.query,
        "shown_query": replace(filters, hidden=False).query,
        "hidden_query": replace(filters, hidden=True).query,
        "here": request.get_full_path(),
        "networks": registry.choices(),
        "intents": Intent.choices,
        "sentiments": Sentiment.choices,
        "can_mute": member.at_least(Role.MANAGER),
        "engaging": {network.name for network in registry.descriptors() if network.can.engage},
        "searches": services.searches_of(member),
        "judged_hidden": 0 if filters.hidden else judged_hidden(member, search, filters),
        "looking": services.looking(member, search) if search else [],
    }
    template = "listening/_hits.html" if request.htmx else "listening/stream.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@workspace_view()
def stream(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    return _stream(request, member, _search(member, pk))


@workspace_view()
def stream_all(request: HttpRequest, member: Membership) -> HttpResponse:
    return _stream(request, member, None)


def _hit(member: Membership, pk: int) -> Hit:
    return get_object_or_404(Hit, pk=pk, workspace=member.workspace)


def _back(request: HttpRequest, member: Membership) -> HttpResponse:
    """Back to the stream the action was taken on (only a listening page of this workspace)."""
    here = request.POST.get("next", "")
    start = reverse("listening", args=[member.workspace.slug])
    if here.startswith(start) and "//" not in here and "\\" not in here:
        return redirect(here)
    return redirect("listening_stream_all", slug=member.workspace.slug)


@workspace_view()
@require_POST
def take(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """The hit becomes an inbox conversation: on to it, to answer."""
    hit = _hit(member, pk)
    with refusals_shown(request):
        convo = services.take_to_inbox(member, hit)
        messages.success(request, f"{hit.author_handle}'s post is in the inbox: answer it here.")
        return redirect("conversation", slug=member.workspace.slug, pk=convo.pk)
    return _back(request, member)


@workspace_view(Role.MANAGER)
@require_POST
def engage(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Like or repost the hit, or follow its author (the form's `action`)."""
    hit = _hit(member, pk)
    action = request.POST.get("action", "")
    with refusals_shown(request):
        services.engage(member, hit, action)
        done = {"like": "Liked", "repost": "Reposted", "follow": "Followed"}[action]
        messages.success(request, f"{done} from your account: @{hit.author_handle}'s post.")
    return _back(request, member)


@workspace_view()
@require_POST
def reply(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Answer the hit: it goes to the inbox and the reply out through its outbox."""
    hit = _hit(member, pk)
    with refusals_shown(request):
        answer = services.reply(member, hit, request.POST.get("text", ""))
        messages.success(request, f"Reply to @{hit.author_handle}: {answer.get_status_display()}.")
    return _back(request, member)


@workspace_view()
@require_POST
def not_relevant(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    services.mark_not_relevant(member, _hit(member, pk))
    messages.success(request, "Marked not relevant: it is hidden from the streams.")
    return _back(request, member)


@workspace_view()
@require_POST
def relevant(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """A hidden hit is relevant after all: back in the streams, and the model learns it."""
    services.mark_relevant(member, _hit(member, pk))
    messages.success(request, "Marked relevant: it is back in the streams.")
    return _back(request, member)


@workspace_view(Role.MANAGER)
@require_POST
def mute(request: HttpRequest, member: Membership) -> HttpResponse:
    """Mute an author or a word (the form's `kind` and `value`) in every stream."""
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the author or word to mute.")
        return _back(request, member)
    with refusals_shown(request):
        found = services.mute(member, request.POST.get("kind", ""), form.cleaned_data["value"])
        messages.success(request, f"Muted {found.value}: its posts are hidden from the streams.")
    return _back(request, member)


@workspace_view(Role.MANAGER)
@require_POST
def unmute(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    found = get_object_or_404(Mute, pk=pk, workspace=member.workspace)
    services.unmute(member, found)
    messages.success(request, f"{found.value} is no longer muted.")
    return redirect("listening", slug=member.workspace.slug)


SAY_DAYS = 30


def _answer_url(member: Membership, question: analytics.Question) -> str:
    """The composer, its text a helpful post that answers the question."""
    draft = f"Often asked: “{question.phrasing}” Here is the answer: "
    url = reverse("compose", args=[member.workspace.slug])
    return f"{url}?{urlencode({'text': draft})}"


@workspace_view()
def say(request: HttpRequest, member: Membership, pk: int | None = None) -> HttpResponse:
    """What people say (one search's hits, or all): volume and feeling by day, share of
    voice, the topics they raise and the questions they keep asking."""
    workspace = member.workspace
    search = _search(member, pk) if pk is not None else None
    days = analytics.volume(workspace, search, SAY_DAYS)
    since = timezone.now() - timedelta(days=SAY_DAYS)
    hits = analytics.recent_hits(workspace, search, limit=3000, since=since)
    asked = analytics.questions(hits)[:10]
    stream_url = (
        reverse("listening_stream", args=[workspace.slug, search.pk])
        if search
        else reverse("listening_stream_all", args=[workspace.slug])
    )
    context = {
        "member": member,
        "search": search,
        "days": SAY_DAYS,
        "total": sum(day.total for day in days),
        "chart": svg(volume_chart(days)),
        "voices": analytics.share_of_voice(workspace, since=since),
        "topics": analytics.topics(hits)[:8],
        "questions": [(q, _answer_url(member, q), services.newest_askers(q.hits)) for q in asked],
        "answer_max": services.ANSWER_MOST,
        "answers_wait": needs_approval(member),
        "questions_url": f"{stream_url}?questions=1",
        "searches": services.searches_of(member),
    }
    return render(request, "listening/say.html", context)


@workspace_view()
@require_POST
def answer(request: HttpRequest, member: Membership) -> HttpResponse:
    """Reply to the people who asked a recurring question: the form's `text` to the posts
    `hit` (its askers' newest, as the page listed them); each is checked again."""
    pks = {parse_int(raw, 1, 2**63 - 1) for raw in request.POST.getlist("hit")}
    hits = list(Hit.objects.filter(pk__in=pks - {None}, workspace=member.workspace))
    if not hits or len(hits) != len(pks):
        raise Http404("No such question in this workspace.")
    asked = len({hit.author_handle.lower() for hit in hits})
    with refusals_shown(request):
        count = services.answer_askers(member, hits, request.POST.get("text", ""))
        people = f"{count} {'person' if count == 1 else 'people'}"
        if not count:
            done = "Each of them has this answer already: nothing was sent again"
        elif needs_approval(member):
            done = f"{count} {'reply waits' if count == 1 else 'replies wait'} for approval"
        else:
            done = f"Replied to {people}"
        if count and asked > services.ANSWER_MOST:
            done += f": the {count} of {asked} who asked last ({services.ANSWER_MOST} at a time)"
        messages.success(request, f"{done}.")
    return _back(request, member)
