"""The ``faktura`` command line: ``faktura demo`` shows the core at work."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from faktura.invoice import Invoice
from faktura.lines import AllowanceCharge, ProductLine, SeparatorLine, TextLine
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.vat import VatCategory
from faktura.wire import invoice_to_wire

__all__ = ["demo_invoice", "main", "render_table"]


def demo_invoice(at: datetime) -> tuple[Company, Customer, Invoice]:
    """A company, a customer and a booked invoice: two VAT groups, a discounted line, a
    text line and a document-level charge."""
    company = Company(
        id="company-1",
        name="Nordlys ApS",
        address=Address("Vesterbrogade 1", "København V", "1620", "DK"),
        cvr="13585628",
        vat_id="DK13585628",
        bank=BankAccount(reg_no="1234", account_no="0012345678", iban="DK5000400440116243"),
        fik_creditor="12345678",
    )
    customer = Customer(
        id="customer-1",
        company_id=company.id,
        name="Fjord Consulting A/S",
        number="1001",
        address=Address("Havnegade 12", "Aarhus C", "8000", "DK"),
        email="ap@fjord.example",
    )
    standard = (VatCategory.S, company.standard_vat_rate)
    draft, _ = Invoice.draft(
        id="invoice-1",
        company_id=company.id,
        customer_id=customer.id,
        issue_date=at.date(),
        currency=company.currency,
        payment_terms=company.payment_terms,
        at=at,
        lines=[
            SeparatorLine("Consulting, November"),
            ProductLine(
                "Architecture workshop",
                Decimal(6),
                Decimal("1150.00"),
                *standard,
                unit="HUR",
                discount_percent=Decimal(10),
            ),
            ProductLine("Travel (Aarhus)", Decimal(1), Decimal("480.50"), *standard),
            TextLine("Workshop held 12-13 November at the customer's premises."),
            ProductLine(
                "Printed report",
                Decimal(2),
                Decimal("149.95"),
                VatCategory.Z,
                Decimal(0),
                product_number="RPT-1",
            ),
        ],
        allowance_charges=[
            AllowanceCharge(
                charge=True,
                reason="Invoice fee",
                vat_category=VatCategory.S,
                vat_rate=company.standard_vat_rate,
                amount=Decimal("25.00"),
            ),
        ],
        reference="PO-4711",
        our_reference="Mette Hansen",
        description="Architecture workshop",
        notes="Thank you for your business.",
    )
    booked, _ = draft.book("1", at)
    return company, customer, booked


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


def _demo(_: argparse.Namespace) -> int:
    at = datetime.now(UTC).replace(microsecond=0)
    company, customer, invoice = demo_invoice(at)
    print(f"{company.name} (CVR {company.cvr}) → {customer.name} (customer {customer.number})")
    print()
    print(render_table(invoice))
    print()
    print(json.dumps(invoice_to_wire(invoice), indent=2, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faktura`` console script."""
    parser = argparse.ArgumentParser(prog="faktura", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="book a demo invoice and print it").set_defaults(run=_demo)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
