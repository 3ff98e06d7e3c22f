"""Delivery: the DeliveryChannel port, recipients, and the per-attempt delivery log.

The channels themselves (``faktura.delivery.email``, ``.einvoice``, ``.manual``) and the
Sproom access point client (``.sproom``) import their transports (smtplib, httpx) only
when used; importing ``faktura.delivery`` stays free of I/O. Delivery types are open
keys (``DeliveryType``): a host's own channels register under keys of their own.
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
