"""PDF documents: content, localization, watermark, pagination, determinism, errors.

Amounts, rates and dates are expected as faktura.documents.l10n formats them for the
document's locale (tested in test_l10n against babel), not in CLDR's punctuation written
out here: a PDF is responsible for showing the figure in its locale, not for CLDR.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from pypdf import PdfReader

from faktura import Address, BankAccount, Company, Customer, RenderError, ValidationError
from faktura.billing import Billing
from faktura.cli import run_demo
from faktura.commands import CompanyProfile, NewCustomer
from faktura.documents.l10n import format_date, format_money, format_percent
from faktura.documents.pdf import DocumentData, render_pdf, template_ids
from faktura.exchange import FixedRates
from faktura.invoice import Invoice
from faktura.parties import Department
from faktura.storage.memory import MemoryStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.wire import new_draft

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def dkk(amount: str, locale: str) -> str:
    """An amount in Danish kroner as a document in ``locale`` shows it."""
    return format_money(Decimal(amount), "DKK", locale)


def demo_figures(locale: str) -> list[str]:
    """The demo invoice's payable amount and issue date, as ``locale`` writes them."""
    return [dkk("8694.28", locale), format_date(AT.date(), locale)]


@pytest.fixture(scope="module")
def demo() -> tuple[Billing, Company, Customer, Invoice]:
    billing = Billing(MemoryStore(), ManualClock(AT))
    company, customer, invoice = run_demo(billing)
    return billing, company, customer, invoice


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squashed(text: str) -> str:
    """Text without the (no-break) spaces extraction puts in varying places."""
    return "".join(text.split()).replace("\u00a0", "")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "da",
            [
                "Faktura",
                "Fakturanr.",
                "Forfaldsdato",
                "PO-nr.",
                "Vores ref.",
                "Kundenr.",
                *demo_figures("da"),
                dkk("1678.88", "da"),
                "Side 1 af 1",
                "Reg.nr. 1234",
                "+71<000000000000018+12345678<",
                f"Moms {format_percent(Decimal(25), 'da')}",
            ],
        ),
        ("en", ["Invoice", "Due date", *demo_figures("en"), "Page 1 of 1"]),
        ("de", ["Rechnung", *demo_figures("de"), "Seite 1 von 1"]),
        ("sv", ["Faktura", *demo_figures("sv"), "sida 1 av 1"]),
        ("nb", ["Faktura", *demo_figures("nb"), "side 1 av 1"]),
    ],
)
def test_an_invoice_carries_every_field_in_its_language(
    demo: tuple[Billing, Company, Customer, Invoice], locale: str, expected: list[str]
) -> None:
    _, company, customer, invoice = demo
    text = text_of(render_pdf(DocumentData(invoice, company, customer, locale=locale)))
    flat = squashed(text).lower()
    for value in expected:
        assert squashed(value).lower() in flat, (locale, value)
    for value in (
        "Nordlys ApS",
        "Fjord Consulting A/S",
        "Architecture workshop",
        "Printed report",
        "Workshop held 12-13 November",
        "PO-4711",
        "Mette Hansen",
        "13585628",
        "DK5000400440116243",
        "Thank you for your business.",
        "1001",
    ):
        assert squashed(value).lower() in flat, (locale, value)


def test_the_document_language_is_the_customers_else_the_companys(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    _, company, customer, invoice = demo
    german = DocumentData(invoice, company, attrs.evolve(customer, language="de"))
    assert german.language == "de"
    assert DocumentData(invoice, company, customer).language == "da"  # the company's


def test_a_credit_note_names_the_invoice_it_credits(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, customer, invoice = demo
    note = billing.book(company.id, billing.credit(company.id, invoice.id, [(1, Decimal(1))]).id)
    text = squashed(text_of(render_pdf(DocumentData(note, company, customer, locale="en"))))
    assert squashed("Credit note") in text
    assert squashed(f"invoice {invoice.number}") in text
    assert "CN-1" in text
    # 1 hour of 1,150.00 less 10 % = 1,035.00, plus 25 % VAT: credited as a negative amount
    assert squashed(dkk("-1293.75", "en")) in text


def test_the_watermark_only_when_asked(demo: tuple[Billing, Company, Customer, Invoice]) -> None:
    _, company, customer, invoice = demo
    data = DocumentData(invoice, company, customer)
    assert "KLADDE" not in text_of(render_pdf(data))
    assert "KLADDE" in text_of(render_pdf(data, draft=True))
    english = DocumentData(invoice, company, customer, locale="en")
    assert "DRAFT" in text_of(render_pdf(english, draft=True))


def test_a_draft_has_no_number_and_says_so(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, customer, _ = demo
    draft = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Hours", "quantity": "1", "unitPrice": "100.00"}],
            }
        ),
    )
    text = text_of(render_pdf(DocumentData(draft, company, customer, locale="en"), draft=True))
    assert "DRAFT" in text
    assert "Invoice no." in text
    assert "Draft – no number yet" in text


