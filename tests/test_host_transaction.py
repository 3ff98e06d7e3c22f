"""The host's own transaction: SqliteStore.on_connection and PostgresStore.on_connection.

A host saves its order and books the order's invoice in one transaction of its own, on
its own connection: each faktura unit of work is a savepoint there. These tests run a
host of each kind (a SQLite file, a PostgreSQL database of the throwaway cluster) with
its own ``orders`` table beside faktura's tables, and check what the host sees: both or
neither after its commit or rollback, its earlier writes kept when a use case fails,
numbers exactly 1..N whatever the hosts decide, concurrently too. The store contract runs
over both host stores, each unit of work in a host transaction committed after it.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura import Billing, CompanyProfile, NewCustomer, NewDraft, ProductLine, VatCategory
from faktura.errors import ConfigurationError, ConflictError, StorageError
from faktura.invoice import Status
from faktura.ports import InvoiceQuery, Store, UnitOfWork
from faktura.storage.sqlite import SqliteHostStore, SqliteStore
from faktura.storage.sqlite_schema import LATEST, MIGRATIONS
from faktura.testing.contract import FullStoreContract, StoreLocation, draft
from faktura.testing.faults import FailingStore, InjectedFailure
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS

pytest_plugins = ["pg_fixture"]

Conn = Any  # sqlite3.Connection or psycopg.Connection

# -- the Billing calls: few, and here ---------------------------------------------------------


def new_company(billing: Billing) -> str:
    profile = CompanyProfile(name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    return billing.create_company(profile).id


def new_customer(billing: Billing, company_id: str) -> str:
    return billing.create_customer(
        company_id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    ).id


def new_draft(billing: Billing, company_id: str, customer_id: str) -> str:
    line = ProductLine("Hours", Decimal(2), Decimal("500.00"), VatCategory.S, Decimal(25))
    return billing.create_draft(company_id, NewDraft(customer_id=customer_id, lines=[line])).id


def book(billing: Billing, company_id: str, draft_id: str) -> str:
    number = billing.book(company_id, draft_id).number
    assert number is not None
    return number


# -- hosts: a database with the host's own table beside faktura's --------------------------


class Host:
    """A host's database: connections the host opens (not in autocommit mode), its own
    ``orders`` table, and faktura's tables beside it."""

    name: str
    param: str  # the placeholder of the driver

    def connect(self) -> Conn:
        raise NotImplementedError

    def store(self, conn: Conn, *, create: bool = False) -> Store:
        raise NotImplementedError

    def begin(self, conn: Conn, *, readonly: bool = False) -> None:
        """Open the host's transaction, as a host that books (or only reads) does."""
        raise NotImplementedError

    def in_transaction(self, conn: Conn) -> bool:
        raise NotImplementedError

    def setup(self) -> None:
        conn = self.connect()
        try:
            conn.execute(
                "CREATE TABLE orders (ref TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, "
                "invoice_number TEXT)"
            )
            self.store(conn, create=True)
            conn.commit()
        finally:
            conn.close()

    def add_order(self, conn: Conn, ref: str, invoice_id: str, number: str | None = None) -> None:
        p = self.param
        conn.execute(
            f"INSERT INTO orders (ref, invoice_id, invoice_number) VALUES ({p}, {p}, {p})",
            (ref, invoice_id, number),
        )

    def orders(self) -> dict[str, tuple[str, str | None]]:
        """ref → (invoice id, invoice number) of the committed orders."""
        conn = self.connect()
        try:
            rows = conn.execute("SELECT ref, invoice_id, invoice_number FROM orders").fetchall()
            conn.rollback()
        finally:
            conn.close()
        return {ref: (invoice_id, number) for ref, invoice_id, number in rows}

    @contextlib.contextmanager
    def billing(self) -> Iterator[tuple[Conn, Billing]]:
        """A connection of the host and a Billing on its transaction."""
        conn = self.connect()
        try:
            yield conn, Billing(self.store(conn))
        finally:
            conn.close()


class SqliteHost(Host):
    name = "sqlite"
    param = "?"

    def __init__(self, path: Path, journal_mode: str = "wal") -> None:
        self.path = path
        self.journal_mode = journal_mode

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        if self.journal_mode == "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        return conn

    def store(self, conn: Conn, *, create: bool = False) -> Store:
        return SqliteStore.on_connection(conn, create=create)

    def begin(self, conn: Conn, *, readonly: bool = False) -> None:
        conn.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")

    def in_transaction(self, conn: Conn) -> bool:
        return bool(conn.in_transaction)


