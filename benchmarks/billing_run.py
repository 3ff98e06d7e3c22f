"""How fast faktura's billing run bills a month at scale, against a hand-written loop
that does the same job without faktura, on SQLite and PostgreSQL; and whether its peak
memory stays flat in the number of invoices (issue 18).

The workload: one company (the Danish test seller) holding ``--existing`` booked
invoices (5 lines each, one per customer in turn, dated through 2025 and 2026), and
``--invoices`` customers with one monthly schedule each (billed in advance from
2026-12-01, 5 product lines at 25 % and 0 % VAT, prices and quantities varying by
schedule; no delivery channel). ``Billing.run_billing(company, "2026-12")`` then creates
and books one invoice per schedule (a schedule without a channel is not sent). Every
measurement runs on a fresh copy of the same seeded database.

Rows of the table, per database:

* ``faktura run``      ``run_billing`` with ``batch_size=100`` (the default).
* ``faktura run, batch_size=1``  the same, one transaction per invoice.
* ``hand-written loop``  the same job without faktura: it reads the schedules and
  customers with one query each, computes each invoice's totals with plain ``Decimal``
  per VAT group, builds the same documents as plain dicts and ``json.dumps`` them, and
  runs exactly the statements faktura runs for a run (captured from a traced run of
  faktura on a small copy: every ``execute`` of the store's connections), in the same
  transactions of 100 invoices, with its own parameters. Before timing, the script runs
  both on a small database and stops unless they wrote the same rows (documents
  compared as parsed JSON).
* ``raw loop, rows precomputed``  the hand-written loop's statements and parameters,
  all built before the clock starts: only the database's time is left.

The columns: seconds, invoices per second, and the ratio of the row's throughput to the
hand-written loop's and to the raw loop's (1.00 = as fast; target: faktura's run
>= 0.5x the hand-written loop on both databases). The RSS rows give the peak resident
memory (VmHWM) of a fresh process that opens the store and runs the billing of 5,000 and
of ``--invoices`` schedules (the rest of the schedules paused), so a run whose memory
grew with its size would show it (``--rss-only``: those rows alone).

Seeding ``--existing`` invoices makes them with the domain model (drafts booked, issued
to their customer) and writes them through the store's ports on SQLite
(``uow.invoices.add``, ``uow.numbers.allocate``, ``uow.events.append``, in transactions
of 5,000) and with ``COPY`` of the rows the PostgreSQL store's own code makes on
PostgreSQL (1,000 rows a transaction). The seeded database is cached under ``--cache``
(default: $TMPDIR/faktura-billing-run-cache) by database, sizes, the store's schema
version and ``SEED_FORMAT`` (``--reseed`` seeds again): a SQLite file, and for
PostgreSQL a ``pg_dump`` restored into each new cluster. A run checks a seeded database
once: page 1 of the list, and a draft booked with the next number.

Usage::

    .venv/bin/python benchmarks/billing_run.py                 # 50,000 into 400,000
    .venv/bin/python benchmarks/billing_run.py --quick         # 2,000 into 20,000
    .venv/bin/python benchmarks/billing_run.py --invoices 10000 --existing 100000
    .venv/bin/python benchmarks/billing_run.py --only sqlite --no-rss
    .venv/bin/python benchmarks/billing_run.py --check         # exit 1 when a target fails
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.documents.source import issue
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.parties import Company, Customer
from faktura.ports import Store
from faktura.status import DocumentKind
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.vat import VatCategory
from report import print_rows, verdict, version

TARGET = 0.5
T = TypeVar("T")
LINES = 5
PERIOD = "2026-12"
RUN_DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SEEDED_AT = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2026, 11, 30)  # the existing invoices' dates
SEED_BATCH = 5000
COPY_BATCH = 1000
RUN_BATCH = 100
RSS_SMALL = 5000
SOURCE = Path(__file__).resolve().parents[1] / "src" / "faktura"


class FixedClock:
    """The run happens on 2026-12-01: documents and their rows are the same every run."""

    def now(self) -> datetime:
        return NOW

    def today(self) -> date:
        return RUN_DAY


def counting_ids(start: datetime, prefix: int = 0) -> Callable[[], str]:
    """Ids as ``new_id`` makes them (32 hex digits, milliseconds first), from a counter:
    the same ids every run, in creation order."""
    base = int(start.timestamp() * 1000)
    count = iter(range(1, 1 << 60))

    def next_id() -> str:
        n = next(count)
        return f"{base + n:012x}{prefix:04x}{n:016x}"

    return next_id


@dataclass(frozen=True)
class Sizes:
    invoices: int
    existing: int
    lines: int = LINES

    @property
    def label(self) -> str:
        return f"{self.invoices}-into-{self.existing}-x{self.lines}"


@dataclass
class Seeded:
    """What the measurements need to know about a seeded database."""

    company_id: str
    schedule_ids: list[str]
    customers: int
    existing: int

    def dump(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def load(cls, text: str) -> Seeded:
        return cls(**json.loads(text))


# -- seeding ---------------------------------------------------------------------------


def customer_id(n: int) -> str:
    return f"cust{n:07d}"


def schedule_lines(rng: random.Random, count: int) -> list[ProductLine]:
    """``count`` product lines: the first ones at 25 %, the last two zero-rated."""
    lines = []
    for k in range(count):
        zero = k >= count - 2 and count > 2
        lines.append(
            ProductLine(
                f"Subscription part {k + 1}",
                Decimal(rng.choice(("1", "2", "3", "0.5", "12", "1.25"))),
                Decimal(rng.randrange(100, 250_000)) / 100,
                VatCategory.Z if zero else VatCategory.S,
                Decimal(0 if zero else 25),
            )
        )
    return lines


def seed(
    store: Store,
    sizes: Sizes,
    seed_value: int = 2026,
    quiet: bool = False,
    url: str | None = None,
) -> Seeded:
    """The company, its customers, ``sizes.existing`` booked invoices and one monthly
    schedule per customer: through the store's ports, or, given the PostgreSQL ``url``
    of ``store``, with the rows the store's own code makes (``COPY``)."""
    rng = random.Random(seed_value)
    billing = Billing(store, FixedClock(), ids=counting_ids(SEEDED_AT, 1))
    company = billing.create_company(CompanyProfile(**SELLER))
    customers = max(sizes.invoices, 1)
    first = billing.create_customer(company.id, NewCustomer(name="Kunde 0", address=BUYER_ADDRESS))
    template = attrs.evolve(first, id=customer_id(0))
    writer: PortWriter | CopyWriter = PortWriter(store) if url is None else CopyWriter(url)
    started = time.perf_counter()
    writer.customers(
        attrs.evolve(template, id=customer_id(n), name=f"Kunde {n} A/S") for n in range(customers)
    )
    schedule = first_schedule(billing, company.id, sizes, rng)
    writer.invoices(company, existing_drafts(company, template, sizes, rng, customers))
    more = list(other_schedules(schedule, sizes, rng))
    writer.schedules(more)
    if not quiet:
        print(
            f"  seeded {sizes.existing:,} invoices, {customers:,} customers and schedules "
            f"in {time.perf_counter() - started:.0f} s"
        )
    return Seeded(company.id, [schedule.id, *(s.id for s in more)], customers, sizes.existing)


def existing_drafts(
    company: Company,
    customer: Customer,
    sizes: Sizes,
    rng: random.Random,
    customers: int,
) -> Iterator[tuple[Invoice, Customer]]:
    """``sizes.existing`` drafts to book, oldest first (ids in date order, as ``new_id``
    gives them), each with its customer."""
    days = (LAST_DAY - FIRST_DAY).days
    lines = schedule_lines(rng, sizes.lines)
    total = sizes.existing
    for n in range(total):
        day = FIRST_DAY + timedelta(days=n * days // max(total, 1))
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=6)
        buyer_n = n % customers
        buyer = attrs.evolve(customer, id=customer_id(buyer_n), name=f"Kunde {buyer_n} A/S")
        draft, _ = Invoice.draft(
            id=f"{int(at.timestamp() * 1000) + n:012x}0002{n:016x}",
            company_id=company.id,
            customer_id=buyer.id,
            issue_date=day,
            currency="DKK",
            payment_terms=PaymentTerms.net(14),
            at=at,
            lines=lines,
            description=f"Subscription, order {n}",
        )
        yield draft, buyer


