"""Currencies (ISO 4217, minor units from babel) and exact Decimal arithmetic helpers.

faktura never touches the global decimal context: every multiplication, division and
rounding here goes through one private context with enough precision for the largest
allowed magnitudes, and rounding is always ROUND_HALF_UP (half away from zero), so a
credit note is the exact negation of its invoice.

>>> Currency.of("JPY").minor_units, Currency.of("DKK").minor_units, Currency.of("KWD").minor_units
(0, 2, 3)
>>> round_money(Decimal("2.345"), Currency.of("DKK"))
Decimal('2.35')
>>> round_money(Decimal("-2.345"), Currency.of("DKK"))
Decimal('-2.35')
"""

from __future__ import annotations

import decimal
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from types import MappingProxyType

import attrs
from babel.core import get_global

from faktura import codelists
from faktura.errors import ValidationError

__all__ = [
    "MAX_MAGNITUDE",
    "MAX_PLACES",
    "RESERVED_CODES",
    "ZERO",
    "Currency",
    "arithmetic",
    "div",
    "exact_context",
    "floor_to",
    "mul",
    "parse_decimal",
    "quantize",
    "round_money",
    "round_to_increment",
    "total",
]

#: ISO 4217 codes that name no money to invoice in: refused by ``Currency.of``.
RESERVED_CODES: Mapping[str, str] = MappingProxyType(
    {"XXX": "transactions without a currency", "XTS": "testing"}
)
#: Quantities, prices and amounts must stay strictly below this magnitude.
MAX_MAGNITUDE = Decimal(10) ** 12
#: Quantities and unit prices keep at most this many decimals.
MAX_PLACES = 6
ZERO = Decimal(0)

# 10^12 with 6 decimals is 18 digits; a product of two such is 36. 60 digits leaves room
# for the divisions of prices-including-VAT without ever rounding before we quantize.
_CTX = decimal.Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z", re.ASCII)
_MAX_TEXT = 64


@attrs.frozen
class Currency:
    """An ISO 4217 currency and the number of decimals its amounts are rounded to.

    ``Currency.of`` accepts the codes of ``faktura.codelists.CURRENCIES`` (ISO 4217 as
    EN 16931 and Peppol accept it, BR-CL-04) and refuses the codes ISO 4217 reserves for
    "no currency" (XXX) and for testing (XTS): nothing can be invoiced in them.
    """

    code: str
    minor_units: int

    @staticmethod
    def of(code: object, field: str = "currency") -> Currency:
        """The currency for an ISO 4217 ``code``; ValidationError naming ``field`` otherwise."""
        if not isinstance(code, str):
            raise ValidationError("must be an ISO 4217 currency code", field=field, rule="type")
        if code in RESERVED_CODES:
            raise ValidationError(
                f"{code!r} is reserved by ISO 4217 for {RESERVED_CODES[code]}, not for invoicing",
                field=field,
                rule="currency",
            )
        return _currency(code) if code in _known_codes() else _unknown(code, field)

    @property
    def exponent(self) -> Decimal:
        """The smallest amount of this currency: Decimal('0.01') for DKK, Decimal('1') for JPY."""
        return _exponent(self.minor_units)


def _unknown(code: str, field: str) -> Currency:
    shown = code if len(code) <= _MAX_TEXT else code[:_MAX_TEXT] + "..."
    raise ValidationError(
        f"{shown!r} is not an ISO 4217 currency code that EN 16931 and Peppol accept",
        field=field,
        rule="BR-CL-04",
    )


# The official list (faktura.codelists, generated from Peppol's ISO 4217 list as every
# layer of the e-invoice rules accepts it), not every code babel knows: a withdrawn code
# such as HRK or DEM cannot be written in an e-invoice.
@functools.cache
def _known_codes() -> frozenset[str]:
    return frozenset(codelists.CURRENCIES)


@functools.cache
def _currency(code: str) -> Currency:
    fractions = get_global("currency_fractions")
    digits: int = fractions.get(code, fractions["DEFAULT"])[0]
    return Currency(code, digits)


