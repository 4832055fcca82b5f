"""The inbox: one queue of every account's mentions, and the conversation view."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from porch.inbox.forms import NoteForm, ReplyForm, SavedReplyForm, TriageForm
from porch.inbox.models import Conversation, ConversationStatus, Intent, Note, SavedReply
from porch.inbox.queries import FILTERS, inbox
from porch.inbox.replies import ReplyError, send_reply
from porch.triage.services import record_correction
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Network, Role

PAGE_SIZE = 50


@workspace_view()
def inbox_list(request: HttpRequest, member: Membership) -> HttpResponse:
    filters: dict[str, object] = {key: request.GET.get(key, "") for key in FILTERS}
    filters["user"] = signed_in_user(request)
    rows = list(inbox(member.workspace, filters)[:PAGE_SIZE])
    context = {
        "member": member,
        "rows": rows,
        "filters": filters,
        "intents": Intent.choices,
        "networks": Network.choices,
        "statuses": [*ConversationStatus.choices, ("all", "All")],
    }
    template = "inbox/_rows.html" if request.htmx else "inbox/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _conversation(member: Membership, pk: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("account"), pk=pk, workspace=member.workspace
    )


def _members(member: Membership) -> list[tuple[int, str]]:
    people = member.workspace.members.select_related("user").order_by("user__email")
    return [(m.user.pk, m.user.email) for m in people]


@workspace_view()
def conversation(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    thread = list(convo.messages.order_by("sent_at"))
    customer = next((m for m in reversed(thread) if m.kind != "ours"), None)
    saved = (
        [(s, s.fill(customer)) for s in member.workspace.saved_replies.order_by("title")]
        if customer
        else []
    )
    earlier = convo.workspace.messages.filter(author_handle=convo.contact_handle).exclude(
        conversation=convo
    )
    initial = {"status": convo.status, "intent": convo.intent, "assigned_to": convo.assigned_to_id}
    context = {
        "member": member,
        "convo": convo,
        "thread": thread,
        "saved": saved,
        "earlier": earlier.select_related("account").order_by("-sent_at")[:10],
        "notes": convo.notes.select_related("author").order_by("created_at"),
        "reply_form": ReplyForm(initial={"text": request.GET.get("text", "")}),
        "note_form": NoteForm(),
        "triage_form": TriageForm(initial=initial, members=_members(member)),
    }
    return render(request, "inbox/conversation.html", context)


@workspace_view()
@require_POST
def reply(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reply is empty: write something first.")
    else:
        try:
            send_reply(convo, form.cleaned_data["text"])
            messages.success(request, f"Reply sent on {convo.account.get_network_display()}.")
        except ReplyError as exc:
            messages.error(request, str(exc))
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


def correct(convo: Conversation, intent: str, user: User) -> None:
    """The owner's label becomes a correction that retrains the workspace's triage model."""
    latest = convo.messages.exclude(kind="ours").order_by("-sent_at").first()
    if latest is not None:
        record_correction(convo.workspace, latest.text, intent, user)
        latest.intent = intent
        latest.save(update_fields=["intent"])


@workspace_view()
@require_POST
def update(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    form = TriageForm(request.POST, members=_members(member))
    if form.is_valid():
        if form.cleaned_data["intent"] != convo.intent:
            correct(convo, form.cleaned_data["intent"], signed_in_user(request))
        convo.status = form.cleaned_data["status"]
        convo.intent = form.cleaned_data["intent"]
        convo.assigned_to_id = form.cleaned_data["assigned_to"]
        if convo.status == ConversationStatus.RESOLVED and convo.resolved_at is None:
            convo.resolved_at = timezone.now()
        convo.save()
        messages.success(request, "Saved.")
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


@workspace_view()
@require_POST
def add_note(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    convo = _conversation(member, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        Note.objects.create(
            conversation=convo, author=signed_in_user(request), text=form.cleaned_data["text"]
        )
    return redirect("conversation", slug=member.workspace.slug, pk=pk)


@workspace_view(Role.MANAGER)
def saved_replies(request: HttpRequest, member: Membership) -> HttpResponse:
    form = SavedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        SavedReply.objects.create(workspace=member.workspace, **form.cleaned_data)
        return redirect("saved_replies", slug=member.workspace.slug)
    items = member.workspace.saved_replies.order_by("title")
    return render(
        request, "inbox/saved_replies.html", {"member": member, "form": form, "items": items}
    )
