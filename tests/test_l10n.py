"""Document localization: languages, labels and babel formatting per locale.

faktura's own words (labels, payment terms, unit names) are written out where a test
names them; they come from the catalog (faktura.locales, tested in test_catalog). What
CLDR decides through babel (separators, symbols, date patterns, country names) is
compared with babel's own answer for the locale, never written out: CLDR changes its
punctuation between releases (de_CH grouped with "’", now with "'"), and a test of
faktura should not fail with it. faktura's part of the formatting (the locale chosen, the
currency, the digits, the spacing of currency codes) is stated as properties.
"""

from __future__ import annotations

import decimal
import json
import re
import string
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs
import pytest
from babel.core import Locale
from babel.dates import format_date as babel_date
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)
from babel.numbers import format_percent as babel_percent
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


def test_supported_languages_are_the_catalogs() -> None:
    assert SUPPORTED == ("da", "de", "en", "nb", "sv")  # a file each, in code order
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
#
# CLDR (through babel) decides how a locale punctuates: separators, where the symbol goes,
# which spaces; it changes between babel releases. faktura decides which locale, which
# currency, which digits (never rounded, at least the currency's decimals), the spacing
# of letter symbols, and that the caller's decimal context does not matter. So these
# tests compare with babel's own answer for the locale, and state faktura's part as
# properties, never as CLDR's punctuation of the day.

# A letter touching a digit: what CLDR's currency spacing (added by faktura) forbids.
LETTER_AT_DIGIT = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")


def digits(text: str) -> str:
    """The digits of ``text``, in order."""
    return "".join(char for char in text if char.isdigit())


def plain(text: str, locale: str) -> str:
    """A number formatted for ``locale`` written plainly ("1234.5", "-3"), by babel's own
    symbols for that locale."""
    for minus in {get_minus_sign_symbol(locale), "\u2212"}:
        text = text.replace(minus, "-")
    return text.replace(get_group_symbol(locale), "").replace(get_decimal_symbol(locale), ".")


def assert_babels_money(got: str, amount: Decimal, currency: str, locale: str) -> None:
    """``got`` is babel's own formatting of the amount, with CLDR's currency spacing: one
    no-break space more where babel lets a letter of the symbol touch a digit."""
    theirs = format_currency(amount, currency, locale=locale)
    assert got.replace(NBSP, "") == theirs.replace(NBSP, ""), (got, theirs)
    spaced = 1 if LETTER_AT_DIGIT.search(theirs) else 0
    assert got.count(NBSP) == theirs.count(NBSP) + spaced, (got, theirs)
    assert not LETTER_AT_DIGIT.search(got), got
    assert get_currency_symbol(currency, locale) in got


# (amount, currency, the digits printed): at least the currency's decimals.
MONEY_INPUT = [
    (Decimal("1250.00"), "DKK", "125000"),
    (Decimal("-1250.5"), "EUR", "125050"),
    (Decimal("1234567.89"), "SEK", "123456789"),
    (Decimal("1000"), "JPY", "1000"),  # no minor units
    (Decimal("0.5"), "KWD", "0500"),  # three
    (Decimal("12.5"), "USD", "1250"),
    (Decimal("-12.5"), "DKK", "1250"),
    (Decimal("999999999999.99"), "DKK", "99999999999999"),
]


