"""Crash safety of a billing run: a process running ``Billing.run_billing`` on a SQLite
file (the months of 2026, one after the other, as a host runs them) is killed with
SIGKILL at a random moment, 20 times over, each time started again on the same file;
then one last run goes to the end.

After every kill a fresh store finds the numbers 1..N without gap or duplicate, every
booked document with exactly one "booked" event, every event with its outbox message,
and no document but those of the (schedule, period) pairs due. After the last run,
every pair due is billed exactly once (its document, under
``faktura.schedules.period_id``, booked), no draft is left, and every document of a
schedule with a channel was delivered (a send the kill left pending is taken up again by
the next run).

Each run is killed after a random amount of work (drafts created, documents booked or
delivered, as its progress reports them after each batch) and a random delay: the kill
lands before, in or after a batch's transaction or a delivery. The seed is printed
(``-s`` shows it; a failure names it) and ``FAKTURA_CRASH_SEED`` replays one. The run
processes come from a fork server that has faktura imported already, so a new process
starts in milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from faktura.billing import Billing
from faktura.billing.runs import RunProgress, RunSummary
from faktura.commands import NewSchedule
from faktura.delivery.channel import OutgoingDocument, Receipt
from faktura.delivery.log import AttemptState
from faktura.delivery.manual import ManualChannel
from faktura.lines import ProductLine
from faktura.parties import Company, Customer
from faktura.schedules import Cadence, Timing, due, period_id
from faktura.status import Status
from faktura.storage.sqlite import SqliteStore
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.vat import VatCategory

KILLS = 20
CUSTOMERS = 40
#: Customers whose schedule delivers by hand (the others are booked, not sent).
DELIVERED = 8
MAX_WORK = 60  # steps of work (drafts, bookings, deliveries) a run does before its kill
MAX_DELAY = 0.05  # seconds after them
BATCH = 7  # documents per unit of work: many commits for a kill to fall between
COMPANY = "co-a"
FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
TODAY = date(2026, 12, 31)


#: A send left pending by a killed process is taken up at once: one run at a time here.
STALE_AFTER = timedelta(0)


def billing_on(store: SqliteStore) -> Billing:
    return Billing(store, Clock(), stale_after=STALE_AFTER)


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return TODAY


def make_file(path: Path) -> None:
    """A company, its customers, and a monthly schedule each from January 2026."""
    store = SqliteStore(path, create=True)
    try:
        with store.unit_of_work() as uow:
            uow.companies.add(
                Company(id=COMPANY, name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
            )
            for n in range(CUSTOMERS):
                uow.customers.add(
                    Customer(
                        id=f"cu-{n:02d}",
                        company_id=COMPANY,
                        name=f"Kunde {n} A/S",
                        address=BUYER_ADDRESS,
                    )
                )
            uow.commit()
        billing = billing_on(store)
        for n in range(CUSTOMERS):
            billing.create_schedule(
                COMPANY,
                NewSchedule(
                    customer_id=f"cu-{n:02d}",
                    cadence=Cadence.monthly(),
                    timing=Timing.ADVANCE,
                    start=FIRST,
                    lines=[
                        ProductLine(
                            "Abonnement", Decimal(1), Decimal(100 + n), VatCategory.S, Decimal(25)
                        ),
                        ProductLine(
                            "Support", Decimal("0.5"), Decimal(80), VatCategory.S, Decimal(25)
                        ),
                    ],
                    payment_terms=14,
                    channel="manual" if n < DELIVERED else None,
                ),
            )
    finally:
        store.close()


def run_months(billing: Billing, done: Any = None) -> list[RunSummary]:
    """The runs of January to December, one month after the other, as a host runs them
    (started again after a crash, it runs the months already billed again: they find
    everything done). ``done``, a shared counter, counts the drafts created, documents
    booked and delivered so far, after each batch."""
    summaries: list[RunSummary] = []
    before = 0

    def progress(now: RunProgress) -> None:
        if done is not None:
            done.value = before + now.created + now.booked + now.delivered

    for month in range(1, 13):
        summary = billing.run_billing(
            COMPANY, f"2026-{month:02d}", batch_size=BATCH, deliver=True, progress=progress
        )
        before += summary.created + summary.booked + summary.delivered
        summaries.append(summary)
    return summaries


def run_until_killed(path: Path, started: Any, done: Any) -> None:
    """Run the billing of the year to its end, in a process the test kills."""
    store = SqliteStore(path)
    billing = billing_on(store)
    started.set()
    run_months(billing, done)
    started.clear()  # done before the kill: the test sees it
    time.sleep(600)


def kill_after(child: Any, started: Any, done: Any, work: int, delay: float) -> bool:
    """SIGKILL ``child`` ``delay`` seconds after it has done ``work`` steps of work
    (or finished); whether it was still running then."""
    deadline = time.monotonic() + 60
    try:
        assert started.wait(timeout=60), "the run did not start"
        while done.value < work and started.is_set() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(delay)
        return bool(started.is_set())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)


def due_ids(path: Path) -> set[str]:
    """The document id of every (schedule, period) pair due in the window."""
    store = SqliteStore(path)
    try:
        with store.unit_of_work(readonly=True) as uow:
            schedules = uow.schedules.list(COMPANY, limit=1000)
    finally:
        store.close()
    assert len(schedules) == CUSTOMERS
    return {period_id(s.id, p) for s in schedules for p in due(s, FIRST, LAST)}


def check_file(path: Path, expected: set[str], seed: int) -> dict[str, str | None]:
    """What a fresh store finds after a kill: the invariants that hold at any moment.
    The documents' numbers by id."""
    where = f"(FAKTURA_CRASH_SEED={seed})"
    store = SqliteStore(path)  # fresh: recovers the write-ahead log of the killed process
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
        rows = conn.execute(
            "SELECT id, number, status FROM invoices WHERE company_id = ?", (COMPANY,)
        ).fetchall()
        ids = [row[0] for row in rows]
        assert len(ids) == len(set(ids)), where
        assert set(ids) <= expected, f"documents of no pair due {where}"
        # every event with its outbox message, committed together (nothing dispatches here)
        (events,) = conn.execute(
            "SELECT count(*) FROM events WHERE company_id = ?", (COMPANY,)
        ).fetchone()
        (messages,) = conn.execute(
            "SELECT count(*) FROM outbox WHERE company_id = ?", (COMPANY,)
        ).fetchone()
        assert events == messages, (events, messages, where)
        numbers = [row[1] for row in rows if row[1] is not None]
        assert len(numbers) == len(set(numbers)), f"a number given twice {where}"
        assert sorted(numbers, key=int) == [str(n) for n in range(1, len(numbers) + 1)], where
        with store.unit_of_work(readonly=True) as uow:
            assert uow.numbers.last(COMPANY, "invoice", "") == (len(numbers) or None), where
            for invoice_id, number, status in rows:
                events = Counter(e.type for e in uow.events.for_invoice(COMPANY, invoice_id))
                assert events["created"] == 1, (invoice_id, events, where)
                if number is None:
                    assert status == Status.DRAFT.value, where
                    assert events["booked"] == 0, where
                else:
                    assert status != Status.DRAFT.value, where
                    assert events["booked"] == 1, (invoice_id, events, where)
        return {row[0]: row[1] for row in rows}
    finally:
        conn.close()
        store.close()


