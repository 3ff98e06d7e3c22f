"""Drafts: valid, bookable invoice drafts built with ``Invoice.draft``, mixing prices
with and without VAT, allowances and charges, prepaid amounts, cash rounding, derived
and explicit due dates, invoicing periods, references, a deliver-to and supporting
documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.invoice import Invoice
from faktura.lines import AllowanceCharge, Line, ProductLine
from faktura.money import ZERO, Currency
from faktura.references import NO_REFERENCES
from faktura.terms import PaymentTerms, TermsKind
from faktura.totals import compute_totals, payment_places
from faktura.vat import VatCategory

from ._allowances import draw_allowance_charge
from ._documents import deliver_tos, document_references, draw_supporting_documents
from ._draw import MAX_DATE, MIN_DATE, UUIDS, ints, strategy_of
from ._lines import draw_document_lines
from ._numbers import currency_strategy, decimal, draw_units
from ._terms import TERMS_BY_KIND
from ._text import OPTIONAL_TEXT
from ._vat import draw_vat_groups

_CASH_INCREMENTS = {
    0: tuple(Decimal(v) for v in ("1", "5", "10")),
    2: tuple(Decimal(v) for v in ("0.50", "0.25", "0.05", "0.10", "1.00")),
}
_EXEMPTION_REASONS = (
    "Exempt under section 13(1) of the Danish VAT Act",
    "Medical services, exempt",
)
_TERMS_KINDS = st.sampled_from(tuple(TermsKind))
_DATES = st.dates(MIN_DATE, MAX_DATE)
_DELIVERY_DATES = st.none() | _DATES
#: No invoicing period, or one of up to a year (BG-14: both ends, start ≤ end).
_PERIODS: st.SearchStrategy[dict[str, date]] = st.just({}) | st.builds(
    lambda start, days: {"period_start": start, "period_end": start + timedelta(days=days)},
    st.dates(MIN_DATE, MAX_DATE - timedelta(days=366)),
    st.integers(0, 366),
)
_COMPANY_IDS = st.sampled_from(("company-1", "company-2"))
_CUSTOMER_IDS = st.sampled_from(("customer-1", "customer-2", "customer-3"))
_OPTIONAL_REASON = st.none() | st.just(_EXEMPTION_REASONS[0])
_REQUIRED_REASON = st.sampled_from(_EXEMPTION_REASONS)
_INCREMENTS = {
    places: st.none() | st.sampled_from(options) for places, options in _CASH_INCREMENTS.items()
}
_REFERENCES = st.just(NO_REFERENCES) | document_references()
_DELIVER_TO = st.none() | deliver_tos()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def draw_draft(
    draw: st.DrawFn,
    currencies: st.SearchStrategy[Currency],
    prices_include_vat: bool | None,
    with_allowance_charges: bool,
    max_lines: int,
    min_payable: int | None,
) -> Invoice:
    """``drafts``, drawn; a draft whose payable amount is at least ``min_payable`` minor
    units when that is given (what ``invoices`` pays in part or in full)."""
    currency = draw(currencies)
    places = payment_places(currency)
    least = decimal(min_payable or 0, places)
    groups = draw_vat_groups(draw, 3)
    doc_lines = draw_document_lines(draw, groups, 1, max_lines, None)
    extras: tuple[AllowanceCharge, ...] = ()
    if with_allowance_charges:
        extras = tuple(
            draw_allowance_charge(draw, currency, groups, 100)
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
        prepaid = draw_units(draw, 0, amount, places)
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
        terms = draw(TERMS_BY_KIND[kind])
    due_date = None
    if draw(st.integers(0, 4)) == 0:
        due_date = issue_date + timedelta(days=draw(st.integers(0, 120)))
    at = _midnight(issue_date) + timedelta(seconds=draw(st.integers(0, 86_399)))
    period = draw(_PERIODS)
    if period:
        doc_lines = _within(doc_lines, period["period_start"], period["period_end"])
    draft = Invoice.draft(
        id=draw(UUIDS),
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
        reference=draw(OPTIONAL_TEXT),
        our_reference=draw(OPTIONAL_TEXT),
        references=draw(_REFERENCES),
        description=draw(OPTIONAL_TEXT),
        notes=draw(OPTIONAL_TEXT),
        delivery_date=draw(_DELIVERY_DATES),
        deliver_to=draw(_DELIVER_TO),
        **period,  # type: ignore[arg-type]
    ).invoice
    if draw(ints(0, 4)) == 0:  # a fifth keep supporting documents
        return draft.attach(at, draw_supporting_documents(draw)).invoice
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
    return strategy_of(
        draw_draft,
        currency_strategy(currency),
        prices_include_vat,
        with_allowance_charges,
        max_lines,
        None,
    )
