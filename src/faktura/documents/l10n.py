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

import attrs
from babel.core import Locale, UnknownLocaleError
from babel.localedata import exists as _babel_has_locale

from faktura.errors import ValidationError
from faktura.invoice import DocumentKind
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

#: The languages faktura writes documents in.
SUPPORTED = ("da", "en", "de", "sv", "nb")
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


_DA = Labels(
    invoice="Faktura",
    credit_note="Kreditnota",
    draft="KLADDE",
    draft_number="Kladde – intet nummer endnu",
    credit_note_for="Kreditnota til faktura {number}",
    credit_note_for_dated="Kreditnota til faktura {number} af {date}",
    credit_reason="Årsag: {reason}",
    page="Side {page} af {pages}",
    continued="Fortsættes på næste side",
    invoice_number="Fakturanr.",
    credit_note_number="Kreditnotanr.",
    date="Dato",
    delivery_date="Leveringsdato",
    delivery_period="Leveringsperiode",
    due_date="Forfaldsdato",
    customer_number="Kundenr.",
    reference="PO-nr.",
    your_reference="Deres ref.",
    our_reference="Vores ref.",
    order_reference="Ordrereference",
    sales_order="Vores ordrenr.",
    contract="Kontrakt",
    project="Projekt",
    buyer_accounting="Kontostreng",
    currency="Valuta",
    customer="Kunde",
    delivery_address="Leveringsadresse",
    delivery_location="Lokation",
    department="Afdeling",
    contact="Kontaktperson",
    phone="Tlf.",
    email="E-mail",
    registration_number="CVR-nr.",
    vat_number="Momsnr.",
    ean="EAN-nr.",
    description="Beskrivelse",
    quantity="Antal",
    unit="Enhed",
    unit_price="Enhedspris",
    discount="Rabat",
    vat_rate="Momssats",
    amount="Beløb",
    amount_incl_vat="Beløb inkl. moms",
    buyer_item_id="Jeres varenr.",
    standard_item_id="Vare-id",
    origin_country="Oprindelsesland",
    item_classification="Klassifikation",
    line_total="Sum af linjer",
    allowance="Rabat",
    charge="Tillæg",
    subtotal="I alt ekskl. moms",
    vat="Moms",
    total="I alt inkl. moms",
    prepaid="Forudbetalt",
    rounding="Afrunding",
    payable="At betale",
    credited="Krediteret beløb",
    prices_include_vat="Alle priser er inkl. moms",
    of_which_vat="Heraf moms",
    vat_in="Moms i {currency}",
    exchange_rate="kurs",
    vat_breakdown="Momsspecifikation",
    taxable_amount="Momsgrundlag",
    vat_amount="Momsbeløb",
    exemption_ae="Omvendt betalingspligt",
    exemption_k="Momsfri levering inden for EU",
    exemption_g="Momsfri eksport uden for EU",
    exemption_o="Ikke momspligtig",
    payment="Betalingsoplysninger",
    payment_terms="Betalingsbetingelser",
    bank_reg_no="Reg.nr.",
    bank_account_no="Kontonr.",
    iban="IBAN",
    bic="BIC",
    fik="Indbetalingskort (FIK)",
    payee="Betalingsmodtager",
    payment_instruction="Angiv venligst fakturanummer {number} ved betaling",
    scan_to_pay="Scan og betal",
    terms_net=PluralText("Netto 1 dag", "Netto {n} dage", zero="Netto kontant"),
    terms_end_of_month=PluralText(
        "Løbende måned + 1 dag", "Løbende måned + {n} dage", zero="Løbende måned"
    ),
    terms_end_of_next_month=PluralText(
        "Udgangen af næste måned + 1 dag",
        "Udgangen af næste måned + {n} dage",
        zero="Udgangen af næste måned",
    ),
    terms_day_of_next_month="Den {day}. i den følgende måned",
    terms_invoice_week=PluralText(
        "Løbende uge + 1 dag", "Løbende uge + {n} dage", zero="Løbende uge"
    ),
    terms_cash="Kontant",
    terms_prepaid="Forudbetalt",
    terms_fixed="Betales senest {date}",
    notes="Bemærkninger",
)

