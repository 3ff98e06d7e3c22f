"""The wire form of sending and delivery status (camelCase JSON, as ``faktura.wire``).

"Send an invoice to the customer" takes a SendRequest and answers a SendResponse (the
reference API's ``success``, ``deliveryType``, ``sproomDocumentId``, plus the number and the
attempt it made); "Get the delivery status" answers a DeliveryStatusResponse: the
summary and the per-attempt log.

``deliveryType`` is a delivery type key: faktura's (email, einvoice, manual) or one a
host registered a channel under. The reference API's names (Email, Sproom, Manual) are
taken in any case, as are faktura's own keys; any other key is taken as it is (keys are
lower case). The wire speaks the reference API's names: the e-invoice delivery type is
answered as "sproom" (as its ``sproomDocumentId``), wherever a delivery type is answered.

>>> request = parse_send_request({"deliveryType": "Manual"})
>>> request.delivery_type, request.update_customer_record
('manual', False)
>>> wire_delivery_type(DeliveryType("einvoice")), wire_delivery_type(DeliveryType("fax"))
('sproom', 'fax')
"""

from __future__ import annotations

import datetime as dt

import attrs

from faktura.delivery.channel import BUILT_IN_TYPES, MAX_KEY_LENGTH, DeliveryType
from faktura.delivery.log import DeliveryAttempt, DeliveryStatus, SendResult
from faktura.fields import describe
from faktura.wire import structure, unstructure

__all__ = [
    "AttemptWire",
    "DeliveryStatusResponse",
    "DeliverySummaryWire",
    "ProviderEventWire",
    "SendRequest",
    "SendResponse",
    "attempt_to_wire",
    "delivery_status_to_wire",
    "parse_send_request",
    "send_result_to_wire",
    "wire_delivery_type",
]


#: The built-in delivery types as answered: one spelling, lower case, the e-invoice one
#: by the reference API's name.
_ANSWERED = ["email", "sproom", "manual"]
#: The names taken in any case: faktura's built-in keys and the reference API's names.
_ANY_CASE = frozenset({*(t.value for t in BUILT_IN_TYPES), *_ANSWERED})
_KEY_PATTERN = f"^[a-z][a-z0-9_-]{{0,{MAX_KEY_LENGTH - 1}}}$"
#: The OpenAPI words of a delivery type the wire answers.
_ANSWERED_METADATA = {
    "pattern": _KEY_PATTERN,
    "maxLength": MAX_KEY_LENGTH,
    "description": "The delivery channel: email, sproom (e-invoicing) or manual, or the "
    "key of a channel the host registered (always in lower case)",
}


def _one_spelling(value: str) -> str:
    """A built-in delivery type or a reference API name in any case as its one spelling
    ("Email" → "email", "SPROOM" → "sproom"); any other value as it is (the send checks
    it, naming ``deliveryType``)."""
    if isinstance(value, str) and value.lower() in _ANY_CASE:
        return value.lower()
    return value


def wire_delivery_type(delivery_type: DeliveryType) -> str:
    """A delivery type as the wire answers it: the key, the e-invoice type by the reference
    API's name "sproom"."""
    return "sproom" if delivery_type is DeliveryType.EINVOICE else delivery_type.value


@attrs.frozen
class SendRequest:
    """The body of "Send an invoice to the customer"."""

    delivery_type: str = attrs.field(
        converter=_one_spelling,
        metadata={
            "pattern": f"^[A-Za-z][A-Za-z0-9_-]{{0,{MAX_KEY_LENGTH - 1}}}$",
            "maxLength": MAX_KEY_LENGTH,
            "description": "Delivery channel: email, sproom (Sproom e-invoicing; einvoice "
            "is the same) or manual, in any case (the reference API's Email, Sproom and "
            "Manual too), or the key of a channel the host registered (in lower case)",
        },
    )
    override_email: str | None = attrs.field(
        default=None, metadata=describe("Override recipient email for this send only")
    )
    override_ean_number: str | None = attrs.field(
        default=None, metadata=describe("Override EAN number for this send only")
    )
    update_customer_record: bool = attrs.field(
        default=False,
        metadata=describe("Persist the override email / EAN onto the customer record"),
    )
    document_template_id: str | None = attrs.field(
        default=None, metadata=describe("Override document template for PDF generation")
    )
    attach_pdf: bool | None = attrs.field(
        default=None,
        metadata={
            "description": "Whether the e-invoice the send carries (over Peppol, or "
            "attached to an email) embeds the document's own PDF (EN 16931 BG-24); "
            "absent or null: as the customer asked when the document was booked "
            "(the customer's attachPdf). A retry carries the same e-invoice"
        },
    )


