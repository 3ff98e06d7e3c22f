"""Delivery: the DeliveryChannel port, recipients, and the per-attempt delivery log.

The channels themselves (``faktura.delivery.email``, ``.sproom``, ``.manual``) import
their transports (smtplib, httpx) only when used; importing ``faktura.delivery`` stays
free of I/O.
"""

from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryType,
    OutgoingDocument,
    ProviderEvent,
    Receipt,
    Recipient,
    RecipientKind,
)

__all__ = [
    "DeliveryChannel",
    "DeliveryType",
    "OutgoingDocument",
    "ProviderEvent",
    "Receipt",
    "Recipient",
    "RecipientKind",
]
