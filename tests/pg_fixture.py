"""pytest fixtures for tests that need PostgreSQL: one throwaway cluster per session
(``pg_cluster``) and a fresh, dropped-afterwards database per test (``pg_url``).

A test module asks for them with ``pytest_plugins = ["pg_fixture"]`` (pytest puts tests/
on sys.path), which registers the fixtures once for the whole session; importing them by
name into several modules would start one cluster per module instead.

Without PostgreSQL's server binaries the tests are skipped with a hint how to install
them, except under CI=true, where they fail: CI must never pass by skipping them.

PYTEST_DONT_REWRITE: --doctest-modules imports this file before a test module names it as
a plugin, too late for assertion rewriting, and pytest would warn (an error here); it
asserts nothing anyway.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest

from faktura.errors import ConfigurationError
from faktura.testing.postgres import PostgresCluster


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> NoReturn:
    hint = "as root on Debian, .ci/install-postgres installs it"
    if _on_ci():
        pytest.fail(
            f"CI=true needs PostgreSQL, which is not usable: {reason} ({hint})", pytrace=False
        )
    pytest.skip(f"PostgreSQL not usable: {reason} ({hint})")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of its own for this test session, on a free port of 127.0.0.1."""
    cluster = PostgresCluster()
    try:
        cluster.start()
    except ConfigurationError as exc:  # no binaries, or root without a `postgres` user
        problem = exc.message
    else:
        problem = ""
    if problem:  # outside the except: one message, not the chained ConfigurationError too
        _unavailable(problem)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database for this test alone; dropped afterwards."""
    name = _database_name(request.node.name)
    try:
        url = pg_cluster.create_database(name)
    except ConfigurationError as exc:  # psycopg missing
        problem = exc.message
    else:
        problem = ""
    if problem:
        _unavailable(problem)
    yield url
    pg_cluster.drop_database(name)


def _database_name(test_name: str) -> str:
    """``t_<test name>_<random>``: readable in pg_stat_activity, unique, at most 63 bytes."""
    readable = re.sub(r"[^a-z0-9]+", "_", test_name.lower()).strip("_")[:40]
    return f"t_{readable}_{uuid.uuid4().hex[:12]}"
