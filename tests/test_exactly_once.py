"""Exactly-once delivery (issue 13, point 3), counted at the channel and at the peer.

- Recording a send's outcome survives an unrelated change to the document committed
  meanwhile (a payment) on PostgreSQL and on SQLite: one delivery, the attempt delivered,
  no ConflictError or StorageError, a retry not refused.
- SMTP: a connection dropped after the whole DATA, or a 250 that comes after the timeout,
  is an *unknown* outcome (not a plain retryable failure), and the retry carries the same
  Message-ID; a connection dropped before the message was complete is "nothing arrived".
- A crash after the channel delivered, then ``recover_deliveries``: the interrupted
  attempt is unknown, the recovered one carries the same Message-ID (email) or names the
  same document (access point), and replaying the crashed send's idempotency key answers
  the delivered attempt.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura import ConflictError, Status, wire
from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryOutcomeUnknown,
    DeliveryType,
    OutgoingDocument,
    Receipt,
)
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.delivery.log import AttemptState, DeliveryState
from faktura.delivery.sproom import EInvoiceChannel, SproomAccessPoint
from faktura.errors import DeliveryUnavailable
from faktura.invoice import Invoice
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.sqlite import SqliteStore
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.channels import RecordingChannel, sample_document
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from test_delivery_email import SENDER, TO, SmtpServer, smtp_server  # noqa: F401

pytest_plugins = ["pg_fixture"]

EAN = "5790000435951"
SRC = str(Path(__file__).parents[1] / "src")


def parties(billing: Billing) -> tuple[str, str]:
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S", number="K-100", email="ap@fjord.dk", ean=EAN, address=BUYER_ADDRESS
        ),
    )
    return company.id, customer.id


def new_draft(billing: Billing, company_id: str, customer_id: str) -> Invoice:
    return billing.create_draft(
        company_id,
        wire.new_draft(
            {
                "customerId": customer_id,
                "lines": [{"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}],
            }
        ),
    )


# -- a payment while the outcome is recorded ---------------------------------------------


class RacingInvoices:
    """The invoices of a writing unit of work; every ``get`` while the store is armed
    starts the armed action (another connection's change) and gives it up to 0.5 s to
    commit before answering: a store that does not lock what it read lets it commit
    in the read-then-write window, every time it reads again (a payment loop); one that
    does makes it wait for this commit."""

    def __init__(self, inner: Any, store: RacingStore) -> None:
        self._inner = inner
        self._store = store

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        invoice: Invoice = self._inner.get(company_id, invoice_id, for_update=for_update)
        if self._store.armed:
            action = self._store.armed[0]
            racer = threading.Thread(target=self._store.run, args=(action,))
            self._store.racers.append(racer)
            racer.start()
            racer.join(timeout=0.5)
        return invoice

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class RacingUnitOfWork:
    def __init__(self, inner: Any, store: RacingStore) -> None:
        self._inner = inner
        self._store = store

    def __enter__(self) -> RacingUnitOfWork:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        return self._inner.__exit__(*exc_info)

    @property
    def invoices(self) -> RacingInvoices:
        return RacingInvoices(self._inner.invoices, self._store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class RacingStore:
    """A real store whose writers' invoice reads, while armed, let another connection
    commit a change first: the read-then-write window of step 4, made certain."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.armed: list[Callable[[], None]] = []
        self.racers: list[threading.Thread] = []
        self.raced: list[BaseException | None] = []  # each racer's error, None for none

    def run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except BaseException as exc:  # any error: reported to the test
            self.raced.append(exc)
        else:
            self.raced.append(None)

    def finish(self) -> list[BaseException | None]:
        """Wait for the racers; what each raised (None: it succeeded)."""
        for racer in self.racers:
            racer.join(timeout=30)
        return self.raced

    def unit_of_work(self, readonly: bool = False) -> Any:
        uow = self.inner.unit_of_work(readonly)
        return uow if readonly else RacingUnitOfWork(uow, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class PayingChannel(RecordingChannel):
    """Delivers (recorded), then runs ``after`` before answering: what another user or
    process does to the document while the send is still on its way."""

    def __init__(self, after: Callable[[OutgoingDocument], None]) -> None:
        super().__init__(DeliveryType.EMAIL)
        self.after = after

    def deliver(self, message: OutgoingDocument) -> Receipt:
        receipt = super().deliver(message)
        self.after(message)
        return receipt


def assert_recorded_once(
    billing: Billing, channel: RecordingChannel, company_id: str, invoice_id: str
) -> None:
    status = billing.delivery_status(company_id, invoice_id)
    assert [a.state for a in status.attempts] == [AttemptState.DELIVERED]
    assert status.state is DeliveryState.DELIVERED
    invoice = billing.get_invoice(company_id, invoice_id)
    assert invoice.status is Status.PARTIALLY_PAID  # the payment and the delivery, both kept
    assert invoice.delivered_at is not None
    assert len(invoice.payments) == 1
    assert len(channel.deliveries) == 1
    # the key repeats the delivered result; a new send is not refused as "in progress"
    again = billing.send(company_id, invoice_id, "email", idempotency_key="send-1")
    assert again.success
    assert again.attempt.sequence == 1
    assert len(channel.deliveries) == 1
    retried = billing.send(company_id, invoice_id, "email")
    assert retried.success
    assert retried.attempt.sequence == 2


def test_a_payment_committed_while_postgres_records_the_outcome(pg_url: str) -> None:
    store = RacingStore(open_store(pg_url, create=True))
    other = open_store(pg_url)
    try:
        paying = Billing(other)

        def pay(message: OutgoingDocument) -> None:  # from now on, every read races
            store.armed.append(
                lambda: paying.record_payment(
                    message.invoice.company_id, message.invoice.id, Decimal("100.00")
                )
            )

        channel = PayingChannel(pay)
        billing = Billing(store, channels={"email": channel})  # type: ignore[arg-type]
        company_id, customer_id = parties(billing)
        draft = new_draft(billing, company_id, customer_id)
        result = billing.send(company_id, draft.id, "email", idempotency_key="send-1")
        store.armed.clear()
        assert result.success, result.attempt
        # one payment came in between, and was not refused either: it waited its turn
        # (without the lock each read would meet a new payment until the send gave up)
        assert store.finish() == [None]
        assert_recorded_once(billing, channel, company_id, draft.id)
    finally:
        other.close()
        store.inner.close()


def test_a_payment_holding_the_sqlite_lock_while_the_outcome_is_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "race.db"
    store = SqliteStore(path, create=True, timeout=0.4)  # the writer gives up after 0.4 s
    other = SqliteStore(path, timeout=5)
    holders: list[threading.Thread] = []

    def pay_slowly(message: OutgoingDocument) -> None:
        """Another writer takes the lock, pays, and holds the lock for 1.2 s."""
        held = threading.Event()

        def hold() -> None:
            with other.unit_of_work() as uow:
                invoice = uow.invoices.get(message.invoice.company_id, message.invoice.id)
                paid, event = invoice.record_payment(
                    Decimal("100.00"), date(2026, 11, 25), datetime.now(UTC)
                )
                uow.invoices.update(paid, invoice.version)
                uow.events.append(paid.company_id, event)
                held.set()
                time.sleep(1.2)
                uow.commit()

        holder = threading.Thread(target=hold)
        holders.append(holder)
        holder.start()
        assert held.wait(10)

    try:
        channel = PayingChannel(pay_slowly)
        billing = Billing(store, channels={"email": channel})
        company_id, customer_id = parties(billing)
        draft = new_draft(billing, company_id, customer_id)
        result = billing.send(company_id, draft.id, "email", idempotency_key="send-1")
        for holder in holders:
            holder.join(10)
        assert result.success, result.attempt
        assert_recorded_once(billing, channel, company_id, draft.id)
    finally:
        for holder in holders:
            holder.join(10)
        other.close()
        store.close()


# -- SMTP: nothing arrived, or unknown -----------------------------------------------------


class ScriptedSmtp:
    """A small SMTP server on 127.0.0.1; each connection follows the next mode of
    ``modes`` (then "ok"): "ok" accepts, "drop_at_data" closes instead of answering DATA,
    "drop_after_data" takes the whole message and closes without a reply, "late_250"
    takes it and answers 250 only after ``late`` seconds. ``received`` holds every whole
    message the server got (it has those, whatever the client learned)."""

    def __init__(self, modes: list[str], late: float = 1.5) -> None:
        self.modes = list(modes)
        self.late = late
        self.received: list[bytes] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port: int = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            mode = self.modes.pop(0) if self.modes else "ok"
            thread = threading.Thread(target=self._serve, args=(conn, mode), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, mode: str) -> None:
        with conn, contextlib.suppress(OSError):
            lines = conn.makefile("rb")

            def say(text: str) -> None:
                conn.sendall(text.encode() + b"\r\n")

            say("220 scripted.example ESMTP")
            while line := lines.readline():
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    say("250-scripted.example")
                    say("250 8BITMIME")
                elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                    say("250 OK")
                elif command == b"DATA":
                    if mode == "drop_at_data":
                        return
                    say("354 end with <CRLF>.<CRLF>")
                    data = []
                    while (chunk := lines.readline()) != b".\r\n":
                        if not chunk:
                            return  # dropped mid-DATA: nothing arrived
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.received.append(b"".join(data))
                    if mode == "drop_after_data":
                        return
                    if mode == "late_250":
                        time.sleep(self.late)
                    say("250 2.0.0 queued")
                elif command == b"QUIT":
                    say("221 bye")
                    return
                else:
                    say("500 unknown command")

    def message_ids(self) -> list[str]:
        return [
            str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])
            for raw in self.received
        ]

    def close(self) -> None:
        self.listener.close()
        for thread in self.threads:
            thread.join(5)

    def settings(self, timeout: float = 0.8) -> SmtpSettings:
        return SmtpSettings("127.0.0.1", self.port, SENDER, security="none", timeout=timeout)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedSmtp]]:
    servers: list[ScriptedSmtp] = []

    def start(*modes: str) -> ScriptedSmtp:
        server = ScriptedSmtp(list(modes))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("mode", ["drop_after_data", "late_250"])