def test_two_hundred_lines_paginate_with_every_line_once(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, customer, _ = demo
    lines = [
        {
            "description": f"Item {n:03d} with a description long enough to wrap onto a second "
            "line in the table of the document",
            "quantity": "1",
            "unitPrice": "10.00",
        }
        for n in range(200)
    ]
    long = billing.create_draft(company.id, new_draft({"customerId": customer.id, "lines": lines}))
    pdf = render_pdf(DocumentData(long, company, customer, locale="en"))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) > 3
    everything = squashed("\n".join(pages))
    for n in range(200):
        assert everything.count(squashed(f"Item {n:03d} with")) == 1, n
    for number, page in enumerate(pages, start=1):
        assert "Description" in page  # the table header repeats
        assert squashed(f"Page {number} of {len(pages)}") in squashed(page)
    assert "Total incl. VAT" in pages[-1]  # totals on the last page only
    assert "Amount due" in pages[-1]
    assert all("Total incl. VAT" not in page for page in pages[:-1])
    assert squashed(dkk("2500.00", "en")) in squashed(pages[-1])  # 200 × 10 × 1.25


def test_identical_input_gives_identical_bytes_and_document_metadata(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    _, company, customer, invoice = demo
    data = DocumentData(invoice, company, customer)
    first, second = render_pdf(data), render_pdf(data)
    assert first == second
    info = PdfReader(io.BytesIO(first)).metadata
    assert info is not None
    assert info["/Title"] == "Faktura 1"
    assert info["/Author"] == "Nordlys ApS"
    assert info["/CreationDate"] == "D:20261125120000+00'00'"  # booked_at, not the clock


def test_an_xml_attachment_is_embedded(demo: tuple[Billing, Company, Customer, Invoice]) -> None:
    _, company, customer, invoice = demo
    xml = b"<?xml version='1.0'?><Invoice/>"
    pdf = render_pdf(DocumentData(invoice, company, customer), attachments={"invoice.xml": xml})
    assert PdfReader(io.BytesIO(pdf)).attachments == {"invoice.xml": [xml]}


def test_eur_invoices_carry_the_epc_qr_code() -> None:
    rates = FixedRates({("EUR", "DKK"): Decimal("7.4604")})  # the seller is Danish
    billing = Billing(MemoryStore(), ManualClock(AT), exchange_rates=rates)
    company = billing.create_company(
        CompanyProfile(
            name="Euro GmbH",
            currency="EUR",
            bank=BankAccount(iban="DE89370400440532013000", bic="COBADEFFXXX"),
            cvr="13585628",
            address=SELLER_ADDRESS,
        ),
    )
    customer = billing.create_customer(
        company.id, NewCustomer(name="Kunde", language="de", address=BUYER_ADDRESS)
    )
    invoice = billing.book(
        company.id,
        billing.create_draft(
            company.id,
            new_draft(
                {
                    "customerId": customer.id,
                    "lines": [{"description": "Beratung", "quantity": "1", "unitPrice": "100.00"}],
                }
            ),
        ).id,
    )
    pdf = render_pdf(DocumentData(invoice, company, customer))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    assert "Beratung" in text_of(pdf)


def test_department_address_and_ean_replace_the_customers() -> None:
    billing = Billing(MemoryStore(), ManualClock(AT))
    company = billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628"))
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Region Hovedstaden",
            address=Address("Kongens Vænge 2", "Hillerød", "3400"),
            departments=(
                Department(
                    "d1",
                    "IT",
                    ean="5790000435951",
                    address=Address("Blegdamsvej 9", "København Ø", "2100"),
                ),
            ),
        ),
    )
    invoice = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "customerDepartmentId": "d1",
                "lines": [{"description": "Licens", "quantity": "1", "unitPrice": "100.00"}],
            }
        ),
    )
    text = squashed(text_of(render_pdf(DocumentData(invoice, company, customer))))
    assert squashed("Blegdamsvej 9") in text
    assert squashed("5790000435951") in text
    assert squashed("Kongens Vænge") not in text


def test_text_the_font_cannot_draw_is_a_render_error(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    billing, company, customer, _ = demo
    draft = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "東京 workshop", "quantity": "1", "unitPrice": "100.00"}],
            }
        ),
    )
    with pytest.raises(RenderError) as info:
        render_pdf(DocumentData(draft, company, customer))
    assert "東" in str(info.value)
    assert "lines.0.description" in str(info.value)


