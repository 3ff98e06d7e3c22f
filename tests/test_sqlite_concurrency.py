"""Concurrent bookings on one SQLite file: 4 processes × 500 bookings through Billing,
2% of them failing on purpose after their number was taken. Numbers must come out as
1..N without gap or duplicate, and every failed booking must leave its draft untouched.

The store contract holds every store to the same with writer threads
(``GuaranteesContract``); this is SQLite across processes, whose file locks and writer
queue work between processes otherwise than between the connections of one."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.invoice import Status
from faktura.ports import InvoiceQuery
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.faults import FailingStore, InjectedFailure
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.wire import new_draft

PROCESSES = 4
BOOKINGS = 500
FAILURE_RATE = 0.02
DAY = date(2026, 11, 25)
DRAFT = {
    "customerId": "cu-1",
    "date": DAY.isoformat(),
    "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
}


def book_many(path: Path, company_id: str, seed: int, start: Any, results: Any) -> None:
    """Create drafts, then (all processes at once) book them; report the numbers booked
    by id and the ids that failed."""
    try:
        results.put(("done", _book_many(path, company_id, seed, start)))
    except BaseException as exc:
        results.put(("error", repr(exc)))
        raise


def _book_many(
    path: Path, company_id: str, seed: int, start: Any
) -> tuple[dict[str, str], list[str]]:
    store = SqliteStore(path)
    try:
        billing = Billing(
            FailingStore(store, FAILURE_RATE, seed),
            ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),
        )
        drafts = [billing.create_draft(company_id, new_draft(DRAFT)).id for _ in range(BOOKINGS)]
        start.wait(timeout=60)
        booked: dict[str, str] = {}
        failed: list[str] = []
        for invoice_id in drafts:
            try:
                number = billing.book(company_id, invoice_id).number
            except InjectedFailure:
                failed.append(invoice_id)
            else:
                assert number is not None
                booked[invoice_id] = number
        return booked, failed
    finally:
        store.close()


def test_concurrent_bookings_are_gap_free(tmp_path: Path) -> None:
    path = tmp_path / "faktura.db"
    store = SqliteStore(path, create=True)
    billing = Billing(store, ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)))
    company_id = billing.create_company(
        CompanyProfile(name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    billing.create_customer(
        company_id, NewCustomer(id="cu-1", name="Fjord A/S", address=BUYER_ADDRESS)
    )
    store.close()

    context = multiprocessing.get_context("spawn")
    start, reports = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(target=book_many, args=(path, company_id, seed, start, reports))
        for seed in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        outcomes = [reports.get(timeout=300) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=60)
            worker.kill()
    assert [kind for kind, _ in outcomes] == ["done"] * PROCESSES, outcomes
    results: list[tuple[dict[str, str], list[str]]] = [result for _, result in outcomes]

    booked = {iid: number for done, _ in results for iid, number in done.items()}
    failed = [iid for _, fails in results for iid in fails]
    assert len(booked) + len(failed) == PROCESSES * BOOKINGS
    assert failed, "the 2% failures did not happen"
    n = len(booked)
    assert sorted(booked.values(), key=int) == [str(seq) for seq in range(1, n + 1)]

    store = SqliteStore(path)
    try:
        with store.unit_of_work(readonly=True) as uow:
            assert uow.numbers.last(company_id, "invoice", "") == n
            everything = [
                invoice
                for page in range(1, PROCESSES * BOOKINGS // 100 + 1)
                for invoice in uow.invoices.list(
                    company_id, InvoiceQuery(page=page, limit=100)
                ).items
            ]
            assert len(everything) == PROCESSES * BOOKINGS
            stored = {i.id: i.number for i in everything if i.number is not None}
            assert stored == booked
            for invoice_id in failed:
                invoice = uow.invoices.get(company_id, invoice_id)
                assert invoice.status is Status.DRAFT
                assert invoice.number is None
                assert [e.type for e in uow.events.for_invoice(company_id, invoice_id)] == [
                    "created"
                ]
    finally:
        store.close()