_EN = Labels(
    invoice="Invoice",
    credit_note="Credit note",
    draft="DRAFT",
    draft_number="Draft – no number yet",
    credit_note_for="Credit note for invoice {number}",
    credit_note_for_dated="Credit note for invoice {number} of {date}",
    credit_reason="Reason: {reason}",
    page="Page {page} of {pages}",
    continued="Continued on next page",
    invoice_number="Invoice no.",
    credit_note_number="Credit note no.",
    date="Date",
    delivery_date="Delivery date",
    delivery_period="Delivery period",
    due_date="Due date",
    customer_number="Customer no.",
    reference="PO number",
    your_reference="Your ref.",
    our_reference="Our ref.",
    order_reference="Order ref.",
    sales_order="Our order no.",
    contract="Contract",
    project="Project",
    buyer_accounting="Accounting ref.",
    currency="Currency",
    customer="Customer",
    delivery_address="Delivery address",
    delivery_location="Location",
    department="Department",
    contact="Contact",
    phone="Phone",
    email="Email",
    registration_number="CVR no.",
    vat_number="VAT no.",
    ean="EAN no.",
    description="Description",
    quantity="Quantity",
    unit="Unit",
    unit_price="Unit price",
    discount="Discount",
    vat_rate="VAT rate",
    amount="Amount",
    amount_incl_vat="Amount incl. VAT",
    buyer_item_id="Your item no.",
    standard_item_id="Item ID",
    origin_country="Country of origin",
    item_classification="Classification",
    line_total="Lines total",
    allowance="Discount",
    charge="Surcharge",
    subtotal="Total excl. VAT",
    vat="VAT",
    total="Total incl. VAT",
    prepaid="Paid in advance",
    rounding="Rounding",
    payable="Amount due",
    credited="Amount credited",
    prices_include_vat="All prices include VAT",
    of_which_vat="Of which VAT",
    vat_in="VAT in {currency}",
    exchange_rate="rate",
    vat_breakdown="VAT breakdown",
    taxable_amount="Taxable amount",
    vat_amount="VAT amount",
    exemption_ae="Reverse charge",
    exemption_k="Intra-community supply",
    exemption_g="Export outside the EU",
    exemption_o="Not subject to VAT",
    payment="Payment details",
    payment_terms="Payment terms",
    bank_reg_no="Reg. no.",
    bank_account_no="Account no.",
    iban="IBAN",
    bic="BIC",
    fik="Payment slip (FIK)",
    payee="Payee",
    payment_instruction="Please quote invoice number {number} with your payment",
    scan_to_pay="Scan to pay",
    terms_net=PluralText("Net 1 day", "Net {n} days", zero="Due on receipt"),
    terms_end_of_month=PluralText(
        "End of month + 1 day", "End of month + {n} days", zero="End of month"
    ),
    terms_end_of_next_month=PluralText(
        "End of next month + 1 day", "End of next month + {n} days", zero="End of next month"
    ),
    terms_day_of_next_month="Day {day} of the following month",
    terms_invoice_week=PluralText(
        "End of week + 1 day", "End of week + {n} days", zero="End of week"
    ),
    terms_cash="Cash",
    terms_prepaid="Prepaid",
    terms_fixed="Due by {date}",
    notes="Notes",
)

