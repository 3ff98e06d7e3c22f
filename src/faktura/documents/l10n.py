"""Localization of documents: the language a document speaks, its labels, and babel's
formatting of amounts, numbers and dates, always for an explicit locale.

A document is written in the customer's language, else in the company's; a language
faktura has no labels for falls back to English (a foreign customer reads English more
likely than the seller's language). Only the language picks the labels; a territory the
caller gave ("en_GB", "de_AT") is kept for formatting when babel knows it.

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
import functools
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs
from babel.core import Locale, UnknownLocaleError
from babel.localedata import exists as _babel_has_locale

from faktura import locales
from faktura.errors import ConfigurationError, ValidationError
from faktura.money import MAX_PLACES, Currency, arithmetic
from faktura.status import DocumentKind
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

#: The languages faktura writes documents in: those its catalog has a file for.
SUPPORTED = locales.languages()
#: The language of a document whose customer's (or company's) language is not supported.
FALLBACK = "en"
# Norwegian without a written standard, and Nynorsk, read Bokmål documents.
_ALIASES = {"no": "nb", "nn": "nb"}
# CLDR currencySpacing (which babel does not apply): a currency symbol that ends (or
# starts) with a letter gets a no-break space next to the digits: "DKK 1,250.00", not
# "DKK1,250.00"; a symbol sign such as "€" or "$" stays attached.
_NBSP = "\xa0"


def _split(tag: str) -> tuple[str, str]:
    language, _, territory = tag.replace("-", "_").partition("_")
    language = language.lower()
    return _ALIASES.get(language, language), territory.upper()


def _language(tag: str) -> str | None:
    language = _split(tag)[0]
    return language if language in SUPPORTED else None


def _supported(tag: str) -> str | None:
    language, territory = _split(tag)
    if language not in SUPPORTED:
        return None
    if territory and territory.isalpha() and _babel_has_locale(f"{language}_{territory}"):
        return f"{language}_{territory}"
    return language


def document_locale(customer_language: str | None, company_locale: str) -> str:
    """The locale a document is written in: the customer's language when it has one,
    else the company's; English when that language is not one of ``SUPPORTED``.

    An unsupported customer language falls back to English, not to the company's
    language. The result is a babel locale identifier: the language ("da") or, when the
    input named a territory babel knows, language and territory ("en_GB").
    """
    chosen = customer_language if customer_language else company_locale
    return _supported(chosen) or FALLBACK


@attrs.frozen
class PluralText:
    """A text with a count ``{n}``: the singular, the plural, and optionally the text for
    zero (for da, en, de, sv and nb the singular is exactly n = 1)."""

    one: str
    other: str
    zero: str | None = None

    def format(self, n: int) -> str:
        """The text for ``n``."""
        if n == 0 and self.zero is not None:
            return self.zero
        return (self.one if n == 1 else self.other).format(n=n)


@attrs.frozen
class Labels:
    """Every fixed text of a PDF invoice or credit note in one language.

    The fields are the keys of the catalog's ``[labels]`` table (``faktura.locales``),
    and their texts are the catalog's: a catalog file that lacks a field, has one more,
    or gives a text where a plural table belongs (or the reverse) is refused when its
    labels are first asked for.

    Texts with placeholders are ``str.format`` templates: ``{number}`` (a document
    number), ``{page}``/``{pages}``, ``{day}`` (a day of the month), ``{date}`` (a
    formatted date); ``PluralText`` fields take a count of days.
    """

    # titles and page furniture
    invoice: str
    credit_note: str
    draft: str  # the watermark across a draft
    draft_number: str  # where the number goes while a document is a draft
    credit_note_for: str  # {number}
    credit_note_for_dated: str  # {number}, {date}: the credited invoice's number and date
    credit_reason: str  # {reason}: why the credit note was made
    page: str  # {page}, {pages}
    continued: str
    # document header
    invoice_number: str
    credit_note_number: str
    date: str
    delivery_date: str
    delivery_period: str  # BG-14, the invoicing period
    due_date: str
    customer_number: str
    reference: str  # the buyer's purchase order number
    your_reference: str  # the buyer's contact person
    our_reference: str
    order_reference: str  # BT-13, the buyer's order (faktura.references)
    sales_order: str  # BT-14, the seller's order confirmation
    contract: str  # BT-12
    project: str  # BT-11
    buyer_accounting: str  # BT-19, the buyer's account or cost centre
    currency: str
    # parties
    customer: str
    delivery_address: str
    delivery_location: str  # the deliver-to place's identifier (BT-71), e.g. its GLN
    department: str
    contact: str
    phone: str
    email: str
    registration_number: str  # the company register number (CVR)
    vat_number: str
    ean: str
    # line table
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    vat_rate: str
    amount: str
    amount_incl_vat: str  # the line amount column when prices include VAT
    buyer_item_id: str  # BT-156, under a line's description (faktura.items)
    standard_item_id: str  # BT-157 of a scheme other than GTIN
    origin_country: str  # BT-159
    item_classification: str  # BT-158
    # totals
    line_total: str
    allowance: str
    charge: str
    subtotal: str
    vat: str
    total: str
    prepaid: str
    rounding: str
    payable: str
    credited: str  # a credit note's payable line
    prices_include_vat: str
    of_which_vat: str
    vat_in: str  # the VAT in the seller's accounting currency: {currency}
    exchange_rate: str
    # VAT breakdown
    vat_breakdown: str
    taxable_amount: str
    vat_amount: str
    exemption_ae: str
    exemption_k: str
    exemption_g: str
    exemption_o: str
    # payment
    payment: str
    payment_terms: str
    bank_reg_no: str
    bank_account_no: str
    iban: str
    bic: str
    fik: str
    payee: str  # who is paid when it is not the seller (BG-10)
    payment_instruction: str  # {number}
    scan_to_pay: str
    # payment terms
    terms_net: PluralText
    terms_end_of_month: PluralText
    terms_end_of_next_month: PluralText
    terms_day_of_next_month: str  # {day}
    terms_invoice_week: PluralText
    terms_cash: str
    terms_prepaid: str
    terms_fixed: str  # {date}
    # free text
    notes: str

    def title(self, kind: DocumentKind) -> str:
        """The document's title: invoice or credit note."""
        return self.invoice if kind is DocumentKind.INVOICE else self.credit_note

    def number_label(self, kind: DocumentKind) -> str:
        """The label of the document's number."""
        return self.invoice_number if kind is DocumentKind.INVOICE else self.credit_note_number

    def exemption(self, category: VatCategory) -> str | None:
        """The standard exemption text of ``category`` (AE, K, G, O), else None."""
        return {
            VatCategory.AE: self.exemption_ae,
            VatCategory.K: self.exemption_k,
            VatCategory.G: self.exemption_g,
            VatCategory.O: self.exemption_o,
        }.get(category)


