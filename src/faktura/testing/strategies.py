"""Hypothesis strategies for faktura's values, from currencies to invoices in every status.

Every value is built through faktura's own constructors and transitions
(``Invoice.draft``, ``book``, ``mark_delivered``, ``record_payment``, ``credit`` ...), so
a strategy yields exactly what a host application can meet. Amounts are at their
currency's precision, quantities and prices keep at most 6 decimals and stay far below
faktura's 10^12 bound, and every timestamp is timezone-aware (UTC).

Parties: ``companies(country)`` draws sellers of each country whose national rules
Peppol BIS 3.0 carries (DK, SE, NO, DE, NL, IT, GR) and of FR, BE and FI;
``customers(company)`` draws their buyers in every ``VatZone``, at home, elsewhere in
the EU and outside it. Their CVR, VAT, GLN and IBAN numbers are drawn digits with check
digits computed by python-stdnum, and every optional field is sometimes present,
sometimes absent.

Installing faktura registers a hypothesis plugin, so ``st.from_type(Invoice)`` (and
``Currency``, ``PaymentTerms``, ``ProductLine``, ``AllowanceCharge``, ``TextLine``,
``SeparatorLine``) works without importing this module.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import ModuleType
from typing import TypeAlias

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura import codelists, identifiers
from faktura.attachments import SupportingDocument
from faktura.deliver_to import DeliverTo
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.items import (
    GTIN_SCHEME,
    ItemAttribute,
    ItemClassification,
    ItemDetails,
)
from faktura.lines import AllowanceCharge, Line, ProductLine, SeparatorLine, TextLine
from faktura.money import MAX_MAGNITUDE, MAX_PLACES, ZERO, Currency
from faktura.parties import Address, BankAccount, Company, Contact, Customer, Department, Payee
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.status import BOOKED_STATUSES, Status
from faktura.terms import MAX_TERM_DAYS, PaymentTerms, TermsKind
from faktura.totals import compute_totals, payment_places
from faktura.vat import VatCategory, VatZone

__all__ = [
    "CURRENCY_CODES",
    "NATIONAL_RULE_COUNTRIES",
    "SELLER_COUNTRIES",
    "SUPPORTING_CONTENT",
    "VatGroupKey",
    "allowance_charges",
    "amounts",
    "booked_invoices",
    "companies",
    "currencies",
    "customers",
    "deliver_tos",
    "document_lines",
    "document_references",
    "drafts",
    "invoices",
    "item_details",
    "lines",
    "payment_terms",
    "product_lines",
    "quantities",
    "separator_lines",
    "supporting_documents",
    "text_lines",
    "timestamps",
    "unit_prices",
    "vat_groups",
    "vat_rates",
]

#: One VAT breakdown group: a category and its rate.
VatGroupKey: TypeAlias = tuple[VatCategory, Decimal]

#: Currencies covering every minor-unit count faktura meets: 2 (most), 0 and 3.
CURRENCY_CODES = (
    "DKK",
    "EUR",
    "SEK",
    "NOK",
    "USD",
    "GBP",
    "JPY",
    "KRW",
    "ISK",
    "KWD",
    "BHD",
    "OMR",
)

_MIN_DATE = date(2000, 1, 1)
_MAX_DATE = date(2099, 12, 31)
_ZERO_RATE = Decimal(0)
_STANDARD_RATES = tuple(
    Decimal(r)
    for r in ("25", "21", "20", "19", "17", "12", "10", "9", "8.1", "7", "6", "5.5", "2.5", "0.5")
)
_ZERO_RATED = (VatCategory.Z, VatCategory.E, VatCategory.AE, VatCategory.K, VatCategory.G)
_CASH_INCREMENTS = {
    0: tuple(Decimal(v) for v in ("1", "5", "10")),
    2: tuple(Decimal(v) for v in ("0.50", "0.25", "0.05", "0.10", "1.00")),
}
_EXEMPTION_REASONS = (
    "Exempt under section 13(1) of the Danish VAT Act",
    "Medical services, exempt",
)
_DESCRIPTIONS = (
    "Consulting",
    "Hosting, May",
    "Kaffe og kage",
    "Ærøskøbing delivery",
    "Widget 3000 (blue)",
    "Läderväska",
    "配送料",
)
_UNITS = ("H87", "C62", "HUR", "DAY", "KGM", "MTR", "LTR", "EA")
_ALLOWANCE_CODES = ("95", "100")
_CHARGE_CODES = ("FC", "ABK")
_TEXT = st.text(
    # Documents refuse control characters; surrogates cannot be encoded, and private-use or
    # unassigned code points have no glyph in any font.
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")),
    min_size=1,
    max_size=30,
)


# -- numbers -------------------------------------------------------------------------------


def _decimal(units: int, places: int) -> Decimal:
    """``units`` × 10^-places, exact and independent of the caller's decimal context."""
    return Decimal(f"{units}e-{places}")


def _scaled(value: Decimal | int, places: int, *, up: bool) -> int:
    exact = Fraction(value) * 10**places
    return int(math.ceil(exact) if up else math.floor(exact))


def _check_bounds(name: str, min_value: Decimal | int, max_value: Decimal | int) -> None:
    if min_value > max_value:
        raise InvalidArgument(f"{name}: min_value {min_value} exceeds max_value {max_value}")
    if max(abs(Decimal(min_value)), abs(Decimal(max_value))) >= MAX_MAGNITUDE:
        raise InvalidArgument(f"{name}: bounds must stay below 10^12 in magnitude")


@functools.cache
def _decimals(
    min_value: Decimal | int, max_value: Decimal | int, places: int
) -> st.SearchStrategy[Decimal]:
    """Decimals in [min_value, max_value] with 0 to ``places`` decimals."""
    options = []
    for p in range(places + 1):
        lo = _scaled(min_value, p, up=True)
        hi = _scaled(max_value, p, up=False)
        if lo <= hi:
            options.append(st.integers(lo, hi).map(functools.partial(_decimal, places=p)))
    if not options:
        raise InvalidArgument(
            f"no decimal with at most {places} places in [{min_value}, {max_value}]"
        )
    return st.one_of(options)


def _draw_units(draw: st.DrawFn, low: Decimal | int, high: Decimal | int, places: int) -> Decimal:
    """A decimal in [low, high] with exactly ``places`` decimals (no new strategy objects)."""
    lo, hi = _scaled(low, places, up=True), _scaled(high, places, up=False)
    return _decimal(draw(st.integers(lo, hi)), places)


def currencies(codes: Sequence[str] = CURRENCY_CODES) -> st.SearchStrategy[Currency]:
    """Currencies from ``codes``; the default covers minor units 0 (JPY), 2 (DKK) and 3 (KWD)."""
    if not codes:
        raise InvalidArgument("currencies: codes must not be empty")
    return st.sampled_from(tuple(codes)).map(Currency.of)


def amounts(
    currency: Currency,
    *,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 1_000_000,
) -> st.SearchStrategy[Decimal]:
    """Amounts of ``currency`` in [min_value, max_value], exactly at the precision a
    user types them in (its minor units, at most two: ``faktura.totals.payment_places``)."""
    _check_bounds("amounts", min_value, max_value)
    places = payment_places(currency)
    lo = _scaled(min_value, places, up=True)
    hi = _scaled(max_value, places, up=False)
    if lo > hi:
        raise InvalidArgument(f"amounts: no {currency.code} amount in [{min_value}, {max_value}]")
    return st.integers(lo, hi).map(functools.partial(_decimal, places=places))


def quantities(
    *,
    min_value: Decimal | int = Decimal("0.000001"),
    max_value: Decimal | int = 10_000,
    places: int = MAX_PLACES,
) -> st.SearchStrategy[Decimal]:
    """Line quantities: whole numbers half of the time, else up to ``places`` decimals.

    Positive by default; pass a negative ``min_value`` for return lines.
    """
    _check_bounds("quantities", min_value, max_value)
    whole_lo, whole_hi = _scaled(min_value, 0, up=True), _scaled(max_value, 0, up=False)
    fractional = _decimals(min_value, max_value, places)
    if whole_lo > whole_hi:
        return fractional
    return st.one_of(st.integers(whole_lo, whole_hi).map(Decimal), fractional)


