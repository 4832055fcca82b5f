"""Triage of given texts through the API: the workspace's classifier labels each, in order;
too many or too long texts are a 422 naming them; nothing is stored."""

from typing import Any

from django.contrib.auth.models import User

from porch.inbox.models import Message
from porch.triage.models import TriageCorrection
from porch.triage.services import classifier_for
from porch.workspaces.models import Workspace
from tests.api.helpers import Api, member_of, token_text

TEXTS = [
    "My order never arrived and nobody answers the phone!",
    "Do you have gluten-free bread on Saturdays?",
    "Best croissants in town, thank you",
]


def test_each_text_is_labelled_by_the_workspaces_classifier(
    owner: User, workspace: Workspace
) -> None:
    api = Api(token_text(member_of(workspace, owner), ["read"]))
    answer = api.post("/triage", {"texts": TEXTS})
    assert answer.status_code == 200, answer.json()
    classifier = classifier_for(workspace)
    expected = classifier.classify(TEXTS)
    items = answer.json()["items"]
    assert [(i["intent"], i["sentiment"]) for i in items] == [
        (t.intent, t.sentiment) for t in expected
    ]
    assert all(0 <= i["urgency"] <= 1 and -1 <= i["sentiment_score"] <= 1 for i in items)
    assert answer.json()["tier"] == classifier.tier
    assert not Message.objects.exists() and not TriageCorrection.objects.exists()


def test_too_many_too_long_or_no_texts_are_a_422_with_fields(
    owner: User, workspace: Workspace
) -> None:
    api = Api(token_text(member_of(workspace, owner), ["read"]))
    bodies: list[Any] = [
        {"texts": ["hi"] * 101},
        {"texts": ["fine", "x" * 5_001]},
        {"texts": []},
        {"texts": "not a list"},
        {},
    ]
    for body in bodies:
        answer = api.post("/triage", body)
        assert answer.status_code == 422, body
        error = answer.json()["error"]
        assert error["code"] == "invalid_input" and error["fields"], error
    long = api.post("/triage", {"texts": ["fine", "x" * 5_001]}).json()["error"]["fields"]
    assert any("texts" in f["field"] and "1" in f["field"] for f in long)
    assert api.post("/triage", {"texts": ["x" * 5_000] * 2}).status_code == 200


def test_a_token_without_read_is_refused(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner), ["write"]))
    answer = api.post("/triage", {"texts": ["hello"]})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"