class PostgresHost(Host):
    name = "postgres"
    param = "%s"

    def __init__(self, url: str, isolation: str | None = None) -> None:
        self.url = url
        self.isolation = isolation

    def connect(self) -> Conn:
        import psycopg

        conn = psycopg.connect(self.url)
        if self.isolation is not None:
            conn.isolation_level = psycopg.IsolationLevel[self.isolation]
        return conn

    def store(self, conn: Conn, *, create: bool = False) -> Store:
        from faktura.storage.postgres import PostgresStore

        return PostgresStore.on_connection(conn, create=create)

    def begin(self, conn: Conn, *, readonly: bool = False) -> None:
        conn.execute("SELECT 1")  # psycopg begins the transaction before it

    def in_transaction(self, conn: Conn) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(conn.info.transaction_status != TransactionStatus.IDLE)


def make_host(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Host:
    if kind == "postgres":
        built: Host = PostgresHost(request.getfixturevalue("pg_url"))
    else:
        built = SqliteHost(tmp_path / "host.db", journal_mode="wal" if kind == "sqlite" else kind)
    built.setup()
    return built


@pytest.fixture(params=["sqlite", "postgres"])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Host:
    return make_host(request, tmp_path, request.param)


@pytest.fixture
def parties(host: Host) -> tuple[str, str]:
    """A company and a customer, committed."""
    with host.billing() as (conn, billing):
        company_id = new_company(billing)
        customer_id = new_customer(billing, company_id)
        conn.commit()
    return company_id, customer_id


def booked_numbers(host: Host, company_id: str) -> dict[str, str | None]:
    """invoice id → number of the company's committed documents (None: a draft)."""
    with host.billing() as (conn, billing):
        listed = billing.store
        with listed.unit_of_work(readonly=True) as uow:
            page = uow.invoices.list(company_id, InvoiceQuery(limit=100))
        conn.rollback()
    return {summary.id: summary.number for summary in page.items}


# -- commit, rollback, a failure inside --------------------------------------------------------


def test_the_host_commits_its_order_and_the_booked_invoice_together(
    host: Host, parties: tuple[str, str]
) -> None:
    company_id, customer_id = parties
    with host.billing() as (conn, billing):
        host.begin(conn)
        draft_id = new_draft(billing, company_id, customer_id)
        host.add_order(conn, "order-1", draft_id)
        number = book(billing, company_id, draft_id)
        conn.execute(
            f"UPDATE orders SET invoice_number = {host.param} WHERE ref = {host.param}",
            (number, "order-1"),
        )
        assert host.orders() == {}, "nothing is visible before the host commits"
        assert booked_numbers(host, company_id) == {}
        conn.commit()
    assert number == "1"
    assert host.orders() == {"order-1": (draft_id, number)}
    assert booked_numbers(host, company_id) == {draft_id: number}


def test_the_hosts_rollback_takes_the_invoice_and_its_number_back(
    host: Host, parties: tuple[str, str]
) -> None:
    company_id, customer_id = parties
    with host.billing() as (conn, billing):
        host.begin(conn)
        first = new_draft(billing, company_id, customer_id)
        host.add_order(conn, "order-1", first)
        taken = book(billing, company_id, first)
        conn.rollback()
        assert host.orders() == {}
        assert booked_numbers(host, company_id) == {}
        host.begin(conn)
        second = new_draft(billing, company_id, customer_id)
        host.add_order(conn, "order-2", second, book(billing, company_id, second))
        conn.commit()
    assert host.orders() == {"order-2": (second, taken)}, "the number is used again"
    assert booked_numbers(host, company_id) == {second: taken}


def test_a_send_is_refused_in_the_hosts_transaction_and_nothing_is_booked(
    host: Host, parties: tuple[str, str]
) -> None:
    """A delivery cannot be rolled back with the host's transaction: sending (and
    recovering deliveries) is refused there, before anything is booked."""
    company_id, customer_id = parties
    with host.billing() as (conn, billing):
        host.begin(conn)
        draft_id = new_draft(billing, company_id, customer_id)
        with pytest.raises(ConfigurationError, match="send after it commits"):
            billing.send(company_id, draft_id, "manual")
        with pytest.raises(ConfigurationError, match="send after it commits"):
            billing.recover_deliveries(company_id)
        assert billing.get_invoice(company_id, draft_id).status is Status.DRAFT
        conn.commit()
    assert booked_numbers(host, company_id) == {draft_id: None}, "a draft, no number used"


def test_a_failing_use_case_leaves_the_hosts_earlier_writes(
    host: Host, parties: tuple[str, str]
) -> None:
    company_id, customer_id = parties
    with host.billing() as (conn, billing):
        host.begin(conn)
        draft_id = new_draft(billing, company_id, customer_id)
        host.add_order(conn, "order-1", draft_id)
        failing = Billing(FailingStore(billing.store, rate=1.0))
        with pytest.raises(InjectedFailure):
            failing.book(company_id, draft_id)  # fails after its number was taken
        # a statement that fails inside faktura (PostgreSQL then refuses the rest of a
        # transaction): only faktura's savepoint is rolled back
        with billing.store.unit_of_work() as uow:
            uow.invoices.add(draft("doc-x", company_id, customer_id))
            with pytest.raises(ConflictError):
                uow.invoices.add(draft("doc-x", company_id, customer_id))
        host.add_order(conn, "order-2", draft_id)
        conn.commit()
    assert set(host.orders()) == {"order-1", "order-2"}
    assert booked_numbers(host, company_id) == {draft_id: None}, "still a draft"
    with host.billing() as (conn, billing):
        assert book(billing, company_id, draft_id) == "1", "no number was used"
        conn.commit()


@pytest.mark.parametrize("decision", ["commit", "rollback"])
def test_faktura_opens_the_transaction_the_host_then_ends(
    host: Host, parties: tuple[str, str], decision: str
) -> None:
    company_id, customer_id = parties
    with host.billing() as (conn, billing):
        assert not host.in_transaction(conn)
        draft_id = new_draft(billing, company_id, customer_id)
        assert host.in_transaction(conn), "left open for the host"
        number = book(billing, company_id, draft_id)
        assert booked_numbers(host, company_id) == {}
        getattr(conn, decision)()
        assert not host.in_transaction(conn)
    expected = {draft_id: number} if decision == "commit" else {}
    assert booked_numbers(host, company_id) == expected


def test_a_reader_needs_no_transaction_of_the_host(host: Host, parties: tuple[str, str]) -> None:
    company_id, _ = parties
    with host.billing() as (conn, billing):
        conn.rollback()
        assert billing.get_company(company_id).id == company_id
        if host.name == "sqlite":  # psycopg begins one before any statement
            assert not host.in_transaction(conn)


def test_an_autocommit_connection_must_have_the_hosts_transaction_open(
    host: Host, parties: tuple[str, str]
) -> None:
    company_id, customer_id = parties
    conn = host.connect()
    try:
        if host.name == "sqlite":
            conn.isolation_level = None
        else:
            conn.autocommit = True
        billing = Billing(host.store(conn))
        assert billing.get_company(company_id).id == company_id, "reading is fine"
        with pytest.raises(ConfigurationError, match="autocommit"):
            new_draft(billing, company_id, customer_id)
        assert not host.in_transaction(conn)
        if host.name == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            draft_id = new_draft(billing, company_id, customer_id)
            conn.execute("COMMIT")
        else:
            with conn.transaction():
                draft_id = new_draft(billing, company_id, customer_id)
    finally:
        conn.close()
    assert booked_numbers(host, company_id) == {draft_id: None}


def test_the_hosts_row_factory_and_loaders_are_its_own_again_after_faktura(
    host: Host, parties: tuple[str, str]
) -> None:
    company_id, _ = parties
    conn = host.connect()
    try:
        if host.name == "sqlite":
            factory: Any = sqlite3.Row
        else:
            from psycopg.rows import dict_row
            from psycopg.types.string import TextLoader

            factory = dict_row
            # as Django's connections do: JSON read as text, decoded by the ORM
            conn.adapters.register_loader("jsonb", TextLoader)
        conn.row_factory = factory
        billing = Billing(host.store(conn))
        assert billing.get_company(company_id).id == company_id
        assert conn.row_factory is factory
        row = conn.execute("SELECT count(*) AS n FROM orders").fetchone()
        assert row["n"] == 0
    finally:
        conn.close()


def test_closing_the_store_leaves_the_hosts_connection_open(host: Host) -> None:
    conn = host.connect()
    try:
        store = host.store(conn)
        assert type(store).joins_host_transaction is True
        store.close()
        with pytest.raises(StorageError, match="closed"), store.unit_of_work():
            pass
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_closed_host_connection_is_a_storage_error(host: Host) -> None:
    conn = host.connect()
    billing = Billing(host.store(conn))
    conn.close()
    with pytest.raises(StorageError) as caught:
        new_company(billing)
    assert not caught.value.retryable


# -- concurrency: many hosts, each its own connection and transaction -------------------------

THREADS = 4
BOOKINGS = 25


@pytest.fixture(params=["sqlite", "sqlite-journal", "postgres", "postgres-mixed-isolation"])
def busy_host(request: pytest.FixtureRequest, tmp_path: Path) -> Host:
    kind = request.param
    if kind == "sqlite-journal":
        return make_host(request, tmp_path, "delete")
    if kind == "postgres-mixed-isolation":
        return make_host(request, tmp_path, "postgres")
    return make_host(request, tmp_path, kind)


def test_concurrent_host_transactions_leave_numbers_1_to_n(
    busy_host: Host, request: pytest.FixtureRequest
) -> None:
    """Each thread is a host: its own connection, a transaction per order that saves the
    order and books its invoice, then commits or (a third of the time) rolls back. A
    retryable error (a lock not had in time, a serialization failure at REPEATABLE READ
    or SERIALIZABLE) makes the host try the whole transaction again."""
    host = busy_host
    mixed = request.node.callspec.params["busy_host"] == "postgres-mixed-isolation"
    with host.billing() as (conn, billing):
        company_id = new_company(billing)
        customer_id = new_customer(billing, company_id)
        conn.commit()
    committed: list[tuple[str, str, str]] = []  # (order, invoice id, number)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(worker: int) -> None:
        rng = random.Random(worker)
        try:
            conn = host.connect()
            if mixed and isinstance(host, PostgresHost):
                import psycopg

                conn.isolation_level = [
                    psycopg.IsolationLevel.READ_COMMITTED,
                    psycopg.IsolationLevel.REPEATABLE_READ,
                    psycopg.IsolationLevel.SERIALIZABLE,
                ][worker % 3]
            billing = Billing(host.store(conn))
            start.wait(timeout=60)
            for n in range(BOOKINGS):
                ref = f"w{worker}-{n}"
                for _ in range(50):
                    try:
                        if rng.random() < 0.5:
                            host.begin(conn)  # else faktura opens it
                        draft_id = new_draft(billing, company_id, customer_id)
                        number = book(billing, company_id, draft_id)
                        host.add_order(conn, ref, draft_id, number)
                        if rng.random() < 1 / 3:
                            conn.rollback()
                        else:
                            conn.commit()
                            committed.append((ref, draft_id, number))
                        break
                    except Exception as exc:
                        conn.rollback()
                        if not retryable(exc):
                            raise
                else:
                    raise AssertionError(f"{ref}: no try succeeded")
            conn.close()
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    numbers = sorted(int(number) for _, _, number in committed)
    assert numbers == list(range(1, len(committed) + 1)), "no gap, no duplicate"
    assert host.orders() == {ref: (invoice_id, number) for ref, invoice_id, number in committed}
    assert booked_numbers(host, company_id) == {
        invoice_id: number for _, invoice_id, number in committed
    }, "a rolled-back order left no draft behind"


def retryable(exc: Exception) -> bool:
    """Whether the host tries its transaction again: faktura says so, or the host's own
    commit failed for a concurrent one (SERIALIZABLE)."""
    if isinstance(exc, StorageError | ConflictError):
        return exc.retryable
    import psycopg

    return isinstance(exc, psycopg.errors.SerializationFailure)


# -- a property: whatever the host decides, the numbers are 1..N -----------------------------

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # bookings in one host transaction
        st.booleans(),  # a booking that fails after taking its number, too
        st.sampled_from(["commit", "rollback"]),
    ),
    max_size=6,
)


