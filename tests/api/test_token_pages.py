"""The API page: make a token (shown once, never cached), list them, revoke them."""

from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.api.models import ApiToken
from porch.api.tokens import create_token
from porch.workspaces.models import Role, Workspace
from tests.api.helpers import Api, member_of
from tests.conftest import add_member


def page(workspace: Workspace) -> str:
    return reverse("api:tokens", args=[workspace.slug])


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make(client: Client, workspace: Workspace, **form: object) -> Any:
    data = {"name": "Zapier", "scopes": ["read", "write"], "days": "90"} | form
    return client.post(page(workspace), data)


def test_a_token_is_shown_once_in_an_answer_never_cached(
    signed_in: Client, workspace: Workspace
) -> None:
    answer = make(signed_in, workspace)
    assert answer.status_code == 200  # rendered: never a redirect carrying the token
    assert "no-store" in answer["Cache-Control"]
    text = answer.context["made"].text
    body = answer.content.decode()
    assert body.count(text) == 1 and "copy this token now" in body
    token = ApiToken.objects.get()
    assert token.scopes == ["read", "write"] and token.name == "Zapier"
    assert Api(text).get("/workspace").status_code == 200
    assert text not in str(dict(signed_in.session))
    again = signed_in.get(page(workspace)).content.decode()
    assert text not in again and token.prefix in again and "last used" in again


def test_the_form_refuses_no_scope_or_an_odd_expiry(
    signed_in: Client, workspace: Workspace
) -> None:
    answer = make(signed_in, workspace, scopes=[])
    assert "Choose at least one scope" in answer.content.decode()
    assert make(signed_in, workspace, days="7").context["made"] is None
    assert make(signed_in, workspace, name="").context["made"] is None
    assert not ApiToken.objects.exists()


def test_a_helper_sees_what_a_token_can_do_and_only_their_own(
    owner: User, workspace: Workspace
) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    create_token(member_of(workspace, owner), "owner's", ["read"])
    client = client_for(helper)
    body = client.get(page(workspace)).content.decode()
    assert "can never do more than your role" in body and "wait for" in body
    assert "owner&#x27;s" not in body and "No tokens yet" in body
    assert reverse("api-v1:openapi-view") in body
    assert 'data-testid="api-webhooks"' not in body  # webhooks are a manager's
    assert 'data-testid="api-link"' in client.get(f"/w/{workspace.slug}/").content.decode()
    assert make(client, workspace, scopes=["read", "publish"]).status_code == 200
    mine = ApiToken.objects.get(membership__user=helper)
    assert mine.scopes == ["read", "publish"] and mine.created_by == helper


def test_the_owner_sees_and_revokes_everyones(owner: User, workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    theirs = create_token(member_of(workspace, helper), "<b>till</b>", ["read"]).token
    client = client_for(owner)
    body = client.get(page(workspace)).content.decode()
    assert "helper@bakery.example" in body and "&lt;b&gt;till&lt;/b&gt;" in body
    assert reverse("api:webhooks", args=[workspace.slug]) in body
    revoked = client.post(reverse("api:token_revoke", args=[workspace.slug, theirs.pk]))
    assert revoked.status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
    assert "revoked" in client.get(page(workspace)).content.decode()


def test_others_cannot_revoke_a_token_not_theirs(owner: User, workspace: Workspace) -> None:
    manager = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    owners = create_token(member_of(workspace, owner), "owner's", ["read"]).token
    client = client_for(manager)
    url = reverse("api:token_revoke", args=[workspace.slug, owners.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    outsider = client_for(
        add_member(Workspace.objects.create(name="Other"), "o@x.example", Role.OWNER)
    )
    assert outsider.post(url).status_code == 404
    assert outsider.get(page(workspace)).status_code == 404
    owners.refresh_from_db()
    assert owners.revoked_at is None


def test_making_and_revoking_need_the_csrf_token(owner: User, workspace: Workspace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert make(client, workspace).status_code == 403
    token = create_token(member_of(workspace, owner), "x", ["read"]).token
    url = reverse("api:token_revoke", args=[workspace.slug, token.pk])
    assert client.post(url).status_code == 403
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
