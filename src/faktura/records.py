"""What a document records beside its content: its audit events, the payments received
against it, and the credit notes registered against an invoice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

import attrs

from faktura.checks import check_date, check_id, check_text, check_timestamp, normalize
from faktura.errors import ValidationError
from faktura.money import parse_decimal

__all__ = ["CreditRecord", "InvoiceEvent", "Payment"]


@attrs.frozen
class InvoiceEvent:
    """One entry of a document's audit trail: what happened, when, and its details."""

    invoice_id: str
    type: str
    at: datetime
    data: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    actor: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.invoice_id, "invoice_id")
        check_text(self.type, "type", required=True, limit=64, one_line=True)
        check_timestamp(self.at, "at")
        if not isinstance(self.data, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.data.items()
        ):
            raise ValidationError("must map text to text", field="data", rule="type")
        for key, text in self.data.items():
            check_text(key, "data", limit=200)
            check_text(text, f"data.{key}")
        if self.actor is not None:
            check_text(self.actor, "actor", required=True, limit=200, one_line=True)


@attrs.frozen
class Payment:
    """A payment received against a booked document (or a refund paid out on a credit
    note). ``id`` names it for a reversal; payments recorded before payments had ids
    have none."""

    amount: Decimal
    date: date
    recorded_at: datetime
    reference: str | None = None
    id: str | None = None

    def __attrs_post_init__(self) -> None:
        normalize(self, "amount", parse_decimal(self.amount, "amount"))
        check_date(self.date, "paid_on")
        check_timestamp(self.recorded_at, "recorded_at")
        if self.reference is not None:
            check_text(self.reference, "reference", limit=200)
        if self.id is not None:
            check_id(self.id, "payment_id")


@attrs.frozen
class CreditRecord:
    """A credit note registered against an invoice: its amount and what it credits.

    ``quantities`` holds the credited quantity per invoice line (None for text lines);
    ``includes_fixed`` says whether it credited the fixed allowances and charges.
    """

    credit_note_id: str
    amount: Decimal
    quantities: tuple[Decimal | None, ...]
    includes_fixed: bool
