"""The inbox: one queue of every account's mentions, the conversation view, the response
clock, helpers' replies waiting for approval, and the inbox settings (with what triage has
learnt from the members' corrections, and undoing its last change)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from porch.core.feedback import refusals_shown
from porch.core.params import parse_id
from porch.core.who import Author, Who, describe
from porch.errors import NotAllowed
from porch.inbox import services
from porch.inbox.clock import ResponseClock, weekly
from porch.inbox.forms import (
    InboxSettingsForm,
    NoteForm,
    ReplyForm,
    SavedReplyForm,
    SendBackForm,
    TriageForm,
)
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Intent,
    Message,
    MessageKind,
    Reply,
    ReplyStatus,
    SavedReply,
)
from porch.inbox.queries import FILTERS, inbox
from porch.inbox.replies import ReplyError, check_reply
from porch.networks import registry
from porch.triage import services as triage
from porch.triage.services import LearningSummary
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Role

PAGE_SIZE = 50
STATS_WEEKS = 12


NEIGHBOURS = 500  # how far into the open queue "next" and "previous" look


def _filters(request: HttpRequest, member: Membership) -> dict[str, Any]:
    """The list's filters from the query string; values that cannot match are dropped."""
    filters: dict[str, Any] = {key: request.GET.get(key, "").strip() for key in FILTERS}
    if parse_id(filters["account"]) is None:
        filters["account"] = ""
    filters["user"] = signed_in_user(request)
    return filters


@workspace_view()
def inbox_list(request: HttpRequest, member: Membership) -> HttpResponse:
    workspace = member.workspace
    filters = _filters(request, member)
    config, now = InboxSettings.of(workspace), timezone.now()
    found = inbox(workspace, filters)
    context = {
        "member": member,
        "rows": _rows(member, list(found[:PAGE_SIZE]), config, now),
        "paused_until": services.paused_until(config, now),
        "filters": filters,
        "intents": Intent.choices,
        "networks": registry.choices(offered=True),
        "accounts": workspace.accounts.order_by("network", "handle"),
        "people": _members(member),
        "statuses": [*ConversationStatus.choices, ("all", "All")],
        "pending": services.pending_replies(member).count() if member.at_least(Role.MANAGER) else 0,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "inbox/_rows.html", context)
    context["learnt"] = triage.learnt(workspace)  # the full page only, not each 3 s refresh
    return render(request, "inbox/list.html", context)


@dataclass(frozen=True)
class Row:
    """One line of the list, with its words worked out once per page, not per row."""

    convo: Conversation
    clock: ResponseClock
    url: str
    intent: str
    network: str
    status: str
    urgency: str


def _rows(
    member: Membership, found: list[Conversation], config: InboxSettings, now: datetime
) -> list[Row]:
    prefix = reverse("conversation", args=[member.workspace.slug, 0]).removesuffix("0/")
    intents, statuses = dict(Intent.choices), dict(ConversationStatus.choices)
    networks = dict(registry.choices())
    return [
        Row(
            convo=c,
            clock=services.clock_of(c, config, now),
            url=f"{prefix}{c.pk}/",
            intent=intents.get(c.intent, c.intent),
            network=networks.get(c.account.network, c.account.network),
            status=statuses.get(c.status, c.status),
            urgency=f"{c.urgency:.2f}",
        )
        for c in found
    ]


def _conversation(member: Membership, pk: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("account", "workspace"),
        pk=pk,
        workspace=member.workspace,
    )


def _members(member: Membership) -> list[tuple[int, str]]:
    people = member.workspace.members.select_related("user").order_by("user__email")
    return [(m.user.pk, m.user.email) for m in people]


def _length(convo: Conversation, text: str) -> dict[str, Any]:
    """The reply box's counter; without the network's rules there is no counter."""
    try:
        return {"check": check_reply(convo.account, text), "convo": convo}
    except ReplyError:
        return {"check": None, "convo": convo}


