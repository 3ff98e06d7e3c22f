"""A document as lists show it (``InvoiceSummary``): its header and amounts, no lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from faktura.status import DocumentKind, Status
from faktura.terms import PaymentTerms

if TYPE_CHECKING:  # faktura.invoice re-exports InvoiceSummary: imported the other way round
    from faktura.invoice import Invoice

__all__ = ["InvoiceSummary"]


@attrs.frozen
class InvoiceSummary:
    """A document as lists show it: everything but lines, with its amounts worked out.

    Stores keep one beside each document, so a page of a list is read without decoding
    and recomputing every line. Amounts are positive, also for credit notes.
    """

    id: str
    company_id: str
    customer_id: str
    kind: DocumentKind
    status: Status
    number: str | None
    issue_date: date
    due_date: date
    currency: str
    subtotal: Decimal
    vat: Decimal
    amount: Decimal
    prepaid: Decimal
    rounding: Decimal
    payable: Decimal
    paid: Decimal
    payment_terms: PaymentTerms
    created_at: datetime
    updated_at: datetime
    version: int
    reference: str | None = None
    our_reference: str | None = None
    description: str | None = None
    notes: str | None = None
    customer_department_id: str | None = None
    customer_contact_id: str | None = None
    credited_invoice_id: str | None = None
    credited_invoice_number: str | None = None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceSummary:
        """The summary of ``invoice`` (from its ``amounts``: no line is read)."""
        totals = invoice.amounts
        return cls(
            id=invoice.id,
            company_id=invoice.company_id,
            customer_id=invoice.customer_id,
            kind=invoice.kind,
            status=invoice.status,
            number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            subtotal=totals.subtotal,
            vat=totals.vat,
            amount=totals.amount,
            prepaid=totals.prepaid,
            rounding=totals.rounding,
            payable=totals.payable,
            paid=invoice.paid_amount.quantize(totals.currency.exponent),
            payment_terms=invoice.payment_terms,
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
            version=invoice.version,
            reference=invoice.reference,
            our_reference=invoice.our_reference,
            description=invoice.description,
            notes=invoice.notes,
            customer_department_id=invoice.customer_department_id,
            customer_contact_id=invoice.customer_contact_id,
            credited_invoice_id=invoice.credited_invoice_id,
            credited_invoice_number=invoice.credited_invoice_number,
        )