def unit_prices(
    *,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 1_000_000,
    places: int = MAX_PLACES,
) -> st.SearchStrategy[Decimal]:
    """Unit prices: "shop" prices with 2 decimals half of the time, else up to 6 decimals.

    The default bound (10^6) times the default largest quantity (10^4) stays far below
    faktura's 10^12 limit, so sums of several lines remain valid amounts.
    """
    _check_bounds("unit_prices", min_value, max_value)
    return st.one_of(
        _decimals(min_value, max_value, min(2, places)), _decimals(min_value, max_value, places)
    )


def timestamps(
    min_value: datetime = datetime(2000, 1, 1, tzinfo=UTC),
    max_value: datetime = datetime(2099, 12, 31, tzinfo=UTC),
) -> st.SearchStrategy[datetime]:
    """Timezone-aware (UTC) timestamps."""
    return st.datetimes(
        min_value.replace(tzinfo=None), max_value.replace(tzinfo=None), timezones=st.just(UTC)
    )


# -- VAT -----------------------------------------------------------------------------------


def vat_rates() -> st.SearchStrategy[Decimal]:
    """Standard (S) rates: real-world ones, and any rate in (0, 100) with up to 4 decimals."""
    return st.one_of(
        st.sampled_from(_STANDARD_RATES), _decimals(Decimal("0.0001"), Decimal("99.9999"), 4)
    )


_VAT_RATES = vat_rates()
_GROUP_CATEGORIES = st.sampled_from((VatCategory.S, VatCategory.S, *_ZERO_RATED))


def _draw_vat_groups(draw: st.DrawFn, max_size: int) -> tuple[VatGroupKey, ...]:
    if draw(st.integers(0, 9)) == 0:
        return ((VatCategory.O, _ZERO_RATE),)
    groups: list[VatGroupKey] = []
    for _ in range(draw(st.integers(1, max_size))):
        category = draw(_GROUP_CATEGORIES)
        rate = draw(_VAT_RATES) if category is VatCategory.S else _ZERO_RATE
        if (category, rate) not in groups:
            groups.append((category, rate))
    return tuple(groups)


@st.composite
def _vat_groups(draw: st.DrawFn, max_size: int) -> tuple[VatGroupKey, ...]:
    return _draw_vat_groups(draw, max_size)


def vat_groups(*, max_size: int = 3) -> st.SearchStrategy[tuple[VatGroupKey, ...]]:
    """Distinct (category, rate) pairs that may stand together on one document.

    S pairs with a rate in (0, 100), every other category with 0; outside scope (O)
    always stands alone (EN 16931 BR-O-11..14).
    """
    if max_size < 1:
        raise InvalidArgument("vat_groups: max_size must be at least 1")
    return _vat_groups(max_size)


def _draw_group(draw: st.DrawFn, groups: Sequence[VatGroupKey] | None) -> VatGroupKey:
    if groups is None:
        return _draw_vat_groups(draw, 1)[0]
    if not groups:
        raise InvalidArgument("groups must not be empty")
    return groups[draw(st.integers(0, len(groups) - 1))]


# -- lines ---------------------------------------------------------------------------------

_DESCRIPTION = st.one_of(st.sampled_from(_DESCRIPTIONS), _TEXT.filter(lambda s: bool(s.strip())))
_OPTIONAL_TEXT = st.none() | _DESCRIPTION
_HEADING = st.just("") | _DESCRIPTION
_UNIT = st.sampled_from(_UNITS)
_PRODUCT_NUMBER = st.none() | st.sampled_from(("P-1", "SKU 42", "ÆØÅ-7"))
_PERCENT = _decimals(0, 100, 2)
_LINE_NOTE = st.none() | _DESCRIPTION
_ITEM_ID = st.sampled_from(("B-17", "4711", "Kaffe 500 g", "ÆØÅ-9"))
_GTINS = st.sampled_from(("4006381333931", "5790000435951", "96385074", "012345678905"))
_OTHER_SCHEMES = st.sampled_from(sorted(set(codelists.PARTY_ID_SCHEMES) - {GTIN_SCHEME}))
_CLASSIFICATION = st.builds(
    ItemClassification,
    code=st.sampled_from(("43211503", "30192000-1", "0901.21", "ÆØÅ 7")),
    list_id=st.sampled_from(sorted(codelists.ITEM_CLASSIFICATIONS)),
    list_version=st.none() | st.sampled_from(("19.05.01", "26.08.01")),
)
_ATTRIBUTE = st.builds(
    ItemAttribute,
    name=st.sampled_from(("Colour", "Size", "Farve", "Größe", "配送")),
    value=st.sampled_from(("Red", "XL", "42 mm", "Blå", "ü – 7")),
)


@st.composite
def _item_details(draw: st.DrawFn) -> ItemDetails:
    standard_id = standard_scheme = None
    if draw(st.booleans()):
        if draw(st.booleans()):
            standard_id, standard_scheme = draw(_GTINS), GTIN_SCHEME
        else:
            standard_id, standard_scheme = draw(_ITEM_ID), draw(_OTHER_SCHEMES)
    return ItemDetails(
        buyer_id=draw(st.none() | _ITEM_ID),
        standard_id=standard_id,
        standard_scheme=standard_scheme,
        classifications=tuple(draw(st.lists(_CLASSIFICATION, max_size=3))),
        origin_country=draw(st.none() | st.sampled_from(sorted(codelists.COUNTRIES))),
        attributes=tuple(draw(st.lists(_ATTRIBUTE, max_size=3))),
    )


def item_details() -> st.SearchStrategy[ItemDetails]:
    """A product line's item details (BT-156 to BT-161): a buyer's item id, a standard
    id (a GTIN, or an id of another ICD scheme), classifications, the country of origin
    and attributes, each present or not."""
    return _item_details()


def _draw_line_terms(draw: st.DrawFn) -> dict[str, object]:
    """The EN 16931 line terms of a product line: mostly none, else a note, a period
    and item details, each present or not."""
    if draw(st.integers(0, 3)):
        return {}
    terms: dict[str, object] = {"note": draw(_LINE_NOTE)}
    if draw(st.booleans()):
        start = draw(st.dates(_MIN_DATE, _MAX_DATE - timedelta(days=366)))
        terms["period_start"] = start
        terms["period_end"] = start + timedelta(days=draw(st.integers(0, 365)))
    if draw(st.booleans()):
        terms["item"] = draw(_item_details())
    return terms


_REFERENCE = st.none() | st.sampled_from(
    ("PO-4711", "SO 2026/17", "K-2026-03", "Havnebad Syd", "4025:123:4343", "ÆØÅ 7 – ü")
)


def _draw_product_line(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    quantity: st.SearchStrategy[Decimal],
    price: st.SearchStrategy[Decimal],
    discounts: bool,
) -> ProductLine:
    category, rate = _draw_group(draw, groups)
    discount = draw(_PERCENT) if discounts and draw(st.booleans()) else ZERO
    return ProductLine(
        description=draw(_DESCRIPTION),
        quantity=draw(quantity),
        unit_price=draw(price),
        vat_category=category,
        vat_rate=rate,
        unit=draw(_UNIT),
        discount_percent=discount,
        product_number=draw(_PRODUCT_NUMBER),
        **_draw_line_terms(draw),  # type: ignore[arg-type]
    )


@st.composite
def _product_lines(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    quantity: st.SearchStrategy[Decimal],
    price: st.SearchStrategy[Decimal],
    discounts: bool,
) -> ProductLine:
    return _draw_product_line(draw, groups, quantity, price, discounts)