# A German credit note is a "Rechnungskorrektur": "Gutschrift" in § 14 UStG means a
# self-billed invoice, and a document so titled can make VAT payable by its recipient.
_DE = Labels(
    invoice="Rechnung",
    credit_note="Rechnungskorrektur",
    draft="ENTWURF",
    draft_number="Entwurf – noch keine Nummer",
    credit_note_for="Korrektur zur Rechnung Nr. {number}",
    credit_note_for_dated="Korrektur zur Rechnung Nr. {number} vom {date}",
    credit_reason="Grund: {reason}",
    page="Seite {page} von {pages}",
    continued="Fortsetzung auf der nächsten Seite",
    invoice_number="Rechnungsnr.",
    credit_note_number="Korrektur-Nr.",
    date="Datum",
    delivery_date="Leistungsdatum",
    delivery_period="Leistungszeitraum",
    due_date="Fällig am",
    customer_number="Kundennr.",
    reference="Bestellnummer",
    your_reference="Ihr Zeichen",
    our_reference="Unser Zeichen",
    order_reference="Bestellreferenz",
    sales_order="Unsere Auftragsnr.",
    contract="Vertrag",
    project="Projekt",
    buyer_accounting="Kostenstelle",
    currency="Währung",
    customer="Kunde",
    delivery_address="Lieferanschrift",
    delivery_location="Lieferort",
    department="Abteilung",
    contact="Ansprechpartner",
    phone="Tel.",
    email="E-Mail",
    registration_number="CVR-Nr.",
    vat_number="USt-IdNr.",
    ean="GLN",
    description="Bezeichnung",
    quantity="Menge",
    unit="Einheit",
    unit_price="Einzelpreis",
    discount="Rabatt",
    vat_rate="Steuersatz",
    amount="Betrag",
    amount_incl_vat="Betrag inkl. MwSt.",
    buyer_item_id="Ihre Artikelnr.",
    standard_item_id="Artikel-ID",
    origin_country="Ursprungsland",
    item_classification="Klassifikation",
    line_total="Summe der Positionen",
    allowance="Nachlass",
    charge="Zuschlag",
    subtotal="Nettobetrag",
    vat="MwSt.",
    total="Gesamtbetrag",
    prepaid="Bereits gezahlt",
    rounding="Rundung",
    payable="Zahlbetrag",
    credited="Erstattungsbetrag",
    prices_include_vat="Alle Preise inkl. MwSt.",
    of_which_vat="Enthaltene MwSt.",
    vat_in="MwSt. in {currency}",
    exchange_rate="Kurs",
    vat_breakdown="Aufschlüsselung der MwSt.",
    taxable_amount="Bemessungsgrundlage",
    vat_amount="Steuerbetrag",
    exemption_ae="Steuerschuldnerschaft des Leistungsempfängers",
    exemption_k="Steuerfreie innergemeinschaftliche Lieferung",
    exemption_g="Steuerfreie Ausfuhrlieferung",
    exemption_o="Nicht steuerbar",
    payment="Zahlungsinformationen",
    payment_terms="Zahlungsbedingungen",
    bank_reg_no="Reg.-Nr.",
    bank_account_no="Kontonummer",
    iban="IBAN",
    bic="BIC",
    fik="Zahlschein (FIK)",
    payee="Zahlungsempfänger",
    payment_instruction="Bitte geben Sie bei der Zahlung die Rechnungsnummer {number} an",
    scan_to_pay="Scannen und bezahlen",
    terms_net=PluralText(
        "Zahlbar innerhalb von 1 Tag ohne Abzug",
        "Zahlbar innerhalb von {n} Tagen ohne Abzug",
        zero="Sofort zahlbar ohne Abzug",
    ),
    terms_end_of_month=PluralText(
        "Zahlbar 1 Tag nach Monatsende",
        "Zahlbar {n} Tage nach Monatsende",
        zero="Zahlbar zum Monatsende",
    ),
    terms_end_of_next_month=PluralText(
        "Zahlbar 1 Tag nach Ende des Folgemonats",
        "Zahlbar {n} Tage nach Ende des Folgemonats",
        zero="Zahlbar zum Ende des Folgemonats",
    ),
    terms_day_of_next_month="Zahlbar am {day}. des Folgemonats",
    terms_invoice_week=PluralText(
        "Zahlbar 1 Tag nach Ende der Rechnungswoche",
        "Zahlbar {n} Tage nach Ende der Rechnungswoche",
        zero="Zahlbar zum Ende der Rechnungswoche",
    ),
    terms_cash="Barzahlung",
    terms_prepaid="Vorauskasse",
    terms_fixed="Zahlbar bis {date}",
    notes="Bemerkungen",
)