@workspace_view()
def conversation(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    messages_ = list(convo.messages.select_related("workspace").order_by("sent_at"))
    customer = next((m for m in reversed(messages_) if m.kind != MessageKind.OURS), None)
    saved = (
        [(s, s.fill(customer)) for s in member.workspace.saved_replies.order_by("title")]
        if customer
        else []
    )
    earlier = convo.workspace.messages.filter(author_handle=convo.contact_handle).exclude(
        conversation=convo
    )
    unsent = services.unsent_replies(member, signed_in_user(request), convo)
    contact = _authors_known(convo, messages_)
    text = request.GET.get("text", "")
    initial = {"status": convo.status, "intent": convo.intent, "assigned_to": convo.assigned_to_id}
    config, now = InboxSettings.of(member.workspace), timezone.now()
    context = {
        "member": member,
        "convo": convo,
        "clock": services.clock_of(convo, config, now),
        "paused_until": services.paused_until(config, now),
        "neighbours": _neighbours(request, member, convo),
        "thread": _thread(messages_, list(unsent)),
        "saved": saved,
        "earlier": earlier.select_related("account").order_by("-sent_at")[:10],
        "who": contact,
        "notes": convo.notes.select_related("author").order_by("created_at"),
        "can_approve": member.at_least(Role.MANAGER),
        "reply_form": ReplyForm(initial={"text": text}),
        "needs_approval": services.needs_approval(member),
        "note_form": NoteForm(auto_id="id_note_%s"),  # the reply box is id_text
        "send_back_form": SendBackForm(),
        "triage_form": TriageForm(initial=initial, members=_members(member)),
        **_length(convo, text),
    }
    return render(request, "inbox/conversation.html", context)


def _neighbours(request: HttpRequest, member: Membership, convo: Conversation) -> dict[str, int]:
    """The previous and next conversation of the open queue (j and k on the page)."""
    queue = list(
        inbox(member.workspace, _filters(request, member)).values_list("pk", flat=True)[:NEIGHBOURS]
    )
    found: dict[str, int] = {}
    if convo.pk not in queue:
        if queue:
            found["next"] = queue[0]
        return found
    at = queue.index(convo.pk)
    if at > 0:
        found["previous"] = queue[at - 1]
    if at + 1 < len(queue):
        found["next"] = queue[at + 1]
    return found


def _authors_known(convo: Conversation, sent: list[Message]) -> Who | None:
    """Who the contact and each message's author are (one question to core for the page):
    each message gets `who` (a Who, or None); the contact's is returned."""
    contact = Author(convo.account.network, convo.contact_id, convo.contact_handle)
    authors = {m.pk: Author(m.network, m.author_id, m.author_handle) for m in sent}
    known = describe(convo.workspace, [contact, *authors.values()])
    for message in sent:
        mine = message.kind == MessageKind.OURS
        message.who = None if mine else known.get(authors[message.pk])  # type: ignore[attr-defined]
    return known.get(contact)


def _thread(sent: list[Message], unsent: list[Reply]) -> list[Message | Reply]:
    """The conversation in order, with the replies not sent yet where they were written."""
    entries: list[Message | Reply] = [*sent, *unsent]
    return sorted(entries, key=lambda e: e.sent_at if isinstance(e, Message) else e.created_at)


@workspace_view()
@require_POST
def reply_check(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """The reply box's counter, as the network counts (htmx, while typing)."""
    convo = _conversation(member, pk)
    return render(request, "inbox/_length.html", _length(convo, request.POST.get("text", "")))


@workspace_view()
@require_POST
def reply(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    form = ReplyForm(request.POST)
    back = redirect("conversation", slug=member.workspace.slug, pk=pk)
    if not form.is_valid():
        messages.error(request, "The reply is empty: write something first.")
        return back
    with refusals_shown(request):
        text, resolve = form.cleaned_data["text"], form.cleaned_data["resolve"]
        sent = services.submit_reply(member, signed_in_user(request), convo, text, resolve=resolve)
        _tell(request, sent)
        if resolve:
            _tell_resolved(request, sent)
    return back


def _tell_resolved(request: HttpRequest, reply: Reply) -> None:
    if reply.status == ReplyStatus.PENDING:
        messages.info(request, "The conversation is resolved when your reply is approved.")
    elif reply.status != ReplyStatus.FAILED:
        messages.success(request, "Conversation resolved.")


@workspace_view()
@require_POST
def resolve(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Mark the conversation done (the Resolve button, or e on the page)."""
    convo = _conversation(member, pk)
    with refusals_shown(request):
        services.resolve(member, convo)
        messages.success(request, "Conversation resolved.")
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


def _tell(request: HttpRequest, reply: Reply) -> None:
    """What became of a reply just written, approved or tried again."""
    network = reply.conversation.account.get_network_display()
    if reply.status == ReplyStatus.PENDING:
        messages.info(
            request, "Your reply is saved and waits for an owner or manager to approve it."
        )
    elif reply.status == ReplyStatus.SENT:
        messages.success(request, f"Reply sent on {network}.")
    elif reply.status == ReplyStatus.FAILED:
        messages.error(request, reply.error)
    else:
        messages.warning(request, f"{reply.error} Your reply is kept in the conversation.")


def _reply(member: Membership, pk: int) -> Reply:
    return get_object_or_404(
        Reply.objects.select_related("conversation__account", "conversation__workspace"),
        pk=pk,
        conversation__workspace=member.workspace,
    )


def _back(request: HttpRequest, member: Membership, reply: Reply) -> HttpResponse:
    """Back to the page the decision was made on: the conversation or the approvals list."""
    slug = member.workspace.slug
    if request.POST.get("from") == "conversation":
        return redirect("conversation", slug=slug, pk=reply.conversation_id)
    return redirect("approvals", slug=slug)


@workspace_view(Role.MANAGER)
@require_POST
def approve(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Send a helper's reply: queued by one conditional UPDATE, so it goes out once."""
    approval = _reply(member, pk)
    if services.approve(member, signed_in_user(request), approval):
        _tell(request, approval)
    else:
        messages.info(request, "This reply was already approved or sent back.")
    return _back(request, member, approval)


@workspace_view(Role.MANAGER)
@require_POST
def send_back(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    approval = _reply(member, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["comment"]))
        return _back(request, member, approval)
    user, comment = signed_in_user(request), form.cleaned_data["comment"]
    if services.send_back(member, user, approval, comment):
        messages.success(request, "Sent back to the helper with your comment.")
    else:
        messages.info(request, "This reply was already approved or sent back.")
    return _back(request, member, approval)


@workspace_view()
@require_POST
def retry_reply(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Try a failed reply again (its author, an owner or a manager)."""
    failed = _reply(member, pk)
    if services.retry(member, signed_in_user(request), failed):
        _tell(request, failed)
    else:
        messages.info(request, "This reply is already being sent.")
    return redirect("conversation", slug=member.workspace.slug, pk=failed.conversation_id)


@workspace_view()
@require_POST
def discard_reply(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Remove a failed or sent-back reply (its author, an owner or a manager)."""
    unsent = _reply(member, pk)
    if services.discard(member, signed_in_user(request), unsent):
        messages.success(request, "Reply discarded.")
    else:
        messages.info(request, "This reply is being sent, so it cannot be discarded now.")
    return redirect("conversation", slug=member.workspace.slug, pk=unsent.conversation_id)


@workspace_view(Role.MANAGER)
def approvals(request: HttpRequest, member: Membership) -> HttpResponse:
    waiting = services.pending_replies(member).select_related("conversation__account", "author")
    context = {
        "member": member,
        "waiting": waiting.order_by("created_at"),
        "send_back_form": SendBackForm(),
    }
    return render(request, "inbox/approvals.html", context)


@workspace_view()
@require_POST
def update(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Status, intent (a correction the triage model learns from) and who handles it."""
    convo = _conversation(member, pk)
    form = TriageForm(request.POST, members=_members(member))
    if not form.is_valid():
        messages.error(request, services.NOT_SAVED)
        return redirect("conversation", slug=member.workspace.slug, pk=pk)
    with refusals_shown(request):
        services.update_conversation(member, signed_in_user(request), convo, **form.cleaned_data)
        messages.success(request, "Saved.")
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


@workspace_view()
@require_POST
def add_note(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        with refusals_shown(request):
            services.add_note(member, signed_in_user(request), convo, form.cleaned_data["text"])
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


@workspace_view(Role.MANAGER)
def saved_replies(request: HttpRequest, member: Membership) -> HttpResponse:
    form = SavedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_saved_reply(member, form.cleaned_data["title"], form.cleaned_data["text"])
        messages.success(request, f"Saved “{form.cleaned_data['title']}”.")
        return redirect("saved_replies", slug=member.workspace.slug)
    items = member.workspace.saved_replies.order_by("title")
    return render(
        request, "inbox/saved_replies.html", {"member": member, "form": form, "items": items}
    )


@workspace_view(Role.MANAGER)
def saved_reply_edit(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    """Change a saved reply's title or text, or (POST with `delete`) remove it."""
    item = get_object_or_404(SavedReply, pk=pk, workspace=member.workspace)
    if request.method == "POST" and "delete" in request.POST:
        services.delete_saved_reply(member, item)
        messages.success(request, f"Deleted “{item.title}”.")
        return redirect("saved_replies", slug=member.workspace.slug)
    initial = {"title": item.title, "text": item.text}
    form = SavedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        title, text = form.cleaned_data["title"], form.cleaned_data["text"]
        services.change_saved_reply(member, item, title, text)
        messages.success(request, f"Saved “{item.title}”.")
        return redirect("saved_replies", slug=member.workspace.slug)
    context = {"member": member, "form": form, "item": item}
    return render(request, "inbox/saved_reply_edit.html", context)


@workspace_view()
def inbox_settings(request: HttpRequest, member: Membership) -> HttpResponse:
    """The settings (owner or manager) and what Porch has learnt (every member sees it)."""
    if not member.at_least(Role.MANAGER):
        if request.method == "POST":
            raise NotAllowed("Only an owner or manager can change the inbox settings.")
        return render(request, "inbox/settings.html", _learning(member))
    config = InboxSettings.of(member.workspace)
    form = InboxSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        services.save_settings(member, form.save(commit=False))
        messages.success(request, "Inbox settings saved.")
        return redirect("inbox_settings", slug=member.workspace.slug)
    context = {
        **_learning(member),
        "form": form,
        "workspace_zone": member.workspace.timezone,
        "hours_from": config.get_hours_from_display(),
    }
    return render(request, "inbox/settings.html", context)


def _learning(member: Membership) -> dict[str, Any]:
    """The "What Porch has learnt" card: the figures, and how long ago each change was."""
    learning = triage.learning_summary(member.workspace)
    return {
        "member": member,
        "learning": learning,
        "ago": _ago(learning, timezone.now()),
        "manages": member.at_least(Role.MANAGER),
        "can_undo": learning.can_undo and member.at_least(Role.MANAGER),
    }


def _ago(learning: LearningSummary, now: datetime) -> dict[str, str]:
    """ "2 hours ago" (one unit, as a person says it), or "just now", for the last change,
    the one in use, and the change undone and its undo."""
    last, in_use, undone = learning.last, learning.in_use, learning.undone
    when = {
        "last": last.at if last else None,
        "in_use": in_use.at if in_use else None,
        "undone_made": undone.at if undone else None,
        "undone": undone.undone_at if undone else None,
    }
    return {key: _since(at, now) for key, at in when.items() if at is not None}


def _since(at: datetime, now: datetime) -> str:
    return "just now" if now - at < timedelta(minutes=1) else f"{timesince(at, now, depth=1)} ago"


@workspace_view(Role.MANAGER)
@require_POST
def undo_learning(request: HttpRequest, member: Membership) -> HttpResponse:
    """Undo the last change triage made from the corrections (owner or manager)."""
    shown = parse_id(request.POST.get("version"))  # the version the page showed in use
    with refusals_shown(request):
        triage.undo_retrain(member.workspace, member, shown)
        messages.success(
            request,
            "Undone: Porch sorts your inbox as it did before the last change. Your corrections "
            "are kept, and the next one you make teaches it again.",
        )
    return redirect("inbox_settings", slug=member.workspace.slug)  # the card and the message


@workspace_view()
def response_times(request: HttpRequest, member: Membership) -> HttpResponse:
    """Per week: median and 90th-percentile first response, share answered within target."""
    config = InboxSettings.of(member.workspace)
    since = timezone.now() - timedelta(weeks=STATS_WEEKS)
    arrived = member.workspace.conversations.filter(
        first_message_at__gte=since, intent__in=services.NEEDS_ANSWER
    ).values_list("first_message_at", "first_response_at")
    context = {
        "member": member,
        "config": config,
        "weeks": weekly(config.hours(), config.first_response_target, list(arrived)),
        "target": config.first_response_target,
    }
    return render(request, "inbox/response_times.html", context)
