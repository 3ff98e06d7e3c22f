"""PostgresStore against the store contract, plus what only PostgreSQL can show: schema
versions, driver errors translated, and plans that use the list and search indexes.

Each test gets a database of its own (``pg_url``); each store of a test a schema of its
own in it (a URL with ``options=-csearch_path=...``), which is much cheaper than a
database per store when the contract's property test builds dozens of stores.
"""

from __future__ import annotations

import itertools
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from faktura import Billing
from faktura.dunning import ReminderPolicy
from faktura.errors import ConfigurationError, ConflictError, StorageError
from faktura.invoice import DocumentKind, Invoice
from faktura.parties import Customer
from faktura.ports import OVERDUE, InvoiceQuery, Store
from faktura.receivables import BankOutcome
from faktura.storage import open_store
from faktura.storage.codec import dumps
from faktura.storage.postgres import SCHEMA_VERSION, PostgresStore
from faktura.storage.postgres.invoice_lists import _union, invoice_arms
from faktura.storage.postgres.schema import _migrate
from faktura.storage.query import matches, newest_first
from faktura.testing.clock import ManualClock
from faktura.testing.contract import (
    AT,
    DAY,
    FullStoreContract,
    StoreLocation,
    add,
    company,
    customer,
    draft,
    endpoint,
    message,
    past_due,
    schedule,
    seeded,
)
from faktura.testing.contract.collections import account_entry, bank_entry, reminder
from faktura.wire import new_draft

pytest_plugins = ["pg_fixture"]


def in_schema(url: str, schema: str, **settings: str) -> str:
    """``url`` with faktura's tables in ``schema`` (and other session settings)."""
    options = [f"-csearch_path%3D{schema}"]
    options += [f"-c{name}%3D{value}" for name, value in settings.items()]
    return f"{url}?options={'%20'.join(options)}"


@pytest.fixture
def schemas(pg_url: str) -> Callable[..., str]:
    """Makes a new schema in the test's database and returns a URL using it.

    pg_trgm goes to ``public`` once, so that dropping no store's schema drops it.
    """
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    counter = itertools.count()

    def make(**settings: str) -> str:
        name = f"s{next(counter)}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return in_schema(pg_url, name, **settings)

    return make


class TestPostgresStore(FullStoreContract):
    @pytest.fixture
    def make_store(self, schemas: Callable[..., str]) -> Callable[[], Store]:
        return lambda: PostgresStore(schemas(), create=True)

    @pytest.fixture
    def store_location(self, schemas: Callable[..., str]) -> Callable[[], StoreLocation]:
        """A schema with faktura's tables; PostgresStore(url) opens it anew."""

        def make() -> StoreLocation:
            url = schemas()
            PostgresStore(url, create=True).close()
            return StoreLocation.of(PostgresStore, url)

        return make


@pytest.fixture
def store(schemas: Callable[..., str]) -> Iterator[PostgresStore]:
    built = PostgresStore(schemas(), create=True)
    seeded(built)
    yield built
    built.close()


# -- opening: schema and configuration ----------------------------------------------------


def test_open_store_picks_postgres(pg_url: str) -> None:
    store = open_store(pg_url, create=True)
    try:
        assert isinstance(store, PostgresStore)
        assert "127.0.0.1" in repr(store)
    finally:
        store.close()


def test_without_create_a_database_without_the_schema_is_refused(pg_url: str) -> None:
    with pytest.raises(ConfigurationError, match="create=True"):
        PostgresStore(pg_url)
    with pytest.raises(ConfigurationError):
        open_store(pg_url)
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT to_regclass('invoices'), to_regclass('schema_version')")
        assert row.fetchone() == (None, None)  # nothing was created on the way


