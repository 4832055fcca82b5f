"""Shared fixtures: real SQLite (or PostgreSQL when DATABASE_URL is set), no mocked database."""

import socket

import pytest
from django.contrib.auth.models import User
from django.test import Client

from porch.workspaces import services
from porch.workspaces.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple"


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
