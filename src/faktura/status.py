"""A document's kind and status, and the sets of statuses its transitions allow.

``faktura.invoice.Invoice`` moves a document through these statuses (its module
docstring draws the transitions); stores and lists read the sets here.
"""

from __future__ import annotations

import enum

__all__ = [
    "BOOKED_STATUSES",
    "CREDITABLE_STATUSES",
    "EDITABLE_STATUSES",
    "PAYABLE_STATUSES",
    "DocumentKind",
    "Status",
]


class DocumentKind(enum.StrEnum):
    """What a document is: an invoice or a credit note crediting an invoice."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Status(enum.StrEnum):
    """The reference API's statuses; ``overdue`` is a derived filter, not a status."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    CANCELLED = "cancelled"
    UNCOLLECTIBLE = "uncollectible"
    CREDITED = "credited"


EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.SCHEDULED})
BOOKED_STATUSES = frozenset(
    {
        Status.SENDING,
        Status.SENT,
        Status.PAID,
        Status.PARTIALLY_PAID,
        Status.UNCOLLECTIBLE,
        Status.CREDITED,
    }
)
#: The statuses of a booked document that may still be owed: payments are recorded, and a
#: document is written off, in these only. An owed document (``Invoice.is_owed``) is in
#: one of them; the SQL stores read an overdue list as one index range per status here.
PAYABLE_STATUSES = (Status.SENDING, Status.SENT, Status.PARTIALLY_PAID)
#: The statuses of an invoice that may be credited: booked, not fully credited yet.
CREDITABLE_STATUSES = BOOKED_STATUSES - {Status.CREDITED}
