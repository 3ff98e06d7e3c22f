"""The VAT in the accounting currency: exchange rates from the host, converted once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.errors import NotFoundError, ValidationError
from faktura.exchange import ExchangeRate, FixedRates

DAY = date(2026, 12, 7)
amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("99999"), places=6)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        ("250.00", "7.4604", "1865.10"),
        ("0.01", "0.5", "0.01"),  # 0.005 rounds half away from zero
        ("-0.01", "0.5", "-0.01"),
        ("100", "0.123456", "12.35"),
    ],
)
def test_convert_rounds_half_away_from_zero(amount: str, rate: str, expected: str) -> None:
    converted = ExchangeRate("EUR", "DKK", Decimal(rate), DAY).convert(Decimal(amount))
    assert converted == Decimal(expected)
    assert str(converted) == expected


def test_a_zero_decimal_target_rounds_to_whole_units() -> None:
    assert ExchangeRate("EUR", "JPY", Decimal("161.5"), DAY).convert(Decimal("1.01")) == 163


@given(amount=amounts, rate=rates)
def test_a_credit_note_converts_to_the_exact_negation(amount: Decimal, rate: Decimal) -> None:
    exchange = ExchangeRate("EUR", "DKK", rate, DAY)
    assert exchange.convert(-amount) == -exchange.convert(amount)
    assert abs(exchange.convert(amount) - amount * rate) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("EUR", "DKK", Decimal(0), DAY), "exchange_rate"),
        (("EUR", "DKK", Decimal("-7.46"), DAY), "exchange_rate"),
        (("EUR", "DKK", Decimal("7.4604001"), DAY), "exchange_rate"),
        (("EUR", "DKK", 7.46, DAY), "exchange_rate"),
        (("EUR", "DKK", Decimal("NaN"), DAY), "exchange_rate"),
        (("EUR", "EUR", Decimal("1"), DAY), "vat_accounting_currency"),
        (("XXX", "DKK", Decimal("1"), DAY), "currency"),
        (("EUR", "ZZZ", Decimal("1"), DAY), "vat_accounting_currency"),
        (("EUR", "DKK", Decimal("1"), "2026-12-07"), "exchange_rate_date"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ExchangeRate(*arguments)  # type: ignore[arg-type]
    assert caught.value.errors[0].path == field


def test_a_missing_rate_is_not_found() -> None:
    rates = FixedRates({("EUR", "DKK"): Decimal("7.4604")})
    assert rates.rate("EUR", "DKK", DAY).rate == Decimal("7.4604")
    with pytest.raises(NotFoundError):
        rates.rate("USD", "DKK", DAY)