def test_templates(demo: tuple[Billing, Company, Customer, Invoice]) -> None:
    _, company, customer, invoice = demo
    assert {"default", "modern"} <= set(template_ids())
    data = DocumentData(invoice, company, customer)
    assert render_pdf(data, template_id="modern") != render_pdf(data)
    with pytest.raises(ValidationError) as info:
        render_pdf(data, template_id="fancy")
    assert info.value.field == "document_template_id"


def test_importing_faktura_needs_no_pdf_library() -> None:
    code = (
        "import sys, faktura, faktura.documents.pdf\n"
        "bad = {'reportlab', 'pypdf', 'segno'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_rendering_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from faktura import ConfigurationError
    from faktura.documents.pdf import require_pdf_extra

    real_import = builtins.__import__

    def no_reportlab(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "reportlab":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_reportlab)
    with pytest.raises(ConfigurationError, match=r"faktura\[pdf\]"):
        require_pdf_extra()


def test_a_registered_ttf_font_draws_what_core_fonts_cannot(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    import os

    import reportlab

    from faktura.documents import pdf
    from faktura.documents.layout import CLASSIC, register_ttf

    billing, company, customer, _ = demo
    draft = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [
                    {
                        "description": "Łukasz workshop, Ω-series",
                        "quantity": "1",
                        "unitPrice": "100.00",
                    }
                ],
            }
        ),
    )
    data = DocumentData(draft, company, customer, locale="en")
    assert "Łukasz workshop, Ω-series" in text_of(render_pdf(data))  # the default family

    fonts = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    vera = register_ttf("Vera", os.path.join(fonts, "Vera.ttf"), os.path.join(fonts, "VeraBd.ttf"))
    assert (
        register_ttf("Vera", os.path.join(fonts, "Vera.ttf"), os.path.join(fonts, "VeraBd.ttf"))
        == vera
    )  # once per process
    pdf.register_template(CLASSIC.with_font(vera, "vera"))
    text = text_of(render_pdf(data, template_id="vera"))
    assert "Łukasz workshop, Ω-series" in text
    far_east = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "東京", "quantity": "1", "unitPrice": "1.00"}],
            }
        ),
    )
    with pytest.raises(RenderError, match="東"):
        render_pdf(DocumentData(far_east, company, customer), template_id="vera")
    with pytest.raises(RenderError):
        register_ttf("Broken", __file__)


def test_a_logo_is_drawn_and_a_broken_one_is_a_render_error(
    demo: tuple[Billing, Company, Customer, Invoice],
) -> None:
    from faktura.documents.qr import epc_qr_png  # any real PNG will do as a logo

    _, company, customer, invoice = demo
    logo = epc_qr_png("BCD\n002\n1\nSCT\n\nLogo\nDE89370400440532013000\nEUR1.00", 2)
    with_logo = render_pdf(DocumentData(invoice, company, customer, logo=logo))
    assert len(PdfReader(io.BytesIO(with_logo)).pages[0].images) == 1
    with pytest.raises(RenderError, match="logo"):
        render_pdf(DocumentData(invoice, company, customer, logo=b"not an image"))


def test_a_danish_credit_note(demo: tuple[Billing, Company, Customer, Invoice]) -> None:
    billing, company, customer, invoice = demo
    note = billing.credit(company.id, invoice.id, [(2, Decimal(1))])  # 1 × travel 480.50
    text = squashed(text_of(render_pdf(DocumentData(note, company, customer))))
    assert squashed("Kreditnota") in text
    assert squashed(f"Kreditnota til faktura {invoice.number}") in text
    assert squashed(dkk("-600.63", "da")) in text  # 480.50 + 25 % = 600.625 → 600.63


def test_reverse_charge_prints_its_exemption_text() -> None:
    from faktura import VatZone

    billing = Billing(MemoryStore(), ManualClock(AT))
    company = billing.create_company(
        CompanyProfile(name="Nordlys ApS", cvr="13585628", vat_id="DK13585628")
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(name="Berlin GmbH", vat_zone=VatZone.EU, vat_id="DE136695976", language="en"),
    )
    invoice = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Consulting", "quantity": "1", "unitPrice": "1000.00"}],
            }
        ),
    )
    text = squashed(text_of(render_pdf(DocumentData(invoice, company, customer))))
    assert squashed(f"VAT {format_percent(Decimal(0), 'en')}: Reverse charge") in text
    assert squashed("DE136695976") in text  # the buyer's VAT number
    danish = squashed(text_of(render_pdf(DocumentData(invoice, company, customer, locale="da"))))
    assert squashed("Omvendt betalingspligt") in danish
