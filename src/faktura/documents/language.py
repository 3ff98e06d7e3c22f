"""The language a document speaks and its fixed texts: ``document_locale`` (the
customer's language, else the company's, else English), ``labels`` (every label of a
PDF in one language, from faktura's catalog in ``faktura.locales``) and ``unit_name``.

A document is written in the customer's language, else in the company's; a language
faktura has no labels for falls back to English (a foreign customer reads English more
likely than the seller's language). Only the language picks the labels; a territory the
caller gave ("en_GB", "de_AT") is kept for formatting when babel knows it.

The formatting of amounts, numbers and dates is ``faktura.documents.l10n``, which
re-exports every name here.

>>> document_locale("de", "da"), document_locale(None, "da_DK"), document_locale("fr", "da")
('de', 'da_DK', 'en')
>>> labels("da").payable, labels("de").vat, labels("nb").draft
('At betale', 'MwSt.', 'UTKAST')
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import attrs
from babel.localedata import exists as _babel_has_locale

from faktura import locales
from faktura.errors import ConfigurationError
from faktura.status import DocumentKind
from faktura.vat import VatCategory

__all__ = [
    "FALLBACK",
    "SUPPORTED",
    "Labels",
    "PluralText",
    "document_locale",
    "labels",
    "unit_name",
]

#: The languages faktura writes documents in: those its catalog has a file for.
SUPPORTED = locales.languages()
#: The language of a document whose customer's (or company's) language is not supported.
FALLBACK = "en"
# Norwegian without a written standard, and Nynorsk, read Bokmål documents.
_ALIASES = {"no": "nb", "nn": "nb"}


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