def test_create_records_the_version_and_is_idempotent(pg_url: str) -> None:
    PostgresStore(pg_url, create=True).close()
    PostgresStore(pg_url, create=True).close()
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_a_version_3_schema_is_migrated_with_its_list_totals(pg_url: str) -> None:
    store = seeded(PostgresStore(pg_url, create=True), "co-a")
    try:
        booked = draft("inv-1").book("2026-00001", AT).invoice
        add(store, booked, draft("inv-2"), draft("inv-3", customer_id="cu-2"))
    finally:
        store.close()
    with psycopg.connect(pg_url) as conn:  # back to version 3: no list totals
        # (nor lines apart, version 5, nor what is owed, version 6, nor the outbox and
        # schedules, version 7, nor reminders and accounts, version 8)
        conn.execute(
            "DROP TABLE reminder_policies, reminders, account_entries, bank_entry_payments, "
            "bank_entries"
        )
        conn.execute("DELETE FROM schema_version WHERE version = 8")
        conn.execute("DROP TABLE outbox, webhook_endpoints, schedules")
        conn.execute("DELETE FROM schema_version WHERE version = 7")
        conn.execute("DROP INDEX invoices_overdue")
        conn.execute("ALTER TABLE invoices DROP COLUMN owed")
        conn.execute("DELETE FROM schema_version WHERE version = 6")
        conn.execute("UPDATE invoices SET doc = doc || jsonb_build_object('lines', lines)")
        conn.execute("ALTER TABLE invoices DROP COLUMN lines")
        conn.execute("DELETE FROM schema_version WHERE version = 5")
        conn.execute("DROP TABLE invoice_counts, invoice_customer_counts")
        conn.execute("DROP FUNCTION faktura_count_invoices() CASCADE")
        conn.execute("DROP INDEX invoices_by_status_customer")
        conn.execute("DELETE FROM schema_version WHERE version = 4")
    with pytest.raises(ConfigurationError, match="migrate"):
        PostgresStore(pg_url)
    store = PostgresStore(pg_url, create=True)
    try:
        with store.unit_of_work(readonly=True) as uow:
            for query, total in (
                (InvoiceQuery(), 3),
                (InvoiceQuery(status="draft"), 2),
                (InvoiceQuery(status=booked.status), 1),
                (InvoiceQuery(customer_id="cu-2"), 1),
                (InvoiceQuery(customer_id="cu-1", status="draft", kind=None), 1),
            ):
                found = uow.invoices.list("co-a", query)
                assert (len(found.items), found.total, found.exact) == (total, total, True)
            # the lines are moved apart from the header (version 5), the document the same
            again = uow.invoices.get("co-a", "inv-1")
            assert again == booked
            assert again.lines == booked.lines
            assert again.amounts == booked.totals.document()
            # what is owed was worked out for the documents there (version 6)
            overdue = InvoiceQuery(status=OVERDUE, today=booked.due_date + timedelta(days=1))
            assert [i.id for i in uow.invoices.list("co-a", overdue).items] == ["inv-1"]
    finally:
        store.close()


def test_a_version_5_schema_is_migrated_with_what_is_owed(schemas: Callable[..., str]) -> None:
    documents = past_due(DAY)
    newer, older = schemas(), schemas()
    store = seeded(PostgresStore(newer, create=True))
    try:
        add(store, *documents)
    finally:
        store.close()
    with psycopg.connect(newer) as conn:
        source = conn.execute("SELECT current_schema()").fetchone()
    assert source is not None
    # a schema as faktura made it at version 5, holding the same rows
    with psycopg.connect(older, autocommit=True) as conn:
        _migrate(conn, upto=5)
        for table in ("companies", "customers", "invoices"):
            columns = sql.SQL(", ").join(
                sql.Identifier(name)
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema"
                    " = current_schema() AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
            )
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}.{}").format(
                    sql.Identifier(table),
                    columns,
                    columns,
                    sql.Identifier(source[0]),
                    sql.Identifier(table),
                )
            )
        versions = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        assert versions == (5,)
        owed = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND column_name = 'owed'"
        )
        assert owed.fetchone() is None
    with pytest.raises(ConfigurationError, match="migrate"):
        PostgresStore(older)
    store = PostgresStore(older, create=True)
    try:
        with store.unit_of_work(readonly=True) as uow:
            for kind in (DocumentKind.INVOICE, None):
                query = InvoiceQuery(status=OVERDUE, today=DAY, kind=kind)
                found = uow.invoices.list("co-a", query)
                expected = newest_first(d for d in documents if matches(d, query))
                assert [i.id for i in found.items] == [d.id for d in expected]
                assert [d.id for d in expected] == ["paid-in-part", "owed"]
            # the owed documents' flag is kept from here on: paid in full, not overdue
            assert {d.id: uow.invoices.get("co-a", d.id) for d in documents} == {
                d.id: d for d in documents
            }
        paid_in_part = next(d for d in documents if d.id == "paid-in-part")
        with store.unit_of_work() as uow:
            paid = paid_in_part.record_payment(paid_in_part.outstanding, DAY, AT).invoice
            uow.invoices.update(paid, paid_in_part.version)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            found = uow.invoices.list("co-a", InvoiceQuery(status=OVERDUE, today=DAY))
            assert [i.id for i in found.items] == ["owed"]
    finally:
        store.close()