@pytest.fixture(params=["sqlite", "postgres"])
def one_host(request: pytest.FixtureRequest, tmp_path: Path) -> Host:
    """A host whose database serves every example (each has a company of its own)."""
    return make_host(request, tmp_path, request.param)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_numbers_are_gap_free_whatever_the_host_decides(
    one_host: Host, steps: list[tuple[int, bool, str]]
) -> None:
    host = one_host
    with host.billing() as (conn, billing):
        company_id = new_company(billing)
        customer_id = new_customer(billing, company_id)
        conn.commit()
        failing = Billing(FailingStore(billing.store, rate=1.0))
        expected: dict[str, str] = {}
        for bookings, fails, decision in steps:
            booked = {}
            for _ in range(bookings):
                draft_id = new_draft(billing, company_id, customer_id)
                booked[draft_id] = book(billing, company_id, draft_id)
            if fails:
                with pytest.raises(InjectedFailure):
                    failing.book(company_id, new_draft(billing, company_id, customer_id))
            if decision == "commit":
                conn.commit()
                expected |= booked
            else:
                conn.rollback()
        conn.rollback()
    stored = booked_numbers(host, company_id)
    assert {key: value for key, value in stored.items() if value is not None} == expected
    assert sorted(int(number) for number in expected.values()) == list(range(1, len(expected) + 1))