_SV = Labels(
    invoice="Faktura",
    credit_note="Kreditfaktura",
    draft="UTKAST",
    draft_number="Utkast – inget nummer ännu",
    credit_note_for="Kreditering av faktura {number}",
    credit_note_for_dated="Kreditering av faktura {number} den {date}",
    credit_reason="Orsak: {reason}",
    page="Sida {page} av {pages}",
    continued="Fortsätter på nästa sida",
    invoice_number="Fakturanr",
    credit_note_number="Kreditfakturanr",
    date="Datum",
    delivery_date="Leveransdatum",
    delivery_period="Leveransperiod",
    due_date="Förfallodatum",
    customer_number="Kundnr",
    reference="Ert ordernr",
    your_reference="Er referens",
    our_reference="Vår referens",
    order_reference="Orderreferens",
    sales_order="Vårt ordernr",
    contract="Avtal",
    project="Projekt",
    buyer_accounting="Kontering",
    currency="Valuta",
    customer="Kund",
    delivery_address="Leveransadress",
    delivery_location="Leveransplats",
    department="Avdelning",
    contact="Kontaktperson",
    phone="Tel.",
    email="E-post",
    registration_number="Org.nr",
    vat_number="Momsreg.nr",
    ean="GLN",
    description="Beskrivning",
    quantity="Antal",
    unit="Enhet",
    unit_price="À-pris",
    discount="Rabatt",
    vat_rate="Momssats",
    amount="Belopp",
    amount_incl_vat="Belopp inkl. moms",
    buyer_item_id="Ert artikelnr",
    standard_item_id="Artikel-id",
    origin_country="Ursprungsland",
    item_classification="Klassificering",
    line_total="Summa rader",
    allowance="Rabatt",
    charge="Tillägg",
    subtotal="Summa exkl. moms",
    vat="Moms",
    total="Summa inkl. moms",
    prepaid="Redan betalt",
    rounding="Öresavrundning",
    payable="Att betala",
    credited="Krediterat belopp",
    prices_include_vat="Alla priser inkl. moms",
    of_which_vat="Varav moms",
    vat_in="Moms i {currency}",
    exchange_rate="kurs",
    vat_breakdown="Momsspecifikation",
    taxable_amount="Beskattningsunderlag",
    vat_amount="Momsbelopp",
    exemption_ae="Omvänd betalningsskyldighet",
    exemption_k="Unionsintern leverans, undantagen från moms",
    exemption_g="Momsfri export utanför EU",
    exemption_o="Omfattas inte av moms",
    payment="Betalningsinformation",
    payment_terms="Betalningsvillkor",
    bank_reg_no="Reg.nr",
    bank_account_no="Kontonr",
    iban="IBAN",
    bic="BIC",
    fik="Inbetalningskort (FIK)",
    payee="Betalningsmottagare",
    payment_instruction="Ange fakturanummer {number} vid betalning",
    scan_to_pay="Skanna och betala",
    terms_net=PluralText("1 dag netto", "{n} dagar netto", zero="Betalas omgående"),
    terms_end_of_month=PluralText(
        "1 dag efter månadens slut",
        "{n} dagar efter månadens slut",
        zero="Vid månadens slut",
    ),
    terms_end_of_next_month=PluralText(
        "1 dag efter nästa månads slut",
        "{n} dagar efter nästa månads slut",
        zero="Vid nästa månads slut",
    ),
    terms_day_of_next_month="Den {day} i följande månad",
    terms_invoice_week=PluralText(
        "1 dag efter veckans slut", "{n} dagar efter veckans slut", zero="Vid veckans slut"
    ),
    terms_cash="Kontant",
    terms_prepaid="Förskottsbetalning",
    terms_fixed="Betalas senast {date}",
    notes="Anmärkningar",
)

_NB = Labels(
    invoice="Faktura",
    credit_note="Kreditnota",
    draft="UTKAST",
    draft_number="Utkast – ikke nummerert ennå",
    credit_note_for="Kreditnota for faktura {number}",
    credit_note_for_dated="Kreditnota for faktura {number} av {date}",
    credit_reason="Årsak: {reason}",
    page="Side {page} av {pages}",
    continued="Fortsetter på neste side",
    invoice_number="Fakturanr.",
    credit_note_number="Kreditnotanr.",
    date="Dato",
    delivery_date="Leveringsdato",
    delivery_period="Leveringsperiode",
    due_date="Forfallsdato",
    customer_number="Kundenr.",
    reference="Bestillingsnr.",
    your_reference="Deres ref.",
    our_reference="Vår ref.",
    order_reference="Ordrereferanse",
    sales_order="Vårt ordrenr.",
    contract="Kontrakt",
    project="Prosjekt",
    buyer_accounting="Kontering",
    currency="Valuta",
    customer="Kunde",
    delivery_address="Leveringsadresse",
    delivery_location="Leveringssted",
    department="Avdeling",
    contact="Kontaktperson",
    phone="Tlf.",
    email="E-post",
    registration_number="Org.nr.",
    vat_number="MVA-nr.",
    ean="GLN",
    description="Beskrivelse",
    quantity="Antall",
    unit="Enhet",
    unit_price="Enhetspris",
    discount="Rabatt",
    vat_rate="Mva-sats",
    amount="Beløp",
    amount_incl_vat="Beløp inkl. mva.",
    buyer_item_id="Deres varenr.",
    standard_item_id="Vare-ID",
    origin_country="Opprinnelsesland",
    item_classification="Klassifisering",
    line_total="Sum linjer",
    allowance="Rabatt",
    charge="Tillegg",
    subtotal="Sum eks. mva.",
    vat="MVA",
    total="Sum inkl. mva.",
    prepaid="Forskuddsbetalt",
    rounding="Øreavrunding",
    payable="Å betale",
    credited="Kreditert beløp",
    prices_include_vat="Alle priser inkl. mva.",
    of_which_vat="Herav mva.",
    vat_in="Mva. i {currency}",
    exchange_rate="kurs",
    vat_breakdown="Mva-spesifikasjon",
    taxable_amount="Grunnlag",
    vat_amount="Mva-beløp",
    exemption_ae="Omvendt avgiftsplikt",
    exemption_k="Avgiftsfri leveranse innen EØS",
    exemption_g="Avgiftsfri utførsel",
    exemption_o="Ikke mva-pliktig",
    payment="Betalingsinformasjon",
    payment_terms="Betalingsbetingelser",
    bank_reg_no="Reg.nr.",
    bank_account_no="Kontonr.",
    iban="IBAN",
    bic="BIC",
    fik="Innbetalingskort (FIK)",
    payee="Betalingsmottaker",
    payment_instruction="Oppgi fakturanummer {number} ved betaling",
    scan_to_pay="Skann og betal",
    terms_net=PluralText("Netto 1 dag", "Netto {n} dager", zero="Netto kontant"),
    terms_end_of_month=PluralText(
        "Løpende måned + 1 dag", "Løpende måned + {n} dager", zero="Løpende måned"
    ),
    terms_end_of_next_month=PluralText(
        "Utgangen av neste måned + 1 dag",
        "Utgangen av neste måned + {n} dager",
        zero="Utgangen av neste måned",
    ),
    terms_day_of_next_month="Den {day}. i påfølgende måned",
    terms_invoice_week=PluralText(
        "Løpende uke + 1 dag", "Løpende uke + {n} dager", zero="Løpende uke"
    ),
    terms_cash="Kontant",
    terms_prepaid="Forhåndsbetalt",
    terms_fixed="Betales innen {date}",
    notes="Merknader",
)

