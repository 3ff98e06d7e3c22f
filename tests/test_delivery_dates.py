"""The delivery date (BT-72) and the invoicing period (BG-14): on the Python API and the
wire, in every store, on the PDF and in the UBL (validated against the UBL XSD and CEN's
EN 16931 rules). Without either, an invoice's delivery date is its issue date."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from einvoice_rules import OfficialRules
from faktura import Company, Customer, ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyChanges, DraftChanges
from faktura.documents.l10n import format_date
from faktura.invoice import Invoice
from faktura.ports import Store
from faktura.storage import codec
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.wire import invoice_to_wire, new_draft
from test_ubl import NS

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LINE = {"description": "Rådgivning", "quantity": "2", "unitPrice": "1000.00"}


def setup(store: Store) -> tuple[Billing, Company, Customer]:
    billing = Billing(store, ManualClock(AT))
    company, customer = seller_and_buyer(billing)
    return billing, company, customer


@pytest.fixture
def memory() -> tuple[Billing, Company, Customer]:
    return setup(MemoryStore())


def draft(billing: Billing, company: Company, customer: Customer, **wire: str) -> Invoice:
    return billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE], **wire})
    )


def test_the_wire_sets_and_answers_the_dates(memory: tuple[Billing, Company, Customer]) -> None:
    billing, company, customer = memory
    invoice = draft(
        billing,
        company,
        customer,
        deliveryDate="2026-11-20",
        periodStart="2026-11-01",
        periodEnd="2026-11-30",
    )
    assert invoice.delivery_date == date(2026, 11, 20)
    assert (invoice.period_start, invoice.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    wire = invoice_to_wire(billing.get_invoice(company.id, invoice.id))
    assert wire["deliveryDate"] == "2026-11-20"
    assert (wire["periodStart"], wire["periodEnd"]) == ("2026-11-01", "2026-11-30")
    updated = billing.update_draft(
        company.id, invoice.id, DraftChanges(delivery_date=None, period_start=None, period_end=None)
    )
    assert (updated.delivery_date, updated.period_start, updated.period_end) == (None,) * 3
    assert updated.effective_delivery_date == updated.issue_date


@pytest.mark.parametrize(
    ("wire", "field"),
    [
        ({"periodStart": "2026-11-01"}, "period_end"),
        ({"periodEnd": "2026-11-30"}, "period_start"),
        ({"periodStart": "2026-11-30", "periodEnd": "2026-11-01"}, "period_end"),
    ],
)
def test_a_period_needs_both_ends_in_order(
    memory: tuple[Billing, Company, Customer], wire: dict[str, str], field: str
) -> None:
    billing, company, customer = memory
    with pytest.raises(ValidationError) as caught:
        draft(billing, company, customer, **wire)
    assert caught.value.errors[0].path == field


def test_every_store_keeps_the_dates(tmp_path: Path) -> None:
    for store in (MemoryStore(), SqliteStore(tmp_path / "dates.db", create=True)):
        billing, company, customer = setup(store)
        made = draft(
            billing,
            company,
            customer,
            deliveryDate="2026-11-20",
            periodStart="2026-11-01",
            periodEnd="2026-11-30",
        )
        booked = billing.book(company.id, made.id)
        again = billing.get_invoice(company.id, booked.id)
        assert again.delivery_date == date(2026, 11, 20)
        assert (again.period_start, again.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    stored = json.loads(codec.dumps(again))
    for name in ("delivery_date", "period_start", "period_end"):
        del stored[name]
    older = codec.loads(json.dumps(stored), Invoice)
    assert (older.delivery_date, older.period_start, older.period_end) == (None,) * 3


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split()).replace("\u00a0", "")


@pytest.mark.parametrize(
    ("locale", "day_label", "period_label"),
    [
        ("da", "Leveringsdato", "Leveringsperiode"),
        ("en", "Delivery date", "Delivery period"),
        ("de", "Leistungsdatum", "Leistungszeitraum"),
        ("sv", "Leveransdatum", "Leveransperiod"),
        ("nb", "Leveringsdato", "Leveringsperiode"),
    ],
)
def test_the_pdf_shows_the_delivery_date_and_period(
    locale: str, day_label: str, period_label: str
) -> None:
    billing, company, customer = setup(MemoryStore())
    billing.update_company(company.id, CompanyChanges(locale=locale))
    made = draft(
        billing,
        company,
        customer,
        deliveryDate="2026-11-20",
        periodStart="2026-11-01",
        periodEnd="2026-11-30",
    )
    text = pdf_text(billing.render_pdf(company.id, billing.book(company.id, made.id).id))
    squash = "".join
    assert squash((day_label + format_date(date(2026, 11, 20), locale)).split()) in text
    start, end = (format_date(date(2026, 11, d), locale) for d in (1, 30))
    assert squash(f"{period_label}{start} – {end}".split()).replace("\u00a0", "") in text


def test_the_pdf_shows_the_issue_date_as_delivery_date_by_default(
    memory: tuple[Billing, Company, Customer],
) -> None:
    billing, company, customer = memory
    booked = billing.book(company.id, draft(billing, company, customer).id)
    text = pdf_text(billing.render_pdf(company.id, booked.id))
    assert "Leveringsdato" + format_date(booked.issue_date, "da").replace(" ", "") in text
    assert "Leveringsperiode" not in text


def ubl_dates(document: bytes) -> tuple[list[str], list[str], list[str]]:
    root = ET.fromstring(document)

    def texts(path: str) -> list[str]:
        return [el.text or "" for el in root.findall(path, NS)]

    return (
        texts("cac:Delivery/cbc:ActualDeliveryDate"),
        texts("cac:InvoicePeriod/cbc:StartDate"),
        texts("cac:InvoicePeriod/cbc:EndDate"),
    )


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({}, (["2026-11-25"], [], [])),
        ({"deliveryDate": "2026-11-20"}, (["2026-11-20"], [], [])),
        (
            {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"},
            ([], ["2026-11-01"], ["2026-11-30"]),
        ),
        (
            {"deliveryDate": "2026-11-20", "periodStart": "2026-11-01", "periodEnd": "2026-11-30"},
            (["2026-11-20"], ["2026-11-01"], ["2026-11-30"]),
        ),
    ],
)
def test_the_ubl_carries_bt72_and_bg14(
    validator: OfficialRules,
    memory: tuple[Billing, Company, Customer],
    wire: dict[str, str],
    expected: tuple[list[str], list[str], list[str]],
) -> None:
    billing, company, customer = memory
    booked = billing.book(company.id, draft(billing, company, customer, **wire).id)
    document = billing.render_ubl(company.id, booked.id)
    validator.check(document)
    assert ubl_dates(document) == expected
    credit = billing.book(company.id, billing.credit(company.id, booked.id).id)
    note = billing.render_ubl(company.id, credit.id)
    validator.check(note)
    delivered = expected[0] or []
    assert ubl_dates(note) == (delivered, *expected[1:])
