"""How fast faktura books invoices in SQLite and PostgreSQL, against the same rows written
with the raw drivers, and how long SQLite writers wait when four processes book at once.

Every booking books one ten-line DKK draft (two VAT rates, discounts, fractional
quantities); the drafts are created first and never timed. Each section measures
faktura and its baseline in the same run, runs interleaved, after a warm-up:

* ``sqlite``   One process books N drafts, one transaction per booking, with
               ``Billing.book`` on a ``SqliteStore`` (WAL, synchronous=FULL). Baseline:
               raw ``sqlite3`` on a copy of the same file with the store's PRAGMAs, writing
               per booking exactly what the store's booking transaction writes:
               BEGIN IMMEDIATE; the counter upsert (and the series upsert when the booking
               date moves on); the UPDATE of the invoice row with the booked document's
               header JSON (``codec.dumps_header``: its lines are kept apart and a
               booking leaves them alone; precomputed outside the timed loop, with its
               summary's); the INSERT of its event; COMMIT. It skips
               the store's reads (company, invoice, series date, counter): those are part
               of faktura's cost here. The script stops unless both files end up with
               identical rows. Target: faktura ≥ 0.7× raw.
* ``postgres`` A throwaway cluster (``PostgresCluster``, fsync on); 4 processes each book
               M drafts of one company through ``Billing`` on a ``PostgresStore`` of their
               own. Baseline: 4 processes with one psycopg connection each, issuing the
               store's statements of a booking: the series row inserted if missing and
               locked FOR UPDATE, the counter read and upserted, the series date moved,
               the invoice UPDATE (JSON precomputed, the number filled in), the event
               INSERT, COMMIT. Numbers must come out 1..4M. Target: faktura ≥ 0.7× raw.
* ``writers``  4 processes book K drafts each on one SQLite file: the latency of each
               booking (p50, p99, max, pooled over the runs) through ``SqliteStore`` and
               its fair writer queue, and, since the store has no switch to bypass the
               queue, raw ``sqlite3`` writers issuing the store's statements (its reads of
               the series date and counter included) that wait in SQLite's own busy
               handler (``busy_timeout``). Target: worst case ≤ 250 ms with the queue.

Throughput is the best of the runs (``time.perf_counter``; concurrent runs from the
first client's start to the last one's end). The garbage collector stays on: it is part
of what a booking costs. SQLite files go to a temporary directory (``--dir``); machine
info includes that file system's fsync time, which the ratios depend on.

Usage::

    .venv/bin/python benchmarks/storage_booking.py            # N=400, M=200, K=150, 3 runs
    .venv/bin/python benchmarks/storage_booking.py --quick    # N=100, M=50, K=40, 1 run
    .venv/bin/python benchmarks/storage_booking.py --check    # exit 1 when a target fails
    .venv/bin/python benchmarks/storage_booking.py --only writers
    .venv/bin/python benchmarks/storage_booking.py --only sqlite --profile  # where time goes
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import multiprocessing
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.documents.source import issue
from faktura.errors import StorageError
from faktura.invoice import DocumentKind, Invoice
from faktura.issued import IssuedParties
from faktura.ports import Store
from faktura.storage import codec
from faktura.storage.query import search_text
from faktura.storage.sqlite import DEFAULT_TIMEOUT, SqliteStore
from faktura.summary import InvoiceSummary
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.wire import new_draft
from report import version

if TYPE_CHECKING:
    import psycopg

CLIENTS = 4
LINES_PER_INVOICE = 10
TARGET_SQLITE = 0.7
#: Booking a draft of 1,000 lines within this many times a 10-line one (issue 14).
TARGET_LINES_GROWTH = 1.3
TARGET_POSTGRES = 0.7
TARGET_WORST_MS = 250.0
QUANTITIES = ("1", "2", "3", "5", "0.5", "1.25", "7.5", "12", "0.333")
DISCOUNTS = ("0", "0", "0", "5", "10", "12.5", "2.5")
RATES = ("25", "12")

DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SERIES = DocumentKind.INVOICE.value
PERIOD = ""  # the default invoice series ("{seq}") never resets
START = 1
# Stands for the number in a booked document's JSON until the number is known.
PLACEHOLDER = "@@number@@"
BARRIER_TIMEOUT = 120.0
RESULT_TIMEOUT = 900.0
# A booking that timed out waiting for the write lock is tried again, this often at most.
MAX_ATTEMPTS = 5

# -- the stores' statements ------------------------------------------------------------
# Copied from src/faktura/storage/sqlite.py (SqliteStore._connect, _Numbers.allocate,
# _Invoices.update, _Events.append) and src/faktura/storage/postgres.py; sqlite.py does
# not expose them. Section 1 compares the rows both ways write, so a drift shows.
# Stores that keep an InvoiceSummary beside each document (a ``summary`` column) write
# it in the same UPDATE; the baselines do so whenever the schema they find has one.

SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {int(DEFAULT_TIMEOUT * 1000)}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
)
SQLITE_SERIES_DATE = "SELECT last_date FROM series WHERE company_id = ? AND series = ?"
SQLITE_COUNTER_UPSERT = (
    "INSERT INTO counters (company_id, series, period, last_seq) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = last_seq + 1"
)
SQLITE_SERIES_UPSERT = (
    "INSERT INTO series (company_id, series, last_date) VALUES (?, ?, ?) "
    "ON CONFLICT (company_id, series) DO UPDATE SET last_date = excluded.last_date"
)
SQLITE_COUNTER_LAST = (
    "SELECT last_seq FROM counters WHERE company_id = ? AND series = ? AND period = ?"
)
SQLITE_UPDATE_INVOICE = (
    "UPDATE invoices SET kind = ?, status = ?, customer_id = ?, issue_date = ?, "
    "due_date = ?, number = ?, description = ?, search = ?, version = ?, doc = ? "
    "WHERE company_id = ? AND id = ? AND version = ?"
)
# What the store writes when it books (schema v3): only the columns that change, so
# the indexes on the others are left alone.
SQLITE_BOOK_INVOICE = (
    "UPDATE invoices SET status = ?, number = ?, search = ?, version = ?, doc = ?, "
    "summary = ? WHERE company_id = ? AND id = ? AND version = ?"
)
# ... and since schema v9, whether the document is owed (it is, once booked)
SQLITE_BOOK_OWED_INVOICE = (
    "UPDATE invoices SET status = ?, owed = ?, number = ?, search = ?, version = ?, doc = ?, "
    "summary = ? WHERE company_id = ? AND id = ? AND version = ?"
)
SQLITE_INSERT_EVENT = (
    "INSERT INTO events (company_id, invoice_id, seq, doc) "
    "SELECT ?, ?, coalesce(max(seq), 0) + 1, ? FROM events "
    "WHERE company_id = ? AND invoice_id = ?"
)

PG_BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"
PG_SERIES_INSERT = (
    "INSERT INTO series (company_id, series, last_date) VALUES (%s, %s, NULL)"
    " ON CONFLICT DO NOTHING"
)
PG_SERIES_LOCK = "SELECT last_date FROM series WHERE company_id = %s AND series = %s FOR UPDATE"
PG_COUNTER_LAST = (
    "SELECT last_seq FROM counters WHERE company_id = %s AND series = %s AND period = %s"
)
PG_COUNTER_UPSERT = (
    "INSERT INTO counters (company_id, series, period, last_seq) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = EXCLUDED.last_seq"
)
PG_SERIES_DATE = "UPDATE series SET last_date = %s WHERE company_id = %s AND series = %s"
PG_UPDATE_INVOICE = (
    "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
    " due_date = %s, number = %s, description = %s, version = %s, search = %s,"
    " doc = %s::jsonb WHERE company_id = %s AND id = %s AND version = %s"
)
PG_UPDATE_INVOICE_SUMMARY = (
    "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
    " due_date = %s, number = %s, description = %s, version = %s, search = %s,"
    " doc = %s::jsonb, summary = %s::jsonb"
    " WHERE company_id = %s AND id = %s AND version = %s"
)
PG_UPDATE_INVOICE_OWED = (
    "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
    " due_date = %s, owed = %s, number = %s, description = %s, version = %s, search = %s,"
    " doc = %s::jsonb, summary = %s::jsonb"
    " WHERE company_id = %s AND id = %s AND version = %s"
)
PG_INSERT_EVENT = "INSERT INTO events (company_id, invoice_id, doc) VALUES (%s, %s, %s::jsonb)"


# -- the workload ----------------------------------------------------------------------


class FixedClock:
    """Every booking happens at the same instant: documents come out byte-identical."""

    def now(self) -> datetime:
        return NOW

    def today(self) -> date:
        return DAY


def draft_body(
    rng: random.Random, customer_id: str, index: int, lines: int = LINES_PER_INVOICE
) -> dict[str, Any]:
    """A create-draft body (the seed API's shape) with ``lines`` product lines."""
    return {
        "customerId": customer_id,
        "date": DAY.isoformat(),
        "currency": "DKK",
        "paymentTerms": 8,
        "description": f"Consulting, November, order {index}",
        "lines": [
            {
                "description": f"Consulting {line}",
                "quantity": rng.choice(QUANTITIES),
                "unitPrice": str(Decimal(rng.randrange(100, 500_000)) / 100),
                "discountPercent": rng.choice(DISCOUNTS),
                "vatCategory": "S",
                "vatRate": rng.choice(RATES),
            }
            for line in range(lines)
        ],
    }


def seed_company(
    store: Store, drafts: int, seed: int = 2026, lines: int = LINES_PER_INVOICE
) -> tuple[str, list[str]]:
    """A company with one customer and ``drafts`` drafts of ``lines`` lines: (company id,
    draft ids)."""
    billing = Billing(store, FixedClock())
    company = billing.create_company(CompanyProfile(**SELLER))  # complete enough to issue
    if company.invoice_series.format(7, DAY) != "7" or company.invoice_series.period(DAY):
        raise AssertionError("the baselines assume the default invoice series, '{seq}'")
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    )
    rng = random.Random(seed)
    ids = [
        billing.create_draft(company.id, new_draft(draft_body(rng, customer.id, index, lines))).id
        for index in range(drafts)
    ]
    return company.id, ids


