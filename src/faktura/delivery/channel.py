"""The DeliveryChannel port: how a booked document reaches its recipient.

A channel is used in two steps:

1. ``prepare(recipient)`` before anything is booked: a channel that can know the
   recipient is unreachable (an e-invoicing endpoint that is not registered) says so
   here, so a refused send uses no number. A channel may also have a
   ``check(message)`` method (optional, see ``PreflightCheck``): it is given a preview
   of the booked document and refuses whatever ``deliver`` would refuse for it (headers,
   names, sizes, formats), also before anything is booked;
2. ``deliver(message)`` after the booking committed, outside any transaction, returning
   a Receipt with the provider's reference (SMTP Message-ID, access point document id).

Failures are typed: DeliveryRejected is permanent (a bad address, a rejected document:
retrying the same thing will fail again), DeliveryUnavailable is retryable (connection
refused, timeouts, 4xx/5xx that mean "later": nothing arrived), and
DeliveryOutcomeUnknown (a DeliveryUnavailable) says the document may or may not have
arrived (the connection dropped after the whole message was handed over, the answer
did not come in time). Nothing else may escape a channel; every implementation passes
``faktura.testing.channels.ChannelContract``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

import attrs

from faktura.errors import DeliveryUnavailable
from faktura.invoice import Invoice
from faktura.parties import Company, Customer

__all__ = [
    "DeliveryChannel",
    "DeliveryOutcomeUnknown",
    "DeliveryType",
    "OutgoingDocument",
    "PreflightCheck",
    "ProviderEvent",
    "Receipt",
    "Recipient",
    "RecipientKind",
]


class DeliveryOutcomeUnknown(DeliveryUnavailable):
    """The document may or may not have arrived: the whole message was handed over and
    the peer's answer never came (the connection dropped, the reply timed out).

    Retryable, but a retry may deliver a second copy: the attempt is recorded as
    ``unknown`` and the next attempt carries the same ``dedup_id`` (the same email
    Message-ID) so the receiving side can recognise the copy.
    """

    code = "delivery_outcome_unknown"


class DeliveryType(enum.StrEnum):
    """The delivery channels of the reference API (``deliveryType``)."""

    EMAIL = "email"
    SPROOM = "sproom"
    MANUAL = "manual"


class RecipientKind(enum.StrEnum):
    """What a recipient address is."""

    EMAIL = "email"
    #: A Peppol participant: ``address`` is the identifier, ``scheme`` its ISO 6523 ICD
    #: ("0088" GLN/EAN, "0184" Danish CVR).
    PEPPOL = "peppol"
    #: Delivered by hand: no address.
    NONE = "none"


@attrs.frozen
class Recipient:
    """Where one send goes, already validated (see ``faktura.delivery.recipients``).

    ``source`` says where the address came from ("override", "contact", "customer",
    "department"), so ``updateCustomerRecord`` knows what to persist where.
    """

    kind: RecipientKind
    address: str
    name: str
    scheme: str | None = None
    source: str = "customer"
    department_id: str | None = None

    def display(self) -> str:
        """The recipient as shown in the delivery log ("0088:5790000435951")."""
        return f"{self.scheme}:{self.address}" if self.scheme else self.address


@attrs.frozen
class OutgoingDocument:
    """One booked document on its way out, with its files rendered on demand.

    ``pdf`` and ``ubl`` are callables so a channel renders only what it sends (the
    e-invoice channel never draws a PDF); ``Billing`` caches them per send.

    ``dedup_id`` identifies this copy at the receiving end: the email channel makes the
    Message-ID from it. A retry after an attempt whose outcome is unknown passes the same
    one; None lets the channel make a fresh identity.
    """

    invoice: Invoice
    company: Company
    customer: Customer
    recipient: Recipient
    pdf: Callable[[], bytes]
    ubl: Callable[[], bytes]
    locale: str = "da"
    dedup_id: str | None = None


@attrs.frozen
class ProviderEvent:
    """A status the provider reported about a delivered document (e.g. an access
    point's "accepted" or "rejected"), appended to the attempt's log."""

    status: str
    at: datetime
    message: str | None = None
    details: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Receipt:
    """What a channel answers for a delivered document."""

    #: The provider's reference: the SMTP Message-ID, the access point document id.
    provider_reference: str | None = None
    events: tuple[ProviderEvent, ...] = ()
    #: The message as it was handed over, when the channel wraps the documents in one of
    #: its own (the email channel: the RFC 5322 bytes it sent); archived by the sender.
    message: bytes | None = None


class DeliveryChannel(Protocol):
    """A way to deliver documents (email, an e-invoicing access point, by hand)."""

    @property
    def delivery_type(self) -> DeliveryType:
        """Which ``deliveryType`` this channel serves."""
        ...

    @property
    def recipient_kind(self) -> RecipientKind:
        """The kind of recipient address the channel needs."""
        ...

    def prepare(self, recipient: Recipient) -> None:
        """Check the recipient can be reached before anything is booked.

        Raises DeliveryRejected (unknown recipient, refused address) or
        DeliveryUnavailable (the check itself could not be made now).
        """
        ...

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Hand the document over. Raises DeliveryRejected or DeliveryUnavailable."""
        ...


class PreflightCheck(Protocol):
    """The optional pre-flight of a channel over the whole message: a send calls
    ``check`` (when the channel has one) on a preview of the booked document, before
    anything is booked."""

    def check(self, message: OutgoingDocument) -> None:
        """Refuse what ``deliver`` would refuse for ``message`` (headers, names, sizes,
        formats), without sending anything. Raises DeliveryRejected."""
        ...
