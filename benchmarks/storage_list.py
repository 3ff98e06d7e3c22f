"""List and search latency on a large SQLite file: 1,000,000 invoices, 10 companies.

One company holds 40 % of the invoices, the other nine share the rest. The file is
built once with the store's own schema (bulk-loaded rows: the documents and summaries
faktura itself would write), then every query runs through ``Billing.list_invoices`` on
a ``SqliteStore``, as an application would call it. Each figure is the median of many
runs. The baseline, measured in the same run on the same file, is the plain SQL a store
without list positions would run (LIMIT/OFFSET over the list index).

    .venv/bin/python benchmarks/storage_list.py                 # 1,000,000 invoices
    .venv/bin/python benchmarks/storage_list.py --rows 100000   # quicker
    .venv/bin/python benchmarks/storage_list.py --check         # exit 1 on a missed target
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from faktura.billing import Billing
from faktura.invoice import Invoice, Status
from faktura.lines import ProductLine
from faktura.parties import Company
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.storage.sqlite_schema import index_search, mark_owed, recount_invoices
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms
from faktura.vat import VatCategory

TARGET_PAGE_MS = 2.0
TARGET_SEARCH_MS = 10.0
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2026, 11, 25)
STATUSES = [
    (Status.PAID, 70),
    (Status.SENT, 10),
    (Status.SENDING, 4),
    (Status.PARTIALLY_PAID, 5),
    (Status.DRAFT, 5),
    (Status.CREDITED, 3),
    (Status.UNCOLLECTIBLE, 1),
    (Status.CANCELLED, 2),
]


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def today(self) -> date:
        return LAST_DAY


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    letters = "abcdefghijklmnoprstuvyæøå"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(5, 9))) for _ in range(size)}
    return sorted(words)


def template() -> tuple[dict[str, object], dict[str, object], str]:
    """The header and summary of a 3-line invoice, as plain data to stamp copies from,
    and its lines' text."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    invoice, _ = Invoice.draft(
        id="x",
        company_id="x",
        customer_id="x",
        issue_date=FIRST_DAY,
        currency="DKK",
        payment_terms=PaymentTerms.net(14),
        at=at,
        lines=[
            ProductLine("Consulting", Decimal(3), Decimal("950.00"), VatCategory.S, Decimal(25)),
            ProductLine("Travel", Decimal(1), Decimal("480.50"), VatCategory.S, Decimal(25)),
            ProductLine("Report", Decimal(2), Decimal("149.95"), VatCategory.Z, Decimal(0)),
        ],
    )
    header = json.loads(codec.dumps_header(invoice))
    return header, codec.dump(InvoiceSummary.of(invoice)), codec.dumps_lines(invoice)


