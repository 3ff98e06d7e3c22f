"""What an issued document shows: continuation pages, prices including VAT, the credited
invoice and the reason on a credit note, the draft header, the watermark under the text
and totals kept with the lines they total (page texts by pypdf, per page)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from pypdf import PdfReader

from faktura import Company, Customer, ValidationError
from faktura.billing import Billing
from faktura.cli import run_demo
from faktura.documents import l10n
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.ubl import to_ubl
from faktura.invoice import Invoice
from faktura.storage import codec
from faktura.storage.memory import MemoryStore
from faktura.testing.clock import ManualClock
from faktura.wire import invoice_to_wire, new_draft

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LOCALES = ("da", "en", "de", "sv", "nb")
TEMPLATES = ("default", "modern")


@pytest.fixture
def demo() -> tuple[Billing, Company, Customer, Invoice]:
    billing = Billing(MemoryStore(), ManualClock(AT))
    company, customer, invoice = run_demo(billing)
    return billing, company, customer, invoice


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without the (no-break) spaces extraction puts in varying places."""
    return "".join(text.split()).replace("\u00a0", "")


def items(billing: Billing, company: Company, customer: Customer, n: int, **extra: Any) -> Invoice:
    lines = [
        {"description": f"Item {k:02d} consulting", "quantity": "1", "unitPrice": "10.00"}
        for k in range(n)
    ]
    return billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": lines, **extra})
    )


# -- continuation pages --------------------------------------------------------------------


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_every_page_after_the_first_repeats_title_number_and_date(
    demo: tuple[Billing, Company, Customer, Invoice], template_id: str
) -> None:
    billing, company, customer, _ = demo
    invoice = billing.book(company.id, items(billing, company, customer, 40).id)
    pdf = render_pdf(DocumentData(invoice, company, customer, locale="en"), template_id=template_id)
    pages = pages_of(pdf)
    assert len(pages) >= 2
    date = l10n.format_date(invoice.issue_date, "en")
    header = squashed(f"Invoice {invoice.number} · {date}")
    assert header not in squashed(pages[0])  # the first page has the full header
    for page in pages[1:]:
        assert header in squashed(page)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_a_drafts_continuation_pages_say_it_has_no_number_yet(
    demo: tuple[Billing, Company, Customer, Invoice], template_id: str
) -> None:
    billing, company, customer, _ = demo
    draft = items(billing, company, customer, 60)
    pdf = render_pdf(DocumentData(draft, company, customer), template_id=template_id, draft=True)
    date = l10n.format_date(draft.issue_date, "da")
    for page in pages_of(pdf)[1:]:
        assert squashed(f"Faktura Kladde – intet nummer endnu · {date}") in squashed(page)


# -- totals kept with the lines ------------------------------------------------------------


@pytest.mark.parametrize(("template_id", "count"), [("modern", 53), ("default", 57)])
def test_the_totals_follow_the_last_line_when_they_fit_under_it(
    demo: tuple[Billing, Company, Customer, Invoice], template_id: str, count: int
) -> None:
    """The payment block and the notes do not all fit under the totals on page 2: what
    does not goes to page 3, the totals stay with the lines (they used to go along,
    leaving page 2 half empty and the totals alone on page 3)."""
    billing, company, customer, _ = demo
    draft = items(billing, company, customer, count, notes="Thank you for your business.")
    pdf = render_pdf(DocumentData(draft, company, customer, locale="en"), template_id=template_id)
    pages = pages_of(pdf)
    with_totals = [page for page in pages if "Total incl. VAT" in page]
    assert len(with_totals) == 1
    assert f"Item {count - 1:02d} consulting" in with_totals[0]
    # the payment block and the notes are still drawn, once, after them
    assert squashed("\n".join(pages)).count("DK5000400440116243") == 1
    assert "Thank you for your business." in pages[-1]


# -- prices including VAT ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "column"),
    [
        ("da", "Beløb inkl. moms"),
        ("en", "Amount incl. VAT"),
        ("de", "Betrag inkl. MwSt."),
        ("sv", "Belopp inkl. moms"),
        ("nb", "Beløp inkl. mva."),
    ],
)
def test_line_amounts_including_vat_are_marked(
    demo: tuple[Billing, Company, Customer, Invoice], locale: str, column: str
) -> None:
    billing, company, customer, _ = demo
    b2c = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "pricesIncludeVat": True,
                "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "125.00"}],
            }
        ),
    )
    for template_id in TEMPLATES:
        data = DocumentData(b2c, company, customer, locale=locale)
        text = squashed("\n".join(pages_of(render_pdf(data, template_id=template_id))))
        assert squashed(column) in text, template_id
        assert squashed(l10n.labels(locale).prices_include_vat) in text, template_id
    net = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "100.00"}],
            }
        ),
    )
    text = squashed(pages_of(render_pdf(DocumentData(net, company, customer, locale=locale)))[0])
    assert squashed(column) not in text
    assert squashed(l10n.labels(locale).prices_include_vat) not in text


