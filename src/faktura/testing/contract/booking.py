"""A booking's unit of work as Billing runs it, and the check every guarantee of the
store contract ends with: numbers 1..N without gap or duplicate, each on exactly one
booked document with its one event in the audit trail and in the outbox, and nothing of
a booking that did not commit.

Imports neither pytest nor hypothesis: the child process the crash test kills runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from faktura.outbox import OutboxMessage
from faktura.ports import Store
from faktura.status import Status
from faktura.testing.contract.data import AT, DAY

__all__ = ["Abort", "book", "check_bookings"]

SERIES = "invoice"


class Abort(BaseException):
    """Raised inside a booking's unit of work after its number was taken, before its
    commit: a BaseException, as a KeyboardInterrupt or a cancelled task would be."""


def book(store: Store, company_id: str, invoice_id: str, abort: bool = False) -> str:
    """Book the draft ``invoice_id`` under the next number of the company's invoice
    series, in one unit of work as Billing does (read for update, take the number,
    write the booked document, its event and the event's outbox message, commit); its
    number. ``abort``: raise Abort after everything but the commit."""
    with store.unit_of_work() as uow:
        invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
        seq = uow.numbers.allocate(company_id, SERIES, "", 1, DAY, False)
        booked = invoice.book(str(seq), AT)
        uow.invoices.update(booked.invoice, invoice.version)
        uow.events.append(company_id, booked.event)
        uow.outbox.add(OutboxMessage.of(f"evt_{invoice_id}", company_id, booked.event))
        if abort:
            raise Abort(f"{invoice_id} aborted after taking number {seq}")
        uow.commit()
    return str(seq)


def check_bookings(
    store: Store,
    company_id: str,
    invoice_ids: Iterable[str],
    committed: Mapping[str, str],
    exact: bool = True,
) -> dict[str, str]:
    """Check the documents ``invoice_ids`` (every one the company has) after bookings
    of which ``committed`` (id to number) are known to have committed; the numbers
    booked, by id. ``exact``: no other booking may have committed (else others may,
    as a process killed after its commit and before it could report it).

    Raises AssertionError naming what is wrong: a gap or a duplicate in 1..N, the
    series' last number not N, a number without its booked document (or the other way
    round), a booked document without its one "booked" event or with one too many (in
    the audit trail or the outbox), a committed booking missing, or a draft touched by a
    booking that did not commit.
    """
    with store.unit_of_work(readonly=True) as uow:
        documents = [uow.invoices.get(company_id, invoice_id) for invoice_id in invoice_ids]
        last = uow.numbers.last(company_id, SERIES, "")
        events = {d.id: uow.events.for_invoice(company_id, d.id) for d in documents}
        messages: dict[str, list[OutboxMessage]] = {}
        for message in uow.outbox.due(AT + timedelta(days=1), 1_000_000):
            if message.company_id == company_id:
                messages.setdefault(message.event.invoice_id, []).append(message)
    booked = {d.id: d.number for d in documents if d.number is not None}
    numbers = sorted(int(number) for number in booked.values())
    assert numbers == list(range(1, len(numbers) + 1)), f"not 1..N once each: {numbers}"
    assert last == (len(numbers) or None), f"the series' last number {last}, not {len(numbers)}"
    for document in documents:
        kinds = [(e.type, e.data.get("number")) for e in events[document.id]]
        sent = [m.event for m in messages.get(document.id, [])]
        if document.number is None:
            assert document.status is Status.DRAFT, f"{document.id}: no number, {document.status}"
            assert kinds == [], f"{document.id}: a draft with events {kinds}"
            assert sent == [], f"{document.id}: a draft with outbox messages {sent}"
        else:
            assert document.status is Status.SENDING, f"{document.id}: {document.status}"
            assert document.booked_at is not None, f"{document.id}: booked without a time"
            assert kinds == [("booked", document.number)], f"{document.id}: events {kinds}"
            assert sent == events[document.id], f"{document.id}: outbox messages {sent}"
    for invoice_id, number in committed.items():
        assert booked.get(invoice_id) == number, f"committed {invoice_id} {number} is lost"
    if exact:
        assert booked == dict(committed), "a booking that did not commit left its number"
    return {invoice_id: number for invoice_id, number in booked.items() if number}