class Plan(NamedTuple):
    """What a raw writer writes for one booking, computed from the draft before timing:
    the booked document's columns, its JSON, its summary's JSON (None when the schema
    keeps no summary) and its event's JSON, split where the number goes (concurrent
    writers learn the number only inside the transaction)."""

    invoice_id: str
    expected_version: int
    kind: str
    status: str
    customer_id: str
    issue_date: date
    due_date: date
    description: str | None
    version: int
    search: tuple[str, ...]
    doc: tuple[str, ...]
    summary: tuple[str, ...] | None
    event: tuple[str, ...]
    #: Whether the booked document is owed (1 or 0), for a faktura whose stores keep it
    #: (``Invoice.is_owed``); None for one that does not.
    owed: int | None = None

    @property
    def sqlite_sql(self) -> str:
        if self.summary is None:
            return SQLITE_UPDATE_INVOICE
        return SQLITE_BOOK_INVOICE if self.owed is None else SQLITE_BOOK_OWED_INVOICE

    @property
    def pg_sql(self) -> str:
        if self.summary is None:
            return PG_UPDATE_INVOICE
        return PG_UPDATE_INVOICE_SUMMARY if self.owed is None else PG_UPDATE_INVOICE_OWED

    def _owed(self) -> tuple[object, ...]:
        return () if self.owed is None or self.summary is None else (self.owed,)

    def _summary(self, number: str) -> tuple[str, ...]:
        return () if self.summary is None else (number.join(self.summary),)

    def sqlite_update(self, company_id: str, number: str) -> tuple[object, ...]:
        """The parameters of ``sqlite_sql``."""
        if self.summary is not None:
            return (
                self.status,
                *self._owed(),
                number,
                number.join(self.search),
                self.version,
                number.join(self.doc),
                *self._summary(number),
                company_id,
                self.invoice_id,
                self.expected_version,
            )
        return (
            self.kind,
            self.status,
            self.customer_id,
            self.issue_date.isoformat(),
            self.due_date.isoformat(),
            number,
            self.description,
            number.join(self.search),
            self.version,
            number.join(self.doc),
            *self._summary(number),
            company_id,
            self.invoice_id,
            self.expected_version,
        )

    def pg_update(self, company_id: str, number: str) -> tuple[object, ...]:
        """The parameters of ``pg_sql``."""
        return (
            self.kind,
            self.status,
            self.customer_id,
            self.issue_date,
            self.due_date,
            *(bool(owed) for owed in self._owed()),
            number,
            self.description,
            self.version,
            number.join(self.search),
            number.join(self.doc),
            *self._summary(number),
            company_id,
            self.invoice_id,
            self.expected_version,
        )


