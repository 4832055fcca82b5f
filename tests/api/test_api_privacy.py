"""Erasing a person reaches the webhooks: the events naming them go with their deliveries,
so nothing queued sends their words and Redeliver cannot; other events stay."""

from datetime import datetime

from django.contrib.auth.models import User

from porch.api.models import Event, WebhookDelivery, WebhookEndpoint
from porch.people.privacy import erase_person
from porch.people.services import identify
from porch.workspaces.models import Membership, Workspace

NOW = datetime.fromisoformat("2026-11-18T12:00Z")


def _event(
    workspace: Workspace, endpoint: WebhookEndpoint, n: int, data: dict[str, object]
) -> Event:
    event = Event.objects.create(
        workspace=workspace, type="message.received", data=data, occurred_at=NOW, msg_id=f"msg_{n}"
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event=event, created_at=NOW)
    return event


def test_erasing_a_person_deletes_the_events_that_name_them(
    owner: User, workspace: Workspace
) -> None:
    her = identify(workspace, "fake", "fake:ana", "ana.example", "Ana")
    endpoint = WebhookEndpoint(workspace=workspace, url="https://hooks.example/in")
    endpoint.set_secret("whsec_c2VjcmV0")
    endpoint.save()
    said: dict[str, object] = {"network": "fake", "author_handle": "ana.example", "text": "late"}
    _event(workspace, endpoint, 1, said)
    _event(workspace, endpoint, 2, {"person": her.person.pk, "offer": 3})
    kept = _event(workspace, endpoint, 3, {"network": "fake", "author_handle": "bo.example"})

    erased = erase_person(Membership.objects.get(user=owner), her.person)

    assert erased["webhook_events"] == 2
    assert list(Event.objects.all()) == [kept]
    assert list(WebhookDelivery.objects.values_list("event_id", flat=True)) == [kept.pk]
