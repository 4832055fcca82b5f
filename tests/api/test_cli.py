"""`porch token create|list|revoke` and `porch api schema`: the token once, clear refusals."""

import json

import pytest
from click.testing import CliRunner, Result
from django.contrib.auth.models import User

from porch.api.api import api
from porch.api.models import ApiToken
from porch.cli import main
from porch.workspaces.models import Role, Workspace
from tests.api.helpers import Api
from tests.conftest import add_member


def porch(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_create_prints_the_token_once_and_it_works(owner: User, workspace: Workspace) -> None:
    add_member(workspace, "helper@bakery.example", Role.HELPER)
    done = porch(
        "token", "create", "--workspace", workspace.slug, "--email", "Helper@Bakery.example",
        "--name", "Zapier", "--scope", "read", "--scope", "write", "--days", "30",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    text = done.stdout.strip()
    assert text.startswith("porch_") and "\n" not in text
    assert text not in done.stderr and "shown only once" in done.stderr
    token = ApiToken.objects.get()
    assert token.membership.user.email == "helper@bakery.example"
    assert token.scopes == ["read", "write"] and token.prefix in done.stderr
    assert Api(text).get("/workspace").json()["role"] == "helper"


def test_list_and_revoke_show_no_secret(owner: User, workspace: Workspace) -> None:
    made = porch("token", "create", "--email", owner.email, "--name", "Till", "--scope", "read")
    text = made.stdout.strip()
    listed = porch("token", "list", "--workspace", workspace.slug)
    token = ApiToken.objects.get()
    assert listed.exit_code == 0 and token.prefix in listed.output and "active" in listed.output
    assert text not in listed.output and token.secret_hash not in listed.output
    done = porch("token", "revoke", f"porch_{token.prefix}", "--workspace", workspace.slug)
    assert done.exit_code == 0 and "Revoked 'Till'" in done.output
    assert "revoked" in porch("token", "list").output
    assert Api(text).get("/workspace").json()["error"]["code"] == "token_revoked"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["create", "--workspace", "nope", "--email", "x@y", "--name", "n", "--scope", "read"],
         "porch token: no workspace 'nope'"),
        (["create", "--email", "who@x.example", "--name", "n", "--scope", "read"],
         "porch token: who@x.example is not a member of corner-bakery"),
        (["create", "--email", "owner@bakery.example", "--name", " ", "--scope", "read"],
         "porch token: Give the token a name"),
        (["revoke", "0123456789ab"], "porch token: no token '0123456789ab' in corner-bakery"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_no_traceback(
    owner: User, workspace: Workspace, args: list[str], says: str
) -> None:
    done = porch("token", *args)
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit)
    assert "Traceback" not in done.output
    assert done.stderr.strip().startswith(says) and len(done.stderr.strip().splitlines()) == 1
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_a_usage_error(owner: User, workspace: Workspace) -> None:
    done = porch("token", "create", "--email", owner.email, "--name", "n", "--scope", "admin")
    assert done.exit_code == 2 and "'admin' is not one of 'read', 'write', 'publish'" in done.output


def test_schema_prints_the_document_sorted(db: None) -> None:
    done = porch("api", "schema")
    assert done.exit_code == 0 and done.output.endswith("}\n")
    assert json.loads(done.output) == json.loads(json.dumps(api.get_openapi_schema()))
    assert done.output == json.dumps(json.loads(done.output), sort_keys=True, indent=2,
                                      ensure_ascii=False) + "\n"  # fmt: skip
