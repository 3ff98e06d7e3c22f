"""The wire format: one cattrs converter for the reference API's JSON (camelCase, decimal strings).

Every field of the reference API keeps its name and meaning; faktura's extensions (document
allowances and charges, prices including VAT, prepaid amount, cash rounding, the VAT
breakdown, ...) are optional additions documented in docs/wire-format.md. Unknown
fields are refused. Any input error is a WireFormatError (a ValidationError) listing
every offending field by its wire path ("lines.0.quantity") with a rule and a message;
nothing else ever escapes from parsing.

>>> body = {"customerId": "c1", "lines": [{"description": "Hour", "quantity": "2",
...         "unitPrice": "950.00", "vatRate": "25"}]}
>>> parse_create_draft(body).lines[0].unit_price
Decimal('950.00')
>>> try:
...     parse_create_draft({"customerId": "c1", "lines": [{"quantity": 2.5}], "colour": 1})
... except WireFormatError as err:
...     print(sorted(err.fields))
['colour', 'lines.0.quantity']
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from faktura.checks import check_text
from faktura.commands import AllowanceChargeInput, LineInput, NewDraft
from faktura.deliver_to import DeliverTo
from faktura.errors import FieldError, ValidationError, WireFormatError
from faktura.exchange import AccountingVat
from faktura.fields import camel, describe, wire_names
from faktura.invoice import Invoice
from faktura.lines import Line, LineType, ProductLine
from faktura.money import parse_decimal
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.status import DocumentKind, Status
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatCategory

__all__ = [
    "PAGE_DESCRIPTIONS",
    "CreateDraftRequest",
    "InvoiceListItem",
    "InvoicePage",
    "InvoiceResponse",
    "LineWire",
    "VatAccountingWire",
    "VatBreakdownWire",
    "converter",
    "draft_command",
    "invoice_to_wire",
    "list_item_to_wire",
    "new_draft",
    "page_to_wire",
    "parse_create_draft",
    "response_of",
    "structure",
    "unstructure",
]

T = TypeVar("T")


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


# -- the converter ---------------------------------------------------------------------


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_MAX_ID = 200


def _strict_str(value: object, _: type) -> str:
    """Text is text: a string without NUL, other control characters (line breaks and tab
    aside) or lone surrogates (JSON's ``\\ud800`` escapes decode to one)."""
    if type(value) is str and value.isprintable():
        return value  # check_text's own fast path, without the call: nothing to refuse
    if not isinstance(value, str):
        raise ValidationError("must be a string", field="", rule="type")
    return check_text(value, "", limit=sys.maxsize)  # lengths are the fields' own rules


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("must be a whole number", field="", rule="type")
    return value


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false", field="", rule="type")
    return value


# The common decimal strings, that parse_decimal accepts as they are: at most 12 digits
# before the point (below 10^12) and 6 after (MAX_PLACES), ASCII digits, no blanks.
_SHORT_DECIMAL = re.compile(r"[+-]?\d{1,12}(?:\.\d{0,6})?\Z", re.ASCII)


def _decimal(value: object, _: type) -> Decimal:
    """``parse_decimal(value, "")``, with a fast path for the common decimal strings
    (the same Decimal, -0 made 0 as parse_decimal does; tests/test_wire.py checks both
    agree); everything else goes through parse_decimal and its checks."""
    if type(value) is str and _SHORT_DECIMAL.match(value):
        number = Decimal(value)
        return number if number or not number.is_signed() else number.copy_negate()
    return parse_decimal(value, "")


def _optional_decimal(value: object, _: type) -> Decimal | None:
    """``Decimal | None``: ``_decimal`` inlined (the hot field type of every line)."""
    if value is None:
        return None
    if type(value) is str and _SHORT_DECIMAL.match(value):
        number = Decimal(value)
        return number if number or not number.is_signed() else number.copy_negate()
    return parse_decimal(value, "")


def _date(value: object, _: type) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValidationError("must be an ISO date (YYYY-MM-DD)", field="", rule="date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"is not a calendar date ({exc})", field="", rule="date") from exc


def _timestamp(value: object, _: type) -> dt.datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise ValidationError(
            "must be an ISO timestamp with a time zone", field="", rule="timestamp"
        )
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(
            f"is not a valid timestamp ({exc})", field="", rule="timestamp"
        ) from exc


def _format_timestamp(value: dt.datetime) -> str:
    # "2026-11-25T09:00:00.000Z": milliseconds, UTC
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _enum_hook(enum_type: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    allowed = ", ".join(str(member.value) for member in enum_type)
    # The members by value, as Enum's own lookup starts (the exact value, hashed); a miss
    # or an unhashable value goes on to enum_type(value), which decides as it always did.
    by_value: dict[object, enum.Enum] = {member.value: member for member in enum_type}

    def structure_enum(value: object, _: type) -> enum.Enum:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            pass
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            raise ValidationError(f"must be one of: {allowed}", field="", rule="enum") from None

    return structure_enum


def _list_hook(conv: cattrs.Converter) -> Callable[[type], Callable[[object, type], list[Any]]]:
    def factory(list_type: type) -> Callable[[object, type], list[Any]]:
        (item_type,) = list_type.__args__  # type: ignore[attr-defined]
        handler = conv.get_structure_hook(item_type)
        maximum = 10_000

        def structure_list(value: object, _: type) -> list[Any]:
            if not isinstance(value, list):
                raise ValidationError("must be a list", field="", rule="type")
            if len(value) > maximum:
                raise ValidationError(f"must have at most {maximum} items", field="", rule="length")
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(handler(item, item_type))
                except Exception as exc:  # collected with its index, translated below
                    exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, item_type)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid items", errors, list_type)
            return items

        return structure_list

    return factory


def _is_optional(type_: object) -> bool:
    args = getattr(type_, "__args__", ())
    return (
        typing.get_origin(type_) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _optional_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[object, type], Any]]:
    """``X | None``: None, else X's own hook, looked up once (cattrs' own Optional hook
    dispatches on X for every value; the results and errors are the same)."""

    def factory(union: Any) -> Callable[[object, type], Any]:
        (inner,) = (arg for arg in union.__args__ if arg is not type(None))
        handler = conv.get_structure_hook(inner)
        if handler is _decimal:
            return _optional_decimal

        def structure_optional(value: object, _: type) -> Any:
            return None if value is None else handler(value, inner)

        return structure_optional

    return factory


def _mapping_guard(
    structure: Callable[[Mapping[str, Any], Any], T],
) -> Callable[[object, type], T]:
    def guarded(value: object, cls: type) -> T:
        if type(value) is not dict and not isinstance(value, Mapping):
            raise ValidationError("must be an object", field="", rule="type")
        return structure(value, cls)

    return guarded


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_unstructure_hook(Decimal, lambda d: format(d, "f"))
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.datetime, _timestamp)
    conv.register_unstructure_hook(dt.datetime, _format_timestamp)
    for enum_type in (VatCategory, LineType, Status, DocumentKind):
        conv.register_structure_hook(enum_type, _enum_hook(enum_type))
        conv.register_unstructure_hook(enum_type, lambda e: e.value)
    conv.register_structure_hook_factory(
        lambda t: getattr(t, "__origin__", None) is list, _list_hook(conv)
    )
    conv.register_structure_hook_factory(_is_optional, _optional_hook(conv))

    def structure_factory(cls: type) -> Callable[[object, type], Any]:
        renames = {name: override(rename=wire) for name, wire in wire_names(cls).items()}
        return _mapping_guard(make_dict_structure_fn(cls, conv, **renames))  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, lambda cls: _unstructure_fn(cls, conv))
    return conv


