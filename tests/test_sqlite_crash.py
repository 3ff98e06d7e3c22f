"""Crash safety: a process booking invoices is killed with SIGKILL at a random moment, 60
times over, on one file. After every kill a fresh store finds the file intact, the numbers
1..N without gap, every booked document complete and every booking the process saw
committed still there.

The store contract kills a booking process a few times over for every durable store
(``GuaranteesContract``); this checks what only SQLite can show, many times over: the
file's integrity (PRAGMA integrity_check, the FTS index) and the rows as stored.

The booking processes come from a fork server that has faktura imported already; this
module imports neither pytest nor hypothesis, so a new process starts in milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from faktura.billing import Billing
from faktura.invoice import Invoice, Status
from faktura.lines import ProductLine
from faktura.parties import Company, Customer
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.vat import VatCategory

KILLS = 60
BATCH = 200  # drafts handed to each booking process; more than it can book before the kill
MAX_DELAY = 0.05  # seconds between "booking" and the kill
COMPANY = "co-a"
DAY = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def add_drafts(path: Path, first: int, count: int) -> None:
    store = SqliteStore(path)
    try:
        with store.unit_of_work() as uow:
            for n in range(first, first + count):
                invoice, _ = Invoice.draft(
                    id=f"inv-{n:05d}",
                    company_id=COMPANY,
                    customer_id="cu-1",
                    issue_date=DAY,
                    currency="DKK",
                    payment_terms=PaymentTerms.net(8),
                    at=AT,
                    lines=[
                        ProductLine("Hours", Decimal(1), Decimal(100), VatCategory.S, Decimal(25))
                    ],
                )
                uow.invoices.add(invoice)
            uow.commit()
    finally:
        store.close()


def book_until_killed(path: Path, invoice_ids: list[str], log: Path, booking: Any) -> None:
    """Book the drafts one by one, appending "<id> <number>" to ``log`` after each commit."""
    billing = Billing(SqliteStore(path))
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    warm_up(billing, invoice_ids[0])
    booking.set()
    for invoice_id in invoice_ids:
        number = billing.book(COMPANY, invoice_id).number
        os.write(fd, f"{invoice_id} {number}\n".encode())
        os.fsync(fd)
    time.sleep(600)  # all booked: wait for the kill


def warm_up(billing: Billing, invoice_id: str) -> None:
    """Once per process, what the first booking would otherwise pay for: the decoders of
    the records it reads, the template and its font (booking checks that the PDF's font
    can draw the document), so the kills land in bookings, not in warm-up."""
    from faktura.documents.fonts import check_before_booking

    company = billing.get_company(COMPANY)
    invoice = billing.get_invoice(COMPANY, invoice_id)
    customer = billing.get_customer(COMPANY, invoice.customer_id)
    check_before_booking(invoice, company, customer, "default")


def committed(log: Path) -> dict[str, str]:
    """What the killed processes saw committed (a line cut short by the kill is not)."""
    if not log.exists():
        return {}
    lines = log.read_text().split("\n")[:-1]
    return dict(line.split(" ") for line in lines)


class Verified:
    """What the checks after each kill found and carry over to the next."""

    def __init__(self) -> None:
        self.booked: dict[str, str] = {}


def check_file(path: Path, log: Path, drafts: int, seen: Verified) -> None:
    store = SqliteStore(path)  # fresh: recovers the write-ahead log of the killed process
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO invoices_fts (invoices_fts) VALUES ('integrity-check')")
        rows = conn.execute(
            "SELECT id, number, status, doc, lines FROM invoices JOIN invoice_lines "
            "USING (row_id) WHERE company_id = ?",
            (COMPANY,),
        ).fetchall()
        assert len(rows) == drafts
        booked = {iid: number for iid, number, *_ in rows if number is not None}
        n = len(booked)
        assert sorted(booked.values(), key=int) == [str(seq) for seq in range(1, n + 1)]
        assert seen.booked.items() <= booked.items()  # nothing booked before went away
        for invoice_id, number, status, doc, lines in rows:
            if number is None:
                assert status == "draft"
            elif invoice_id not in seen.booked:
                invoice = codec.loads_invoice(doc, lines)
                assert (invoice.id, invoice.number) == (invoice_id, number)
                assert invoice.status is Status.SENDING
                assert status == "sending"
                assert len(invoice.lines) == 1
        with store.unit_of_work(readonly=True) as uow:
            assert uow.numbers.last(COMPANY, "invoice", "") == (n or None)
            for invoice_id in booked.keys() - seen.booked.keys():
                events = uow.events.for_invoice(COMPANY, invoice_id)
                assert [(e.type, e.data["number"]) for e in events] == [
                    ("booked", booked[invoice_id])
                ]
        assert committed(log).items() <= booked.items()
        seen.booked = booked
    finally:
        conn.close()
        store.close()


def test_killed_bookings_leave_no_trace_but_their_commits(tmp_path: Path) -> None:
    path, log = tmp_path / "faktura.db", tmp_path / "committed.log"
    store = SqliteStore(path, create=True)
    with store.unit_of_work() as uow:
        uow.companies.add(
            Company(id=COMPANY, name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
        )
        uow.customers.add(
            Customer(id="cu-1", company_id=COMPANY, name="Fjord A/S", address=BUYER_ADDRESS)
        )
        uow.commit()
    store.close()
    drafts = 0
    rng = random.Random(20261125)
    context = multiprocessing.get_context("forkserver")
    # effective when this test starts the fork server (it serves the whole session)
    context.set_forkserver_preload(["faktura.billing", "faktura.storage.sqlite"])
    seen = Verified()
    for _ in range(KILLS):
        if drafts - len(seen.booked) < BATCH:
            add_drafts(path, drafts, BATCH * 5)
            drafts += BATCH * 5
        pending = sorted(f"inv-{n:05d}" for n in range(drafts))
        pending = [iid for iid in pending if iid not in seen.booked][:BATCH]
        booking = context.Event()
        child = context.Process(target=book_until_killed, args=(path, pending, log, booking))
        child.start()
        try:
            assert booking.wait(timeout=60), "the booking process did not start"
            time.sleep(rng.uniform(0, MAX_DELAY))
        finally:
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            child.join(timeout=60)
        assert child.exitcode == -signal.SIGKILL
        check_file(path, log, drafts, seen)
    assert len(seen.booked) > KILLS  # the processes did book, between the kills
    assert committed(log).items() <= seen.booked.items()
