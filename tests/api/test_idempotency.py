"""Idempotency-Key: a repeat answers as the first did and does nothing twice; another body
is refused; a refusal is kept, a crash is not; racing repeats make one thing.

The operations live in a test API of this module (mounted by its own urlconf), so the
decorator is checked through ninja as the routers use it."""

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.urls import path
from ninja import NinjaAPI, Schema

from porch.api import errors
from porch.api.auth import TokenAuth, needs
from porch.api.idempotency import idempotent, idempotent_send, prune
from porch.api.models import IdempotentRequest
from porch.api.schemas import ERRORS
from porch.errors import Conflict, NotFound
from porch.people.models import Person
from porch.workspaces.models import Membership, Workspace
from tests.api.helpers import Api, token_text

pytestmark = pytest.mark.urls("tests.api.test_idempotency")
NOW = datetime.fromisoformat("2026-11-18T12:00Z")

test_api = NinjaAPI(urls_namespace="test-idem", auth=TokenAuth())
errors.install(test_api)


class PersonIn(Schema):
    name: str


class PersonOut(Schema):
    id: int
    name: str
    status: str
    seen: datetime | None = None


@test_api.post("/people/{status}", response={201: PersonOut, **ERRORS}, operation_id="make_person")
@idempotent
def make_person(request: Any, status: str, body: PersonIn, note: str = "") -> tuple[int, PersonOut]:
    """Path, query and body parameters, read by ninja through the decorator."""
    caller = needs(request, "write")
    person = Person.objects.create(
        workspace=caller.workspace, display_name=body.name, status=status, note=note
    )
    if note == "refuse":
        raise NotFound("No such thing in this workspace.")
    if note == "crash":
        raise RuntimeError("a bug")
    return 201, PersonOut(id=person.pk, name=body.name, status=status, seen=NOW)


@test_api.post("/plain", response={200: dict[str, int], **ERRORS}, operation_id="plain")
@idempotent
def plain(request: Any) -> dict[str, int]:
    """A dict answer, status 200."""
    return {"people": Person.objects.count()}


@test_api.post("/sends", response={200: PersonOut, **ERRORS}, operation_id="sends")
@idempotent_send
def sends(request: Any, body: PersonIn, note: str = "") -> PersonOut:
    """Like a reply: its own writes commit as it goes (the service's), not with the answer."""
    caller = needs(request, "write")
    person = Person.objects.create(workspace=caller.workspace, display_name=body.name)
    if note == "busy":
        raise Conflict("Someone else is sending it: try again in a moment.")
    return PersonOut(id=person.pk, name=body.name, status=person.status)


urlpatterns = [path("api/v1/test/", test_api.urls)]


@pytest.fixture
def api(workspace: Workspace) -> Api:
    return Api(token_text(Membership.objects.get(workspace=workspace)))


def test_the_decorator_keeps_the_operations_parameters_for_ninja() -> None:
    schema = test_api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/test/people/{status}"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"status", "note"}
    assert "requestBody" in operation
    assert operation["description"].startswith("Path, query and body")


def test_a_repeat_answers_the_same_and_makes_nothing(api: Api) -> None:
    first = api.post("/test/people/lead?note=hi", {"name": "Ada"}, Idempotency_Key="k1")
    assert first.status_code == 201, first.content
    assert first.json()["name"] == "Ada" and "Idempotent-Replayed" not in first
    again = api.post("/test/people/lead?note=hi", {"name": "Ada"}, Idempotency_Key="k1")
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(display_name="Ada", note="hi").count() == 1


def test_without_a_key_each_call_runs(api: Api) -> None:
    api.post("/test/people/lead", {"name": "Ada"})
    api.post("/test/people/lead", {"name": "Ada"})
    assert Person.objects.filter(display_name="Ada").count() == 2
    assert not IdempotentRequest.objects.exists()


def test_a_dict_answer_is_kept_and_replayed(api: Api) -> None:
    first = api.post("/test/plain", Idempotency_Key="p")
    Person.objects.create(workspace=Workspace.objects.get(), display_name="new")
    again = api.post("/test/plain", Idempotency_Key="p")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"people": 0}


def test_the_same_key_with_another_body_or_path_is_refused(api: Api) -> None:
    api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="k")
    for other_path, body in (("/test/people/lead", {"name": "Bea"}), ("/test/plain", None)):
        answer = api.post(other_path, body, Idempotency_Key="k")
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "idempotency_key_reused"
    assert Person.objects.count() == 1