def plan_booking(draft: Invoice, with_summary: bool, issued: IssuedParties | None = None) -> Plan:
    """The raw writers' version of ``Billing._book``'s result for ``draft`` (issued with
    ``issued``, the snapshot of its parties)."""
    booked, event = draft.book(PLACEHOLDER, NOW, issued=issued)
    summary = codec.dumps(InvoiceSummary.of(booked)) if with_summary else None
    return Plan(
        invoice_id=draft.id,
        expected_version=draft.version,
        kind=booked.kind.value,
        status=booked.status.value,
        customer_id=booked.customer_id,
        issue_date=booked.issue_date,
        due_date=booked.due_date,
        description=booked.description,
        version=booked.version,
        search=tuple(search_text(booked).split(PLACEHOLDER)),
        doc=tuple(codec.dumps_header(booked).split(PLACEHOLDER)),
        summary=None if summary is None else tuple(summary.split(PLACEHOLDER)),
        event=tuple(codec.dumps(event).split(PLACEHOLDER)),
        # a faktura before Invoice.is_owed kept no such column
        owed=int(booked.is_owed) if hasattr(booked, "is_owed") else None,
    )


def plan_bookings(
    store: Store, company_id: str, ids: Sequence[str], with_summary: bool
) -> list[Plan]:
    with store.unit_of_work(readonly=True) as uow:
        company = uow.companies.get(company_id)
        plans = []
        for invoice_id in ids:
            draft = uow.invoices.get(company_id, invoice_id)
            customer = uow.customers.get(company_id, draft.customer_id)
            plans.append(plan_booking(draft, with_summary, issue(draft, company, customer)))
        return plans


# -- SQLite helpers --------------------------------------------------------------------


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """A connection as the store's writers have it."""
    conn = sqlite3.connect(
        path, timeout=DEFAULT_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode != "wal":
        raise RuntimeError(f"{path}: journal mode {mode!r}, not WAL")
    return conn


def sqlite_has_summary(path: Path) -> bool:
    """Whether the store's schema keeps a summary beside each invoice."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return any(row[1] == "summary" for row in conn.execute("PRAGMA table_info(invoices)"))


def copy_database(source: Path, target: Path) -> None:
    """A copy of a (closed) store's file, in WAL mode as the original."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writers"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a booking writes, in key order."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in (
                ("invoices", "row_id"),
                ("invoice_lines", "row_id"),
                ("events", "company_id, invoice_id, seq"),
                ("counters", "company_id, series, period"),
                ("series", "company_id, series"),
            )
        }


def same_rows(faktura_file: Path, raw_file: Path) -> None:
    """Stop loudly unless the raw baseline wrote exactly the rows faktura wrote."""
    ours, theirs = sqlite_rows(faktura_file), sqlite_rows(raw_file)
    for table, rows in ours.items():
        if rows == theirs[table]:
            continue
        for mine, raw in zip(rows, theirs[table], strict=False):
            if mine != raw:
                raise AssertionError(
                    f"{table}: faktura wrote {str(mine)[:400]}\nraw sqlite3 wrote "
                    f"{str(raw)[:400]}\n(the baseline's statements differ from sqlite.py's)"
                )
        raise AssertionError(f"{table}: {len(rows)} rows by faktura, {len(theirs[table])} raw")


def check_gap_free_sqlite(path: Path, company_id: str, count: int, with_summary: bool) -> None:
    """Stop loudly unless the booked numbers are 1..count, each in its documents."""
    documents = "json_extract(doc, '$.number') = number"
    if with_summary:
        documents += " AND json_extract(summary, '$.number') = number"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        found = conn.execute(
            "SELECT count(*), count(DISTINCT number), min(CAST(number AS INTEGER)), "
            f"max(CAST(number AS INTEGER)), sum({documents}) "
            "FROM invoices WHERE company_id = ? AND status = 'sending'",
            (company_id,),
        ).fetchone()
    if tuple(found) != (count, count, 1, count, count):
        raise AssertionError(f"{path}: expected numbers 1..{count}, found {found}")


