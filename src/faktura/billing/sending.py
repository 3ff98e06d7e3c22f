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
unit-of-work steps (``faktura.billing.work``); ``faktura.delivery`` holds the channels, the
recipients and the delivery log it uses.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from faktura.attachments import Attachment
from faktura.billing.booking import Booking
from faktura.billing.rendering import Documents
from faktura.billing.work import Work
from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryOutcomeUnknown,
    DeliveryType,
    OutgoingDocument,
    ProviderEvent,
    Recipient,
    RecipientKind,
    channels_by_type,
)
from faktura.delivery.einvoice import FAILED_STATUSES, PROVIDER_STATUSES
from faktura.delivery.log import (
    AttemptState,
    DeliveryAttempt,
    DeliveryStatus,
    SendResult,
    SentDocument,
)
from faktura.delivery.recipients import einvoice_recipient, email_recipient, manual_recipient
from faktura.documents.source import DocumentSource, attaches_pdf, check_attach_pdf, issue
from faktura.errors import (
    ConflictError,
    DeliveryError,
    FieldError,
    InvoiceStateError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from faktura.invoice import Invoice
from faktura.issued import MEDIA_TYPES, ArchiveKind
from faktura.lines import check_text
from faktura.parties import Company, Customer
from faktura.records import InvoiceEvent
from faktura.status import EDITABLE_STATUSES, Status

if TYPE_CHECKING:
    from faktura.ports import Clock, CustomerDirectory

__all__ = ["Sender"]

_PREVIEW_NUMBER = "PREVIEW-0000000001"
_MAX_KEY = 200
#: How many times step 4 runs its transaction when the store was busy (StorageError) or
#: another change won a write it does not lock (ConflictError: the customer record);
#: waits 10 ms, 20 ms, ... between.
_RECORD_TRIES = 8
_RECORD_BACKOFF = 0.01


@attrs.frozen
class _Request:
    """One send's parameters, checked."""

    invoice_id: str
    delivery_type: DeliveryType
    override_email: str | None
    override_ean: str | None
    update_customer_record: bool
    template_id: str | None
    idempotency_key: str | None
    attach_pdf: bool | None = None

    def fingerprint(self) -> str:
        data = attrs.asdict(self)
        del data["idempotency_key"]
        if data["attach_pdf"] is None:  # as before the option: stored keys still match
            del data["attach_pdf"]
        if self.delivery_type is DeliveryType.EINVOICE:  # its key before: keys still match
            data["delivery_type"] = "sproom"
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


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
        request = self._request(
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

    def status(self, company_id: str, invoice_id: str) -> DeliveryStatus:
        with self._work.store.unit_of_work(readonly=True) as uow:
            uow.invoices.get(company_id, invoice_id)
            return DeliveryStatus.of(invoice_id, uow.deliveries.for_invoice(company_id, invoice_id))

    def apply_provider_status(
        self,
        company_id: str,
        provider_reference: str,
        status: str,
        message: str | None,
        details: Mapping[str, str] | None,
    ) -> DeliveryAttempt:
        check_text(provider_reference, "documentId", required=True, limit=200)
        check_text(status, "status", required=True, limit=64)
        if message is not None:
            check_text(message, "message", limit=2000)
        # the provider's word in faktura's vocabulary; its own word stays in the details
        recorded = PROVIDER_STATUSES.get(status.strip().lower(), "unknown")
        event = ProviderEvent(
            recorded,
            self._work.clock.now(),
            message,
            {**(details or {}), "providerStatus": status},
        )
        rejected = recorded in FAILED_STATUSES
        with self._work.store.unit_of_work() as uow:
            attempt = uow.deliveries.by_reference(company_id, provider_reference)
            if attempt is None:
                raise NotFoundError("delivery", provider_reference)
            updated = attempt.with_event(event, rejected)
            uow.deliveries.update(updated)
            uow.events.append(
                company_id,
                InvoiceEvent(
                    attempt.invoice_id,
                    "delivery_rejected" if rejected else "delivery_status",
                    event.at,
                    {"status": event.status, "attempt": str(attempt.sequence)},
                ),
            )
            uow.commit()
        return updated

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
            request = _Request(
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

    def _request(
        self,
        invoice_id: str,
        delivery_type: object,
        override_email: str | None,
        override_ean: str | None,
        update_customer_record: bool,
        template_id: str | None,
        idempotency_key: str | None,
        attach_pdf: bool | None = None,
    ) -> _Request:
        kind = DeliveryType(delivery_type)  # ValidationError naming deliveryType
        if kind not in self._channels:
            configured = ", ".join(sorted(self._channels)) or "none"
            raise ValidationError(
                f"{kind.value!r} is not configured here (configured: {configured})",
                field="deliveryType",
                rule="unavailable",
            )
        if not isinstance(update_customer_record, bool):
            raise ValidationError(
                "must be true or false", field="updateCustomerRecord", rule="type"
            )
        if update_customer_record and override_email is None and override_ean is None:
            raise ValidationError(
                "needs overrideEmail or overrideEanNumber to persist",
                field="updateCustomerRecord",
                rule="requires_override",
            )
        if template_id is not None:
            from faktura.documents.pdf import template

            template(template_id)
        if idempotency_key is not None:
            check_text(idempotency_key, "idempotencyKey", required=True, limit=_MAX_KEY)
        check_attach_pdf(attach_pdf)
        return _Request(
            invoice_id,
            kind,
            override_email,
            override_ean,
            update_customer_record,
            template_id,
            idempotency_key,
            attach_pdf,
        )

    def _repeat(self, company_id: str, request: _Request) -> SendResult | None:
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
        return _result(_current(attempt, attempts), invoice)

    def _prepare(
        self, company_id: str, request: _Request, recipient: Recipient | None = None
    ) -> _Prepared:
        with self._work.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(company_id)
            invoice = uow.invoices.get(company_id, request.invoice_id)
            customer = self._work.directory(uow).get(company_id, invoice.customer_id)
            supporting = self._documents.supporting(uow, invoice)
        _check_sendable(invoice)
        channel = self._channels[request.delivery_type]
        if recipient is None:
            recipient = _recipient(request, invoice, customer, channel.recipient_kind)
        channel.prepare(recipient)
        # The issuability gate and the documents the channel needs, on a preview of the
        # booked document: whatever keeps it from being issued, rendered or expressed is
        # refused now, every field at once, before a number is used.
        errors: list[FieldError] = []
        if invoice.status in EDITABLE_STATUSES:
            preview = _preview(
                invoice, self._work.clock, company, customer, request.template_id, supporting
            )
            try:
                self._booking.gate(
                    preview.invoice, preview.company, preview.customer, request.template_id
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
            message = _outgoing(preview, recipient, request.attach_pdf)
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
        request: _Request,
        prepared: _Prepared,
        actor: str | None,
        interrupted: str | None = None,
    ) -> tuple[DeliveryAttempt, Invoice]:
        work = self._work
        now = work.clock.now()
        with work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, request.invoice_id)
            _check_sendable(invoice)
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
                dedup_id=_inherited_dedup_id(closed, request.delivery_type, prepared.recipient)
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
                    _persist_override(work.directory(uow), outcome, invoice.customer_id)
            else:
                uow.events.append(
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
        return _result(outcome, invoice)


def _result(attempt: DeliveryAttempt, invoice: Invoice) -> SendResult:
    return SendResult(
        success=attempt.state is AttemptState.DELIVERED,
        delivery_type=attempt.delivery_type,
        attempt=attempt,
        number=invoice.number,
    )


def _same_route(
    attempts: Sequence[DeliveryAttempt], delivery_type: DeliveryType, recipient: Recipient
) -> list[DeliveryAttempt]:
    """The attempts over ``delivery_type`` to ``recipient``."""
    shown = recipient.display()
    return [
        a for a in attempts if a.delivery_type == delivery_type and a.recipient.display() == shown
    ]


def _current(keyed: DeliveryAttempt, attempts: Sequence[DeliveryAttempt]) -> DeliveryAttempt:
    """What a repeated idempotency key answers: the document's current outcome over the
    keyed attempt's channel and recipient. The keyed attempt when it was delivered;
    else the newest later attempt of that channel and recipient that was delivered
    (e.g. recovered after a crash), else the newest later one still pending; else the
    keyed attempt itself (its failure, its unknown outcome)."""
    if keyed.state is AttemptState.DELIVERED:
        return keyed
    same = _same_route(attempts, keyed.delivery_type, keyed.recipient)
    later = [a for a in same if a.sequence > keyed.sequence]
    for state in (AttemptState.DELIVERED, AttemptState.PENDING):
        found = [a for a in later if a.state is state]
        if found:
            return max(found, key=lambda a: a.sequence)
    return keyed


def _inherited_dedup_id(
    attempts: Sequence[DeliveryAttempt], delivery_type: DeliveryType, recipient: Recipient
) -> str | None:
    """The ``dedup_id`` a new attempt takes over: the newest earlier attempt's of the same
    channel and recipient, when that one's outcome is unknown."""
    same = _same_route(attempts, delivery_type, recipient)
    if not same:
        return None
    newest = max(same, key=lambda a: a.sequence)
    return newest.dedup_id if newest.state is AttemptState.UNKNOWN else None


def _check_sendable(invoice: Invoice) -> None:
    if invoice.status is Status.CANCELLED:
        raise InvoiceStateError(
            f"document {invoice.id!r} is cancelled and cannot be sent",
            invoice_id=invoice.id,
            status=invoice.status.value,
            action="send",
        )


def _recipient(
    request: _Request, invoice: Invoice, customer: Customer, kind: RecipientKind
) -> Recipient:
    if kind is RecipientKind.EMAIL:
        if request.override_ean is not None:
            raise ValidationError(
                "applies to e-invoicing (deliveryType einvoice) only",
                field="overrideEanNumber",
                rule="not_applicable",
            )
        return email_recipient(customer, invoice.customer_contact_id, request.override_email)
    if kind is RecipientKind.PEPPOL:
        if request.override_email is not None:
            raise ValidationError(
                "applies to email only", field="overrideEmail", rule="not_applicable"
            )
        return einvoice_recipient(customer, invoice.customer_department_id, request.override_ean)
    for value, field in (
        (request.override_email, "overrideEmail"),
        (request.override_ean, "overrideEanNumber"),
    ):
        if value is not None:
            raise ValidationError(
                f"does not apply to deliveryType {request.delivery_type.value}",
                field=field,
                rule="not_applicable",
            )
    return manual_recipient(customer)


def _preview(
    invoice: Invoice,
    clock: Clock,
    company: Company,
    customer: Customer,
    template_id: str | None,
    attachments: tuple[Attachment, ...] = (),
) -> DocumentSource:
    """A draft as it would be booked now: issued with the live records (and its
    supporting documents, ``attachments``)."""
    issued = issue(invoice, company, customer, template_id=template_id)
    booked = invoice.book(_PREVIEW_NUMBER, clock.now(), issued=issued).invoice
    return DocumentSource.issued(booked, issued, company.logo, attachments)


def _outgoing(
    source: DocumentSource, recipient: Recipient, attach_pdf: bool | None
) -> OutgoingDocument:
    """A preview's message; its e-invoice embeds the very PDF it carries when
    ``attaches_pdf``."""
    pdf = _once(source.pdf)
    if attaches_pdf(source.invoice, attach_pdf):
        ubl = _once(lambda: source.ubl(pdf()))
    else:
        ubl = _once(source.ubl)
    return OutgoingDocument(
        source.invoice,
        source.company,
        source.customer,
        recipient,
        pdf=pdf,
        ubl=ubl,
        locale=source.language,
    )


def _once(make: Callable[[], bytes]) -> Callable[[], bytes]:
    made: list[bytes] = []

    def cached() -> bytes:
        if not made:
            made.append(make())
        return made[0]

    return cached


def _persist_override(
    directory: CustomerDirectory, attempt: DeliveryAttempt, customer_id: str
) -> None:
    """Write the override address of a delivered send onto the customer (onto the
    department when the EAN replaced a department's)."""
    recipient = attempt.recipient
    if recipient.source != "override":
        return
    customer = directory.get(attempt.company_id, customer_id)
    if recipient.kind is RecipientKind.EMAIL:
        changed = attrs.evolve(customer, email=recipient.address)
    elif recipient.department_id is not None:
        departments = tuple(
            attrs.evolve(d, ean=recipient.address) if d.id == recipient.department_id else d
            for d in customer.departments
        )
        changed = attrs.evolve(customer, departments=departments)
    else:
        changed = attrs.evolve(customer, ean=recipient.address)
    directory.update(changed)