def build(path: Path, rows: int, seed: int = 2026) -> dict[str, object]:
    """Fill ``path`` with ``rows`` invoices; what the queries need to know about them."""
    rng = random.Random(seed)
    SqliteStore(path, create=True).close()
    words = vocabulary(rng)
    doc_template, summary_template, lines = template()
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    companies = ["big", *(f"co-{n}" for n in range(1, 10))]
    shares = {"big": rows * 4 // 10}
    for company_id in companies[1:]:
        shares[company_id] = (rows - shares["big"]) // 9
    customers = {c: (4000 if c == "big" else 400) for c in companies}
    days = (LAST_DAY - FIRST_DAY).days

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    triggers = conn.execute(
        "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'invoices'"
    ).fetchall()
    for (sql,) in triggers:
        conn.execute("DROP TRIGGER " + sql.split()[2])
    conn.execute("BEGIN")
    for company_id in companies:
        conn.execute(
            "INSERT INTO companies (id, doc) VALUES (?, ?)",
            (company_id, codec.dumps(Company(id=company_id, name=company_id))),
        )
    numbers: dict[str, list[str]] = {}
    for company_id in companies:
        keys = sorted(
            (FIRST_DAY + timedelta(days=rng.randrange(days + 1)), f"{rng.getrandbits(64):016x}")
            for _ in range(shares[company_id])
        )
        seq = 0
        batch = []
        for position, (day, invoice_id) in enumerate(keys, start=1):
            status = rng.choice(statuses)
            number = None
            if status not in (Status.DRAFT, Status.CANCELLED):
                seq += 1
                number = str(seq)
            customer_id = f"cu-{rng.randrange(customers[company_id])}"
            description = " ".join(rng.sample(words, rng.randint(2, 4)))
            due = day + timedelta(days=14)
            stamp = {
                "id": invoice_id,
                "company_id": company_id,
                "customer_id": customer_id,
                "status": status.value,
                "number": number,
                "issue_date": day.isoformat(),
                "due_date": due.isoformat(),
                "description": description,
            }
            doc = json.dumps({**doc_template, **stamp}, separators=(",", ":"))
            summary = json.dumps({**summary_template, **stamp}, separators=(",", ":"))
            search = f"{number or ''}\n{description}".lower()
            batch.append(
                (
                    company_id,
                    invoice_id,
                    "invoice",
                    status.value,
                    customer_id,
                    day.isoformat(),
                    due.isoformat(),
                    number,
                    description,
                    search,
                    1,
                    doc,
                    summary,
                    position,
                )
            )
        conn.executemany(
            "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date, "
            "due_date, number, description, search, version, doc, summary, list_pos) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        numbers[company_id] = [row[7] for row in batch if row[7] is not None]
    conn.execute(
        "INSERT INTO invoice_lines (row_id, lines) SELECT row_id, ? FROM invoices", (lines,)
    )
    index_search(conn)  # the list keys and search index the dropped triggers would have kept
    recount_invoices(conn)  # the list totals the dropped triggers would have kept
    mark_owed(conn)  # whether each is owed, as the store writes it with every document
    for (sql,) in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return {"shares": shares, "customers": customers, "words": words, "numbers": numbers}


def median_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm the page cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def raw_offset_page(conn: sqlite3.Connection, company_id: str, page: int, limit: int) -> list[str]:
    """The baseline: the page a store without list positions reads (count + OFFSET)."""
    conn.execute(
        "SELECT count(*) FROM invoices WHERE company_id = ? AND kind = 'invoice'", (company_id,)
    ).fetchone()
    return [
        row[0]
        for row in conn.execute(
            "SELECT summary FROM invoices WHERE row_id IN (SELECT row_id FROM invoices "
            "WHERE company_id = ? AND kind = 'invoice' ORDER BY issue_date DESC, id DESC "
            "LIMIT ? OFFSET ?)",
            (company_id, limit, (page - 1) * limit),
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=101)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the file at this path")
    args = parser.parse_args(argv)

    workdir = tempfile.TemporaryDirectory()
    path = args.keep or Path(workdir.name) / "large.db"
    meta_path = path.with_suffix(".json")
    started = time.perf_counter()
    if args.keep and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
    else:
        meta = build(path, args.rows)
        meta_path.write_text(json.dumps(meta))
    built = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    print(f"{args.rows:,} invoices in {path.name}: {size_mb:,.0f} MB, ready in {built:.0f} s")
    print(
        f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores; median of {args.repeats} runs per row\n"
    )

    store = SqliteStore(path)
    billing = Billing(store, FixedClock())
    raw = sqlite3.connect(path)
    rng = random.Random(7)
    failures: list[str] = []
    shares: dict[str, int] = meta["shares"]

    print(f"{'list page (no filter)':<34} {'faktura ms':>11} {'OFFSET ms':>10} {'ratio':>7}")
    for company_id, limit in (("big", 20), ("big", 100), ("co-1", 20)):
        last = -(-shares[company_id] // limit)
        for page in sorted({1, 10, 100, last // 4, last // 2, last * 3 // 4, last}):
            if page < 1:
                continue
            ours = median_ms(
                lambda p=page, c=company_id, n=limit: billing.list_invoices(c, page=p, limit=n),
                args.repeats,
            )
            theirs = median_ms(
                lambda p=page, c=company_id, n=limit: raw_offset_page(raw, c, p, n),
                max(11, args.repeats // 5),
            )
            label = f"{company_id} limit {limit} page {page:,}/{last:,}"
            print(f"{label:<34} {ours:>11.3f} {theirs:>10.3f} {theirs / ours:>6.1f}×")
            if ours > TARGET_PAGE_MS:
                failures.append(f"{label}: {ours:.2f} ms > {TARGET_PAGE_MS} ms")

    print(f"\n{'filtered / searched (big, page 1)':<34} {'faktura ms':>11}")
    statuses = [Status.PAID, Status.SENT, Status.PARTIALLY_PAID, Status.DRAFT]
    cases: list[tuple[str, Callable[[], object], float]] = []
    for _ in range(5):
        status, customer = rng.choice(statuses), f"cu-{rng.randrange(meta['customers']['big'])}"
        cases.append(
            (
                f"status {status.value} + {customer}",
                lambda s=status, c=customer: billing.list_invoices("big", status=s, customer_id=c),
                TARGET_PAGE_MS,
            )
        )
    cases.append(
        (
            "status overdue (counted)",
            lambda: billing.list_invoices("big", status="overdue"),
            TARGET_SEARCH_MS,
        )
    )
    for _ in range(5):
        number = rng.choice(meta["numbers"]["big"])
        fragment = number[-5:] if len(number) > 5 else number
        cases.append(
            (
                f"number fragment {fragment!r}",
                lambda f=fragment: billing.list_invoices("big", search=f),
                TARGET_SEARCH_MS,
            )
        )
    for _ in range(5):
        word = rng.choice(meta["words"])
        cases.append(
            (
                f"word {word!r}",
                lambda w=word: billing.list_invoices("big", search=w),
                TARGET_SEARCH_MS,
            )
        )
    for label, run, target in cases:
        ms = median_ms(run, args.repeats)
        result = run()
        print(f"{label:<34} {ms:>11.3f}   ({result.total:,} found)")  # type: ignore[attr-defined]
        if ms > target:
            failures.append(f"{label}: {ms:.2f} ms > {target} ms")

    raw.close()
    store.close()
    workdir.cleanup()
    print()
    print(
        f"{'PASS' if not failures else 'FAIL'}  list pages p50 ≤ {TARGET_PAGE_MS} ms at every "
        f"depth and with status + customer; searches and overdue p50 ≤ {TARGET_SEARCH_MS} ms"
    )
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