# -- section 1: SQLite, one process ----------------------------------------------------


def book_with_faktura_sqlite(path: Path, company_id: str, ids: Sequence[str]) -> float:
    """Seconds ``Billing.book`` takes to book ``ids`` one after another."""
    store = SqliteStore(path)
    try:
        billing = Billing(store, FixedClock())
        start = time.perf_counter()
        for invoice_id in ids:
            billing.book(company_id, invoice_id)
        return time.perf_counter() - start
    finally:
        store.close()


class RawBooking(NamedTuple):
    issue_date: date
    update_sql: str
    update: tuple[object, ...]
    event: tuple[object, ...]


def raw_bookings(company_id: str, plans: Sequence[Plan]) -> list[RawBooking]:
    """The statements' parameters, numbers 1, 2, ... in booking order (one writer)."""
    return [
        RawBooking(
            plan.issue_date,
            plan.sqlite_sql,
            plan.sqlite_update(company_id, str(seq)),
            (company_id, plan.invoice_id, str(seq).join(plan.event), company_id, plan.invoice_id),
        )
        for seq, plan in enumerate(plans, START)
    ]


def book_with_sqlite3(path: Path, company_id: str, bookings: Sequence[RawBooking]) -> float:
    """Seconds raw sqlite3 takes to write what the store writes for ``bookings``."""
    conn = sqlite_connect(path)
    try:
        last_date: date | None = None
        start = time.perf_counter()
        for booking in bookings:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                SQLITE_COUNTER_UPSERT,
                (company_id, SERIES, PERIOD, START if last_date is None else 1),
            )
            if last_date is None or booking.issue_date > last_date:
                conn.execute(
                    SQLITE_SERIES_UPSERT, (company_id, SERIES, booking.issue_date.isoformat())
                )
                last_date = booking.issue_date
            if conn.execute(booking.update_sql, booking.update).rowcount != 1:
                raise RuntimeError(f"invoice not updated: {booking.update[-2]}")
            conn.execute(SQLITE_INSERT_EVENT, booking.event)
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def summary_note(with_summary: bool) -> str:
    return ", documents + summaries" if with_summary else ""


@dataclass
class Verdict:
    label: str
    passed: bool | None  # None: not measured
    detail: str


def bench_sqlite(
    workdir: Path,
    bookings: int,
    repeats: int,
    profile: bool,
    lines: int = LINES_PER_INVOICE,
    rates_out: dict[str, float] | None = None,
    statements: bool = False,
) -> list[Verdict]:
    template = workdir / "single-template.db"
    store = SqliteStore(template, create=True)
    try:
        company_id, ids = seed_company(store, bookings, lines=lines)
        with_summary = sqlite_has_summary(template)
        plans = plan_bookings(store, company_id, ids, with_summary)
    finally:
        store.close()
    raw = raw_bookings(company_id, plans)
    warm = min(20, bookings)
    methods: dict[str, Callable[[Path, int], float]] = {
        "faktura": lambda path, n: book_with_faktura_sqlite(path, company_id, ids[:n]),
        "raw sqlite3": lambda path, n: book_with_sqlite3(path, company_id, raw[:n]),
    }
    best = dict.fromkeys(methods, math.inf)
    for round_ in range(repeats + 1):  # round 0 warms up
        files: dict[str, Path] = {}
        for name, method in methods.items():
            path = files[name] = workdir / f"single-{round_}-{name.replace(' ', '-')}.db"
            copy_database(template, path)
            seconds = method(path, bookings if round_ else warm)
            if round_:
                best[name] = min(best[name], seconds)
        same_rows(files["faktura"], files["raw sqlite3"])
        for path in files.values():
            remove_database(path)

    rates = {name: bookings / seconds for name, seconds in best.items()}
    print(
        f"SQLite, one process: {bookings} bookings of {lines}-line drafts, one "
        f"transaction each, WAL + synchronous=FULL{summary_note(with_summary)}; "
        f"best of {repeats}"
    )
    print_rate_table(rates, "raw sqlite3")
    if statements:
        print()
        print_statement_timings(workdir, template, company_id, ids, raw)
    if profile:
        print()
        path = workdir / "single-profile.db"
        copy_database(template, path)
        profile_sqlite_booking(path, company_id, ids)
        remove_database(path)
    remove_database(template)
    if rates_out is not None:
        rates_out.update(rates)
    ratio = rates["faktura"] / rates["raw sqlite3"]
    return [
        Verdict(
            f"SQLite booking ({lines} lines), faktura vs raw sqlite3",
            ratio >= TARGET_SQLITE,
            f"{ratio:.3f}x (target >= {TARGET_SQLITE}x)",
        )
    ]


