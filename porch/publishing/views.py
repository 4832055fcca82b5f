"""The publishing pages: composer, queue and slots, calendar, a post's targets, feeds, and
the tracked-link redirect. Every page checks the user's workspace (workspace_view)."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from porch.networks.sync import rules_for
from porch.publishing import changes, feeds
from porch.publishing.compose import (
    ComposeError,
    Draft,
    Image,
    Version,
    check,
    create_post,
    split_thread,
)
from porch.publishing.links import follow
from porch.publishing.models import (
    Feed,
    Pillar,
    Post,
    PostingSlot,
    PostStatus,
    PostTarget,
    TargetState,
    TrackedLink,
)
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import ConnectedAccount, Membership, Role

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_IMAGES = 4


def _accounts(member: Membership) -> list[ConnectedAccount]:
    return list(member.workspace.accounts.order_by("network", "handle"))


def _account_ids(request: HttpRequest, member: Membership) -> list[ConnectedAccount]:
    wanted = {value for value in request.POST.getlist("accounts") if value.isdigit()}
    return [a for a in _accounts(member) if str(a.pk) in wanted]


def _local_time(raw: str, zone: ZoneInfo) -> datetime | None:
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return naive.replace(tzinfo=zone)


def _images(request: HttpRequest) -> list[Image]:
    found = []
    for number in range(1, MAX_IMAGES + 1):
        upload = request.FILES.get(f"image_{number}")
        if upload is None:
            continue
        alt = request.POST.get(f"alt_{number}", "").strip()
        found.append(Image(upload.read(), upload.content_type or "image/jpeg", alt))
    return found


def _draft(request: HttpRequest, member: Membership) -> Draft:
    text = request.POST.get("text", "").strip()
    versions = [
        Version(
            account,
            request.POST.get(f"text_{account.pk}", "").strip() or text,
            request.POST.get(f"thread_{account.pk}") == "on",
        )
        for account in _account_ids(request, member)
    ]
    when = request.POST.get("when", "queue")
    zone = ZoneInfo(member.workspace.timezone)
    repeat = request.POST.get("repeat_every_days", "").strip()
    return Draft(
        text=text,
        versions=versions,
        when=when if when in ("queue", "at", "draft") else "queue",
        at=_local_time(request.POST.get("at", ""), zone),
        pillar=request.POST.get("pillar", "")[:60],
        repeat_every_days=int(repeat) if repeat.isdigit() and 0 < int(repeat) <= 365 else None,
        track_links=request.POST.get("track_links") == "on",
        images=_images(request),
        confirm_duplicates=request.POST.get("confirm_duplicates") == "on",
    )


@workspace_view()
def compose(request: HttpRequest, member: Membership) -> HttpResponse:
    context: dict[str, Any] = {
        "member": member,
        "accounts": _accounts(member),
        "versions": {a.pk: request.POST.get(f"text_{a.pk}", "") for a in _accounts(member)},
        "pillars": Pillar.objects.filter(workspace=member.workspace).order_by("name"),
        "form": request.POST,
        "warnings": [],
        "picked": {int(v) for v in request.POST.getlist("accounts") if v.isdigit()},
        "image_numbers": range(1, MAX_IMAGES + 1),
    }
    if request.method == "POST":
        draft = _draft(request, member)
        try:
            warnings = check(draft, timezone.now())
            if warnings and not draft.confirm_duplicates and draft.when != "draft":
                context["warnings"] = warnings
            else:
                post = create_post(member, signed_in_user(request), draft)
                messages.success(request, _saved_message(post))
                return redirect("post", member.workspace.slug, post.pk)
        except ComposeError as exc:
            context["error"] = str(exc)
    return render(request, "publishing/compose.html", context)


def _saved_message(post: Post) -> str:
    if post.status == PostStatus.AWAITING_APPROVAL:
        return "Saved: it waits for an owner or manager to approve it."
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
    can_approve = member.at_least(Role.MANAGER)
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
    try:
        if action in ("approve", "send_back") and not member.at_least(Role.MANAGER):
            raise PermissionDenied("Only an owner or manager can approve posts.")
        if action == "approve" and post.status == PostStatus.AWAITING_APPROVAL:
            changes.approve(post)
            messages.success(request, "Approved: it goes out at its time.")
        elif action == "send_back" and post.status == PostStatus.AWAITING_APPROVAL:
            changes.send_back(post, request.POST.get("comment", ""))
            messages.success(request, "Sent back with your comment.")
        elif action == "stop_repeating":
            Post.objects.filter(pk=post.pk).update(repeat_every_days=None)
            messages.success(request, "It will not repeat any more.")
        elif action == "submit" and post.status == PostStatus.DRAFT:
            changes.submit(post, member)
            messages.success(request, _saved_message(post))
    except ComposeError as exc:
        messages.error(request, str(exc))
    return redirect("post", member.workspace.slug, post.pk)


@require_POST
@workspace_view()
def target_action(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    target = get_object_or_404(PostTarget, pk=pk, post__workspace=member.workspace)
    action = request.POST.get("action", "")
    try:
        if action in ("edit", "edit_retry"):
            thread = request.POST.get("thread") == "on"
            changes.edit(target, request.POST.get("text", ""), thread)
            target.refresh_from_db()
        if action in ("retry", "edit_retry") and changes.retry(target):
            messages.success(request, "Trying again now.")
        if action == "reschedule":
            at = _local_time(request.POST.get("at", ""), ZoneInfo(target.account.timezone))
            if at is None:
                raise ComposeError("Pick a date and time.")
            changes.reschedule(target, at)
            messages.success(request, "Moved.")
    except ComposeError as exc:
        messages.error(request, str(exc))
    return redirect("post", member.workspace.slug, target.post_id)


@workspace_view()
def queue(request: HttpRequest, member: Membership) -> HttpResponse:
    """Upcoming posts, posts waiting for approval, drafts, and each account's weekly slots."""
    workspace = member.workspace
    if request.method == "POST" and member.at_least(Role.MANAGER):
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
        "can_edit_slots": member.at_least(Role.MANAGER),
        "pillars": Pillar.objects.filter(workspace=workspace).order_by("name"),
    }
    return render(request, "publishing/queue.html", context)