@functools.cache
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def parse_decimal(
    value: object,
    field: str,
    *,
    places: int = MAX_PLACES,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal:
    """``value`` as an exact Decimal, or a ValidationError naming ``field``.

    Accepts Decimal, int and plain decimal strings ("12.50"). Refuses float, bool, NaN,
    Infinity, exponent notation in strings, more than ``places`` decimals and magnitudes
    of 10^12 or more: nothing is ever silently converted or rounded.

    >>> parse_decimal("12.50", "unitPrice")
    Decimal('12.50')
    >>> parse_decimal(1.5, "quantity")
    Traceback (most recent call last):
    ...
    faktura.errors.ValidationError: quantity: must be a decimal string, not a float
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise ValidationError("must be a decimal, not a boolean", field=field, rule="type")
    elif isinstance(value, int):
        if abs(value) >= MAX_MAGNITUDE:
            raise ValidationError("must be below 10^12 in magnitude", field=field, rule="range")
        number = Decimal(value)
    elif isinstance(value, float):
        raise ValidationError("must be a decimal string, not a float", field=field, rule="type")
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_TEXT or not _PLAIN_DECIMAL.match(text):
            raise ValidationError(
                "must be a plain decimal string such as '12.50'", field=field, rule="format"
            )
        number = Decimal(text)
    else:
        raise ValidationError(
            f"must be a decimal string, not {type(value).__name__}", field=field, rule="type"
        )
    if not number.is_finite():
        raise ValidationError("must be a finite number", field=field, rule="finite")
    if number and number.adjusted() >= 12:
        raise ValidationError("must be below 10^12 in magnitude", field=field, rule="range")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > places:
        raise ValidationError(f"must have at most {places} decimals", field=field, rule="precision")
    if minimum is not None and number < minimum:
        raise ValidationError(f"must be at least {minimum}", field=field, rule="minimum")
    if maximum is not None and number > maximum:
        raise ValidationError(f"must be at most {maximum}", field=field, rule="maximum")
    # Normalise -0 to 0 so equal values compare and serialise alike.
    return number if number or not number.is_signed() else number.copy_negate()


def arithmetic() -> AbstractContextManager[decimal.Context]:
    """A context manager under which plain Decimal operators are exact for faktura's range.

    It sets faktura's private context for the current thread (or task) only and restores
    the caller's on exit; the global default context is never changed.
    """
    return decimal.localcontext(_CTX)


_PER_THREAD = threading.local()


def exact_context() -> decimal.Context:
    """This thread's copy of faktura's private context, for hot paths that install it with
    ``decimal.setcontext`` and restore the caller's context right after (cheaper than
    ``arithmetic()``; never leave it installed)."""
    try:
        context: decimal.Context = _PER_THREAD.context
    except AttributeError:
        context = _PER_THREAD.context = _CTX.copy()
    return context


def mul(a: Decimal, b: Decimal) -> Decimal:
    """a × b, exact for every magnitude faktura allows, whatever the caller's context."""
    return _CTX.multiply(a, b)


def div(a: Decimal, b: Decimal) -> Decimal:
    """a ÷ b to 60 significant digits, whatever the caller's context."""
    return _CTX.divide(a, b)


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (Decimal('0') when empty)."""
    result = ZERO
    add = _CTX.add
    for value in values:
        result = add(result, value)
    return result


def quantize(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals."""
    return value.quantize(_exponent(places), rounding=ROUND_HALF_UP, context=_CTX)


def round_money(value: Decimal, currency: Currency) -> Decimal:
    """``value`` rounded half away from zero to the currency's minor units."""
    return value.quantize(_exponent(currency.minor_units), rounding=ROUND_HALF_UP, context=_CTX)


def floor_to(value: Decimal, places: int) -> Decimal:
    """``value`` rounded towards minus infinity to ``places`` decimals."""
    return value.quantize(_exponent(places), rounding=ROUND_FLOOR, context=_CTX)


def round_to_increment(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` rounded half away from zero to a multiple of ``increment`` (cash rounding).

    >>> round_to_increment(Decimal("10.24"), Decimal("0.50"))
    Decimal('10.00')
    >>> round_to_increment(Decimal("10.25"), Decimal("0.50"))
    Decimal('10.50')
    """
    steps = _CTX.divide(value, increment).quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_CTX)
    return _CTX.multiply(steps, increment).quantize(increment, context=_CTX)