def test_the_channel_reports_an_unknown_outcome_once_the_whole_message_left(
    scripted: Callable[..., ScriptedSmtp], mode: str
) -> None:
    server = scripted(mode)
    message = sample_document(TO)
    with pytest.raises(DeliveryOutcomeUnknown) as caught:
        EmailChannel(server.settings()).deliver(message)
    assert caught.value.retryable
    assert "may have arrived" in caught.value.message
    assert len(server.received) == 1  # the server has it, whatever the client heard


def test_a_drop_before_the_message_was_complete_is_nothing_arrived(
    scripted: Callable[..., ScriptedSmtp],
) -> None:
    server = scripted("drop_at_data")
    with pytest.raises(DeliveryUnavailable) as caught:
        EmailChannel(server.settings()).deliver(sample_document(TO))
    assert not isinstance(caught.value, DeliveryOutcomeUnknown)
    assert server.received == []


def email_world(tmp_path: Path, channel: DeliveryChannel) -> tuple[Billing, str, str]:
    billing = Billing(SqliteStore(tmp_path / "mail.db", create=True), channels={"email": channel})
    company_id, customer_id = parties(billing)
    return billing, company_id, new_draft(billing, company_id, customer_id).id


@pytest.mark.parametrize("mode", ["drop_after_data", "late_250"])
def test_an_unknown_email_outcome_is_retried_with_the_same_message_id(
    tmp_path: Path, scripted: Callable[..., ScriptedSmtp], mode: str
) -> None:
    server = scripted(mode, "ok")
    billing, company_id, invoice_id = email_world(tmp_path, EmailChannel(server.settings()))
    first = billing.send(company_id, invoice_id, "email", idempotency_key="mail-1")
    assert not first.success
    assert first.outcome_unknown
    assert (first.attempt.state, first.attempt.error_code) == (
        AttemptState.UNKNOWN,
        "delivery_outcome_unknown",
    )
    assert first.attempt.retryable
    assert billing.delivery_status(company_id, invoice_id).state is DeliveryState.UNKNOWN
    assert billing.get_invoice(company_id, invoice_id).status is Status.SENDING
    # the key repeats the unknown outcome without sending again
    assert billing.send(company_id, invoice_id, "email", idempotency_key="mail-1") == first
    assert len(server.received) == 1

    retry = billing.send(company_id, invoice_id, "email")  # not refused as in progress
    assert retry.success
    assert retry.attempt.dedup_id == first.attempt.dedup_id
    # two copies reached the server, as one message: one Message-ID, the retry's reference
    assert len(server.received) == 2
    assert server.message_ids() == [retry.attempt.provider_reference] * 2
    # the first key now answers the document's outcome: delivered
    replay = billing.send(company_id, invoice_id, "email", idempotency_key="mail-1")
    assert replay.success
    assert replay.attempt == retry.attempt
    billing.store.close()