def first_schedule(billing: Billing, company_id: str, sizes: Sizes, rng: random.Random) -> Any:
    """The first customer's monthly schedule from 2026-12-01, through
    ``Billing.create_schedule``."""
    from faktura.commands import NewSchedule
    from faktura.schedules import Cadence, Timing

    return billing.create_schedule(
        company_id,
        NewSchedule(
            customer_id=customer_id(0),
            cadence=Cadence.monthly(),
            timing=Timing.ADVANCE,
            start=RUN_DAY,
            lines=schedule_lines(rng, sizes.lines),
            payment_terms=PaymentTerms.net(14),
        ),
    )


def other_schedules(first: Any, sizes: Sizes, rng: random.Random) -> Iterator[Any]:
    """The other customers' schedules: copies of the first with lines of their own."""
    make_id = counting_ids(NOW - timedelta(days=30), 3)
    for n in range(1, sizes.invoices):
        version = attrs.evolve(first.versions[0], lines=tuple(schedule_lines(rng, sizes.lines)))
        yield attrs.evolve(first, id=make_id(), customer_id=customer_id(n), versions=(version,))


def _booked(company: Company, draft: Invoice, buyer: Customer, seq: int) -> tuple[Invoice, Any]:
    series = company.series_for(DocumentKind.INVOICE)
    day = draft.issue_date
    return draft.book(
        series.format(seq, day), draft.created_at, issued=issue(draft, company, buyer)
    )


class PortWriter:
    """Seeding through the store's ports, in transactions of ``SEED_BATCH``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _batches(self, items: Iterable[T]) -> Iterator[tuple[Any, list[T]]]:
        batch: list[T] = []
        for item in items:
            batch.append(item)
            if len(batch) == SEED_BATCH:
                with self.store.unit_of_work() as uow:
                    yield uow, batch
                    uow.commit()
                batch = []
        if batch:
            with self.store.unit_of_work() as uow:
                yield uow, batch
                uow.commit()

    def customers(self, customers: Iterable[Customer]) -> None:
        for uow, batch in self._batches(customers):
            for customer in batch:
                uow.customers.add(customer)

    def invoices(self, company: Company, drafts: Iterable[tuple[Invoice, Customer]]) -> None:
        series = company.series_for(DocumentKind.INVOICE)
        for uow, batch in self._batches(drafts):
            for draft, buyer in batch:
                day = draft.issue_date
                seq = uow.numbers.allocate(
                    company.id,
                    DocumentKind.INVOICE.value,
                    series.period(day),
                    series.start,
                    day,
                    series.allow_backdating,
                )
                booked, event = _booked(company, draft, buyer, seq)
                uow.invoices.add(booked)
                uow.events.append(company.id, event)

    def schedules(self, schedules: Iterable[Any]) -> None:
        for uow, batch in self._batches(schedules):
            for schedule in batch:
                uow.schedules.add(schedule)


class CopyWriter:
    """Seeding PostgreSQL with ``COPY``: each row as the store's own code makes it
    (``faktura.storage.postgres``'s row values, the codec's JSON), the numbers 1..N and
    the series' counter and last date as booking them one by one would leave them."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _copy(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        """``rows`` into ``table``, ``COPY_BATCH`` a transaction: the row trigger that
        counts a company's documents updates one row per document, and in one
        transaction each update walks the versions of that row its predecessors left."""
        import psycopg

        batch: list[Sequence[Any]] = []

        def flush() -> None:
            with psycopg.connect(self.url) as conn, conn.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[arg-type]
                    for row in batch:
                        copy.write_row(row)
                conn.commit()
            batch.clear()

        for row in rows:
            batch.append(row)
            if len(batch) == COPY_BATCH:
                flush()
        if batch:
            flush()

    def customers(self, customers: Iterable[Customer]) -> None:
        from faktura.storage.postgres.parties import _customer_values

        self._copy(
            "customers",
            "company_id, id, name, number, name_key, number_key, doc",
            ((c.company_id, c.id, *_customer_values(c)) for c in customers),
        )

    def invoices(self, company: Company, drafts: Iterable[tuple[Invoice, Customer]]) -> None:
        import psycopg

        from faktura.storage.codec import dumps, dumps_lines
        from faktura.storage.postgres.invoices import _invoice_values

        events: list[tuple[str, str, str]] = []
        last: date | None = None
        count = 0

        def rows() -> Iterator[Sequence[Any]]:
            nonlocal last, count
            for draft, buyer in drafts:
                count += 1
                booked, event = _booked(company, draft, buyer, count)
                last = booked.issue_date
                events.append((company.id, booked.id, dumps(event)))
                yield (company.id, booked.id, *_invoice_values(booked), dumps_lines(booked))

        self._copy(
            "invoices",
            "company_id, id, kind, status, customer_id, issue_date, due_date, owed, number,"
            " description, version, search, doc, summary, lines",
            rows(),
        )
        self._copy("events", "company_id, invoice_id, doc", events)
        with psycopg.connect(self.url) as conn:
            conn.execute(
                "INSERT INTO counters (company_id, series, period, last_seq)"
                " VALUES (%s, %s, %s, %s)",
                (company.id, DocumentKind.INVOICE.value, "", count),
            )
            conn.execute(
                "INSERT INTO series (company_id, series, last_date) VALUES (%s, %s, %s)",
                (company.id, DocumentKind.INVOICE.value, last),
            )

    def schedules(self, schedules: Iterable[Any]) -> None:
        from faktura.storage.codec import dumps

        self._copy(
            "schedules",
            "company_id, id, version, doc",
            ((s.company_id, s.id, s.version, dumps(s)) for s in schedules),
        )


# -- databases ---------------------------------------------------------------------------

#: Bump when the seeding changes what it writes (the cache key has it).
SEED_FORMAT = 1


def cache_key(kind: str, sizes: Sizes) -> str:
    """What a cached database is filed under: its kind, sizes, the store's schema version
    (a newer faktura migrates what it opens, so only the schema must match) and the
    seeding's format."""
    if kind == "sqlite":
        from faktura.storage.sqlite.migrations import LATEST as schema
    else:
        from faktura.storage.postgres import SCHEMA_VERSION as schema
    return f"{kind}-{sizes.label}-schema{schema}-seed{SEED_FORMAT}"


def cache_dir(given: Path | None) -> Path:
    path = given or Path(tempfile.gettempdir()) / "faktura-billing-run-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writers"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def check_seeded(store: Store, seeded: Seeded) -> None:
    """A seeded database reads as faktura's: page 1 of the list, and a draft booked."""
    billing = Billing(store, FixedClock(), ids=counting_ids(NOW, 7))
    page = billing.list_invoices(seeded.company_id, page=1, limit=20)
    if page.total != seeded.existing or len(page.items) != min(20, seeded.existing):
        raise AssertionError(f"seeded: {page.total} invoices listed, {seeded.existing} seeded")
    draft = billing.create_draft(
        seeded.company_id,
        _new_draft(customer_id(0)),
    )
    booked = billing.book(seeded.company_id, draft.id)
    if booked.number != str(seeded.existing + 1):
        raise AssertionError(f"seeded: booked as {booked.number}, not {seeded.existing + 1}")


def _new_draft(customer: str) -> Any:
    from faktura.commands import NewDraft

    return NewDraft(customer_id=customer, lines=schedule_lines(random.Random(1), LINES))


