"""The generator behind the inbox benchmark: exact counts, consistent rows, clean ids."""

from click.testing import CliRunner
from django.db.models import Count, Max, Min

from porch.bench.generate_inbox import fill
from porch.cli import main
from porch.inbox.models import Conversation, Message, MessageKind
from porch.workspaces.models import Workspace


def test_fills_exactly_the_messages_asked_for_in_whole_threads(workspace: Workspace) -> None:
    done = fill(workspace, 2000)
    assert done.messages == Message.objects.filter(workspace=workspace).count() == 2000
    assert done.conversations == Conversation.objects.filter(workspace=workspace).count()
    sizes = Conversation.objects.filter(workspace=workspace).annotate(n=Count("messages"))
    assert sizes.aggregate(low=Min("n"))["low"] >= 1
    assert sizes.aggregate(high=Max("n"))["high"] > 2
    intents = set(Conversation.objects.values_list("intent", flat=True))
    assert {"complaint", "question", "lead", "praise"} <= intents
    assert len(set(Conversation.objects.values_list("status", flat=True))) == 3
    assert set(Message.objects.values_list("network", flat=True)) == {
        "x",
        "bluesky",
        "mastodon",
        "facebook",
    }
    firsts = Message.objects.filter(in_reply_to="")
    assert firsts.count() == done.conversations
    assert not firsts.filter(kind=MessageKind.OURS).exists()


def test_a_second_fill_adds_more_and_porch_can_still_store_new_rows(workspace: Workspace) -> None:
    fill(workspace, 100)
    fill(workspace, 100, seed=6)
    assert Message.objects.count() == 200
    convo = Conversation.objects.first()
    assert convo is not None
    fresh = Conversation.objects.create(
        workspace=workspace,
        account=convo.account,
        root_external_id="new-thread",
        contact_handle="someone",
        first_message_at=convo.first_message_at,
        last_message_at=convo.first_message_at,
    )
    assert fresh.pk > Conversation.objects.exclude(pk=fresh.pk).aggregate(top=Max("pk"))["top"]


def test_command_fills_a_workspace_and_names_a_missing_one(workspace: Workspace) -> None:
    runner = CliRunner()
    done = runner.invoke(
        main, ["generate-inbox", "--workspace", workspace.slug, "--messages", "50"]
    )
    assert done.exit_code == 0, done.output
    assert "Added 50 messages" in done.output
    missing = runner.invoke(main, ["generate-inbox", "--workspace", "no-such-shop"])
    assert missing.exit_code == 1
    assert "no workspace 'no-such-shop'" in missing.output
    zero = runner.invoke(main, ["generate-inbox", "--workspace", workspace.slug, "--messages", "0"])
    assert zero.exit_code == 2 and "--messages" in zero.output