def test_a_version_6_schema_is_migrated_with_an_outbox_and_schedules(
    schemas: Callable[..., str],
) -> None:
    # a schema as faktura made it at version 6, holding a company and its customer
    url = schemas()
    buyer = customer()
    with psycopg.connect(url, autocommit=True) as conn:
        _migrate(conn, upto=6)
        conn.execute(
            "INSERT INTO companies (id, doc) VALUES (%s, %s::jsonb)", ("co-a", dumps(company()))
        )
        conn.execute(
            "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
            (
                "co-a",
                buyer.id,
                buyer.name,
                buyer.number,
                buyer.name.lower(),
                buyer.id,
                dumps(buyer),
            ),
        )
        found = conn.execute(
            "SELECT to_regclass('outbox'), to_regclass('webhook_endpoints'), "
            "to_regclass('schedules'), max(version) FROM schema_version"
        ).fetchone()
        assert found == (None, None, None, 6)
    with pytest.raises(ConfigurationError, match="migrate"):
        PostgresStore(url)
    store = PostgresStore(url, create=True)
    try:
        with psycopg.connect(url) as conn:
            versions = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        assert versions == (SCHEMA_VERSION,)
        with store.unit_of_work() as uow:
            assert uow.companies.get("co-a") == company()
            uow.webhooks.add(endpoint("we-1"))
            uow.schedules.add(schedule("sc-1"))
            uow.commit()
        billing = Billing(store, ManualClock(AT))
        drafted = billing.create_draft(
            "co-a",
            new_draft(
                {
                    "customerId": buyer.id,
                    "lines": [{"description": "Hours", "quantity": "1", "unitPrice": "9"}],
                }
            ),
        )
        with store.unit_of_work(readonly=True) as uow:
            due = uow.outbox.due(AT + timedelta(days=1), 10)
            assert [m.event for m in due] == uow.events.for_invoice("co-a", drafted.id)
            assert uow.webhooks.for_company("co-a") == [endpoint("we-1")]
            assert uow.schedules.list("co-a") == [schedule("sc-1")]
    finally:
        store.close()


def test_a_version_7_schema_is_migrated_with_reminders_and_accounts(
    schemas: Callable[..., str],
) -> None:
    # a schema as faktura made it at version 7, holding a company and its schedule
    url = schemas()
    with psycopg.connect(url, autocommit=True) as conn:
        _migrate(conn, upto=7)
        conn.execute(
            "INSERT INTO companies (id, doc) VALUES (%s, %s::jsonb)", ("co-a", dumps(company()))
        )
        conn.execute(
            "INSERT INTO schedules (company_id, id, version, doc) VALUES (%s, %s, %s, %s::jsonb)",
            ("co-a", "sc-1", 1, dumps(schedule("sc-1"))),
        )
        found = conn.execute(
            "SELECT to_regclass('reminder_policies'), to_regclass('reminders'), "
            "to_regclass('account_entries'), to_regclass('bank_entries'), "
            "to_regclass('bank_entry_payments'), max(version) FROM schema_version"
        ).fetchone()
        assert found == (None, None, None, None, None, 7)
    with pytest.raises(ConfigurationError, match="migrate"):
        PostgresStore(url)
    store = PostgresStore(url, create=True)
    try:
        with psycopg.connect(url) as conn:
            versions = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        assert versions == (SCHEMA_VERSION,) == (8,)
        with store.unit_of_work() as uow:
            assert uow.schedules.list("co-a") == [schedule("sc-1")]
            assert uow.reminders.policy("co-a") is None
            uow.reminders.set_policy("co-a", ReminderPolicy.danish())
            uow.reminders.add(reminder("rm-1", payment_id="000000202400420"))
            uow.accounts.add(account_entry("ae-1"))
            assert uow.accounts.add_bank_entry(bank_entry("tx-1")) is True
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.policy("co-a") == ReminderPolicy.danish()
            assert uow.reminders.by_reference("co-a", "000000202400420") == reminder(
                "rm-1", payment_id="000000202400420"
            )
            assert uow.accounts.for_customer("co-a", "cu-1") == [account_entry("ae-1")]
            assert uow.accounts.bank_entries("co-a", BankOutcome.MATCHED) == [bank_entry("tx-1")]
            assert uow.accounts.receipt("co-a", "pay-tx-1") == bank_entry("tx-1")
    finally:
        store.close()