def _change_slots(request: HttpRequest, member: Membership) -> None:
    if request.POST.get("action") == "pillar":
        name = request.POST.get("name", "").strip()[:60]
        if name:
            Pillar.objects.get_or_create(workspace=member.workspace, name=name)
        else:
            messages.error(request, "Give the theme a name, like Specials or Behind the scenes.")
        return
    account = get_object_or_404(
        ConnectedAccount, pk=request.POST.get("account", "0"), workspace=member.workspace
    )
    if request.POST.get("action") == "remove":
        PostingSlot.objects.filter(account=account, pk=request.POST.get("slot", "0")).delete()
        return
    try:
        at = time.fromisoformat(request.POST.get("time", ""))
        weekdays = [int(d) for d in request.POST.getlist("weekday") if d in "0123456"]
    except ValueError:
        messages.error(request, "Pick a time like 09:00.")
        return
    if not weekdays:
        messages.error(request, "Pick at least one day.")
    for weekday in weekdays:
        PostingSlot.objects.get_or_create(account=account, weekday=weekday, time=at)


@workspace_view()
def calendar(request: HttpRequest, member: Membership) -> HttpResponse:
    """Week or month of posts, by day in the workspace's zone; each shows its account's time."""
    zone = ZoneInfo(member.workspace.timezone)
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        anchor = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        anchor = timezone.now().astimezone(zone).date()
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
        try:
            if request.POST.get("action") == "feed":
                feeds.add_feed(workspace, request.POST.get("url", "").strip())
                messages.success(request, "Feed added: each new blog post becomes a draft.")
            else:
                post = feeds.newsletter_draft(
                    workspace,
                    url=request.POST.get("url", "").strip(),
                    pasted=request.POST.get("pasted", ""),
                )
                return redirect("post", workspace.slug, post.pk)
        except feeds.FeedError as exc:
            messages.error(request, str(exc))
        return redirect("publishing_feeds", workspace.slug)
    heading, links = feeds.conversation_footer(workspace)
    context = {
        "member": member,
        "feeds": Feed.objects.filter(workspace=workspace).order_by("url"),
        "footer_heading": heading,
        "footer_links": links,
    }
    return render(request, "publishing/feeds.html", context)


def link_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """/l/CODE: count the click and send the visitor on (public, no workspace data shown)."""
    url = follow(code)
    if url is None:
        raise Http404("No such link")
    return redirect(url)