@pytest.mark.parametrize("locale", [*SUPPORTED, "en_GB", "de_CH", "da_DK"])
def test_format_money_is_babels_with_the_currencys_digits(locale: str) -> None:
    for amount, currency, printed in MONEY_INPUT:
        got = format_money(amount, currency, locale)
        assert_babels_money(got, amount, currency, locale)
        assert digits(got) == printed, (got, printed)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_a_currency_code_is_spaced_from_the_digits_and_a_sign_is_not(locale: str) -> None:
    # babel writes "DKK1,250.00" in en; CLDR's currency spacing wants "DKK 1,250.00".
    for currency in ("DKK", "SEK", "NOK", "EUR", "USD", "GBP", "CHF", "JPY", "KWD"):
        for amount in (Decimal(1250), Decimal(-12), Decimal(0)):  # whole: babel needn't round
            got = format_money(amount, currency, locale)
            assert_babels_money(got, amount, currency, locale)
            symbol = get_currency_symbol(currency, locale)
            if not any(char.isalpha() for char in symbol):  # a sign: "€", "$"
                assert got == format_currency(amount, currency, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_money_never_rounds(locale: str) -> None:
    decimal = get_decimal_symbol(locale)
    for amount, currency, fraction in [
        (Decimal("12.125"), "DKK", "125"),  # a unit price keeps its third decimal
        (Decimal("0.001"), "KWD", "001"),
        (Decimal("7.123456"), "EUR", "123456"),
        (Decimal("3.5"), "JPY", "5"),
    ]:
        got = format_money(amount, currency, locale)
        assert decimal + fraction in got, got
        assert digits(got) == digits(str(amount)), got


@pytest.mark.parametrize("locale", SUPPORTED)
def test_a_negated_zero_prints_without_its_sign(locale: str) -> None:
    assert format_money(Decimal("-0.00"), "DKK", locale) == format_money(
        Decimal("0.00"), "DKK", locale
    )
    assert format_number(Decimal("-0.000"), locale) == "0"


# (value, places, the value as printed, written plainly)
NUMBERS = [
    (Decimal("2.500"), None, "2.5"),  # trailing zeros go
    (Decimal("3.000000"), None, "3"),
    (Decimal("1234.123456"), None, "1234.123456"),  # six decimals stay
    (Decimal("0.000001"), None, "0.000001"),
    (Decimal("-3.25"), None, "-3.25"),
    (Decimal("-0.000"), None, "0"),
    (Decimal("1234567"), None, "1234567"),
    (Decimal("12.5"), 2, "12.50"),  # at least two decimals
    (Decimal("12.123456"), 2, "12.123456"),  # and more when there
]


@pytest.mark.parametrize("locale", [*SUPPORTED, "de_CH"])
def test_format_number(locale: str) -> None:
    for value, places, printed in NUMBERS:
        assert plain(format_number(value, locale, places=places), locale) == printed
    # babel's own answer, for a number its default pattern neither pads nor rounds
    assert format_number(Decimal("1234.5"), locale) == format_decimal(
        Decimal("1234.5"), locale=locale
    )


@given(
    st.decimals(
        min_value=Decimal("-999999999999.999999"),
        max_value=Decimal("999999999999.999999"),
        places=MAX_PLACES,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.sampled_from(SUPPORTED),
)
def test_format_number_keeps_every_digit_of_a_quantity(value: Decimal, locale: str) -> None:
    assert Decimal(plain(format_number(value, locale), locale)) == value


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_percent(locale: str) -> None:
    whole = format_percent(Decimal(25), locale)
    assert whole == babel_percent(Decimal("0.25"), locale=locale)  # given in percent
    # the same pattern, with the decimals kept (babel's default would round to 12 %)
    assert format_percent(Decimal("12.5"), locale) == whole.replace(
        "25", f"12{get_decimal_symbol(locale)}5"
    )
    assert format_percent(Decimal("0.00"), locale).startswith("0")


DAYS = [date(2026, 11, 25), date(2026, 5, 2), date(2027, 1, 9)]


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_date_is_the_locales_medium_date(locale: str) -> None:
    # The medium format: da, sv and nb spell the month, and every locale writes the year
    # in full, so no date on a document reads two ways ("11/05/26").
    for day in DAYS:
        text = format_date(day, locale)
        assert text == babel_date(day, "medium", locale=locale)
        assert str(day.year) in text
    assert len({format_date(day, locale) for day in DAYS}) == len(DAYS)


def test_a_territory_changes_the_formatting_not_the_labels() -> None:
    day, amount = date(2026, 11, 25), Decimal("1250")
    # CLDR's British English writes the day first, American English the month.
    assert format_date(day, "en_GB") == babel_date(day, "medium", locale="en_GB")
    assert format_date(day, "en_GB") != format_date(day, "en")
    # Swiss German groups and separates decimals its own way.
    swiss = format_money(amount, "CHF", "de_CH")
    assert_babels_money(swiss, amount, "CHF", "de_CH")
    assert swiss != format_money(amount, "CHF", "de")
    assert labels("en_GB") is labels("en")
    assert labels("de_CH") is labels("de")


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
    calls: list[Callable[[], str]] = [
        lambda: format_money(Decimal("1234567.89"), "DKK", "en"),
        lambda: format_money(Decimal("12.125"), "DKK", "da"),
        lambda: format_number(Decimal("1234.123456"), "en"),
        lambda: format_percent(Decimal("12.5"), "en"),
    ]
    expected = [call() for call in calls]
    tiny = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(tiny) as callers:
        assert [call() for call in calls] == expected
        assert decimal.getcontext() is callers
        assert callers.flags[decimal.Inexact] == 0
    assert digits(expected[0]) == "123456789"


# -- payment terms ------------------------------------------------------------------------

TERMS = [
    PaymentTerms.net(8),
    PaymentTerms.end_of_month(30),
    PaymentTerms.fixed(date(2026, 12, 1)),
]
# {date}: the fixed date, as format_date writes it for the locale.
TERMS_TEXT = {
    "da": ["Netto 8 dage", "Løbende måned + 30 dage", "Betales senest {date}"],
    "en": ["Net 8 days", "End of month + 30 days", "Due by {date}"],
    "de": [
        "Zahlbar innerhalb von 8 Tagen ohne Abzug",
        "Zahlbar 30 Tage nach Monatsende",
        "Zahlbar bis {date}",
    ],
    "sv": ["8 dagar netto", "30 dagar efter månadens slut", "Betalas senast {date}"],
    "nb": ["Netto 8 dager", "Løpende måned + 30 dager", "Betales innen {date}"],
}


@pytest.mark.parametrize("locale", SUPPORTED)
def test_describe_terms(locale: str) -> None:
    fixed = format_date(date(2026, 12, 1), locale)
    expected = [text.format(date=fixed) for text in TERMS_TEXT[locale]]
    assert [describe_terms(terms, locale) for terms in TERMS] == expected


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
    assert {locale: unit_name("HUR", locale) for locale in SUPPORTED} == {
        "da": "timer",
        "en": "hrs",
        "de": "Std.",
        "sv": "tim",
        "nb": "timer",
    }
    assert unit_name("H87", "da") == "stk."
    assert unit_name("KGM", "de") == "kg"
    assert unit_name("XYZ", "da") == "XYZ"  # unknown codes show as themselves
    for locale in SUPPORTED:
        assert unit_name("C62", locale) != "C62"


@pytest.mark.parametrize("locale", [*SUPPORTED, "de_AT"])
def test_country_names_are_babels_in_the_documents_locale(locale: str) -> None:
    for code in ("DE", "DK", "SE", "NO", "GB"):
        assert country_name(code, locale) == Locale.parse(locale).territories[code]
    assert country_name("XX", locale) == "XX"  # unknown codes show as themselves


def test_country_names_follow_the_language() -> None:
    assert country_name("DE", "de") != country_name("DE", "en")


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