def bench_sqlite_by_lines(
    workdir: Path, bookings: int, repeats: int, args: argparse.Namespace
) -> list[Verdict]:
    """The SQLite section once per ``--lines`` count; with several, a table of booking
    cost by lines and the verdict on the largest against the smallest."""
    verdicts: list[Verdict] = []
    by_lines: dict[int, dict[str, float]] = {}
    for lines in args.lines:
        rates: dict[str, float] = {}
        count = bookings if lines <= 100 else max(40, bookings * 10 // lines)
        verdicts += bench_sqlite(
            workdir, count, repeats, args.profile, lines, rates, args.statements
        )
        by_lines[lines] = rates
        print()
    if len(by_lines) > 1:
        smallest, largest = min(by_lines), max(by_lines)
        base = 1000 / by_lines[smallest]["faktura"]
        versus = f"vs {smallest} lines"
        header = f"{'lines':>6} {'faktura ms':>11} {'raw ms':>8} {'vs raw':>7} {versus:>12}"
        print(header)
        print("-" * len(header))
        for lines, rates in by_lines.items():
            ours, raw = 1000 / rates["faktura"], 1000 / rates["raw sqlite3"]
            print(f"{lines:>6} {ours:>11.3f} {raw:>8.3f} {raw / ours:>6.2f}x {ours / base:>11.2f}x")
        growth = (1000 / by_lines[largest]["faktura"]) / base
        verdicts.append(
            Verdict(
                f"SQLite booking, {largest} lines vs {smallest} lines",
                growth <= TARGET_LINES_GROWTH,
                f"{growth:.2f}x the time (target <= {TARGET_LINES_GROWTH}x)",
            )
        )
    return verdicts


def print_rate_table(rates: dict[str, float], baseline: str) -> None:
    header = f"{'method':<14} {'bookings/s':>11} {'ms/booking':>11} {'vs ' + baseline:>16}"
    print(header)
    print("-" * len(header))
    for name, rate in rates.items():
        ratio = rate / rates[baseline]
        print(f"{name:<14} {rate:>11,.0f} {1000 / rate:>11.3f} {ratio:>15.2f}x")


# -- profiling -------------------------------------------------------------------------

# Self time by where the code lives; the first match wins.
_CATEGORIES: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("SQL: sqlite3 C calls (incl. fsync)", lambda f, n: f == "~" and "sqlite3" in n),
    ("JSON encode/decode", lambda f, n: "/json/" in f or (f == "~" and "json" in n)),
    ("cattrs structure/unstructure", lambda f, n: "/cattrs/" in f or "cattrs" in f),
    ("attrs-generated __init__/evolve", lambda f, n: "/attr/" in f or "<attrs" in f),
    ("decimal arithmetic (C)", lambda f, n: f == "~" and "decimal" in n),
    ("writer queue (fcntl, thread)", lambda f, n: "writer_queue" in f or "fcntl" in n),
    ("faktura storage adapter", lambda f, n: "faktura/storage/" in f),
    ("faktura domain (validation, totals, book)", lambda f, n: "/faktura/" in f),
    ("datetime/date parsing and formatting", lambda f, n: f == "~" and "date" in n),
)


