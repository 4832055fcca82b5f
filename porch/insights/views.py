"""Insights pages: what works, history import with progress, time and money, the weekly report."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from porch.core.params import upload_too_big
from porch.insights import charts
from porch.insights.activity import add_time
from porch.insights.coverage import coverage
from porch.insights.formats import currency_symbol, money
from porch.insights.forms import ImportForm, OutsideTimeForm, RevenueForm, too_big_message
from porch.insights.models import HistoryImport
from porch.insights.money import where_the_money_is
from porch.insights.report import ReportError, build_report, parse_week, render_pdf, week_label
from porch.insights.services import add_revenue, start_import
from porch.insights.whatworks import MIN_POSTS, best_times, what_works
from porch.workspaces.access import signed_in_user, workspace_view
from porch.workspaces.models import Membership, Role, Workspace


@workspace_view()
def what_works_page(request: HttpRequest, member: Membership) -> HttpResponse:
    workspace = member.workspace
    accounts = list(workspace.accounts.order_by("network", "handle"))
    chosen = next((a for a in accounts if str(a.pk) == request.GET.get("account")), None)
    best = []
    for account in [chosen] if chosen else accounts:
        slots = best_times(account)
        best.append((account, [f"{date(2024, 1, 1 + d):%A} {h:02d}:00" for d, h in slots]))
    sections = [s for s in what_works(workspace, chosen) if s.findings]
    known = coverage(workspace, chosen)
    context = {
        "member": member,
        "accounts": accounts,
        "chosen": chosen,
        "sections": sections,
        "best": best,
        "known": known,
        "enough": any(f.enough for s in sections for f in s.findings),
        "has_accounts": bool(accounts),
        "min_posts": MIN_POSTS,
    }
    return render(request, "insights/what_works.html", context)


@workspace_view(Role.MANAGER)
def import_history_page(request: HttpRequest, member: Membership) -> HttpResponse:
    workspace = member.workspace
    if request.method == "POST" and upload_too_big(request, settings.IMPORT_MAX_MB):
        messages.error(request, too_big_message())  # refused before the body is read
        return redirect("insights_import", slug=workspace.slug)
    form = ImportForm(workspace, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_import(member, form.cleaned_data["account"], form.cleaned_data["file"])
        return redirect("insights_import_progress", slug=workspace.slug, pk=job.pk)
    jobs = HistoryImport.objects.filter(account__workspace=workspace).select_related("account")
    context = {"member": member, "form": form, "jobs": jobs.order_by("-created_at")[:10]}
    return render(request, "insights/import.html", context)


@workspace_view(Role.MANAGER)
def import_progress(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    job = get_object_or_404(
        HistoryImport.objects.select_related("account"), pk=pk, account__workspace=member.workspace
    )
    partial = request.htmx  # type: ignore[attr-defined]
    template = "insights/import_progress.html" if partial else "insights/import_job.html"
    return render(request, template, {"member": member, "job": job})


@workspace_view()
def money_page(request: HttpRequest, member: Membership) -> HttpResponse:
    workspace = member.workspace
    time_form = OutsideTimeForm(request.POST if request.POST.get("form") == "time" else None)
    revenue_form = RevenueForm(request.POST if request.POST.get("form") == "revenue" else None)
    if request.method == "POST":
        if time_form.is_bound and time_form.is_valid():
            data = time_form.cleaned_data
            user = signed_in_user(request)
            minutes = data["minutes"]
            add_time(workspace.pk, user.pk, data["day"], data["activity"], minutes * 60, True)
            messages.success(request, f"Logged {data['minutes']} minutes outside Porch.")
            return redirect("insights_money", slug=workspace.slug)
        if revenue_form.is_bound and revenue_form.is_valid():
            revenue = add_revenue(member, **revenue_form.cleaned_data)
            symbol = currency_symbol(workspace)
            messages.success(request, f"Added {money(revenue.amount, symbol)} of revenue.")
            return redirect("insights_money", slug=workspace.slug)
    days = _days(request.GET.get("days"))
    end = workspace.today() + timedelta(days=1)
    context = {
        "member": member,
        "page": where_the_money_is(workspace, end - timedelta(days=days), end),
        "days": days,
        "time_form": time_form,
        "revenue_form": revenue_form,
    }
    return render(request, "insights/money.html", context)


def _days(value: str | None) -> int:
    return int(value) if value in ("7", "30", "90", "365") else 30


def _week(request: HttpRequest, workspace: Workspace) -> str:
    """The week asked for, else last week on the workspace's calendar; a workspace made
    this past week (last week is empty for it) sees this week so far."""
    if request.GET.get("week"):
        return request.GET["week"]
    now = timezone.now()
    new = now - timedelta(days=7) < workspace.created_at <= now
    return week_label(workspace.today() - timedelta(days=0 if new else 7))


def _weeks_around(week: str) -> tuple[str, str]:
    """The weeks before and after, for the page's links."""
    monday = parse_week(week)
    return week_label(monday - timedelta(days=7)), week_label(monday + timedelta(days=7))


@workspace_view()
def report_page(request: HttpRequest, member: Membership) -> HttpResponse:
    week = _week(request, member.workspace)
    try:
        report = build_report(member.workspace, week)
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect("insights_report", slug=member.workspace.slug)
    context = {
        "member": member,
        "report": report,
        "lines": report.lines(),
        "charts": [
            (name, title, charts.svg(figure) if figure else "", why)
            for name, title, figure, why in report.chart_slots()
        ],
        "drawn": bool(report.figures),
        "has_accounts": member.workspace.accounts.exists(),
        "weeks_around": _weeks_around(report.week),
    }
    return render(request, "insights/report.html", context)


@workspace_view()
def report_pdf(request: HttpRequest, member: Membership) -> HttpResponse:
    try:
        report = build_report(member.workspace, _week(request, member.workspace))
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect("insights_report", slug=member.workspace.slug)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="porch-report-{report.week}.pdf"'
    return response
