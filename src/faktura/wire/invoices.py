"""The invoice endpoints' wire classes, and how they map to the domain: the create-draft
body to a ``NewDraft`` command, an invoice to its response and list item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from faktura.commands import AllowanceChargeInput, LineInput, NewDraft
from faktura.deliver_to import DeliverTo
from faktura.errors import WireFormatError
from faktura.exchange import AccountingVat
from faktura.fields import describe, wire_names
from faktura.invoice import Invoice
from faktura.lines import Line, LineType, ProductLine
from faktura.money import ZERO
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.status import DocumentKind, Status
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatCategory
from faktura.wire.converter import _MAX_ID, converter, structure

__all__ = [
    "PAGE_DESCRIPTIONS",
    "CreateDraftRequest",
    "InvoiceListItem",
    "InvoicePage",
    "InvoiceResponse",
    "LineWire",
    "VatAccountingWire",
    "VatBreakdownWire",
    "draft_command",
    "invoice_to_wire",
    "line_input_of",
    "list_item_to_wire",
    "new_draft",
    "page_to_wire",
    "parse_create_draft",
    "response_of",
]

# -- wire classes ----------------------------------------------------------------------

#: The reference API's descriptions of a page's counts (every list answers with them).
PAGE_DESCRIPTIONS = {
    "total": "Total items matching the query",
    "page": "Current page (1-indexed)",
    "limit": "Items per page",
    "total_pages": "Total pages",
}


@attrs.frozen
class LineWire(LineInput):
    """A line in a response: the request's fields plus the line net, ``amount``."""

    amount: Decimal | None = None


DELIVER_TO_METADATA = {
    "description": "Where the goods go or the service is done (EN 16931 BG-13): the "
    "deliver-to party's name, the place's identifier and scheme, and its address; at least "
    "one of them"
}

REFERENCES_METADATA = {
    "description": "The order, sales order, contract, project and buyer accounting "
    "references (EN 16931 BT-13, BT-14, BT-12, BT-11, BT-19), each optional"
}


@attrs.frozen
class CreateDraftRequest:
    """The body of "Create a draft invoice" (the reference API's fields first, then extensions).

    The fields carry the domain's names (``NewDraft``'s); the reference API's own names
    are their wire names. ``clearable=False`` marks a field an edit may leave out but
    not set to null (``faktura.http.schemas.UpdateDraftRequest`` is derived from this
    class: its fields, each optional).
    """

    customer_id: str = attrs.field(
        metadata=describe(
            "Customer ID this invoice is for. Required: every invoice must reference a customer."
        )
    )
    issue_date: dt.date | None = attrs.field(
        default=None,
        metadata=describe("Invoice date (ISO date, YYYY-MM-DD)", wire="date", clearable=False),
    )
    lines: list[LineInput] = attrs.field(factory=list, metadata=describe("Invoice lines"))
    customer_department_id: str | None = attrs.field(
        default=None,
        metadata=describe(
            "Customer department ID (for EAN-based e-invoicing and address override)"
        ),
    )
    customer_contact_id: str | None = attrs.field(
        default=None, metadata=describe("Customer contact ID (invoice recipient)")
    )
    due_date: dt.date | None = attrs.field(
        default=None,
        metadata=describe(
            "Due date for payment (ISO date). Derived from payment terms when omitted."
        ),
    )
    currency: str | None = attrs.field(
        default=None,
        metadata=describe(
            "Currency code (ISO 4217). Defaults to the company default currency.", clearable=False
        ),
    )
    payment_terms: int | None = attrs.field(
        default=None, metadata=describe("Payment terms in days", clearable=False)
    )
    reference: str | None = attrs.field(
        default=None, metadata=describe('Reference / PO number ("PO-nr.")')
    )
    our_reference: str | None = attrs.field(
        default=None, metadata=describe('Our reference ("Vores ref.")')
    )
    description: str | None = attrs.field(
        default=None, metadata=describe("Optional description of the invoice")
    )
    notes: str | None = attrs.field(default=None, metadata=describe("Additional notes or comments"))
    # extensions
    references: DocumentReferences | None = attrs.field(default=None, metadata=REFERENCES_METADATA)
    allowance_charges: list[AllowanceChargeInput] = attrs.Factory(list)
    prices_include_vat: bool = False
    prepaid_amount: Decimal | None = attrs.field(default=None, metadata=describe(clearable=False))
    cash_increment: Decimal | None = attrs.field(
        default=None, metadata=describe(wire="cashRounding")
    )
    vat_exemption_reason: str | None = None
    delivery_date: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    deliver_to: DeliverTo | None = attrs.field(default=None, metadata=DELIVER_TO_METADATA)


