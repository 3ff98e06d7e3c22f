"""How each operation's cost grows with the store: 10k, 100k and 1M invoices.

SQLite files of 10,000, 100,000 and 1,000,000 invoices (ten companies, one holding 40 %,
built as benchmarks/storage_list.py builds its file: the rows faktura itself writes,
bulk-loaded), and PostgreSQL databases of 10,000 and 100,000 (``--postgres``; filled
through the store). On each, through ``Billing`` as an application calls it, in the big
company: create a draft, book one, send one by hand, get one, list page 1 (no filter,
each status, one customer), search fragments of 1 to 6 characters and whole words.
Each row is the median of its runs; the last column is the growth factor from the
smallest store to the largest (target: within 3×, log-like; a linear row grows 100×).
PDF and UBL rendering do not read the store: their cost by lines and pages is printed
once, after the table.

    .venv/bin/python benchmarks/scale.py                       # SQLite 10k, 100k, 1M
    .venv/bin/python benchmarks/scale.py --sizes 10000 100000  # quicker
    .venv/bin/python benchmarks/scale.py --postgres            # PostgreSQL too
    .venv/bin/python benchmarks/scale.py --check               # exit 1 on a missed target
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from faktura.commands import CompanyProfile, NewCustomer
from faktura.wire import new_draft

sys.path.insert(0, str(Path(__file__).resolve().parent))

import storage_list
from faktura.billing import Billing, InvoiceList
from faktura.delivery.manual import ManualChannel
from faktura.errors import ValidationError
from faktura.invoice import Invoice, Status
from faktura.lines import ProductLine
from faktura.numbering import NumberSeries
from faktura.parties import Company, Customer
from faktura.ports import Store
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.parties import SELLER_ADDRESS
from faktura.vat import VatCategory
from report import print_rows, verdict

TARGET_GROWTH = 3.0
REFUSED = "refused"  # the operation is a ValidationError at this input
NOT_APPLICABLE = "n/a"  # the store has nothing to run it on (no number that long)
BIG = "big"
FOUND = "found: "  # the key prefix of a row's documents on page 1
LISTED = [Status.PAID, Status.SENT, Status.SENDING, Status.PARTIALLY_PAID, Status.DRAFT]


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def today(self) -> date:
        return date(2026, 11, 25)


def median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def body(customer_id: str, lines: int = 10) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "lines": [
            {"description": f"Consulting, part {n}", "quantity": "2", "unitPrice": "500.00"}
            for n in range(lines)
        ],
    }


def big_company(meta: dict[str, Any]) -> Company:
    """The big company as a host would have set it up: with address and identifiers,
    its invoice series continuing after the bulk-loaded numbers (as a company moving from
    another system sets ``start``)."""
    last = max((int(n) for n in meta["numbers"][BIG]), default=0)
    return Company(
        id=BIG,
        name="Big ApS",
        address=SELLER_ADDRESS,
        cvr="13585628",
        vat_id="DK13585628",
        invoice_series=NumberSeries("{seq}", start=last + 1),
    )


def measure(billing: Billing, meta: dict[str, Any], repeats: int) -> dict[str, float | str]:
    """Each operation's median ms on the big company of one store (or REFUSED,
    NOT_APPLICABLE); for a list whose page depends on the store (one customer, each
    search), also how many documents its page 1 held, on average, under ``FOUND``."""
    rng = random.Random(11)
    company_id = BIG
    customer_id = billing.create_customer(
        BIG, NewCustomer(name="Fjord A/S", address=SELLER_ADDRESS)
    ).id
    rows: dict[str, float | str] = {}
    drafts: list[str] = []

    def listed(label: str, page: Callable[[], InvoiceList]) -> None:
        held: list[int] = []
        rows[label] = median_ms(lambda: held.append(len(page().items)), repeats)
        rows[FOUND + label] = float(statistics.mean(held))

    def create() -> None:
        drafts.append(billing.create_draft(company_id, new_draft(body(customer_id))).id)

    rows["create_draft (10 lines)"] = median_ms(create, repeats)
    to_book = iter(list(drafts))
    rows["book (10 lines)"] = median_ms(lambda: billing.book(company_id, next(to_book)), repeats)
    to_send = [
        billing.create_draft(company_id, new_draft(body(customer_id))).id for _ in range(repeats)
    ]
    sending = iter(to_send)
    rows["send, manual (10 lines)"] = median_ms(
        lambda: billing.send(company_id, next(sending), "manual"), repeats
    )
    ids = [s.id for s in billing.list_invoices(company_id, limit=100).items]
    rows["get"] = median_ms(lambda: billing.get_invoice(company_id, rng.choice(ids)), repeats)
    rows["list page 1, no filter"] = median_ms(lambda: billing.list_invoices(company_id), repeats)
    for status in LISTED:
        rows[f"list page 1, status {status.value}"] = median_ms(
            lambda s=status: billing.list_invoices(company_id, status=s), repeats
        )
    customer = f"cu-{rng.randrange(meta['customers'][BIG])}"
    listed(
        "list page 1, one customer",
        lambda: billing.list_invoices(company_id, customer_id=customer),
    )
    numbers: list[str] = meta["numbers"][BIG]
    for length in range(1, 7):
        label = f"search, {length}-character fragment"
        long_enough = [n for n in numbers if len(n) >= length]
        if not long_enough:  # a small store has no number this long
            rows[label] = NOT_APPLICABLE
            continue
        fragments = [n[-length:] for n in rng.sample(long_enough, 5)]
        try:
            listed(
                label,
                lambda f=fragments: billing.list_invoices(company_id, search=rng.choice(f)),
            )
        except ValidationError:  # shorter than the trigram: a 400 over HTTP
            rows[label] = REFUSED
    words: list[str] = meta["words"]
    listed("search, a word", lambda: billing.list_invoices(company_id, search=rng.choice(words)))
    return rows


@contextmanager
def sqlite_store(workdir: Path, size: int) -> Iterator[tuple[Store, dict[str, Any]]]:
    path = workdir / f"scale-{size}.db"
    meta = storage_list.build(path, size)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE companies SET doc = ? WHERE id = ?", (codec.dumps(big_company(meta)), BIG)
        )
    conn.close()
    store = SqliteStore(path)
    try:
        yield store, meta
    finally:
        store.close()
        path.unlink()


@contextmanager
def postgres_store(size: int) -> Iterator[tuple[Store, dict[str, Any]]]:
    import psycopg

    from faktura.storage.postgres import PostgresStore
    from faktura.testing.postgres import PostgresCluster

    with PostgresCluster() as cluster:
        url = cluster.create_database("scale")
        store = PostgresStore(url, create=True)
        try:
            meta = fill(store, size)
            with store.unit_of_work() as uow:
                uow.companies.update(big_company(meta))
                uow.commit()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")  # what autovacuum does after such a load
            yield store, meta
        finally:
            store.close()


def fill(store: Store, size: int, seed: int = 2026) -> dict[str, Any]:
    """``size`` invoices through the store's own writes, shaped as storage_list builds
    them (one company of ten holding 40 %), in transactions of 1,000."""
    rng = random.Random(seed)
    words = storage_list.vocabulary(rng)
    companies = [BIG, *(f"co-{n}" for n in range(1, 10))]
    shares = {BIG: size * 4 // 10} | dict.fromkeys(companies[1:], (size - size * 4 // 10) // 9)
    customers = {c: (4000 if c == BIG else 400) for c in companies}
    at = datetime(2026, 1, 1, tzinfo=UTC)
    numbers: dict[str, list[str]] = {}
    with store.unit_of_work() as uow:
        for company_id in companies:
            uow.companies.add(Company(id=company_id, name=company_id))
            for n in range(customers[company_id]):
                uow.customers.add(Customer(id=f"cu-{n}", company_id=company_id, name=f"C {n}"))
        uow.commit()
    lines = [
        ProductLine("Consulting", Decimal(3), Decimal("950.00"), VatCategory.S, Decimal(25)),
        ProductLine("Report", Decimal(2), Decimal("149.95"), VatCategory.Z, Decimal(0)),
    ]
    days = (storage_list.LAST_DAY - storage_list.FIRST_DAY).days
    for company_id in companies:
        numbers[company_id] = []
        pending = list(range(shares[company_id]))
        while pending:
            batch, pending = pending[:1000], pending[1000:]
            with store.unit_of_work() as uow:
                for n in batch:
                    invoice, _ = Invoice.draft(
                        id=f"{rng.getrandbits(64):016x}",
                        company_id=company_id,
                        customer_id=f"cu-{rng.randrange(customers[company_id])}",
                        issue_date=storage_list.FIRST_DAY + timedelta(days=rng.randrange(days)),
                        currency="DKK",
                        payment_terms=PaymentTerms.net(14),
                        at=at,
                        lines=lines,
                        description=" ".join(rng.sample(words, 3)),
                    )
                    if rng.random() < 0.9:
                        invoice = invoice.book(str(n + 1), at).invoice
                        numbers[company_id].append(str(n + 1))
                    uow.invoices.add(invoice)
                uow.commit()
    return {"customers": customers, "words": words, "numbers": numbers}


def growth_table(
    label: str, sizes: Sequence[int], results: dict[int, dict[str, float | str]]
) -> list[str]:
    """Print one store's table; the rows that grew more than the target. The growth of
    a row is taken between the smallest and the largest store that both measured it."""
    header = [label, *(f"{size:,}" for size in sizes), "growth"]
    rows, missed = [], []
    for name in results[sizes[0]]:
        if name.startswith(FOUND):
            continue
        cells = [results[size][name] for size in sizes]
        shown = [c if isinstance(c, str) else f"{c:.3f}" for c in cells]
        timed = [c for c in cells if not isinstance(c, str)]
        growth = timed[-1] / timed[0] if len(timed) > 1 and timed[0] else None
        rows.append([name, *shown, "-" if growth is None else f"{growth:.1f}×"])
        if growth is not None and growth > TARGET_GROWTH:
            missed.append(
                f"{label}: {name} grew {growth:.1f}× ({timed[0]:.3f} → {timed[-1]:.3f} ms)"
            )
    print_rows(header, rows, [36, *([10] * len(sizes)), 8])
    print()
    found = dict.fromkeys(n for size in sizes for n in results[size] if n.startswith(FOUND))
    print_rows(
        ["documents on page 1 (mean)", *(f"{size:,}" for size in sizes)],
        [
            [
                name[len(FOUND) :],
                *(
                    f"{held:.1f}" if isinstance(held := results[size].get(name), float) else "-"
                    for size in sizes
                ),
            ]
            for name in found
        ],
        [36, *([10] * len(sizes))],
    )
    return missed


def documents_table(repeats: int) -> None:
    """PDF and UBL rendering by lines (and so pages): independent of the store."""
    from pypdf import PdfReader

    from faktura.storage.memory import MemoryStore
    from faktura.testing.parties import BUYER_ADDRESS, SELLER

    billing = Billing(MemoryStore(), FixedClock())
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id,
        NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS, number="K-100", ean="5790000000005"),
    )
    rows = []
    runs = max(3, repeats // 4)
    for lines in (10, 100, 1000):
        drafts = [
            billing.create_draft(company.id, new_draft(body(customer.id, lines)))
            for _ in range(runs)
        ]
        unbooked = iter(drafts)
        pdf_ms = median_ms(
            lambda it=unbooked: billing.render_pdf(company.id, next(it).id, draft=True), runs
        )
        booked = iter([billing.book(company.id, d.id) for d in drafts])
        ubl_ms = median_ms(lambda it=booked: billing.render_ubl(company.id, next(it).id), runs)
        pdf = billing.render_pdf(company.id, drafts[0].id)  # the booked one, archived
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        rows.append([f"{lines:,} lines", f"{pages}", f"{pdf_ms:.1f}", f"{ubl_ms:.1f}"])
    print_rows(["document", "pages", "PDF ms", "UBL ms"], rows, [14, 6, 9, 9])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--pg-sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL alone")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.repeats}\n")

    missed: list[str] = []
    with tempfile.TemporaryDirectory() as workdir:
        results = {}
        for size in [] if args.no_sqlite else args.sizes:
            started = time.perf_counter()
            with sqlite_store(Path(workdir), size) as (store, meta):
                built = time.perf_counter() - started
                billing = Billing(store, FixedClock(), channels={"manual": ManualChannel()})
                results[size] = measure(billing, meta, args.repeats)
            print(f"SQLite, {size:,} invoices: built in {built:.0f} s, measured")
        if results:
            print()
            missed += growth_table("SQLite, ms", args.sizes, results)
    if args.postgres:
        results = {}
        for size in args.pg_sizes:
            with postgres_store(size) as (store, meta):
                billing = Billing(store, FixedClock(), channels={"manual": ManualChannel()})
                results[size] = measure(billing, meta, args.repeats)
        print()
        missed += growth_table("PostgreSQL, ms", args.pg_sizes, results)
    print()
    documents_table(args.repeats)
    print()
    ok = verdict(
        not missed, f"every row within {TARGET_GROWTH:.0f}× from the smallest store to the largest"
    )
    for line in missed:
        print(f"      {line}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
