"""pytest fixture for tests that run on every store faktura ships: ``make_store`` opens
the memory store, a SQLite file or a PostgreSQL database (``pg_fixture``) of the test,
the same one again on each call. A test module asks for it with
``pytest_plugins = ["pg_fixture", "store_fixture"]``.

PYTEST_DONT_REWRITE: --doctest-modules imports this file before a test module names it as
a plugin (as it does pg_fixture), too late for assertion rewriting; it asserts nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from faktura.ports import Store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens the same store again on each call (one store for memory)."""
    opened: list[Store] = []
    if request.param == "memory":
        memory = MemoryStore()

        def make() -> Store:
            return memory

    elif request.param == "sqlite":

        def make() -> Store:
            store = SqliteStore(tmp_path / "runs.db", create=True)
            opened.append(store)
            return store

    else:
        from faktura.storage.postgres import PostgresStore

        url = request.getfixturevalue("pg_url")

        def make() -> Store:
            store = PostgresStore(url, create=True)
            opened.append(store)
            return store

    yield make
    for store in opened:
        store.close()