def profile_sqlite_booking(path: Path, company_id: str, ids: Sequence[str]) -> None:
    """Where faktura's time goes: cProfile of one booking loop, self time grouped."""
    store = SqliteStore(path)
    profiler = cProfile.Profile()
    try:
        billing = Billing(store, FixedClock())
        profiler.enable()
        for invoice_id in ids:
            billing.book(company_id, invoice_id)
        profiler.disable()
    finally:
        store.close()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (file, _line, name), (_cc, _nc, self_time, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = next((c for c, match in _CATEGORIES if match(file, name)), "other")
        totals[label] = totals.get(label, 0.0) + self_time
    whole = sum(totals.values())
    print(f"cProfile, faktura's booking loop ({len(ids)} bookings; self time by category):")
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        share = seconds / whole
        per_booking = 1000 * seconds / len(ids)
        print(f"  {label:<44} {per_booking:>7.3f} ms/booking {share:>6.1%}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
    print(out.getvalue())


class _TimedConnection(sqlite3.Connection):
    """A connection that adds each statement's time to ``spent`` under its first words."""

    spent: ClassVar[dict[str, list[float]]] = {}

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        start = time.perf_counter()
        try:
            return super().execute(sql, parameters)
        finally:
            words = " ".join(sql.split()[:4]).replace(" (", "(")
            self.spent.setdefault(words, []).append(time.perf_counter() - start)


@contextlib.contextmanager
def _timed_statements() -> Iterator[dict[str, list[float]]]:
    """Every sqlite3 connection opened meanwhile times its statements."""
    connect = sqlite3.connect
    spent: dict[str, list[float]] = {}
    _TimedConnection.spent = spent

    def timed(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, factory=_TimedConnection, **kwargs)

    sqlite3.connect = timed  # type: ignore[assignment]
    try:
        yield spent
    finally:
        sqlite3.connect = connect


def print_statement_timings(
    workdir: Path, template: Path, company_id: str, ids: Sequence[str], raw: Sequence[RawBooking]
) -> None:
    """Per booking, the time of each statement faktura's booking and the raw loop run,
    and faktura's own (Python) time besides: what a ratio to raw can reach at best."""
    columns: dict[str, tuple[float, dict[str, list[float]]]] = {}
    for name, method in (
        ("faktura", lambda path: book_with_faktura_sqlite(path, company_id, ids)),
        ("raw sqlite3", lambda path: book_with_sqlite3(path, company_id, raw)),
    ):
        path = workdir / f"single-statements-{name.replace(' ', '-')}.db"
        copy_database(template, path)
        with _timed_statements() as spent:
            seconds = method(path)
        remove_database(path)
        columns[name] = (seconds, spent)
    count = len(ids)
    names = list(dict.fromkeys(k for _, spent in columns.values() for k in spent))
    header = f"{'statement (first words)':<44} {'faktura µs':>11} {'raw µs':>8}"
    print(f"Per booking, by statement ({count} bookings; median × calls per booking):")
    print(header)
    print("-" * len(header))

    def per_booking(spent: dict[str, list[float]], key: str) -> float:
        times = spent.get(key, [])
        return statistics.median(times) * len(times) / count * 1e6 if times else 0.0

    sql_total = dict.fromkeys(columns, 0.0)
    for key in names:
        cells = []
        for name, (_, spent) in columns.items():
            micro = per_booking(spent, key)
            sql_total[name] += micro
            cells.append(micro)
        print(f"{key[:44]:<44} {cells[0]:>11.1f} {cells[1]:>8.1f}")
    totals = {name: seconds / count * 1e6 for name, (seconds, _) in columns.items()}
    print(f"{'all statements':<44} {sql_total['faktura']:>11.1f} {sql_total['raw sqlite3']:>8.1f}")
    print(
        f"{'Python besides (total - statements)':<44} "
        f"{totals['faktura'] - sql_total['faktura']:>11.1f} "
        f"{totals['raw sqlite3'] - sql_total['raw sqlite3']:>8.1f}"
    )
    print(f"{'total':<44} {totals['faktura']:>11.1f} {totals['raw sqlite3']:>8.1f}")
    ceiling = totals["raw sqlite3"] / sql_total["faktura"]
    print(
        f"faktura's statements alone come to {sql_total['faktura']:.0f} µs: with no Python "
        f"time at all, faktura would reach {ceiling:.2f}x raw"
    )


# -- concurrent clients ----------------------------------------------------------------


@dataclass
class ClientTask:
    """One client process: ``method`` books ``items`` (ids or plans) on ``target``."""

    method: str  # faktura-sqlite, raw-sqlite, faktura-postgres, raw-postgres
    target: str  # a file or a URL
    company_id: str
    items: list[Any]


@dataclass
class ClientResult:
    start: float
    end: float
    latencies: list[float] = field(default_factory=list)
    retries: int = 0


def client_main(task: ClientTask, barrier: Any, results: Any) -> None:
    """A client process: report a ClientResult, or the error that stopped it."""
    try:
        results.put(("ok", run_client(task, barrier)))
    except BaseException as exc:
        results.put(("error", f"{task.method}: {type(exc).__name__}: {exc}"))
        raise


def run_client(task: ClientTask, barrier: Any) -> ClientResult:
    with client_booker(task) as (book, retryable):
        barrier.wait(timeout=BARRIER_TIMEOUT)
        result = ClientResult(start=time.perf_counter(), end=0.0)
        for item in task.items:
            began = time.perf_counter()
            for attempt in range(MAX_ATTEMPTS):
                try:
                    book(item)
                    break
                except retryable:
                    if attempt == MAX_ATTEMPTS - 1:
                        raise
                    result.retries += 1
            result.latencies.append(time.perf_counter() - began)
        result.end = time.perf_counter()
    return result


Booker = Callable[[Any], object]


@contextlib.contextmanager
def client_booker(
    task: ClientTask,
) -> Iterator[tuple[Booker, type[Exception] | tuple[type[Exception], ...]]]:
    """How this client books one item, and which errors mean "try again"."""
    company_id = task.company_id
    if task.method == "faktura-sqlite":
        store: Any = SqliteStore(task.target)
        billing = Billing(store, FixedClock())
        try:
            yield (lambda invoice_id: billing.book(company_id, invoice_id)), StorageError
        finally:
            store.close()
    elif task.method == "raw-sqlite":
        conn = sqlite_connect(Path(task.target))
        try:
            yield (
                (lambda plan: raw_sqlite_booking(conn, company_id, plan)),
                sqlite3.OperationalError,
            )
        finally:
            conn.close()
    elif task.method == "faktura-postgres":
        from faktura.storage.postgres import PostgresStore

        store = PostgresStore(task.target, pool_size=1)
        billing = Billing(store, FixedClock())
        try:
            yield (lambda invoice_id: billing.book(company_id, invoice_id)), ()
        finally:
            store.close()
    elif task.method == "raw-postgres":
        import psycopg

        with psycopg.connect(task.target, autocommit=True) as pg:
            yield (lambda plan: raw_postgres_booking(pg, company_id, plan)), ()
    else:
        raise ValueError(f"unknown method {task.method!r}")


def raw_sqlite_booking(conn: sqlite3.Connection, company_id: str, plan: Plan) -> None:
    """The store's booking transaction in raw sqlite3 (its series and counter reads
    included: a concurrent writer learns its number only here)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(SQLITE_SERIES_DATE, (company_id, SERIES)).fetchone()
        last_date = date.fromisoformat(row[0]) if row is not None else None
        conn.execute(
            SQLITE_COUNTER_UPSERT, (company_id, SERIES, PERIOD, START if last_date is None else 1)
        )
        if last_date is None or plan.issue_date > last_date:
            conn.execute(SQLITE_SERIES_UPSERT, (company_id, SERIES, plan.issue_date.isoformat()))
        (seq,) = conn.execute(SQLITE_COUNTER_LAST, (company_id, SERIES, PERIOD)).fetchone()
        number = str(seq)
        if conn.execute(plan.sqlite_sql, plan.sqlite_update(company_id, number)).rowcount != 1:
            raise RuntimeError(f"invoice {plan.invoice_id} not updated")
        event = number.join(plan.event)
        conn.execute(
            SQLITE_INSERT_EVENT, (company_id, plan.invoice_id, event, company_id, plan.invoice_id)
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def raw_postgres_booking(
    conn: psycopg.Connection[tuple[Any, ...]], company_id: str, plan: Plan
) -> None:
    """The store's booking transaction in raw psycopg, same row locks."""
    conn.execute(PG_BEGIN)
    try:
        conn.execute(PG_SERIES_INSERT, (company_id, SERIES))
        row = conn.execute(PG_SERIES_LOCK, (company_id, SERIES)).fetchone()
        last_date: date | None = row[0] if row is not None else None
        counter = conn.execute(PG_COUNTER_LAST, (company_id, SERIES, PERIOD)).fetchone()
        last = int(counter[0]) if counter is not None else None
        seq = last + 1 if last is not None else (START if last_date is None else 1)
        conn.execute(PG_COUNTER_UPSERT, (company_id, SERIES, PERIOD, seq))
        if last_date is None or plan.issue_date > last_date:
            conn.execute(PG_SERIES_DATE, (plan.issue_date, company_id, SERIES))
        number = str(seq)
        updated = conn.execute(plan.pg_sql, plan.pg_update(company_id, number))
        if updated.rowcount != 1:
            raise RuntimeError(f"invoice {plan.invoice_id} not updated")
        conn.execute(PG_INSERT_EVENT, (company_id, plan.invoice_id, number.join(plan.event)))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        raise


def run_clients(tasks: Sequence[ClientTask]) -> list[ClientResult]:
    """Start one process per task ("spawn": nothing open crosses into them), let them go
    at once, and collect their results."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(tasks))
    results = context.Queue()
    processes = [
        context.Process(target=client_main, args=(task, barrier, results), daemon=True)
        for task in tasks
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=RESULT_TIMEOUT) for _ in tasks]
        for process in processes:
            process.join(timeout=60)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    errors = [detail for status, detail in outcomes if status != "ok"]
    if errors:
        raise RuntimeError("a client failed: " + "; ".join(errors))
    return [result for _, result in outcomes]


@dataclass
class Concurrent:
    """The runs of one method: throughput per run and every booking's latency."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    retries: int = 0

    def add(self, results: Sequence[ClientResult]) -> None:
        bookings = sum(len(r.latencies) for r in results)
        wall = max(r.end for r in results) - min(r.start for r in results)
        self.rates.append(bookings / wall)
        for result in results:
            self.latencies.extend(result.latencies)
            self.retries += result.retries

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        rank = max(math.ceil(fraction * len(ordered)) - 1, 0)
        return 1000 * ordered[rank]


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    return [list(items[index::parts]) for index in range(parts)]


# -- section 2: PostgreSQL, four clients -----------------------------------------------


def bench_postgres(per_client: int, repeats: int) -> list[Verdict]:
    label = "PostgreSQL booking, faktura vs raw psycopg"
    try:
        import psycopg

        from faktura.storage.postgres import PostgresStore
        from faktura.testing.postgres import PostgresCluster
    except ImportError as exc:
        print(f"PostgreSQL: skipped: {exc} (pip install 'faktura[postgres]')")
        return [Verdict(label, None, "skipped: psycopg missing")]
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as exc:
        print(f"PostgreSQL: skipped: the cluster did not start: {exc}")
        return [Verdict(label, None, "skipped: no PostgreSQL")]
    try:
        url = cluster.create_database("faktura_bench")
        store = PostgresStore(url, create=True)
        with psycopg.connect(url, autocommit=True) as conn:
            with_summary = postgres_has_summary(conn)
            row = conn.execute("SHOW server_version").fetchone()
            settings = conn.execute(
                "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings"
                " WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method')"
            ).fetchone()
        server = row[0] if row else "?"

        def run(method: str, count: int) -> tuple[str, list[ClientResult]]:
            company_id, ids = seed_company(store, CLIENTS * count)  # not timed
            items: list[Any] = ids
            if method == "raw-postgres":
                items = plan_bookings(store, company_id, ids, with_summary)
            tasks = [ClientTask(method, url, company_id, part) for part in split(items, CLIENTS)]
            results = run_clients(tasks)
            check_gap_free_postgres(url, company_id, CLIENTS * count, with_summary)
            return company_id, results

        methods = {"faktura": "faktura-postgres", "raw psycopg": "raw-postgres"}
        runs = {name: Concurrent() for name in methods}
        for round_ in range(repeats + 1):  # round 0 warms up
            for name, method in methods.items():
                _, results = run(method, per_client if round_ else 10)
                if round_:
                    runs[name].add(results)
        store.close()
    finally:
        cluster.stop()

    print(
        f"PostgreSQL {server} ({settings[0] if settings else '?'}): {CLIENTS} client "
        f"processes x {per_client} bookings, one company and series (row-locked)"
        f"{summary_note(with_summary)}; "
        f"throughput best of {repeats}, latency over all runs"
    )
    rates = print_concurrent_table(runs, "raw psycopg")
    ratio = rates["faktura"] / rates["raw psycopg"]
    return [
        Verdict(label, ratio >= TARGET_POSTGRES, f"{ratio:.3f}x (target >= {TARGET_POSTGRES}x)")
    ]


def postgres_has_summary(conn: psycopg.Connection[tuple[Any, ...]]) -> bool:
    """Whether the store's schema keeps a summary beside each invoice."""
    found = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = 'invoices' AND column_name = 'summary'"
    ).fetchone()
    return found is not None


def check_gap_free_postgres(url: str, company_id: str, count: int, with_summary: bool) -> None:
    """Stop loudly unless the booked numbers are 1..count, each in its documents."""
    import psycopg

    documents = "doc->>'number' = number"
    if with_summary:
        documents += " AND summary->>'number' = number"
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*), count(DISTINCT number), min(number::int), max(number::int),"
            f" count(*) FILTER (WHERE {documents})"
            " FROM invoices WHERE company_id = %s AND status = 'sending'",
            (company_id,),
        ).fetchone()
    if found is None or tuple(found) != (count, count, 1, count, count):
        raise AssertionError(f"PostgreSQL: expected numbers 1..{count}, found {found}")


