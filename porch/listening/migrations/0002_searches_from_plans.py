"""The plan's stored searches (plans.ListeningSearch, one row per query and network) become
listening searches (one per query and kind, on its networks that can search). A query the
parser refuses (the old workshop could write an unclosed quote) is copied paused: the owner
sees it, mends it and resumes it."""

from typing import Any

from django.db import migrations


def _searchable(name: str) -> bool:
    from porch.networks.registry import descriptor

    try:
        return descriptor(name).can.search
    except ValueError:  # a network no longer installed
        return False


def _parses(query: str) -> bool:
    from porch.errors import InputError
    from porch.networks.query import parse

    try:
        parse(query)
    except InputError:
        return False
    return True


def copy_searches(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("plans", "ListeningSearch")
    new = apps.get_model("listening", "Search")
    grouped: dict[tuple[int, str, str], list[str]] = {}
    for row in old.objects.order_by("pk"):
        grouped.setdefault((row.workspace_id, row.query, row.kind), []).append(row.network)
    for (workspace_id, query, kind), networks in grouped.items():
        searchable = [name for name in dict.fromkeys(networks) if _searchable(name)]
        if searchable:
            new.objects.get_or_create(
                workspace_id=workspace_id,
                query=query,
                kind=kind,
                defaults={"name": query[:100], "networks": searchable, "active": _parses(query)},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0001_initial"),
        ("plans", "0002_network_choices_from_settings"),
    ]

    operations = [migrations.RunPython(copy_searches, migrations.RunPython.noop)]
