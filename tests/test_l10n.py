"""Document localization (DESIGN §10): languages, labels and babel formatting per locale.

Expected strings were written by hand and checked against babel's CLDR output; where
CLDR differs from a first guess the test follows CLDR (see the comments).
"""

from __future__ import annotations

import decimal
import json
import string
import subprocess
import sys
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.documents.l10n import (
    FALLBACK,
    SUPPORTED,
    Labels,
    PluralText,
    country_name,
    describe_terms,
    document_locale,
    exemption_text,
    format_date,
    format_money,
    format_number,
    format_percent,
    labels,
    unit_name,
)
from faktura.errors import ValidationError
from faktura.invoice import DocumentKind
from faktura.money import MAX_PLACES
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatCategory

NBSP = "\xa0"
NON_ENGLISH = [locale for locale in SUPPORTED if locale != "en"]
# Labels that are the same word in every language.
INTERNATIONAL = {"iban", "bic"}


def nb(text: str) -> str:
    """``text`` with its spaces as the no-break spaces babel writes."""
    return text.replace(" ", NBSP)


def texts(value: str | PluralText) -> list[str]:
    if isinstance(value, PluralText):
        return [value.one, value.other] + ([value.zero] if value.zero is not None else [])
    return [value]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# -- choosing the document's language ---------------------------------------------------


@pytest.mark.parametrize(
    ("customer", "company", "expected"),
    [
        ("de", "da", "de"),  # the customer's language first
        (None, "da", "da"),  # else the company's
        ("", "sv", "sv"),
        ("sv", "en", "sv"),
        ("nb", "da", "nb"),
        ("no", "da", "nb"),  # Norwegian reads Bokmål
        ("nn", "da", "nb"),
        ("fr", "da", "en"),  # an unsupported customer language: English, not the company's
        (None, "fr", "en"),  # an unsupported company language: English
        ("en_GB", "da", "en_GB"),  # a territory babel knows is kept for formatting
        ("en-GB", "da", "en_GB"),
        (None, "da_DK", "da_DK"),
        ("de_AT", "da", "de_AT"),
        ("da_XX", "de", "da"),  # one it does not know is dropped
        ("EN", "da", "en"),
        ("fr_FR", "de", "en"),
    ],
)
def test_document_locale_prefers_the_customer_then_the_company_then_english(
    customer: str | None, company: str, expected: str
) -> None:
    assert document_locale(customer, company) == expected


def test_supported_languages() -> None:
    assert SUPPORTED == ("da", "en", "de", "sv", "nb")
    assert FALLBACK == "en"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("da_DK", "da"), ("en_GB", "en"), ("de-CH", "de"), ("no", "nb"), ("fr", "en"), ("", "en")],
)
def test_labels_follow_the_language_and_fall_back_to_english(locale: str, language: str) -> None:
    assert labels(locale) is labels(language)


# -- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_label_is_present_and_non_empty(locale: str) -> None:
    text = labels(locale)
    assert isinstance(text, Labels)
    for field in attrs.fields(Labels):
        value = getattr(text, field.name)
        assert isinstance(value, str | PluralText), field.name
        for item in texts(value):
            assert item, f"{locale}.{field.name} is empty"
            assert item == item.strip(), f"{locale}.{field.name} has stray spaces"


@pytest.mark.parametrize("locale", NON_ENGLISH)
def test_no_english_leaks_into_other_languages(locale: str) -> None:
    english, text = labels("en"), labels(locale)
    for field in attrs.fields(Labels):
        if field.name in INTERNATIONAL:
            continue
        ours, theirs = texts(getattr(text, field.name)), texts(getattr(english, field.name))
        leaked = set(ours) & set(theirs)
        assert not leaked, f"{locale}.{field.name} is English: {leaked}"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_templates_take_the_same_placeholders_in_every_language(locale: str) -> None:
    english, text = labels("en"), labels(locale)
    for field in attrs.fields(Labels):
        ours, theirs = getattr(text, field.name), getattr(english, field.name)
        if isinstance(ours, PluralText):
            assert isinstance(theirs, PluralText)
            assert placeholders(ours.other) == {"n"}, f"{locale}.{field.name}"
            assert placeholders(ours.one) <= {"n"}, f"{locale}.{field.name}"
            assert (ours.zero is None) == (theirs.zero is None)
        else:
            assert placeholders(ours) == placeholders(theirs), f"{locale}.{field.name}"


