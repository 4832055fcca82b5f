"""Erasing a person reaches the webhooks' events: an event that names them (their words,
their handle, their person id) is deleted with its deliveries, so nothing queued sends
it and Redeliver cannot send it again. Registered with porch.people.privacy from
ApiConfig.ready(); it runs in the erasure's transaction.

Stored Idempotency-Key answers may quote them too: those are sealed (encrypted) and
forgotten within 24 hours (porch/api/idempotency.py).
"""

from django.db.models import Q

from porch.api.models import Event
from porch.people.privacy import Subject


def erase_events(subject: Subject) -> dict[str, int]:
    """The workspace's events that name the person, deleted (their deliveries with them)."""
    naming = Q(data__person=subject.person.pk)
    for identity in subject.identities:
        naming |= Q(data__network=identity.network, data__author_handle=identity.handle)
    events = Event.objects.filter(naming, workspace=subject.workspace)
    deleted = events.delete()[1].get(Event._meta.label, 0)
    return {"webhook_events": deleted}
