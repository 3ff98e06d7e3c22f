"""The invoice endpoints' bodies beyond ``faktura.wire``: the draft edit, a payment, a
credit note, and the list page with its exactness flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from faktura import wire
from faktura.commands import (
    DraftChanges,
)
from faktura.http.schemas.common import (
    _TOTAL_IS_EXACT,
    _each_optional,
    _present,
)

UpdateDraftRequest: type[Any] = _each_optional(
    wire.CreateDraftRequest,
    "UpdateDraftRequest",
    """The body of "Edit a draft": the create-draft fields, each optional; a field left
    out keeps its value, ``null`` clears an optional one (``dueDate: null`` derives the
    due date from the terms again).""",
    __name__,
)


@attrs.frozen
class PaymentRequest:
    """The body of "Record a payment": the amount (decimal string, in the invoice's
    currency), when it was paid (default today) and the payer's reference."""

    amount: Decimal
    paid_on: dt.date | None = None
    reference: str | None = None


@attrs.frozen
class CreditLineRequest:
    """Credit part of one invoice line: its index on the invoice and the quantity."""

    line_index: int = attrs.field(metadata={"minimum": 0})
    quantity: Decimal = attrs.field()


@attrs.frozen
class CreateCreditNoteRequest:
    """The body of "Create a credit note": the booked invoice to credit, the lines to
    credit (all of what is left when omitted), the credit note's date (default
    today) and why it is made (``reason``, up to 500 characters, printed on it)."""

    invoice_id: str
    lines: list[CreditLineRequest] | None = None
    date: dt.date | None = None
    reason: str | None = None


@attrs.frozen
class InvoicePage(wire.InvoicePage):
    """A page of "List invoices" (``faktura.wire.InvoicePage``) with ``totalIsExact``.

    The wire module writes the page (``page_to_wire``); the handler adds the flag of
    ``faktura.ports.ListResult``.
    """

    total_is_exact: bool = attrs.field(default=True, metadata=_TOTAL_IS_EXACT)


def draft_changes(data: Mapping[str, Any], request: attrs.AttrsInstance) -> DraftChanges:
    """The ``Billing.update_draft`` command of an edit body (an ``UpdateDraftRequest``):
    the fields it names."""
    return DraftChanges(**_present(data, request))
