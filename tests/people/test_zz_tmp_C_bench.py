import time
from datetime import UTC, datetime, timedelta
from porch.inbox.models import Conversation, Message
from porch.people import sync
from porch.people.models import Person
from porch.workspaces.models import ConnectedAccount

def test_bench(workspace):
    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    conv = Conversation.objects.create(workspace=workspace, account=account, network="fake", contact_handle="x", last_message_at=at) if False else None
    from porch.inbox.models import Conversation as C
    fields = {f.name for f in C._meta.get_fields()}
    conv = C.objects.create(workspace=workspace, account=account, contact_handle="x", **({"network": "fake"} if "network" in fields else {}), first_message_at=at, last_message_at=at, root_external_id="r")
    rows = [Message(workspace=workspace, account=account, conversation=conv, network="fake", external_id=f"m{n}", kind="mention",
                    author_handle=f"u{n % 5000}", author_id=f"fake:u{n % 5000}", text="hi", sent_at=at + timedelta(seconds=n)) for n in range(5000)]
    Message.objects.bulk_create(rows, batch_size=5000)
    t = time.perf_counter(); n = sync.sweep(settle=timedelta(0)); first = time.perf_counter() - t
    print("rows", n, "people", Person.objects.count(), "s", round(first, 2), "rows/s", round(n / first))
    rows = [Message(workspace=workspace, account=account, conversation=conv, network="fake", external_id=f"k{n}", kind="mention",
                    author_handle=f"u{n % 5000}", author_id=f"fake:u{n % 5000}", text="hi", sent_at=at + timedelta(seconds=n)) for n in range(5000)]
    Message.objects.bulk_create(rows, batch_size=5000)
    import cProfile, pstats
    pr = cProfile.Profile(); pr.enable()
    t = time.perf_counter(); n = sync.sweep(settle=timedelta(0)); second = time.perf_counter() - t
    pr.disable(); pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
    print("known authors: rows", n, "s", round(second, 2), "rows/s", round(n / second))
