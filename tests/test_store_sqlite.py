"""SqliteStore against the store contract, plus what only a SQLite file can show: opening
and migrating files, PRAGMAs, query plans, search semantics, driver errors, the fair
writer queue and fork safety."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura import Billing
from faktura.dunning import ReminderPolicy
from faktura.errors import ConfigurationError, NotFoundError, StorageError, ValidationError
from faktura.invoice import DocumentKind, InvoiceEvent, Status
from faktura.ports import OVERDUE, InvoiceQuery, ListResult
from faktura.receivables import BankOutcome
from faktura.storage import codec, open_store, sql
from faktura.storage.memory import MemoryStore
from faktura.storage.query import matches, newest_first
from faktura.storage.sqlite import SqliteStore, SqliteUnitOfWork
from faktura.storage.sqlite import invoice_lists as sqlite_store
from faktura.storage.sqlite import parties as sqlite_parties
from faktura.storage.sqlite_schema import (
    APPLICATION_ID,
    LATEST,
    LIST_KEY_KINDS,
    MAX_COMPANY_CODE,
    MIGRATIONS,
    list_key,
    list_key_band,
    list_key_day,
    prepare,
)
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
    past_due,
    schedule,
    seeded,
)
from faktura.testing.contract.collections import account_entry, bank_entry, reminder
from faktura.wire import new_draft


class TestSqliteStore(FullStoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Callable[[], SqliteStore]:
        counter = itertools.count()
        return lambda: SqliteStore(tmp_path / f"{next(counter)}.db", create=True)

    @pytest.fixture
    def store_location(self, tmp_path: Path) -> Callable[[], StoreLocation]:
        """A file made with its schema; SqliteStore(path) opens it anew."""
        counter = itertools.count()

        def make() -> StoreLocation:
            path = tmp_path / f"shared-{next(counter)}.db"
            SqliteStore(path, create=True).close()
            return StoreLocation.of(SqliteStore, str(path))

        return make


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "faktura.db"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    built = SqliteStore(path, create=True)
    seeded(built)
    yield built
    built.close()


def connection(uow: SqliteUnitOfWork) -> sqlite3.Connection:
    """The connection under a unit of work (white box)."""
    return uow._connection(write=False)


def pragma(conn: sqlite3.Connection, name: str) -> object:
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


# -- opening files -----------------------------------------------------------------------


def test_open_store_never_creates_a_file(path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        open_store(f"sqlite:///{path}")
    assert str(path) in info.value.message
    assert "create=True" in info.value.message
    assert not path.exists()


def test_open_store_creates_with_create(path: Path) -> None:
    store = open_store(f"sqlite:///{path}", create=True)
    try:
        assert isinstance(store, SqliteStore)
    finally:
        store.close()
    reopened = open_store(f"sqlite:///{path}")
    reopened.close()


def test_an_empty_file_needs_create(path: Path) -> None:
    path.touch()
    with pytest.raises(ConfigurationError, match="create=True"):
        SqliteStore(path)
    SqliteStore(path, create=True).close()


def test_another_applications_file_is_refused(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(ConfigurationError, match="another application"):
        SqliteStore(path, create=True)


def test_a_fresh_file_has_the_latest_schema(store: SqliteStore, path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert pragma(conn, "application_id") == APPLICATION_ID
        assert pragma(conn, "user_version") == LATEST
        assert pragma(conn, "journal_mode") == "wal"
    finally:
        conn.close()


def test_an_old_file_is_migrated(path: Path) -> None:
    # A file of schema version 1 (before the search index), holding a booked invoice.
    conn = sqlite3.connect(path, isolation_level=None)
    prepare(conn, path, create=True, migrations=MIGRATIONS[:1])
    booked = draft("inv-1", description="Architecture Workshop").book("2026-00042", AT).invoice
    conn.execute("INSERT INTO companies VALUES (?, ?)", ("co-a", codec.dumps(company())))
    conn.execute(
        "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date, "
        "due_date, number, description, version, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            "co-a",
            "inv-1",
            "invoice",
            "sending",
            "cu-1",
            DAY.isoformat(),
            booked.due_date.isoformat(),
            booked.number,
            booked.description,
            booked.version,
            codec.dumps(booked),
        ),
    )
    assert pragma(conn, "user_version") == 1
    conn.close()

    store = SqliteStore(path)
    try:
        with store.unit_of_work(readonly=True) as uow:
            assert pragma(connection(uow), "user_version") == LATEST
            assert uow.invoices.get("co-a", "inv-1") == booked
            for text in ("00042", "WORKSHOP", "2026-0", "p"):
                found = uow.invoices.list("co-a", InvoiceQuery(search=text))
                assert [i.id for i in found.items] == ["inv-1"]
            # the kept totals (version 6) were counted from the rows already there
            for query in (
                InvoiceQuery(status=Status.SENDING),
                InvoiceQuery(customer_id="cu-1"),
                InvoiceQuery(status=Status.SENDING, customer_id="cu-1", kind=None),
            ):
                found = uow.invoices.list("co-a", query)
                assert (len(found.items), found.total, found.exact) == (1, 1, True), query
            assert uow.invoices.list("co-a", InvoiceQuery(status=Status.PAID)).total == 0
            # what is owed was worked out for the documents there (version 9)
            overdue = InvoiceQuery(status=OVERDUE, today=booked.due_date + timedelta(days=1))
            assert [i.id for i in uow.invoices.list("co-a", overdue).items] == ["inv-1"]
    finally:
        store.close()


def test_a_version_8_file_is_migrated_with_what_is_owed(path: Path, tmp_path: Path) -> None:
    documents = past_due(DAY)
    newer = seeded(SqliteStore(tmp_path / "newer.db", create=True))
    try:
        add(newer, *documents)
    finally:
        newer.close()
    # a file as faktura made it at version 8, holding the same rows
    conn = sqlite3.connect(path, isolation_level=None)
    prepare(conn, path, create=True, migrations=MIGRATIONS[:8])
    conn.execute("ATTACH DATABASE ? AS newer", (str(tmp_path / "newer.db"),))
    conn.execute("BEGIN")
    for table in ("companies", "customers", "invoices", "invoice_lines"):
        columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM newer.{table}")
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE newer")
    assert pragma(conn, "user_version") == 8
    assert "owed" not in {row[1] for row in conn.execute("PRAGMA table_info(invoices)")}
    conn.close()

    store = SqliteStore(path)
    try:
        with store.unit_of_work(readonly=True) as uow:
            assert pragma(connection(uow), "user_version") == LATEST
            for kind in (DocumentKind.INVOICE, None):
                query = InvoiceQuery(status=OVERDUE, today=DAY, kind=kind)
                found = uow.invoices.list("co-a", query)
                expected = newest_first(d for d in documents if matches(d, query))
                assert [i.id for i in found.items] == [d.id for d in expected]
                assert [d.id for d in expected] == ["paid-in-part", "owed"]
            assert {d.id: uow.invoices.get("co-a", d.id) for d in documents} == {
                d.id: d for d in documents
            }
        # from here on the store keeps the flag: paid in full, no longer overdue
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


def test_a_version_9_file_is_migrated_with_an_outbox_and_schedules(path: Path) -> None:
    # a file as faktura made it at version 9, holding a company and its customer
    conn = sqlite3.connect(path, isolation_level=None)
    prepare(conn, path, create=True, migrations=MIGRATIONS[:9])
    conn.execute("INSERT INTO companies (id, doc) VALUES (?, ?)", ("co-a", codec.dumps(company())))
    buyer = customer()
    conn.execute(
        "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            "co-a",
            buyer.id,
            buyer.name,
            buyer.number,
            buyer.name.lower(),
            buyer.id,
            codec.dumps(buyer),
        ),
    )
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    assert pragma(conn, "user_version") == 9
    assert not {"outbox", "webhook_endpoints", "schedules"} & tables
    conn.close()

    store = SqliteStore(path)
    try:
        with store.unit_of_work() as uow:
            assert pragma(connection(uow), "user_version") == LATEST
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


def test_a_version_10_file_is_migrated_with_reminders_and_accounts(path: Path) -> None:
    # a file as faktura made it at version 10, holding a company and its schedule
    conn = sqlite3.connect(path, isolation_level=None)
    prepare(conn, path, create=True, migrations=MIGRATIONS[:10])
    conn.execute("INSERT INTO companies (id, doc) VALUES (?, ?)", ("co-a", codec.dumps(company())))
    conn.execute(
        "INSERT INTO schedules (company_id, id, version, doc) VALUES (?, ?, ?, ?)",
        ("co-a", "sc-1", 1, codec.dumps(schedule("sc-1"))),
    )
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    collections = {
        "reminder_policies",
        "reminders",
        "account_entries",
        "bank_entries",
        "bank_entry_payments",
    }
    assert pragma(conn, "user_version") == 10
    assert not collections & tables
    conn.close()

    store = SqliteStore(path)
    try:
        with store.unit_of_work() as uow:
            conn = connection(uow)
            assert pragma(conn, "user_version") == LATEST == 11
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
            assert collections <= tables
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


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT id, doc FROM reminders WHERE company_id = 'co-a' AND customer_id = 'cu-1' "
            "ORDER BY issue_date, id",
            "reminders_by_customer",
        ),
        (sql._REMINDER_BY_PAYMENT_ID, "reminders_by_payment_id"),
        (
            "SELECT id, doc FROM account_entries WHERE company_id = 'co-a' "
            "AND customer_id = 'cu-1' ORDER BY day, recorded_at, id",
            "account_entries_by_customer",
        ),
        (sql._RECEIPT, "bank_entry_payments USING PRIMARY KEY (company_id=? AND payment_id=?)"),
        (
            "SELECT key, doc FROM bank_entries WHERE company_id = 'co-a' "
            "AND outcome = 'matched' AND key > 'a' ORDER BY key LIMIT 10",
            "bank_entries_by_outcome",
        ),
    ],
    ids=[
        "reminders-of-a-customer",
        "reminder-by-payment-id",
        "account",
        "receipt",
        "bank-by-outcome",
    ],
)
def test_collections_are_read_through_their_indexes(
    store: SqliteStore, query: str, index: str
) -> None:
    with store.unit_of_work(readonly=True) as uow:
        params = {"company_id": "co-a", "reference": "000000202400420", "payment_id": "pay-1"}
        rows = connection(uow).execute(f"EXPLAIN QUERY PLAN {query}", params)
        plan = " ".join(str(row[-1]) for row in rows)
    assert index in plan
    assert "TEMP B-TREE" not in plan  # read in order, never sorted


def test_due_outbox_messages_are_read_through_the_partial_index(store: SqliteStore) -> None:
    with store.unit_of_work(readonly=True) as uow:
        plan = " ".join(
            str(row[-1])
            for row in connection(uow).execute(
                "EXPLAIN QUERY PLAN SELECT id, doc FROM outbox WHERE next_at IS NOT NULL "
                "AND next_at <= ? ORDER BY next_at, seq LIMIT 10",
                (AT.isoformat(),),
            )
        )
    assert "outbox_due" in plan
    assert "TEMP B-TREE" not in plan  # read in order, never sorted


def test_a_newer_file_is_refused(store: SqliteStore, path: Path) -> None:
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(ConfigurationError, match="newer faktura"):
        SqliteStore(path)


def test_a_failing_migration_changes_nothing(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    prepare(conn, path, create=True, migrations=MIGRATIONS[:1])

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("the migration fails midway")

    with pytest.raises(RuntimeError):
        prepare(conn, path, create=False, migrations=[*MIGRATIONS, broken])
    assert pragma(conn, "user_version") == 1
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema")}
    assert "half_done" not in tables
    assert "invoices_fts" not in tables
    conn.close()


# -- connections ---------------------------------------------------------------------------


def test_pragmas(store: SqliteStore) -> None:
    with store.unit_of_work() as uow:
        conn = connection(uow)
        assert pragma(conn, "journal_mode") == "wal"
        assert pragma(conn, "synchronous") == 2  # FULL
        assert pragma(conn, "foreign_keys") == 1
        assert pragma(conn, "busy_timeout") == 5000
        assert pragma(conn, "query_only") == 0
        assert conn.isolation_level is None
    with store.unit_of_work(readonly=True) as uow:
        assert pragma(connection(uow), "query_only") == 1


def test_each_unit_of_work_has_its_own_connection(store: SqliteStore) -> None:
    with store.unit_of_work() as writer, store.unit_of_work(readonly=True) as reader:
        assert connection(writer) is not connection(reader)


def test_a_readonly_unit_of_work_does_not_write(store: SqliteStore) -> None:
    with store.unit_of_work(readonly=True) as uow:
        with pytest.raises(StorageError, match="read-only"):
            uow.invoices.add(draft("inv-1"))
        with pytest.raises(StorageError, match="read-only"):
            uow.numbers.allocate("co-a", "invoice", "", 1, DAY, False)
        # not even a statement slipped past the repositories
        with pytest.raises(sqlite3.OperationalError):
            connection(uow).execute("DELETE FROM companies")


def test_a_closed_store_refuses_work(store: SqliteStore) -> None:
    store.close()
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.unit_of_work(readonly=True).__enter__()


# -- query plans ---------------------------------------------------------------------------


def plan(uow: SqliteUnitOfWork, sql: str, params: list[object]) -> str:
    rows = connection(uow).execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(row[3] for row in rows)


QUERIES = [
    InvoiceQuery(kind=kind, status=status, customer_id=customer, search=search, today=DAY)
    for kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, None)
    for status in (None, Status.DRAFT, OVERDUE)
    for customer in (None, "cu-1")
    for search in (None, "0", "work")
]


def test_list_queries_read_an_index_in_order(store: SqliteStore) -> None:
    add(
        store,
        *(
            draft(f"inv-{n:03d}", issue_date=DAY - timedelta(days=n % 30), description="work")
            for n in range(200)
        ),
    )
    with store.unit_of_work(readonly=True) as uow:
        for query in QUERIES:
            arms = sqlite_store._invoice_arms("co-a", query, uow.invoices._code("co-a"))
            assert arms is not None
            # the rows of a page come from indexes in order; only they are then read
            sql, params = sqlite_store._union(sqlite_store._ARM, arms)
            page = plan(uow, sql + sqlite_store._ORDERED, [*params, 20, 0])
            assert "INDEX invoices_by_" in page, (query, page)
            assert "TEMP B-TREE" not in page, (query, page)
            rows = plan(
                uow,
                sqlite_store._PAGE_OF_INVOICES.format(arms=sql + sqlite_store._ORDERED),
                [*params, 20, 0],
            )
            assert "USING INTEGER PRIMARY KEY" in rows.splitlines()[0], (query, rows)
            assert "TEMP B-TREE" not in rows, (query, rows)
            # (every query the store issues is checked in tests/test_query_plans.py)
        for search in (None, "c", "cu-"):
            where, params = sqlite_parties._customer_filter("co-a", search)
            page = plan(
                uow, sqlite_parties._PAGE_OF_CUSTOMERS.format(where=where), [*params, 20, 0]
            )
            assert "USING INDEX customers_by_name" in page, page
            assert "TEMP B-TREE" not in page, page


# -- search --------------------------------------------------------------------------------

# Characters SQLite folds other than Python's str.lower: pairs it folds together (micro
# sign and mu, Greek letter variants), dotted capital I, a titlecase digraph, Cherokee;
# and FTS5 and LIKE syntax, which must stay literal.
SQLITE_FOLDS_ALIKE = str.maketrans("µμβϐεϵθϑκϰ", "μµϐβϵεϑθϰκ")
TRICKY = [*'aAbB0 µμβϐεϵθϑκϰİiIǅǆǄᎠꭰ"*%_\\-:^()', "NEAR", "OR", " AND ", "\n"]
texts = st.lists(
    st.sampled_from(TRICKY) | st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=8
).map("".join)


def test_search_agrees_with_the_reference_semantics(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "search.db", create=True)
    counter = itertools.count()

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(
        st.lists(st.tuples(texts, st.one_of(st.none(), texts)), min_size=1, max_size=6),
        st.data(),
    )
    def check(documents: list[tuple[str, str | None]], data: st.DataObject) -> None:
        company_id = f"co-{next(counter)}"
        seeded(store, company_id)
        invoices = []
        for n, (description, number) in enumerate(documents):
            invoice = draft(f"i{n}", company_id=company_id, description=description or None)
            if number is not None and number.strip():
                # "#n" keeps numbers unique in the company
                invoice = invoice.book(f"{number}#{n}", AT).invoice
            invoices.append(invoice)
        add(store, *invoices)
        haystack = data.draw(st.sampled_from([d for d, _ in documents]))
        start = data.draw(st.integers(0, len(haystack)))
        fragment = haystack[start : start + data.draw(st.integers(0, 6))]
        variants = [fragment, fragment.upper(), fragment.translate(SQLITE_FOLDS_ALIKE)]
        needle = data.draw(st.sampled_from(variants) | texts)
        query = InvoiceQuery(search=needle, limit=100)
        expected = [i.id for i in newest_first(i for i in invoices if matches(i, query))]
        with store.unit_of_work(readonly=True) as uow:
            found = uow.invoices.list(company_id, query)
        assert [i.id for i in found.items] == expected
        assert found.total == len(expected)

    try:
        check()
    finally:
        store.close()


@pytest.mark.parametrize(
    "needle",
    ["µab", "μab", "AAΜ", "aaµ", "ᎠBC", "ꭰbc", "İST", "i̇st", "ist", "ǅEM", "ǆem", "ϐeta", "βeta"],
)
def test_search_is_exact_where_sqlite_folds_otherwise(store: SqliteStore, needle: str) -> None:
    memory = seeded(MemoryStore())
    documents = [
        draft(f"inv-{n}", description=text)
        for n, text in enumerate(["aaµab", "aaμab", "Ꭰbc", "İstanbul", "Istanbul", "ǄEMAL", "ϐeta"])
    ]
    query = InvoiceQuery(search=needle, limit=100)
    results = []
    for target in (memory, store):
        add(target, *documents)
        with target.unit_of_work(readonly=True) as uow:
            results.append([i.id for i in uow.invoices.list("co-a", query).items])
    assert results[1] == results[0]


def test_search_finds_across_number_and_description(store: SqliteStore) -> None:
    add(store, draft("inv-1", description="Workshop").book("A-42", AT).invoice)
    with store.unit_of_work(readonly=True) as uow:
        for text in ("42\nwork", "2\nw", "a-42\nworkshop"):
            assert uow.invoices.list("co-a", InvoiceQuery(search=text)).total == 1


def test_search_for_unstorable_text_finds_nothing(store: SqliteStore) -> None:
    add(store, draft("inv-1", description="Workshop"))
    with store.unit_of_work(readonly=True) as uow:
        assert uow.invoices.list("co-a", InvoiceQuery(search="\ud800")).total == 0


def test_search_pages_follow_list_order_across_days_kinds_and_edits(store: SqliteStore) -> None:
    # Many matches a day, written out of id order, credit notes among them, drafts' dates
    # moved after writing, and another company's matches: every page, bound and kind is the
    # reference's (a search reads the index by day, then orders each day's by id).
    seeded(store, "co-b")
    order = [(n * 37) % 90 for n in range(90)]
    invoices = [
        draft(f"inv-{n:03d}", issue_date=DAY - timedelta(days=n % 4), description=f"work {n}")
        for n in order
    ]
    invoices = [
        i if n % 5 == 0 else i.book(f"2026-{n:05d}", AT).invoice
        for n, i in zip(order, invoices, strict=True)
    ]
    booked = [i for i in invoices if i.number is not None]
    notes = [
        invoice.credit(f"cn-{n}", AT, DAY - timedelta(days=n % 3), [(0, Decimal(1))]).credit_note
        for n, invoice in enumerate(booked[:12])
    ]
    others = [draft(f"inv-{n:03d}", company_id="co-b", description="work") for n in range(30)]
    add(store, *invoices, *notes, *others)
    for invoice_id, day in (
        ("inv-005", DAY + timedelta(days=1)),
        ("inv-050", DAY - timedelta(days=2)),
    ):
        with store.unit_of_work() as uow:
            stored = uow.invoices.get("co-a", invoice_id)
            uow.invoices.update(stored.update(AT, issue_date=day).invoice, stored.version)
            uow.commit()
    with store.unit_of_work(readonly=True) as uow:
        documents = [uow.invoices.get("co-a", i.id) for i in (*invoices, *notes)]
        for search, kind, limit, page, bound in itertools.product(
            ("work", "2026-0000", "rk 1", "nothing"),
            (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, None),
            (1, 7, 25),
            (1, 2, 4, 9),
            (1000, 3, 0),
        ):
            query = InvoiceQuery(
                search=search, kind=kind, limit=limit, page=page, count_bound=bound
            )
            expected = newest_first(i for i in documents if matches(i, query))
            found = uow.invoices.list("co-a", query)
            window = expected[query.offset : query.offset + limit]
            assert [i.id for i in found.items] == [i.id for i in window], query
            reference = ListResult.bounded((), len(expected), query)
            assert (found.total, found.exact) == (reference.total, reference.exact), query


def test_list_keys_order_companies_kinds_and_days() -> None:
    days = [DAY + timedelta(days=1), DAY, DAY - timedelta(days=400)]
    keys = [
        list_key_day(code, kind, day)
        for code in (1, 2, MAX_COMPANY_CODE)
        for kind in LIST_KEY_KINDS
        for day in days
    ]
    # a company's kinds, each newest day first: the index's rowid order is list order
    assert keys == sorted(keys)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(keys))
    assert keys[0][0] > 0
    assert keys[-1][1] < 2**63
    for code in (1, MAX_COMPANY_CODE):
        every = list_key_band(code, None)
        for kind in LIST_KEY_KINDS:
            low, high = list_key_band(code, kind)
            assert every[0] <= low < high <= every[1]
            for day in days:
                first, last = list_key_day(code, kind, day)
                assert low <= first < last <= high
    day = list_key_day(1, "invoice", DAY)
    assert list_key(None, day) == day[1]  # the first of a day takes the top slot
    assert list_key(day[1], day) == day[1] - 1  # the next one the slot below
    assert list_key(day[0], day) is None  # a full day


# -- driver errors ---------------------------------------------------------------------------


def test_a_file_that_is_no_database_is_a_storage_error(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite database, just text\n" * 200)
    with pytest.raises(StorageError) as info:
        SqliteStore(path)
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)
    assert not info.value.retryable  # no retry cures it (tests/test_storage_errors.py)


def test_a_damaged_document_is_a_storage_error(store: SqliteStore, path: Path) -> None:
    add(store, draft("inv-1"))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE invoices SET doc = '{\"id\": ' WHERE id = 'inv-1'")
    conn.close()
    with store.unit_of_work(readonly=True) as uow, pytest.raises(StorageError):
        uow.invoices.get("co-a", "inv-1")


def test_a_writer_locked_out_gets_a_storage_error(path: Path) -> None:
    store = seeded(SqliteStore(path, create=True, timeout=0.2))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError, match="locked") as info:
            store.unit_of_work().__enter__()
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        # readers do not wait for writers
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get("co-a").id == "co-a"
        other.execute("ROLLBACK")
        add(store, draft("inv-1"))
    finally:
        other.close()
        store.close()


def test_a_missing_company_is_not_found(store: SqliteStore) -> None:
    with store.unit_of_work() as uow, pytest.raises(NotFoundError):
        uow.invoices.add(draft("inv-1", company_id="co-missing"))


def test_unstorable_text_is_a_storage_error(store: SqliteStore) -> None:
    # The domain refuses lone surrogates (check_text); a value built around its checks
    # still never reaches the driver.
    with pytest.raises(ValidationError):
        draft("inv-1", description="\udc80")
    unchecked = attrs.evolve(draft("inv-1"), description="\udc80")
    with store.unit_of_work() as uow, pytest.raises(StorageError, match="surrogates"):
        uow.invoices.add(unchecked)


# -- the writer queue ------------------------------------------------------------------------


def tickets_drawn(path: Path) -> int:
    return int.from_bytes(Path(f"{path}-writers").read_bytes()[:8].ljust(8, b"\0"), "little")


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def log_events(store: SqliteStore) -> list[str]:
    with store.unit_of_work(readonly=True) as uow:
        return [event.type for event in uow.events.for_invoice("co-a", "queue")]


def test_threads_write_in_the_order_they_came(store: SqliteStore) -> None:
    def write(name: str) -> None:
        with store.unit_of_work() as uow:
            uow.events.append("co-a", InvoiceEvent("queue", name, AT))
            uow.commit()

    waiters = store._queue._shared.local._waiters
    threads = []
    with store.unit_of_work() as holder:
        for n in range(4):
            thread = threading.Thread(target=write, args=(f"thread-{n}",))
            thread.start()
            threads.append(thread)
            wait_until(lambda n=n: len(waiters) == n + 1, f"thread {n} to queue")
        holder.commit()
    for thread in threads:
        thread.join()
    assert log_events(store) == [f"thread-{n}" for n in range(4)]


CHILD_WRITER = """
import sys
from datetime import UTC, datetime
from faktura.invoice import InvoiceEvent
from faktura.storage.sqlite import SqliteStore

