"""Typed commands: what a host asks ``Billing`` to create or change, with Python names.

Each write of ``faktura.billing.Billing`` takes one of these values, so a type checker
sees a misspelled field or a value of the wrong type in the host's code:

- ``CompanyProfile`` (``create_company``) and ``CompanyChanges`` (``update_company``);
- ``NewCustomer`` (``create_customer``) and ``CustomerChanges`` (``update_customer``);
- ``NewDraft`` (``create_draft``) and ``DraftChanges`` (``update_draft``).

A field left out is ``UNSET``: a new value takes the domain's default for it (a new
company's currency is DKK, its terms net 8 days), a change keeps the current value.
``None`` is a value: it clears an optional field (``DraftChanges(due_date=None)``
derives the due date from the terms again). ``payment_terms`` may be a whole number of
days net (``PaymentTerms.net(days)``).

A draft's lines are domain lines (``ProductLine``, ``TextLine``, ``SeparatorLine``) or
``LineInput`` values, which may leave the VAT out: a line without a category gets the
customer's VAT zone's default category, a standard-rated one without a rate the company's
standard rate, when Billing builds the draft (``resolve_lines``). The reference API's JSON
is mapped to these commands by ``faktura.wire``; the values themselves are checked where
they become domain values, every bad field named.

>>> from decimal import Decimal
>>> draft = NewDraft(customer_id="c1", lines=[LineInput(description="Hours",
...     quantity=Decimal(2), unit_price=Decimal(500))], payment_terms=14)
>>> lines = resolve_lines(draft.lines, (VatCategory.S, Decimal(25)))
>>> lines[0].vat_category, lines[0].vat_rate
(<VatCategory.S: 'S'>, Decimal('25'))
>>> sorted(given(DraftChanges(notes="Thank you", due_date=None)))
['due_date', 'notes']
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias

import attrs

from faktura.deliver_to import DeliverTo
from faktura.errors import FieldError, ValidationError
from faktura.items import NO_ITEM_DETAILS, ItemAttribute, ItemClassification, ItemDetails
from faktura.lines import (
    DEFAULT_UNIT,
    AllowanceCharge,
    Line,
    LineType,
    ProductLine,
    SeparatorLine,
    TextLine,
)
from faktura.money import ZERO
from faktura.numbering import NumberSeries
from faktura.parties import Address, BankAccount, Contact, Department, Payee
from faktura.references import DocumentReferences
from faktura.schedules import Cadence, Proration, Timing, Unit
from faktura.terms import PaymentTerms
from faktura.vat import VatCategory, VatZone

__all__ = [
    "LINE_TERMS",
    "UNSET",
    "AllowanceChargeInput",
    "CompanyChanges",
    "CompanyProfile",
    "CustomerChanges",
    "DraftChanges",
    "LineInput",
    "NewCustomer",
    "NewDraft",
    "NewSchedule",
    "ScheduleChanges",
    "Unset",
    "VatDefaults",
    "given",
    "resolve_allowance_charges",
    "resolve_lines",
]


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: A field left out of a command (see the module).
UNSET: Final = _Unset.UNSET
#: The type of ``UNSET``, for a command's annotations.
Unset: TypeAlias = Literal[_Unset.UNSET]

#: (the default VAT category of a line, the standard VAT rate)
VatDefaults = tuple[VatCategory, Decimal]


def given(command: Any) -> dict[str, Any]:
    """The fields of ``command`` (an attrs value) that are not ``UNSET``, by name."""
    return {
        field.name: value
        for field in attrs.fields(type(command))
        if (value := getattr(command, field.name)) is not UNSET
    }


# -- lines as given ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LineInput:
    """A line as a host or a request gives it, the VAT possibly left to the defaults
    (see the module); ``line_type`` says what it becomes. The JSON of a request line
    (``faktura.wire``) is this value with camelCase names; its line net (``amount``) is
    output only, and a request that sends it is refused like any other unknown field."""

    description: str = ""
    line_type: LineType = LineType.PRODUCT
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_category: VatCategory | None = None
    vat_rate: Decimal | None = None
    product_number: str | None = None
    # extensions: the EN 16931 line terms (faktura.lines.ProductLine, faktura.items)
    note: str | None = attrs.field(
        default=None, metadata={"description": "A note on the line (BT-127)"}
    )
    period_start: date | None = attrs.field(
        default=None, metadata={"description": "The line period's first day (BT-134)"}
    )
    period_end: date | None = attrs.field(
        default=None, metadata={"description": "The line period's last day (BT-135)"}
    )
    buyer_item_id: str | None = attrs.field(
        default=None, metadata={"description": "The buyer's item identifier (BT-156)"}
    )
    standard_item_id: str | None = attrs.field(
        default=None,
        metadata={"description": "A standard item identifier such as a GTIN (BT-157)"},
    )
    standard_item_scheme: str | None = attrs.field(
        default=None,
        metadata={"description": "The standard item id's ISO 6523 ICD scheme, 0160 for GTIN"},
    )
    classifications: list[ItemClassification] | None = attrs.field(
        default=None,
        metadata={"description": "Item classification codes with their UNCL 7143 list (BT-158)"},
    )
    origin_country: str | None = attrs.field(
        default=None,
        metadata={"description": "The item's country of origin, ISO 3166-1 alpha-2 (BT-159)"},
    )
    attributes: list[ItemAttribute] | None = attrs.field(
        default=None,
        metadata={"description": "Item attributes, each a name and value (BG-32)"},
    )


#: LineInput's EN 16931 line terms, which only product lines have.
LINE_TERMS = (
    "note",
    "period_start",
    "period_end",
    "buyer_item_id",
    "standard_item_id",
    "standard_item_scheme",
    "classifications",
    "origin_country",
    "attributes",
)


@attrs.frozen(kw_only=True)
class AllowanceChargeInput:
    """A document allowance or charge as given (``type`` "allowance" or "charge"), the
    VAT possibly left to the defaults like a line's."""

    type: str
    reason: str | None = None
    amount: Decimal | None = None
    percent: Decimal | None = None
    base: Decimal | None = None
    vat_category: VatCategory | None = None
    vat_rate: Decimal | None = None
    reason_code: str | None = None