def product_lines(
    groups: Sequence[VatGroupKey] | None = None,
    *,
    quantities: st.SearchStrategy[Decimal] | None = None,
    unit_prices: st.SearchStrategy[Decimal] | None = None,
    discounts: bool = True,
) -> st.SearchStrategy[ProductLine]:
    """Product lines in one of ``groups`` (any legal group when None), with or without a
    discount percent. ``quantities`` and ``unit_prices`` default to the strategies of the
    same name in this module."""
    return _product_lines(
        None if groups is None else tuple(groups),
        quantities if quantities is not None else _QUANTITIES,
        unit_prices if unit_prices is not None else _UNIT_PRICES,
        discounts,
    )


_QUANTITIES = quantities()
_UNIT_PRICES = unit_prices()


def text_lines() -> st.SearchStrategy[TextLine]:
    """Free-text lines (possibly empty)."""
    return st.builds(TextLine, _HEADING)


def separator_lines() -> st.SearchStrategy[SeparatorLine]:
    """Separator lines, with or without a heading."""
    return st.builds(SeparatorLine, _HEADING)


_TEXT_OR_SEPARATOR = st.one_of(text_lines(), separator_lines())


def lines(groups: Sequence[VatGroupKey] | None = None) -> st.SearchStrategy[Line]:
    """One invoice line of any type: product (most often), text or separator."""
    return st.one_of(product_lines(groups), product_lines(groups), _TEXT_OR_SEPARATOR)


def _draw_document_lines(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    min_products: int,
    max_size: int,
    products: st.SearchStrategy[ProductLine] | None,
) -> tuple[Line, ...]:
    if groups is None:
        groups = _draw_vat_groups(draw, 3)
    found: list[Line] = []
    for _ in range(draw(st.integers(min_products, max_size))):
        if products is None:
            found.append(_draw_product_line(draw, groups, _QUANTITIES, _UNIT_PRICES, True))
        else:
            found.append(draw(products))
    for _ in range(draw(st.integers(0, min(2, max_size - len(found))))):
        found.insert(draw(st.integers(0, len(found))), draw(_TEXT_OR_SEPARATOR))
    return tuple(found)


@st.composite
def _document_lines(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    min_products: int,
    max_size: int,
    products: st.SearchStrategy[ProductLine] | None,
) -> tuple[Line, ...]:
    return _draw_document_lines(draw, groups, min_products, max_size, products)


def document_lines(
    groups: Sequence[VatGroupKey] | None = None,
    *,
    min_products: int = 1,
    max_size: int = 6,
    products: st.SearchStrategy[ProductLine] | None = None,
) -> st.SearchStrategy[tuple[Line, ...]]:
    """The lines of one document: at least ``min_products`` product lines (from
    ``products``, else product lines in ``groups``, drawn when None) with text and
    separator lines mixed in."""
    if not 0 <= min_products <= max_size:
        raise InvalidArgument("document_lines: need 0 <= min_products <= max_size")
    return _document_lines(
        None if groups is None else tuple(groups), min_products, max_size, products
    )


_ALLOWANCE_CODE = st.none() | st.sampled_from(_ALLOWANCE_CODES)
_CHARGE_CODE = st.none() | st.sampled_from(_CHARGE_CODES)
_CURRENCIES = currencies()


def _draw_allowance_charge(
    draw: st.DrawFn,
    currency: Currency | None,
    groups: Sequence[VatGroupKey] | None,
    max_amount: Decimal | int,
) -> AllowanceCharge:
    money = currency if currency is not None else draw(_CURRENCIES)
    category, rate = _draw_group(draw, groups)
    charge = draw(st.booleans())
    reason_code = draw(_CHARGE_CODE if charge else _ALLOWANCE_CODE)
    reason = draw(_DESCRIPTION if reason_code is None else _HEADING)
    shape = draw(st.integers(0, 2))  # a fixed amount, a percent, a percent of a base
    amount = percent = base = None
    if shape == 0:
        amount = _draw_units(draw, 0, max_amount, payment_places(money))
    else:
        percent = draw(_PERCENT)
        if shape == 2:
            base = _draw_units(draw, 0, max_amount, payment_places(money))
    return AllowanceCharge(
        charge=charge,
        reason=reason,
        vat_category=category,
        vat_rate=rate,
        amount=amount,
        percent=percent,
        base=base,
        reason_code=reason_code,
    )


@st.composite
def _allowance_charges(
    draw: st.DrawFn,
    currency: Currency | None,
    groups: Sequence[VatGroupKey] | None,
    max_amount: Decimal | int,
) -> AllowanceCharge:
    return _draw_allowance_charge(draw, currency, groups, max_amount)


def allowance_charges(
    currency: Currency | None = None,
    groups: Sequence[VatGroupKey] | None = None,
    *,
    max_amount: Decimal | int = 100,
) -> st.SearchStrategy[AllowanceCharge]:
    """One document-level allowance or charge in one of ``groups``: a fixed amount of
    ``currency`` (at most ``max_amount``), a percent of its group's line nets, or a
    percent of a given base."""
    _check_bounds("allowance_charges", 0, max_amount)
    return _allowance_charges(currency, None if groups is None else tuple(groups), max_amount)


# -- terms ---------------------------------------------------------------------------------


def _terms_by_kind(
    max_days: int, fixed_dates: st.SearchStrategy[date] | None
) -> dict[TermsKind, st.SearchStrategy[PaymentTerms]]:
    common = tuple(d for d in (0, 8, 14, 30) if d <= max_days)
    days = st.one_of(st.sampled_from(common), st.integers(0, max_days))
    return {
        TermsKind.NET: days.map(PaymentTerms.net),
        TermsKind.END_OF_MONTH: days.map(PaymentTerms.end_of_month),
        TermsKind.END_OF_NEXT_MONTH: days.map(PaymentTerms.end_of_next_month),
        TermsKind.DAY_OF_NEXT_MONTH: st.integers(1, 31).map(PaymentTerms.day_of_next_month),
        TermsKind.INVOICE_WEEK: st.builds(PaymentTerms.invoice_week, days, st.integers(0, 6)),
        TermsKind.CASH: st.just(PaymentTerms.cash()),
        TermsKind.PREPAID: st.just(PaymentTerms.prepaid()),
        TermsKind.FIXED: (
            fixed_dates if fixed_dates is not None else st.dates(_MIN_DATE, _MAX_DATE)
        ).map(PaymentTerms.fixed),
    }


def payment_terms(
    kinds: Iterable[TermsKind] | None = None,
    *,
    max_days: int = MAX_TERM_DAYS,
    fixed_dates: st.SearchStrategy[date] | None = None,
) -> st.SearchStrategy[PaymentTerms]:
    """Payment terms of every kind in ``kinds`` (all of them when None).

    ``fixed_dates`` gives the due dates of ``fixed`` terms (any date 2000-2099 when None).
    """
    if not 0 <= max_days <= MAX_TERM_DAYS:
        raise InvalidArgument(f"payment_terms: max_days must be within 0..{MAX_TERM_DAYS}")
    wanted = tuple(TermsKind) if kinds is None else tuple(TermsKind(kind) for kind in kinds)
    if not wanted:
        raise InvalidArgument("payment_terms: kinds must not be empty")
    by_kind = _terms_by_kind(max_days, fixed_dates)
    return st.one_of([by_kind[kind] for kind in wanted])


# -- invoices ------------------------------------------------------------------------------

