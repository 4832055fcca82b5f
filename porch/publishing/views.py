"""The publishing pages: composer, queue and slots, calendar, a post's targets, feeds, and
the tracked-link redirect. Every page checks the user's workspace (workspace_view)."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from porch.core.feedback import refusals_shown
from porch.core.params import parse_date, parse_id, parse_int, parse_local_time
from porch.core.snippets import snippets
from porch.networks.sync import rules_for
from porch.publishing import feeds, services
from porch.publishing.compose import (
    ComposeError,
    Draft,
    Image,
    Version,
    check,
    create_post,
    problems,
    public_only,
    public_there_note,
    split_thread,
)
from porch.publishing.links import follow
from porch.publishing.models import (
    Feed,
    Pillar,
    Post,
    PostStatus,
    PostTarget,
    TargetState,
    TrackedLink,
    Visibility,
)
from porch.publishing.tasks import fetch_status
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import ConnectedAccount, Membership

WAITS = "it waits for an owner or manager to approve it."
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_IMAGES = 4


def _accounts(member: Membership) -> list[ConnectedAccount]:
    return list(member.workspace.accounts.order_by("network", "handle"))


def _picked(request: HttpRequest) -> set[int]:
    return {pk for value in request.POST.getlist("accounts") if (pk := parse_id(value))}


def _account_ids(request: HttpRequest, member: Membership) -> list[ConnectedAccount]:
    wanted = _picked(request)
    return [a for a in _accounts(member) if a.pk in wanted]


def _local_time(raw: str, zone: ZoneInfo) -> datetime | None:
    return parse_local_time(raw, zone)


def _images(request: HttpRequest) -> list[Image]:
    found = []
    for number in range(1, MAX_IMAGES + 1):
        upload = request.FILES.get(f"image_{number}")
        if upload is None:
            continue
        alt = request.POST.get(f"alt_{number}", "").strip()
        found.append(Image(upload.read(), upload.content_type or "image/jpeg", alt))
    return found


def _versions(request: HttpRequest, member: Membership, visibility: str) -> list[Version]:
    """The picked accounts' versions. For followers only, where a network has none, the
    owner's choice per account: "public" (post publicly there) or "skip" (leave it out);
    with no choice the version stays in, and the service refuses the post saying why."""
    text = request.POST.get("text", "").strip()
    found = []
    for account in _account_ids(request, member):
        choice = request.POST.get(f"public_{account.pk}", "")
        if visibility == Visibility.FOLLOWERS and public_only(account) and choice == "skip":
            continue
        version = Version(
            account,
            request.POST.get(f"text_{account.pk}", "").strip() or text,
            request.POST.get(f"thread_{account.pk}") == "on",
            public_there=choice == "public",
        )
        found.append(version)
    return found


def _draft(request: HttpRequest, member: Membership) -> Draft:
    text = request.POST.get("text", "").strip()
    visibility = request.POST.get("visibility", Visibility.PUBLIC)
    versions = _versions(request, member, visibility)
    when = request.POST.get("when", "queue")
    zone = ZoneInfo(member.workspace.timezone)
    repeat = request.POST.get("repeat_every_days", "").strip()
    return Draft(
        text=text,
        versions=versions,
        when=when if when in ("queue", "at", "draft") else "queue",
        at=_local_time(request.POST.get("at", ""), zone),
        pillar=request.POST.get("pillar", "")[:60],
        repeat_every_days=parse_int(repeat, 1, 365),
        track_links=request.POST.get("track_links") == "on",
        images=_images(request),
        confirm_duplicates=request.POST.get("confirm_duplicates") == "on",
        visibility=visibility,
    )


def _prefill(request: HttpRequest) -> dict[str, str]:
    """?text=, ?pillar= and ?visibility=followers fill the composer (a draft offered from
    another page: an answer, an offer's "Post it")."""
    followers = request.GET.get("visibility") == Visibility.FOLLOWERS
    return {
        "text": request.GET.get("text", ""),
        "pillar": request.GET.get("pillar", "")[:60],
        "visibility": Visibility.FOLLOWERS if followers else Visibility.PUBLIC,
    }


def _pillar_names(member: Membership, wanted: str) -> list[str]:
    """The workspace's themes and those its posts already use, plus the one asked for."""
    workspace = member.workspace
    named = Pillar.objects.filter(workspace=workspace).values_list("name", flat=True)
    used = Post.objects.filter(workspace=workspace).exclude(pillar="").values_list("pillar")
    names = sorted({*named, *(name for (name,) in used.distinct())})
    return names if not wanted or wanted in names else [*names, wanted]


def _public_there(request: HttpRequest, accounts: list[ConnectedAccount]) -> list[Any]:
    """Accounts whose network has no followers-only posts: the note and the owner's choice."""
    return [
        (a, public_there_note(a), request.POST.get(f"public_{a.pk}", ""))
        for a in accounts
        if public_only(a)
    ]


@workspace_view()
def compose(request: HttpRequest, member: Membership) -> HttpResponse:
    accounts = _accounts(member)
    form = request.POST or _prefill(request)
    context: dict[str, Any] = {
        "member": member,
        "accounts": accounts,
        "versions": {a.pk: request.POST.get(f"text_{a.pk}", "") for a in accounts},
        "pillars": _pillar_names(member, form.get("pillar", "")),
        "form": form,
        "followers": form.get("visibility") == Visibility.FOLLOWERS,
        "public_there": _public_there(request, accounts),
        "snippets": snippets(member.workspace),
        "warnings": [],
        "errors": [],
        "picked": _picked(request),
        "threads": {a.pk for a in accounts if request.POST.get(f"thread_{a.pk}") == "on"},
        "images": _image_fields(request),
        "when": "queue",
        "at": "",
    }
    if request.method == "POST":
        draft = _draft(request, member)
        context.update(_chosen_time(request, draft, member))
        if found := problems(draft):  # every network over its limit, not only the first
            context["errors"] = [problem.message for problem in found]
            return render(request, "publishing/compose.html", context)
        try:
            warnings = check(draft, timezone.now())
            if warnings and not draft.confirm_duplicates and draft.when != "draft":
                context["warnings"] = warnings
            else:
                post = create_post(member, signed_in_user(request), draft)
                messages.success(request, _saved_message(post))
                return redirect("post", member.workspace.slug, post.pk)
        except ComposeError as exc:
            context["errors"] = [exc.message]
    return render(request, "publishing/compose.html", context)


def _chosen_time(request: HttpRequest, draft: Draft, member: Membership) -> dict[str, str]:
    """The "When" the owner chose, to show again after an error: the choice itself, and the
    time as a datetime-local field's value (YYYY-MM-DDTHH:MM, in the workspace's zone), so
    a re-sent form never falls back to the queue or loses the time the owner picked."""
    at = request.POST.get("at", "").strip()
    if draft.at is not None:
        zone = ZoneInfo(member.workspace.timezone)
        at = f"{draft.at.astimezone(zone):%Y-%m-%dT%H:%M}"
    return {"when": draft.when, "at": at}


def _image_fields(request: HttpRequest) -> list[tuple[int, str, str]]:
    """(number, description typed, name of the file chosen) per image field: a browser
    does not keep a chosen file after an error, so the composer says which to pick again."""
    return [
        (
            number,
            request.POST.get(f"alt_{number}", ""),
            getattr(request.FILES.get(f"image_{number}"), "name", ""),
        )
        for number in range(1, MAX_IMAGES + 1)
    ]


def _saved_message(post: Post) -> str:
    if post.status == PostStatus.AWAITING_APPROVAL:
        return f"Saved: {WAITS}"
    if post.status == PostStatus.DRAFT:
        return "Saved as a draft."
    return "Scheduled."


@require_POST
@workspace_view()
def count(request: HttpRequest, member: Membership) -> JsonResponse:
    """Each picked account's length of its text by the network's own rules (the truth)."""
    text = request.POST.get("text", "")
    answer = {}
    for account in _account_ids(request, member):
        version = request.POST.get(f"text_{account.pk}", "") or text
        rules = rules_for(account)
        fits = rules.fits(version)
        answer[str(account.pk)] = {
            "length": rules.length(version),
            "max": rules.max_length,
            "fits": fits,
            "parts": [version] if fits else split_thread(version, rules),
        }
    return JsonResponse({"accounts": answer})


@workspace_view()
def post_detail(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk, workspace=member.workspace)
    targets = post.targets.select_related("account").order_by("scheduled_at", "pk")
    rows = [(t, _when(t.scheduled_at, t.account)) for t in targets]
    links = TrackedLink.objects.filter(post=post).order_by("network", "pk")
    can_approve = services.can_approve(member)
    context = {"member": member, "post": post, "rows": rows, "links": links}
    return render(request, "publishing/post.html", {**context, "can_approve": can_approve})


def _when(at: datetime | None, account: ConnectedAccount) -> str:
    if at is None:
        return "not scheduled"
    return f"{at.astimezone(ZoneInfo(account.timezone)):%a %-d %b %H:%M} ({account.timezone})"


@require_POST
@workspace_view()
def post_action(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk, workspace=member.workspace)
    action = request.POST.get("action", "")
    with refusals_shown(request):
        if action == "approve":
            services.approve(member, post)
            messages.success(request, "Approved: it goes out at its time.")
        elif action == "send_back":
            services.send_back(member, post, request.POST.get("comment", ""))
            messages.success(request, "Sent back with your comment.")
        elif action == "stop_repeating":
            services.stop_repeating(member, post)
            messages.success(request, "It will not repeat any more.")
        elif action == "submit":
            services.submit(member, post)
            messages.success(request, _saved_message(post))
    return redirect("post", member.workspace.slug, post.pk)


@require_POST
@workspace_view()
def target_action(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    target = get_object_or_404(PostTarget, pk=pk, post__workspace=member.workspace)
    action = request.POST.get("action", "")
    waits = False
    with refusals_shown(request):
        if action in ("edit", "edit_retry"):
            thread = request.POST.get("thread") == "on"
            waits = services.edit(member, target, request.POST.get("text", ""), thread)
            target.refresh_from_db()
            if action == "edit" or waits:
                messages.success(request, f"Saved: {WAITS}" if waits else "Saved.")
        if action in ("retry", "edit_retry") and not waits and services.retry(member, target):
            messages.success(request, "Trying again now.")
        if action == "reschedule":
            at = _local_time(request.POST.get("at", ""), ZoneInfo(target.account.timezone))
            if at is None:
                raise ComposeError("Pick a date and time.")
            waits = services.reschedule(member, target, at)
            messages.success(request, f"Moved: {WAITS}" if waits else "Moved.")
    return redirect("post", member.workspace.slug, target.post_id)


@workspace_view()
def queue(request: HttpRequest, member: Membership) -> HttpResponse:
    """Upcoming posts, posts waiting for approval, drafts, and each account's weekly slots."""
    workspace = member.workspace
    if request.method == "POST":
        with refusals_shown(request):
            _change_slots(request, member)
        return redirect("publishing_queue", workspace.slug)
    upcoming = PostTarget.objects.filter(
        post__workspace=workspace,
        state__in=[TargetState.SCHEDULED, TargetState.PUBLISHING, TargetState.FAILED],
    ).select_related("account", "post")
    context = {
        "member": member,
        "upcoming": [
            (t, _when(t.scheduled_at, t.account)) for t in upcoming.order_by("scheduled_at")
        ],
        "waiting": Post.objects.filter(workspace=workspace, status=PostStatus.AWAITING_APPROVAL),
        "drafts": Post.objects.filter(workspace=workspace, status=PostStatus.DRAFT)[:50],
        "accounts": [(a, a.slots.all()) for a in _accounts(member)],
        "weekdays": list(enumerate(WEEKDAYS)),
        "can_edit_slots": services.can_approve(member),
        "pillars": Pillar.objects.filter(workspace=workspace).order_by("name"),
    }
    return render(request, "publishing/queue.html", context)


def _change_slots(request: HttpRequest, member: Membership) -> None:
    """Themes and weekly posting times: parsed here, changed (role checked) in services."""
    if request.POST.get("action") == "pillar":
        services.add_pillar(member, request.POST.get("name", ""))
        return
    account = get_object_or_404(
        ConnectedAccount, pk=parse_id(request.POST.get("account")), workspace=member.workspace
    )
    if request.POST.get("action") == "remove":
        services.remove_slot(member, account, parse_id(request.POST.get("slot")))
        return
    try:
        at = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        raise ComposeError("Pick a time like 09:00.") from None
    days = (parse_int(d, 0, 6) for d in request.POST.getlist("weekday"))
    services.add_slots(member, account, at, [day for day in days if day is not None])


@workspace_view()
def calendar(request: HttpRequest, member: Membership) -> HttpResponse:
    """Week or month of posts, by day in the workspace's zone; each shows its account's time."""
    zone = ZoneInfo(member.workspace.timezone)
    view = "month" if request.GET.get("view") == "month" else "week"
    anchor = parse_date(request.GET.get("start")) or timezone.now().astimezone(zone).date()
    first, days, back, forward = _calendar_range(view, anchor)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(), tzinfo=zone)
    found = PostTarget.objects.filter(
        post__workspace=member.workspace, scheduled_at__gte=start, scheduled_at__lt=end
    ).select_related("account", "post")
    by_day: dict[date, list[tuple[PostTarget, str]]] = {}
    for target in found.order_by("scheduled_at"):
        assert target.scheduled_at is not None
        local = target.scheduled_at.astimezone(ZoneInfo(target.account.timezone))
        day = target.scheduled_at.astimezone(zone).date()
        by_day.setdefault(day, []).append((target, f"{local:%H:%M}"))
    cells = [
        (first + timedelta(days=n), by_day.get(first + timedelta(days=n), [])) for n in range(days)
    ]
    context = {
        "member": member,
        "view": view,
        "weeks": [cells[n : n + 7] for n in range(0, len(cells), 7)],
        "month": anchor if view == "month" else None,
        "back": back,
        "forward": forward,
        "zone": member.workspace.timezone,
    }
    return render(request, "publishing/calendar.html", context)


def _calendar_range(view: str, anchor: date) -> tuple[date, int, date, date]:
    """(first day shown, days shown, anchor of previous page, anchor of next page)."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, 7, first - timedelta(days=7), first + timedelta(days=7)
    month = anchor.replace(day=1)
    first = month - timedelta(days=month.weekday())
    following = (month + timedelta(days=32)).replace(day=1)
    weeks = -(-((following - first).days) // 7)
    return first, weeks * 7, (month - timedelta(days=1)).replace(day=1), following


@workspace_view()
def feeds_page(request: HttpRequest, member: Membership) -> HttpResponse:
    """Blog feeds, newsletter issues, and the "continue the conversation" footer."""
    workspace = member.workspace
    if request.method == "POST":
        url = request.POST.get("url", "").strip()
        kind = "feed" if request.POST.get("action") == "feed" else "newsletter"
        with refusals_shown(request):
            if kind == "feed" or url:  # fetched by a worker; this page shows how it went
                job = services.fetch_for_drafts(member, kind, url)
                page = reverse("publishing_feeds", args=[workspace.slug])
                return redirect(f"{page}?fetch={job}")
            post = services.newsletter_from_text(member, request.POST.get("pasted", ""))
            return redirect("post", workspace.slug, post.pk)
        return redirect("publishing_feeds", workspace.slug)
    heading, links = feeds.conversation_footer(workspace)
    context = {
        "member": member,
        "feeds": Feed.objects.filter(workspace=workspace).order_by("url"),
        "fetching": fetch_status(workspace.pk, request.GET.get("fetch", "")),
        "can_add_feeds": services.can_add_feeds(member),
        "footer_heading": heading,
        "footer_links": links,
    }
    return render(request, "publishing/feeds.html", context)


@workspace_view()
def feeds_fetch(request: HttpRequest, member: Membership, job: uuid.UUID) -> HttpResponse:
    """How a fetch from the Feeds page is going (polled by the page until it is done)."""
    fetching = fetch_status(member.workspace.pk, str(job))
    if fetching is None:
        raise Http404("No such fetch")
    feed_list = Feed.objects.filter(workspace=member.workspace).order_by("url")
    context = {"member": member, "fetching": fetching, "feeds": feed_list, "swap": True}
    return render(request, "publishing/_fetch_status.html", context)


def link_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """/l/CODE: count the click and send the visitor on (public, no workspace data shown)."""
    url = follow(code)
    if url is None:
        raise Http404("No such link")
    return redirect(url)
