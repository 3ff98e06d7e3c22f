"""Batch booking and billing runs: many documents booked in one unit of work per batch.

``book_many`` books a list of drafts, ``batch`` of them per unit of work, each through the
same booking as ``Billing.book`` (the issuability gate, the exchange rate, back-dating,
then the next number of the series): the numbers of a batch are consecutive and
gap-free. A draft that is refused is reported with its error and skipped: every check
runs before booking writes anything (``Booking.book``), so the batch goes on and no
number is used for it.

A billing run (``run``) bills every schedule of a company for a window of days (a month:
"2026-12"): for each period whose billing date falls in the window and has come
(``faktura.schedules.due``, up to the clock's today: a run bills what is due, not what
will be) it creates the draft, dated today, under the id of its (schedule, period) pair
(``faktura.schedules.period_id``), and books it, ``batch`` pairs per unit of work. A run
late by a day dates its invoices the day they are made, and its lines still bill the
period they cover; every invoice of a run carries the same date, so no schedule's
invoice is back-dated behind another's. A draft whose schedule sends it over a channel
is first checked as ``Billing.send`` checks a draft before booking it (the recipient,
the channel's pre-flight, the documents it would carry), outside any transaction; those
that pass are booked in one unit of work. After each batch has committed, the booked
documents are delivered over their channel, outside any transaction, as
``Billing.send`` does. What guards a delivery from being made twice is the document's
own state: a delivered document is skipped, a delivery in progress elsewhere is a
ConflictError (reported), and an attempt a killed process left pending is taken up again
once it is stale (``Billing(stale_after=...)``), as ``Billing.send`` takes it up.

A run is idempotent per (schedule, period): the id of the pair is the document's, so a
run started again after a crash (or while another run is at work) finds what was
created and goes on from there: a draft is booked (dated again, to today, when an
earlier day's run left it), a booked document that was not delivered is delivered, one
that was is skipped. Two runs at once never bill a period twice: the second one's draft
conflicts with the first's, and the batch is then taken again one pair at a time, each
finding what the other run wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import TypeVar

import attrs

from faktura.billing.booking import Booking
from faktura.billing.drafts import Drafts
from faktura.billing.sending import Sender
from faktura.billing.work import Work
from faktura.commands import UNSET, NewDraft
from faktura.errors import (
    ConflictError,
    FakturaError,
    FieldError,
    InvoiceStateError,
    NotFoundError,
    NumberingError,
    ValidationError,
)
from faktura.invoice import Invoice
from faktura.parties import Company
from faktura.ports import UnitOfWork
from faktura.schedules import Period, Schedule, due, lines_for, period_id
from faktura.status import EDITABLE_STATUSES, Status

__all__ = [
    "BatchBooking",
    "BookingFailure",
    "RunFailure",
    "RunProgress",
    "RunSummary",
    "Runs",
]

T = TypeVar("T")

#: What refuses a single document without touching the unit of work: reported, skipped.
_REFUSALS = (ValidationError, InvoiceStateError, NumberingError, NotFoundError)


@attrs.frozen
class BookingFailure:
    """A draft ``book_many`` did not book, and why (the error ``Billing.book`` raises)."""

    invoice_id: str
    error: FakturaError


@attrs.frozen
class BatchBooking:
    """What ``book_many`` did: the booked documents in the order given, the refused."""

    booked: tuple[Invoice, ...]
    failed: tuple[BookingFailure, ...]


@attrs.frozen
class RunFailure:
    """A (schedule, period) a run could not take to the end: ``stage`` "create",
    "book" or "deliver"; ``errors`` the fields named when the input was refused."""

    schedule_id: str
    period: Period
    invoice_id: str
    stage: str
    message: str
    errors: tuple[FieldError, ...] = ()


@attrs.frozen
class RunProgress:
    """How far a run is: ``done`` of the ``due`` (schedule, period) pairs seen so far."""

    done: int
    due: int
    created: int
    booked: int
    delivered: int
    failed: int


@attrs.frozen
class RunSummary:
    """What a run did for the window ``first``..``last``: the (schedule, period) pairs
    due, the drafts it created, the documents it booked and delivered, those it found
    done already (``skipped``), and the failures with their reasons."""

    first: date
    last: date
    due: int = 0
    created: int = 0
    booked: int = 0
    delivered: int = 0
    skipped: int = 0
    failed: tuple[RunFailure, ...] = ()

    def progress(self, total: int | None = None) -> RunProgress:
        """How far the run is, of ``total`` pairs (``due``, as far as seen, when None)."""
        return RunProgress(
            self.due,
            self.due if total is None else total,
            self.created,
            self.booked,
            self.delivered,
            len(self.failed),
        )


@attrs.frozen
class _Due:
    """One (schedule, period) pair of a run."""

    schedule: Schedule
    period: Period

    @property
    def invoice_id(self) -> str:
        return period_id(self.schedule.id, self.period)


@attrs.define
class _Tally:
    created: int = 0
    booked: int = 0
    delivered: int = 0
    skipped: int = 0
    failed: list[RunFailure] = attrs.field(factory=list)
    to_check: list[_Due] = attrs.field(factory=list)
    to_deliver: list[_Due] = attrs.field(factory=list)

    def add(self, other: _Tally) -> None:
        """Count ``other`` in."""
        self.created += other.created
        self.booked += other.booked
        self.delivered += other.delivered
        self.skipped += other.skipped
        self.failed.extend(other.failed)
        self.to_check.extend(other.to_check)
        self.to_deliver.extend(other.to_deliver)


@attrs.frozen
class Runs:
    """The batch use cases of one Billing (see the module)."""

    work: Work
    booking: Booking
    drafts: Drafts
    sender: Sender

    # -- book_many -----------------------------------------------------------------------

    def book_many(
        self, company_id: str, invoice_ids: Sequence[str], batch: int, actor: str | None
    ) -> BatchBooking:
        booked: list[Invoice] = []
        failed: list[BookingFailure] = []
        for chunk in _chunks(invoice_ids, batch):
            try:
                with self.work.store.unit_of_work() as uow:
                    done, refused = self._book_chunk(uow, company_id, chunk, actor)
                    uow.commit()
            except ConflictError:
                # another writer changed one of them: each again in a unit of work of
                # its own, so the others are not held up by it
                done, refused = [], []
                for invoice_id in chunk:
                    one, why = self._book_alone(company_id, invoice_id, actor)
                    done.extend(one)
                    refused.extend(why)
            booked.extend(done)
            failed.extend(refused)
        return BatchBooking(tuple(booked), tuple(failed))

    def _book_chunk(
        self, uow: UnitOfWork, company_id: str, invoice_ids: Sequence[str], actor: str | None
    ) -> tuple[list[Invoice], list[BookingFailure]]:
        company = uow.companies.get(company_id)
        booked: list[Invoice] = []
        failed: list[BookingFailure] = []
        for invoice_id in invoice_ids:
            try:
                invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
                booked.append(
                    self.booking.book(
                        uow, company_id, invoice_id, actor, invoice=invoice, company=company
                    )
                )
            except _REFUSALS as exc:
                failed.append(BookingFailure(invoice_id, exc))
        return booked, failed

    def _book_alone(
        self, company_id: str, invoice_id: str, actor: str | None
    ) -> tuple[list[Invoice], list[BookingFailure]]:
        try:
            with self.work.store.unit_of_work() as uow:
                result = self._book_chunk(uow, company_id, [invoice_id], actor)
                uow.commit()
            return result
        except ConflictError as exc:
            return [], [BookingFailure(invoice_id, exc)]

    # -- billing runs --------------------------------------------------------------------

    def run(
        self,
        company_id: str,
        first: date,
        last: date,
        batch: int,
        deliver: bool,
        progress: Callable[[RunProgress], None] | None,
        actor: str | None,
    ) -> RunSummary:
        today = self.work.clock.today()
        last = min(last, today)  # what has fallen due, not what will
        with self.work.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
        total = None
        if progress is not None:
            total = sum(1 for _ in self._due(company_id, first, last))
        tally = _Tally()
        count = 0
        for chunk in _chunks(self._due(company_id, first, last), batch):
            count += len(chunk)
            done = self._bill_chunk(company_id, chunk, today, actor)
            if done.to_check:
                self._book_checked(company_id, done, actor)
            if deliver:
                self._deliver(company_id, done, actor)
            done.to_deliver.clear()
            tally.add(done)
            if progress is not None:
                progress(_summary(first, last, count, tally).progress(total))
        return _summary(first, last, count, tally)

    def _due(self, company_id: str, first: date, last: date) -> Iterator[_Due]:
        """Every (schedule, period) of the company billed in first..last, the schedules
        read a page at a time (a run's memory does not grow with their number)."""
        if last < first:
            return
        after: str | None = None
        while True:
            with self.work.store.unit_of_work(readonly=True) as uow:
                page = uow.schedules.list(company_id, after=after, limit=500)
            for schedule in page:
                for period in due(schedule, first, last):
                    yield _Due(schedule, period)
            if len(page) < 500:
                return
            after = page[-1].id

    def _bill_chunk(
        self, company_id: str, chunk: Sequence[_Due], today: date, actor: str | None
    ) -> _Tally:
        """Step 1 of a batch, in one unit of work (each item in one of its own when
        another run wrote one of them first, finding what it wrote)."""
        try:
            with self.work.store.unit_of_work() as uow:
                done = self._bill(uow, company_id, chunk, today, actor)
                uow.commit()
            return done
        except ConflictError:
            done = _Tally()
            for item in chunk:
                try:
                    with self.work.store.unit_of_work() as uow:
                        one = self._bill(uow, company_id, [item], today, actor)
                        uow.commit()
                except ConflictError as exc:
                    one = _Tally(failed=[_failure(item, "book", exc)])
                done.add(one)
            return done

    def _bill(
        self,
        uow: UnitOfWork,
        company_id: str,
        items: Sequence[_Due],
        today: date,
        actor: str | None,
    ) -> _Tally:
        """Create the drafts of ``items`` in ``uow``, dated ``today``, and book those
        whose schedule sends over no channel; a draft that will be sent is left for its
        channel's check (``to_check``). What a refusal stops is reported."""
        tally = _Tally()
        company = uow.companies.get(company_id)
        for item in items:
            try:
                invoice = uow.invoices.get(company_id, item.invoice_id, for_update=True)
            except NotFoundError:
                try:
                    invoice = self._create(uow, company, item, today, actor)
                except _REFUSALS as exc:
                    tally.failed.append(_failure(item, "create", exc))
                    continue
                tally.created += 1
            if invoice.status in EDITABLE_STATUSES:
                if invoice.issue_date != today:  # a draft an earlier day's run left
                    invoice = self._redate(uow, invoice, today, actor)
                if item.schedule.channel is not None:
                    tally.to_check.append(item)
                    continue
                try:
                    invoice = self.booking.book(
                        uow, company_id, invoice.id, actor, invoice=invoice, company=company
                    )
                except _REFUSALS as exc:
                    tally.failed.append(_failure(item, "book", exc))
                    continue
                tally.booked += 1
            else:
                tally.skipped += 1
            if invoice.status is Status.SENDING and item.schedule.channel is not None:
                tally.to_deliver.append(item)
        return tally

    def _redate(self, uow: UnitOfWork, invoice: Invoice, today: date, actor: str | None) -> Invoice:
        updated, event = invoice.update(self.work.clock.now(), issue_date=today)
        self.work.save(uow, invoice, updated, self.work.stamp(event, actor))
        return updated

    def _book_checked(self, company_id: str, tally: _Tally, actor: str | None) -> None:
        """Step 2 of a batch: the drafts that will be sent, each checked as ``send``
        checks it before booking (the recipient, the channel's pre-flight, the documents
        it would carry), outside any transaction; those that pass are booked in one unit
        of work, and go on to be delivered."""
        checked: list[_Due] = []
        for item in tally.to_check:
            channel = item.schedule.channel
            assert channel is not None  # (only such items are checked)
            try:
                self.sender.check(company_id, item.invoice_id, channel)
            except FakturaError as exc:
                tally.failed.append(_failure(item, "book", exc))
                continue
            checked.append(item)
        tally.to_check.clear()
        by_id = {item.invoice_id: item for item in checked}
        result = self.book_many(company_id, list(by_id), len(by_id) or 1, actor)
        tally.booked += len(result.booked)
        tally.to_deliver.extend(by_id[invoice.id] for invoice in result.booked)
        tally.failed.extend(
            _failure(by_id[failure.invoice_id], "book", failure.error) for failure in result.failed
        )

    def _create(
        self, uow: UnitOfWork, company: Company, item: _Due, today: date, actor: str | None
    ) -> Invoice:
        schedule = item.schedule
        draft = NewDraft(
            customer_id=schedule.customer_id,
            lines=list(lines_for(schedule, item.period)),
            issue_date=today,
            currency=schedule.currency if schedule.currency is not None else UNSET,
            payment_terms=(schedule.payment_terms if schedule.payment_terms is not None else UNSET),
            description=schedule.description if schedule.description is not None else UNSET,
        )
        return self.drafts.create_in(uow, company, draft, actor=actor, invoice_id=item.invoice_id)

    def _deliver(self, company_id: str, tally: _Tally, actor: str | None) -> None:
        for item in tally.to_deliver:
            channel = item.schedule.channel
            assert channel is not None  # (only such items are kept)
            try:
                result = self.sender.send(
                    company_id,
                    item.invoice_id,
                    channel,
                    override_email=None,
                    override_ean=None,
                    update_customer_record=False,
                    document_template_id=None,
                    idempotency_key=None,
                    actor=actor,
                    attach_pdf=None,
                )
            except FakturaError as exc:
                tally.failed.append(_failure(item, "deliver", exc))
                continue
            if result.success:
                tally.delivered += 1
            else:
                message = result.attempt.error_message or "the delivery failed"
                tally.failed.append(
                    RunFailure(item.schedule.id, item.period, item.invoice_id, "deliver", message)
                )


def _failure(item: _Due, stage: str, exc: FakturaError) -> RunFailure:
    errors = exc.errors if isinstance(exc, ValidationError) else ()
    return RunFailure(
        item.schedule.id, item.period, item.invoice_id, stage, str(exc), tuple(errors)
    )


def _summary(first: date, last: date, due: int, tally: _Tally) -> RunSummary:
    return RunSummary(
        first,
        last,
        due,
        tally.created,
        tally.booked,
        tally.delivered,
        tally.skipped,
        tuple(tally.failed),
    )


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read as they come."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