# Responses: one function per wire class, generated from its fields, that writes the JSON
# dict straight from the attributes (decimals, dates and enums formatted inline, nested
# classes by their own generated function). The wire classes are the one declaration of
# every response; nothing is written by hand beside them.

_PASS_THROUGH = (str, int, bool)


def _value_code(tp: Any, expr: str, conv: cattrs.Converter, names: dict[str, Any]) -> str:
    """Python source that turns ``expr`` (a value of type ``tp``) into JSON-ready data."""
    if _is_optional(tp):
        (inner,) = (arg for arg in tp.__args__ if arg is not type(None))
        var = f"v{len(names)}"
        names[var] = None  # reserves the name
        return f"(None if ({var} := {expr}) is None else {_value_code(inner, var, conv, names)})"
    origin = typing.get_origin(tp)
    if origin in (list, tuple, Sequence):
        (item_type, *_) = typing.get_args(tp)
        if item_type in _PASS_THROUGH:
            return f"list({expr})"
        return f"[{_value_code(item_type, 'i', conv, names)} for i in {expr}]"
    if tp in _PASS_THROUGH:
        return expr
    if tp is Decimal:
        return f'format({expr}, "f")'
    if tp is dt.date:
        return f"{expr}.isoformat()"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return f"{expr}.value"
    handler = f"h{len(names)}"
    names[handler] = conv.get_unstructure_hook(tp)
    return f"{handler}({expr})"


def _unstructure_fn(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {}
    items = [
        f"{wire!r}: {_value_code(hints[name], f'o.{name}', conv, names)}"
        for name, wire in wire_names(cls).items()
    ]
    source = f"def unstructure(o):\n    return {{{', '.join(items)}}}\n"
    namespace = {key: value for key, value in names.items() if value is not None}
    exec(compile(source, f"<unstructure {cls.__qualname__}>", "exec"), namespace)
    unstructure: Callable[[Any], dict[str, Any]] = namespace["unstructure"]
    return unstructure


#: The one converter of the wire format.
converter = _make_converter()
_unstructure_list_item = converter.get_unstructure_hook(InvoiceListItem)
_unstructure_response = converter.get_unstructure_hook(InvoiceResponse)


def _errors(exc: BaseException, path: tuple[str, ...]) -> Iterable[FieldError]:
    """Flatten a cattrs error tree into FieldErrors with wire paths."""
    here = ".".join(path)
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                step = _wire_step(exc, note.name)
            else:
                step = str(note.index) if isinstance(note, IterableValidationNote) else ""
            yield from _errors(inner, (*path, step) if step else path)
        for inner in without:
            yield from _errors(inner, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield FieldError(".".join((*path, key)), "unknown_field", "is not a known field")
    elif isinstance(exc, ValidationError):
        for error in exc.errors:
            full = ".".join(p for p in (here, error.path) if p)
            yield FieldError(full, error.rule, error.message)
    elif isinstance(exc, KeyError):
        yield FieldError(here, "required", "is required")
    else:
        yield FieldError(here, "type", "has the wrong type or shape")


def _wire_step(exc: BaseException, name: str) -> str:
    """The wire name of the attribute ``name`` of the class that failed to structure."""
    cls = getattr(exc, "cl", None)
    if cls is not None and attrs.has(cls):
        return wire_names(cls).get(name) or camel(name)
    return camel(name)


def structure(data: object, cls: type[T]) -> T:
    """``data`` (parsed JSON) as a wire class; WireFormatError listing every bad field."""
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ValidationError) as exc:
        raise WireFormatError._from_errors(_errors(exc, ())) from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise WireFormatError(
            f"is not a valid {cls.__name__} ({type(exc).__name__})", field=""
        ) from None


def unstructure(value: object) -> Any:
    """A wire class as plain JSON-ready data (dicts, lists, strings, numbers, None)."""
    return converter.unstructure(value)


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
