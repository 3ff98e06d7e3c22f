"""The ``faktura`` command line: ``faktura demo`` books an invoice on a SQLite file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from faktura.billing import Billing
from faktura.invoice import Invoice
from faktura.lines import ProductLine, SeparatorLine
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.storage import open_store
from faktura.wire import invoice_to_wire

__all__ = ["DEMO_DRAFT", "main", "render_table", "run_demo"]

_DEMO_STORE = "sqlite:///faktura-demo/faktura.db"


#: The create-draft body of the demo, in the seed API's JSON.
DEMO_DRAFT: dict[str, Any] = {
    "lines": [
        {"lineType": "separator", "description": "Consulting, November"},
        {
            "description": "Architecture workshop",
            "quantity": "6",
            "unit": "HUR",
            "unitPrice": "1150.00",
            "discountPercent": "10",
        },
        {"description": "Travel (Aarhus)", "quantity": "1", "unitPrice": "480.50"},
        {
            "lineType": "text",
            "description": "Workshop held 12-13 November at the customer's premises.",
        },
        {
            "description": "Printed report",
            "quantity": "2",
            "unitPrice": "149.95",
            "vatCategory": "Z",
            "productNumber": "RPT-1",
        },
    ],
    "allowanceCharges": [{"type": "charge", "reason": "Invoice fee", "amount": "25.00"}],
    "reference": "PO-4711",
    "ourReference": "Mette Hansen",
    "description": "Architecture workshop",
    "notes": "Thank you for your business.",
}


def run_demo(billing: Billing) -> tuple[Company, Customer, Invoice]:
    """A company, a customer and a booked invoice: two VAT groups, a discounted line, a
    text line and a document-level charge."""
    company = billing.create_company(
        name="Nordlys ApS",
        address=Address("Vesterbrogade 1", "København V", "1620", "DK"),
        cvr="13585628",
        vat_id="DK13585628",
        bank=BankAccount(reg_no="1234", account_no="0012345678", iban="DK5000400440116243"),
        fik_creditor="12345678",
    )
    customer = billing.create_customer(
        company.id,
        name="Fjord Consulting A/S",
        number="1001",
        address=Address("Havnegade 12", "Aarhus C", "8000", "DK"),
        email="ap@fjord.example",
    )
    draft = billing.create_draft(company.id, {"customerId": customer.id, **DEMO_DRAFT})
    return company, customer, billing.book(company.id, draft.id)


def render_table(invoice: Invoice) -> str:
    """A plain-text view of an invoice: lines, VAT breakdown and totals."""
    totals = invoice.totals
    rows = [f"{'Description':<40} {'Qty':>6} {'Unit':>4} {'Price':>10} {'Disc%':>6} {'Amount':>11}"]
    rows.append("-" * len(rows[0]))
    for line, amounts in zip(invoice.lines, totals.lines, strict=True):
        if isinstance(line, ProductLine) and amounts is not None:
            rows.append(
                f"{line.description[:40]:<40} {line.quantity:>6} {line.unit:>4} "
                f"{line.unit_price:>10} {line.discount_percent or '':>6} {amounts.net:>11}"
            )
        elif isinstance(line, SeparatorLine):
            rows.append(f"== {line.description} ==")
        else:
            rows.append(f"   {line.description}")
    for item, amount in zip(invoice.allowance_charges, totals.allowance_charges, strict=True):
        sign = "" if item.charge else "-"
        rows.append(f"{item.reason:<70} {sign}{amount:>11}")
    rows.append("-" * len(rows[0]))
    for group in totals.vat_breakdown:
        label = f"VAT {group.category.value} {group.rate}% of {group.taxable}"
        if group.exemption:
            label += f" ({group.exemption.reason})"
        rows.append(f"{label:<70} {group.vat:>11}")
    for label, value in (
        ("Subtotal", totals.subtotal),
        ("VAT", totals.vat),
        (f"Total {invoice.currency}", totals.amount),
        ("Payable", totals.payable),
    ):
        rows.append(f"{label:<70} {value:>11}")
    head = (
        f"{invoice.kind.value.replace('_', ' ').title()} {invoice.number or '(draft)'}"
        f"  date {invoice.issue_date}  due {invoice.due_date}  status {invoice.status.value}"
    )
    return "\n".join([head, "", *rows])


#: Where ``faktura demo`` keeps its SQLite file (recreated on every run).
DEMO_DIR = Path("faktura-demo")


def _demo(args: argparse.Namespace) -> int:
    url: str = args.store
    if url == _DEMO_STORE:
        DEMO_DIR.mkdir(exist_ok=True)
        for leftover in DEMO_DIR.glob("faktura.db*"):
            leftover.unlink()
    store = open_store(url, create=True)
    try:
        billing = Billing(store)
        company, customer, invoice = run_demo(billing)
        written = _demo_documents(billing, company, customer, invoice)
    finally:
        store.close()
    print(f"store: {url}")
    for path in written:
        print(f"wrote {path}")
    print(f"{company.name} (CVR {company.cvr}) → {customer.name} (customer {customer.number})")
    print()
    print(render_table(invoice))
    print()
    print(json.dumps(invoice_to_wire(invoice), indent=2, ensure_ascii=False))
    return 0


def _demo_documents(
    billing: Billing, company: Company, customer: Customer, invoice: Invoice
) -> list[Path]:
    """invoice.pdf, its draft preview and a credit note for one line, in DEMO_DIR."""
    from faktura.documents.pdf import DocumentData, render_pdf

    DEMO_DIR.mkdir(exist_ok=True)
    credit = billing.credit(company.id, invoice.id, [(1, Decimal(1))])
    credit_note = billing.book(company.id, credit.id)
    documents = {
        "invoice.pdf": render_pdf(DocumentData(invoice, company, customer)),
        "invoice-draft.pdf": render_pdf(DocumentData(invoice, company, customer), draft=True),
        "credit-note.pdf": render_pdf(DocumentData(credit_note, company, customer)),
    }
    written = []
    for name, content in documents.items():
        path = DEMO_DIR / name
        path.write_bytes(content)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faktura`` console script."""
    parser = argparse.ArgumentParser(prog="faktura", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="book a demo invoice and print it")
    demo.add_argument(
        "--store",
        default=_DEMO_STORE,
        help=f"store URL (default {_DEMO_STORE}, recreated on every run)",
    )
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
