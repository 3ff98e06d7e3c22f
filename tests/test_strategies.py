"""The public strategies (faktura.testing.strategies): their names, their argument checks,
and that what they draw reaches the edge cases the property tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.invoice import Invoice, Status
from faktura.lines import ProductLine, SeparatorLine, TextLine
from faktura.money import Currency
from faktura.parties import Company
from faktura.terms import TermsKind
from faktura.testing import strategies
from faktura.testing.strategies import (
    NATIONAL_RULE_COUNTRIES,
    SELLER_COUNTRIES,
    amounts,
    booked_invoices,
    companies,
    currencies,
    customers,
    document_lines,
    drafts,
    invoices,
    payment_terms,
    product_lines,
    quantities,
    unit_prices,
    vat_groups,
)
from faktura.vat import VatCategory, VatZone

DKK = Currency.of("DKK")
JPY = Currency.of("JPY")
SELLER = Company(id="c-1", name="Nordlys ApS")


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _missed(
    strategy: st.SearchStrategy[Any], features: dict[str, Callable[[Any], bool]], examples: int
) -> set[str]:
    """The features no example of ``strategy`` among the first ``examples`` has."""
    seen: set[str] = set()

    @settings(max_examples=examples, phases=[Phase.generate])
    @given(strategy)
    def collect(value: Any) -> None:
        seen.update(name for name, has in features.items() if has(value))

    collect()
    return set(features) - seen


# -- names ---------------------------------------------------------------------------------


#: What hosts import from faktura.testing.strategies (docs/index.md).
PUBLIC = {
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
}


def test_every_public_name_is_importable_from_the_package() -> None:
    assert set(strategies.__all__) == PUBLIC
    for name in strategies.__all__:
        assert hasattr(strategies, name), name
    # the hypothesis plugin's entry point (pyproject.toml) names this hook
    assert callable(strategies._hypothesis_setup_hook)


# -- argument checks -----------------------------------------------------------------------

BAD_ARGUMENTS: dict[str, Callable[[], object]] = {
    "no currency codes": lambda: currencies(()),
    "amount bounds reversed": lambda: amounts(DKK, min_value=5, max_value=1),
    "no yen between 0.1 and 0.9": lambda: amounts(
        JPY, min_value=Decimal("0.1"), max_value=Decimal("0.9")
    ),
    "quantity beyond 10^12": lambda: quantities(max_value=10**12),
    "unit price bounds reversed": lambda: unit_prices(min_value=2, max_value=1),
    "no VAT group": lambda: vat_groups(max_size=0),
    "more products than lines": lambda: document_lines(min_products=3, max_size=2),
    "terms beyond the longest": lambda: payment_terms(max_days=-1),
    "no terms kind": lambda: payment_terms([]),
    "a draft without lines": lambda: drafts(max_lines=0),
    "no status": lambda: invoices([]),
    "a seller country without rules": lambda: companies("US"),
    "no seller country": lambda: companies([]),
    "no VAT zone": lambda: customers(SELLER, zone=[]),
}


@pytest.mark.parametrize("call", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_refused_when_the_strategy_is_made(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        call()


def test_several_statuses_select_each_of_them_and_no_other() -> None:
    wanted = {Status.PAID, Status.CREDITED}
    reached = {status: lambda invoice, s=status: invoice.status is s for status in list(Status)}
    assert _missed(invoices(["paid", Status.CREDITED]), reached, 40) == set(Status) - wanted


# -- what they draw ------------------------------------------------------------------------


def test_amounts_and_quantities_reach_zero_negatives_and_every_precision() -> None:
    assert not _missed(
        amounts(DKK, min_value=-10, max_value=10),
        {
            "zero": lambda a: a == 0,
            "negative": lambda a: a < 0,
            "cents": lambda a: _places(a) == 2,
        },
        100,
    )
    assert not _missed(
        quantities(min_value=-5, max_value=5),
        {
            "negative": lambda q: q < 0,
            "whole": lambda q: q == q.to_integral_value(),
            "six places": lambda q: _places(q) == 6,
        },
        200,
    )
    assert not _missed(
        unit_prices(),
        {"zero": lambda p: p == 0, "two places": lambda p: _places(p) == 2},
        200,
    )
    assert not _missed(
        currencies(), {f"{n} minor units": lambda c, n=n: c.minor_units == n for n in (0, 2, 3)}, 60
    )


def test_product_lines_reach_unicode_discounts_periods_and_item_details() -> None:
    assert not _missed(
        product_lines(),
        {
            "non-ASCII description": lambda line: not line.description.isascii(),
            "discount": lambda line: line.discount_percent > 0,
            "line period": lambda line: line.period_start is not None,
            "buyer's item id": lambda line: line.item.buyer_id is not None,
            "zero-rated": lambda line: line.vat_rate == 0,
            "outside scope": lambda line: line.vat_category is VatCategory.O,
        },
        300,
    )
    assert not _missed(
        document_lines(),
        {
            "text": lambda lines: any(isinstance(line, TextLine) for line in lines),
            "separator": lambda lines: any(isinstance(line, SeparatorLine) for line in lines),
            "several products": lambda lines: (
                sum(isinstance(line, ProductLine) for line in lines) > 1
            ),
        },
        100,
    )


def test_vat_groups_stand_together_as_the_rules_allow() -> None:
    @given(vat_groups())
    def check(groups: tuple[tuple[VatCategory, Decimal], ...]) -> None:
        assert len(set(groups)) == len(groups)
        assert all((rate > 0) == (category is VatCategory.S) for category, rate in groups)
        if any(category is VatCategory.O for category, _ in groups):
            assert len(groups) == 1

    check()


def test_drafts_reach_every_optional_part() -> None:
    assert not _missed(
        drafts(),
        {
            "allowances or charges": lambda d: bool(d.allowance_charges),
            "prepaid": lambda d: d.prepaid_amount > 0,
            "cash rounding": lambda d: d.cash_increment is not None,
            "prices including VAT": lambda d: d.prices_include_vat,
            "invoicing period": lambda d: d.period_start is not None,
            "deliver-to": lambda d: d.deliver_to is not None,
            "supporting documents": lambda d: bool(d.attachments),
            "exemption reason": lambda d: d.vat_exemption_reason is not None,
            "explicit due date": lambda d: not d.due_date_derived,
            **{f"{kind} terms": lambda d, k=kind: d.payment_terms.kind is k for kind in TermsKind},
        },
        300,
    )


@pytest.mark.parametrize("status", list(Status))
def test_invoices_are_in_the_status_asked_for(status: Status) -> None:
    @settings(max_examples=10)
    @given(invoices(status))
    def check(invoice: Invoice) -> None:
        assert invoice.status is status

    check()


def test_booked_invoices_keep_their_currency() -> None:
    @settings(max_examples=20)
    @given(booked_invoices(currency="JPY"))
    def check(invoice: Invoice) -> None:
        assert invoice.currency == "JPY"
        assert invoice.number is not None

    check()


def test_sellers_and_buyers_sit_where_asked() -> None:
    assert not _missed(
        companies(),
        {
            country: lambda c, code=country: c.address.country == code
            for country in SELLER_COUNTRIES
        },
        200,
    )

    @settings(max_examples=60)
    @given(st.data(), st.sampled_from(NATIONAL_RULE_COUNTRIES), st.sampled_from(list(VatZone)))
    def check(data: st.DataObject, country: str, zone: VatZone) -> None:
        seller = data.draw(companies(country))
        buyer = data.draw(customers(seller, zone=zone))
        assert seller.address.country == country
        assert buyer.company_id == seller.id
        assert buyer.vat_zone is zone
        home = buyer.address.country == country
        assert home == (zone in (VatZone.DOMESTIC, VatZone.DOMESTIC_EXEMPT))

    check()