def test_nothing_arrived_is_a_retryable_failure_and_the_retry_is_a_new_message(
    tmp_path: Path, scripted: Callable[..., ScriptedSmtp]
) -> None:
    server = scripted("drop_at_data", "ok")
    billing, company_id, invoice_id = email_world(tmp_path, EmailChannel(server.settings()))
    first = billing.send(company_id, invoice_id, "email")
    assert (first.attempt.state, first.attempt.error_code, first.attempt.retryable) == (
        AttemptState.FAILED,
        "delivery_unavailable",
        True,
    )
    retry = billing.send(company_id, invoice_id, "email")
    assert retry.success
    assert retry.attempt.dedup_id != first.attempt.dedup_id
    assert server.message_ids() == [retry.attempt.provider_reference]  # exactly one copy
    billing.store.close()


# -- a crash after the channel delivered ---------------------------------------------------

CRASH_AFTER_DELIVERY = """
import os, sys
from faktura.billing import Billing
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.delivery.sproom import EInvoiceChannel, SproomAccessPoint
from faktura.storage.sqlite import SqliteStore

path, company_id, invoice_id, key, kind, where = sys.argv[1:7]


def crashing(base):
    class Crash(base):
        def deliver(self, message):
            super().deliver(message)
            os._exit(9)  # delivered; the process dies before the outcome is recorded
    return Crash


if kind == "email":
    settings = SmtpSettings("127.0.0.1", int(where), "faktura@saelger.example",
                            security="none", timeout=5)
    channel = crashing(EmailChannel)(settings)
else:
    url, token = where.split(" ")
    channel = crashing(EInvoiceChannel)(SproomAccessPoint(url, token, backoff=0.01))
billing = Billing(SqliteStore(path), channels={kind: channel})
billing.send(company_id, invoice_id, kind, idempotency_key=key)
"""


