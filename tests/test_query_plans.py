"""No operation scans: the plan of every statement a store issues for lists, list
positions, counts, reads and number allocation is an index search or range.

The statements are captured from the store while it works (so a new query is covered
without being named here) and explained afterwards:

- SQLite: ``EXPLAIN QUERY PLAN``, twice: on the small file as it is, and with the
  statistics of a store of 100,000 invoices (10 companies, one with 40 %), under which
  SQLite chooses differently. A ``SCAN`` of a table or ``USE TEMP B-TREE`` fails. The
  search index is read within one company's range of rowids (a search reads its matches
  in list order from there, and stops after the page and the count bound); the one sort
  allowed is that of a search that also filters by status or customer, of the company's
  matches the trigram index finds.
- PostgreSQL: ``EXPLAIN (FORMAT JSON)`` with ``enable_seqscan`` and ``enable_sort`` off,
  so that the planner shows an index path wherever one exists even on a small table; a
  ``Seq Scan`` or ``Sort`` node fails. An overdue list's bounded count reads the
  index of the owed documents (``invoices_overdue``, partial: owed only).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from faktura.invoice import DocumentKind, Invoice, Status
from faktura.ports import OVERDUE, InvoiceQuery, Store
from faktura.storage.postgres import PostgresStore, PostgresUnitOfWork
from faktura.storage.sqlite import SqliteStore, SqliteUnitOfWork
from faktura.testing.contract import AT, DAY, add, draft, seeded

pytest_plugins = ["pg_fixture"]

Statement = tuple[str, tuple[Any, ...] | dict[str, Any]]


def _bound(params: Any) -> tuple[Any, ...] | dict[str, Any]:
    """A statement's parameters as captured: by name (the shared SQL's) or by position."""
    return dict(params) if isinstance(params, Mapping) else tuple(params)


QUERIES = [
    InvoiceQuery(
        page=page, kind=kind, status=status, customer_id=customer, search=search, today=DAY
    )
    for kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, None)
    for status in (None, Status.DRAFT, Status.PAID, OVERDUE)
    for customer in (None, "cu-1")
    for search in (None, "work", "0001")
    for page in (1, 3)
]


def exercise(store: Store) -> None:
    """What the plans are taken of: writes that place documents in list order and
    allocate numbers, reads by id, and every kind of list."""
    seeded(store)
    add(
        store,
        *(_document(n) for n in range(60)),
    )
    with store.unit_of_work() as uow:
        # an older document: placed below newer ones (the list-position query)
        uow.invoices.add(draft("old-1", issue_date=DAY - timedelta(days=400)))
        found = uow.invoices.get("co-a", "old-1", for_update=True)
        number = uow.numbers.allocate("co-a", "invoice", "2026", 1, DAY, False)
        uow.invoices.update(found.book(f"2026-{number:05d}", AT).invoice, found.version)
        uow.commit()
    with store.unit_of_work(readonly=True) as uow:
        uow.invoices.get("co-a", "inv-007")
        uow.customers.get("co-a", "cu-1")
        uow.companies.get("co-a")
        uow.numbers.last("co-a", "invoice", "2026")
        for query in QUERIES:
            uow.invoices.list("co-a", query)


def _document(n: int) -> Invoice:
    invoice = draft(
        f"inv-{n:03d}",
        customer_id="cu-1" if n % 3 else "cu-2",
        issue_date=DAY - timedelta(days=n * 7),
        description=f"workshop {n}",
    )
    if n % 2:
        invoice = invoice.book(f"2025-{n:05d}", AT).invoice
    return invoice


def _distinct(statements: list[Statement]) -> list[Statement]:
    return list({(sql, repr(params)): (sql, params) for sql, params in statements}.values())


#: A count of the matches themselves, not bounded by a LIMITed subquery: it reads them all.
_FULL_COUNT = re.compile(r"count\(\*\) FROM invoices", re.IGNORECASE)


def _kept(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}


# -- SQLite ------------------------------------------------------------------------------

#: sqlite_stat1 of a store of 100,000 invoices (benchmarks/storage_list.py --rows 100000).
LARGE_STATS = [
    ("invoices", "invoices_by_position", "99994 10000 10000 1"),
    ("invoices", "invoices_by_status_customer", "99994 10000 10000 1250 4 1 1"),
    ("invoices", "invoices_by_customer", "99994 10000 10000 14 1 1"),
    ("invoices", "invoices_by_status", "99994 10000 10000 1250 2 1"),
    ("invoices", "invoices_by_kind", "99994 10000 10000 4 1"),
    ("invoices", "invoices_by_date", "99994 10000 4 1"),
    ("invoices", "sqlite_autoindex_invoices_2", "99994 10000 1"),
    ("invoices", "sqlite_autoindex_invoices_1", "99994 10000 1"),
    ("invoices_fts_idx", "invoices_fts_idx", "2710 339 1"),
    ("invoices_fts_docsize", None, "99994"),
]
# a table or an index read whole; not a subquery's rows, nor the search index's MATCH,
# nor the one constant row of a SELECT without FROM (its scalar subqueries are searched)
_TABLE_SCAN = re.compile(r"SCAN (?!\()(?!CONSTANT ROW$)\S+(?! VIRTUAL TABLE INDEX \d+:M)( |$)")


@pytest.fixture
def sqlite_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[Statement]]:
    path = tmp_path / "plans.db"
    store = SqliteStore(path, create=True)
    seen: list[Statement] = []
    rows, write = SqliteUnitOfWork._rows, SqliteUnitOfWork._write

    def capture_rows(self: SqliteUnitOfWork, sql: str, params: Any = ()) -> Any:
        seen.append((sql, _bound(params)))
        return rows(self, sql, params)

    def capture_write(self: SqliteUnitOfWork, sql: str, params: Any, *args: Any) -> Any:
        seen.append((sql, _bound(params)))
        return write(self, sql, params, *args)

    monkeypatch.setattr(SqliteUnitOfWork, "_rows", capture_rows)
    monkeypatch.setattr(SqliteUnitOfWork, "_write", capture_write)
    try:
        exercise(store)
    finally:
        store.close()
    return path, seen


#: A search with a status or customer filter: its matches are filtered row by row, then
#: sorted (the only sort allowed).
_FILTERED_SEARCH = re.compile(r"(status|customer_id) = \?.*invoices_fts MATCH")
#: The search index read within a range of rowids (one company's, sqlite_schema.list_key).
_SEARCH_IN_RANGE = re.compile(r"invoices_fts MATCH \? AND rowid BETWEEN \? AND \?")


def sqlite_problems(conn: sqlite3.Connection, statements: list[Statement]) -> list[str]:
    problems = []
    for sql, params in _distinct(statements):
        if not _kept(sql):
            continue
        if _FULL_COUNT.search(sql):
            problems.append(f"an unbounded count: {sql}")
        if sql.count("invoices_fts MATCH") != len(_SEARCH_IN_RANGE.findall(sql)):
            problems.append(f"the search index read beyond one company's range: {sql}")
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        for detail in plan:
            scan = _TABLE_SCAN.match(detail)
            sort = "USE TEMP B-TREE" in detail and not _FILTERED_SEARCH.search(sql)
            if scan or sort:
                problems.append(f"{detail}\n    in {sql}\n    plan: {plan}")
    return problems


@pytest.mark.parametrize("stats", ["small", "large"])
def test_sqlite_plans_are_index_searches(
    sqlite_statements: tuple[Path, list[Statement]], stats: str
) -> None:
    path, statements = sqlite_statements
    texts = {sql for sql, _ in statements}
    assert len(texts) > 20, texts  # lists, counts, positions, reads and writes were seen
    assert any("list_pos" in sql and "ORDER BY" in sql for sql in texts)  # list position
    # a search in list order, and one with filters (its sort is allowed)
    assert any("invoices_fts" in sql and "ORDER BY rowid" in sql for sql in texts)
    assert any(_FILTERED_SEARCH.search(sql) for sql in texts)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if stats == "large":
            conn.execute("ANALYZE")
            conn.execute("DELETE FROM sqlite_stat1")
            conn.executemany("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", LARGE_STATS)
            conn.execute("ANALYZE sqlite_schema")  # load the statistics
        problems = sqlite_problems(conn, statements)
    finally:
        conn.close()
    assert not problems, "\n".join(problems)


# -- PostgreSQL --------------------------------------------------------------------------


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_postgres_plans_are_index_searches(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PostgresStore(pg_url, create=True)
    seen: list[Statement] = []
    run: Callable[..., Any] = PostgresUnitOfWork.run

    def capture(self: PostgresUnitOfWork, query: Any, params: Any = (), **kwargs: Any) -> Any:
        seen.append((str(query), _bound(params)))
        return run(self, query, params, **kwargs)

    monkeypatch.setattr(PostgresUnitOfWork, "run", capture)
    try:
        exercise(store)
    finally:
        store.close()
    texts = {sql for sql, _ in seen}
    assert len(texts) > 15, texts
    problems = []
    overdue_counts: list[set[str]] = []
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_sort = off")
        for sql, params in _distinct(seen):
            if not _kept(sql):
                continue
            if _FULL_COUNT.search(sql):
                problems.append(f"an unbounded count: {sql}")
            with conn.transaction(force_rollback=True):
                (row,) = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
            plan = row if isinstance(row, list) else json.loads(row)
            for node in _nodes(plan[0]["Plan"]):
                if node["Node Type"] in {"Seq Scan", "Sort", "Incremental Sort"}:
                    problems.append(f"{node['Node Type']} in {sql}\n    {plan}")
            if "count(*)" in sql and "owed AND due_date" in sql and "customer_id" not in sql:
                overdue_counts.append(
                    {str(n.get("Index Name")) for n in _nodes(plan[0]["Plan"])} - {"None"}
                )
    assert not problems, "\n".join(problems)
    assert overdue_counts, texts
    assert all("invoices_overdue" in indexes for indexes in overdue_counts), overdue_counts
