"""The VAT of a foreign-currency invoice in the seller's VAT accounting currency.

A Danish seller invoicing in EUR must also state the VAT in DKK and the exchange rate
used (momsbekendtgørelsen §58; EN 16931's VAT accounting currency, BT-6, and the total
VAT in it, BT-111). faktura fetches no rates: the host supplies them through the
``ExchangeRates`` port (its bank's or the central bank's rate of the day), and the rate
is kept with the document so the figure can be reproduced.

The conversion is of the VAT total, not of each line: BT-111 = round(BT-110 × rate), half
away from zero to the accounting currency's minor units, as EN 16931 states one VAT total
in that currency.

>>> eur = ExchangeRate("EUR", "DKK", Decimal("7.4604"), date(2026, 12, 7))
>>> eur.convert(Decimal("250.00"))
Decimal('1865.10')
>>> FixedRates({("EUR", "DKK"): Decimal("7.4604")}).rate("EUR", "DKK", date(2026, 12, 7))
ExchangeRate(source='EUR', target='DKK', rate=Decimal('7.4604'), on=datetime.date(2026, 12, 7))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol

import attrs

from faktura.errors import NotFoundError, ValidationError
from faktura.money import Currency, mul, parse_decimal, round_money

__all__ = [
    "VAT_ACCOUNTING_CURRENCIES",
    "AccountingVat",
    "ExchangeRate",
    "ExchangeRates",
    "FixedRates",
    "vat_accounting_currency",
]

#: The currency a seller accounts for VAT in, by the seller's country (ISO 3166-1
#: alpha-2). A seller of a country not listed states its VAT in the invoice's currency
#: only (a host may extend the rules for its own countries).
VAT_ACCOUNTING_CURRENCIES: Mapping[str, str] = {"DK": "DKK"}


def vat_accounting_currency(country: str) -> str | None:
    """The VAT accounting currency of a seller in ``country``: DK → DKK; None when
    faktura knows none (the VAT is then stated in the invoice's currency only)."""
    return VAT_ACCOUNTING_CURRENCIES.get(country)


#: Rates keep at most this many decimals (central banks publish 4; some banks 6).
RATE_PLACES = 6


def _rate(value: object) -> Decimal:
    rate = parse_decimal(value, "exchange_rate", places=RATE_PLACES)
    if rate <= 0:
        raise ValidationError("must be above 0", field="exchange_rate", rule="minimum")
    return rate


@attrs.frozen
class ExchangeRate:
    """``rate`` units of ``target`` per unit of ``source``, as quoted for the day ``on``."""

    source: str
    target: str
    rate: Decimal = attrs.field(converter=_rate)
    on: date = attrs.field()

    def __attrs_post_init__(self) -> None:
        Currency.of(self.source, "currency")
        Currency.of(self.target, "vat_accounting_currency")
        if self.source == self.target:
            raise ValidationError(
                "is the invoice's own currency: no conversion is needed",
                field="vat_accounting_currency",
                rule="same_currency",
            )
        if not isinstance(self.on, date):
            raise ValidationError("must be a date", field="exchange_rate_date", rule="type")

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` of ``source`` in ``target``, rounded half away from zero to the
        target's minor units."""
        return round_money(mul(amount, self.rate), Currency.of(self.target))


@attrs.frozen
class AccountingVat:
    """The VAT total of a foreign-currency document in the seller's VAT accounting
    currency (BT-6 ``currency``, BT-111 ``vat``), with the rate used and its day; kept
    with the booked document."""

    currency: str
    rate: Decimal
    rate_date: date
    vat: Decimal

    @classmethod
    def of(cls, rate: ExchangeRate, vat: Decimal) -> AccountingVat:
        """``vat`` (in ``rate.source``) converted with ``rate``."""
        return cls(rate.target, rate.rate, rate.on, rate.convert(vat))


class ExchangeRates(Protocol):
    """Where the host's exchange rates come from (a port: faktura fetches nothing)."""

    def rate(self, source: str, target: str, on: date) -> ExchangeRate:
        """The rate to convert ``source`` into ``target`` for an invoice dated ``on``.

        Raises NotFoundError when the host has no rate for that pair and day.
        """
        ...


@attrs.frozen
class FixedRates:
    """Rates that do not change with the day: for tests, demos and hosts with one rate."""

    rates: Mapping[tuple[str, str], Decimal]

    def rate(self, source: str, target: str, on: date) -> ExchangeRate:
        try:
            value = self.rates[(source, target)]
        except KeyError:
            raise NotFoundError("exchange rate", f"{source}/{target}") from None
        return ExchangeRate(source, target, value, on)