def test_concurrent_dispatchers_take_disjoint_messages(store: PostgresStore) -> None:
    """Writing units of work hold the due messages they read (FOR UPDATE SKIP LOCKED):
    another one's ``due`` skips them and takes the next, until the first ends; a reader
    sees them all and waits for nobody."""
    added = [message(f"m-{n}", minutes=n // 2) for n in range(7)]
    with store.unit_of_work() as uow:
        for made in added:
            uow.outbox.add(made)
        uow.commit()
    later = AT + timedelta(days=1)
    with store.unit_of_work() as first, store.unit_of_work() as second:
        taken = first.outbox.due(later, 3)
        skipped = second.outbox.due(later, 3)
        assert taken == added[:3]
        assert skipped == added[3:6]
        with store.unit_of_work() as third:
            assert third.outbox.due(later, 10) == added[6:]
        with store.unit_of_work(readonly=True) as reader:
            assert reader.outbox.due(later, 10) == added
        for made in taken:
            first.outbox.remove("co-a", made.id)
        first.commit()
        # the second's messages stay held until it ends; the first's are gone
        with store.unit_of_work() as third:
            assert third.outbox.due(later, 10) == added[6:]
        second.rollback()
    with store.unit_of_work() as uow:
        assert uow.outbox.due(later, 10) == added[3:]


def test_concurrent_dispatcher_threads_never_share_a_message(
    store: PostgresStore,
) -> None:
    """Dispatchers in threads, each taking a few due messages at a time and removing
    them in its unit of work: every message is taken exactly once."""
    added = [message(f"m-{n:02d}", minutes=n % 5) for n in range(40)]
    with store.unit_of_work() as uow:
        for made in added:
            uow.outbox.add(made)
        uow.commit()
    taken: list[list[str]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(taken))

    def dispatch(mine: list[str]) -> None:
        try:
            start.wait()
            while True:
                with store.unit_of_work() as uow:
                    due = uow.outbox.due(AT + timedelta(days=1), 3)
                    if not due:
                        return
                    for made in due:
                        uow.outbox.remove(made.company_id, made.id)
                    uow.commit()
                mine.extend(made.id for made in due)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=dispatch, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everything = [made_id for mine in taken for made_id in mine]
    assert sorted(everything) == sorted(m.id for m in added)  # each exactly once


def test_due_outbox_messages_are_read_through_the_partial_index(
    schemas: Callable[..., str],
) -> None:
    url = schemas()
    PostgresStore(url, create=True).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            str(row[0])
            for row in conn.execute(
                "EXPLAIN SELECT id, doc FROM outbox WHERE next_at IS NOT NULL "
                "AND next_at <= %s ORDER BY next_at, seq LIMIT 10 FOR UPDATE SKIP LOCKED",
                (AT,),
            )
        )
    assert "outbox_due" in plan
    assert "Sort" not in plan


def test_concurrent_creators_agree(pg_url: str) -> None:
    errors: list[BaseException] = []

    def create() -> None:
        try:
            PostgresStore(pg_url, create=True).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    PostgresStore(pg_url).close()


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    PostgresStore(pg_url, create=True).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    for create in (False, True):
        with pytest.raises(ConfigurationError, match="newer"):
            PostgresStore(pg_url, create=create)


def test_an_older_schema_needs_create_to_migrate(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE schema_version (version integer PRIMARY KEY)")
    with pytest.raises(ConfigurationError, match="migrate"):
        PostgresStore(pg_url)


def test_without_psycopg_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'faktura\[postgres\]'"):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none")


def test_a_malformed_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        PostgresStore("postgresql://127.0.0.1/db?no_such_option=1")


# -- driver errors never leak -------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_server_is_a_storage_error() -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{_closed_port()}/faktura"
    with pytest.raises(StorageError) as info:
        PostgresStore(url, connect_timeout=2)
    assert not isinstance(info.value, psycopg.Error)
    assert isinstance(info.value.__cause__, psycopg.Error)
    assert info.value.retryable
    assert "secret" not in str(info.value)


def test_a_lost_connection_is_a_storage_error(store: PostgresStore, pg_url: str) -> None:
    with store.unit_of_work() as uow:
        uow.invoices.add(draft("inv-1"))
        pid = uow.run("SELECT pg_backend_pid()", action="test").fetchone()[0]  # type: ignore[index]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))
        with pytest.raises(StorageError) as info:
            uow.invoices.get("co-a", "inv-1")
        assert isinstance(info.value.__cause__, psycopg.Error)
        with pytest.raises(StorageError):
            uow.commit()
    # the store recovers: the broken connection was not put back into the pool
    with store.unit_of_work(readonly=True) as uow:
        assert uow.invoices.list("co-a", InvoiceQuery()).total == 0


def test_pooled_connections_the_server_dropped_are_replaced(
    store: PostgresStore, pg_url: str
) -> None:
    with store.unit_of_work() as first, store.unit_of_work(readonly=True) as second:
        pids = [
            uow.run("SELECT pg_backend_pid()", action="test").fetchone()[0]  # type: ignore[index]
            for uow in (first, second)
        ]
    with psycopg.connect(pg_url, autocommit=True) as admin:  # as a server restart would
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))
    for _ in range(3):
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.list("co-a", InvoiceQuery()).total == 0