# -- the schema --------------------------------------------------------------------------------


def test_a_database_without_faktura_schema_says_to_create_it(host: Host, tmp_path: Path) -> None:
    conn = host.connect()
    try:
        if host.name == "sqlite":
            conn.close()
            conn = sqlite3.connect(tmp_path / "other.db")
            conn.execute("PRAGMA foreign_keys = ON")
        else:
            conn.execute("CREATE SCHEMA other")
            conn.execute("SET search_path = other")
            conn.commit()
        with pytest.raises(ConfigurationError, match=r"create=True"):
            host.store(conn)
        conn.rollback()
        host.store(conn, create=True)
        conn.rollback()  # the host's rollback takes the new tables back
        with pytest.raises(ConfigurationError, match=r"create=True"):
            host.store(conn)
        conn.rollback()
        host.store(conn, create=True)
        conn.commit()
        host.store(conn)
    finally:
        conn.close()


def test_a_table_of_the_same_name_is_refused_by_name(host: Host, tmp_path: Path) -> None:
    conn = host.connect()
    try:
        if host.name == "sqlite":
            conn.close()
            conn = sqlite3.connect(tmp_path / "other.db")
            conn.execute("PRAGMA foreign_keys = ON")
        else:
            conn.execute("CREATE SCHEMA other")
            conn.execute("SET search_path = other")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO customers (id) VALUES (7)")
        with pytest.raises(ConfigurationError, match=r"customers"):
            host.store(conn, create=True)
        assert conn.execute("SELECT id FROM customers").fetchall() == [(7,)], (
            "the host's transaction goes on"
        )
    finally:
        conn.close()


