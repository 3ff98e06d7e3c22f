"""Hypothesis strategies for faktura's values, from currencies to invoices in every status.

Every value is built through faktura's own constructors and transitions
(``Invoice.draft``, ``book``, ``mark_delivered``, ``record_payment``, ``credit`` ...), so
a strategy yields exactly what a host application can meet. Amounts are at their
currency's precision, quantities and prices keep at most 6 decimals and stay far below
faktura's 10^12 bound, and every timestamp is timezone-aware (UTC).

Installing faktura registers a hypothesis plugin, so ``st.from_type(Invoice)`` (and
``Currency``, ``PaymentTerms``, ``ProductLine``, ``AllowanceCharge``, ``TextLine``,
``SeparatorLine``) works without importing this module.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.errors import ValidationError
from faktura.invoice import BOOKED_STATUSES, Invoice, Status
from faktura.lines import AllowanceCharge, Line, ProductLine, SeparatorLine, TextLine
from faktura.money import MAX_MAGNITUDE, MAX_PLACES, ZERO, Currency
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.terms import MAX_TERM_DAYS, PaymentTerms, TermsKind
from faktura.totals import compute_totals, payment_places
from faktura.vat import VatCategory

__all__ = [
    "CURRENCY_CODES",
    "VatGroupKey",
    "allowance_charges",
    "amounts",
    "booked_invoices",
    "currencies",
    "document_lines",
    "document_references",
    "drafts",
    "invoices",
    "lines",
    "payment_terms",
    "product_lines",
    "quantities",
    "separator_lines",
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
    return Invoice.draft(
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
        **draw(_PERIODS),  # type: ignore[arg-type]
    ).invoice


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
