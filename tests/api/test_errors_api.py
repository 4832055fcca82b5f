"""Every error Porch can raise answers the API with a stable code and the status it means:
refusals 4xx, Porch's or a network's failures 5xx, a new error class never unmapped; an
oversize body is a 413, a bug a logged 500, both in the one error shape."""

import re
from typing import Any

import pytest
from django.urls import path
from ninja import NinjaAPI, Schema

from porch.api import errors
from porch.api.auth import TokenAuth
from porch.api.errors import ApiError, status_and_code
from porch.api.schemas import ERRORS
from porch.errors import Conflict, InputError, NotAllowed, NotFound, PorchError, Unavailable
from porch.networks.base import ErrorCode, NetworkError
from porch.workspaces.models import Membership, Workspace
from tests.api.helpers import Api, token_text
from tests.test_errors import porch_exceptions

pytestmark = pytest.mark.urls("tests.api.test_errors_api")

# Each family's status; the code is the family's name, or the class's own for input errors.
FAMILIES: list[tuple[type[PorchError], int, str | None]] = [
    (NotAllowed, 403, "not_allowed"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (InputError, 422, None),
    (Unavailable, 503, "unavailable"),
    (NetworkError, 502, "network_error"),
]


def _all_subclasses(cls: type[PorchError]) -> set[type[PorchError]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_every_porch_error_maps_to_its_familys_status_and_a_code() -> None:
    porch_exceptions()  # imports every module, so every subclass is seen
    classes = _all_subclasses(PorchError) - {ApiError}
    assert len(classes) > 20
    for cls in classes:
        status, code = status_and_code(cls.__new__(cls))
        family = next((f for f in FAMILIES if issubclass(cls, f[0])), None)
        assert family is not None, f"{cls.__name__} is in no family: map it in api/errors.py"
        assert status == family[1], cls
        assert code == (family[2] or _snake(cls.__name__)), cls
        assert re.fullmatch(r"[a-z][a-z_]*[a-z]", code), cls
        assert 400 <= status < 600 and (status >= 500) == (family[1] >= 500)


def test_an_api_error_keeps_its_own_status_and_code() -> None:
    assert status_and_code(ApiError(429, "rate_limited", "slow down")) == (429, "rate_limited")


def test_input_errors_are_never_5xx() -> None:
    porch_exceptions()
    for cls in _all_subclasses(InputError):
        assert status_and_code(cls.__new__(cls))[0] == 422, cls


test_api = NinjaAPI(urls_namespace="test-errors", auth=TokenAuth())
errors.install(test_api)


class Body(Schema):
    text: str


RAISED: dict[str, Exception] = {
    "not-found": NotFound("No such conversation in this workspace."),
    "network": NetworkError(
        "The network is busy.", permanent=False, retry_after=30, code=ErrorCode.RATE_LIMITED
    ),
    "bug": RuntimeError("a bug"),
}


@test_api.post("/raise/{what}", response={200: Body, **ERRORS}, operation_id="raise_it")
def raise_it(request: Any, what: str, body: Body) -> Body:
    """Raise what the path names."""
    raise RAISED[what]


urlpatterns = [path("api/v1/test/", test_api.urls)]


@pytest.fixture
def api(workspace: Workspace) -> Api:
    return Api(token_text(Membership.objects.get(workspace=workspace)))


def test_an_oversize_body_is_a_413_not_a_500(api: Api, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = api.post("/test/raise/not-found", {"text": "x" * 2000})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"


def test_errors_answer_in_one_shape(api: Api, caplog: Any) -> None:
    found = api.post("/test/raise/not-found", {"text": "x"})
    assert found.status_code == 404
    assert found.json() == {
        "error": {"code": "not_found", "message": "No such conversation in this workspace."}
    }
    network = api.post("/test/raise/network", {"text": "x"})
    assert (network.status_code, network["Retry-After"]) == (502, "30")
    assert network.json()["error"]["code"] == "network_error"
    bug = api.post("/test/raise/bug", {"text": "x"})
    assert bug.status_code == 500 and bug.json()["error"]["code"] == "internal_error"
    assert "a bug" not in bug.content.decode()
    assert "API call failed" in caplog.text
    invalid = api.post("/test/raise/bug", {"txt": "x"})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_input"
    assert invalid.json()["error"]["fields"][0]["field"].endswith("text")