class SqliteDatabase:
    """A seeded SQLite file (cached), copied afresh for each measurement."""

    name = "SQLite"

    def __init__(self, sizes: Sizes, cache: Path, workdir: Path, reseed: bool = False) -> None:
        self.workdir = workdir
        key = cache_key("sqlite", sizes)
        self.template = cache / f"{key}.db"
        meta = cache / f"{key}.json"
        if reseed or not (self.template.exists() and meta.exists()):
            print(f"  seeding {self.template} ...")
            building = cache / f"{key}.building.db"
            remove_sqlite(building)
            store = SqliteStore(building, create=True)
            try:
                seeded = seed(store, sizes)
            finally:
                store.close()
            with contextlib.closing(sqlite3.connect(building)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            probe = workdir / "probe.db"
            shutil.copyfile(building, probe)
            store = SqliteStore(probe)
            try:
                check_seeded(store, seeded)
            finally:
                store.close()
                remove_sqlite(probe)
            os.replace(building, self.template)
            remove_sqlite(building)
            meta.write_text(seeded.dump())
        self.seeded = Seeded.load(meta.read_text())

    @contextlib.contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        """A copy of the seeded file: its path."""
        path = self.workdir / f"{label}.db"
        remove_sqlite(path)
        shutil.copyfile(self.template, path)
        try:
            yield str(path)
        finally:
            remove_sqlite(path)

    def open(self, target: str) -> Store:
        return SqliteStore(target)

    @contextlib.contextmanager
    def small(self, sizes: Sizes) -> Iterator[tuple[str, str, Seeded]]:
        """Two copies of a small seeded database (not cached), and what was seeded."""
        paths = [self.workdir / f"small-{n}.db" for n in range(3)]
        for path in paths:
            remove_sqlite(path)
        store = SqliteStore(paths[0], create=True)
        try:
            seeded = seed(store, sizes, quiet=True)
        finally:
            store.close()
        for path in paths[1:]:
            shutil.copyfile(paths[0], path)
        try:
            yield str(paths[1]), str(paths[2]), seeded
        finally:
            for path in paths:
                remove_sqlite(path)

    @staticmethod
    def dump_rows(target: str) -> dict[str, list[tuple[Any, ...]]]:
        with contextlib.closing(sqlite3.connect(target)) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_schema "
                    "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            dump = {}
            for table in tables:
                width = len(conn.execute(f"SELECT * FROM {table} LIMIT 1").description or ())
                order = ", ".join(str(n) for n in range(1, width + 1))
                dump[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            return dump

    def close(self) -> None:
        pass


class PostgresDatabase:
    """A seeded database in a throwaway cluster (restored from a cached ``pg_dump``, or
    seeded and dumped), copied afresh for each measurement (CREATE DATABASE ... TEMPLATE)."""

    name = "PostgreSQL"
    TEMPLATE = "seeded"

    def __init__(self, sizes: Sizes, cache: Path, workdir: Path, reseed: bool = False) -> None:
        from faktura.storage.postgres import PostgresStore
        from faktura.testing.postgres import PostgresCluster

        self.cluster = PostgresCluster()
        self.cluster.start()
        try:
            key = cache_key("postgres", sizes)
            dump, meta = cache / f"{key}.dump", cache / f"{key}.json"
            url = self.cluster.create_database(self.TEMPLATE)
            if not reseed and dump.exists() and meta.exists():
                self._tool("pg_restore", "--no-owner", "-d", url, str(dump))
                self.seeded = Seeded.load(meta.read_text())
            else:
                print(f"  seeding PostgreSQL ({key}) ...")
                store = PostgresStore(url, create=True)
                try:
                    self.seeded = seed(store, sizes, url=url)
                finally:
                    store.close()
                self._tool("pg_dump", "-Fc", "-f", f"{dump}.part", url)
                os.replace(f"{dump}.part", dump)
                meta.write_text(self.seeded.dump())
            self._sql(url, "VACUUM ANALYZE")
            if not meta.exists():  # pragma: no cover - written above
                raise RuntimeError("no metadata")
            with self.fresh("probe") as probe:
                store = self.open(probe)
                try:
                    check_seeded(store, self.seeded)
                finally:
                    store.close()
        except BaseException:
            self.cluster.stop()
            raise

    def _tool(self, name: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.cluster.bin_dir / name), *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed: {done.stderr.strip()}")

    @staticmethod
    def _sql(url: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        """A copy of the seeded database: its URL."""
        name = f"run_{label}".replace("-", "_")
        self.cluster.drop_database(name)
        self._sql(
            self.cluster.url,
            f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE} STRATEGY FILE_COPY",
        )
        try:
            yield self.cluster.database_url(name)
        finally:
            self.cluster.drop_database(name)

    def open(self, target: str) -> Store:
        from faktura.storage.postgres import PostgresStore

        return PostgresStore(target)

    @contextlib.contextmanager
    def small(self, sizes: Sizes) -> Iterator[tuple[str, str, Seeded]]:
        """Two copies of a small seeded database (not cached), and what was seeded."""
        from faktura.storage.postgres import PostgresStore

        names = ["small_seed", "small_a", "small_b"]
        for name in names:
            self.cluster.drop_database(name)
        url = self.cluster.create_database(names[0])
        store = PostgresStore(url, create=True)
        try:
            seeded = seed(store, sizes, quiet=True, url=url)
        finally:
            store.close()
        for name in names[1:]:
            self._sql(self.cluster.url, f"CREATE DATABASE {name} TEMPLATE {names[0]}")
        try:
            yield self.cluster.database_url(names[1]), self.cluster.database_url(names[2]), seeded
        finally:
            for name in names:
                self.cluster.drop_database(name)

    @staticmethod
    def dump_rows(target: str) -> dict[str, list[tuple[Any, ...]]]:
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            dump = {}
            for table in tables:
                cursor = conn.execute(f"SELECT * FROM {table} LIMIT 1")  # type: ignore[arg-type]
                width = len(cursor.description or ())
                order = ", ".join(str(n) for n in range(1, width + 1))
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()  # type: ignore[arg-type]
                dump[table] = rows
            return dump

    def close(self) -> None:
        self.cluster.stop()


Database = SqliteDatabase | PostgresDatabase


# -- faktura's run -------------------------------------------------------------------------


def run_faktura(store: Store, seeded: Seeded, batch_size: int, expected: int) -> float:
    """Seconds ``run_billing`` takes to bill the month; stops unless it billed
    ``expected`` documents, every one booked."""
    billing = Billing(store, FixedClock(), ids=counting_ids(NOW, 9))
    started = time.perf_counter()
    summary = billing.run_billing(seeded.company_id, PERIOD, batch_size=batch_size, deliver=True)
    seconds = time.perf_counter() - started
    if summary.failed or (summary.created, summary.booked) != (expected, expected):
        failures = "; ".join(f"{f.stage} {f.invoice_id}: {f.message}" for f in summary.failed[:3])
        raise AssertionError(
            f"run: created {summary.created}, booked {summary.booked} of {expected}; "
            f"{len(summary.failed)} failed {failures}"
        )
    return seconds


def pause_after(store: Store, seeded: Seeded, keep: int) -> None:
    """Pause every schedule but the first ``keep`` (by id, as the run reads them),
    through the store's port, in big transactions."""
    paused = sorted(seeded.schedule_ids)[keep:]
    for low in range(0, len(paused), SEED_BATCH):
        with store.unit_of_work() as uow:
            for schedule_id in paused[low : low + SEED_BATCH]:
                schedule = uow.schedules.get(seeded.company_id, schedule_id)
                uow.schedules.update(
                    attrs.evolve(schedule, active=False, version=schedule.version + 1),
                    schedule.version,
                )
            uow.commit()


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB: VmHWM of /proc/self/status
    (Linux), else ru_maxrss. Not ru_maxrss first: Linux carries the high-water mark of
    the process image that exec replaced into it, so a child of a big parent (forked,
    then exec'd) would report the parent's size."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def rss_child(spec: str) -> int:
    """The --rss-child process: open the store, run the billing (``batch`` documents a
    unit of work, 100 unless given), print its seconds and the peak RSS."""
    kind, target, company_id, count, *rest = json.loads(spec)
    batch = rest[0] if rest else RUN_BATCH
    store: Store
    if kind == "sqlite":
        store = SqliteStore(target)
    else:
        from faktura.storage.postgres import PostgresStore

        store = PostgresStore(target)
    try:
        seeded = Seeded(company_id, [], 0, 0)
        seconds = run_faktura(store, seeded, batch, count)
    finally:
        store.close()
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))
    return 0


def run_in_child(db: Database, target: str, count: int, batch: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of a fresh process billing ``count`` schedules of
    ``target``, ``batch`` documents a unit of work."""
    kind = "sqlite" if isinstance(db, SqliteDatabase) else "postgres"
    spec = json.dumps([kind, target, db.seeded.company_id, count, batch])
    done = subprocess.run(
        [sys.executable, __file__, "--rss-child", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the billing process failed: {done.stderr.strip()[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return float(found["seconds"]), float(found["peak_rss_mb"])


def measure_rss(db: Database, count: int) -> float:
    """The peak RSS of a fresh process running the billing of ``count`` schedules (the
    others paused)."""
    with db.fresh(f"rss-{count}") as target:
        if count < len(db.seeded.schedule_ids):
            store = db.open(target)
            try:
                pause_after(store, db.seeded, count)
            finally:
                store.close()
        return run_in_child(db, target, count, RUN_BATCH)[1]


# -- the statements faktura runs ---------------------------------------------------------

Statement = tuple[str, Any]


class _TracedSqlite(sqlite3.Connection):
    """A connection that records every statement and its parameters in ``log``."""

    log: list[Statement] | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if self.log is not None:
            self.log.append((sql, parameters))
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        rows = list(parameters)
        if self.log is not None:
            self.log.extend((sql, row) for row in rows)
        return super().executemany(sql, rows)


@contextlib.contextmanager
def traced_sqlite() -> Iterator[list[Statement]]:
    """Every statement the sqlite3 connections opened meanwhile run, in order."""
    connect = sqlite3.connect
    log: list[Statement] = []
    _TracedSqlite.log = log

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, factory=_TracedSqlite, **kwargs)

    sqlite3.connect = traced  # type: ignore[assignment]
    try:
        yield log
    finally:
        sqlite3.connect = connect
        _TracedSqlite.log = None


@contextlib.contextmanager
def traced_postgres() -> Iterator[list[Statement]]:
    """Every statement psycopg's cursors run meanwhile, in order."""
    import psycopg

    log: list[Statement] = []
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def traced(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        log.append((_text(query), params))
        return execute(self, query, params, **kwargs)

    def traced_many(self: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        rows = list(params_seq)
        log.extend((_text(query), row) for row in rows)
        return executemany(self, query, rows, **kwargs)

    psycopg.Cursor.execute = traced  # type: ignore[method-assign]
    psycopg.Cursor.executemany = traced_many  # type: ignore[method-assign]
    try:
        yield log
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]


def _text(query: Any) -> str:
    return query if isinstance(query, str) else getattr(query, "_obj", None) or repr(query)


def statement_shape(log: Sequence[Statement]) -> list[str]:
    """The statements of a log, their parameters left out and each one's text shortened
    to its first words: what two runs are compared by."""
    return [" ".join(sql.split()) for sql, _ in log]


# -- the hand-written loop ---------------------------------------------------------------
# What a developer would write to bill the month without faktura: plain dicts, Decimal,
# json.dumps and the driver. It runs the statements faktura's run runs (copied from
# src/faktura/storage/sqlite/ and postgres/, checked against a traced run of faktura by
# ``HandLoop.check``), in the same transactions, with parameters of its own making. The
# documents' shape (their keys, in order, and the seller's snapshot) comes from one
# document faktura wrote on the small check database: the loop fills in the rest.

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def encode(value: object) -> str:
    """JSON as faktura's codec writes it: compact, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Templates:
    """The documents' shapes, from one document faktura booked (not timed)."""

    header: dict[str, Any]
    summary: dict[str, Any]
    issued: dict[str, Any]

    @classmethod
    def of(cls, header_text: str, summary_text: str) -> Templates:
        header = json.loads(header_text)
        issued = json.loads(header["issued"])
        return cls(header, json.loads(summary_text), issued)


class Bill:
    """One invoice of the run, as the loop computes it: its documents, as JSON text."""

    __slots__ = (
        "amount",
        "customer_id",
        "description",
        "draft_doc",
        "draft_search",
        "draft_summary",
        "due_date",
        "facts",
        "id",
        "issue_date",
        "lines",
        "lines_doc",
        "subtotal",
        "terms",
        "vat",
        "vat_groups",
    )

    def __init__(self, templates: Templates, schedule: dict[str, Any], now: str) -> None:
        version = schedule["versions"][-1]
        day = RUN_DAY
        last = date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)
        self.id = f"{schedule['id']}.{day:%Y%m%d}"
        self.customer_id = schedule["customer_id"]
        self.description = schedule["description"]
        self.terms = schedule["payment_terms"] or templates.header["payment_terms"]
        self.issue_date = day.isoformat()
        self.due_date = (day + timedelta(days=self.terms["days"])).isoformat()
        lines = []
        groups: dict[tuple[str, str], Decimal] = {}
        chars: set[str] = set()
        for line in version["lines"]:
            billed = {k: v for k, v in line.items() if k != "type"}
            billed["period_start"], billed["period_end"] = self.issue_date, last.isoformat()
            billed["type"] = line["type"]
            lines.append(billed)
            net = (Decimal(line["quantity"]) * Decimal(line["unit_price"])).quantize(
                CENT, ROUND_HALF_UP
            )
            discount = Decimal(line["discount_percent"])
            if discount:
                net -= (net * discount / HUNDRED).quantize(CENT, ROUND_HALF_UP)
            key = (line["vat_category"], line["vat_rate"])
            groups[key] = groups.get(key, Decimal(0)) + net
            chars.update(line["description"])
        self.lines = lines
        self.lines_doc = encode(lines)
        self.vat_groups = [
            [
                category,
                rate,
                f"{base:.2f}",
                f"{(base * Decimal(rate) / HUNDRED).quantize(CENT, ROUND_HALF_UP):.2f}",
                None,
            ]
            for (category, rate), base in groups.items()
        ]
        subtotal = sum(groups.values(), Decimal(0))
        vat = sum((Decimal(group[3]) for group in self.vat_groups), Decimal(0))
        self.subtotal, self.vat, self.amount = subtotal, vat, subtotal + vat
        self.facts = [len(lines), "".join(sorted(chars))]
        self.draft_doc = encode(self.header(templates, now, None))
        self.draft_summary = encode(self.summary(templates, now, None))
        self.draft_search = f"\n{self.description or ''}".lower()

    def header(
        self,
        templates: Templates,
        now: str,
        number: str | None,
        buyer: dict[str, Any] | None = None,
        seller: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        booked = number is not None
        zero = "0.00"
        amount = f"{self.amount:.2f}"
        issued = None
        if booked:
            issued = encode({**templates.issued, "seller": seller, "buyer": buyer})
        return {
            **templates.header,
            "id": self.id,
            "customer_id": self.customer_id,
            "status": "sending" if booked else "draft",
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "payment_terms": self.terms,
            "created_at": now,
            "updated_at": now,
            "description": self.description,
            "number": number,
            "booked_at": now if booked else None,
            "version": 2 if booked else 1,
            "issued": issued,
            "amounts": [
                [],
                self.vat_groups,
                f"{self.subtotal:.2f}",
                zero,
                zero,
                f"{self.subtotal:.2f}",
                f"{self.vat:.2f}",
                amount,
                zero,
                zero,
                amount,
            ],
            "line_facts": self.facts,
        }

    def summary(self, templates: Templates, now: str, number: str | None) -> dict[str, Any]:
        amount = f"{self.amount:.2f}"
        return {
            **templates.summary,
            "id": self.id,
            "customer_id": self.customer_id,
            "status": "draft" if number is None else "sending",
            "number": number,
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "subtotal": f"{self.subtotal:.2f}",
            "vat": f"{self.vat:.2f}",
            "amount": amount,
            "payable": amount,
            "payment_terms": self.terms,
            "created_at": now,
            "updated_at": now,
            "version": 1 if number is None else 2,
            "description": self.description,
        }


def event_doc(invoice_id: str, kind: str, now: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"invoice_id": invoice_id, "type": kind, "at": now, "data": data, "actor": None}


def message_doc(message_id: str, company_id: str, event: dict[str, Any], now: str) -> str:
    return encode(
        {
            "id": message_id,
            "company_id": company_id,
            "event": event,
            "next_at": now,
            "handoffs": [],
            "fanned_out": False,
        }
    )


Execute = Callable[[str, Any], Any]


class HandLoop:
    """The hand-written loop of one database (see above); ``SQL`` its statements."""

    name = ""
    PAGE = 500  # schedules per read, as faktura's run reads them

    def __init__(self, db: Database, seeded: Seeded) -> None:
        self.db = db
        self.seeded = seeded
        self.recorded: list[list[Statement]] = []  # per transaction, for the raw loop

    # the database's side
    def connect(self, target: str) -> Any:
        raise NotImplementedError

    def bill_batch(
        self,
        ex: Execute,
        company_id: str,
        schedules: Sequence[dict[str, Any]],
        ids: Callable[[], str],
    ) -> None:
        raise NotImplementedError

    def schedule_pages(self, ex: Execute, company_id: str) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    # the loop
    def bill(self, ex: Execute, company_id: str) -> int:
        """Bill the month through ``ex``: the documents written."""
        ids = new_message_id  # the outbox messages' ids, made as faktura makes them
        self.check_company(ex, company_id)
        batch: list[dict[str, Any]] = []
        count = 0
        for schedule in self.schedule_pages(ex, company_id):
            batch.append(schedule)
            if len(batch) == RUN_BATCH:
                self.bill_batch(ex, company_id, batch, ids)
                count += len(batch)
                batch = []
        if batch:
            self.bill_batch(ex, company_id, batch, ids)
            count += len(batch)
        return count

    def check_company(self, ex: Execute, company_id: str) -> None:
        raise NotImplementedError

    @staticmethod
    def due_this_month(schedule: dict[str, Any]) -> bool:
        """Whether a monthly schedule billed in advance bills December 2026."""
        if schedule["cadence"] != {"unit": "month", "count": 1} or schedule["timing"] != "advance":
            raise ValueError("the hand-written loop bills monthly schedules in advance only")
        start, end = schedule["start"], schedule["end"]
        first = RUN_DAY.isoformat()
        return bool(schedule["active"]) and start <= first and (end is None or end >= first)

    def run(self, target: str) -> float:
        """Seconds the loop takes on ``target``; what it ran is kept for ``run_precomputed``."""
        conn = self.connect(target)
        recorded: list[list[Statement]] = [[]]

        def ex(sql: str, params: Any = ()) -> Any:
            recorded[-1].append((sql, params))
            if sql == "COMMIT" or sql == "ROLLBACK":
                recorded.append([])
            return conn.execute(sql, params)

        try:
            started = time.perf_counter()
            count = self.bill(ex, self.seeded.company_id)
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        if count != len(self.seeded.schedule_ids):
            raise AssertionError(f"the hand-written loop billed {count}")
        self.recorded = [t for t in recorded if t]
        return seconds

    def run_precomputed(self, target: str) -> float:
        """Seconds the statements of the last ``run`` take, built before the clock."""
        conn = self.connect(target)
        try:
            started = time.perf_counter()
            for transaction in self.recorded:
                for sql, params in transaction:
                    conn.execute(sql, params).fetchall() if _returns(sql) else conn.execute(
                        sql, params
                    )
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        self.recorded = []
        return seconds

    # the check
    def check(self, db: Database) -> None:
        """On a small database: faktura's run and the loop run the same statements and
        write the same rows; stop loudly otherwise. Also takes the documents' shapes."""
        small = Sizes(2 * RUN_BATCH + 17, 30)
        with db.small(small) as (target_a, target_b, seeded):
            tracer = traced_sqlite if isinstance(db, SqliteDatabase) else traced_postgres
            with tracer() as log:  # the store's connections are opened inside
                store = db.open(target_a)
                try:
                    run_faktura(store, seeded, RUN_BATCH, small.invoices)
                finally:
                    store.close()
            # the run's statements: from its first transaction on (not the store's opening)
            begun = next(i for i, (sql, _) in enumerate(log) if sql.startswith("BEGIN"))
            ours = [entry for entry in log[begun:] if not _setup(entry[0])]
            self.templates = self.read_templates(target_a, seeded.company_id)
            keep = self.seeded
            self.seeded = seeded
            try:
                self.run(target_b)
            finally:
                self.seeded = keep
            theirs = [entry for t in self.recorded for entry in t]
            self.recorded = []
            a, b = statement_shape(ours), statement_shape(theirs)
            if a != b:
                first = next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                raise AssertionError(
                    f"{db.name}: the hand-written loop's statement {first} differs from "
                    f"faktura's ({len(b)} vs {len(a)} statements):\n  faktura: "
                    f"{a[first] if first < len(a) else '-'}\n  loop:    "
                    f"{b[first] if first < len(b) else '-'}"
                )
            same_rows(db, target_a, target_b)
        print(
            f"  {db.name}: the hand-written loop runs faktura's {len(a)} statements for "
            f"{small.invoices} invoices and writes the same rows"
        )

    def read_templates(self, target: str, company_id: str) -> Templates:
        raise NotImplementedError


def new_message_id() -> str:
    """A time-ordered random id, as faktura gives an outbox message (``new_id``)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def _returns(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT") or " RETURNING " in sql


def _setup(sql: str) -> bool:
    """Statements of a connection's setup, not of the run."""
    return sql.lstrip().upper().startswith(("PRAGMA", "SET ", "SHOW "))


MESSAGE_ID = re.compile(r"evt_[0-9a-f]{32}")


def canonical(value: Any) -> Any:
    """A row's value for comparison: JSON text (and JSON text inside it) parsed."""
    if isinstance(value, str) and MESSAGE_ID.fullmatch(value):
        return "evt_<new_id>"  # a message's id is a new one each time (Work.record)
    if isinstance(value, str) and value[:1] in "{[":
        with contextlib.suppress(ValueError):
            return canonical(json.loads(value))
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def _difference(mine: Any, other: Any, path: str = "") -> str:
    """Where two canonical values first differ, and how."""
    if isinstance(mine, dict) and isinstance(other, dict):
        for key in mine.keys() | other.keys():
            if mine.get(key, "<missing>") != other.get(key, "<missing>"):
                return _difference(mine.get(key), other.get(key), f"{path}.{key}")
    if (
        isinstance(mine, list | tuple)
        and isinstance(other, list | tuple)
        and len(mine) == len(other)
    ):
        for n, (a, b) in enumerate(zip(mine, other, strict=True)):
            if a != b:
                return _difference(a, b, f"{path}[{n}]")
    return f"{path or 'the row'}: {str(mine)[:300]!s} vs {str(other)[:300]!s}"


def same_rows(db: Database, target_a: str, target_b: str) -> None:
    """Stop loudly unless the two databases hold the same rows (JSON parsed, new ids
    alike), in any order."""
    a, b = db.dump_rows(target_a), db.dump_rows(target_b)
    for table, rows in a.items():
        mine = sorted((canonical(row) for row in rows), key=repr)
        theirs = sorted((canonical(row) for row in b.get(table, [])), key=repr)
        if mine == theirs:
            continue
        for ours, other in zip(mine, theirs, strict=False):
            if ours != other:
                raise AssertionError(
                    f"{db.name}, table {table}: faktura wrote, where the hand-written loop "
                    f"differs: {_difference(ours, other)}"
                )
        raise AssertionError(
            f"{db.name}, table {table}: {len(rows)} rows, {len(theirs)} by the loop"
        )


# SQLite: the statements of src/faktura/storage/sqlite/ (invoices.py, numbering.py,
# unit_of_work.py) and storage/sql.py that a run runs.
COMPANY_SQL = "SELECT doc FROM companies WHERE id = :id"
CUSTOMER_SQL = "SELECT doc FROM customers WHERE company_id = :company_id AND id = :id"
SCHEDULES_SQL = "SELECT id, doc FROM schedules WHERE company_id = :company_id "
SCHEDULES_AFTER = "AND id > :after "
SCHEDULES_END = "ORDER BY id LIMIT :limit"
SET_LAST_SQL = (
    "INSERT INTO counters (company_id, series, period, last_seq) "
    "VALUES (:company_id, :series, :period, :last_seq) "
    "ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = excluded.last_seq"
)
ADD_MESSAGE_SQL = (
    "INSERT INTO outbox (company_id, id, next_at, doc) SELECT :company_id, :id, :next_at, "
    ":doc WHERE EXISTS (SELECT 1 FROM companies WHERE id = :company_id) ON CONFLICT DO NOTHING"
)
LIST_COLUMNS = "kind, status, customer_id, issue_date, due_date, owed, number, description, search"
SQ_GET_INVOICE = (
    f"SELECT lines, doc, {LIST_COLUMNS}, version FROM invoices "
    "JOIN invoice_lines USING (row_id) WHERE company_id = ? AND id = ?"
)
SQ_COMPANY_CODE = "SELECT code FROM company_codes WHERE company_id = ?"
SQ_LOWEST_KEY = "SELECT min(list_key) FROM invoices WHERE list_key BETWEEN ? AND ?"
SQ_ADD_INVOICE = (
    "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date, "
    "due_date, owed, number, description, search, version, doc, summary, list_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING row_id"
)
SQ_ADD_LINES = "INSERT INTO invoice_lines (row_id, lines) VALUES (?, ?)"
SQ_POSITION_BELOW = (
    "SELECT list_pos FROM invoices WHERE company_id = ? AND kind = ? AND list_pos IS NOT NULL "
    "AND (issue_date, id) < (?, ?) "
    "ORDER BY issue_date DESC, id DESC LIMIT 1"
)
SQ_SHIFT = (
    "UPDATE invoices SET list_pos = list_pos + ? WHERE company_id = ? AND kind = ? AND list_pos > ?"
)
SQ_PLACE = "UPDATE invoices SET list_pos = ? WHERE company_id = ? AND id = ?"
SQ_APPEND_EVENT = (
    "INSERT INTO events (company_id, invoice_id, seq, doc) "
    "SELECT :company_id, :invoice_id, coalesce(max(seq), 0) + 1, :doc FROM events "
    "WHERE company_id = :company_id AND invoice_id = :invoice_id"
)
SQ_COUNTER = (
    "SELECT (SELECT last_date FROM series WHERE company_id = ? AND series = ?),"
    " (SELECT last_seq FROM counters"
    " WHERE company_id = ? AND series = ? AND period = ?)"
)
SQ_SERIES_DATE = (
    "INSERT INTO series (company_id, series, last_date) VALUES (?, ?, ?) "
    "ON CONFLICT (company_id, series) DO UPDATE SET last_date = excluded.last_date"
)
SQ_MOVED = (
    "SELECT 1 FROM invoices WHERE company_id = ? AND id = ? AND version = ? "
    "AND (issue_date != ? OR kind != ?)"
)
SQ_BOOK_INVOICE = (
    "UPDATE invoices SET kind = ?, status = ?, customer_id = ?, issue_date = ?, due_date = ?, "
    "owed = ?, number = ?, description = ?, search = ?, version = ?, doc = ?, summary = ? "
    "WHERE company_id = ? AND id = ? AND version = ?"
)
# list keys (src/faktura/storage/sqlite/list_keys.py): code | kind | day | slot
SLOT_BITS, DAY_BITS, KIND_BITS = 19, 22, 2


def list_key_day(code: int, day: date) -> tuple[int, int]:
    """The first and last list key of a company's invoices of one day."""
    low = (
        code << (SLOT_BITS + DAY_BITS + KIND_BITS)
        | ((1 << DAY_BITS) - day.toordinal()) << SLOT_BITS
    )
    return low, low | (1 << SLOT_BITS) - 1


class SqliteHandLoop(HandLoop):
    name = "SQLite"

    def connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def check_company(self, ex: Execute, company_id: str) -> None:
        ex("BEGIN", ())
        if ex(COMPANY_SQL, {"id": company_id}).fetchone() is None:
            raise LookupError(company_id)
        ex("ROLLBACK", ())

    def schedule_pages(self, ex: Execute, company_id: str) -> Iterator[dict[str, Any]]:
        after = None
        while True:
            params: dict[str, Any] = {"company_id": company_id, "limit": self.PAGE}
            where = ""
            if after is not None:
                where, params["after"] = SCHEDULES_AFTER, after
            ex("BEGIN", ())
            rows = ex(SCHEDULES_SQL + where + SCHEDULES_END, params).fetchall()
            ex("ROLLBACK", ())
            for _, doc in rows:
                schedule = json.loads(doc)
                if self.due_this_month(schedule):
                    yield schedule
            if len(rows) < self.PAGE:
                return
            after = rows[-1][0]

    def bill_batch(
        self,
        ex: Execute,
        company_id: str,
        schedules: Sequence[dict[str, Any]],
        ids: Callable[[], str],
    ) -> None:
        now = NOW.isoformat()
        templates = self.templates
        ex("BEGIN IMMEDIATE", ())
        seller = json.loads(ex(COMPANY_SQL, {"id": company_id}).fetchone()[0])
        for schedule in schedules:
            bill = Bill(templates, schedule, now)
            if ex(SQ_GET_INVOICE, (company_id, bill.id)).fetchone() is not None:
                raise RuntimeError(f"{bill.id} is billed already")
            ex(CUSTOMER_SQL, {"company_id": company_id, "id": bill.customer_id}).fetchone()
            # the draft, at the top of its day's list keys and of the list order
            (code,) = ex(SQ_COMPANY_CODE, (company_id,)).fetchone()
            day = list_key_day(code, RUN_DAY)
            (lowest,) = ex(SQ_LOWEST_KEY, day).fetchone()
            key = day[1] if lowest is None else lowest - 1
            (row_id,) = ex(
                SQ_ADD_INVOICE,
                (
                    company_id,
                    bill.id,
                    "invoice",
                    "draft",
                    bill.customer_id,
                    bill.issue_date,
                    bill.due_date,
                    0,
                    None,
                    bill.description,
                    bill.draft_search,
                    1,
                    bill.draft_doc,
                    bill.draft_summary,
                    key,
                ),
            ).fetchone()
            ex(SQ_ADD_LINES, (row_id, bill.lines_doc))
            below = ex(
                SQ_POSITION_BELOW, (company_id, "invoice", bill.issue_date, bill.id)
            ).fetchone()
            position = below[0] if below is not None else 0
            ex(SQ_SHIFT, (1, company_id, "invoice", position))
            ex(SQ_PLACE, (position + 1, company_id, bill.id))
            self.record_event(
                ex, company_id, event_doc(bill.id, "created", now, {"kind": "invoice"}), ids, now
            )
            # booked: the next number, the issued parties
            buyer = json.loads(
                ex(CUSTOMER_SQL, {"company_id": company_id, "id": bill.customer_id}).fetchone()[0]
            )
            last_date, last_seq = ex(
                SQ_COUNTER, (company_id, "invoice", company_id, "invoice", "")
            ).fetchone()
            seq = 1 if last_seq is None else last_seq + 1
            ex(
                SET_LAST_SQL,
                {"company_id": company_id, "series": "invoice", "period": "", "last_seq": seq},
            )
            if last_date is None or last_date < bill.issue_date:
                ex(SQ_SERIES_DATE, (company_id, "invoice", bill.issue_date))
            ex(SQ_MOVED, (company_id, bill.id, 1, bill.issue_date, "invoice")).fetchone()
            number = str(seq)
            header = bill.header(templates, now, number, buyer, seller)
            ex(
                SQ_BOOK_INVOICE,
                (
                    "invoice",
                    "sending",
                    bill.customer_id,
                    bill.issue_date,
                    bill.due_date,
                    1,
                    number,
                    bill.description,
                    f"{number}\n{bill.description or ''}".lower(),
                    2,
                    encode(header),
                    encode(bill.summary(templates, now, number)),
                    company_id,
                    bill.id,
                    1,
                ),
            )
            booked = event_doc(bill.id, "booked", now, {"number": number, "date": bill.issue_date})
            self.record_event(ex, company_id, booked, ids, now)
        ex("COMMIT", ())

    def record_event(
        self, ex: Execute, company_id: str, event: dict[str, Any], ids: Callable[[], str], now: str
    ) -> None:
        """The event in the audit trail and in the outbox."""
        ex(
            SQ_APPEND_EVENT,
            {"company_id": company_id, "invoice_id": event["invoice_id"], "doc": encode(event)},
        )
        message_id = f"evt_{ids()}"
        ex(
            ADD_MESSAGE_SQL,
            {
                "company_id": company_id,
                "id": message_id,
                "next_at": now,
                "doc": message_doc(message_id, company_id, event, now),
            },
        )

    def read_templates(self, target: str, company_id: str) -> Templates:
        with contextlib.closing(sqlite3.connect(target)) as conn:
            header, summary = conn.execute(
                "SELECT doc, summary FROM invoices WHERE company_id = ? AND number IS NOT NULL "
                "ORDER BY issue_date DESC, id DESC LIMIT 1",
                (company_id,),
            ).fetchone()
        return Templates.of(header, summary)


def psycopg_style(sql: str) -> str:
    """A statement of storage/sql.py as the PostgreSQL store sends it: ``%(name)s``."""
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql.replace("%", "%%"))


# PostgreSQL: the statements of src/faktura/storage/postgres/ (invoices.py,
# numbering.py, unit_of_work.py) and storage/sql.py that a run runs.
PG_READ_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
PG_WRITE_BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"
PG_GET_INVOICE = (
    "SELECT doc, lines::text FROM invoices WHERE company_id = %s AND id = %s FOR UPDATE"
)
PG_ADD_INVOICE = (
    "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date,"
    " due_date, owed, number, description, version, search, doc, summary, lines)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb,"
    " %s::jsonb) ON CONFLICT DO NOTHING"
)
#: storage/sql.py's APPEND_EVENT_WITH_MESSAGE: PostgreSQL writes an event and its outbox
#: message in one statement
PG_APPEND_EVENT_WITH_MESSAGE = (
    "WITH event AS (INSERT INTO events (company_id, invoice_id, doc) "
    "VALUES (:company_id, :invoice_id, :doc)) "
    "INSERT INTO outbox (company_id, id, next_at, doc) "
    "SELECT :company_id, :message_id, :next_at, :message_doc "
    "WHERE EXISTS (SELECT 1 FROM companies WHERE id = :company_id) ON CONFLICT DO NOTHING"
)
PG_SERIES_ROW = (
    "INSERT INTO series (company_id, series, last_date) VALUES (%s, %s, NULL)"
    " ON CONFLICT DO NOTHING"
)
PG_SERIES_LOCK = "SELECT last_date FROM series WHERE company_id = %s AND series = %s FOR UPDATE"
PG_SERIES_DATE = "UPDATE series SET last_date = %s WHERE company_id = %s AND series = %s"
PG_BOOK_INVOICE = (
    "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
    " due_date = %s, owed = %s, number = %s, description = %s, version = %s,"
    " search = %s,"
    " doc = %s::jsonb, summary = %s::jsonb WHERE company_id = %s"
    " AND id = %s AND version = %s"
)


class PostgresHandLoop(HandLoop):
    name = "PostgreSQL"

    def connect(self, target: str) -> Any:
        import psycopg

        return psycopg.connect(target, autocommit=True)

    def check_company(self, ex: Execute, company_id: str) -> None:
        ex(PG_READ_BEGIN, ())
        if ex(psycopg_style(COMPANY_SQL), {"id": company_id}).fetchone() is None:
            raise LookupError(company_id)
        ex("ROLLBACK", ())

    def schedule_pages(self, ex: Execute, company_id: str) -> Iterator[dict[str, Any]]:
        after = None
        while True:
            params: dict[str, Any] = {"company_id": company_id, "limit": self.PAGE}
            where = ""
            if after is not None:
                where, params["after"] = SCHEDULES_AFTER, after
            ex(PG_READ_BEGIN, ())
            rows = ex(psycopg_style(SCHEDULES_SQL + where + SCHEDULES_END), params).fetchall()
            ex("ROLLBACK", ())
            for _, schedule in rows:  # jsonb: psycopg decodes it
                if self.due_this_month(schedule):
                    yield schedule
            if len(rows) < self.PAGE:
                return
            after = rows[-1][0]

    def bill_batch(
        self,
        ex: Execute,
        company_id: str,
        schedules: Sequence[dict[str, Any]],
        ids: Callable[[], str],
    ) -> None:
        now = NOW.isoformat()
        templates = self.templates
        company_sql, customer_sql = psycopg_style(COMPANY_SQL), psycopg_style(CUSTOMER_SQL)
        set_last = psycopg_style(SET_LAST_SQL)
        ex(PG_WRITE_BEGIN, ())
        seller = ex(company_sql, {"id": company_id}).fetchone()[0]
        for schedule in schedules:
            bill = Bill(templates, schedule, now)
            if ex(PG_GET_INVOICE, (company_id, bill.id)).fetchone() is not None:
                raise RuntimeError(f"{bill.id} is billed already")
            ex(customer_sql, {"company_id": company_id, "id": bill.customer_id}).fetchone()
            day = RUN_DAY
            due = date.fromisoformat(bill.due_date)
            ex(
                PG_ADD_INVOICE,
                (
                    company_id,
                    bill.id,
                    "invoice",
                    "draft",
                    bill.customer_id,
                    day,
                    due,
                    False,
                    None,
                    bill.description,
                    1,
                    bill.draft_search,
                    bill.draft_doc,
                    bill.draft_summary,
                    bill.lines_doc,
                ),
            )
            self.record_event(
                ex, company_id, event_doc(bill.id, "created", now, {"kind": "invoice"}), ids, now
            )
            buyer = ex(customer_sql, {"company_id": company_id, "id": bill.customer_id}).fetchone()[
                0
            ]
            ex(PG_SERIES_ROW, (company_id, "invoice"))
            (last_date,) = ex(PG_SERIES_LOCK, (company_id, "invoice")).fetchone()
            counter = ex(
                psycopg_style(PG_LAST_NUMBER_SHARED),
                {"company_id": company_id, "series": "invoice", "period": ""},
            ).fetchone()
            seq = 1 if counter is None else int(counter[0]) + 1
            ex(
                set_last,
                {"company_id": company_id, "series": "invoice", "period": "", "last_seq": seq},
            )
            if last_date is None or last_date < day:
                ex(PG_SERIES_DATE, (day, company_id, "invoice"))
            number = str(seq)
            header = bill.header(templates, now, number, buyer, seller)
            ex(
                PG_BOOK_INVOICE,
                (
                    "invoice",
                    "sending",
                    bill.customer_id,
                    day,
                    due,
                    True,
                    number,
                    bill.description,
                    2,
                    f"{number}\n{bill.description or ''}".lower(),
                    encode(header),
                    encode(bill.summary(templates, now, number)),
                    company_id,
                    bill.id,
                    1,
                ),
            )
            booked = event_doc(bill.id, "booked", now, {"number": number, "date": bill.issue_date})
            self.record_event(ex, company_id, booked, ids, now)
        ex("COMMIT", ())

    def record_event(
        self, ex: Execute, company_id: str, event: dict[str, Any], ids: Callable[[], str], now: str
    ) -> None:
        """The event in the audit trail and in the outbox."""
        message_id = f"evt_{ids()}"
        ex(
            psycopg_style(PG_APPEND_EVENT_WITH_MESSAGE),
            {
                "company_id": company_id,
                "invoice_id": event["invoice_id"],
                "doc": encode(event),
                "message_id": message_id,
                "next_at": NOW,
                "message_doc": message_doc(message_id, company_id, event, now),
            },
        )

    def read_templates(self, target: str, company_id: str) -> Templates:
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            row = conn.execute(
                "SELECT doc::text, summary::text FROM invoices WHERE company_id = %s"
                " AND number IS NOT NULL ORDER BY issue_date DESC, id DESC LIMIT 1",
                (company_id,),
            ).fetchone()
        assert row is not None
        return Templates.of(row[0], row[1])


#: storage/sql.py's LAST_NUMBER
PG_LAST_NUMBER_SHARED = (
    "SELECT last_seq FROM counters "
    "WHERE company_id = :company_id AND series = :series AND period = :period"
)

HAND_LOOPS: dict[str, Callable[[Database, Seeded], HandLoop]] = {
    "SQLite": SqliteHandLoop,
    "PostgreSQL": PostgresHandLoop,
}


# -- the table ---------------------------------------------------------------------------


@dataclass
class Results:
    """Seconds per (database, what), and peak RSS per (database, invoices)."""

    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    rss: dict[tuple[str, int], float] = field(default_factory=dict)


FAKTURA = "faktura run"
FAKTURA_ONE = "faktura run, batch_size=1"
HAND = "hand-written loop"
RAW = "raw loop, rows precomputed"
ROWS = (FAKTURA, FAKTURA_ONE, HAND, RAW)


def print_table(results: Results, invoices: int, databases: Sequence[str]) -> None:
    header = ["database / what", "seconds", "invoices/s", "vs hand loop", "vs raw loop"]
    rows = []
    for db in databases:
        times = results.seconds
        for what in ROWS:
            seconds = times.get((db, what))
            if seconds is None:
                continue
            rate = invoices / seconds
            cells = [f"{db}: {what}", f"{seconds:.1f}", f"{rate:,.0f}"]
            for base in (HAND, RAW):
                other = times.get((db, base))
                cells.append(f"{other / seconds:.2f}x" if other else "-")
            rows.append(cells)
        for (rss_db, count), mib in sorted(results.rss.items()):
            if rss_db == db:
                rows.append([f"{db}: peak RSS, {count:,} invoices", f"{mib:.0f} MiB", "", "", ""])
    print_rows(header, rows, [44, 10, 11, 13, 12])


def machine_info() -> list[str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"CPU:        {cpu}, {os.cpu_count()} cores",
        f"Python:     {platform.python_version()} ({platform.python_implementation()})",
        f"SQLite:     {sqlite3.sqlite_version}; psycopg {version('psycopg')}",
    ]


# -- main --------------------------------------------------------------------------------


def bench(db: Database, sizes: Sizes, results: Results, rss: bool) -> None:
    """Every row of one database, each on a fresh copy of the seeded database; the peak
    RSS in fresh processes (this one keeps the hand-written loop's statements for the
    raw loop)."""
    seeded = db.seeded
    count = len(seeded.schedule_ids)
    hand = HAND_LOOPS[db.name](db, seeded)
    hand.check(db)  # the same statements and rows as faktura's, on a small copy: or stop
    for what, batch in ((FAKTURA, RUN_BATCH), (FAKTURA_ONE, 1)):
        with db.fresh(f"faktura-{batch}") as target:
            store = db.open(target)
            try:
                results.seconds[db.name, what] = run_faktura(store, seeded, batch, count)
            finally:
                store.close()
        print(f"  {db.name}: {what}: {results.seconds[db.name, what]:.1f} s")
        if what == FAKTURA:
            for label, method in ((HAND, hand.run), (RAW, hand.run_precomputed)):
                with db.fresh(label.split()[0].strip(",")) as target:
                    results.seconds[db.name, label] = method(target)
                print(f"  {db.name}: {label}: {results.seconds[db.name, label]:.1f} s")
    if rss:
        rss_rows(db, results)


def rss_rows(db: Database, results: Results) -> None:
    """The peak RSS of billing 5,000 and all the schedules, each in a fresh process."""
    count = len(db.seeded.schedule_ids)
    for n in sorted({min(RSS_SMALL, count), count}):
        results.rss[db.name, n] = measure_rss(db, n)
        print(f"  {db.name}: peak RSS, {n:,} invoices: {results.rss[db.name, n]:.0f} MiB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 invoices into 20,000")
    parser.add_argument("--invoices", type=int, help="invoices the run bills (50,000)")
    parser.add_argument("--existing", type=int, help="invoices the company holds (400,000)")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak RSS rows")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--cache", type=Path, help="where seeded databases are kept")
    parser.add_argument("--reseed", action="store_true", help="seed again, cache or not")
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (or find) the databases, measure nothing"
    )
    parser.add_argument("--dir", type=Path, help="where the working copies go ($TMPDIR)")
    parser.add_argument("--rss-only", action="store_true", help="only the peak RSS rows")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        return rss_child(args.rss_child)
    invoices, existing = (2_000, 20_000) if args.quick else (50_000, 400_000)
    sizes = Sizes(
        args.invoices or invoices, args.existing if args.existing is not None else existing
    )
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    cache = cache_dir(args.cache)
    workdir = Path(tempfile.mkdtemp(prefix="faktura-billing-run-", dir=args.dir))
    results = Results()
    names = []
    print("\n".join(machine_info()))
    print(
        f"Run: {sizes.invoices:,} invoices of {sizes.lines} lines billed into a company "
        f"holding {sizes.existing:,}; seeded databases cached in {cache}"
    )
    try:
        for kind in kinds:
            db: Database = (SqliteDatabase if kind == "sqlite" else PostgresDatabase)(
                sizes, cache, workdir, args.reseed
            )
            try:
                if args.seed_only:
                    continue
                names.append(db.name)
                if args.rss_only:
                    rss_rows(db, results)
                else:
                    bench(db, sizes, results, not args.no_rss)
            finally:
                db.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.seed_only:
        return 0
    print()
    print_table(results, sizes.invoices, names)
    print()
    passed = True
    for name in names if not args.rss_only else ():
        ratio = results.seconds[name, HAND] / results.seconds[name, FAKTURA]
        passed &= verdict(
            ratio >= TARGET,
            f"{name}: faktura's run {ratio:.2f}x the hand-written loop (target >= {TARGET}x)",
        )
    if results.rss:
        for name in names:
            sizes_seen = sorted(n for db_name, n in results.rss if db_name == name)
            if len(sizes_seen) == 2:
                small, big = (results.rss[name, n] for n in sizes_seen)
                print(
                    f"      {name}: peak RSS {small:.0f} MiB at {sizes_seen[0]:,} invoices, "
                    f"{big:.0f} MiB at {sizes_seen[1]:,} ({big / small:.2f}x)"
                )
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