def test_sqlite_needs_foreign_keys_on(tmp_path: Path) -> None:
    host = SqliteHost(tmp_path / "host.db")
    host.setup()
    conn = sqlite3.connect(host.path)
    try:
        with pytest.raises(ConfigurationError, match="foreign_keys"):
            SqliteStore.on_connection(conn)
    finally:
        conn.close()


def test_sqlite_an_older_schema_is_migrated_with_create_and_a_newer_refused(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / "host.db")
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE orders (ref TEXT PRIMARY KEY)")
        for step in MIGRATIONS[:3]:
            step(conn)
        conn.execute("CREATE TABLE faktura_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO faktura_schema (version) VALUES (3)")
        conn.commit()
        with pytest.raises(ConfigurationError, match=f"version 3, this faktura needs {LATEST}"):
            SqliteStore.on_connection(conn)
        SqliteStore.on_connection(conn, create=True)
        conn.commit()
        assert conn.execute("SELECT version FROM faktura_schema").fetchall() == [(LATEST,)]
        conn.execute("UPDATE faktura_schema SET version = ?", (LATEST + 1,))
        conn.commit()
        with pytest.raises(ConfigurationError, match="newer faktura"):
            SqliteStore.on_connection(conn, create=True)
    finally:
        conn.close()


def test_sqlite_a_store_of_its_own_opens_the_shared_database(
    tmp_path: Path,
) -> None:
    """After the host committed, a store of faktura's own on the same file reads (and, for
    what must happen after the commit, such as sending, writes) what the host booked."""
    host = SqliteHost(tmp_path / "host.db", journal_mode="delete")
    host.setup()
    with host.billing() as (conn, billing):
        company_id = new_company(billing)
        draft_id = new_draft(billing, company_id, new_customer(billing, company_id))
        number = book(billing, company_id, draft_id)
        conn.commit()
    store = SqliteStore(host.path)
    try:
        assert not getattr(store, "joins_host_transaction", False)
        invoice = Billing(store).get_invoice(company_id, draft_id)
        assert (invoice.status is not Status.DRAFT, invoice.number) == (True, number)
    finally:
        store.close()


