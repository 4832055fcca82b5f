"""Till import pages: upload a CSV of sales, see what it holds, confirm; or say which column
is which for a format Porch does not know. Managers and owners only."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from porch.core.feedback import refusals_shown
from porch.core.params import upload_too_big
from porch.offers import till
from porch.offers import till_formats as formats
from porch.offers.models import TillImport
from porch.workspaces.access import workspace_view
from porch.workspaces.models import Membership, Role


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Sales file (CSV)",
        help_text="Shopify: Orders, Export. Square: Transactions, Export (transactions or "
        "items). Any other till: its sales as CSV, then say which column is which.",
    )


class MapForm(forms.Form):
    """Which column holds each thing, for a file Porch does not know."""

    def __init__(self, header: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((name, name) for name in header if name)]
        for key, label in formats.MAP_FIELDS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=choices, required=key != "amount"
            )


@workspace_view(Role.MANAGER)
def till_import(request: HttpRequest, member: Membership) -> HttpResponse:
    slug = member.workspace.slug
    if request.method == "POST" and upload_too_big(request, settings.TILL_IMPORT_MAX_MB):
        messages.error(request, till.too_big_message())  # refused before the body is read
        return redirect("offers:till_import", slug=slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request):
            made = till.preview(member, form.cleaned_data["file"])
            return redirect("offers:till_import_confirm", slug=slug, pk=made.pk)
        return redirect("offers:till_import", slug=slug)
    context = {"member": member, "form": form, "imports": till.recent(member)}
    return render(request, "offers/till_import.html", context)


@workspace_view(Role.MANAGER)
def till_import_confirm(request: HttpRequest, member: Membership, pk: int) -> HttpResponse:
    found = get_object_or_404(TillImport, pk=pk, workspace=member.workspace)
    header = _header(found)
    map_form = MapForm(header, request.POST if request.POST.get("action") == "map" else None)
    if request.method == "POST":
        with refusals_shown(request):
            if request.POST.get("action") == "map":
                if map_form.is_valid():
                    till.remap(member, found, map_form.cleaned_data)
                    return redirect("offers:till_import_confirm", slug=member.workspace.slug, pk=pk)
            else:
                done = till.confirm(member, found, now=timezone.now())
                messages.success(request, f"Imported: {done.added} redemptions added.")
                return redirect("offers:till_import_confirm", slug=member.workspace.slug, pk=pk)
    context = {
        "member": member,
        "ti": found,
        "label": formats.LABELS.get(found.preset, ""),
        "matched": found.added + found.already + found.skipped,
        "map_form": map_form if not found.preset else None,
    }
    return render(request, "offers/till_import_preview.html", context)


def _header(found: TillImport) -> list[str]:
    """The columns of a file that waits for its mapping (none once it has one)."""
    if found.preset or found.imported_at is not None:
        return []
    header, _, _ = formats.read_rows(formats.decode(bytes(found.data)))
    return header
