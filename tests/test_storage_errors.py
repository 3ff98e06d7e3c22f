"""Honest retryability of the stores: only a failure a retry can cure is retryable.

Real damage, no mocks: SQLite files overwritten with garbage, files that are no database
or cannot be opened, rows whose JSON was broken behind the store's back, and a real
PostgreSQL server (tests/pg_fixture.py) with a dropped table, a terminated session and
an error of the data-corruption class. A damaged row is named by its id and fails the
whole list page (docs/billing-and-storage.md says why).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from faktura.errors import StorageError
from faktura.invoice import DocumentKind, Invoice
from faktura.ports import InvoiceQuery
from faktura.storage.postgres import PostgresStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.contract import add, api_key, draft, seeded

pytest_plugins = ["pg_fixture"]

KEY_ID = "0123456789abcdef"
PAGE = 4096  # SQLite's default page size, the one faktura's files use


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "faktura.db"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    store = seeded(SqliteStore(path, create=True))
    yield store
    store.close()


def invoices(count: int) -> list[Invoice]:
    return [draft(f"inv-{n}", description="Workshop " * 20) for n in range(1, count + 1)]


def overwrite_pages(path: Path, first: int) -> None:
    """Garbage over every page of the file from page ``first`` (1-based) on."""
    pages = os.path.getsize(path) // PAGE
    assert pages > first, "the file is too small to damage its data alone"
    with path.open("r+b") as file:
        for page in range(first - 1, pages):
            file.seek(page * PAGE)
            file.write(b"\xa5" * PAGE)


def checkpoint(path: Path) -> None:
    """Move what the write-ahead log holds into the file itself."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def sql(path: Path, statement: str, *params: object) -> None:
    """A statement run behind the store's back, as damage from outside would be."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(statement, params)
    finally:
        conn.close()


def driver_code(error: StorageError) -> str | None:
    code: str | None = getattr(error.__cause__, "sqlite_errorname", None)
    return code


# -- SQLite: the file --------------------------------------------------------------------------


def test_a_corrupt_file_is_not_retryable(store: SqliteStore, path: Path) -> None:
    add(store, *invoices(60))
    store.close()
    overwrite_pages(path, 2)
    with pytest.raises(StorageError) as info:
        SqliteStore(path)
    assert not info.value.retryable
    assert driver_code(info.value) == "SQLITE_CORRUPT"
    assert "damaged" in info.value.message


def test_a_file_corrupted_while_open_is_not_retryable(store: SqliteStore, path: Path) -> None:
    add(store, *invoices(60))
    checkpoint(path)
    overwrite_pages(path, 2)
    for _ in range(2):  # and stays so: a retry meets the same damage
        with pytest.raises(StorageError) as info, store.unit_of_work(readonly=True) as uow:
            uow.invoices.list("co-a", InvoiceQuery(limit=100))
        assert not info.value.retryable
        assert driver_code(info.value) == "SQLITE_CORRUPT"


def test_a_file_that_is_not_a_database_is_not_retryable(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite database, just text\n" * 200)
    with pytest.raises(StorageError) as info:
        SqliteStore(path)
    assert not info.value.retryable
    assert driver_code(info.value) == "SQLITE_NOTADB"
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)


def test_a_file_that_cannot_be_opened_is_not_retryable(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as info:
        SqliteStore(tmp_path / "no-such-directory" / "faktura.db", create=True)
    assert not info.value.retryable
    assert driver_code(info.value) == "SQLITE_CANTOPEN"


def test_a_locked_file_stays_retryable(path: Path) -> None:
    store = seeded(SqliteStore(path, create=True, timeout=0.2))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError) as info:
            store.unit_of_work().__enter__()
        assert info.value.retryable
        assert driver_code(info.value) == "SQLITE_BUSY"
    finally:
        other.close()
        store.close()


# -- SQLite: one damaged row -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [InvoiceQuery(kind=DocumentKind.INVOICE), InvoiceQuery(kind=None), InvoiceQuery(search="wor")],
    ids=["by-position", "filtered", "searched"],
)
def test_a_damaged_row_fails_its_page_naming_it(
    store: SqliteStore, path: Path, query: InvoiceQuery
) -> None:
    add(store, *invoices(3))
    sql(path, "UPDATE invoices SET summary = '{\"id\": ' WHERE id = 'inv-2'")
    with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError) as info:
        uow.invoices.list("co-a", query)
    error = info.value
    assert not error.retryable
    assert (error.entity, error.entity_id) == ("invoice", "inv-2")
    assert "'inv-2'" in error.message
    assert error.to_dict()["id"] == "inv-2"
    assert isinstance(error.__cause__, ValueError)
    with store.unit_of_work(readonly=True) as uow:  # the other rows are intact
        assert uow.invoices.get("co-a", "inv-1").id == "inv-1"
        assert uow.invoices.get("co-a", "inv-3").id == "inv-3"


def test_a_damaged_document_is_named_when_read(store: SqliteStore, path: Path) -> None:
    add(store, *invoices(2))
    sql(path, "UPDATE invoices SET doc = '{\"id\": \"inv-2\"}' WHERE id = 'inv-2'")
    with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError) as info:
        uow.invoices.get("co-a", "inv-2")
    assert not info.value.retryable
    assert (info.value.entity, info.value.entity_id) == ("invoice", "inv-2")


def test_damaged_rows_of_every_kind_are_named(store: SqliteStore, path: Path) -> None:
    with store.unit_of_work() as uow:
        uow.api_keys.add(api_key(KEY_ID))
        uow.commit()
    sql(path, "UPDATE customers SET doc = 'not json' WHERE id = 'cu-2'")
    sql(path, "UPDATE api_keys SET doc = '[]' WHERE id = ?", KEY_ID)
    sql(path, "UPDATE companies SET doc = '{}' WHERE id = 'co-a'")
    reads = {
        ("customer", "cu-2"): lambda uow: uow.customers.list("co-a"),
        ("api key", KEY_ID): lambda uow: uow.api_keys.for_company("co-a"),
        ("company", "co-a"): lambda uow: uow.companies.list(),
    }
    for (entity, entity_id), read in reads.items():
        with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError) as info:
            read(uow)
        assert not info.value.retryable, entity
        assert (info.value.entity, info.value.entity_id) == (entity, entity_id)


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[PostgresStore]:
    store = seeded(PostgresStore(pg_url, create=True))
    yield store
    store.close()


def test_pg_a_damaged_row_fails_its_page_naming_it(pg_store: PostgresStore, pg_url: str) -> None:
    add(pg_store, *invoices(3))
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("UPDATE invoices SET summary = '{\"id\": 1}'::jsonb WHERE id = 'inv-2'")
    with pg_store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError) as info:
        uow.invoices.list("co-a", InvoiceQuery())
    assert not info.value.retryable
    assert (info.value.entity, info.value.entity_id) == ("invoice", "inv-2")
    with pg_store.unit_of_work(readonly=True) as uow:
        assert uow.invoices.get("co-a", "inv-3").id == "inv-3"


def test_pg_a_missing_table_is_not_retryable(pg_store: PostgresStore, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP TABLE invoices")
    with pg_store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError) as info:
        uow.invoices.get("co-a", "inv-1")
    assert not info.value.retryable
    assert isinstance(info.value.__cause__, psycopg.errors.UndefinedTable)


def test_pg_data_corruption_is_not_retryable(pg_store: PostgresStore) -> None:
    # the server's own error of class XX (data_corrupted), as a damaged page would raise
    with pg_store.unit_of_work() as uow, pytest.raises(StorageError) as info:
        uow.run(
            "DO $$ BEGIN RAISE EXCEPTION 'page damaged' USING ERRCODE = 'data_corrupted'; END $$",
            action="read invoices",
        )
    assert not info.value.retryable
    assert isinstance(info.value.__cause__, psycopg.errors.DataCorrupted)
    assert "damaged" in info.value.message


def test_pg_a_lost_connection_stays_retryable(pg_store: PostgresStore, pg_url: str) -> None:
    with pg_store.unit_of_work() as uow:
        row = uow.run("SELECT pg_backend_pid()", action="test").fetchone()
        assert row is not None
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (row[0],))
        with pytest.raises(StorageError) as info:
            uow.invoices.list("co-a", InvoiceQuery())
        assert info.value.retryable
        with pytest.raises(StorageError) as info:
            uow.commit()
        assert info.value.retryable  # the failed statement was, so the whole unit is


def test_pg_a_lock_timeout_stays_retryable(pg_store: PostgresStore, pg_url: str) -> None:
    add(pg_store, *invoices(1))
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT 1 FROM invoices WHERE id = 'inv-1' FOR UPDATE")
        with pg_store.unit_of_work() as uow:
            uow.run("SET LOCAL lock_timeout = '100ms'", action="test")
            with pytest.raises(StorageError) as info:
                uow.run("SELECT 1 FROM invoices WHERE id = 'inv-1' FOR UPDATE", action="lock")
        assert info.value.retryable
        assert isinstance(info.value.__cause__, psycopg.errors.LockNotAvailable)
