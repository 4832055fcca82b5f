"""Accounts here use real PBKDF2 with fewer rounds (CountingHasher), so sign-ins are quick."""

import pytest


@pytest.fixture(autouse=True)
def quick_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["tests.workspaces.hashers.CountingHasher"]