_LABELS = {"da": _DA, "en": _EN, "de": _DE, "sv": _SV, "nb": _NB}


def labels(locale: str) -> Labels:
    """The labels for ``locale``'s language; English for a language not in ``SUPPORTED``."""
    return _LABELS[_language(locale) or FALLBACK]


# UN/ECE Recommendation 20 units an invoice line commonly uses. Symbols are the same in
# every language; named units are written the way invoicing software in each language
# writes them in a unit column (plural, abbreviated where that is the custom).
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
_UNIT_NAMES: dict[str, dict[str, str]] = {
    "da": {
        "H87": "stk.",
        "C62": "stk.",
        "EA": "stk.",
        "HUR": "timer",
        "MIN": "min.",
        "DAY": "dage",
        "WEE": "uger",
        "MON": "mdr.",
        "ANN": "år",
        "SET": "sæt",
        "PR": "par",
        "XPK": "pk.",
    },
    "en": {
        "H87": "pcs",
        "C62": "pcs",
        "EA": "each",
        "HUR": "hrs",
        "MIN": "min",
        "DAY": "days",
        "WEE": "weeks",
        "MON": "months",
        "ANN": "years",
        "SET": "sets",
        "PR": "pairs",
        "XPK": "pkg",
    },
    "de": {
        "H87": "Stk.",
        "C62": "Stk.",
        "EA": "Stk.",
        "HUR": "Std.",
        "MIN": "Min.",
        "DAY": "Tage",
        "WEE": "Wochen",
        "MON": "Monate",
        "ANN": "Jahre",
        "SET": "Satz",
        "PR": "Paar",
        "XPK": "Pckg.",
    },
    "sv": {
        "H87": "st",
        "C62": "st",
        "EA": "st",
        "HUR": "tim",
        "MIN": "min",
        "DAY": "dagar",
        "WEE": "veckor",
        "MON": "mån",
        "ANN": "år",
        "SET": "set",
        "PR": "par",
        "XPK": "frp",
    },
    "nb": {
        "H87": "stk.",
        "C62": "stk.",
        "EA": "stk.",
        "HUR": "timer",
        "MIN": "min.",
        "DAY": "dager",
        "WEE": "uker",
        "MON": "mnd.",
        "ANN": "år",
        "SET": "sett",
        "PR": "par",
        "XPK": "pk.",
    },
}


def unit_name(code: str, locale: str) -> str:
    """How a document writes the UN/ECE Rec. 20 unit ``code`` ("HUR" → "timer" in da);
    a code faktura has no name for is shown as the code itself."""
    if code in _UNIT_SYMBOLS:
        return _UNIT_SYMBOLS[code]
    return _UNIT_NAMES[_language(locale) or FALLBACK].get(code, code)


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
