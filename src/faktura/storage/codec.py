"""The storage codec: domain values ↔ JSON documents, for stores that keep documents.

Different from the wire format on purpose: it keeps every field of the aggregate
(payments, credit records, versions) under its Python name, and it is versioned by the
stores' schema migrations, not by the public API.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.strategies import configure_tagged_union

from faktura.apikeys import ApiKey, Scope
from faktura.attachments import SupportingDocument
from faktura.deliver_to import DeliverTo
from faktura.delivery.log import DeliveryAttempt
from faktura.errors import StorageError
from faktura.exchange import AccountingVat
from faktura.invoice import Invoice
from faktura.issued import IssuedParties
from faktura.items import NO_ITEM_DETAILS, ItemAttribute, ItemClassification, ItemDetails
from faktura.lines import (
    AllowanceCharge,
    Line,
    LineFacts,
    ProductLine,
    SeparatorLine,
    StoredLines,
    TextLine,
)
from faktura.money import Currency
from faktura.parties import Company, Customer
from faktura.records import CreditRecord, InvoiceEvent, Payment
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.status import DocumentKind, Status
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms, TermsKind
from faktura.totals import AmountRule, DocumentTotals, VatGroup
from faktura.vat import VatCategory, VatExemption

__all__ = [
    "dump",
    "dumps",
    "dumps_header",
    "dumps_lines",
    "load",
    "load_summaries",
    "loads",
    "loads_invoice",
]

T = TypeVar("T")
#: What stores keep as documents.
Stored = Company | Customer | Invoice | InvoiceEvent | InvoiceSummary | DeliveryAttempt | ApiKey


# Invoice names IssuedParties for type checkers only (the core modules import each other
# the other way round); cattrs needs the name resolved to unstructure the field.
attrs.resolve_types(Invoice, localns={"IssuedParties": IssuedParties})


def _make() -> tuple[cattrs.Converter, Callable[[Invoice], dict[str, Any]]]:
    """The converter, and the function that unstructures an invoice's header."""
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(v))
    conv.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
    conv.register_structure_hook(dt.datetime, lambda v, _: dt.datetime.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    # bytes (a company's logo) as base64 text: JSON has no bytes
    conv.register_unstructure_hook(bytes, lambda v: base64.b64encode(v).decode("ascii"))
    conv.register_structure_hook(bytes, _bytes)
    # Stored values were checked when they were written: the hot classes are rebuilt
    # without running their checks again (ten lines cost a third of a booking's CPU).
    conv.register_structure_hook(ProductLine, _product_line)
    conv.register_structure_hook(TextLine, lambda d, _: _rebuilt(TextLine, d))
    conv.register_structure_hook(SeparatorLine, lambda d, _: _rebuilt(SeparatorLine, d))
    conv.register_structure_hook(AllowanceCharge, _allowance_charge)
    conv.register_unstructure_hook(ProductLine, _dump_product_line)
    configure_tagged_union(Line, conv, tag_name="type")
    conv.register_structure_hook(InvoiceSummary, _summary)
    conv.register_structure_hook(Invoice, _invoice)
    # A booked document's snapshot is stored as JSON text inside the document: a company
    # books many documents with the same parties, so the text is made once per snapshot,
    # and reading a document parses a string and finds the decoded snapshot by it.
    plain = conv.get_unstructure_hook(IssuedParties)
    conv.register_unstructure_hook(
        IssuedParties, functools.lru_cache(maxsize=256)(lambda value: _encode(plain(value)))
    )
    # a document's references are mostly none: stored as null then
    plain_references = conv.get_unstructure_hook(DocumentReferences)
    conv.register_unstructure_hook(
        DocumentReferences, lambda value: plain_references(value) if value else None
    )
    conv.register_unstructure_hook_factory(lambda t: t == frozenset[Scope], lambda _: sorted)
    conv.register_structure_hook_func(
        lambda t: t == frozenset[Scope], lambda v, _: frozenset(Scope(s) for s in v)
    )
    # An invoice's lines are read through ``Invoice.lines`` (they may be StoredLines):
    # last, so that the generated function uses the hooks above.
    header = make_dict_unstructure_fn(Invoice, conv, _lines=override(omit=True))
    lines = conv.get_unstructure_hook(tuple[Line, ...])

    def unstructure_invoice(invoice: Invoice) -> dict[str, Any]:
        data = header(invoice)
        data["lines"] = lines(invoice.lines)
        return data

    conv.register_unstructure_hook(Invoice, unstructure_invoice)
    return conv, header


def _bytes(value: object, _: type) -> bytes:
    if not isinstance(value, str):
        raise TypeError("stored bytes must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"stored bytes are not valid base64: {exc}") from exc


_LINES: dict[str, Callable[[dict[str, Any]], Line]] = {
    "ProductLine": lambda d: _product_line(d, ProductLine),
    "TextLine": lambda d: _rebuilt(TextLine, {"description": d["description"]}),
    "SeparatorLine": lambda d: _rebuilt(SeparatorLine, {"description": d["description"]}),
}


def _date_or_none(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _time_or_none(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _terms(data: dict[str, Any]) -> PaymentTerms:
    return _stored_terms(
        data["kind"], data["days"], data["day"], data["week_starts"], data["fixed_date"]
    )


def _invoice(
    data: dict[str, Any], _: type, lines: tuple[Line, ...] | StoredLines | None = None
) -> Invoice:
    """An Invoice from its document, by hand and without re-checking: every booking and
    every read decodes one, and this is three times faster than generic structuring.

    ``lines`` are the lines when the document is a header (``dumps_header``), else they
    are in ``data``. The derived values a header keeps are set as they were worked out,
    not worked out again."""
    invoice = _rebuilt(
        Invoice,
        {
            "id": data["id"],
            "company_id": data["company_id"],
            "customer_id": data["customer_id"],
            "kind": DocumentKind(data["kind"]),
            "status": Status(data["status"]),
            "currency": data["currency"],
            "issue_date": dt.date.fromisoformat(data["issue_date"]),
            "due_date": dt.date.fromisoformat(data["due_date"]),
            "payment_terms": _terms(data["payment_terms"]),
            "created_at": dt.datetime.fromisoformat(data["created_at"]),
            "updated_at": dt.datetime.fromisoformat(data["updated_at"]),
            "_lines": _line_tuple(data["lines"]) if lines is None else lines,
            "allowance_charges": tuple(
                _allowance_charge(item, AllowanceCharge) for item in data["allowance_charges"]
            ),
            "due_date_derived": data["due_date_derived"],
            "prices_include_vat": data["prices_include_vat"],
            "prepaid_amount": Decimal(data["prepaid_amount"]),
            "cash_increment": _decimal_or_none(data["cash_increment"]),
            "vat_exemption_reason": data["vat_exemption_reason"],
            "customer_department_id": data["customer_department_id"],
            "customer_contact_id": data["customer_contact_id"],
            "reference": data["reference"],
            "our_reference": data["our_reference"],
            # documents stored before references were kept have none
            "references": _references(data.get("references")),
            "description": data["description"],
            "notes": data["notes"],
            # documents stored before delivery dates and periods were kept have none
            "delivery_date": _date_or_none(data.get("delivery_date")),
            "period_start": _date_or_none(data.get("period_start")),
            "period_end": _date_or_none(data.get("period_end")),
            # documents stored before deliver-to was kept have none
            "deliver_to": _deliver_to(data.get("deliver_to")),
            # documents stored before supporting documents were kept have none
            "attachments": _supporting(data.get("attachments")),
            "number": data["number"],
            "booked_at": _time_or_none(data["booked_at"]),
            "scheduled_for": _time_or_none(data["scheduled_for"]),
            "delivered_at": _time_or_none(data["delivered_at"]),
            "uncollectible_at": _time_or_none(data["uncollectible_at"]),
            "credited_invoice_id": data["credited_invoice_id"],
            "credited_invoice_number": data["credited_invoice_number"],
            # credit notes stored before the credited date and a reason were kept have none
            "credited_invoice_date": _date_or_none(data.get("credited_invoice_date")),
            "credit_reason": data.get("credit_reason"),
            "credits": tuple(
                CreditRecord(
                    c["credit_note_id"],
                    Decimal(c["amount"]),
                    tuple(_decimal_or_none(q) for q in c["quantities"]),
                    c["includes_fixed"],
                )
                for c in data["credits"]
            ),
            "payments": tuple(
                Payment(
                    Decimal(p["amount"]),
                    dt.date.fromisoformat(p["date"]),
                    dt.datetime.fromisoformat(p["recorded_at"]),
                    p["reference"],
                )
                for p in data["payments"]
            ),
            "version": data["version"],
            # documents booked before snapshots were kept have none
            "issued": _issued(data.get("issued")),
            # documents booked before the VAT in the accounting currency was kept have none
            "vat_accounting": _accounting_vat(data.get("vat_accounting")),
            # documents stored before the rule was recorded were computed by MINOR_UNITS
            "amount_rule": _RULES[data.get("amount_rule", AmountRule.MINOR_UNITS.value)],
        },
    )
    if "amounts" in data:  # a header (documents written before headers were kept: none)
        put = object.__setattr__
        put(invoice, "amounts", _amounts(data["amounts"], data["currency"]))
        put(invoice, "line_facts", LineFacts(*data["line_facts"]))
    return invoice


def _line_tuple(data: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(_LINES[line["type"]](line) for line in data)


def _dump_amounts(amounts: DocumentTotals) -> list[Any]:
    """A header's amounts as a list in field order (the currency is the document's)."""
    return [
        [str(amount) for amount in amounts.allowance_charges],
        [
            [
                group.category.value,
                str(group.rate),
                str(group.taxable),
                str(group.vat),
                None if group.exemption is None else [group.exemption.reason, group.exemption.code],
            ]
            for group in amounts.vat_breakdown
        ],
        *(str(amount) for amount in amounts[3:]),
    ]


def _amounts(data: list[Any], currency: str) -> DocumentTotals:
    allowance_charges, groups, *sums = data
    return DocumentTotals(
        Currency.of(currency),
        tuple(Decimal(amount) for amount in allowance_charges),
        tuple(
            VatGroup(
                _CATEGORIES[category],
                Decimal(rate),
                Decimal(taxable),
                Decimal(vat),
                None if exemption is None else VatExemption(*exemption),
            )
            for category, rate, taxable, vat, exemption in groups
        ),
        *(Decimal(amount) for amount in sums),
    )


def _accounting_vat(data: dict[str, Any] | None) -> AccountingVat | None:
    if data is None:
        return None
    return AccountingVat(
        data["currency"],
        Decimal(data["rate"]),
        dt.date.fromisoformat(data["rate_date"]),
        Decimal(data["vat"]),
    )


def _deliver_to(data: dict[str, Any] | None) -> DeliverTo | None:
    return None if data is None else _converter.structure(data, DeliverTo)


def _supporting(data: list[dict[str, Any]] | None) -> tuple[SupportingDocument, ...]:
    return tuple(SupportingDocument(**item) for item in data or ())


def _references(data: dict[str, Any] | None) -> DocumentReferences:
    return NO_REFERENCES if data is None else DocumentReferences(**data)


def _issued(data: str | dict[str, Any] | None) -> IssuedParties | None:
    if data is None:
        return None
    # JSON text; a plain object in documents written before the text form
    return _issued_text(data if isinstance(data, str) else _encode(data))


@functools.lru_cache(maxsize=256)
def _issued_text(text: str) -> IssuedParties:
    # checked again when read (identifiers of the parties): cached, as a company's
    # booked documents share few snapshots and the value is frozen
    return _converter.structure(json.loads(text), IssuedParties)


def _rebuilt(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of a frozen attrs class with ``values`` set as they are: no checks.

    Only for values the domain checked before they were stored. ``values`` must name
    every field (a missing one is a KeyError: a damaged document).
    """
    value = object.__new__(cls)
    put = object.__setattr__
    for name in _field_names(cast(type, cls)):
        put(value, name, values[name])
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


_CATEGORIES = {category.value: category for category in VatCategory}
_RULES = {rule.value: rule for rule in AmountRule}


def _decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _product_line(data: dict[str, Any], _: type) -> ProductLine:
    # Field by field rather than through _rebuilt: an invoice has many lines.
    line = object.__new__(ProductLine)
    put = object.__setattr__
    put(line, "description", data["description"])
    put(line, "quantity", Decimal(data["quantity"]))
    put(line, "unit_price", Decimal(data["unit_price"]))
    put(line, "vat_category", _CATEGORIES[data["vat_category"]])
    put(line, "vat_rate", Decimal(data["vat_rate"]))
    put(line, "unit", data["unit"])
    put(line, "discount_percent", Decimal(data["discount_percent"]))
    put(line, "product_number", data["product_number"])
    # the EN 16931 line terms are stored only when given (and lines stored before them
    # have none): a line without them reads and writes as it always did
    put(line, "note", data.get("note"))
    start = data.get("period_start")
    put(line, "period_start", None if start is None else dt.date.fromisoformat(start))
    end = data.get("period_end")
    put(line, "period_end", None if end is None else dt.date.fromisoformat(end))
    item = data.get("item")
    put(line, "item", NO_ITEM_DETAILS if item is None else _item_details(item))
    return line


def _dump_product_line(line: ProductLine) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "vat_category": line.vat_category.value,
        "vat_rate": str(line.vat_rate),
        "unit": line.unit,
        "discount_percent": str(line.discount_percent),
        "product_number": line.product_number,
    }
    if line.note is not None:
        data["note"] = line.note
    if line.period_start is not None and line.period_end is not None:
        data["period_start"] = line.period_start.isoformat()
        data["period_end"] = line.period_end.isoformat()
    if line.item:
        data["item"] = _dump_item_details(line.item)
    return data


def _item_details(data: dict[str, Any]) -> ItemDetails:
    return _rebuilt(
        ItemDetails,
        {
            "buyer_id": data.get("buyer_id"),
            "standard_id": data.get("standard_id"),
            "standard_scheme": data.get("standard_scheme"),
            "classifications": tuple(
                _rebuilt(ItemClassification, {"list_version": None} | c)
                for c in data.get("classifications", ())
            ),
            "origin_country": data.get("origin_country"),
            "attributes": tuple(_rebuilt(ItemAttribute, a) for a in data.get("attributes", ())),
        },
    )


def _dump_item_details(item: ItemDetails) -> dict[str, Any]:
    """The details given (None and empty left out)."""
    data: dict[str, Any] = {
        name: value
        for name, value in (
            ("buyer_id", item.buyer_id),
            ("standard_id", item.standard_id),
            ("standard_scheme", item.standard_scheme),
            ("origin_country", item.origin_country),
        )
        if value is not None
    }
    if item.classifications:
        data["classifications"] = [
            {"code": c.code, "list_id": c.list_id}
            | ({} if c.list_version is None else {"list_version": c.list_version})
            for c in item.classifications
        ]
    if item.attributes:
        data["attributes"] = [{"name": a.name, "value": a.value} for a in item.attributes]
    return data


def _allowance_charge(data: dict[str, Any], _: type) -> AllowanceCharge:
    return _rebuilt(
        AllowanceCharge,
        {
            "charge": data["charge"],
            "reason": data["reason"],
            "vat_category": _CATEGORIES[data["vat_category"]],
            "vat_rate": Decimal(data["vat_rate"]),
            "amount": _decimal_or_none(data["amount"]),
            "percent": _decimal_or_none(data["percent"]),
            "base": _decimal_or_none(data["base"]),
            "reason_code": data["reason_code"],
        },
    )


_KINDS = {kind.value: kind for kind in DocumentKind}
_STATUSES = {status.value: status for status in Status}
_SUMMARY_FIELDS = (
    "id",
    "company_id",
    "customer_id",
    "number",
    "currency",
    "version",
    "reference",
    "our_reference",
    "description",
    "notes",
    "customer_department_id",
    "customer_contact_id",
    "credited_invoice_id",
    "credited_invoice_number",
)
_SUMMARY_AMOUNTS = ("subtotal", "vat", "amount", "prepaid", "rounding", "payable", "paid")


@functools.lru_cache(maxsize=64)
def _stored_terms(
    kind: str, days: int, day: int, week_starts: int, fixed: str | None
) -> PaymentTerms:
    # a company's documents share a handful of terms: frozen, so one value serves all
    return PaymentTerms(
        TermsKind(kind),
        days,
        day,
        week_starts,
        None if fixed is None else dt.date.fromisoformat(fixed),
    )


def _summary(data: dict[str, Any], _: type) -> InvoiceSummary:
    """An InvoiceSummary from its document, by hand and without re-checks (the values
    were checked before they were stored): a page of a list decodes up to a hundred."""
    values = {name: data[name] for name in _SUMMARY_FIELDS}
    for name in _SUMMARY_AMOUNTS:
        values[name] = Decimal(data[name])
    values["kind"] = _KINDS[data["kind"]]
    values["status"] = _STATUSES[data["status"]]
    values["issue_date"] = dt.date.fromisoformat(data["issue_date"])
    values["due_date"] = dt.date.fromisoformat(data["due_date"])
    values["created_at"] = dt.datetime.fromisoformat(data["created_at"])
    values["updated_at"] = dt.datetime.fromisoformat(data["updated_at"])
    values["payment_terms"] = _terms(data["payment_terms"])
    return _rebuilt(InvoiceSummary, values)


def load_summaries(
    texts: Iterable[str], ids: Iterable[str] | None = None
) -> tuple[InvoiceSummary, ...]:
    """Stored summaries (JSON texts) decoded; a non-retryable StorageError naming the
    first damaged one (by its invoice's id, from ``ids`` when given, in the same order).

    One damaged row fails the whole page: a list of accounting documents that silently
    left one out would be worse than no list.

    Lists are read far more often than documents change, and the first pages most of
    all; a summary is frozen, so the value decoded from the same text is handed out again
    (the last 1,024 texts, a few MB at most).
    """
    texts = texts if isinstance(texts, list | tuple) else list(texts)
    try:
        return tuple(map(_summary_text, texts))
    except _Damaged:
        pass
    keys = list(ids) if ids is not None else []
    for n, text in enumerate(texts):  # one failed: find which
        try:
            _summary_text(text)
        except _Damaged as exc:
            key = keys[n] if n < len(keys) else None
            raise unreadable(InvoiceSummary, exc.__cause__, key) from exc.__cause__
    raise unreadable(InvoiceSummary, None)  # pragma: no cover - decoding is deterministic


class _Damaged(Exception):
    """A summary text that cannot be decoded; its ``__cause__`` says why."""


@functools.lru_cache(maxsize=1024)
def _summary_text(text: str) -> InvoiceSummary:
    try:
        return _summary(json.loads(text), InvoiceSummary)
    except Exception as exc:  # a damaged row must surface as a storage error
        raise _Damaged() from exc


#: The entity a stored class is named as in errors (NotFoundError's names).
_ENTITIES: dict[type, str] = {
    Company: "company",
    Customer: "customer",
    Invoice: "invoice",
    InvoiceSummary: "invoice",
    InvoiceEvent: "invoice event",
    DeliveryAttempt: "delivery attempt",
    ApiKey: "api key",
}


def unreadable(cls: type, cause: BaseException | None, key: str | None = None) -> StorageError:
    """The error for a stored ``cls`` that cannot be decoded: not retryable (reading it
    again fails the same way), naming the row by ``key`` (its id) when known."""
    entity = _ENTITIES.get(cls, cls.__name__)
    what = f"stored {entity} {key!r}" if key is not None else f"stored {entity}"
    reason = f"{type(cause).__name__}: {cause}" if cause is not None else "damaged"
    return StorageError(
        f"a {what} cannot be read ({reason}); the row needs repair",
        retryable=False,
        entity=entity,
        entity_id=key,
    )


_converter, _header = _make()
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dump(value: Stored) -> dict[str, Any]:
    """A domain value as plain data."""
    data: dict[str, Any] = _converter.unstructure(value)
    return data


def load(data: Any, cls: type[T], key: str | None = None) -> T:
    """A domain value from plain data; a non-retryable StorageError naming the row by
    ``key`` (its id) when the data is damaged."""
    try:
        return _converter.structure(data, cls)
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(cls, exc, key) from exc


def dumps(value: Stored) -> str:
    """A domain value as compact JSON text."""
    return _encode(dump(value))


def dumps_header(invoice: Invoice) -> str:
    """An invoice's header as compact JSON text: everything but its lines, with what is
    derived from them (``Invoice.amounts``, ``Invoice.line_facts``), so that reading it
    back (``loads_invoice``) needs no line for booking, lists or the issuability rules.
    Stores keep the lines apart (``dumps_lines``)."""
    data = _header(invoice)
    data["amounts"] = _dump_amounts(invoice.amounts)
    data["line_facts"] = list(invoice.line_facts)
    return _encode(data)


def dumps_lines(invoice: Invoice) -> str:
    """An invoice's lines as compact JSON text (a list)."""
    return _encode(_converter.unstructure(invoice.lines, tuple[Line, ...]))


def loads_invoice(
    header: str | bytes | dict[str, Any], lines: str, key: str | None = None
) -> Invoice:
    """An invoice from its header and its lines' text (``dumps_header``,
    ``dumps_lines``; the header may be decoded JSON already). The lines are decoded
    when first read (``StoredLines``); a
    damaged header or lines text is a non-retryable StorageError naming ``key``."""
    try:
        data = header if isinstance(header, dict) else json.loads(header)
        return _invoice(data, Invoice, StoredLines(lines, functools.partial(_lines_text, key=key)))
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(Invoice, exc, key) from exc


def _lines_text(text: str, key: str | None = None) -> tuple[Line, ...]:
    try:
        return _line_tuple(json.loads(text))
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(Invoice, exc, key) from exc


def loads(text: str | bytes, cls: type[T], key: str | None = None) -> T:
    """A domain value from JSON text; a non-retryable StorageError naming the row by
    ``key`` (its id) when the text is damaged.

    Companies and customers are read by nearly every operation (booking snapshots both)
    and rarely change; being frozen, the value decoded from the same text can be handed
    out again.
    """
    try:
        if isinstance(text, str):
            if cls is Company:
                return cast(T, _company(text))
            if cls is Customer:
                return cast(T, _customer(text))
        return _loads(text, cls)
    except StorageError as exc:
        if key is None:
            raise
        raise unreadable(cls, exc.__cause__, key) from exc.__cause__


@functools.lru_cache(maxsize=256)
def _company(text: str) -> Company:
    return _loads(text, Company)


@functools.lru_cache(maxsize=1024)
def _customer(text: str) -> Customer:
    return _loads(text, Customer)


def _loads(text: str | bytes, cls: type[T]) -> T:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise unreadable(cls, exc) from exc
    return load(data, cls)