_DRAFT_TERMS = _terms_by_kind(MAX_TERM_DAYS, None)
_TERMS_KINDS = st.sampled_from(tuple(TermsKind))
_DATES = st.dates(_MIN_DATE, _MAX_DATE)
#: No invoicing period, or one of up to a year (BG-14: both ends, start ≤ end).
_PERIODS: st.SearchStrategy[dict[str, date]] = st.just({}) | st.builds(
    lambda start, days: {"period_start": start, "period_end": start + timedelta(days=days)},
    st.dates(_MIN_DATE, _MAX_DATE - timedelta(days=366)),
    st.integers(0, 366),
)
_UUIDS = st.uuids().map(str)
_COMPANY_IDS = st.sampled_from(("company-1", "company-2"))
_CUSTOMER_IDS = st.sampled_from(("customer-1", "customer-2", "customer-3"))
_OPTIONAL_REASON = st.none() | st.just(_EXEMPTION_REASONS[0])
_REQUIRED_REASON = st.sampled_from(_EXEMPTION_REASONS)
_INCREMENTS = {
    places: st.none() | st.sampled_from(options) for places, options in _CASH_INCREMENTS.items()
}
_CHANNELS = st.sampled_from(("email", "sproom", "manual"))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@st.composite
def _drafts(
    draw: st.DrawFn,
    currency_strategy: st.SearchStrategy[Currency],
    prices_include_vat: bool | None,
    with_allowance_charges: bool,
    max_lines: int,
    min_payable: int | None,
) -> Invoice:
    currency = draw(currency_strategy)
    places = payment_places(currency)
    least = _decimal(min_payable or 0, places)
    groups = _draw_vat_groups(draw, 3)
    doc_lines = _draw_document_lines(draw, groups, 1, max_lines, None)
    extras: tuple[AllowanceCharge, ...] = ()
    if with_allowance_charges:
        extras = tuple(
            _draw_allowance_charge(draw, currency, groups, 100)
            for _ in range(draw(st.integers(0, 2)))
        )
    incl = draw(st.booleans()) if prices_include_vat is None else prices_include_vat
    exempt = any(category is VatCategory.E for category, _ in groups)
    reason = draw(_REQUIRED_REASON if exempt else _OPTIONAL_REASON)
    amount = compute_totals(
        doc_lines, extras, currency=currency, prices_include_vat=incl, exemption_reason=reason
    ).amount
    if min_payable is not None and amount < least:
        # Allowances ate the amount, or every price is (nearly) zero: make it payable.
        extras = ()
        doc_lines = (*doc_lines, ProductLine("Service", Decimal(1), Decimal(1000), *groups[0]))
        amount = compute_totals(
            doc_lines, (), currency=currency, prices_include_vat=incl, exemption_reason=reason
        ).amount
    prepaid = ZERO
    if amount > 0 and draw(st.integers(0, 3)) == 0:
        prepaid = _draw_units(draw, 0, amount, places)
    increments = _INCREMENTS.get(places)
    cash_increment = draw(increments) if increments is not None else None
    if min_payable is not None:
        payable = compute_totals(
            doc_lines,
            extras,
            currency=currency,
            prices_include_vat=incl,
            prepaid=prepaid,
            cash_increment=cash_increment,
            exemption_reason=reason,
        ).payable
        if payable < least:
            prepaid, cash_increment = ZERO, None
    issue_date = draw(_DATES)
    kind = draw(_TERMS_KINDS)
    if kind is TermsKind.FIXED:
        terms = PaymentTerms.fixed(issue_date + timedelta(days=draw(st.integers(0, 365))))
    else:
        terms = draw(_DRAFT_TERMS[kind])
    due_date = None
    if draw(st.integers(0, 4)) == 0:
        due_date = issue_date + timedelta(days=draw(st.integers(0, 120)))
    at = _midnight(issue_date) + timedelta(seconds=draw(st.integers(0, 86_399)))
    period = draw(_PERIODS)
    if period:
        doc_lines = _within(doc_lines, period["period_start"], period["period_end"])
    draft = Invoice.draft(
        id=draw(_UUIDS),
        company_id=draw(_COMPANY_IDS),
        customer_id=draw(_CUSTOMER_IDS),
        issue_date=issue_date,
        currency=currency.code,
        payment_terms=terms,
        at=at,
        lines=doc_lines,
        due_date=due_date,
        allowance_charges=extras,
        prices_include_vat=incl,
        prepaid_amount=prepaid,
        cash_increment=cash_increment,
        vat_exemption_reason=reason,
        reference=draw(_OPTIONAL_TEXT),
        our_reference=draw(_OPTIONAL_TEXT),
        references=draw(st.just(NO_REFERENCES) | document_references()),
        description=draw(_OPTIONAL_TEXT),
        notes=draw(_OPTIONAL_TEXT),
        delivery_date=draw(st.none() | _DATES),
        deliver_to=draw(st.none() | deliver_tos()),
        **period,  # type: ignore[arg-type]
    ).invoice
    if draw(_ints(0, 4)) == 0:  # a fifth keep supporting documents
        return draft.attach(at, draw(supporting_documents())).invoice
    return draft


def _within(lines: Sequence[Line], start: date, end: date) -> tuple[Line, ...]:
    """``lines`` with each line period outside the invoicing period ``start``..``end``
    made that period (Peppol PEPPOL-EN16931-R110, R111)."""
    return tuple(
        attrs.evolve(line, period_start=start, period_end=end)
        if isinstance(line, ProductLine)
        and line.period_start is not None
        and line.period_end is not None
        and (line.period_start < start or line.period_end > end)
        else line
        for line in lines
    )


@st.composite
def _supporting_documents(draw: st.DrawFn) -> tuple[SupportingDocument, ...]:
    kept: list[SupportingDocument] = []
    for index in range(draw(_ints(1, 3))):
        shape = draw(_ints(0, 2))  # embedded content, a URI, the reference only
        mime, name, content = draw(st.sampled_from(_SUPPORTING_FILES))
        kept.append(
            SupportingDocument(
                id=f"{draw(st.sampled_from(('TS-2026-11', 'Bilag', 'Tegning ø')))} {index + 1}",
                description=draw(st.none() | st.sampled_from(("Timesheet", "Foto – før"))),
                mime_code=mime if shape == 0 else None,
                filename=f"{index + 1}-{name}" if shape == 0 else None,
                uri="https://example.com/bilag/7" if shape == 1 else None,
                sha256=hashlib.sha256(content).hexdigest() if shape == 0 else None,
                size=len(content) if shape == 0 else None,
            )
        )
    return tuple(kept)


def supporting_documents() -> st.SearchStrategy[tuple[SupportingDocument, ...]]:
    """One to three supporting documents kept with a document (BG-24): embedded (a MIME
    code, a file name and the digest of bytes of ``SUPPORTING_CONTENT``), by URI, or by
    reference only; ids and file names of their own."""
    return _supporting_documents()


def document_references() -> st.SearchStrategy[DocumentReferences]:
    """Order, sales order, contract, project and buyer accounting references (BT-13,
    BT-14, BT-12, BT-11, BT-19), each present or not."""
    return st.builds(
        DocumentReferences,
        order=_REFERENCE,
        sales_order=_REFERENCE,
        contract=_REFERENCE,
        project=_REFERENCE,
        buyer_accounting=_REFERENCE,
    )


@st.composite
def _deliver_tos(draw: st.DrawFn) -> DeliverTo:
    name = draw(st.none() | st.sampled_from(("Havnebadet", "Lager 2", "Skole Øst – fløj B")))
    location_id = scheme = None
    shape = draw(_ints(0, 2))  # none, a GLN under 0088, an identifier without scheme
    if shape == 1:
        location_id, scheme = draw(_gln("57")), "0088"
    elif shape == 2:
        location_id = draw(st.sampled_from(("LAGER-7", "Byggeplads 12")))
    address = None
    if (name is None and location_id is None) or draw(st.booleans()):
        nation = _NATIONS[draw(_pick(SELLER_COUNTRIES))]
        address = _draw_address(draw, nation, 80)
    return DeliverTo(name, location_id, scheme, address)


def deliver_tos() -> st.SearchStrategy[DeliverTo]:
    """A document's deliver-to (BG-13): a name, a location (a GLN under scheme 0088 or
    an identifier without scheme) and an address, each present or not, at least one."""
    return _deliver_tos()


