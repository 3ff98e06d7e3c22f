"""The VAT of a Danish seller's foreign-currency invoice in DKK (BT-6, BT-111): taken at
booking at the host's rate (the ``ExchangeRates`` port), kept with the document in every
store, shown on the PDF and written to the UBL (validated against the UBL XSD and CEN's
EN 16931 rules); without a rate the document is not booked and no number is used."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from einvoice_rules import OfficialRules
from faktura import Company, Customer, ValidationError
from faktura.billing import Billing
from faktura.exchange import AccountingVat, ExchangeRates, FixedRates
from faktura.invoice import Invoice, Status
from faktura.ports import Store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.wire import new_draft
from test_ubl import NS

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
RATES = FixedRates({("EUR", "DKK"): Decimal("7.4604")})
# 1000.00 EUR at 25 %: VAT 250.00 EUR = 1865.10 DKK at 7.4604
LINE = {"description": "Rådgivning", "quantity": "1", "unitPrice": "1000.00"}
EXPECTED = AccountingVat("DKK", Decimal("7.4604"), date(2026, 12, 7), Decimal("1865.10"))


def setup(
    store: Store | None = None, rates: ExchangeRates | None = RATES
) -> tuple[Billing, Company, Customer]:
    billing = Billing(store or MemoryStore(), ManualClock(AT), exchange_rates=rates)
    company, customer = seller_and_buyer(billing)
    return billing, company, customer


def book(billing: Billing, company: Company, customer: Customer, currency: str) -> Invoice:
    body = {"customerId": customer.id, "currency": currency, "lines": [LINE]}
    return billing.book(company.id, billing.create_draft(company.id, new_draft(body)).id)


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_a_eur_invoice_states_its_vat_in_dkk(validator: OfficialRules) -> None:
    billing, company, customer = setup()
    invoice = book(billing, company, customer, "EUR")
    assert invoice.totals.vat == Decimal("250.00")
    assert invoice.vat_accounting == EXPECTED
    text = pdf_text(billing.render_pdf(company.id, invoice.id))
    assert "Moms i DKK (kurs 7,4604)" in text
    assert "1.865,10 kr." in text
    document = billing.render_ubl(company.id, invoice.id)
    validator.check(document)
    root = ET.fromstring(document)
    assert [e.text for e in root.findall("cbc:TaxCurrencyCode", NS)] == ["DKK"]
    totals = root.findall("cac:TaxTotal", NS)
    assert len(totals) == 2
    assert [(e.text, e.get("currencyID")) for e in totals[1]] == [("1865.10", "DKK")]
    assert totals[0].find("cbc:TaxAmount", NS).get("currencyID") == "EUR"  # type: ignore[union-attr]
    # a credit note is booked at the rate of its own date, too
    credit = billing.book(company.id, billing.credit(company.id, invoice.id).id)
    assert credit.vat_accounting == EXPECTED
    validator.check(billing.render_ubl(company.id, credit.id))


@pytest.mark.parametrize("rates", [None, FixedRates({("EUR", "SEK"): Decimal("11.2")})])
def test_without_a_rate_nothing_is_booked(rates: ExchangeRates | None) -> None:
    billing, company, customer = setup(rates=rates)
    body = {"customerId": customer.id, "currency": "EUR", "lines": [LINE]}
    draft = billing.create_draft(company.id, new_draft(body))
    with pytest.raises(ValidationError) as caught:
        billing.book(company.id, draft.id)
    assert [e.path for e in caught.value.errors] == ["currency"]
    assert "rate" in str(caught.value)
    kept = billing.get_invoice(company.id, draft.id)
    assert kept.status is Status.DRAFT
    assert kept.number is None
    # no number was used: the next booking takes the first one
    assert book(billing, company, customer, "DKK").number == "1"


def test_a_dkk_invoice_needs_no_rate() -> None:
    billing, company, customer = setup(rates=None)
    invoice = book(billing, company, customer, "DKK")
    assert invoice.vat_accounting is None
    document = billing.render_ubl(company.id, invoice.id)
    assert ET.fromstring(document).findall("cbc:TaxCurrencyCode", NS) == []
    assert "Moms i" not in pdf_text(billing.render_pdf(company.id, invoice.id))


def test_the_rate_used_survives_every_store(tmp_path: Path) -> None:
    for store in (MemoryStore(), SqliteStore(tmp_path / "rates.db", create=True)):
        billing, company, customer = setup(store)
        invoice = book(billing, company, customer, "EUR")
        assert billing.get_invoice(company.id, invoice.id).vat_accounting == EXPECTED


def test_the_wire_answers_the_vat_in_dkk() -> None:
    import jsonschema_rs

    from faktura.http.openapi import schema_of
    from faktura.wire import InvoiceResponse, invoice_to_wire, response_of, unstructure

    billing, company, customer = setup()
    invoice = book(billing, company, customer, "EUR")
    credit = billing.book(company.id, billing.credit(company.id, invoice.id).id)
    plain = book(billing, company, customer, "DKK")
    schema = schema_of(InvoiceResponse)
    assert "vatAccounting" in schema["components"]["schemas"]["InvoiceResponse"]["required"]
    checker = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    answers = []
    for document in (invoice, credit, plain):
        wire = invoice_to_wire(document)
        assert wire == unstructure(response_of(document))
        checker.validate(wire)
        answers.append(wire["vatAccounting"])
    dkk = {"currency": "DKK", "exchangeRate": "7.4604", "exchangeRateDate": "2026-12-07"}
    assert answers == [{**dkk, "vat": "1865.10"}, {**dkk, "vat": "-1865.10"}, None]
