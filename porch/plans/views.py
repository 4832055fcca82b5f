"""The workshop wizard, the plan page, its exports, accepting, reviews and versions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from porch.core.params import parse_int
from porch.listening.services import searches_of
from porch.plans import export, services
from porch.plans.generate import WEEKDAYS, offer_query
from porch.plans.models import Plan
from porch.plans.questions import (
    STEP_KEYS,
    STEPS,
    WEEKDAY_NAMES,
    Answers,
    Question,
    form_value,
    parse_days,
    parse_time,
    step_by_key,
)
from porch.plans.services import latest_plan, plan_accounts, resume_step, workshop_of
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Role, Workspace


def _plan_or_404(workspace: Workspace, request: HttpRequest) -> Plan:
    version = request.GET.get("version", "")
    plans = Plan.objects.filter(workspace=workspace)
    number = parse_int(version, 1)
    found = plans.filter(version=number).first() if number is not None else plans.first()
    if found is None:
        raise Http404("No plan yet: run the workshop first.")
    return found


def _field(question: Question, value: Any) -> dict[str, Any]:
    if question.kind == "opening":
        return _opening_field(question, value)
    if isinstance(value, list):
        shown = "\n".join(str(v) for v in value)
        picked = [str(v) for v in value]
    else:
        shown = "" if value is None else str(value)
        picked = [shown]
    return {"q": question, "value": shown, "picked": picked}


def _opening_field(question: Question, value: Any) -> dict[str, Any]:
    """The opening-hours question: a check box per day and the two times, as saved or as
    just typed (after an error)."""
    given = value if isinstance(value, dict) else {}
    picked = [str(day) for day in parse_days(given.get("days"))]
    return {
        "q": question,
        "days": [(str(n), name) for n, name in enumerate(WEEKDAY_NAMES)],
        "picked": picked,
        "opens": parse_time(given.get("opens")) or str(given.get("opens") or ""),
        "closes": parse_time(given.get("closes")) or str(given.get("closes") or ""),
    }


@workspace_view(Role.MANAGER)
def wizard(request: HttpRequest, member: Membership, step: str = "") -> HttpResponse:
    workshop = workshop_of(member.workspace)
    slug = member.workspace.slug
    if step not in STEP_KEYS:
        return redirect("plan_step", slug=slug, step=resume_step(workshop))
    current = step_by_key(step)
    index = STEP_KEYS.index(step)
    values: Answers = dict(workshop.answers)
    errors: dict[str, str] = {}
    if request.method == "POST":
        raw: Answers = {q.key: form_value(q, request.POST) for q in current.questions}
        errors = services.answer_step(member, current, raw)
        if not errors:
            if request.POST.get("action") == "finish" or index == len(STEPS) - 1:
                plan = services.finish_workshop(member)
                messages.success(request, f"Your plan is ready (version {plan.version}).")
                return redirect("plan", slug=slug)
            if request.POST.get("action") == "stop":
                messages.success(request, "Saved. Come back any time to carry on.")
                return redirect("plan", slug=slug)
            return redirect("plan_step", slug=slug, step=STEP_KEYS[index + 1])
        values.update(raw)
    context = {
        "member": member,
        "step": current,
        "steps": STEPS,
        "number": index + 1,
        "total": len(STEPS),
        "percent": round(100 * index / len(STEPS)),
        "previous": STEP_KEYS[index - 1] if index else "",
        "fields": [_field(q, values.get(q.key)) for q in current.questions],
        "errors": errors,
        "last": index == len(STEPS) - 1,
    }
    return render(request, "plans/wizard.html", context, status=400 if errors else 200)


@workspace_view()
def plan_page(request: HttpRequest, member: Membership) -> HttpResponse:
    plan = latest_plan(member.workspace)
    accepted = Plan.objects.filter(workspace=member.workspace, accepted_at__isnull=False).first()
    context = {
        "member": member,
        "plan": plan,
        "content": plan.content if plan else None,
        "accepted": accepted,
        "slots": [f"{WEEKDAYS[s['weekday']]} {s['time']}" for s in plan.content["routine"]["slots"]]
        if plan
        else [],
        "accounts": plan_accounts(plan) if plan else [],
        "steps": services.next_steps(member.workspace) if plan else [],
        "searches": searches_of(member),
        "can_edit": member.at_least(Role.MANAGER),
        "resume": workshop_of(member.workspace).step,
        "offer_query": offer_query(plan.content["offer"], member.workspace.today())
        if plan and plan.content.get("offer")
        else "",
    }
    return render(request, "plans/plan.html", context)


@require_POST
@workspace_view(Role.MANAGER)
def accept(request: HttpRequest, member: Membership) -> HttpResponse:
    plan = _plan_or_404(member.workspace, request)
    setup = services.accept(plan, member, signed_in_user(request))
    messages.success(request, setup.line())
    return redirect("plan", slug=member.workspace.slug)


@require_POST
@workspace_view(Role.MANAGER)
def review(request: HttpRequest, member: Membership) -> HttpResponse:
    plan = services.review_now(member)
    if plan is None:
        messages.error(request, "Accept a plan first: the review compares your week with it.")
    else:
        messages.success(request, f"The review proposes version {plan.version}: see below.")
    return redirect("plan_versions", slug=member.workspace.slug)


@workspace_view()
def versions(request: HttpRequest, member: Membership) -> HttpResponse:
    plans = list(Plan.objects.filter(workspace=member.workspace))
    context = {"member": member, "plans": plans, "can_edit": member.at_least(Role.MANAGER)}
    return render(request, "plans/versions.html", context)


def _with_steps(plan: Plan) -> dict[str, Any]:
    """The plan's content with its next actions as they stand now (what is done left out)."""
    return {**plan.content, "actions": services.next_steps(plan.workspace)}


@workspace_view()
def export_markdown(request: HttpRequest, member: Membership) -> HttpResponse:
    plan = _plan_or_404(member.workspace, request)
    text = export.markdown(member.workspace.name, plan.version, _with_steps(plan))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{member.workspace.slug}.md"'
    return response


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@workspace_view()
def export_pdf(request: HttpRequest, member: Membership) -> HttpResponse:
    plan = _plan_or_404(member.workspace, request)
    data = export.pdf([(member.workspace.name, plan.version, _with_steps(plan))])
    return _pdf_response(data, f"plan-{member.workspace.slug}.pdf")


def _my_plans(request: HttpRequest) -> list[tuple[Workspace, Plan | None]]:
    user = signed_in_user(request)
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    return [
        (m.workspace, latest_plan(m.workspace)) for m in memberships.order_by("workspace__name")
    ]


@login_required
def all_plans(request: HttpRequest) -> HttpResponse:
    """Every workspace's plan, for someone who runs the workshop for several businesses."""
    rows = _my_plans(request)
    managed = Membership.objects.filter(
        user=signed_in_user(request), role__in=[Role.OWNER, Role.MANAGER]
    ).values_list("workspace_id", flat=True)
    context = {"rows": rows, "any_plan": any(p for _, p in rows), "editable": set(managed)}
    return render(request, "plans/all.html", context)


@login_required
def all_plans_pdf(request: HttpRequest) -> HttpResponse:
    plans = [(w.name, p.version, p.content) for w, p in _my_plans(request) if p is not None]
    if not plans:
        raise Http404("None of your workspaces has a plan yet.")
    return _pdf_response(export.pdf(plans), "plans.pdf")
