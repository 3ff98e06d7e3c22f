"""Concurrent bookings through Billing on one PostgreSQL database stay gap-free.

Four processes book 500 drafts each; about 2% of the bookings fail on purpose right
after the number was allocated (a wrapper around the store raises there). The numbers
handed out must be exactly 1..N, each once, and the failed drafts must stay drafts
without a number.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.synchronize
from typing import Any

import psycopg
import pytest

from faktura.billing import Billing
from faktura.invoice import Status
from faktura.storage.codec import loads_invoice
from faktura.storage.postgres import PostgresStore
from faktura.testing.contract import add, draft, seeded
from faktura.testing.faults import FailingStore, InjectedFailure

pytest_plugins = ["pg_fixture"]

WORKERS = 4
BOOKINGS = 500
FAILURE_RATE = 0.02
COMPANY = "co-a"


def book_all(
    url: str,
    worker: int,
    invoice_ids: list[str],
    start: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[Any],
) -> None:
    """Runs in a worker process: book each draft; report the numbers and the failures."""
    numbers: dict[str, str] = {}
    failed: list[str] = []
    try:
        store = PostgresStore(url, pool_size=1)
        billing = Billing(FailingStore(store, FAILURE_RATE, seed=worker))
        start.wait(timeout=60)  # all workers book at the same time
        try:
            for invoice_id in invoice_ids:
                try:
                    booked = billing.book(COMPANY, invoice_id)
                except InjectedFailure:
                    failed.append(invoice_id)
                else:
                    numbers[invoice_id] = booked.number or ""
        finally:
            store.close()
    except BaseException as exc:
        results.put((worker, None, repr(exc)))
        raise
    results.put((worker, numbers, failed))


@pytest.fixture
def url(pg_url: str) -> str:
    store = seeded(PostgresStore(pg_url, create=True))
    try:
        ids = [f"w{w}-{n:04d}" for w in range(WORKERS) for n in range(BOOKINGS)]
        for first in range(0, len(ids), 500):
            add(store, *(draft(invoice_id) for invoice_id in ids[first : first + 500]))
    finally:
        store.close()
    return pg_url


def test_concurrent_bookings_are_gap_free(url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    queue: multiprocessing.Queue[Any] = context.Queue()
    workers = [
        context.Process(
            target=book_all,
            args=(url, w, [f"w{w}-{n:04d}" for n in range(BOOKINGS)], start, queue),
        )
        for w in range(WORKERS)
    ]
    for process in workers:
        process.start()
    try:
        reports = [queue.get(timeout=120) for _ in workers]
    finally:
        for process in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    errors = [error for _, numbers, error in reports if numbers is None]
    assert errors == []
    results = [(numbers, failures) for _, numbers, failures in reports]

    given = {i: number for numbers, _ in results for i, number in numbers.items()}
    failed = {i for _, failures in results for i in failures}
    total = len(given)
    assert total + len(failed) == WORKERS * BOOKINGS
    assert failed, "the failure injection never fired"
    assert sorted(int(n) for n in given.values()) == list(range(1, total + 1))

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, number, status, doc, lines::text FROM invoices").fetchall()
        counter = conn.execute("SELECT last_seq FROM counters").fetchall()
        booked_events = conn.execute(
            "SELECT invoice_id FROM events WHERE doc->>'type' = 'booked'"
        ).fetchall()
    assert counter == [(total,)]
    assert len(rows) == WORKERS * BOOKINGS
    for invoice_id, number, status, doc, lines in rows:
        invoice = loads_invoice(doc, lines)
        assert invoice.number == number
        if invoice_id in failed:
            assert number is None
            assert status == Status.DRAFT
        else:
            assert number == given[invoice_id]
            assert status == Status.SENDING
    assert sorted(i for (i,) in booked_events) == sorted(given)
    # the workers really booked side by side: their numbers interleave
    spans = sorted((min(map(int, n.values())), max(map(int, n.values()))) for n, _ in results)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))
