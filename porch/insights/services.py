"""What insights pages change, with the role each change needs: starting a history import
(an owner or manager) and adding revenue (any member)."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from porch.errors import NotAllowed
from porch.insights.models import HistoryImport, Revenue
from porch.insights.tasks import import_history
from porch.workspaces.models import ConnectedAccount, Membership, Role


def start_import(
    member: Membership, account: ConnectedAccount, upload: UploadedFile
) -> HistoryImport:
    """Keep the uploaded history file and queue its import into `account`."""
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can import a history file.")
    if account.workspace_id != member.workspace_id:
        raise NotAllowed("This account belongs to another workspace.")
    folder = settings.DATA_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    name = upload.name or "upload"
    stored = folder / f"{uuid.uuid4().hex}-{get_valid_filename(name)[-80:]}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = HistoryImport.objects.create(
        account=account, file_name=name[:255], stored_path=str(stored)
    )
    import_history.enqueue(job.pk)
    return job


def add_revenue(
    member: Membership,
    day: date,
    amount: Decimal,
    network: str = "",
    pillar: str = "",
    note: str = "",
) -> Revenue:
    """Money the member traces to social media, for the money page (any member may)."""
    if not member.at_least(Role.HELPER):
        raise NotAllowed("Only a member of the workspace can add its revenue.")
    return Revenue.objects.create(
        workspace=member.workspace,
        day=day,
        amount=amount,
        network=network,
        pillar=pillar,
        note=note,
    )
