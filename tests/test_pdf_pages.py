"""Long PDF documents (issue 14): every line on its page, once and in order; the line
table made a page at a time draws what reportlab's own Table, split page by page, draws;
a cell that needs no wrapping is drawn as a plain string, one that does still wraps; two
renders give the same bytes; the QR code's PNG is made once per payload.

Behaviour only: how fast a long invoice renders is measured by benchmarks/pdf.py.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from faktura.billing import Billing
from faktura.cli import run_demo
from faktura.documents.paging import PagedTable
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.qr import epc_payload, epc_qr, epc_qr_png
from faktura.invoice import Invoice
from faktura.parties import Company, Customer
from faktura.storage.memory import MemoryStore
from faktura.testing.clock import ManualClock
from faktura.wire import new_draft

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LONG = "a description long enough to wrap onto a second line of its cell"


@pytest.fixture(scope="module")
def demo() -> tuple[Billing, Company, Customer]:
    billing = Billing(MemoryStore(), ManualClock(AT))
    company, customer, _ = run_demo(billing)
    return billing, company, customer


def description(k: int) -> str:
    """Line ``k``'s description: every seventh wraps onto a second line."""
    return f"Line {k:04d}: {LONG}" if k % 7 == 6 else f"Line {k:04d} consulting"


def book(
    demo: tuple[Billing, Company, Customer], lines: list[dict[str, Any]], **extra: Any
) -> Invoice:
    billing, company, customer = demo
    body = {"customerId": customer.id, "lines": lines, **extra}
    return billing.book(company.id, billing.create_draft(company.id, new_draft(body)).id)


def product_lines(count: int) -> list[dict[str, Any]]:
    return [
        {"description": description(k), "quantity": str(1 + k % 5), "unitPrice": "10.00"}
        for k in range(count)
    ]