_SUPPORTING_FILES = (
    ("text/csv", "timer.csv", b"dato;timer\n2026-11-02;7,5\n"),
    ("image/png", "foto.png", b"\x89PNG\r\n\x1a\n" + bytes(range(32))),
    ("application/pdf", "ordre.pdf", b"%PDF-1.4\n% ordre\n%%EOF\n"),
)
#: The bytes of the embedded supporting documents ``supporting_documents`` draws, by
#: sha256: a test that stores a drawn document archives them (``Billing`` reads them).
SUPPORTING_CONTENT = {
    hashlib.sha256(content).hexdigest(): content for *_, content in _SUPPORTING_FILES
}


def _currency_strategy(currency: Currency | str | None) -> st.SearchStrategy[Currency]:
    if currency is None:
        return _CURRENCIES
    return st.just(currency if isinstance(currency, Currency) else Currency.of(currency))


def drafts(
    *,
    currency: Currency | str | None = None,
    prices_include_vat: bool | None = None,
    with_allowance_charges: bool = True,
    max_lines: int = 6,
) -> st.SearchStrategy[Invoice]:
    """Valid, bookable invoice drafts built with ``Invoice.draft``.

    They mix prices excluding and including VAT (unless ``prices_include_vat`` is given),
    document allowances and charges, prepaid amounts, cash rounding increments (0.50 for
    two-decimal currencies, 5 for JPY, ...), derived and explicit due dates, and an
    exemption reason whenever an exempt (E) group is present.
    """
    if max_lines < 1:
        raise InvalidArgument("drafts: max_lines must be at least 1")
    return _drafts(
        _currency_strategy(currency), prices_include_vat, with_allowance_charges, max_lines, None
    )


class _Clock:
    """Strictly increasing timestamps for one invoice's history."""

    def __init__(self, draw: st.DrawFn, start: datetime) -> None:
        self._draw = draw
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(seconds=self._draw(st.integers(1, 3 * 86_400)))
        return self.now


@st.composite
def _invoices(
    draw: st.DrawFn,
    statuses: tuple[Status, ...],
    currency_strategy: st.SearchStrategy[Currency],
    prices_include_vat: bool | None,
) -> Invoice:
    status = statuses[draw(st.integers(0, len(statuses) - 1))]
    min_payable = {Status.PARTIALLY_PAID: 2, Status.PAID: 1}.get(status)
    invoice = draw(_drafts(currency_strategy, prices_include_vat, True, 6, min_payable))
    clock = _Clock(draw, invoice.updated_at)
    places = Currency.of(invoice.currency).minor_units

    if status is Status.DRAFT:
        if draw(st.booleans()):
            invoice = invoice.update(clock.tick(), notes="Updated before booking").invoice
        return invoice
    if status in (Status.SCHEDULED, Status.CANCELLED) or draw(st.integers(0, 4)) == 0:
        now = clock.tick()
        send_at = now + timedelta(hours=draw(st.integers(1, 24 * 30)))
        invoice = invoice.schedule(send_at, now).invoice
    if status is Status.SCHEDULED:
        return invoice
    if status is Status.CANCELLED:
        return invoice.cancel(clock.tick()).invoice

    booked_on = None
    if (
        invoice.due_date_derived
        and invoice.payment_terms.kind is not TermsKind.FIXED
        and draw(st.integers(0, 3)) == 0
    ):
        # Booked later than drafted: the derived due date follows the new date (fixed
        # terms keep their date, which a later booking date could pass).
        booked_on = invoice.issue_date + timedelta(days=draw(st.integers(1, 10)))
    number = f"{invoice.issue_date.year}-{draw(st.integers(1, 99_999)):05d}"
    invoice = invoice.book(number, clock.tick(), booked_on).invoice
    if status is Status.SENT or (status is not Status.SENDING and draw(st.booleans())):
        invoice = invoice.mark_delivered(clock.tick(), draw(_CHANNELS)).invoice
    if status in (Status.SENDING, Status.SENT):
        return invoice

    outstanding = invoice.outstanding
    if status is Status.PARTIALLY_PAID or (
        outstanding >= _decimal(2, places) and draw(st.booleans())
    ):
        # Strictly between nothing and everything that is owed.
        part = _draw_units(draw, _decimal(1, places), outstanding - _decimal(1, places), places)
        paid_on = invoice.issue_date + timedelta(days=draw(st.integers(0, 60)))
        invoice = invoice.record_payment(part, paid_on, clock.tick(), "bank transfer").invoice
    if status is Status.PARTIALLY_PAID:
        return invoice
    if status is Status.PAID:
        paid_on = invoice.issue_date + timedelta(days=draw(st.integers(0, 90)))
        return invoice.record_payment(invoice.outstanding, paid_on, clock.tick()).invoice
    if status is Status.UNCOLLECTIBLE:
        return invoice.mark_uncollectible(clock.tick()).invoice

    # credited: optionally part of one line first, then everything that is left
    credit_date = invoice.issue_date + timedelta(days=draw(st.integers(0, 30)))
    open_lines = [i for i, left in enumerate(invoice.remaining_quantities()) if left]
    if draw(st.booleans()) and open_lines:
        index = open_lines[draw(st.integers(0, len(open_lines) - 1))]
        line = invoice.lines[index]
        assert isinstance(line, ProductLine)  # only product lines have a remaining quantity
        quantity = _draw_units(draw, _decimal(1, MAX_PLACES), line.quantity, MAX_PLACES)
        # Refused when this part alone would exceed what is left: the full credit follows.
        with contextlib.suppress(ValidationError):
            invoice = invoice.credit(
                draw(_UUIDS), clock.tick(), credit_date, [(index, quantity)]
            ).invoice
    if invoice.status is not Status.CREDITED:
        invoice = invoice.credit(draw(_UUIDS), clock.tick(), credit_date).invoice
    return invoice


def _statuses(status: Status | str | Iterable[Status | str] | None) -> tuple[Status, ...]:
    if status is None:
        return tuple(Status)
    if isinstance(status, str):
        return (Status(status),)
    found = tuple(Status(s) for s in status)
    if not found:
        raise InvalidArgument("invoices: status must name at least one status")
    return found


def invoices(
    status: Status | str | Iterable[Status | str] | None = None,
    *,
    currency: Currency | str | None = None,
    prices_include_vat: bool | None = None,
) -> st.SearchStrategy[Invoice]:
    """Invoices in ``status`` (one, several, or every status when None).

    Each is a draft from ``drafts()`` driven through the real transitions: schedule,
    cancel, book, mark_delivered, record_payment, mark_uncollectible and credit (part of
    a line, then everything left), with strictly increasing UTC timestamps.
    """
    return _invoices(_statuses(status), _currency_strategy(currency), prices_include_vat)


def booked_invoices(
    *, currency: Currency | str | None = None, prices_include_vat: bool | None = None
) -> st.SearchStrategy[Invoice]:
    """Invoices in every booked status (numbered, immutable): sending ... credited."""
    return invoices(
        sorted(BOOKED_STATUSES), currency=currency, prices_include_vat=prices_include_vat
    )


