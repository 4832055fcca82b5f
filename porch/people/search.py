"""Finding people by name or handle: each person keeps a `search_key`, their display name and
every identity's handle, lowercased and without accents, so the list's search is one read
of the (workspace, search_key) index instead of a look at every person and their identities.

Whatever changes a person's name or moves, adds or renames an identity calls `refresh`."""

import unicodedata
from collections.abc import Iterable

from porch.people.models import SEARCH_KEY_LENGTH, Identity, Person

BATCH = 500


def fold(text: str) -> str:
    """Text as it is searched: lowercased (casefold), accents and other marks taken off."""
    parts = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in parts if not unicodedata.combining(c))


def key_of(display_name: str, handles: Iterable[str]) -> str:
    """A person's search key: their name and handles, folded, one space between."""
    words = [fold(display_name.strip()), *(fold(handle.strip()) for handle in handles)]
    return " ".join(word for word in words if word)[:SEARCH_KEY_LENGTH]


def refresh(person_ids: Iterable[int]) -> None:
    """Recompute these people's search keys from their names and identities now."""
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH])


def _refresh_batch(ids: list[int]) -> None:
    handles: dict[int, list[str]] = {}
    rows = Identity.objects.filter(person_id__in=ids).order_by("network", "handle", "pk")
    for person_id, handle in rows.values_list("person_id", "handle"):
        handles.setdefault(person_id, []).append(handle)
    changed = []
    for person in Person.objects.filter(pk__in=ids).only("pk", "display_name", "search_key"):
        key = key_of(person.display_name, handles.get(person.pk, []))
        if key != person.search_key:
            person.search_key = key
            changed.append(person)
    Person.objects.bulk_update(changed, ["search_key"], batch_size=BATCH)
