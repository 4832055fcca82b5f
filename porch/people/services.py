"""Who wrote it: `identify` turns an author seen on a network into an Identity and its Person.

The rules, in order:
- With a stable id (a Bluesky DID, an X user id...), the identity is the one with that id on
  that network. A renamed account (same id, new handle) keeps its identity and person; the
  handle and the display name are updated to what was seen last.
- With a stable id no identity has yet, a handle-only identity of the same handle on that
  network (one made from a message that carried no id) is that account: it takes the id.
- Without a stable id (stable_id ""), the identity is the handle-only one of that handle, else
  the identity with an id that shows that handle now (the last updated, when several do),
  else a new handle-only identity. A handle-only call never renames an identity.
- A new identity gets a new Person; identities on two networks are two people until the owner
  merges them (a later slice). Handles are kept as given: their spelling is the network's.

Safe under concurrency: the unique constraints (one identity per id, one handle-only identity
per handle) refuse a second row, and a worker that loses the race looks again in a savepoint,
so a caller's own transaction stays usable. Updates are conditional on the identity's key being
what was read, so two workers adopting one handle-only identity cannot both succeed.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from porch.people.models import Identity, Person
from porch.workspaces.models import Workspace, network_choices

ATTEMPTS = 3  # a lost race is settled by the second look; the third is slack


class _Moved(Exception):
    """The identity read a moment ago changed its key meanwhile: look again."""


def identify(
    workspace: Workspace, network: str, stable_id: str, handle: str, display_name: str = ""
) -> Identity:
    """The identity of an author (made, with its person, when new); idempotent."""
    stable_id, handle, display_name = stable_id.strip(), handle.strip(), display_name.strip()
    if not handle:
        raise ValueError("an identity needs a handle")
    if network not in dict(network_choices()):
        raise ValueError(f"{network!r} is not an installed network")
    lost: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _identify_once(workspace, network, stable_id, handle, display_name)
        except (IntegrityError, _Moved) as exc:  # another worker made or changed it: look again
            lost = exc
    assert lost is not None
    raise lost


def _identify_once(
    workspace: Workspace, network: str, stable_id: str, handle: str, display_name: str
) -> Identity:
    found = _find(workspace, network, stable_id, handle)
    if found is None:
        person = Person.objects.create(workspace=workspace, display_name=display_name or handle)
        return Identity.objects.create(
            workspace=workspace,
            person=person,
            network=network,
            stable_id=stable_id,
            handle=handle,
            display_name=display_name,
        )
    if stable_id:  # what a call with an id says is the account's name now
        _update(found, stable_id=stable_id, handle=handle, display_name=display_name)
    return found


def _find(workspace: Workspace, network: str, stable_id: str, handle: str) -> Identity | None:
    on_network = Identity.objects.filter(workspace=workspace, network=network)
    if stable_id:
        by_id = on_network.filter(stable_id=stable_id).first()
        return by_id or on_network.filter(stable_id="", handle=handle).first()
    handle_only = on_network.filter(stable_id="", handle=handle).first()
    return handle_only or on_network.filter(handle=handle).order_by("-updated_at", "-pk").first()


def _update(identity: Identity, *, stable_id: str, handle: str, display_name: str) -> None:
    """Take the id (adopting a handle-only identity), the handle and the display name seen
    last; the person's name follows when it was the identity's old one."""
    changes = {"stable_id": stable_id, "handle": handle}
    if display_name:
        changes["display_name"] = display_name
    changes = {k: v for k, v in changes.items() if getattr(identity, k) != v}
    if not changes:
        return
    old_name = identity.display_name or identity.handle
    now = timezone.now()
    keyed = Identity.objects.filter(pk=identity.pk, stable_id=identity.stable_id)
    if not keyed.update(**changes, updated_at=now):
        raise _Moved
    for field, value in changes.items():
        setattr(identity, field, value)
    identity.updated_at = now
    new_name = identity.display_name or identity.handle
    if new_name != old_name:
        Person.objects.filter(pk=identity.person_id, display_name=old_name).update(
            display_name=new_name, updated_at=now
        )
