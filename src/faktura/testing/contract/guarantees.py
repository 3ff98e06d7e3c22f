"""The store contract's guarantees under pressure: several writers booking into one
series at once, a booking aborted in the middle of its unit of work, and (for a durable
store) a booking process killed with SIGKILL. Each ends with ``check_bookings``: numbers
1..N without gap or duplicate, each on exactly one booked document, nothing left of a
booking that did not commit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.ports import Store
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.booker import NO_DRAFTS_LEFT
from faktura.testing.contract.booking import Abort, book, check_bookings
from faktura.testing.contract.data import (
    AT,
    DAY,
    StoreFactory,
    StoreLocation,
    add,
    draft,
    message,
    seeded,
)

__all__ = ["DurableStoreContract", "GuaranteesContract"]

#: Writers booking at once, and bookings each (every ``ABORT_EVERY``-th one aborted).
WRITERS, BOOKINGS, ABORT_EVERY = 4, 10, 4
#: Booking processes killed, one after another, on one store.
KILLS = 3
#: How long the crash test waits for a child to book (seconds): a hung child fails.
PATIENCE = 60.0
#: An instant after every message the durability test writes is due.
DAY_END = AT + timedelta(days=1)


def committed_in(log: Path) -> dict[str, str]:
    """What the killed children reported committed (a line cut short is not)."""
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return dict(line.split(" ") for line in text.split("\n")[:-1])


class GuaranteesContract(ContractBase):
    """Gap-free numbering whatever happens to the writers (see StoreContract)."""

    def test_an_aborted_booking_leaves_no_number_and_no_half_booked_document(
        self, store: Store
    ) -> None:
        """A BaseException after the number was taken and the booked document and its
        event written, before the commit: none of it stays, and the next booking takes
        the number the aborted one had."""
        add(store, *(draft(f"inv-{n}") for n in range(3)))
        assert book(store, "co-a", "inv-0") == "1"
        with pytest.raises(Abort):
            book(store, "co-a", "inv-1", abort=True)
        check_bookings(store, "co-a", ["inv-0", "inv-1", "inv-2"], {"inv-0": "1"})
        assert book(store, "co-a", "inv-2") == "2"
        assert book(store, "co-a", "inv-1") == "3"
        check_bookings(
            store, "co-a", ["inv-0", "inv-1", "inv-2"], {"inv-0": "1", "inv-2": "2", "inv-1": "3"}
        )

    def test_any_run_of_bookings_and_aborts_stays_gap_free(self, make_store: StoreFactory) -> None:
        """Bookings committed, aborted (a BaseException before the commit) or left
        without a commit, in any order and into two companies: each company's committed
        bookings hold 1..N in the order they committed, and nothing else stays."""
        outcomes = st.sampled_from(["commit", "abort", "no commit"])
        runs = st.lists(st.tuples(st.sampled_from(["co-a", "co-b"]), outcomes), max_size=12)

        @settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(runs)
        def check(run: list[tuple[str, str]]) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                ids = {c: [f"{c}-{n:02d}" for n in range(len(run))] for c in ("co-a", "co-b")}
                add(store, *(draft(i, company_id=c) for c, some in ids.items() for i in some))
                committed: dict[str, dict[str, str]] = {"co-a": {}, "co-b": {}}
                for n, (company_id, outcome) in enumerate(run):
                    invoice_id = ids[company_id][n]
                    if outcome == "commit":
                        committed[company_id][invoice_id] = book(store, company_id, invoice_id)
                    elif outcome == "abort":
                        with pytest.raises(Abort):
                            book(store, company_id, invoice_id, abort=True)
                    else:
                        with store.unit_of_work() as uow:  # ends without a commit
                            uow.numbers.allocate(company_id, "invoice", "", 1, DAY, False)
                for company_id, booked in committed.items():
                    assert list(booked.values()) == [str(k) for k in range(1, len(booked) + 1)]
                    check_bookings(store, company_id, ids[company_id], booked)
            finally:
                store.close()

        check()

    def test_concurrent_writers_book_gap_free(
        self,
        make_store: StoreFactory,
        store_location: Callable[[], StoreLocation] | None,
    ) -> None:
        """WRITERS threads book BOOKINGS drafts each into one series, some of the
        bookings aborted after taking their number; each writer on a handle of its own
        (``store_location``), or all on the one store when it is not durable."""
        location = store_location() if store_location is not None else None
        store = seeded(location.open() if location is not None else make_store())
        handles: list[Store] = []
        try:
            plan = {w: [f"w{w}-{n:02d}" for n in range(BOOKINGS)] for w in range(WRITERS)}
            add(store, *(draft(i) for ids in plan.values() for i in ids))
            handles = [location.open() if location else store for _ in range(WRITERS)]
            start = threading.Barrier(WRITERS)
            committed: dict[str, str] = {}
            failures: list[BaseException] = []
            lock = threading.Lock()

            def writer(handle: Store, invoice_ids: list[str]) -> None:
                try:
                    start.wait(timeout=PATIENCE)
                    for n, invoice_id in enumerate(invoice_ids):
                        try:
                            number = book(handle, "co-a", invoice_id, n % ABORT_EVERY == 1)
                        except Abort:
                            continue
                        with lock:
                            committed[invoice_id] = number
                except BaseException as exc:  # reported to the test
                    with lock:
                        failures.append(exc)

            threads = [
                threading.Thread(target=writer, args=(handle, plan[w]))
                for w, handle in enumerate(handles)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=PATIENCE)
            assert not any(thread.is_alive() for thread in threads), "a writer hangs"
            assert failures == []
            aborted = WRITERS * len(range(1, BOOKINGS, ABORT_EVERY))
            assert len(committed) == WRITERS * BOOKINGS - aborted
            every = [i for ids in plan.values() for i in ids]
            check_bookings(store, "co-a", every, committed)
        finally:
            for handle in {id(h): h for h in handles if h is not store}.values():
                handle.close()
            store.close()


class DurableStoreContract(ContractBase):
    """The guarantees of a store whose data outlives its process (a file, a database
    server): a booking process killed with SIGKILL loses nothing and leaves no gap. A
    store that is not durable (MemoryStore) has nothing that outlives the process; the
    aborted-booking test holds it to the same guarantee in-process."""

    def test_outbox_messages_outlive_the_handle(
        self, store_location: Callable[[], StoreLocation]
    ) -> None:
        """Committed outbox messages are there when the store is opened anew: a
        dispatcher that starts after a crash finds every event not yet handed over."""
        location = store_location()
        store = seeded(location.open())
        added = [message("m-1"), message("m-2", minutes=1), message("m-3", minutes=None)]
        try:
            with store.unit_of_work() as uow:
                for made in added:
                    uow.outbox.add(made)
                uow.commit()
            with store.unit_of_work() as uow:
                uow.outbox.add(message("m-4"))  # never committed
        finally:
            store.close()
        reopened = location.open()
        try:
            with reopened.unit_of_work(readonly=True) as uow:
                assert uow.outbox.due(added[1].next_at or DAY_END, 10) == added[:2]
                assert uow.outbox.finished("co-a") == added[2:]
        finally:
            reopened.close()

    def test_a_killed_booking_process_leaves_no_gap_and_loses_no_commit(
        self, store_location: Callable[[], StoreLocation], tmp_path: Path
    ) -> None:
        """A child process books drafts one after another (``booker``) and is killed
        with SIGKILL after a random few bookings, KILLS times; after each kill a store
        opened anew finds numbers 1..N without gap or duplicate, each on its booked
        document, and every booking the child reported committed."""
        location = store_location()
        store = seeded(location.open())
        drafts = [f"inv-{n:03d}" for n in range(KILLS * 40)]
        try:
            add(store, *(draft(invoice_id) for invoice_id in drafts))
        finally:
            store.close()
        log = tmp_path / "committed.log"
        rng = random.Random(20261125)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        command = [sys.executable, "-m", "faktura.testing.contract.booker"]
        command += [location.opener, location.target, "co-a", str(log)]
        totals = []
        for _ in range(KILLS):
            before = len(committed_in(log))
            wanted = before + rng.randint(1, 3)  # kill it in the middle of a later booking
            child = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            try:
                deadline = time.monotonic() + PATIENCE
                while len(committed_in(log)) < wanted:
                    if child.poll() is not None:
                        _, stderr = child.communicate()
                        pytest.fail(
                            f"the booking process ended by itself ({child.returncode}, "
                            f"{NO_DRAFTS_LEFT} is no draft left):\n{stderr.decode()}"
                        )
                    assert time.monotonic() < deadline, "the booking process booked nothing"
                    time.sleep(0.002)
            finally:
                child.send_signal(signal.SIGKILL)
                child.communicate(timeout=PATIENCE)
            assert child.returncode == -signal.SIGKILL
            reopened = location.open()  # recovers whatever the killed process left
            try:
                booked = check_bookings(reopened, "co-a", drafts, committed_in(log), exact=False)
            finally:
                reopened.close()
            totals.append(len(booked))
        assert totals == sorted(totals)
        assert totals[-1] >= KILLS  # the children did book, between the kills