def _hypothesis_setup_hook() -> None:
    """Register faktura's strategies for ``st.from_type`` (the hypothesis plugin)."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(PaymentTerms, payment_terms())
    st.register_type_strategy(ProductLine, product_lines())
    st.register_type_strategy(TextLine, text_lines())
    st.register_type_strategy(SeparatorLine, separator_lines())
    st.register_type_strategy(AllowanceCharge, allowance_charges())
    st.register_type_strategy(Invoice, invoices())


# -- parties -------------------------------------------------------------------------------
#
# Sellers and buyers for each national rule set Peppol BIS 3.0 carries (DK, SE, NO, DE,
# NL, IT, GR), a few other EU countries, and buyers outside the EU. Every identifier is
# drawn as digits with its check digit computed by python-stdnum (``calc_check_digit``
# where stdnum has one, else the one digit or pair stdnum accepts), never taken from a
# list of real numbers: the numbers are valid, and most likely belong to no one.

_Digits = st.SearchStrategy[str]
# Strategies are made once and reused: hypothesis validates each new strategy object on
# its first draw, which would otherwise cost more than the drawing itself.
_pick = functools.cache(st.sampled_from)
_ints = functools.cache(st.integers)


@functools.cache
def _digits(size: int, *, first: str = "0123456789") -> _Digits:
    """``size`` decimal digits, the first of them from ``first``."""
    return st.builds(
        lambda head, tail: head + tail,
        _pick(tuple(first)),
        st.text(alphabet="0123456789", min_size=size - 1, max_size=size - 1),
    )


def _stdnum(module: str) -> ModuleType:
    # imported on first use, as faktura.identifiers does: stdnum's util imports network
    # modules, which importing faktura must not pull in.
    return importlib.import_module(f"stdnum.{module}")


def _completed(body: str, module: str, width: int = 1) -> str | None:
    """``body`` followed by the first check of ``width`` digits that makes it valid for
    stdnum's ``module``; None when no check makes it valid."""
    is_valid: Callable[[str], bool] = _stdnum(module).is_valid
    for check in range(10**width):
        candidate = f"{body}{check:0{width}d}"
        if is_valid(candidate):
            return candidate
    return None


def _luhn(body: str) -> str:
    return body + str(_stdnum("luhn").calc_check_digit(body))


@functools.cache
def _completions(body: _Digits, module: str, width: int) -> st.SearchStrategy[str | None]:
    return body.map(lambda b: _completed(b, module, width)).filter(bool)


def _draw_completed(draw: st.DrawFn, body: _Digits, module: str, width: int = 1) -> str:
    number = draw(_completions(body, module, width))
    assert number is not None
    return number


# Registration numbers (the part of a VAT number after the country prefix), by country.
def _dk_cvr(draw: st.DrawFn) -> str:
    return _draw_completed(draw, _digits(7, first="123456789"), "dk.cvr")


def _se_orgnr(draw: st.DrawFn) -> str:
    return _luhn(draw(_digits(9, first="5")))  # aktiebolag: 55...


def _no_orgnr(draw: st.DrawFn) -> str:
    return _draw_completed(draw, _digits(8, first="89"), "no.orgnr")


def _de_vat(draw: st.DrawFn) -> str:
    body = draw(_digits(8, first="123456789"))
    check = _stdnum("iso7064.mod_11_10").calc_check_digit(body)
    return f"DE{body}{check}"


def _nl_vat(draw: st.DrawFn) -> str:
    rsin = _draw_completed(draw, _digits(8, first="123456789"), "nl.bsn")
    return f"NL{rsin}B{draw(_ints(1, 99)):02d}"


def _it_vat(draw: st.DrawFn) -> str:
    office = draw(_ints(1, 100))
    return "IT" + _luhn(f"{draw(_digits(7, first='123456789'))}{office:03d}")


def _gr_vat(draw: st.DrawFn) -> str:
    body = draw(_digits(8))
    return f"EL{body}{_stdnum('gr.vat').calc_check_digit(body)}"


def _fr_vat(draw: st.DrawFn) -> str:
    siren = _luhn(draw(_digits(8, first="123456789")))
    return next(
        f"FR{key:02d}{siren}"
        for key in range(100)
        if _stdnum("fr.tva").is_valid(f"FR{key:02d}{siren}")
    )


def _be_vat(draw: st.DrawFn) -> str:
    return "BE" + _draw_completed(draw, _digits(8, first="01"), "be.vat", width=2)


def _fi_vat(draw: st.DrawFn) -> str:
    return "FI" + _draw_completed(draw, _digits(7, first="0123"), "fi.alv")


@functools.cache
def _gln(prefix: str) -> _Digits:
    """13-digit GLN/EAN location numbers under a GS1 country prefix."""
    calc = _stdnum("ean").calc_check_digit
    return _digits(12 - len(prefix)).map(lambda body: prefix + body + calc(prefix + body))


def _iban(country: str, bban: str) -> str:
    calc = _stdnum("iban").calc_check_digits
    return f"{country}{calc(country + '00' + bban)}{bban}"


def _valid_iban(number: str) -> bool:
    is_valid: Callable[[str], bool] = _stdnum("iban").is_valid
    return is_valid(number)


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM = _UPPER + "0123456789"


@functools.cache
def _letters(size: int, alphabet: str = _UPPER) -> _Digits:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)


@attrs.frozen
class _Nation:
    """What a party of one country looks like: how its numbers, addresses and bank
    accounts are written, and its seller defaults (currency, locale, standard VAT rate)."""

    code: str
    eu: bool
    vat: Callable[[st.DrawFn], str] | None  # the full VAT number, prefix included
    gln_prefix: str
    postal: _Digits
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    bban: _Digits | None = None
    currency: str = "EUR"
    locale: str = "en"
    rate: Decimal = Decimal(25)
    forms: tuple[str, ...] = ("Ltd",)
    phone: str = "+1"


def _bban_no(draw: st.DrawFn) -> str:
    return _draw_completed(draw, _digits(10, first="123456789"), "no.kontonr")


