"""Numbers: currencies, amounts at a currency's precision, quantities, unit prices and
timestamps, and the exact decimal helpers the other shapes draw their numbers with."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.money import MAX_MAGNITUDE, MAX_PLACES, Currency
from faktura.totals import payment_places

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


def decimal(units: int, places: int) -> Decimal:
    """``units`` × 10^-places, exact and independent of the caller's decimal context."""
    return Decimal(f"{units}e-{places}")


def _scaled(value: Decimal | int, places: int, *, up: bool) -> int:
    exact = Fraction(value) * 10**places
    return int(math.ceil(exact) if up else math.floor(exact))


def check_bounds(name: str, min_value: Decimal | int, max_value: Decimal | int) -> None:
    """Refuse bounds in the wrong order or beyond faktura's 10^12 (InvalidArgument)."""
    if min_value > max_value:
        raise InvalidArgument(f"{name}: min_value {min_value} exceeds max_value {max_value}")
    if max(abs(Decimal(min_value)), abs(Decimal(max_value))) >= MAX_MAGNITUDE:
        raise InvalidArgument(f"{name}: bounds must stay below 10^12 in magnitude")


@functools.cache
def decimals(
    min_value: Decimal | int, max_value: Decimal | int, places: int
) -> st.SearchStrategy[Decimal]:
    """Decimals in [min_value, max_value] with 0 to ``places`` decimals."""
    options = []
    for p in range(places + 1):
        lo = _scaled(min_value, p, up=True)
        hi = _scaled(max_value, p, up=False)
        if lo <= hi:
            options.append(st.integers(lo, hi).map(functools.partial(decimal, places=p)))
    if not options:
        raise InvalidArgument(
            f"no decimal with at most {places} places in [{min_value}, {max_value}]"
        )
    return st.one_of(options)


def draw_units(draw: st.DrawFn, low: Decimal | int, high: Decimal | int, places: int) -> Decimal:
    """A decimal in [low, high] with exactly ``places`` decimals (no new strategy objects)."""
    lo, hi = _scaled(low, places, up=True), _scaled(high, places, up=False)
    return decimal(draw(st.integers(lo, hi)), places)


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
    check_bounds("amounts", min_value, max_value)
    places = payment_places(currency)
    lo = _scaled(min_value, places, up=True)
    hi = _scaled(max_value, places, up=False)
    if lo > hi:
        raise InvalidArgument(f"amounts: no {currency.code} amount in [{min_value}, {max_value}]")
    return st.integers(lo, hi).map(functools.partial(decimal, places=places))


def quantities(
    *,
    min_value: Decimal | int = Decimal("0.000001"),
    max_value: Decimal | int = 10_000,
    places: int = MAX_PLACES,
) -> st.SearchStrategy[Decimal]:
    """Line quantities: whole numbers half of the time, else up to ``places`` decimals.

    Positive by default; pass a negative ``min_value`` for return lines.
    """
    check_bounds("quantities", min_value, max_value)
    whole_lo, whole_hi = _scaled(min_value, 0, up=True), _scaled(max_value, 0, up=False)
    fractional = decimals(min_value, max_value, places)
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
    check_bounds("unit_prices", min_value, max_value)
    return st.one_of(
        decimals(min_value, max_value, min(2, places)), decimals(min_value, max_value, places)
    )


def timestamps(
    min_value: datetime = datetime(2000, 1, 1, tzinfo=UTC),
    max_value: datetime = datetime(2099, 12, 31, tzinfo=UTC),
) -> st.SearchStrategy[datetime]:
    """Timezone-aware (UTC) timestamps."""
    return st.datetimes(
        min_value.replace(tzinfo=None), max_value.replace(tzinfo=None), timezones=st.just(UTC)
    )


CURRENCIES = currencies()
QUANTITIES = quantities()
UNIT_PRICES = unit_prices()


def currency_strategy(currency: Currency | str | None) -> st.SearchStrategy[Currency]:
    """Every currency of ``CURRENCY_CODES`` when None, else just ``currency``."""
    if currency is None:
        return CURRENCIES
    return st.just(currency if isinstance(currency, Currency) else Currency.of(currency))


#: Percentages (discounts, allowances) in [0, 100] with up to two decimals.
PERCENTS = decimals(0, 100, 2)