@attrs.frozen
class VatBreakdownWire:
    """One VAT group of a response (extension)."""

    category: VatCategory
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    exemption_reason: str | None = None
    exemption_code: str | None = None


@attrs.frozen
class VatAccountingWire:
    """The VAT in the seller's VAT accounting currency (extension): a foreign-currency
    invoice of a seller who accounts for VAT in another currency (a Danish seller's EUR
    invoice states its VAT in DKK), with the exchange rate used and its date."""

    currency: str = attrs.field(
        metadata={"description": "The VAT accounting currency (ISO 4217), e.g. DKK"}
    )
    exchange_rate: Decimal = attrs.field(
        metadata={"description": "Units of currency per unit of the invoice's currency"}
    )
    exchange_rate_date: dt.date = attrs.field(
        metadata={"description": "The day the exchange rate is for (ISO date)"}
    )
    vat: Decimal = attrs.field(
        metadata={
            "description": "The VAT total in currency (decimal string; negative on a "
            "credit note, like vat)"
        }
    )


@attrs.frozen
class InvoiceListItem:
    """An invoice in a list: the response without its lines."""

    id: str = attrs.field(metadata=describe("Invoice ID"))
    status: Status = attrs.field(metadata=describe("Invoice status"))
    issue_date: dt.date = attrs.field(metadata=describe("Invoice date (ISO date)", wire="date"))
    currency: str = attrs.field(metadata=describe("Currency code (ISO 4217)"))
    subtotal: Decimal = attrs.field(metadata=describe("Subtotal before VAT (decimal string)"))
    vat: Decimal = attrs.field(metadata=describe("VAT amount (decimal string)"))
    amount: Decimal = attrs.field(metadata=describe("Total amount including VAT (decimal string)"))
    created_at: dt.datetime = attrs.field(metadata=describe("Creation timestamp (ISO)"))
    updated_at: dt.datetime = attrs.field(metadata=describe("Last update timestamp (ISO)"))
    number: str | None = attrs.field(
        metadata=describe(
            "Invoice number. Null while the invoice is still a draft (allocated at booking)."
        )
    )
    due_date: dt.date = attrs.field(metadata=describe("Due date (ISO date)"))
    customer_id: str = attrs.field(metadata=describe("Customer ID"))
    reference: str | None = attrs.field(metadata=describe("Reference / PO number"))
    our_reference: str | None = attrs.field(metadata=describe('Our reference ("Vores ref.")'))
    notes: str | None = attrs.field(metadata=describe("Additional notes"))
    # extensions
    kind: DocumentKind
    description: str | None
    customer_department_id: str | None
    customer_contact_id: str | None
    payment_terms: int | None
    prepaid_amount: Decimal
    rounding_amount: Decimal
    payable_amount: Decimal
    paid_amount: Decimal
    credited_invoice_id: str | None
    credited_invoice_number: str | None


@attrs.frozen
class InvoiceResponse(InvoiceListItem):
    """An invoice as the API answers it: the list item plus lines and breakdowns."""

    lines: list[LineWire] = attrs.field(factory=list, metadata=describe("Invoice lines"))
    allowance_charges: list[AllowanceChargeInput] = attrs.Factory(list)
    prices_include_vat: bool = False
    vat_breakdown: list[VatBreakdownWire] = attrs.Factory(list)
    vat_exemption_reason: str | None = None
    references: DocumentReferences = attrs.field(
        default=NO_REFERENCES, metadata=REFERENCES_METADATA
    )
    delivery_date: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    credited_invoice_date: dt.date | None = None
    credit_reason: str | None = None
    deliver_to: DeliverTo | None = attrs.field(default=None, metadata=DELIVER_TO_METADATA)
    vat_accounting: VatAccountingWire | None = attrs.field(
        default=None,
        metadata={
            "description": "The VAT in the seller's VAT accounting currency with the "
            "exchange rate used; null when the invoice needs none"
        },
    )


