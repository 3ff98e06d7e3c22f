"""ManualChannel: a document or a reminder delivered by hand (printed, handed over),
recorded as done.

>>> from faktura.delivery.recipients import manual_recipient
>>> from faktura.parties import Customer
>>> channel = ManualChannel()
>>> channel.prepare(manual_recipient(Customer(id="c1", company_id="k1", name="Fjord")))
>>> channel.delivery_type.value, channel.recipient_kind.value
('manual', 'none')
"""

from __future__ import annotations

from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    OutgoingReminder,
    Receipt,
    Recipient,
    RecipientKind,
)

__all__ = ["ManualChannel"]


class ManualChannel:
    """Delivery by hand: nothing to check, nothing to send, no provider reference."""

    @property
    def delivery_type(self) -> DeliveryType:
        return DeliveryType.MANUAL

    @property
    def recipient_kind(self) -> RecipientKind:
        return RecipientKind.NONE

    def prepare(self, recipient: Recipient) -> None:
        """Nothing to check: whoever hands the document over knows the recipient."""

    def check(self, message: OutgoingDocument) -> None:
        """Nothing ``deliver`` could refuse: a delivery by hand refuses nothing."""

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Record the document as delivered by hand: a Receipt without a reference.
        Nothing goes over a wire, so nothing can arrive twice: a repeated or recovered
        send records the hand-over again, it does not hand over a second copy."""
        return Receipt(provider_reference=None)

    def check_reminder(self, message: OutgoingReminder) -> None:
        """Nothing ``deliver_reminder`` could refuse."""

    def deliver_reminder(self, message: OutgoingReminder) -> Receipt:
        """Record the reminder as handed over (or printed and posted by the sender): a
        Receipt without a reference, as for a document."""
        return Receipt(provider_reference=None)
