"""Shared fixtures: real SQLite (or PostgreSQL when DATABASE_URL is set), no mocked database."""

import itertools
import socket
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from porch.workspaces import services
from porch.workspaces.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple"
_fake_networks = itertools.count()


@pytest.fixture(autouse=True)
def fake_network(settings: Any) -> Path:
    """Each test gets an empty fake network of its own (porch/networks/fake/store.py)."""
    fresh = Path(settings.DATA_DIR) / f"fake-network-{next(_fake_networks)}.sqlite3"
    settings.FAKE_NETWORK_DB = str(fresh)
    return fresh


@pytest.fixture
def owner(db: None) -> User:
    return services.create_user("owner@bakery.example", PASSWORD)


@pytest.fixture
def workspace(owner: User) -> Workspace:
    return services.create_workspace(owner, "Corner Bakery", "Europe/London")


@pytest.fixture
def signed_in(client: Client, owner: User, workspace: Workspace) -> Client:
    client.force_login(owner)
    return client


def add_member(workspace: Workspace, email: str, role: Role) -> User:
    user = services.create_user(email, PASSWORD)
    Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
