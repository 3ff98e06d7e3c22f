"""Localization of documents: the language a document speaks, its labels, and babel's
formatting of amounts, numbers and dates, always for an explicit locale.

A document is written in the customer's language, else in the company's; a language
faktura has no labels for falls back to English (a foreign customer reads English more
likely than the seller's language). Only the language picks the labels; a territory the
caller gave ("en_GB", "de_AT") is kept for formatting when babel knows it.

The language itself (``document_locale``, ``labels``, ``unit_name``) is
``faktura.documents.language``; this module formats, and re-exports those names so
``l10n`` is the one place to import from.

Formatting never reads the environment and never goes through float: amounts, quantities
and rates stay Decimal, and babel is told not to round (``decimal_quantization=False``),
so a figure on a document is the figure in the data. Dates use babel's *medium* format,
which spells the month in da, sv and nb, writes the year in full everywhere, and so is
never ambiguous (a numeric "11/25/26" is).

>>> document_locale("de", "da"), document_locale(None, "da_DK"), document_locale("fr", "da")
('de', 'da_DK', 'en')
>>> labels("da").payable, labels("de").vat, labels("nb").draft
('At betale', 'MwSt.', 'UTKAST')

The punctuation is CLDR's, through babel, so it is whatever the installed babel says
(the outputs marked SKIP show babel 2.19's); faktura's part is the locale, the currency
and every digit:

>>> from babel.numbers import format_currency
>>> amount = format_money(Decimal("1250.00"), "DKK", "da")
>>> amount == format_currency(Decimal("1250.00"), "DKK", locale="da")
True
>>> amount  # doctest: +SKIP
'1.250,00\\xa0kr.'
>>> format_money(Decimal("1250.00"), "DKK", "en")  # doctest: +SKIP
'DKK\\xa01,250.00'
>>> format_number(Decimal("2.500"), "de"), format_number(Decimal("12.5"), "en", places=2)
('2,5', '12.50')
>>> format_date(date(2026, 11, 25), "da"), format_date(date(2026, 11, 25), "en")  # doctest: +SKIP
('25. nov. 2026', 'Nov 25, 2026')
>>> describe_terms(PaymentTerms.net(8), "da"), describe_terms(PaymentTerms.end_of_month(30), "nb")
('Netto 8 dage', 'Løpende måned + 30 dager')
>>> exemption_text(VatCategory.AE, "sv")
'Omvänd betalningsskyldighet'

The texts themselves (labels, payment terms, exemption texts, unit names) are data:
faktura's catalog, one TOML file per language in ``faktura.locales``, read once per
language and cached; ``SUPPORTED`` is the languages it has a file for.

babel.numbers and babel.dates read LC_* variables (and babel.dates the local time zone)
when they are first imported, so they are imported inside the functions that format, never
when this module is imported; the values they read are never used, as every call names
its locale.
"""

from __future__ import annotations

import copy
import unicodedata
from datetime import date
from decimal import Decimal

from babel.core import Locale, UnknownLocaleError

from faktura.documents.language import (
    FALLBACK,
    SUPPORTED,
    Labels,
    PluralText,
    document_locale,
    labels,
    unit_name,
)
from faktura.errors import ValidationError
from faktura.money import MAX_PLACES, Currency, arithmetic
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatCategory

__all__ = [
    "FALLBACK",
    "SUPPORTED",
    "Labels",
    "PluralText",
    "country_name",
    "describe_terms",
    "document_locale",
    "exemption_text",
    "format_date",
    "format_money",
    "format_number",
    "format_percent",
    "labels",
    "unit_name",
]

# CLDR currencySpacing (which babel does not apply): a currency symbol that ends (or
# starts) with a letter gets a no-break space next to the digits: "DKK 1,250.00", not
# "DKK1,250.00"; a symbol sign such as "€" or "$" stays attached.
_NBSP = "\xa0"


def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError, AttributeError):
        raise ValidationError(
            f"is not a locale babel knows: {locale!r}", field="locale", rule="locale"
        ) from None


def _decimal(value: object, field: str) -> Decimal:
    # bool and float are refused: a figure on a document never passes through float.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError("must be a Decimal", field=field, rule="type")
    number = Decimal(value)
    if not number.is_finite():
        raise ValidationError("must be a finite number", field=field, rule="finite")
    # -0.00 (the negation of a zero amount) prints as 0,00, not -0,00.
    return number if number else number.copy_abs()


def _spaced(char: str) -> bool:
    category = unicodedata.category(char)
    return not category.startswith(("S", "Z"))


