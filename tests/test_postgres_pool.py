"""The PostgresStore's pool keeps what its docs promise: a unit of work never waits for a
connection, at most ``pool_size`` idle ones are kept (the rest closed after use), close
closes them, and an unreachable server is an error at once with the driver's reason."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable

import psycopg
import pytest

from faktura.errors import StorageError
from faktura.storage.postgres import PostgresStore, PostgresUnitOfWork

pytest_plugins = ["pg_fixture"]


def _backend(uow: PostgresUnitOfWork) -> int:
    row = uow.run("SELECT pg_backend_pid()", action="test").fetchone()
    assert row is not None
    return int(row[0])


def _alive(url: str, pids: Iterable[int], expected: int) -> set[int]:
    """Those of ``pids`` whose server process is still there, once their number is
    ``expected`` or after 10 s (a backend ends shortly after its client closed it)."""
    deadline = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as admin:
        while True:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
            ).fetchall()
            alive = {int(row[0]) for row in rows}
            if len(alive) == expected or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)


def test_more_units_of_work_than_the_pool_holds_never_wait(pg_url: str) -> None:
    store = PostgresStore(pg_url, create=True, pool_size=1)
    try:
        # three at once in one thread: a pool that made the second wait would hang here
        with (
            store.unit_of_work() as a,
            store.unit_of_work() as b,
            store.unit_of_work(readonly=True) as c,
        ):
            pids = {_backend(uow) for uow in (a, b, c)}
        assert len(pids) == 3
        kept = _alive(pg_url, pids, expected=1)  # one kept idle, two closed after use
        assert len(kept) == 1
        with store.unit_of_work(readonly=True) as uow:
            assert {_backend(uow)} == kept  # and reused
    finally:
        store.close()
    assert _alive(pg_url, kept, expected=0) == set()  # close closes the idle one


def test_a_pool_of_size_0_keeps_no_connection(pg_url: str) -> None:
    store = PostgresStore(pg_url, create=True, pool_size=0)
    try:
        pids = []
        for _ in range(2):
            with store.unit_of_work(readonly=True) as uow:
                pids.append(_backend(uow))
        assert pids[0] != pids[1]
        assert _alive(pg_url, pids, expected=0) == set()
    finally:
        store.close()


def test_an_unreachable_server_is_an_error_at_once_with_the_drivers_reason() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StorageError) as info:
        PostgresStore(f"postgresql://postgres@127.0.0.1:{port}/faktura", connect_timeout=2)
    cause = info.value.__cause__
    assert isinstance(cause, psycopg.OperationalError)
    assert str(cause).strip().splitlines()[0] in info.value.message