@pytest.mark.parametrize(
    ("locale", "draft", "page", "vat", "ae"),
    [
        ("da", "KLADDE", "Side 1 af 3", "Moms", "Omvendt betalingspligt"),
        ("en", "DRAFT", "Page 1 of 3", "VAT", "Reverse charge"),
        (
            "de",
            "ENTWURF",
            "Seite 1 von 3",
            "MwSt.",
            "Steuerschuldnerschaft des Leistungsempfängers",
        ),
        ("sv", "UTKAST", "Sida 1 av 3", "Moms", "Omvänd betalningsskyldighet"),
        ("nb", "UTKAST", "Side 1 av 3", "MVA", "Omvendt avgiftsplikt"),
    ],
)
def test_key_labels(locale: str, draft: str, page: str, vat: str, ae: str) -> None:
    text = labels(locale)
    assert text.draft == draft
    assert text.page.format(page=1, pages=3) == page
    assert text.vat == vat
    assert text.exemption_ae == ae


def test_danish_labels_use_danish_invoice_vocabulary() -> None:
    text = labels("da")
    assert (text.reference, text.our_reference) == ("PO-nr.", "Vores ref.")
    assert (text.bank_reg_no, text.bank_account_no) == ("Reg.nr.", "Kontonr.")
    assert (text.registration_number, text.ean) == ("CVR-nr.", "EAN-nr.")
    assert text.credit_note_for.format(number="2026-0042") == "Kreditnota til faktura 2026-0042"
    assert labels("de").vat_number == "USt-IdNr."
    assert (labels("sv").registration_number, labels("nb").registration_number) == (
        "Org.nr",
        "Org.nr.",
    )


def test_title_and_number_label_follow_the_document_kind() -> None:
    text = labels("da")
    assert text.title(DocumentKind.INVOICE) == "Faktura"
    assert text.title(DocumentKind.CREDIT_NOTE) == "Kreditnota"
    assert text.number_label(DocumentKind.INVOICE) == "Fakturanr."
    assert text.number_label(DocumentKind.CREDIT_NOTE) == "Kreditnotanr."
    assert labels("de").title(DocumentKind.CREDIT_NOTE) == "Rechnungskorrektur"


def test_plural_text() -> None:
    text = PluralText("{n} day", "{n} days", zero="now")
    assert [text.format(n) for n in (0, 1, 2)] == ["now", "1 day", "2 days"]
    assert PluralText("{n} day", "{n} days").format(0) == "0 days"


# -- formatting ---------------------------------------------------------------------------

MONEY = {
    # en: babel writes "DKK1,250.00"; faktura adds CLDR's currency spacing (a no-break
    # space between a letter symbol and the digits), as CLDR's own formatter does.
    # sv: CLDR's Swedish symbols are "Dkr" and "Nkr" for DKK and NOK ("kr" for SEK).
    "da": ["1.250,00 kr.", "-1.250,50 €", "1.234.567,89 SEK", "0,00 kr.", "1.000 JP¥"],
    "en": ["DKK 1,250.00", "-€1,250.50", "SEK 1,234,567.89", "DKK 0.00", "¥1,000"],
    "de": ["1.250,00 DKK", "-1.250,50 €", "1.234.567,89 SEK", "0,00 DKK", "1.000 ¥"],
    "sv": ["1 250,00 Dkr", "-1 250,50 €", "1 234 567,89 kr", "0,00 Dkr", "1 000 JPY"],
    "nb": ["1 250,00 DKK", "-1 250,50 €", "1 234 567,89 SEK", "0,00 DKK", "1 000 JPY"],
}
MONEY_INPUT = [
    (Decimal("1250.00"), "DKK"),
    (Decimal("-1250.5"), "EUR"),
    (Decimal("1234567.89"), "SEK"),
    (Decimal("-0.00"), "DKK"),  # a negated zero prints without its sign
    (Decimal("1000"), "JPY"),  # no minor units
]


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_money(locale: str) -> None:
    got = [format_money(amount, currency, locale) for amount, currency in MONEY_INPUT]
    assert got == [nb(expected) for expected in MONEY[locale]]


