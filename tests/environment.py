"""Loaded first (`-p tests.environment` in pyproject.toml), before Django's settings:
each test run gets its own data folder, so runs side by side never share a database file."""

import os
import tempfile

from hypothesis import settings

os.environ["PORCH_DATA"] = tempfile.mkdtemp(prefix="porch-test-")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made from
# test code around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The tests' peers (mastodon-mock, Bluesky's dev network, the local blogs and pages) all run
# on this machine, so the guarded fetcher lets private addresses through; its own tests
# (tests/test_fetch.py) and the refusals in each app turn this off with the `settings` fixture.
os.environ["PORCH_FETCH_ALLOW_PRIVATE"] = "true"

# Hypothesis draws the same examples on every run and every machine (a seed per test, no
# example database carried between runs): a draw that fails, fails everywhere, and CI never
# turns red on a draw nobody can replay. A test that must explore wider says so itself.
settings.register_profile("porch", derandomize=True, database=None, print_blob=True)
settings.load_profile("porch")
