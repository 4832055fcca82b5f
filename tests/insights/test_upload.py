"""Uploading a history file in the web UI: queued, imported in the background, progress shown."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from porch.insights.history import run_import
from porch.insights.models import HistoryImport, HistoryPost
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import add_member
from tests.insights import files
from tests.insights.test_imports import X_TWEETS


def upload(client: Client, workspace: Workspace, account: ConnectedAccount, name: str, data: bytes):
    return client.post(
        f"/w/{workspace.slug}/insights/import/",
        {"account": account.pk, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_queues_an_import_whose_progress_page_shows_the_result(
    signed_in: Client, workspace: Workspace, x_account: ConnectedAccount, tmp_path
) -> None:
    data = files.write_x_zip(tmp_path / "a.zip", X_TWEETS).read_bytes()
    answer = upload(signed_in, workspace, x_account, "twitter-archive.zip", data)
    job = HistoryImport.objects.get()
    assert answer["Location"] == f"/w/{workspace.slug}/insights/import/{job.pk}/"
    waiting = signed_in.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting  # the page keeps asking while it waits

    run_import(job)  # what the worker's task does

    done = signed_in.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Done: 4 posts read, 4 new." in done and "hx-trigger" not in done
    assert HistoryPost.objects.filter(account=x_account).count() == 4


def test_a_bad_upload_fails_with_the_files_name_and_problem(
    signed_in: Client, workspace: Workspace, x_account: ConnectedAccount
) -> None:
    upload(signed_in, workspace, x_account, "archive.zip", b"PK\x03\x04 not really a zip")
    job = run_import(HistoryImport.objects.get())
    page = signed_in.get(f"/w/{workspace.slug}/insights/import/{job.pk}/").content.decode()
    assert job.state == "failed" and "archive.zip: " in job.error
    assert "archive.zip: " in page and not HistoryPost.objects.exists()


def test_helpers_cannot_import(
    client: Client, workspace: Workspace, x_account: ConnectedAccount
) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert upload(client, workspace, x_account, "a.js", b"x").status_code == 403
    assert not HistoryImport.objects.exists()


def test_an_upload_over_the_cap_is_refused_and_nothing_is_kept(
    signed_in: Client, workspace: Workspace, x_account: ConnectedAccount, settings
) -> None:
    settings.IMPORT_MAX_MB = 1
    answer = upload(signed_in, workspace, x_account, "tweets.js", b" " * (2 << 20))
    assert answer["Location"] == f"/w/{workspace.slug}/insights/import/"
    page = signed_in.get(answer["Location"]).content.decode()
    assert "bigger than the 1 MB Porch takes" in page
    assert not HistoryImport.objects.exists()
    assert not list((settings.DATA_DIR / "imports").glob("*tweets.js"))


def test_a_job_whose_file_is_gone_says_upload_again(
    signed_in: Client, workspace: Workspace, x_account: ConnectedAccount
) -> None:
    job = HistoryImport.objects.create(
        account=x_account, file_name="archive.zip", stored_path="/nonexistent/archive.zip"
    )
    assert "upload the file again" in run_import(job).error