def test_format_money_never_rounds_and_spaces_letter_symbols_only() -> None:
    assert format_money(Decimal("12.125"), "DKK", "da") == nb("12,125 kr.")
    assert format_money(Decimal("12.5"), "DKK", "en") == nb("DKK 12.50")
    assert format_money(Decimal("-12.5"), "DKK", "en") == nb("-DKK 12.50")
    assert format_money(Decimal("12.5"), "USD", "en") == "$12.50"
    assert format_money(Decimal("999999999999.99"), "DKK", "da") == nb("999.999.999.999,99 kr.")
    assert format_money(Decimal("0.001"), "KWD", "en") == nb("KWD 0.001")


NUMBERS = {
    "da": ["2,5", "3", "1.234,123456", "0,000001", "-3,25", "0", "12,50", "12,123456"],
    "en": ["2.5", "3", "1,234.123456", "0.000001", "-3.25", "0", "12.50", "12.123456"],
    "de": ["2,5", "3", "1.234,123456", "0,000001", "-3,25", "0", "12,50", "12,123456"],
    "sv": ["2,5", "3", "1 234,123456", "0,000001", "-3,25", "0", "12,50", "12,123456"],
    "nb": ["2,5", "3", "1 234,123456", "0,000001", "-3,25", "0", "12,50", "12,123456"],
}


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_number(locale: str) -> None:
    got = [
        format_number(Decimal("2.500"), locale),  # trailing zeros go
        format_number(Decimal("3.000000"), locale),
        format_number(Decimal("1234.123456"), locale),  # six decimals stay
        format_number(Decimal("0.000001"), locale),
        format_number(Decimal("-3.25"), locale),
        format_number(Decimal("-0.000"), locale),
        format_number(Decimal("12.5"), locale, places=2),  # at least two decimals
        format_number(Decimal("12.123456"), locale, places=2),  # and more when there
    ]
    assert got == [nb(expected) for expected in NUMBERS[locale]]


