"""The storage codec: domain values ↔ JSON documents, for stores that keep documents.

Different from the wire format on purpose: it keeps every field of the aggregate
(payments, credit records, versions) under its Python name, and it is versioned by the
stores' schema migrations, not by the public API.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
from cattrs.strategies import configure_tagged_union

from faktura.errors import StorageError
from faktura.invoice import DocumentKind, Invoice, InvoiceEvent, InvoiceSummary, Status
from faktura.lines import Line
from faktura.parties import Company, Customer
from faktura.terms import PaymentTerms, TermsKind

__all__ = ["dump", "dumps", "load", "loads"]

T = TypeVar("T")
#: What stores keep as documents.
Stored = Company | Customer | Invoice | InvoiceEvent | InvoiceSummary


def _make() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(v))
    conv.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
    conv.register_structure_hook(dt.datetime, lambda v, _: dt.datetime.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    configure_tagged_union(Line, conv, tag_name="type")
    conv.register_structure_hook(InvoiceSummary, _summary)
    return conv


def _summary(data: dict[str, Any], _: type) -> InvoiceSummary:
    """An InvoiceSummary from its document, by hand: a page of a list decodes a hundred
    of these, and this is four times faster than the generic structuring."""
    terms = data["payment_terms"]
    fixed = terms["fixed_date"]
    money = Decimal
    return InvoiceSummary(
        id=data["id"],
        company_id=data["company_id"],
        customer_id=data["customer_id"],
        kind=DocumentKind(data["kind"]),
        status=Status(data["status"]),
        number=data["number"],
        issue_date=dt.date.fromisoformat(data["issue_date"]),
        due_date=dt.date.fromisoformat(data["due_date"]),
        currency=data["currency"],
        subtotal=money(data["subtotal"]),
        vat=money(data["vat"]),
        amount=money(data["amount"]),
        prepaid=money(data["prepaid"]),
        rounding=money(data["rounding"]),
        payable=money(data["payable"]),
        paid=money(data["paid"]),
        payment_terms=PaymentTerms(
            TermsKind(terms["kind"]),
            terms["days"],
            terms["day"],
            terms["week_starts"],
            None if fixed is None else dt.date.fromisoformat(fixed),
        ),
        created_at=dt.datetime.fromisoformat(data["created_at"]),
        updated_at=dt.datetime.fromisoformat(data["updated_at"]),
        version=data["version"],
        reference=data["reference"],
        our_reference=data["our_reference"],
        description=data["description"],
        notes=data["notes"],
        customer_department_id=data["customer_department_id"],
        customer_contact_id=data["customer_contact_id"],
        credited_invoice_id=data["credited_invoice_id"],
        credited_invoice_number=data["credited_invoice_number"],
    )


_converter = _make()


def dump(value: Stored) -> dict[str, Any]:
    """A domain value as plain data."""
    data: dict[str, Any] = _converter.unstructure(value)
    return data


def load(data: Any, cls: type[T]) -> T:
    """A domain value from plain data; StorageError when the data is damaged."""
    try:
        return _converter.structure(data, cls)
    except Exception as exc:  # a damaged row must surface as a storage error
        raise StorageError(f"a stored {cls.__name__} cannot be read: {exc}") from exc


def dumps(value: Stored) -> str:
    """A domain value as compact JSON text."""
    return json.dumps(dump(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes, cls: type[T]) -> T:
    """A domain value from JSON text; StorageError when the text is damaged."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StorageError(f"a stored {cls.__name__} is not valid JSON") from exc
    return load(data, cls)