def crash_after_delivery(
    path: Path, company_id: str, invoice_id: str, key: str, kind: str, where: str
) -> None:
    arguments = [str(path), company_id, invoice_id, key, kind, where]
    code = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_DELIVERY, *arguments],
        env={**os.environ, "PYTHONPATH": SRC},
        check=False,
        timeout=120,
    ).returncode
    assert code == 9


def crashed_world(tmp_path: Path, kind: str, channel: DeliveryChannel) -> tuple[Any, ...]:
    path = tmp_path / "crash.db"
    clock = ManualClock(datetime.now(UTC))
    billing = Billing(SqliteStore(path, create=True), clock, channels={kind: channel})
    company_id, customer_id = parties(billing)
    invoice_id = new_draft(billing, company_id, customer_id).id
    return path, clock, billing, company_id, invoice_id


def assert_recovered(
    billing: Billing, clock: ManualClock, company_id: str, invoice_id: str, kind: str
) -> Any:
    status = billing.delivery_status(company_id, invoice_id)
    assert status.state is DeliveryState.PENDING
    with pytest.raises(ConflictError):  # fresh: maybe still in progress
        billing.send(company_id, invoice_id, kind)
    clock.advance(minutes=10)
    [recovered] = billing.recover_deliveries(company_id)
    assert recovered.success
    assert recovered.attempt.sequence == 2
    attempts = billing.delivery_status(company_id, invoice_id).attempts
    assert [(a.state, a.error_code) for a in attempts] == [
        (AttemptState.UNKNOWN, "interrupted"),
        (AttemptState.DELIVERED, None),
    ]
    assert attempts[0].dedup_id == attempts[1].dedup_id
    assert billing.get_invoice(company_id, invoice_id).status is Status.SENT
    assert billing.delivery_status(company_id, invoice_id).state is DeliveryState.DELIVERED
    # the crashed send's key answers the document's outcome: delivered, by attempt 2
    replay = billing.send(company_id, invoice_id, kind, idempotency_key="crash-key")
    assert replay.success
    assert replay.attempt == attempts[1]
    assert billing.recover_deliveries(company_id) == []
    return recovered


def test_crash_recover_and_replay_over_smtp(
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    channel = EmailChannel(smtp_server.settings())
    path, clock, billing, company_id, invoice_id = crashed_world(tmp_path, "email", channel)
    crash_after_delivery(path, company_id, invoice_id, "crash-key", "email", str(smtp_server.port))
    assert len(smtp_server.recorder.envelopes) == 1  # it did arrive
    recovered = assert_recovered(billing, clock, company_id, invoice_id, "email")
    # unknown-with-dedup-id: the recovery sent a second copy of the same message
    envelopes = smtp_server.recorder.envelopes
    assert len(envelopes) == 2
    ids = {smtp_server.recorder.message(i)["Message-ID"] for i in range(2)}
    assert ids == {recovered.attempt.provider_reference}
    billing.store.close()


def test_crash_recover_and_replay_at_an_access_point(tmp_path: Path) -> None:
    with (
        LocalAccessPoint(participants={f"0088:{EAN}"}) as server,
        SproomAccessPoint(server.url, server.token, backoff=0.01) as client,
    ):
        channel = EInvoiceChannel(client)
        path, clock, billing, company_id, invoice_id = crashed_world(tmp_path, "sproom", channel)
        crash_after_delivery(
            path, company_id, invoice_id, "crash-key", "sproom", f"{server.url} {server.token}"
        )
        assert len(server.documents) == 1
        recovered = assert_recovered(billing, clock, company_id, invoice_id, "sproom")
        # exactly once: the recovery's submission names the document the first one made
        assert list(server.documents) == [recovered.sproom_document_id]
        billing.store.close()