def print_concurrent_table(runs: dict[str, Concurrent], baseline: str) -> dict[str, float]:
    rates = {name: max(run.rates) for name, run in runs.items()}
    header = (
        f"{'method':<26} {'bookings/s':>11} {'vs baseline':>12} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'retries':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, run in runs.items():
        print(
            f"{name:<26} {rates[name]:>11,.0f} {rates[name] / rates[baseline]:>11.2f}x "
            f"{run.percentile_ms(0.50):>8.1f} {run.percentile_ms(0.99):>8.1f} "
            f"{run.percentile_ms(1.0):>8.1f} {run.retries:>8}"
        )
    return rates


# -- section 3: SQLite, four writer processes ------------------------------------------


def bench_writers(workdir: Path, per_client: int, repeats: int) -> list[Verdict]:
    template = workdir / "writers-template.db"
    store = SqliteStore(template, create=True)
    try:
        company_id, ids = seed_company(store, CLIENTS * per_client)
        with_summary = sqlite_has_summary(template)
        plans = plan_bookings(store, company_id, ids, with_summary)
    finally:
        store.close()
    methods: dict[str, tuple[str, list[Any]]] = {
        "faktura (fair queue)": ("faktura-sqlite", ids),
        "raw sqlite3 (busy_timeout)": ("raw-sqlite", plans),
    }
    runs = {name: Concurrent() for name in methods}
    warm = min(10, per_client)
    for round_ in range(repeats + 1):  # round 0 warms up
        for name, (method, items) in methods.items():
            count = per_client if round_ else warm
            path = workdir / f"writers-{round_}-{method}.db"
            copy_database(template, path)
            parts = [part[:count] for part in split(items, CLIENTS)]
            results = run_clients(
                [ClientTask(method, str(path), company_id, part) for part in parts]
            )
            check_gap_free_sqlite(path, company_id, CLIENTS * count, with_summary)
            remove_database(path)
            if round_:
                runs[name].add(results)
    remove_database(template)

    print(
        f"SQLite, {CLIENTS} writer processes x {per_client} bookings on one file "
        f"(busy_timeout {DEFAULT_TIMEOUT:g} s{summary_note(with_summary)}); throughput best "
        f"of {repeats}, latency over all {repeats * CLIENTS * per_client} bookings of each"
    )
    print_concurrent_table(runs, "raw sqlite3 (busy_timeout)")
    worst = runs["faktura (fair queue)"].percentile_ms(1.0)
    return [
        Verdict(
            "SQLite, 4 writers: worst booking latency with the queue",
            worst <= TARGET_WORST_MS,
            f"{worst:.1f} ms (target <= {TARGET_WORST_MS:g} ms)",
        )
    ]


# -- machine ---------------------------------------------------------------------------


def machine_info(workdir: Path) -> list[str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"CPU:        {cpu}, {os.cpu_count()} cores ({usable} usable)",
        f"Python:     {platform.python_version()} ({platform.python_implementation()})",
        f"SQLite:     {sqlite3.sqlite_version}",
        f"PostgreSQL: {postgres_version()}; psycopg {version('psycopg')}",
        f"Files:      {workdir.parent} on {file_system(workdir)}; "
        f"fsync of 4 KiB: median {fsync_ms(workdir):.3f} ms",
    ]


def postgres_version() -> str:
    from faktura.testing.postgres import find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        return "not installed"
    done = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "?"


def file_system(path: Path) -> str:
    """The mount point and type of the file system holding ``path`` (Linux)."""
    best = ("?", "?")
    resolved = str(path.resolve())
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _device, mount, kind, *_ = line.split()
            inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) >= len(best[0]):
                best = (mount, kind)
    return f"{best[0]} ({best[1]})"