_NATIONS: dict[str, _Nation] = {
    nation.code: nation
    for nation in (
        _Nation(
            "DK",
            True,
            lambda draw: "DK" + _dk_cvr(draw),
            "57",
            _digits(4, first="123456789"),
            ("København K", "Aarhus C", "Odense C", "Aalborg", "Ærøskøbing"),
            ("Vestergade", "Nørregade", "Havnegade", "Åboulevard"),
            _digits(14),
            "DKK",
            "da",
            Decimal(25),
            ("ApS", "A/S", "I/S", "IVS"),
            "+45",
        ),
        _Nation(
            "SE",
            True,
            lambda draw: f"SE{_se_orgnr(draw)}01",
            "73",
            st.builds("{} {}".format, _digits(3, first="1234589"), _digits(2)),
            ("Stockholm", "Göteborg", "Malmö", "Umeå"),
            ("Storgatan", "Drottninggatan", "Kungsvägen"),
            _digits(20),
            "SEK",
            "sv",
            Decimal(25),
            ("AB", "HB"),
            "+46",
        ),
        _Nation(
            "NO",
            False,
            lambda draw: f"NO{_no_orgnr(draw)}MVA",
            "70",
            _digits(4),
            ("Oslo", "Bergen", "Trondheim", "Tromsø"),
            ("Karl Johans gate", "Storgata", "Bryggen"),
            st.composite(_bban_no)(),
            "NOK",
            "nb",
            Decimal(25),
            ("AS", "ASA"),
            "+47",
        ),
        _Nation(
            "DE",
            True,
            _de_vat,
            "40",
            _digits(5, first="0123456789"),
            ("Berlin", "München", "Hamburg", "Köln"),
            ("Hauptstraße", "Bahnhofstraße", "Schillerstraße"),
            _digits(18),
            "EUR",
            "de",
            Decimal(19),
            ("GmbH", "AG", "KG"),
            "+49",
        ),
        _Nation(
            "NL",
            True,
            _nl_vat,
            "87",
            st.builds("{} {}".format, _digits(4, first="123456789"), _letters(2)),
            ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag"),
            ("Kerkstraat", "Dorpsstraat", "Prinsengracht"),
            st.builds("{}{}".format, _letters(4), _digits(10)),
            "EUR",
            "nl",
            Decimal(21),
            ("B.V.", "N.V."),
            "+31",
        ),
        _Nation(
            "IT",
            True,
            _it_vat,
            "80",
            _digits(5),
            ("Roma", "Milano", "Napoli", "Torino"),
            ("Via Roma", "Via Garibaldi", "Corso Italia"),
            st.builds("{}{}{}".format, _letters(1), _digits(10), _letters(12, _ALNUM)),
            "EUR",
            "it",
            Decimal(22),
            ("S.r.l.", "S.p.A."),
            "+39",
        ),
        _Nation(
            "GR",
            True,
            _gr_vat,
            "520",
            st.builds("{} {}".format, _digits(3, first="123456789"), _digits(2)),
            ("Αθήνα", "Θεσσαλονίκη", "Patra", "Heraklion"),
            ("Odos Ermou", "Λεωφόρος Κηφισίας", "Odos Stadiou"),
            st.builds("{}{}".format, _digits(7), _letters(16, _ALNUM)),
            "EUR",
            "el",
            Decimal(24),
            ("A.E.", "E.P.E.", "I.K.E."),
            "+30",
        ),
        _Nation(
            "FR",
            True,
            _fr_vat,
            "30",
            _digits(5, first="0123456789"),
            ("Paris", "Lyon", "Marseille", "Nantes"),
            ("Rue de la Paix", "Avenue Victor Hugo", "Boulevard Saint-Michel"),
            st.builds("{}{}{}".format, _digits(10), _letters(11, _ALNUM), _digits(2)),
            "EUR",
            "fr",
            Decimal(20),
            ("SAS", "SARL", "SA"),
            "+33",
        ),
        _Nation(
            "BE",
            True,
            _be_vat,
            "54",
            _digits(4, first="123456789"),
            ("Bruxelles", "Antwerpen", "Gent", "Liège"),
            ("Rue Neuve", "Meir", "Veldstraat"),
            _digits(10).map(lambda b: b + f"{(int(b) % 97) or 97:02d}"),
            "EUR",
            "nl",
            Decimal(21),
            ("BV", "NV", "SRL"),
            "+32",
        ),
        _Nation(
            "FI",
            True,
            _fi_vat,
            "64",
            _digits(5),
            ("Helsinki", "Espoo", "Tampere", "Oulu"),
            ("Mannerheimintie", "Aleksanterinkatu", "Hämeenkatu"),
            _digits(14),
            "EUR",
            "fi",
            Decimal("25.5"),
            ("Oy", "Oyj"),
            "+358",
        ),
        # Buyers outside the EU and outside Peppol's national rule sets.
        _Nation(
            "CH",
            False,
            None,
            "76",
            _digits(4, first="123456789"),
            ("Zürich", "Genève", "Basel"),
            ("Bahnhofstrasse", "Rue du Rhône"),
            currency="CHF",
            locale="de",
            forms=("AG", "GmbH", "SA"),
            phone="+41",
        ),
        _Nation(
            "GB",
            False,
            None,
            "50",
            _pick(("SW1A 1AA", "EC1A 1BB", "M1 1AE", "EH1 1YZ")),
            ("London", "Manchester", "Edinburgh"),
            ("High Street", "Station Road"),
            currency="GBP",
            forms=("Ltd", "PLC", "LLP"),
            phone="+44",
        ),
        _Nation(
            "US",
            False,
            None,
            "0",
            _digits(5, first="123456789"),
            ("New York", "Seattle", "Austin"),
            ("Main Street", "Broadway", "5th Avenue"),
            currency="USD",
            forms=("Inc.", "LLC", "Corp."),
            phone="+1",
        ),
        _Nation(
            "JP",
            False,
            None,
            "45",
            st.builds("{}-{}".format, _digits(3), _digits(4)),
            ("Tokyo", "Osaka", "Kyoto"),
            ("Chuo-dori", "Ginza"),
            currency="JPY",
            locale="ja",
            forms=("K.K.", "G.K."),
            phone="+81",
        ),
    )
}

#: The seller countries whose national rules Peppol BIS 3.0 carries.
NATIONAL_RULE_COUNTRIES = ("DK", "SE", "NO", "DE", "NL", "IT", "GR")
#: Every country ``companies`` draws sellers from: the national rule sets and a few
#: other EU countries.
SELLER_COUNTRIES = (*NATIONAL_RULE_COUNTRIES, "FR", "BE", "FI")
_EU = tuple(code for code, nation in _NATIONS.items() if nation.eu)
_NON_EU = tuple(code for code, nation in _NATIONS.items() if not nation.eu)

_NAME_STEMS = (
    "Nordlys",
    "Fjord",
    "Bjørk & Søn",
    "Müller",
    "Kanal",
    "Aurora",
    "Olivo",
    "Λευκός",
    "Lumière",
    "Havn <Data>",
)
_LOCAL_PARTS = ("faktura", "invoice", "ap", "billing", "jens.jensen", "anna_k")
_PERSON_NAMES = ("Jens Jensen", "Anna Svensson", "Kari Nordmann", "Ελένη Παπαδοπούλου", "Luca")