# waits while the test starts the later writers (Python each): longer than the default
# 5 s on a loaded machine; the order is the point here, the timeout is tested below
store = SqliteStore(sys.argv[1], timeout=60)
with store.unit_of_work() as uow:
    uow.events.append("co-a", InvoiceEvent("queue", sys.argv[2], datetime.now(UTC)))
    uow.commit()
store.close()
"""


def test_processes_write_in_the_order_they_came(store: SqliteStore, path: Path) -> None:
    children = []
    with store.unit_of_work() as holder:
        first = tickets_drawn(path)
        for n in range(3):
            children.append(
                subprocess.Popen([sys.executable, "-c", CHILD_WRITER, str(path), f"process-{n}"])
            )
            wait_until(lambda n=n: tickets_drawn(path) == first + n + 1, f"process {n} to queue")
        holder.commit()
    assert [child.wait(timeout=60) for child in children] == [0, 0, 0]
    assert log_events(store) == [f"process-{n}" for n in range(3)]


def test_a_writer_gives_up_its_place_after_the_timeout(store: SqliteStore, path: Path) -> None:
    impatient = SqliteStore(path, timeout=0.2)
    try:
        with store.unit_of_work() as holder:
            with pytest.raises(StorageError, match="other writers"):
                impatient.unit_of_work().__enter__()
            holder.commit()
        add(impatient, draft("inv-1"))
        add(store, draft("inv-2"))
    finally:
        impatient.close()


def test_a_writer_queued_behind_a_slow_process_gives_up(store: SqliteStore, path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from faktura.storage.sqlite import SqliteStore\n"
            "store = SqliteStore(sys.argv[1])\n"
            "with store.unit_of_work():\n"
            "    print('holding', flush=True)\n"
            "    sys.stdin.readline()\n",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    impatient = SqliteStore(path, timeout=0.2)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(StorageError, match="other writers"):
            impatient.unit_of_work().__enter__()
        holder.communicate("done\n", timeout=60)
        add(impatient, draft("inv-1"))
    finally:
        impatient.close()
        holder.kill()
        holder.wait()


# -- fork ------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads, 3.12+
def test_a_store_does_not_cross_fork(store: SqliteStore, path: Path) -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            try:
                store.unit_of_work(readonly=True).__enter__()
            except StorageError:
                try:
                    SqliteStore(path)
                except ConfigurationError:
                    code = 0
            store.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with store.unit_of_work(readonly=True) as uow:
        assert uow.companies.get("co-a").id == "co-a"


def test_memory_and_sqlite_list_alike(store: SqliteStore) -> None:
    """A smoke test of the whole list over both stores with the same documents."""
    memory = seeded(MemoryStore())
    documents = [
        draft(f"inv-{n}", issue_date=DAY - timedelta(days=n % 3), description=f"job {n}")
        for n in range(12)
    ]
    documents = [d.book(str(n + 1), AT).invoice if n % 2 else d for n, d in enumerate(documents)]
    for target in (memory, store):
        add(target, *documents)
    for query in QUERIES:
        results = []
        for target in (memory, store):
            with target.unit_of_work(readonly=True) as uow:
                found = uow.invoices.list("co-a", query)
            results.append(([i.id for i in found.items], found.total))
        assert results[0] == results[1], query


def test_the_list_key_limits_are_refused_as_storage_errors(store: SqliteStore, path: Path) -> None:
    # the last slot of a day taken: the next document of that day has no key left
    add(store, draft("inv-1"))
    with sqlite3.connect(path) as conn:
        (code,) = conn.execute(
            "SELECT code FROM company_codes WHERE company_id = 'co-a'"
        ).fetchone()
        conn.execute(
            "UPDATE invoices SET list_key = ? WHERE id = 'inv-1'",
            (list_key_day(code, "invoice", DAY)[0],),
        )
    with pytest.raises(StorageError, match="too many documents of kind invoice dated") as full:
        add(store, draft("inv-2"))
    assert not full.value.retryable
    add(store, draft("inv-3", issue_date=DAY - timedelta(days=1)))  # another day has room
    # every company code taken: no company can be added
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO company_codes (company_id, code) VALUES ('co-a2', ?)",
            (MAX_COMPANY_CODE,),
        )
    with pytest.raises(StorageError, match="holds up to") as no_code:
        seeded(store, "co-b")
    assert not no_code.value.retryable