@attrs.frozen
class ProviderEventWire:
    """A status the provider reported (e.g. an access point's "accepted")."""

    status: str
    at: dt.datetime
    message: str | None
    details: dict[str, str]


@attrs.frozen
class AttemptWire:
    """One delivery attempt of the log."""

    attempt: int
    delivery_type: str = attrs.field(metadata=_ANSWERED_METADATA)
    recipient: str
    recipient_name: str
    state: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    provider_reference: str | None
    error_code: str | None
    error_message: str | None
    retryable: bool
    events: list[ProviderEventWire]


@attrs.frozen
class DeliverySummaryWire:
    """The aggregate send summary."""

    state: str
    delivery_type: str | None = attrs.field(metadata=_ANSWERED_METADATA)
    recipient: str | None
    attempts: int
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_error: str | None


@attrs.frozen
class DeliveryStatusResponse:
    """ "Get the delivery status of an invoice": the summary plus the attempt log."""

    invoice_id: str
    summary: DeliverySummaryWire
    attempts: list[AttemptWire]


@attrs.frozen
class SendResponse:
    """ "Invoice send accepted": the reference API's fields, then the number and the attempt."""

    success: bool = attrs.field(
        metadata=describe("Whether the send was accepted (false: the delivery failed, see attempt)")
    )
    delivery_type: str = attrs.field(metadata=_ANSWERED_METADATA)
    sproom_document_id: str | None = attrs.field(
        metadata=describe("Sproom document ID when sent via e-invoicing")
    )
    number: str | None
    attempt: AttemptWire


def parse_send_request(data: object) -> SendRequest:
    """The send body, checked for shape and types (WireFormatError naming fields)."""
    return structure(data, SendRequest)


def attempt_to_wire(attempt: DeliveryAttempt) -> AttemptWire:
    """The wire value of one delivery attempt (an entry of the delivery log)."""
    return AttemptWire(
        attempt=attempt.sequence,
        delivery_type=wire_delivery_type(attempt.delivery_type),
        recipient=attempt.recipient.display(),
        recipient_name=attempt.recipient.name,
        state=attempt.state.value,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        provider_reference=attempt.provider_reference,
        error_code=attempt.error_code,
        error_message=attempt.error_message,
        retryable=attempt.retryable,
        events=[
            ProviderEventWire(e.status, e.at, e.message, dict(e.details)) for e in attempt.events
        ],
    )


def delivery_status_to_wire(status: DeliveryStatus) -> dict[str, object]:
    """A DeliveryStatus as JSON-ready data."""
    last = status.last
    return unstructure(  # type: ignore[no-any-return]
        DeliveryStatusResponse(
            invoice_id=status.invoice_id,
            summary=DeliverySummaryWire(
                state=status.state.value,
                delivery_type=wire_delivery_type(last.delivery_type) if last else None,
                recipient=last.recipient.display() if last else None,
                attempts=len(status.attempts),
                last_attempt_at=last.started_at if last else None,
                delivered_at=status.delivered_at,
                last_error=status.last_error,
            ),
            attempts=[attempt_to_wire(a) for a in status.attempts],
        )
    )


def send_result_to_wire(result: SendResult) -> dict[str, object]:
    """A SendResult as JSON-ready data."""
    return unstructure(  # type: ignore[no-any-return]
        SendResponse(
            success=result.success,
            delivery_type=wire_delivery_type(result.delivery_type),
            sproom_document_id=result.access_point_document_id,
            number=result.number,
            attempt=attempt_to_wire(result.attempt),
        )
    )
