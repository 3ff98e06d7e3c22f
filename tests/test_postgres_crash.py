"""A booking process killed with SIGKILL at random points leaves PostgreSQL consistent.

A child process books drafts one after another through Billing and, after each commit,
appends the invoice id and number to a log file and fsyncs it. The test kills it with
SIGKILL at a random moment, many times over, and after every kill checks: numbers
1..N without gap or duplicate, the counter at N, every booked document whole (its JSON
loads, with lines, and agrees with its columns), and every booking the child reported
present. Beyond the store contract's few kills (``GuaranteesContract``), it reads the
rows and the counter as stored and the server's log, for evidence that kills hit open
transactions. Run as a script, this file is the child.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from faktura.billing import Billing
from faktura.invoice import Status
from faktura.storage.codec import loads_invoice
from faktura.storage.postgres import PostgresStore
from faktura.testing.contract import add, draft, seeded
from faktura.testing.postgres import PostgresCluster

pytest_plugins = ["pg_fixture"]

KILLS = 60
DRAFTS = 2000
COMPANY = "co-a"
# How long after its first reported booking the child is killed, at most (seconds).
MAX_DELAY = 0.04


def child(url: str, log_path: str) -> None:
    """Book drafts until killed; report each committed booking durably."""
    store = PostgresStore(url, pool_size=1)
    billing = Billing(store)
    with open(log_path, "a", encoding="utf-8") as log:
        while True:
            drafts = billing.list_invoices(COMPANY, status="draft", limit=100).items
            if not drafts:
                return
            for invoice in drafts:
                booked = billing.book(COMPANY, invoice.id)
                log.write(f"{booked.id} {booked.number}\n")
                log.flush()
                os.fsync(log.fileno())


def reported(log_path: Path) -> dict[str, str]:
    """The bookings the children reported; a line cut short by the kill is not one."""
    text = log_path.read_text(encoding="utf-8") if log_path.exists() else ""
    lines = text.split("\n")[:-1]  # the part after the last newline is incomplete
    return dict(line.split(" ") for line in lines)


def verify(url: str, log_path: Path) -> int:
    """Check the invariants in one snapshot; the number of booked documents."""
    with psycopg.connect(url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        rows = conn.execute(
            "SELECT id, number, status, version, doc, lines::text FROM invoices"
        ).fetchall()
        counters = conn.execute("SELECT series, period, last_seq FROM counters").fetchall()
        events = conn.execute(
            "SELECT invoice_id, doc->'data'->>'number' FROM events WHERE doc->>'type' = 'booked'"
        ).fetchall()
    assert len(rows) == DRAFTS
    booked: dict[str, str] = {}
    for invoice_id, number, status, version, doc, lines in rows:
        invoice = loads_invoice(doc, lines)
        assert (invoice.id, invoice.number) == (invoice_id, number)
        assert (invoice.status, invoice.version) == (status, version)
        assert invoice.lines
        if number is None:
            assert invoice.status is Status.DRAFT
            assert invoice.booked_at is None
        else:
            assert invoice.status is Status.SENDING
            assert invoice.booked_at is not None
            booked[invoice_id] = number
    total = len(booked)
    assert sorted(int(n) for n in booked.values()) == list(range(1, total + 1))
    assert counters == ([("invoice", "", total)] if total else [])
    assert dict(events) == booked  # one booked event per booking, none for a rollback
    for invoice_id, number in reported(log_path).items():
        assert booked.get(invoice_id) == number, f"reported {invoice_id} {number} is lost"
    return total


@pytest.fixture
def url(pg_url: str) -> str:
    store = seeded(PostgresStore(pg_url, create=True))
    try:
        for first in range(0, DRAFTS, 500):
            add(store, *(draft(f"inv-{n:05d}") for n in range(first, first + 500)))
    finally:
        store.close()
    return pg_url


def test_killed_bookings_leave_no_gap_and_lose_nothing(
    url: str, pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    rng = random.Random(20261125)
    log_path = tmp_path / "booked.log"
    server_log = pg_cluster.log_file
    server_log_start = server_log.stat().st_size
    totals = []
    for _ in range(KILLS):
        seen = log_path.stat().st_size if log_path.exists() else 0
        process = subprocess.Popen(
            [sys.executable, __file__, url, str(log_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            # kill it while it books: after its first booking of this run, at random
            while not log_path.exists() or log_path.stat().st_size == seen:
                if process.poll() is not None:
                    _, stderr = process.communicate()
                    pytest.fail(f"the child ended by itself:\n{stderr.decode()}")
                assert time.monotonic() < deadline, "the child booked nothing within 60 s"
                time.sleep(0.002)
            time.sleep(rng.uniform(0, MAX_DELAY))
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate()
        assert process.returncode == -signal.SIGKILL
        totals.append(verify(url, log_path))

    assert totals == sorted(totals)
    assert totals[-1] >= KILLS
    assert len(reported(log_path)) <= totals[-1]
    # Evidence that kills hit open transactions (PostgreSQL logs each one it rolls back).
    with server_log.open("rb") as log:
        log.seek(server_log_start)
        lines = log.read().decode("utf-8", "replace")
    assert "with an open transaction" in lines


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