def resolve_lines(
    lines: Sequence[Line | LineInput], defaults: VatDefaults, prefix: str = "lines"
) -> tuple[Line, ...]:
    """Domain lines: a domain line as it is, a LineInput with the VAT ``defaults``
    (default category, standard rate) where it leaves them out. Every bad line is
    reported, named ``lines.<index>.<field>``."""
    built: list[Line] = []
    errors: list[FieldError] = []
    for index, line in enumerate(_sequence(lines, prefix)):
        try:
            if isinstance(line, ProductLine | TextLine | SeparatorLine):
                built.append(line)
            elif isinstance(line, LineInput):
                built.append(_build_line(line, defaults))
            else:
                raise ValidationError(
                    "must be a ProductLine, TextLine, SeparatorLine or LineInput",
                    field="",
                    rule="type",
                )
        except ValidationError as exc:
            errors.extend(exc.prefixed(f"{prefix}.{index}").errors)
    if errors:
        raise ValidationError._from_errors(errors)
    return tuple(built)


def _sequence(values: object, field: str) -> Sequence[Any]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError("must be a list", field=field, rule="type")
    return values


def _build_line(given_line: LineInput, defaults: VatDefaults) -> Line:
    if given_line.line_type is not LineType.PRODUCT:
        for name in (
            "quantity",
            "unit_price",
            "discount_percent",
            "vat_category",
            "vat_rate",
            *LINE_TERMS,
        ):
            if getattr(given_line, name) is not None:
                raise ValidationError(
                    f"a {given_line.line_type.value} line has no {name.replace('_', ' ')}",
                    field=name,
                    rule="not_allowed",
                )
        if given_line.line_type is LineType.TEXT:
            return TextLine(given_line.description)
        return SeparatorLine(given_line.description)
    if given_line.quantity is None:
        raise ValidationError("is required on a product line", field="quantity", rule="required")
    if given_line.unit_price is None:
        raise ValidationError("is required on a product line", field="unit_price", rule="required")
    category, rate = _vat(given_line.vat_category, given_line.vat_rate, defaults)
    return ProductLine(
        description=given_line.description,
        quantity=given_line.quantity,
        unit_price=given_line.unit_price,
        vat_category=category,
        vat_rate=rate,
        unit=given_line.unit or DEFAULT_UNIT,
        discount_percent=given_line.discount_percent or ZERO,
        product_number=given_line.product_number,
        note=given_line.note,
        period_start=given_line.period_start,
        period_end=given_line.period_end,
        item=_item_details(given_line),
    )