@attrs.frozen
class InvoicePage:
    """A page of "List invoices": items, total, page, limit, totalPages."""

    items: list[InvoiceListItem] = attrs.field(
        metadata=describe("Items on this page (invoices without their lines; GET one for lines)")
    )
    total: int = attrs.field(metadata=describe(PAGE_DESCRIPTIONS["total"]))
    page: int = attrs.field(metadata=describe(PAGE_DESCRIPTIONS["page"]))
    limit: int = attrs.field(metadata=describe(PAGE_DESCRIPTIONS["limit"]))
    total_pages: int = attrs.field(metadata=describe(PAGE_DESCRIPTIONS["total_pages"]))


# -- requests → domain -----------------------------------------------------------------


def parse_create_draft(data: object) -> CreateDraftRequest:
    """The create-draft body, checked for shape and types (domain rules come later)."""
    request = structure(data, CreateDraftRequest)
    if len(request.customer_id) > _MAX_ID or not request.customer_id.strip():
        raise WireFormatError("must be a customer id", field="customerId", rule="id")
    return request


def new_draft(data: object) -> NewDraft:
    """The ``Billing.create_draft`` command of a create-draft body (the reference API's
    JSON): ``parse_create_draft``, with the domain's names.

    >>> draft = new_draft({"customerId": "c1", "date": "2026-11-25", "cashRounding": "0.50"})
    >>> draft.issue_date, draft.cash_increment
    (datetime.date(2026, 11, 25), Decimal('0.50'))
    """
    return draft_command(parse_create_draft(data))


def draft_command(request: CreateDraftRequest) -> NewDraft:
    """The ``Billing.create_draft`` command of a parsed create-draft body: the fields the
    body gives, by their domain names (a field left out or null takes the default)."""
    given = {
        name: value
        for name in wire_names(CreateDraftRequest)
        if (value := getattr(request, name)) is not None
    }
    return NewDraft(**given)


# -- domain → responses ----------------------------------------------------------------


def _neg(value: Decimal, negate: bool) -> Decimal:
    return value.copy_negate() if negate and value else value


def _terms_days(terms: PaymentTerms) -> int | None:
    return terms.days if terms.kind is TermsKind.NET else None


def _line_wire(line: Line, net: Decimal | None, negate: bool) -> LineWire:
    if isinstance(line, ProductLine):
        assert net is not None  # product lines always have amounts
        return LineWire(
            description=line.description,
            line_type=LineType.PRODUCT,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            product_number=line.product_number,
            note=line.note,
            period_start=line.period_start,
            period_end=line.period_end,
            buyer_item_id=line.item.buyer_id,
            standard_item_id=line.item.standard_id,
            standard_item_scheme=line.item.standard_scheme,
            classifications=list(line.item.classifications),
            origin_country=line.item.origin_country,
            attributes=list(line.item.attributes),
            amount=_neg(net, negate),
        )
    return LineWire(description=line.description, line_type=line.line_type)


def line_input_of(line: Line) -> LineInput:
    """A domain line as a request gives it (a ``LineInput``, the VAT spelled out): the
    lines of a schedule as its answer shows them."""
    wire = _line_wire(line, ZERO if isinstance(line, ProductLine) else None, False)
    return LineInput(**{name: getattr(wire, name) for name in wire_names(LineInput)})