def test_a_taken_number_on_update_is_a_conflict(store: PostgresStore) -> None:
    add(store, draft("inv-1").book("7", AT).invoice, draft("inv-2"))
    with store.unit_of_work() as uow:
        original = uow.invoices.get("co-a", "inv-2")
        booked = original.book("7", original.created_at).invoice
        with pytest.raises(ConflictError) as info:
            uow.invoices.update(booked, original.version)
        assert isinstance(info.value.__cause__, psycopg.errors.UniqueViolation)
        # PostgreSQL refuses the rest of a failed transaction: commit says so
        with pytest.raises(StorageError, match="rolled back"):
            uow.commit()
    with store.unit_of_work(readonly=True) as uow:
        assert uow.invoices.get("co-a", "inv-2").number is None


def test_a_deadlock_is_a_retryable_conflict(schemas: Callable[..., str]) -> None:
    store = seeded(PostgresStore(schemas(deadlock_timeout="50ms"), create=True))
    try:
        first, second = draft("inv-1"), draft("inv-2")
        add(store, first, second)
        barrier = threading.Barrier(2, timeout=30)
        outcomes: list[BaseException | None] = []

        def write(order: tuple[Invoice, Invoice]) -> None:
            try:
                with store.unit_of_work() as uow:
                    for n, invoice in enumerate(order):
                        uow.invoices.update(invoice.update(invoice.created_at).invoice, 1)
                        if n == 0:
                            barrier.wait()
                    uow.commit()
                outcomes.append(None)
            except BaseException as exc:  # inspected below
                outcomes.append(exc)

        threads = [
            threading.Thread(target=write, args=(order,))
            for order in ((first, second), (second, first))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = [o for o in outcomes if o is not None]
        assert len(failures) == 1
        assert isinstance(failures[0], ConflictError)
        assert failures[0].retryable
        assert isinstance(failures[0].__cause__, psycopg.errors.DeadlockDetected)
    finally:
        store.close()


def test_a_readonly_unit_of_work_refuses_writes(store: PostgresStore) -> None:
    with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError, match="read-only"):
        uow.invoices.add(draft("inv-1"))
    with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError, match="read-only"):
        uow.run("DELETE FROM invoices", action="delete")


def test_a_closed_store_refuses_units_of_work(store: PostgresStore) -> None:
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.unit_of_work().__enter__()