def _item_details(given_line: LineInput) -> ItemDetails:
    if (
        given_line.buyer_item_id is None
        and given_line.standard_item_id is None
        and given_line.standard_item_scheme is None
        and not given_line.classifications
        and given_line.origin_country is None
        and not given_line.attributes
    ):
        return NO_ITEM_DETAILS
    return ItemDetails(
        buyer_id=given_line.buyer_item_id,
        standard_id=given_line.standard_item_id,
        standard_scheme=given_line.standard_item_scheme,
        classifications=tuple(given_line.classifications or ()),
        origin_country=given_line.origin_country,
        attributes=tuple(given_line.attributes or ()),
    )


def _vat(
    category: VatCategory | None, rate: Decimal | None, defaults: VatDefaults
) -> tuple[VatCategory, Decimal]:
    default_category, standard_rate = defaults
    if category is None:
        if rate is None:
            category = default_category
        elif rate > ZERO:
            category = VatCategory.S
        else:
            category = VatCategory.Z if default_category.taxed else default_category
    if rate is None:
        rate = standard_rate if category.taxed else ZERO
    return category, rate


def resolve_allowance_charges(
    items: Sequence[AllowanceCharge | AllowanceChargeInput],
    defaults: VatDefaults,
    prefix: str = "allowance_charges",
) -> tuple[AllowanceCharge, ...]:
    """Domain allowances and charges: a domain one as it is, an AllowanceChargeInput
    with the VAT ``defaults`` where it leaves them out; every bad item is reported."""
    built: list[AllowanceCharge] = []
    errors: list[FieldError] = []
    for index, item in enumerate(_sequence(items, prefix)):
        try:
            if isinstance(item, AllowanceCharge):
                built.append(item)
                continue
            if not isinstance(item, AllowanceChargeInput):
                raise ValidationError(
                    "must be an AllowanceCharge or AllowanceChargeInput", field="", rule="type"
                )
            if item.type not in ("allowance", "charge"):
                raise ValidationError("must be allowance or charge", field="type", rule="enum")
            category, rate = _vat(item.vat_category, item.vat_rate, defaults)
            built.append(
                AllowanceCharge(
                    charge=item.type == "charge",
                    reason=item.reason or "",
                    vat_category=category,
                    vat_rate=rate,
                    amount=item.amount,
                    percent=item.percent,
                    base=item.base,
                    reason_code=item.reason_code,
                )
            )
        except ValidationError as exc:
            errors.extend(exc.prefixed(f"{prefix}.{index}").errors)
    if errors:
        raise ValidationError._from_errors(errors)
    return tuple(built)


# -- companies -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CompanyChanges:
    """A change of a company's profile or settings (see ``Billing.update_company``).

    ``address``, ``bank``, ``payee`` and the number series are whole values here; the
    reference API's partial edit of some of their fields is ``Billing.update_company``
    with a mapping (``faktura.profile.patch_company``)."""

    name: str | Unset = UNSET
    address: Address | Unset | None = UNSET
    cvr: str | Unset | None = UNSET
    vat_id: str | Unset | None = UNSET
    ean: str | Unset | None = UNSET
    bank: BankAccount | Unset | None = UNSET
    fik_creditor: str | Unset | None = UNSET
    currency: str | Unset = UNSET
    payment_terms: PaymentTerms | int | Unset = UNSET
    locale: str | Unset = UNSET
    standard_vat_rate: Decimal | Unset = UNSET
    email: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    invoice_series: NumberSeries | Unset = UNSET
    credit_note_series: NumberSeries | Unset = UNSET
    logo: bytes | Unset | None = UNSET
    document_template: str | Unset = UNSET
    payee: Payee | Unset | None = UNSET
    other_banks: Sequence[BankAccount] | Unset | None = UNSET


@attrs.frozen(kw_only=True)
class CompanyProfile(CompanyChanges):
    """A new company (seller): its name, and any other field of a company's profile
    (``CompanyChanges``) that is not to take the default; ``id`` is the host's own id
    for it (a new one by default)."""

    name: str
    id: str | Unset = UNSET