def test_postgres_takes_only_a_psycopg_connection(tmp_path: Path) -> None:
    from faktura.storage.postgres import PostgresStore

    conn = sqlite3.connect(tmp_path / "x.db")
    try:
        with pytest.raises(ConfigurationError, match="psycopg"):
            PostgresStore.on_connection(conn)  # type: ignore[arg-type]
    finally:
        conn.close()
    with pytest.raises(ConfigurationError, match=r"sqlite3\.Connection"):
        SqliteHostStore(object())  # type: ignore[arg-type]


# -- the store contract over the host stores --------------------------------------------------


class HostTransactions:
    """A Store for the contract suite: each unit of work on a connection of its own (kept
    for the next), inside a host transaction that the host commits after it. Every other
    unit of work finds the host's transaction open; the others let faktura open it."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._idle: list[Conn] = []
        self._opened: list[Conn] = []
        self._lock = threading.Lock()
        self._turn = itertools.count()

    def unit_of_work(self, readonly: bool = False) -> UnitOfWork:
        return _HostUnitOfWork(self, readonly)

    def acquire(self) -> Conn:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = self.host.connect()
        with self._lock:
            self._opened.append(conn)
        return conn

    def release(self, conn: Conn) -> None:
        with self._lock:
            self._idle.append(conn)

    def host_begins(self) -> bool:
        return next(self._turn) % 2 == 0

    def close(self) -> None:
        for conn in self._opened:
            conn.close()


class _HostUnitOfWork:
    def __init__(self, store: HostTransactions, readonly: bool) -> None:
        self._store = store
        self._readonly = readonly
        self._conn: Conn = None
        self._inner: Any = None

    def __enter__(self) -> Self:
        self._conn = self._store.acquire()
        if self._store.host_begins():
            self._store.host.begin(self._conn, readonly=self._readonly)
        self._inner = self._store.host.store(self._conn).unit_of_work(self._readonly)
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._inner.__exit__(exc_type, exc, tb)
        finally:
            self._conn.commit()
            self._store.release(self._conn)

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def __getattr__(self, name: str) -> Any:  # the repositories
        return getattr(self._inner, name)


def open_sqlite_host(target: str) -> Store:
    """The contract's opener (StoreLocation) of the host's SQLite file ``target``."""
    return HostTransactions(SqliteHost(Path(target)))


def open_postgres_host(target: str) -> Store:
    """The contract's opener (StoreLocation) of the host's PostgreSQL URL ``target``."""
    return HostTransactions(PostgresHost(target))


class TestSqliteHostStore(FullStoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Callable[[], Store]:
        counter = itertools.count()

        def make() -> Store:
            host = SqliteHost(tmp_path / f"host-{next(counter)}.db")
            host.setup()
            return HostTransactions(host)

        return make

    @pytest.fixture
    def store_location(self, tmp_path: Path) -> Callable[[], StoreLocation]:
        """The host's file, set up; other threads and processes open it anew."""
        counter = itertools.count()

        def make() -> StoreLocation:
            path = tmp_path / f"shared-host-{next(counter)}.db"
            SqliteHost(path).setup()
            return StoreLocation.of(open_sqlite_host, str(path))

        return make


class TestPostgresHostStore(FullStoreContract):
    @pytest.fixture
    def make_store(self, pg_url: str) -> Callable[[], Store]:
        """Each store a schema of its own in the test's database."""
        counter = itertools.count()

        def make() -> Store:
            return HostTransactions(self.new_host(pg_url, f"s{next(counter)}"))

        return make

    @staticmethod
    def new_host(pg_url: str, schema: str) -> PostgresHost:
        """A host whose tables are in a new ``schema`` of the test's database, set up."""
        import psycopg

        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            conn.execute(f"CREATE SCHEMA {schema}")
        host = PostgresHost(f"{pg_url}?options=-csearch_path%3D{schema}")
        host.setup()
        return host

    @pytest.fixture
    def store_location(self, pg_url: str) -> Callable[[], StoreLocation]:
        """The host's schema, set up; other threads and processes open it anew."""
        counter = itertools.count()

        def make() -> StoreLocation:
            host = self.new_host(pg_url, f"shared{next(counter)}")
            return StoreLocation.of(open_postgres_host, host.url)

        return make