def test_search_text_postgres_cannot_hold_finds_nothing(store: PostgresStore) -> None:
    add(store, draft("inv-1", description="plain"))
    with store.unit_of_work(readonly=True) as uow:
        for text in ("a\x00b", "\ud800"):
            assert uow.invoices.list("co-a", InvoiceQuery(search=text)).total == 0
            assert uow.customers.list("co-a", search=text).total == 0


def test_a_role_without_privileges_is_a_configuration_error(pg_url: str) -> None:
    PostgresStore(pg_url, create=True).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS faktura_nobody")
        conn.execute("CREATE ROLE faktura_nobody LOGIN")
    try:
        with pytest.raises(ConfigurationError, match="privilege"):
            PostgresStore(pg_url.replace("postgres@", "faktura_nobody@", 1))
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP ROLE faktura_nobody")


def test_a_forked_child_leaves_the_parents_connections_alone(store: PostgresStore) -> None:
    with store.unit_of_work(readonly=True) as uow:  # the pool now holds a connection
        backend = uow.run("SELECT pg_backend_pid()", action="test").fetchone()
    pid = os.fork()
    if pid == 0:  # the child: book through the inherited store, then close it
        code = 1
        try:
            add(store, draft("inv-child"))
            store.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with store.unit_of_work(readonly=True) as uow:  # the same session, still usable
        assert uow.run("SELECT pg_backend_pid()", action="test").fetchone() == backend
        assert uow.invoices.get("co-a", "inv-child").id == "inv-child"


# -- search: exactly the reference semantics, whatever the characters -------------------

# Python and PostgreSQL fold case differently (dotted capital I, the micro sign, titlecase
# digraphs, Cherokee, and in the C locale everything beyond ASCII), and LIKE has syntax
# of its own that must stay literal.
TRICKY = [*"aAbB0 µμMİiIǅǆǄᎠꭰ%_\\'\"", "\n", "ß", "SS", "Σ", "ς"]
texts = st.lists(
    st.sampled_from(TRICKY) | st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=8
).map("".join)


def _name(text: str) -> str:
    """A customer name from the text: one line (a name has no line breaks)."""
    one_line = text.replace("\n", " ")
    return one_line if one_line.strip() else "-"


def test_search_agrees_with_the_reference_for_any_text(store: PostgresStore) -> None:
    companies = itertools.count()

    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(texts, st.none() | texts), min_size=1, max_size=5), st.data())
    def check(documents: list[tuple[str, str | None]], data: st.DataObject) -> None:
        company_id = f"c{next(companies)}"
        invoices = []
        for n, (description, number) in enumerate(documents):
            invoice = draft(f"i{n}", company_id=company_id, description=description or None)
            if number and number.strip():
                invoice = invoice.book(f"{number}/{n}", AT).invoice  # unique in the company
            invoices.append(invoice)
        add(store, *invoices)
        with store.unit_of_work() as uow:
            for n, (description, _) in enumerate(documents):
                uow.customers.add(
                    Customer(
                        id=f"k{n}", company_id=company_id, name=_name(description), number=f"n{n}"
                    )
                )
            uow.commit()
        source = data.draw(st.sampled_from([d for d, _ in documents]))
        start = data.draw(st.integers(0, len(source)))
        piece = source[start : start + data.draw(st.integers(1, 5))]
        needle = data.draw(st.sampled_from([piece, piece.upper(), piece.lower()]) | texts)
        query = InvoiceQuery(search=needle, limit=100)
        expected = newest_first(i for i in invoices if matches(i, query))
        with store.unit_of_work(readonly=True) as uow:
            found = uow.invoices.list(company_id, query)
            customers = uow.customers.list(company_id, 1, 100, search=needle)
        assert [i.id for i in found.items] == [i.id for i in expected]
        assert found.total == len(expected)
        lowered = needle.lower()
        assert sorted(c.id for c in customers.items) == sorted(
            f"k{n}"
            for n, (description, _) in enumerate(documents)
            if not needle or lowered in _name(description).lower() or lowered in f"n{n}"
        )

    check()


# -- plans ------------------------------------------------------------------------------


def _plan(store: PostgresStore, company_id: str, query: InvoiceQuery) -> str:
    (plan,) = _plans(store, company_id, query)
    return plan