@given(
    st.decimals(
        min_value=Decimal("-999999999999.999999"),
        max_value=Decimal("999999999999.999999"),
        places=MAX_PLACES,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_format_number_keeps_every_digit_of_a_quantity(value: Decimal) -> None:
    text = format_number(value, "en").replace(",", "")
    assert Decimal(text) == value


@pytest.mark.parametrize(
    ("locale", "whole", "half"),
    [
        ("da", "25 %", "12,5 %"),
        ("en", "25%", "12.5%"),
        ("de", "25 %", "12,5 %"),
        ("sv", "25 %", "12,5 %"),
        ("nb", "25 %", "12,5 %"),
    ],
)
def test_format_percent(locale: str, whole: str, half: str) -> None:
    assert format_percent(Decimal(25), locale) == nb(whole)
    assert format_percent(Decimal("12.5"), locale) == nb(half)
    assert format_percent(Decimal("0.00"), locale).startswith("0")


@pytest.mark.parametrize(
    ("locale", "november", "may"),
    [
        ("da", "25. nov. 2026", "2. maj 2026"),
        # en: babel's "en" is CLDR's American English: month first (en_GB: "25 Nov 2026").
        ("en", "Nov 25, 2026", "May 2, 2026"),
        # de: CLDR's German medium date is numeric, with the year in full.
        ("de", "25.11.2026", "02.05.2026"),
        ("sv", "25 nov. 2026", "2 maj 2026"),
        ("nb", "25. nov. 2026", "2. mai 2026"),
    ],
)
def test_format_date(locale: str, november: str, may: str) -> None:
    assert format_date(date(2026, 11, 25), locale) == november
    assert format_date(date(2026, 5, 2), locale) == may


def test_a_territory_changes_the_formatting_not_the_labels() -> None:
    assert format_date(date(2026, 11, 25), "en_GB") == "25 Nov 2026"
    assert format_money(Decimal("1250"), "CHF", "de_CH") == nb("CHF 1’250.00")
    assert labels("en_GB") is labels("en")


def test_formatting_refuses_floats_and_unknown_locales_or_currencies() -> None:
    with pytest.raises(ValidationError) as caught:
        format_money(1.5, "DKK", "da")  # type: ignore[arg-type]
    assert caught.value.field == "amount"
    with pytest.raises(ValidationError):
        format_number(1.5, "da")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        format_percent(Decimal("NaN"), "da")
    with pytest.raises(ValidationError) as caught:
        format_money(Decimal(1), "XYZ", "da")
    assert caught.value.field == "currency"
    for locale in ("xx_YY", "", "zz"):
        with pytest.raises(ValidationError) as caught:
            format_date(date(2026, 1, 1), locale)
        assert caught.value.field == "locale"
    with pytest.raises(ValidationError):
        format_number(Decimal(1), "da", places=7)


def test_formatting_ignores_the_callers_decimal_context() -> None:
    tiny = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(tiny) as callers:
        assert format_money(Decimal("1234567.89"), "DKK", "en") == nb("DKK 1,234,567.89")
        assert format_number(Decimal("1234.123456"), "en") == "1,234.123456"
        assert format_percent(Decimal("12.5"), "en") == "12.5%"
        assert decimal.getcontext() is callers
        assert callers.flags[decimal.Inexact] == 0


# -- payment terms ------------------------------------------------------------------------

TERMS = [
    PaymentTerms.net(8),
    PaymentTerms.end_of_month(30),
    PaymentTerms.fixed(date(2026, 12, 1)),
]
TERMS_TEXT = {
    "da": ["Netto 8 dage", "Løbende måned + 30 dage", "Betales senest 1. dec. 2026"],
    "en": ["Net 8 days", "End of month + 30 days", "Due by Dec 1, 2026"],
    "de": [
        "Zahlbar innerhalb von 8 Tagen ohne Abzug",
        "Zahlbar 30 Tage nach Monatsende",
        "Zahlbar bis 01.12.2026",
    ],
    "sv": ["8 dagar netto", "30 dagar efter månadens slut", "Betalas senast 1 dec. 2026"],
    "nb": ["Netto 8 dager", "Løpende måned + 30 dager", "Betales innen 1. des. 2026"],
}


@pytest.mark.parametrize("locale", SUPPORTED)
def test_describe_terms(locale: str) -> None:
    assert [describe_terms(terms, locale) for terms in TERMS] == TERMS_TEXT[locale]


@pytest.mark.parametrize(
    ("terms", "danish", "english"),
    [
        (PaymentTerms.net(1), "Netto 1 dag", "Net 1 day"),
        (PaymentTerms.net(0), "Netto kontant", "Due on receipt"),
        (PaymentTerms.end_of_month(0), "Løbende måned", "End of month"),
        (
            PaymentTerms.end_of_next_month(15),
            "Udgangen af næste måned + 15 dage",
            "End of next month + 15 days",
        ),
        (
            PaymentTerms.day_of_next_month(15),
            "Den 15. i den følgende måned",
            "Day 15 of the following month",
        ),
        (PaymentTerms.invoice_week(7), "Løbende uge + 7 dage", "End of week + 7 days"),
        (PaymentTerms.cash(), "Kontant", "Cash"),
        (PaymentTerms.prepaid(), "Forudbetalt", "Prepaid"),
    ],
)
def test_describe_every_kind_of_terms(terms: PaymentTerms, danish: str, english: str) -> None:
    assert describe_terms(terms, "da") == danish
    assert describe_terms(terms, "en") == english


def test_every_kind_of_terms_is_described_in_every_language() -> None:
    examples = {
        TermsKind.NET: PaymentTerms.net(14),
        TermsKind.END_OF_MONTH: PaymentTerms.end_of_month(14),
        TermsKind.END_OF_NEXT_MONTH: PaymentTerms.end_of_next_month(14),
        TermsKind.DAY_OF_NEXT_MONTH: PaymentTerms.day_of_next_month(14),
        TermsKind.INVOICE_WEEK: PaymentTerms.invoice_week(14),
        TermsKind.CASH: PaymentTerms.cash(),
        TermsKind.PREPAID: PaymentTerms.prepaid(),
        TermsKind.FIXED: PaymentTerms.fixed(date(2026, 1, 14)),
    }
    assert set(examples) == set(TermsKind)
    for locale in SUPPORTED:
        described = [describe_terms(terms, locale) for terms in examples.values()]
        assert all(described), locale
        assert len(set(described)) == len(described), locale
        assert all("{" not in text for text in described), locale


# -- VAT exemptions, units, countries -----------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED)
def test_exemption_texts(locale: str) -> None:
    text = labels(locale)
    assert exemption_text(VatCategory.AE, locale) == text.exemption_ae
    assert exemption_text(VatCategory.K, locale) == text.exemption_k
    assert exemption_text(VatCategory.G, locale) == text.exemption_g
    assert exemption_text(VatCategory.O, locale) == text.exemption_o
    # the standard categories keep their localized text whatever reason is passed along
    assert exemption_text(VatCategory.AE, locale, "Reverse charge") == text.exemption_ae
    # exempt (E) groups print the document's own reason
    assert exemption_text(VatCategory.E, locale, "Lægeydelse, momsfri") == "Lægeydelse, momsfri"
    assert exemption_text(VatCategory.E, locale) is None
    assert exemption_text(VatCategory.S, locale, "ignored") is None
    assert exemption_text(VatCategory.Z, locale) is None


def test_the_english_exemption_texts_are_the_standard_reasons() -> None:
    for category in (VatCategory.AE, VatCategory.K, VatCategory.G, VatCategory.O):
        default = category.default_exemption
        assert default is not None
        assert exemption_text(category, "en") == default.reason


def test_unit_names() -> None:
    assert [unit_name("HUR", locale) for locale in SUPPORTED] == [
        "timer",
        "hrs",
        "Std.",
        "tim",
        "timer",
    ]
    assert unit_name("H87", "da") == "stk."
    assert unit_name("KGM", "de") == "kg"
    assert unit_name("XYZ", "da") == "XYZ"  # unknown codes show as themselves
    for locale in SUPPORTED:
        assert unit_name("C62", locale) != "C62"


def test_country_names() -> None:
    assert [country_name("DE", locale) for locale in SUPPORTED] == [
        "Tyskland",
        "Germany",
        "Deutschland",
        "Tyskland",
        "Tyskland",
    ]
    assert country_name("XX", "da") == "XX"


# -- purity -------------------------------------------------------------------------------


def test_import_reads_no_environment_and_pulls_in_no_pdf_libraries() -> None:
    code = (
        "import json, os, sys\n"
        "class Env(dict):\n"
        "    def __getitem__(self, k): raise SystemExit(f'read {k}')\n"
        "    def get(self, k, d=None): raise SystemExit(f'read {k}')\n"
        "    def __contains__(self, k): raise SystemExit(f'read {k}')\n"
        "os.environ = Env(os.environ)\n"
        "import faktura.documents.l10n\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)  # nothing else was printed at import
    for name in ("reportlab", "pypdf", "segno", "babel.numbers", "babel.dates"):
        assert not any(m == name or m.startswith(name + ".") for m in modules), name
