"""Hypothesis strategies for faktura's values, from currencies to invoices in every status.

Every value is built through faktura's own constructors and transitions
(``Invoice.draft``, ``book``, ``mark_delivered``, ``record_payment``, ``credit`` ...), so
a strategy yields exactly what a host application can meet. Amounts are at their
currency's precision, quantities and prices keep at most 6 decimals and stay far below
faktura's 10^12 bound, and every timestamp is timezone-aware (UTC).

Parties: ``companies(country)`` draws sellers of each country whose national rules
Peppol BIS 3.0 carries (DK, SE, NO, DE, NL, IT, GR) and of FR, BE and FI;
``customers(company)`` draws their buyers in every ``VatZone``, at home, elsewhere in
the EU and outside it. Their CVR, VAT, GLN and IBAN numbers are drawn digits with check
digits computed by python-stdnum, and every optional field is sometimes present,
sometimes absent.

Installing faktura registers a hypothesis plugin, so ``st.from_type(Invoice)`` (and
``Currency``, ``PaymentTerms``, ``ProductLine``, ``AllowanceCharge``, ``TextLine``,
``SeparatorLine``) works without importing this module.

Each shape is written once, as a draw function (``_draw``'s docstring says how); this
package's modules hold one job each, and every public name is imported from here.
"""

from __future__ import annotations

from hypothesis import strategies as st

from faktura.invoice import Invoice
from faktura.lines import AllowanceCharge, ProductLine, SeparatorLine, TextLine
from faktura.money import Currency
from faktura.terms import PaymentTerms

from ._allowances import allowance_charges
from ._documents import SUPPORTING_CONTENT, deliver_tos, document_references, supporting_documents
from ._drafts import drafts
from ._invoices import booked_invoices, invoices
from ._lines import (
    document_lines,
    item_details,
    lines,
    product_lines,
    separator_lines,
    text_lines,
)
from ._nations import NATIONAL_RULE_COUNTRIES, SELLER_COUNTRIES
from ._numbers import CURRENCY_CODES, amounts, currencies, quantities, timestamps, unit_prices
from ._parties import companies, customers
from ._terms import payment_terms
from ._vat import VatGroupKey, vat_groups, vat_rates

__all__ = [
    "CURRENCY_CODES",
    "NATIONAL_RULE_COUNTRIES",
    "SELLER_COUNTRIES",
    "SUPPORTING_CONTENT",
    "VatGroupKey",
    "allowance_charges",
    "amounts",
    "booked_invoices",
    "companies",
    "currencies",
    "customers",
    "deliver_tos",
    "document_lines",
    "document_references",
    "drafts",
    "invoices",
    "item_details",
    "lines",
    "payment_terms",
    "product_lines",
    "quantities",
    "separator_lines",
    "supporting_documents",
    "text_lines",
    "timestamps",
    "unit_prices",
    "vat_groups",
    "vat_rates",
]


def _hypothesis_setup_hook() -> None:
    """Register faktura's strategies for ``st.from_type`` (the hypothesis plugin)."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(PaymentTerms, payment_terms())
    st.register_type_strategy(ProductLine, product_lines())
    st.register_type_strategy(TextLine, text_lines())
    st.register_type_strategy(SeparatorLine, separator_lines())
    st.register_type_strategy(AllowanceCharge, allowance_charges())
    st.register_type_strategy(Invoice, invoices())