def render(demo: tuple[Billing, Company, Customer], invoice: Invoice, **options: Any) -> bytes:
    _, company, customer = demo
    return render_pdf(DocumentData(invoice, company, customer, locale="en"), **options)


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without the (no-break) spaces and line breaks extraction puts in."""
    return "".join(text.split()).replace("\u00a0", "")


def assert_once_in_order(texts: list[str], pages: list[str]) -> None:
    """Every one of ``texts`` on the pages exactly once, in this order."""
    whole = squashed("".join(pages))
    at = 0
    for text in texts:
        wanted = squashed(text)
        assert whole.count(wanted) == 1, text
        found = whole.find(wanted, at)
        assert found >= at, f"{text} is not after the one before it"
        at = found + len(wanted)


# -- a long invoice --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_invoice(demo: tuple[Billing, Company, Customer]) -> Invoice:
    return book(demo, product_lines(1520))


# the page counts the layout gave before it made the line table a page at a time
@pytest.mark.parametrize(("template_id", "count"), [("default", 48), ("modern", 51)])
def test_a_48_page_invoice_has_every_line_once_in_order(
    demo: tuple[Billing, Company, Customer], long_invoice: Invoice, template_id: str, count: int
) -> None:
    pages = pages_of(render(demo, long_invoice, template_id=template_id))
    assert len(pages) == count
    assert_once_in_order([line.description for line in long_invoice.lines], pages)
    last = squashed(long_invoice.lines[-1].description)
    with_lines = [page for page in pages if "Line " in page]
    assert last in squashed(with_lines[-1])
    for page in with_lines:  # the column titles head the table on every page
        assert "Description" in page
    for number, page in enumerate(pages, 1):
        assert squashed(f"Page {number} of {count}") in squashed(page)
    # the totals once, under the last line
    assert [page for page in pages if "Total incl. VAT" in page] == [with_lines[-1]]


@pytest.mark.parametrize(
    ("template_id", "draft"), [("default", False), ("default", True), ("modern", False)]
)
def test_two_renders_of_a_long_invoice_are_byte_identical(
    demo: tuple[Billing, Company, Customer], long_invoice: Invoice, template_id: str, draft: bool
) -> None:
    first = render(demo, long_invoice, template_id=template_id, draft=draft)
    assert render(demo, long_invoice, template_id=template_id, draft=draft) == first


@pytest.mark.parametrize("template_id", ["default", "modern"])
def test_rows_that_all_wrap_are_all_there(
    demo: tuple[Billing, Company, Customer], template_id: str
) -> None:
    """Rows three lines high, far taller than the one-line rows a page is first filled
    with."""
    texts = [
        f"Line {k:04d}: {LONG}, and then some more words to fill a third line" for k in range(150)
    ]
    invoice = book(demo, [{"description": t, "quantity": "1", "unitPrice": "1.00"} for t in texts])
    pages = pages_of(render(demo, invoice, template_id=template_id))
    assert len(pages) > 5
    assert_once_in_order(texts, pages)


@pytest.mark.parametrize("template_id", ["default", "modern"])
def test_text_lines_separators_and_allowances_across_pages(
    demo: tuple[Billing, Company, Customer], template_id: str
) -> None:
    lines: list[dict[str, Any]] = []
    for k in range(160):
        if k % 40 == 0:
            lines.append({"lineType": "separator", "description": f"Section {k // 40}"})
        elif k % 40 == 20:
            lines.append({"lineType": "text", "description": f"Note {k}: {LONG}"})
        else:
            lines.append(product_lines(k + 1)[k])
    allowances = [
        {"type": "allowance", "amount": "10.00", "reason": "Loyalty discount"},
        {"type": "charge", "amount": "5.00", "reason": "Freight"},
    ]
    invoice = book(demo, lines, allowanceCharges=allowances)
    pages = pages_of(render(demo, invoice, template_id=template_id))
    assert len(pages) >= 5
    texts = [line["description"] for line in lines]
    assert_once_in_order([*texts, "Discount: Loyalty discount", "Surcharge: Freight"], pages)


# -- cells with and without a paragraph ------------------------------------------------------


def test_a_description_wider_than_its_column_wraps_and_a_narrow_one_does_not(
    demo: tuple[Billing, Company, Customer],
) -> None:
    invoice = book(demo, product_lines(7))  # line 6 is the long one
    (page,) = pages_of(render(demo, invoice))
    rows = page.splitlines()
    short = [i for i, row in enumerate(rows) if "Line 0000 consulting" in row]
    assert len(short) == 1
    start = [i for i, row in enumerate(rows) if "Line 0006:" in row]
    end = [i for i, row in enumerate(rows) if row.rstrip().endswith("of its cell")]
    assert len(start) == 1
    assert len(end) == 1
    assert end[0] > start[0]  # on a line of its own below the first
    assert LONG not in page


def test_spaces_in_a_description_are_collapsed_as_a_paragraph_does(
    demo: tuple[Billing, Company, Customer],
) -> None:
    invoice = book(demo, [{"description": "Two  spaces here", "quantity": "1", "unitPrice": "1"}])
    (page,) = pages_of(render(demo, invoice))
    assert "Two spaces here" in page
    assert "Two  spaces" not in page


# -- the table made a page at a time ---------------------------------------------------------


def table_story(paged: bool, least: float) -> bytes:
    """A 400-row table with a header, wrapped paragraphs, spanned rows, a rule under
    every row and alternating backgrounds, laid out by reportlab's Table (split page by
    page) or by ``PagedTable`` (``least``: the least row height it assumes)."""
    style = ParagraphStyle("n", fontName="Helvetica", fontSize=9, leading=11.5)
    header: list[Any] = ["Description", "Qty", "Amount"]
    body: list[list[Any]] = []
    spans: set[int] = set()
    for k in range(400):
        if k % 11 == 5:
            body.append([Paragraph(f"Row {k} " + "wraps " * 30, style), "", ""])
            spans.add(k)
        elif k % 3 == 0:
            body.append([Paragraph(f"Row {k} " + "word " * (k % 20), style), str(k), f"{k}.00"])
        else:
            body.append([f"Row {k}", str(k), f"{k}.00"])
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, colors.whitesmoke]),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]
    widths = [300, 60, 80]

    def make(start: int, end: int, heights: list[float | None]) -> Table:
        table = Table(
            [header, *body[start:end]], colWidths=widths, repeatRows=1, rowHeights=heights
        )
        shown: list[Any] = []
        for command in commands:
            if start and command[0] == "LINEBELOW" and command[1][1] > 0:
                shown.append(("LINEABOVE", (0, 1), (-1, 1), *command[3:]))
            shown.append(command)
        shown += [
            ("SPAN", (0, k - start + 1), (-1, k - start + 1))
            for k in range(start, end)
            if k in spans
        ]
        table.setStyle(TableStyle(shown))
        return table

    flowable: Flowable
    if paged:
        flowable = PagedTable(make, len(body), least)
    else:
        flowable = Table([header, *body], colWidths=widths, repeatRows=1)
        span_rows = [("SPAN", (0, k + 1), (-1, k + 1)) for k in sorted(spans)]
        flowable.setStyle(TableStyle([*commands, *span_rows]))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build([Paragraph("Title", style), flowable])
    return buffer.getvalue()


@pytest.mark.parametrize("least", [17.5, 3.0, 200.0])
def test_the_table_made_a_page_at_a_time_is_what_reportlab_draws(least: float) -> None:
    """Byte for byte, whether the least row height it assumes is right (17.5), far too
    low (more rows made than fit) or far too high (too few: it takes more)."""
    expected = table_story(paged=False, least=least)
    assert len(PdfReader(io.BytesIO(expected)).pages) > 5
    assert table_story(paged=True, least=least) == expected


# -- the QR code -------------------------------------------------------------------------------


def test_the_qr_png_is_made_once_per_payload_and_is_what_segno_writes() -> None:
    payload = epc_payload(name="Faktura ApS", iban="DK5000400440116243", amount=Decimal("12.5"))
    first = epc_qr_png(payload, 4)
    assert epc_qr_png(payload, 4) is first  # cached: the same bytes object
    fresh = io.BytesIO()
    epc_qr(payload).save(fresh, kind="png", scale=4, border=4)
    assert fresh.getvalue() == first
    assert first.startswith(b"\x89PNG")
    assert epc_qr_png(payload, 3) != first  # per scale
    other = payload.replace("EUR12.50", "EUR12.51")
    assert other != payload
    assert epc_qr_png(other, 4) != first  # per payload
