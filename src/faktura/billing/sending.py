"""Sending: the four steps of a send over a Store and the configured channels.

1. Validate the input, resolve the recipient and run the channel's pre-flight; prepare
   the documents the channel needs on a preview of the booked document (a document that
   cannot be expressed is refused here) and give the channel's ``check`` (when it has
   one) the whole preview message: what ``deliver`` would refuse (a header, a name, a
   size) is refused now. Failures book nothing and use no number.
2. Book the draft (number allocated, what it is issued with taken: ``Invoice.issued``)
   and record a pending attempt: one transaction.
3. Render and deliver outside any transaction. The files are made from the snapshot, or
   are the archived ones when the document was rendered or sent before (a PDF made is
   archived at once, so every later send and read carries the same bytes).
4. Record the outcome on the attempt (``delivered``, ``failed``, or ``unknown`` when the
   channel cannot tell whether the document arrived), with the sha256 of every file it
   carried (PDF, UBL, the email as sent), archived in the same transaction; a delivered
   document becomes ``sent``, and ``update_customer_record`` writes the override onto
   the customer. The transaction reads the document locked (``for_update``) and applies
   the outcome to what it reads, so a change to the document (a payment) committed
   meanwhile is kept, and one that comes now waits for this commit (payments lock the
   document too) instead of making either fail. When the store is busy (a retryable
   StorageError: another SQLite writer holding the lock past the timeout) the whole
   transaction is run again, up to ``_RECORD_TRIES`` times.

A crash between 2 and 4 leaves a pending attempt. A pending attempt younger than
``stale_after`` is a delivery in progress: another send of the document waits its turn
(ConflictError). An older one was interrupted: the next send (or ``recover``) closes it
as ``unknown`` ("interrupted": the document may or may not have arrived) and delivers
again under the same number, with the same ``dedup_id`` (the email's Message-ID), as
every retry after an unknown outcome does. An idempotency key makes a repeated send
return the document's current outcome over that channel without delivering again.

The send use case of the service layer (``faktura.billing``): it books through
``faktura.billing.booking`` and renders through ``faktura.billing.rendering``, sharing their
unit-of-work steps (``faktura.billing.work``). Step 1's checks of the request, the
recipient and the preview are ``faktura.billing.preflight``; how a send reads the delivery
log (a repeated key's answer, an inherited ``dedup_id``) and the override it writes onto
the customer are ``faktura.billing.attempts``. ``faktura.delivery`` holds the channels,
the recipients and the delivery log it uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from faktura.billing.attempts import current, inherited_dedup_id, persist_override, result
from faktura.billing.booking import Booking
from faktura.billing.preflight import (
    SendRequest,
    booked_preview,
    check_request,
    check_sendable,
    outgoing,
    recipient_for,
)
from faktura.billing.rendering import Documents
from faktura.billing.work import Work
from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryOutcomeUnknown,
    DeliveryType,
    OutgoingDocument,
    Recipient,
    channels_by_type,
)
from faktura.delivery.log import (
    AttemptState,
    DeliveryAttempt,
    SendResult,
    SentDocument,
)
from faktura.documents.source import attaches_pdf
from faktura.errors import (
    ConflictError,
    DeliveryError,
    FieldError,
    StorageError,
    ValidationError,
)
from faktura.invoice import Invoice
from faktura.issued import MEDIA_TYPES, ArchiveKind
from faktura.records import InvoiceEvent
from faktura.status import EDITABLE_STATUSES

if TYPE_CHECKING:
    pass

__all__ = ["Sender"]

#: How many times step 4 runs its transaction when the store was busy (StorageError) or
#: another change won a write it does not lock (ConflictError: the customer record);
#: waits 10 ms, 20 ms, ... between.
_RECORD_TRIES = 8
_RECORD_BACKOFF = 0.01


@attrs.frozen
class _Prepared:
    """What step 1 resolved (read outside the booking transaction)."""

    recipient: Recipient
    channel: DeliveryChannel


class Sender:
    """The send use case of one Billing (see the module docstring)."""

    def __init__(
        self,
        work: Work,
        booking: Booking,
        documents: Documents,
        channels: Mapping[str, DeliveryChannel],
        stale_after: timedelta,
    ) -> None:
        self._work = work
        self._booking = booking
        self._documents = documents
        self._channels = channels_by_type(channels)
        self._stale_after = stale_after

    # -- the public operations -----------------------------------------------------------

    def send(
        self,
        company_id: str,
        invoice_id: str,
        delivery_type: object,
        *,
        override_email: str | None,
        override_ean: str | None,
        update_customer_record: bool,
        document_template_id: str | None,
        idempotency_key: str | None,
        actor: str | None,
        attach_pdf: bool | None = None,
    ) -> SendResult:
        request = check_request(
            self._channels,
            invoice_id,
            delivery_type,
            override_email,
            override_ean,
            update_customer_record,
            document_template_id,
            idempotency_key,
            attach_pdf,
        )
        stored = self._repeat(company_id, request)
        if stored is not None:
            return stored
        prepared = self._prepare(company_id, request)
        try:
            attempt, invoice = self._book_and_record(company_id, request, prepared, actor)
        except ConflictError:
            stored = self._repeat(company_id, request)  # the same key won a race
            if stored is not None:
                return stored
            raise
        return self._deliver(attempt, invoice, prepared, actor)

    def check(self, company_id: str, invoice_id: str, delivery_type: object) -> None:
        """What ``send`` checks of a draft before it books it (the recipient, the
        channel's pre-flight, the issuability gate and the documents the channel would
        carry, on a preview of the booked document), without booking or sending: a
        billing run's drafts pass it before their batch is booked. Raises as ``send``
        does (ValidationError naming the fields, DeliveryRejected, DeliveryUnavailable,
        InvoiceStateError)."""
        request = check_request(
            self._channels, invoice_id, delivery_type, None, None, False, None, None, None
        )
        self._prepare(company_id, request)

    def recover(self, company_id: str, actor: str | None) -> list[SendResult]:
        """Deliver again what interrupted attempts left undelivered."""
        now = self._work.clock.now()
        with self._work.store.unit_of_work(readonly=True) as uow:
            stale = [
                a
                for a in uow.deliveries.pending(company_id)
                if now - a.started_at >= self._stale_after
            ]
        results = []
        for attempt in stale:
            request = SendRequest(
                attempt.invoice_id,
                attempt.delivery_type,
                None,
                None,
                False,
                attempt.template_id,
                None,
                attempt.attach_pdf,
            )
            try:
                prepared = self._prepare(company_id, request, recipient=attempt.recipient)
                retry, invoice = self._book_and_record(
                    company_id, request, prepared, actor, interrupted=attempt.id
                )
            except ConflictError:
                continue  # another process recovered it meanwhile
            results.append(self._deliver(retry, invoice, prepared, actor))
        return results

    # -- step 1 --------------------------------------------------------------------------

    def _repeat(self, company_id: str, request: SendRequest) -> SendResult | None:
        if request.idempotency_key is None:
            return None
        with self._work.store.unit_of_work(readonly=True) as uow:
            attempt = uow.deliveries.by_key(company_id, request.idempotency_key)
            if attempt is None:
                return None
            invoice = uow.invoices.get(company_id, attempt.invoice_id)
            attempts = uow.deliveries.for_invoice(company_id, attempt.invoice_id)
        if attempt.request != request.fingerprint():
            raise ConflictError("this idempotency key was used for a different send; use a new key")
        return result(current(attempt, attempts), invoice)

    def _prepare(
        self, company_id: str, request: SendRequest, recipient: Recipient | None = None
    ) -> _Prepared:
        with self._work.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(company_id)
            invoice = uow.invoices.get(company_id, request.invoice_id)
            customer = self._work.directory(uow).get(company_id, invoice.customer_id)
            supporting = self._documents.supporting(uow, invoice)
        check_sendable(invoice)
        channel = self._channels[request.delivery_type]
        if recipient is None:
            recipient = recipient_for(request, invoice, customer, channel.recipient_kind)
        channel.prepare(recipient)
        # The issuability gate and the documents the channel needs, on a preview of the
        # booked document: whatever keeps it from being issued, rendered or expressed is
        # refused now, every field at once, before a number is used.
        errors: list[FieldError] = []
        if invoice.status in EDITABLE_STATUSES:
            preview = booked_preview(
                invoice, self._work.clock, company, customer, request.template_id, supporting
            )
            try:
                self._booking.gate(
                    preview.invoice, preview.company, preview.customer, request.template_id
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
            message = outgoing(preview, recipient, request.attach_pdf)
        else:  # booked: its own documents, archived once made
            message, _ = self._issued_documents(invoice, recipient, request.attach_pdf)
        try:
            if request.delivery_type is DeliveryType.EINVOICE:
                message.ubl()
            elif request.delivery_type is DeliveryType.EMAIL and not errors:
                message.pdf()  # (what the gate refused would not render either)
        except ValidationError as exc:
            named = {error.path for error in errors}
            errors.extend(error for error in exc.errors if error.path not in named)
        if errors:
            raise ValidationError._from_errors(errors)
        check = getattr(channel, "check", None)
        if callable(check):  # the whole message, as deliver would make it (PreflightCheck)
            check(message)
        return _Prepared(recipient, channel)

    # -- step 2 --------------------------------------------------------------------------

    def _book_and_record(
        self,
        company_id: str,
        request: SendRequest,
        prepared: _Prepared,
        actor: str | None,
        interrupted: str | None = None,
    ) -> tuple[DeliveryAttempt, Invoice]:
        work = self._work
        now = work.clock.now()
        with work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, request.invoice_id)
            check_sendable(invoice)
            attempts = uow.deliveries.for_invoice(company_id, request.invoice_id)
            closed = []
            for earlier in attempts:
                if earlier.state is not AttemptState.PENDING:
                    closed.append(earlier)
                    continue
                if earlier.id != interrupted and now - earlier.started_at < self._stale_after:
                    raise ConflictError(
                        f"a delivery of this document is in progress (attempt "
                        f"{earlier.sequence}, started {earlier.started_at.isoformat()})"
                    )
                unknown = earlier.unknown(
                    now,
                    "interrupted",
                    "the sending process stopped before the outcome was recorded; "
                    "the document may or may not have arrived",
                )
                uow.deliveries.update(unknown)
                closed.append(unknown)
            if interrupted is not None and not any(
                a.id == interrupted and a.state is AttemptState.PENDING for a in attempts
            ):
                raise ConflictError("the interrupted attempt was resolved meanwhile")
            if invoice.status in EDITABLE_STATUSES:
                invoice = self._booking.book(
                    uow, company_id, request.invoice_id, actor, invoice, request.template_id
                )
            attempt = DeliveryAttempt(
                id=work.ids(),
                company_id=company_id,
                invoice_id=invoice.id,
                sequence=len(attempts) + 1,
                delivery_type=request.delivery_type,
                recipient=prepared.recipient,
                started_at=now,
                idempotency_key=request.idempotency_key,
                request=request.fingerprint(),
                template_id=request.template_id,
                update_customer_record=request.update_customer_record,
                attach_pdf=request.attach_pdf,
                dedup_id=inherited_dedup_id(closed, request.delivery_type, prepared.recipient)
                or work.ids(),
            )
            uow.deliveries.add(attempt)
            uow.commit()
        return attempt, invoice

    # -- steps 3 and 4 -------------------------------------------------------------------

    def _deliver(
        self, attempt: DeliveryAttempt, invoice: Invoice, prepared: _Prepared, actor: str | None
    ) -> SendResult:
        message, carried = self._issued_documents(
            invoice, prepared.recipient, attempt.attach_pdf, attempt.dedup_id
        )
        try:
            receipt = prepared.channel.deliver(message)
        except DeliveryOutcomeUnknown as exc:
            outcome = attempt.unknown(self._work.clock.now(), exc.code, exc.message)
        except DeliveryError as exc:
            outcome = attempt.failed(self._work.clock.now(), exc.code, exc.message, exc.retryable)
        except Exception as exc:  # a channel's bug: recorded (it may have sent), then raised
            unknown = attempt.unknown(
                self._work.clock.now(), "channel_error", f"{type(exc).__name__}: {exc}"
            )
            self._record(unknown, actor, carried)
            raise
        else:
            outcome = attempt.delivered(self._work.clock.now(), receipt.provider_reference)
            if receipt.events:
                outcome = attrs.evolve(outcome, events=receipt.events)
            if receipt.message is not None:
                carried[ArchiveKind.EMAIL] = receipt.message
        return self._record(outcome, actor, carried)

    def _issued_documents(
        self,
        invoice: Invoice,
        recipient: Recipient,
        attach_pdf: bool | None,
        dedup_id: str | None = None,
    ) -> tuple[OutgoingDocument, dict[ArchiveKind, bytes]]:
        """The booked document on its way out, its files made from what it was issued
        with (the archived ones when there are: a send carries what was sent before;
        the e-invoice with the PDF embedded when ``attaches_pdf``); the dict fills with
        the files the channel took."""
        with self._work.store.unit_of_work(readonly=True) as uow:
            source = self._documents.source(uow, invoice)
        carried: dict[ArchiveKind, bytes] = {}

        def made(kind: ArchiveKind) -> Callable[[], bytes]:
            def make() -> bytes:
                if kind not in carried:
                    carried[kind] = self._documents.file(
                        invoice.company_id,
                        invoice.id,
                        kind,
                        False,
                        attach_pdf=kind is ArchiveKind.UBL_PDF,
                    )
                return carried[kind]

            return make

        ubl = ArchiveKind.UBL_PDF if attaches_pdf(invoice, attach_pdf) else ArchiveKind.UBL

        message = OutgoingDocument(
            invoice,
            source.company,
            source.customer,
            recipient,
            pdf=made(ArchiveKind.PDF),
            ubl=made(ubl),
            locale=source.language,
            dedup_id=dedup_id,
        )
        return message, carried

    def _record(
        self,
        outcome: DeliveryAttempt,
        actor: str | None,
        carried: Mapping[ArchiveKind, bytes] | None = None,
    ) -> SendResult:
        """Step 4, run again when the store was busy or another change won; the last
        such error is raised after ``_RECORD_TRIES`` runs."""
        for run in range(_RECORD_TRIES):
            try:
                return self._record_once(outcome, actor, carried)
            except (ConflictError, StorageError) as exc:
                if not exc.retryable or run == _RECORD_TRIES - 1:
                    raise
                time.sleep(_RECORD_BACKOFF * 2**run)
        raise AssertionError("unreachable")  # pragma: no cover

    def _record_once(
        self,
        outcome: DeliveryAttempt,
        actor: str | None,
        carried: Mapping[ArchiveKind, bytes] | None,
    ) -> SendResult:
        work = self._work
        with work.store.unit_of_work() as uow:
            # the document locked first: a change to it (a payment) committed meanwhile
            # is read here, one arriving now waits for this commit; neither refuses it
            invoice = uow.invoices.get(outcome.company_id, outcome.invoice_id, for_update=True)
            if carried:
                # every file that left with this attempt, archived and named on it
                now = work.clock.now()
                outcome = attrs.evolve(
                    outcome,
                    documents=tuple(
                        SentDocument(
                            kind,
                            uow.archive.put(
                                outcome.company_id,
                                outcome.invoice_id,
                                kind,
                                content,
                                MEDIA_TYPES[kind],
                                now,
                            ),
                        )
                        for kind, content in sorted(carried.items())
                    ),
                )
            uow.deliveries.update(outcome)
            if outcome.state is AttemptState.DELIVERED:
                delivered, event = invoice.mark_delivered(
                    outcome.finished_at or work.clock.now(), outcome.delivery_type.value
                )
                work.save(uow, invoice, delivered, work.stamp(event, actor))
                invoice = delivered
                if outcome.update_customer_record:
                    persist_override(work.directory(uow), outcome, invoice.customer_id)
            else:
                work.record(
                    uow,
                    outcome.company_id,
                    work.stamp(
                        InvoiceEvent(
                            invoice.id,
                            "delivery_unknown"
                            if outcome.state is AttemptState.UNKNOWN
                            else "delivery_failed",
                            outcome.finished_at or work.clock.now(),
                            {
                                "channel": outcome.delivery_type.value,
                                "code": outcome.error_code or "",
                            },
                        ),
                        actor,
                    ),
                )
            uow.commit()
        return result(outcome, invoice)