# The fields that hold a PluralText (the others hold a str).
_PLURALS = frozenset(
    field.name for field in attrs.fields(attrs.resolve_types(Labels)) if field.type is PluralText
)


def _text(value: object, language: str, name: str, plural: bool) -> str | PluralText:
    if not plural and isinstance(value, str):
        return value
    if plural and isinstance(value, Mapping):
        forms = dict(value)
        if {"one", "other"} <= forms.keys() <= {"one", "other", "zero"} and all(
            isinstance(form, str) for form in forms.values()
        ):
            return PluralText(**forms)
    kind = "table of one, other (and zero)" if plural else "text"
    raise ConfigurationError(f"faktura's {language} label {name} is not a {kind}")


def _labels_of(table: Mapping[str, object], language: str) -> Labels:
    # A catalog's [labels] table, checked against the fields of Labels: the same keys, a
    # text for a str field, a table of plural forms for a PluralText field.
    fields = attrs.fields_dict(Labels)
    missing, extra = fields.keys() - table.keys(), table.keys() - fields.keys()
    if missing or extra:
        raise ConfigurationError(
            f"faktura's {language} labels lack {sorted(missing)}, have unknown {sorted(extra)}"
        )
    values = {name: _text(table[name], language, name, name in _PLURALS) for name in fields}
    return Labels(**values)  # type: ignore[arg-type]


@functools.cache
def _labels(language: str) -> Labels:
    return _labels_of(locales.catalog(language).get("labels", {}), language)


def labels(locale: str) -> Labels:
    """The labels for ``locale``'s language; English for a language not in ``SUPPORTED``."""
    return _labels(_language(locale) or FALLBACK)


# UN/ECE Recommendation 20 units an invoice line commonly uses. Symbols are the same in
# every language; named units are in the catalog ([units]), written the way invoicing
# software in each language writes them in a unit column (plural, abbreviated where that
# is the custom).
_UNIT_SYMBOLS = {
    "KGM": "kg",
    "GRM": "g",
    "TNE": "t",
    "MTR": "m",
    "KMT": "km",
    "CMT": "cm",
    "MMT": "mm",
    "MTK": "m²",
    "MTQ": "m³",
    "LTR": "l",
    "KWH": "kWh",
}


def unit_name(code: str, locale: str) -> str:
    """How a document writes the UN/ECE Rec. 20 unit ``code`` ("HUR" → "timer" in da);
    a code faktura has no name for is shown as the code itself."""
    if code in _UNIT_SYMBOLS:
        return _UNIT_SYMBOLS[code]
    name = locales.catalog(_language(locale) or FALLBACK)["units"].get(code, code)
    return name if isinstance(name, str) else code


# -- formatting ----------------------------------------------------------------------


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