# -- credit notes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", ["Kreditnota til faktura 1 af 25. nov. 2026", "Årsag: Rejsen faktureret to gange"]),
        ("en", ["Credit note for invoice 1 of Nov 25, 2026", "Reason: Rejsen faktureret to gange"]),
    ],
)
def test_a_credit_note_shows_the_credited_invoices_number_and_date_and_a_reason(
    demo: tuple[Billing, Company, Customer, Invoice], locale: str, expected: list[str]
) -> None:
    billing, company, customer, invoice = demo
    assert invoice.number == "1"
    assert invoice.issue_date == AT.date()
    note = billing.credit(
        company.id, invoice.id, [(2, Decimal(1))], reason="Rejsen faktureret to gange"
    )
    assert note.credited_invoice_date == invoice.issue_date
    assert note.credit_reason == "Rejsen faktureret to gange"
    text = squashed(pages_of(render_pdf(DocumentData(note, company, customer, locale=locale)))[0])
    for value in expected:
        assert squashed(value) in text


def test_every_language_has_the_credit_texts() -> None:
    for locale in LOCALES:
        words = l10n.labels(locale)
        dated = words.credit_note_for_dated.format(number="12", date="3. dec. 2026")
        assert "12" in dated
        assert "3. dec. 2026" in dated
        assert "billed twice" in words.credit_reason.format(reason="billed twice")


def test_the_reason_is_text_of_at_most_500_characters(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, _, invoice = demo
    with pytest.raises(ValidationError) as error:
        billing.credit(company.id, invoice.id, [(2, Decimal(1))], reason="x" * 501)
    assert error.value.field == "reason"
    with pytest.raises(ValidationError) as error:
        billing.credit(company.id, invoice.id, [(2, Decimal(1))], reason="bad\x00text")
    assert error.value.field == "reason"


def test_the_credited_date_and_reason_are_stored_and_an_older_document_still_loads(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, _, invoice = demo
    note = billing.credit(company.id, invoice.id, [(2, Decimal(1))], reason="Returned")
    text = codec.dumps(note)
    assert codec.loads(text, Invoice) == note
    older = json.loads(text)
    del older["credited_invoice_date"], older["credit_reason"]
    loaded = codec.loads(json.dumps(older), Invoice)
    assert (loaded.credited_invoice_date, loaded.credit_reason) == (None, None)
    assert loaded.credited_invoice_number == invoice.number


def test_the_wire_answers_the_credited_date_and_the_reason(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, _, invoice = demo
    note = billing.credit(company.id, invoice.id, [(2, Decimal(1))], reason="Returned")
    wire = invoice_to_wire(note)
    assert wire["creditedInvoiceDate"] == "2026-11-25"
    assert wire["creditReason"] == "Returned"


def test_the_ubl_credit_note_carries_the_credited_date_and_the_reason(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, customer, invoice = demo
    note = billing.credit(company.id, invoice.id, [(2, Decimal(1))], reason="Returned")
    booked = billing.book(company.id, note.id)
    buyer = attrs.evolve(customer, cvr="13585628")  # a Peppol endpoint
    root = ET.fromstring(to_ubl(booked, company, buyer))
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
    assert [e.text for e in root.findall(reference + "cbc:ID", ns)] == [invoice.number]
    assert [e.text for e in root.findall(reference + "cbc:IssueDate", ns)] == ["2026-11-25"]
    notes = [e.text or "" for e in root.findall("cbc:Note", ns)]
    assert len(notes) == 1
    assert "Reason: Returned" in notes[0]


def test_http_a_credit_note_is_created_with_a_reason() -> None:
    from test_http_fixtures import expect, make_world

    world = make_world()
    world.billing.book(world.a.company_id, world.a.draft_id)
    api = world.client(world.a.key)
    body = {"invoiceId": world.a.draft_id, "lines": [{"lineIndex": 0, "quantity": "1"}]}
    refused = api.post("/v1/credit-notes", json=body | {"reason": "x" * 501})
    assert refused.status_code in (400, 422)
    assert "reason" in refused.text
    note = expect(api.post("/v1/credit-notes", json=body | {"reason": "Returned"}), 201)
    assert note["creditReason"] == "Returned"
    invoice = world.billing.get_invoice(world.a.company_id, world.a.draft_id)
    assert note["creditedInvoiceDate"] == invoice.issue_date.isoformat()
    again = expect(api.get(f"/v1/credit-notes/{note['id']}"), 200)
    assert again["creditReason"] == "Returned"


# -- the draft header ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_the_drafts_no_number_text_stays_on_one_line(
    demo: tuple[Billing, Company, Customer, Invoice], locale: str
) -> None:
    billing, company, customer, invoice = demo
    draft = items(billing, company, customer, 1)
    note = billing.credit(company.id, invoice.id, [(2, Decimal(1))])
    words = l10n.labels(locale)
    for template_id in TEMPLATES:
        for document in (draft, note):
            data = DocumentData(document, company, customer, locale=locale)
            first = pages_of(render_pdf(data, template_id=template_id, draft=True))[0]
            lines = [line.strip() for line in first.splitlines()]
            assert words.draft_number in lines, (template_id, lines[:12])


# -- the watermark -------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_the_watermark_is_under_the_amounts(
    demo: tuple[Billing, Company, Customer, Invoice], template_id: str
) -> None:
    """The watermark is drawn first: every amount is drawn over it, not washed out by it."""
    _, company, customer, invoice = demo
    pdf = render_pdf(DocumentData(invoice, company, customer), template_id=template_id, draft=True)
    drawn: list[str] = []
    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(
        visitor_text=lambda text, *_: drawn.append(text.strip())
    )
    drawn = [text for text in drawn if text]
    payable = l10n.format_money(invoice.totals.payable, invoice.currency, "da")
    amounts = [i for i, text in enumerate(drawn) if squashed(payable) in squashed(text)]
    assert amounts
    assert drawn.index("KLADDE") < min(amounts)
