"""The till import pages: upload, preview, confirm; columns for an unknown file; roles."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.offers.models import Redemption, TillImport
from porch.workspaces.models import Role, Workspace
from tests.conftest import add_member
from tests.offers.till_helpers import SHOPIFY, csv_bytes, offer_with, shopify_order, upload


def import_url(workspace: Workspace) -> str:
    return reverse("offers:till_import", args=[workspace.slug])


def preview_url(workspace: Workspace, ti: TillImport) -> str:
    return reverse("offers:till_import_confirm", args=[workspace.slug, ti.pk])


def test_upload_preview_then_import(signed_in: Client, workspace: Workspace) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    rows = [*shopify_order("#1", "CRUMBSPRING", lines=2), *shopify_order("#2", "", "x")]
    rows += shopify_order("#3", "CRUMBSPRING", "lots")
    answer = signed_in.post(import_url(workspace), {"file": upload(csv_bytes(SHOPIFY, rows))})
    ti = TillImport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == preview_url(workspace, ti)
    page = signed_in.get(preview_url(workspace, ti)).content.decode()
    assert "Shopify orders export" in page and "4 rows" in page
    assert "Row 5: order &#x27;#3&#x27;: the amount &#x27;lots&#x27;" in page
    assert "Import 1 redemption<" in page
    done = signed_in.post(preview_url(workspace, ti), {"action": "import"}, follow=True)
    assert "Imported: 1 redemptions added." in done.content.decode()
    assert Redemption.objects.count() == 1
    again = signed_in.post(preview_url(workspace, ti), {"action": "import"}, follow=True)
    assert "imported already" in again.content.decode()
    assert Redemption.objects.count() == 1
    listing = signed_in.get(import_url(workspace)).content.decode()
    assert "orders_export.csv" in listing and "1 added" in listing


def test_an_unknown_file_asks_for_its_columns(signed_in: Client, workspace: Workspace) -> None:
    offer_with(workspace, shared="CRUMBSPRING")
    header = ["Receipt", "Email", "Voucher", "When"]
    data = csv_bytes(header, [{"Receipt": "A1", "Voucher": "crumbspring", "When": "2026-10-05"}])
    signed_in.post(import_url(workspace), {"file": upload(data)})
    ti = TillImport.objects.get()
    page = signed_in.get(preview_url(workspace, ti)).content.decode()
    assert 'value="Receipt"' in page and 'value="Email"' not in page  # personal: not kept
    mapping = {"action": "map", "order": "Receipt", "code": "Voucher", "date": "When"}
    signed_in.post(preview_url(workspace, ti), mapping)
    assert "Import 1 redemption<" in signed_in.get(preview_url(workspace, ti)).content.decode()


def test_a_refused_file_says_why(signed_in: Client, workspace: Workspace) -> None:
    answer = signed_in.post(import_url(workspace), {"file": upload(b"PK\x03\x04")}, follow=True)
    assert "export or save the sales as CSV" in answer.content.decode()
    assert not TillImport.objects.exists()


@pytest.mark.parametrize("role", [Role.HELPER])
def test_helpers_may_not_import(client: Client, workspace: Workspace, role: Role) -> None:
    client.force_login(add_member(workspace, "helper@bakery.example", role))
    assert client.get(import_url(workspace)).status_code == 403


def test_another_workspaces_import_is_not_found(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    from porch.workspaces import services

    other = services.create_workspace(owner, "Other Shop")
    ti = TillImport.objects.create(workspace=other, file_name="x.csv", file_sha256="0" * 64)
    assert signed_in.get(preview_url(workspace, ti)).status_code == 404
    assert signed_in.post(preview_url(workspace, ti), {"action": "import"}).status_code == 404


def test_a_file_over_the_till_limit_is_refused_before_it_is_read(
    signed_in: Client, workspace: Workspace, settings: object
) -> None:
    settings.TILL_IMPORT_MAX_MB = 1  # type: ignore[attr-defined]
    settings.IMPORT_MAX_MB = 1024  # type: ignore[attr-defined]
    data = csv_bytes(SHOPIFY, shopify_order("#1", "CRUMBSPRING")) + b"," * 1_200_000
    answer = signed_in.post(import_url(workspace), {"file": upload(data)}, follow=True)
    page = answer.content.decode()
    assert "bigger than the 1 MB Porch takes for till sales" in page
    assert "Export a shorter date range" in page and "PORCH_TILL_IMPORT_MAX_MB" in page
    assert not TillImport.objects.exists()