def fsync_ms(workdir: Path, rounds: int = 50) -> float:
    probe = workdir / "fsync-probe"
    times = []
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(rounds):
            os.write(fd, b"x" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        probe.unlink()
    times.sort()
    return 1000 * times[len(times) // 2]


# -- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=100, M=50, K=40, one run")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--only", choices=("sqlite", "postgres", "writers"), help="one section")
    parser.add_argument("--profile", action="store_true", help="cProfile faktura's SQLite loop")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="time each SQLite statement of a booking, faktura's and the raw loop's",
    )
    parser.add_argument("--repeats", type=int, help="timed runs per method (default 3)")
    parser.add_argument("--dir", type=Path, help="where the SQLite files go (default: $TMPDIR)")
    parser.add_argument(
        "--lines",
        type=int,
        nargs="+",
        default=[LINES_PER_INVOICE],
        help="lines per draft in the SQLite section, e.g. --lines 10 100 1000",
    )
    args = parser.parse_args(argv)
    single, per_pg_client, per_writer = (100, 50, 40) if args.quick else (400, 200, 150)
    repeats = args.repeats or (1 if args.quick else 3)
    sections = [args.only] if args.only else ["sqlite", "postgres", "writers"]

    workdir = Path(tempfile.mkdtemp(prefix="faktura-bench-", dir=args.dir))
    verdicts: list[Verdict] = []
    try:
        print("\n".join(machine_info(workdir)))
        for section in sections:
            print()
            if section == "sqlite":
                verdicts += bench_sqlite_by_lines(workdir, single, repeats, args)
            elif section == "postgres":
                verdicts += bench_postgres(per_pg_client, repeats)
            else:
                verdicts += bench_writers(workdir, per_writer, repeats)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    for verdict in verdicts:
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}[verdict.passed]
        print(f"{mark}  {verdict.label}: {verdict.detail}")
    failed = any(verdict.passed is False for verdict in verdicts)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