def test_keys_belong_to_their_token(api: Api, workspace: Workspace) -> None:
    other = Api(token_text(Membership.objects.get(workspace=workspace)))
    api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="k")
    assert other.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="k").status_code == 201
    assert Person.objects.count() == 2


def test_a_refusal_is_kept_and_its_writes_undone(api: Api) -> None:
    first = api.post("/test/people/lead?note=refuse", {"name": "Ada"}, Idempotency_Key="r")
    assert first.status_code == 404 and first.json()["error"]["code"] == "not_found"
    again = api.post("/test/people/lead?note=refuse", {"name": "Ada"}, Idempotency_Key="r")
    assert (again.status_code, again.content) == (404, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert not Person.objects.exists()


def test_a_crash_is_not_kept_so_a_retry_runs_again(api: Api) -> None:
    for _ in range(2):
        answer = api.post("/test/people/lead?note=crash", {"name": "Ada"}, Idempotency_Key="c")
        assert answer.status_code == 500
        assert "Idempotent-Replayed" not in answer
    assert not Person.objects.exists() and not IdempotentRequest.objects.exists()


def test_a_key_too_long_is_a_422_and_a_bad_body_is_not_kept(api: Api) -> None:
    answer = api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="k" * 256)
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "header.Idempotency-Key"
    api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="k" * 255)
    bad = api.post("/test/people/lead", {"nom": "Ada"}, Idempotency_Key="v")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    assert api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="v").status_code == 201


def test_a_running_claim_is_a_409_and_a_dead_ones_is_taken_over(api: Api) -> None:
    with time_machine.travel(NOW, tick=False):
        api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="d")
        IdempotentRequest.objects.update(state=IdempotentRequest.State.STARTED, response=None)
        busy = api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="d")
        assert busy.status_code == 409 and busy["Retry-After"] == "1"
        assert busy.json()["error"]["code"] == "idempotency_in_progress"
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        taken = api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="d")
        assert taken.status_code == 201 and "Idempotent-Replayed" not in taken
    assert Person.objects.count() == 2


def test_keys_are_forgotten_after_a_day(api: Api) -> None:
    with time_machine.travel(NOW, tick=False):
        api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="old")
    with time_machine.travel(NOW + timedelta(hours=23), tick=False):
        api.post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="new")
    assert prune(NOW + timedelta(hours=24, minutes=1)) == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_racing_repeats_make_one_thing(workspace: Workspace) -> None:
    token = token_text(Membership.objects.get(workspace=workspace))
    barrier = threading.Barrier(12)
    answers: list[tuple[int, bytes]] = []

    def call() -> None:
        barrier.wait()
        try:
            got = Api(token).post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="race")
            answers.append((got.status_code, got.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 12
    assert Person.objects.filter(display_name="Ada").count() == 1
    made = {content for status, content in answers if status == 201}
    assert len(made) == 1
    assert {status for status, _ in answers} <= {201, 409}
    replay = Api(token).post("/test/people/lead", {"name": "Ada"}, Idempotency_Key="race")
    assert replay.content in made


def test_answers_are_kept_sealed(api: Api) -> None:
    api.post("/test/people/lead", {"name": "Ada Secret"}, Idempotency_Key="s")
    kept = IdempotentRequest.objects.get()
    assert "Ada Secret" not in str(kept.response) and set(kept.response or {}) == {"sealed"}


def test_a_refusal_that_may_pass_later_is_not_kept(api: Api) -> None:
    busy = api.post("/test/sends?note=busy", {"name": "Ada"}, Idempotency_Key="b")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "conflict"
    assert not IdempotentRequest.objects.exists()
    assert api.post("/test/sends", {"name": "Ada"}, Idempotency_Key="b").status_code == 200


def test_a_send_whose_worker_died_is_never_run_again(api: Api) -> None:
    """The first may have gone out: a repeat says so instead of sending a second time."""
    with time_machine.travel(NOW, tick=False):
        first = api.post("/test/sends", {"name": "Ada"}, Idempotency_Key="x")
        assert first.status_code == 200
        IdempotentRequest.objects.update(state=IdempotentRequest.State.STARTED, response=None)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        again = api.post("/test/sends", {"name": "Ada"}, Idempotency_Key="x")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "idempotency_outcome_unknown"
    assert Person.objects.count() == 1


def test_a_send_keeps_its_own_writes_when_it_is_refused(api: Api) -> None:
    """Not one transaction with the answer: what the service committed stays."""
    api.post("/test/sends?note=busy", {"name": "Ada"}, Idempotency_Key="w")
    assert Person.objects.filter(display_name="Ada").count() == 1
