"""The outbox migration: replies waiting for approval keep their words and get keys of their
own, one cut off while being sent is looked for before it is sent again, and helpers'
replies wait for approval as the Members page says."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from porch.inbox.models import InboxSettings, Reply, ReplyStatus
from porch.workspaces.models import Workspace

BEFORE = [("inbox", "0005_inbox_order_indexes")]
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_stored_approvals_become_replies_with_their_own_keys(workspace: Workspace) -> None:
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    settings = old.get_model("inbox", "InboxSettings")
    settings.objects.create(workspace_id=workspace.pk, helpers_need_approval=False)
    account = old.get_model("workspaces", "ConnectedAccount").objects.create(
        workspace_id=workspace.pk, network="bluesky", handle="shop.test"
    )
    convo = old.get_model("inbox", "Conversation").objects.create(
        workspace_id=workspace.pk,
        account_id=account.pk,
        root_external_id="r1",
        contact_handle="pat",
        first_message_at=AT,
        last_message_at=AT,
    )
    approval = old.get_model("inbox", "ReplyApproval")
    for text, status in [("one", "pending"), ("two", "pending"), ("cut off", "sending")]:
        approval.objects.create(conversation_id=convo.pk, text=text, status=status)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # every app's latest
    replies = {r.text: r for r in Reply.objects.all()}
    assert replies["one"].status == replies["two"].status == ReplyStatus.PENDING
    assert replies["one"].idempotency_key != replies["two"].idempotency_key
    assert replies["cut off"].status == ReplyStatus.QUEUED and replies["cut off"].check_first
    assert not replies["one"].check_first
    assert InboxSettings.objects.get(workspace=workspace).helpers_need_approval