def _list_fields(summary: InvoiceSummary) -> dict[str, Any]:
    negate = summary.kind is DocumentKind.CREDIT_NOTE
    return {
        "id": summary.id,
        "status": summary.status,
        "issue_date": summary.issue_date,
        "currency": summary.currency,
        "subtotal": _neg(summary.subtotal, negate),
        "vat": _neg(summary.vat, negate),
        "amount": _neg(summary.amount, negate),
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
        "number": summary.number,
        "due_date": summary.due_date,
        "customer_id": summary.customer_id,
        "reference": summary.reference,
        "our_reference": summary.our_reference,
        "notes": summary.notes,
        "kind": summary.kind,
        "description": summary.description,
        "customer_department_id": summary.customer_department_id,
        "customer_contact_id": summary.customer_contact_id,
        "payment_terms": _terms_days(summary.payment_terms),
        "prepaid_amount": _neg(summary.prepaid, negate),
        "rounding_amount": _neg(summary.rounding, negate),
        "payable_amount": _neg(summary.payable, negate),
        "paid_amount": _neg(summary.paid, negate),
        "credited_invoice_id": summary.credited_invoice_id,
        "credited_invoice_number": summary.credited_invoice_number,
    }


def _summary(document: Invoice | InvoiceSummary) -> InvoiceSummary:
    return document if isinstance(document, InvoiceSummary) else InvoiceSummary.of(document)


_unstructure_list_item = converter.get_unstructure_hook(InvoiceListItem)
_unstructure_response = converter.get_unstructure_hook(InvoiceResponse)


def list_item_to_wire(document: Invoice | InvoiceSummary) -> dict[str, Any]:
    """A document (or its summary) as a list item of "List invoices" (no lines)."""
    item: dict[str, Any] = _unstructure_list_item(
        InvoiceListItem(**_list_fields(_summary(document)))
    )
    return item


def response_of(invoice: Invoice) -> InvoiceResponse:
    """The wire value of an invoice (amounts of credit notes negative, as in the reference API)."""
    totals = invoice.totals
    negate = invoice.kind is DocumentKind.CREDIT_NOTE
    return InvoiceResponse(
        **_list_fields(InvoiceSummary.of(invoice)),
        lines=[
            _line_wire(line, None if amounts is None else amounts.net, negate)
            for line, amounts in zip(invoice.lines, totals.lines, strict=True)
        ],
        allowance_charges=[
            AllowanceChargeInput(
                type=item.kind,
                reason=item.reason or None,
                amount=_neg(amount, negate),
                percent=item.percent,
                base=item.base,
                vat_category=item.vat_category,
                vat_rate=item.vat_rate,
                reason_code=item.reason_code,
            )
            for item, amount in zip(
                invoice.allowance_charges, totals.allowance_charges, strict=True
            )
        ],
        prices_include_vat=invoice.prices_include_vat,
        vat_breakdown=[
            VatBreakdownWire(
                category=group.category,
                rate=group.rate,
                taxable_amount=_neg(group.taxable, negate),
                vat_amount=_neg(group.vat, negate),
                exemption_reason=group.exemption.reason if group.exemption else None,
                exemption_code=group.exemption.code if group.exemption else None,
            )
            for group in totals.vat_breakdown
        ],
        vat_exemption_reason=invoice.vat_exemption_reason,
        references=invoice.references,
        delivery_date=invoice.delivery_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        credited_invoice_date=invoice.credited_invoice_date,
        credit_reason=invoice.credit_reason,
        deliver_to=invoice.deliver_to,
        vat_accounting=_vat_accounting_wire(invoice.vat_accounting, negate),
    )


def _vat_accounting_wire(value: AccountingVat | None, negate: bool) -> VatAccountingWire | None:
    if value is None:
        return None
    return VatAccountingWire(value.currency, value.rate, value.rate_date, _neg(value.vat, negate))


def invoice_to_wire(invoice: Invoice) -> dict[str, Any]:
    """An invoice as "Get an invoice by ID" answers it (JSON-ready dict)."""
    response: dict[str, Any] = _unstructure_response(response_of(invoice))
    return response


def page_to_wire(
    items: Sequence[Invoice | InvoiceSummary], total: int, page: int, limit: int
) -> dict[str, Any]:
    """A page of "List invoices"."""
    return {
        "items": [list_item_to_wire(item) for item in items],
        "total": total,
        "page": page,
        "limit": limit,
        "totalPages": (total + limit - 1) // limit if limit else 0,
    }
