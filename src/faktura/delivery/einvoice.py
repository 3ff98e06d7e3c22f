"""E-invoicing through a Peppol access point: the AccessPoint port and EInvoiceChannel,
which hands the document's UBL to the access point (delivery type "einvoice").

The channel does not know which access point it talks to: any AccessPoint will do.
faktura ships one client, ``faktura.delivery.sproom.SproomAccessPoint`` (the Sproom
access point over HTTP, the ``einvoice`` extra), and an in-memory one for tests
(``faktura.testing.channels.MemoryAccessPoint``); a host connects another provider by
implementing the three methods of AccessPoint.

The statuses an access point reports are recorded in one vocabulary
(``PROVIDER_STATUSES``), whichever provider reported them; the provider's own word is
kept beside it (``details["providerStatus"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    ProviderEvent,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.errors import ConfigurationError, DeliveryRejected, FakturaError

__all__ = [
    "FAILED_STATUSES",
    "PROVIDER_STATUSES",
    "AccessPoint",
    "EInvoiceChannel",
]

#: A provider's document status (case-insensitive) → the status faktura records:
#: "pending" (at the access point, on its way), "delivered" (handed to the recipient's
#: access point), "accepted" (the recipient accepted it), "rejected" (the recipient
#: refused it), "failed" (the access point could not deliver it). Anything else is
#: recorded as "unknown"; the provider's own word is kept in ``details["providerStatus"]``.
PROVIDER_STATUSES: Mapping[str, str] = {
    "received": "pending",
    "queued": "pending",
    "pending": "pending",
    "processing": "pending",
    "sent": "delivered",
    "delivered": "delivered",
    "accepted": "accepted",
    "approved": "accepted",
    "rejected": "rejected",
    "declined": "rejected",
    "failed": "failed",
    "undeliverable": "failed",
    "error": "failed",
}
#: The recorded statuses that mean the document did not reach (or was refused by) its
#: recipient: Billing marks the delivery failed on these.
FAILED_STATUSES = frozenset({"rejected", "failed"})


class AccessPoint(Protocol):
    """A Peppol access point: who can receive, hand a document over, ask its status.

    Every method raises DeliveryRejected (refused for good) or DeliveryUnavailable (the
    access point cannot be reached or is busy now), nothing else.
    """

    def lookup(self, recipient: Recipient) -> bool:
        """Whether ``recipient`` is a participant registered to receive e-invoices."""
        ...

    def submit(self, ubl: bytes, recipient: Recipient) -> str:
        """Hand the UBL document over for ``recipient``; the access point's document id."""
        ...

    def status(self, document_id: str) -> ProviderEvent:
        """The document's latest status (see ``PROVIDER_STATUSES``)."""
        ...


class EInvoiceChannel:
    """Delivers documents as Peppol BIS Billing 3.0 UBL through an AccessPoint
    (delivery type "einvoice", ``DeliveryType.EINVOICE``).

    ``max_size`` (bytes, None for no limit) refuses a larger UBL document, in ``check``
    (before anything is booked) as in ``deliver``. A retry submits the same (archived, so
    unchanging) document to the same recipient; an access point that recognises a
    repeated submission (``SproomAccessPoint`` sends an Idempotency-Key made of the two)
    answers the document the first submission created, so the document arrives once.

    It does not deliver reminders (it has no ``deliver_reminder``, so
    ``reminder_capable`` is False for it): Peppol BIS Billing 3.0 has no reminder
    document type, and a reminder sent as an invoice would be booked by the buyer as a
    new claim. A reminder to an e-invoice customer goes by email or by hand.
    """

    def __init__(self, access_point: AccessPoint, max_size: int | None = None) -> None:
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1
        ):
            raise ConfigurationError(f"max_size must be a positive number of bytes: {max_size!r}")
        self.access_point = access_point
        self.max_size = max_size

    @property
    def delivery_type(self) -> DeliveryType:
        return DeliveryType.EINVOICE

    @property
    def recipient_kind(self) -> RecipientKind:
        return RecipientKind.PEPPOL

    def prepare(self, recipient: Recipient) -> None:
        """Ask the access point whether the recipient can receive e-invoices.

        Raises DeliveryRejected for a recipient that is not a registered Peppol
        participant, DeliveryUnavailable when the access point cannot answer now.
        """
        if recipient.kind is not RecipientKind.PEPPOL:
            raise DeliveryRejected(
                f"the e-invoice channel cannot deliver to a {recipient.kind.value} recipient"
            )
        if not self.access_point.lookup(recipient):
            raise DeliveryRejected(
                f"{recipient.display()} ({recipient.name}) is not registered to receive e-invoices"
            )

    def check(self, message: OutgoingDocument) -> None:
        """What ``deliver`` checks before it submits, without the network: the recipient
        kind, the UBL made, its size within ``max_size``. Raises DeliveryRejected."""
        self._document(message)

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Submit the document's UBL; the Receipt's reference is the access point's id.

        Raises DeliveryRejected (the document or recipient is refused, the UBL cannot be
        made or is too large) or DeliveryUnavailable (the access point cannot be reached
        now).
        """
        ubl = self._document(message)
        return Receipt(provider_reference=self.access_point.submit(ubl, message.recipient))

    def _document(self, message: OutgoingDocument) -> bytes:
        recipient = message.recipient
        if recipient.kind is not RecipientKind.PEPPOL:
            raise DeliveryRejected(
                f"the e-invoice channel cannot deliver to a {recipient.kind.value} recipient"
            )
        try:
            ubl = message.ubl()
        except FakturaError as err:
            raise DeliveryRejected(f"the e-invoice cannot be made: {err.message}") from err
        if self.max_size is not None and len(ubl) > self.max_size:
            raise DeliveryRejected(
                f"the e-invoice is {len(ubl)} bytes, more than max_size {self.max_size} "
                "bytes allows"
            )
        return ubl