def _present(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` % of the time. Hypothesis favours small integers and
    shrinks towards 0, so a field is present in the small draws: absence is what is
    rarer, as ``percent`` says, and the shrunk example keeps the usual fields."""
    return draw(_ints(0, 99)) < percent


def _accepted(check: Callable[[object, str], str], value: str) -> str | None:
    """``value`` when faktura accepts it as that identifier, else None: a number faktura
    cannot yet model (Norway's ``NO…MVA``) is left out, as a user would have to."""
    try:
        return check(value, "vatId")
    except ValidationError:
        return None


def _draw_vat_id(draw: st.DrawFn, nation: _Nation) -> str | None:
    if nation.vat is None:
        return None
    return _accepted(identifiers.vat_id, nation.vat(draw))


def _draw_address(draw: st.DrawFn, nation: _Nation, complete: int) -> Address:
    """An address in ``nation``; each of street, postal code and city is present
    ``complete`` % of the time."""
    street = f"{draw(_pick(nation.streets))} {draw(_ints(1, 250))}"
    return Address(
        street=street if _present(draw, complete) else None,
        city=draw(_pick(nation.cities)) if _present(draw, complete) else None,
        postal_code=draw(nation.postal) if _present(draw, complete) else None,
        country=nation.code,
        additional=draw(_pick(("2. sal", "Building B", "c/o Finance")))
        if _present(draw, 15)
        else None,
    )


def _draw_name(draw: st.DrawFn, nation: _Nation) -> str:
    return f"{draw(_pick(_NAME_STEMS))} {draw(_pick(nation.forms))}"


def _draw_email(draw: st.DrawFn, nation: _Nation) -> str:
    domain = draw(_pick(("example", "firma", "handel")))
    return f"{draw(_pick(_LOCAL_PARTS))}@{domain}.{nation.code.lower()}"


@functools.cache
def _bbans(country: str) -> _Digits:
    bban = _NATIONS[country].bban
    assert bban is not None
    return bban.filter(lambda b: _valid_iban(_iban(country, b)))


def _draw_bank(draw: st.DrawFn, nation: _Nation, percent: int = 90) -> BankAccount | None:
    """No bank (sometimes: present ``percent`` % of the time); a Danish seller has a
    reg./account number, an IBAN or both; everyone else an IBAN; the BIC is there about
    half of the time."""
    if nation.bban is None or not _present(draw, percent):
        return None
    # stdnum also checks national parts (Norway's and Belgium's check digits, Belgium's
    # bank codes): an account it refuses is drawn again.
    bban = draw(_bbans(nation.code))
    bic = None
    if _present(draw, 50):
        bic = draw(_letters(4)) + nation.code + draw(_letters(2, _ALNUM))
        if _present(draw, 30):
            bic += draw(_letters(3, _ALNUM))
    iban = _iban(nation.code, bban)
    if nation.code != "DK":
        return BankAccount(iban=iban, bic=bic)
    reg_no, account_no = bban[:4], bban[4:].lstrip("0") or "0"
    shape = draw(_ints(0, 2))  # both, reg./account only, IBAN only
    return BankAccount(
        reg_no=reg_no if shape < 2 else None,
        account_no=account_no if shape < 2 else None,
        iban=iban if shape != 1 else None,
        bic=bic if shape != 1 else None,
    )


@st.composite
def _companies(draw: st.DrawFn, countries: tuple[str, ...], ids: st.SearchStrategy[str]) -> Company:
    nation = _NATIONS[draw(_pick(countries))]
    danish = nation.code == "DK"
    cvr = vat_id = None
    if danish:
        cvr = _dk_cvr(draw) if _present(draw, 95) else None
        if _present(draw, 95):
            vat_id = f"DK{cvr}" if cvr is not None else _draw_vat_id(draw, nation)
    elif _present(draw, 97):
        vat_id = _draw_vat_id(draw, nation)
    # Outside Denmark the GLN is the only endpoint faktura knows (scheme 0088).
    ean = draw(_gln(nation.gln_prefix)) if _present(draw, 30 if danish else 97) else None
    name = _draw_name(draw, nation)
    bank = _draw_bank(draw, nation)
    other_banks: list[BankAccount] = []
    while bank is not None and len(other_banks) < 2 and _rare(draw, 25):
        other = _draw_bank(draw, nation, 100)
        assert other is not None
        other_banks.append(other)
    return Company(
        id=draw(ids),
        name=name,
        address=_draw_address(draw, nation, 98),
        cvr=cvr,
        vat_id=vat_id,
        ean=ean,
        bank=bank,
        fik_creditor=draw(_digits(8)) if danish and _present(draw, 35) else None,
        currency=nation.currency,
        payment_terms=draw(_DRAFT_TERMS[TermsKind.NET]),
        locale=nation.locale,
        standard_vat_rate=nation.rate,
        email=_draw_email(draw, nation) if _present(draw, 80) else None,
        phone=f"{nation.phone} {draw(_digits(8))}" if _present(draw, 60) else None,
        payee=_draw_payee(draw, nation, name) if _rare(draw, 20) else None,
        other_banks=tuple(other_banks),
    )


def _rare(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` % of the time, and False in the shrunk example: for what
    few documents have (a payee, more than one account)."""
    return draw(_ints(0, 99)) >= 100 - percent


_PAYEE_NAMES = ("Nordisk Factoring A/S", "Finans Øst ApS", "Kredit & Co. AB")


def _draw_payee(draw: st.DrawFn, nation: _Nation, seller: str) -> Payee:
    """A factoring company: its name (never the seller's), sometimes its GLN (0088) as
    identifier and its CVR (0184) or a register number without scheme as legal id."""
    name = draw(_pick(tuple(n for n in _PAYEE_NAMES if n != seller)))
    identifier = draw(_gln(nation.gln_prefix)) if _present(draw, 50) else None
    legal_id = legal_scheme = None
    shape = draw(_ints(0, 2))  # none, a CVR under 0184, a number without scheme
    if shape == 1:
        legal_id, legal_scheme = _dk_cvr(draw), "0184"
    elif shape == 2:
        legal_id = draw(_digits(8))
    return Payee(
        name,
        identifier=identifier,
        identifier_scheme="0088" if identifier is not None else None,
        legal_id=legal_id,
        legal_id_scheme=legal_scheme,
    )


def companies(
    country: str | Iterable[str] | None = None, *, ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Company]:
    """Sellers in ``country`` (one code, several, or every one of ``SELLER_COUNTRIES``
    when None): the countries of Peppol BIS 3.0's national rules (DK, SE, NO, DE, NL, IT,
    GR) and FR, BE and FI.

    Each has its country's address format, currency, locale and standard VAT rate, and
    draws every optional field sometimes present, sometimes absent: a Danish seller its
    CVR, VAT number (DK + CVR), GLN, FIK creditor and a bank account with a reg./account
    number, an IBAN or both; every other seller its VAT number (when faktura can model
    it: not yet Norway's ``NO…MVA``), GLN (its Peppol endpoint, most of the time) and an
    IBAN; the BIC, e-mail and phone. Identifiers carry check digits computed by
    python-stdnum. ``ids`` gives the company ids (uuids when None).
    """
    wanted: tuple[str, ...]
    if country is None:
        wanted = SELLER_COUNTRIES
    else:
        wanted = (country,) if isinstance(country, str) else tuple(country)
    unknown = [code for code in wanted if code not in SELLER_COUNTRIES]
    if not wanted or unknown:
        raise InvalidArgument(
            f"companies: country must be among {', '.join(SELLER_COUNTRIES)}; got {unknown}"
        )
    return _companies(wanted, ids if ids is not None else _UUIDS)


def _buyer_nation(draw: st.DrawFn, seller: str, zone: VatZone) -> _Nation:
    if zone in (VatZone.DOMESTIC, VatZone.DOMESTIC_EXEMPT):
        return _NATIONS[seller]
    if zone is VatZone.EU:
        return _NATIONS[draw(_pick(tuple(c for c in _EU if c != seller)))]
    return _NATIONS[draw(_pick(tuple(c for c in _NON_EU if c != seller)))]


@st.composite
def _customers(
    draw: st.DrawFn,
    company: Company,
    zones: tuple[VatZone, ...],
    ids: st.SearchStrategy[str],
) -> Customer:
    zone = draw(_pick(zones))
    nation = _buyer_nation(draw, company.address.country, zone)
    danish = nation.code == "DK"
    cvr = _dk_cvr(draw) if danish and _present(draw, 85) else None
    vat_id = None
    if _present(draw, 90 if zone is VatZone.EU else 50):
        vat_id = f"DK{cvr}" if cvr is not None else _draw_vat_id(draw, nation)
    ean = draw(_gln(nation.gln_prefix)) if _present(draw, 35 if cvr else 97) else None
    departments = tuple(
        Department(
            id=f"dep-{index}",
            name=draw(_pick(("Indkøb", "IT-afdelingen", "Finance", "Økonomi"))),
            ean=draw(_gln(nation.gln_prefix)) if _present(draw, 70) else None,
            address=_draw_address(draw, nation, 95) if _present(draw, 50) else None,
        )
        for index in range(draw(_ints(0, 2)))
    )
    contacts = tuple(
        Contact(
            id=f"con-{index}",
            name=draw(_pick(_PERSON_NAMES)),
            email=_draw_email(draw, nation) if _present(draw, 70) else None,
        )
        for index in range(draw(_ints(0, 2)))
    )
    return Customer(
        id=draw(ids),
        company_id=company.id,
        name=_draw_name(draw, nation),
        number=str(draw(_ints(1, 99_999))) if _present(draw, 90) else None,
        address=_draw_address(draw, nation, 98),
        vat_zone=zone,
        cvr=cvr,
        vat_id=vat_id,
        ean=ean,
        email=_draw_email(draw, nation) if _present(draw, 70) else None,
        language=nation.locale if _present(draw, 40) else None,
        payment_terms=draw(_DRAFT_TERMS[TermsKind.NET]) if _present(draw, 30) else None,
        departments=departments,
        contacts=contacts,
        # rare: each of these e-invoices renders and embeds its PDF
        attach_pdf=not _present(draw, 97),
    )


def customers(
    company: Company,
    *,
    zone: VatZone | str | Iterable[VatZone | str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Customer]:
    """Buyers of ``company`` in ``zone`` (one, several, or every ``VatZone`` when None).

    A domestic (or domestic exempt) buyer sits in the seller's country, an EU buyer in
    another EU country, a buyer abroad outside the EU (NO, CH, GB, US, JP, never the
    seller's own country). Optional fields are sometimes present, sometimes absent: a
    Danish buyer's CVR, the VAT number (DK + CVR, or the country's own; most EU buyers
    have one), the GLN (the buyer's Peppol endpoint when it has no CVR), the customer
    number, e-mail, language, payment terms, up to two departments (with or without a
    GLN and an address of their own) and up to two contacts (with or without e-mail);
    rarely one that asks for the PDF in its e-invoices (``attach_pdf``). ``ids`` gives
    the customer ids (uuids when None).
    """
    if zone is None:
        zones = tuple(VatZone)
    elif isinstance(zone, str):
        zones = (VatZone(zone),)
    else:
        zones = tuple(VatZone(z) for z in zone)
    if not zones:
        raise InvalidArgument("customers: zone must name at least one VAT zone")
    return _customers(company, zones, ids if ids is not None else _UUIDS)