def _plans(store: PostgresStore, company_id: str, query: InvoiceQuery) -> list[str]:
    """The plan of each arm of ``query``'s page (``invoice_arms``)."""
    found = invoice_arms(company_id, query)
    assert found is not None
    plans = []
    for where, params in found:
        with store.unit_of_work(readonly=True) as uow:
            rows = uow.run(
                "EXPLAIN SELECT doc FROM invoices WHERE " + where + " ORDER BY issue_date DESC,"
                " id DESC LIMIT %s OFFSET %s",
                [*params, query.limit, query.offset],
                action="explain",
            ).fetchall()
        plans.append("\n".join(str(row[0]) for row in rows))
    return plans


def test_lists_and_searches_use_the_indexes(schemas: Callable[..., str]) -> None:
    url = schemas()
    store = seeded(PostgresStore(url, create=True), "co-a", "co-b", "co-c")
    try:
        words = ["consulting", "workshop", "travel", "licence", "support", "hosting"]
        for company_id in ("co-a", "co-b", "co-c"):
            invoices: list[Invoice] = []
            for n in range(1000):
                invoice = draft(
                    f"{company_id}-{n:05d}",
                    company_id=company_id,
                    customer_id="cu-1" if n % 3 else "cu-2",
                    issue_date=DAY - timedelta(days=n % 365),
                    description=f"{words[n % len(words)]} {n}" if n % 97 else f"Zanzibar {n}",
                )
                invoices.append(invoice.book(f"2026-{n:05d}", AT).invoice if n % 4 else invoice)
            add(store, *invoices)
        with psycopg.connect(url, autocommit=True) as conn:
            # Other tenants, as a shared database has them: copies under other company
            # ids (never read back). Below ~10,000 rows the planner rightly prefers to
            # filter one company's rows over the trigram index.
            conn.execute(
                "INSERT INTO invoices SELECT 'other-' || g || '-' || company_id, id, kind,"
                " status, customer_id, issue_date, due_date, number, description, version,"
                " search, doc, summary, lines FROM invoices, generate_series(1, 6) AS g"
            )
            conn.execute("VACUUM ANALYZE invoices")  # also empties GIN's pending list
            indexes = {
                row[0]
                for row in conn.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'invoices'"
                    " AND schemaname = current_schema()"
                )
            }
        assert {"invoices_list", "invoices_by_status", "invoices_by_customer"} <= indexes
        assert "invoices_search" in indexes

        assert "invoices_list" in _plan(store, "co-a", InvoiceQuery())
        assert "invoices_by_customer" in _plan(store, "co-a", InvoiceQuery(customer_id="cu-2"))
        # an overdue page: the owed documents of each status in list order, no sort
        overdue = InvoiceQuery(status=OVERDUE, today=DAY + timedelta(days=30), page=3)
        for plan in _plans(store, "co-a", overdue):
            assert "invoices_overdue" in plan, plan
            assert "Sort" not in plan, plan
        # and its bounded count reads that index alone
        arms = invoice_arms("co-a", overdue)
        assert arms is not None
        count, params = _union("SELECT 1 FROM invoices WHERE ", arms)
        with store.unit_of_work(readonly=True) as uow:
            rows = uow.run(
                "EXPLAIN SELECT count(*) FROM (" + count + " LIMIT %s) AS matches",
                [*params, overdue.count_limit],
                action="explain",
            ).fetchall()
        plan = "\n".join(str(row[0]) for row in rows)
        assert "Index Only Scan using invoices_overdue" in plan, plan
        assert "Seq Scan" not in plan, plan
        for text in ("zanzib", "2026-00123", "kshop 14"):
            assert "invoices_search" in _plan(store, "co-a", InvoiceQuery(search=text)), text

        with store.unit_of_work(readonly=True) as uow:
            found = uow.invoices.list("co-a", InvoiceQuery(search="2026-0012", kind=None))
            assert found.total == len(found.items)
            assert sorted(i.number or "" for i in found.items) == [
                f"2026-{n:05d}" for n in range(120, 130) if n % 4
            ]
            found = uow.invoices.list("co-b", InvoiceQuery(search="ZANZIB", limit=100))
            assert sorted(i.id for i in found.items) == [
                f"co-b-{n:05d}" for n in range(0, 1000, 97)
            ]
            assert found.total == 11
    finally:
        store.close()