def check_delivered(path: Path, seed: int) -> None:
    """Every document of a schedule with a channel was delivered; the others were
    booked and not sent."""
    store = SqliteStore(path)
    try:
        billing = billing_on(store)
        for schedule in billing.list_schedules(COMPANY, limit=1000):
            for period in due(schedule, FIRST, LAST):
                invoice = billing.get_invoice(COMPANY, period_id(schedule.id, period))
                attempts = billing.delivery_status(COMPANY, invoice.id).attempts
                if schedule.channel is None:
                    assert invoice.status is Status.SENDING, seed
                    assert not attempts, seed
                else:
                    # a send killed before its outcome was recorded is taken up again
                    # (a hand-over recorded twice is still one document handed over)
                    assert invoice.status is Status.SENT, (invoice.id, invoice.status, seed)
                    assert attempts[-1].state is AttemptState.DELIVERED, (attempts, seed)
    finally:
        store.close()


def test_a_killed_run_started_again_bills_every_period_once(tmp_path: Path) -> None:
    seed = int(os.environ.get("FAKTURA_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"FAKTURA_CRASH_SEED={seed}")
    rng = random.Random(seed)
    path = tmp_path / "faktura.db"
    make_file(path)
    expected = due_ids(path)
    assert len(expected) == CUSTOMERS * 12
    context = multiprocessing.get_context("forkserver")
    # effective when this test starts the fork server (it serves the whole session)
    context.set_forkserver_preload(["faktura.billing", "faktura.storage.sqlite"])
    killed_mid_run = 0
    for _ in range(KILLS):
        started, done = context.Event(), context.Value("i", 0)
        child = context.Process(target=run_until_killed, args=(path, started, done))
        child.start()
        # after 1 to MAX_WORK steps (a draft created, a document booked or delivered:
        # they commit in batches, so the kill lands anywhere in one), and a random moment
        killed_mid_run += kill_after(
            child, started, done, rng.randint(1, MAX_WORK), rng.uniform(0, MAX_DELAY)
        )
        assert child.exitcode == -signal.SIGKILL
        check_file(path, expected, seed)

    store = SqliteStore(path)
    try:
        summaries = run_months(billing_on(store))
    finally:
        store.close()
    assert not [s.failed for s in summaries if s.failed], seed
    assert sum(s.due for s in summaries) == len(expected), seed
    numbers = check_file(path, expected, seed)
    assert numbers.keys() == expected, f"a pair due was not billed (FAKTURA_CRASH_SEED={seed})"
    assert None not in numbers.values(), f"a draft was left (FAKTURA_CRASH_SEED={seed})"
    check_delivered(path, seed)
    # the kills fell inside runs, not only after them
    assert killed_mid_run >= KILLS // 2, (killed_mid_run, seed)


class _BlockingChannel(ManualChannel):
    """Delivery by hand that, once under way, says so and never returns: the process is
    killed inside it."""

    def __init__(self, delivering: Any) -> None:
        self.delivering = delivering

    def deliver(self, message: OutgoingDocument) -> Receipt:
        self.delivering.set()
        time.sleep(600)
        raise AssertionError("not killed")


def deliver_until_killed(path: Path, delivering: Any) -> None:
    """January's run, its deliveries stuck in the first one until the kill."""
    store = SqliteStore(path)
    billing = Billing(
        store, Clock(), stale_after=STALE_AFTER, channels={"manual": _BlockingChannel(delivering)}
    )
    billing.run_billing(COMPANY, "2026-01", batch_size=BATCH, deliver=True)


def test_a_run_killed_inside_a_delivery_delivers_on_its_next_run(tmp_path: Path) -> None:
    """The kill falls between a delivery's pending attempt and its outcome: the next run
    takes the document up again and delivers it (its idempotency key must not answer
    the dead process's pending attempt as the outcome)."""
    path = tmp_path / "faktura.db"
    make_file(path)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["faktura.billing", "faktura.storage.sqlite"])
    delivering = context.Event()
    child = context.Process(target=deliver_until_killed, args=(path, delivering))
    child.start()
    try:
        assert delivering.wait(timeout=60), "no delivery began"
    finally:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(timeout=60)
    store = SqliteStore(path)
    try:
        billing = billing_on(store)
        summary = billing.run_billing(COMPANY, "2026-01", batch_size=BATCH, deliver=True)
        assert not summary.failed, summary.failed
        for schedule in billing.list_schedules(COMPANY, limit=1000):
            invoice = billing.get_invoice(
                COMPANY, period_id(schedule.id, due(schedule, FIRST, FIRST)[0])
            )
            expected = Status.SENDING if schedule.channel is None else Status.SENT
            assert invoice.status is expected, (invoice.id, invoice.status)
    finally:
        store.close()
