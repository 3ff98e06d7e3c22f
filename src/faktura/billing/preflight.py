"""Step 1 of a send (``faktura.billing.sending``), before anything is booked: the
request's parameters checked, the document checked sendable, the recipient resolved,
and a draft previewed as it would be booked now, with the message its channel would
deliver, so what keeps it from being issued, rendered or expressed is refused before a
number is used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection

import attrs

from faktura.attachments import Attachment
from faktura.delivery.channel import DeliveryType, OutgoingDocument, Recipient, RecipientKind
from faktura.delivery.recipients import einvoice_recipient, email_recipient, manual_recipient
from faktura.documents.source import DocumentSource, attaches_pdf, check_attach_pdf, issue
from faktura.errors import InvoiceStateError, ValidationError
from faktura.invoice import Invoice
from faktura.lines import check_text
from faktura.parties import Company, Customer
from faktura.ports import Clock
from faktura.status import Status

__all__ = [
    "PREVIEW_NUMBER",
    "SendRequest",
    "booked_preview",
    "check_request",
    "check_sendable",
    "outgoing",
    "recipient_for",
]

#: The number a draft's preview is booked with.
PREVIEW_NUMBER = "PREVIEW-0000000001"
_MAX_KEY = 200


@attrs.frozen
class SendRequest:
    """One send's parameters, checked (``check_request``); the fingerprint an idempotency
    key is stored with."""

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


def check_request(
    channels: Collection[DeliveryType],
    invoice_id: str,
    delivery_type: object,
    override_email: str | None,
    override_ean: str | None,
    update_customer_record: bool,
    template_id: str | None,
    idempotency_key: str | None,
    attach_pdf: bool | None = None,
) -> SendRequest:
    """The send's parameters checked (the delivery type one of ``channels``), as a
    SendRequest; a ValidationError naming the first bad one."""
    kind = DeliveryType(delivery_type)  # ValidationError naming delivery_type
    if kind not in channels:
        configured = ", ".join(sorted(channels)) or "none"
        raise ValidationError(
            f"{kind.value!r} is not configured here (configured: {configured})",
            field="delivery_type",
            rule="unavailable",
        )
    if not isinstance(update_customer_record, bool):
        raise ValidationError("must be true or false", field="update_customer_record", rule="type")
    if update_customer_record and override_email is None and override_ean is None:
        raise ValidationError(
            "needs an override email or EAN number to persist",
            field="update_customer_record",
            rule="requires_override",
        )
    if template_id is not None:
        from faktura.documents.pdf import template

        template(template_id)
    if idempotency_key is not None:
        check_text(idempotency_key, "idempotency_key", required=True, limit=_MAX_KEY)
    check_attach_pdf(attach_pdf)
    return SendRequest(
        invoice_id,
        kind,
        override_email,
        override_ean,
        update_customer_record,
        template_id,
        idempotency_key,
        attach_pdf,
    )


def check_sendable(invoice: Invoice) -> None:
    """An InvoiceStateError when ``invoice`` is cancelled: that is never sent."""
    if invoice.status is Status.CANCELLED:
        raise InvoiceStateError(
            f"document {invoice.id!r} is cancelled and cannot be sent",
            invoice_id=invoice.id,
            status=invoice.status.value,
            action="send",
        )


def recipient_for(
    request: SendRequest, invoice: Invoice, customer: Customer, kind: RecipientKind
) -> Recipient:
    """Where the send goes for a channel taking ``kind`` recipients: the customer's
    address, or the request's override (a ValidationError for one the channel cannot
    take)."""
    if kind is RecipientKind.EMAIL:
        if request.override_ean is not None:
            raise ValidationError(
                "applies to e-invoicing (delivery type einvoice) only",
                field="override_ean_number",
                rule="not_applicable",
            )
        return email_recipient(customer, invoice.customer_contact_id, request.override_email)
    if kind is RecipientKind.PEPPOL:
        if request.override_email is not None:
            raise ValidationError(
                "applies to email only", field="override_email", rule="not_applicable"
            )
        return einvoice_recipient(customer, invoice.customer_department_id, request.override_ean)
    for value, field in (
        (request.override_email, "override_email"),
        (request.override_ean, "override_ean_number"),
    ):
        if value is not None:
            raise ValidationError(
                f"does not apply to delivery type {request.delivery_type.value}",
                field=field,
                rule="not_applicable",
            )
    return manual_recipient(customer)


def booked_preview(
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
    booked = invoice.book(PREVIEW_NUMBER, clock.now(), issued=issued).invoice
    return DocumentSource.issued(booked, issued, company.logo, attachments)


def outgoing(
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