def _space_currency(text: str, symbol: str) -> str:
    start = text.find(symbol) if symbol else -1
    if start < 0:
        return text
    end = start + len(symbol)
    if end < len(text) and text[end].isdigit() and _spaced(symbol[-1]):
        return text[:end] + _NBSP + text[end:]
    if start > 0 and text[start - 1].isdigit() and _spaced(symbol[0]):
        return text[:start] + _NBSP + text[start:]
    return text


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` in ``currency`` the way ``locale`` writes money: "1.250,00 kr." (da),
    "DKK 1,250.00" (en), "1.250,00 DKK" (de). The spaces are no-break spaces.

    Shows at least the currency's decimals, and every decimal the amount carries,
    trailing zeros included: never rounds, so 10.50 JPY (an EN 16931 line amount, two
    decimals in every currency) is "¥10.50", where babel alone writes "¥10.5" or "¥11".
    Raises ValidationError for a float, an unknown locale or currency.
    """
    from babel.numbers import get_currency_symbol

    value = _decimal(amount, "amount")
    money = Currency.of(currency)
    where = _babel_locale(locale)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    pattern = copy.copy(where.currency_formats["standard"])
    places = max(money.minor_units, -exponent)
    pattern.frac_prec = (places, places)
    with arithmetic():
        text = pattern.apply(
            value, where, currency=money.code, currency_digits=False, decimal_quantization=False
        )
    symbol = get_currency_symbol(money.code, where)
    return _space_currency(text, symbol)


def format_number(value: Decimal, locale: str, places: int | None = None) -> str:
    """A quantity or other plain number as ``locale`` writes it ("1.234,5" in da).

    Shows at least ``places`` decimals (none by default) and otherwise as many as the
    value has, without trailing zeros: 2.500 → "2,5", 2 → "2", 0.125 → "0,125". Never
    rounds (quantities have up to six decimals).
    """
    number = _decimal(value, "value")
    if places is not None and (isinstance(places, bool) or not 0 <= places <= MAX_PLACES):
        raise ValidationError(f"must be 0 to {MAX_PLACES}", field="places", rule="range")
    from babel.numbers import format_decimal

    minimum = places or 0
    pattern = "#,##0." + "0" * minimum + "#" * (MAX_PLACES - minimum)
    with arithmetic():
        return format_decimal(
            number, format=pattern, locale=_babel_locale(locale), decimal_quantization=False
        )


def format_percent(value: Decimal, locale: str) -> str:
    """A rate given in percent as ``locale`` writes it: 25 → "25 %" (da, de, sv, nb) or
    "25%" (en); 12.5 → "12,5 %". Never rounds."""
    from babel.numbers import format_percent as babel_percent

    number = _decimal(value, "value")
    where = _babel_locale(locale)
    with arithmetic():
        return babel_percent(number.scaleb(-2), locale=where, decimal_quantization=False)


def format_date(day: date, locale: str) -> str:
    """``day`` in ``locale``'s medium date format: "25. nov. 2026" (da), "Nov 25, 2026"
    (en), "25.11.2026" (de), "25 nov. 2026" (sv), "25. nov. 2026" (nb)."""
    from babel.dates import format_date as babel_date

    if not isinstance(day, date):
        raise ValidationError("must be a date", field="date", rule="type")
    return babel_date(day, "medium", locale=_babel_locale(locale))


def describe_terms(terms: PaymentTerms, locale: str) -> str:
    """The payment terms in words: "Netto 8 dage", "Net 8 days", "Løbende måned + 30
    dage", "Betales senest 1. dec. 2026".

    The due date itself is not part of the text: a document shows its own due date,
    which may have been set by hand instead of following the terms.
    """
    text = labels(locale)
    kind = terms.kind
    if kind is TermsKind.NET:
        return text.terms_net.format(terms.days)
    if kind is TermsKind.END_OF_MONTH:
        return text.terms_end_of_month.format(terms.days)
    if kind is TermsKind.END_OF_NEXT_MONTH:
        return text.terms_end_of_next_month.format(terms.days)
    if kind is TermsKind.DAY_OF_NEXT_MONTH:
        return text.terms_day_of_next_month.format(day=terms.day)
    if kind is TermsKind.INVOICE_WEEK:
        return text.terms_invoice_week.format(terms.days)
    if kind is TermsKind.CASH:
        return text.terms_cash
    if kind is TermsKind.PREPAID:
        return text.terms_prepaid
    assert terms.fixed_date is not None  # FIXED is the only kind left, and has its date
    return text.terms_fixed.format(date=format_date(terms.fixed_date, locale))


def exemption_text(
    category: VatCategory, locale: str, reason_override: str | None = None
) -> str | None:
    """The text printed by a VAT breakdown group of ``category`` that carries no VAT.

    AE, K, G and O get their standard text in ``locale``'s language (compute_totals gives
    them their standard English reason, which this replaces). Exempt (E) groups have no
    standard text: they print ``reason_override``, the document's own reason
    (``Invoice.vat_exemption_reason``, the ``VatGroup.exemption`` reason). Taxed (S) and
    zero-rated (Z) groups print nothing: None.
    """
    standard = labels(locale).exemption(category)
    if standard is not None:
        return standard
    if category is VatCategory.E:
        return reason_override or None
    return None


def country_name(code: str, locale: str) -> str:
    """The ISO 3166-1 alpha-2 country ``code`` named in ``locale`` ("DE" → "Tyskland");
    the code itself when babel has no name for it."""
    name = _babel_locale(locale).territories.get(code)
    return name if isinstance(name, str) else code