# -- customers -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CustomerChanges:
    """A change of a customer (see ``Billing.update_customer``)."""

    name: str | Unset = UNSET
    number: str | Unset | None = UNSET
    address: Address | Unset = UNSET
    vat_zone: VatZone | Unset = UNSET
    cvr: str | Unset | None = UNSET
    vat_id: str | Unset | None = UNSET
    ean: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    language: str | Unset | None = UNSET
    payment_terms: PaymentTerms | int | Unset | None = UNSET
    departments: Sequence[Department] | Unset = UNSET
    contacts: Sequence[Contact] | Unset = UNSET
    document_template: str | Unset | None = UNSET
    attach_pdf: bool | Unset = UNSET


@attrs.frozen(kw_only=True)
class NewCustomer(CustomerChanges):
    """A new customer of a company: its name, and any other field of a customer
    (``CustomerChanges``) that is not to take the default; ``id`` is the host's own id
    for it (a new one by default)."""

    name: str
    id: str | Unset = UNSET


# -- drafts --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DraftChanges:
    """A change of a draft (see ``Billing.update_draft``): ``due_date=None`` derives the
    due date from the terms again; lines as in ``NewDraft`` (a LineInput's VAT defaults
    are the customer's, the new one's when ``customer_id`` changes too)."""

    customer_id: str | Unset = UNSET
    lines: Sequence[Line | LineInput] | Unset = UNSET
    issue_date: date | Unset = UNSET
    due_date: date | Unset | None = UNSET
    currency: str | Unset = UNSET
    payment_terms: PaymentTerms | int | Unset = UNSET
    allowance_charges: Sequence[AllowanceCharge | AllowanceChargeInput] | Unset = UNSET
    prices_include_vat: bool | Unset = UNSET
    prepaid_amount: Decimal | Unset = UNSET
    cash_increment: Decimal | Unset | None = UNSET
    vat_exemption_reason: str | Unset | None = UNSET
    customer_department_id: str | Unset | None = UNSET
    customer_contact_id: str | Unset | None = UNSET
    reference: str | Unset | None = UNSET
    our_reference: str | Unset | None = UNSET
    references: DocumentReferences | Unset = UNSET
    description: str | Unset | None = UNSET
    notes: str | Unset | None = UNSET
    delivery_date: date | Unset | None = UNSET
    period_start: date | Unset | None = UNSET
    period_end: date | Unset | None = UNSET
    deliver_to: DeliverTo | Unset | None = UNSET


@attrs.frozen(kw_only=True)
class NewDraft(DraftChanges):
    """A new draft invoice for ``customer_id`` (see ``Billing.create_draft``), with any
    field of a draft (``DraftChanges``) that is not to take the default: the issue date
    defaults to today, the currency to the company's, the payment terms to the
    customer's (else the company's), the due date to the terms' due date."""

    customer_id: str


@attrs.frozen(kw_only=True)
class ScheduleChanges:
    """A change of a schedule's settings (see ``Billing.update_schedule``); what it
    bills changes from a date instead (``Billing.change_schedule_lines``). ``end=None``
    lets it run on; ``active=False`` pauses it (no period is billed while paused)."""

    end: date | Unset | None = UNSET
    active: bool | Unset = UNSET
    channel: str | Unset | None = UNSET
    payment_terms: PaymentTerms | int | Unset | None = UNSET
    description: str | Unset | None = UNSET


#: A schedule's default cadence.
MONTHLY: Final = Cadence(Unit.MONTH, 1)


@attrs.frozen(kw_only=True)
class NewSchedule:
    """A recurring invoice for ``customer_id`` (see ``Billing.create_schedule``):
    ``lines`` billed every ``cadence`` from ``start`` (a LineInput's VAT defaults are
    the customer's, as in a draft). ``currency`` and ``payment_terms`` None: those of
    the customer (else the company) when each invoice is made; ``channel`` None: the
    invoices are booked but not sent by a billing run."""

    customer_id: str
    lines: Sequence[Line | LineInput]
    start: date
    cadence: Cadence = MONTHLY
    timing: Timing = Timing.ADVANCE
    end: date | None = None
    anchor_day: int | None = None
    proration: Proration = Proration.DAILY
    currency: str | None = None
    payment_terms: PaymentTerms | int | None = None
    channel: str | None = None
    description: str | None = None
