"""The demo behind ``faktura demo``: a company's month of invoicing, end to end.

``run_demo(billing)`` books one invoice (the example of the docs and tests).
``run_flow(store, folder)`` runs the whole flow on a store: a company, three customers
(a business, a private person, a public-sector body with an EAN on a department),
drafts, sends over every channel — by hand, by email into a local outbox
(``folder/outbox/<n>.eml``, built by ``EmailChannel.build``, nothing leaves the machine)
and as e-invoices to an access point on 127.0.0.1 (``LocalAccessPoint``) — a credit
note, a partial and a full payment; it writes every PDF and UBL file into ``folder``.
It needs the ``pdf`` and ``einvoice`` extras, not the test ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.delivery.channel import (
    DeliveryChannel,
    OutgoingDocument,
    Receipt,
)
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.invoice import Invoice
from faktura.lines import ProductLine, SeparatorLine
from faktura.parties import Address, BankAccount, Company, Customer, Department
from faktura.status import DocumentKind
from faktura.wire import new_draft

if TYPE_CHECKING:
    from faktura.ports import Store

__all__ = [
    "DEMO_DRAFT",
    "DEMO_EAN",
    "DemoDocument",
    "DemoReport",
    "OutboxChannel",
    "render_summary",
    "render_table",
    "run_demo",
    "run_flow",
]

#: The EAN (GLN) of the public-sector customer's department, registered at the demo's
#: access point as Peppol participant "0088:<EAN>".
DEMO_EAN = "5790000435951"

#: The create-draft body of the demo's first invoice, in the reference API's JSON.
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


def _create_company(billing: Billing) -> Company:
    return billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            address=Address("Vesterbrogade 1", "København V", "1620", "DK"),
            cvr="13585628",
            vat_id="DK13585628",
            bank=BankAccount(reg_no="1234", account_no="0012345678", iban="DK5000400440116243"),
            fik_creditor="12345678",
            email="faktura@nordlys.example",
        ),
    )


def _create_business(billing: Billing, company: Company, **more: Any) -> Customer:
    return billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord Consulting A/S",
            number="1001",
            address=Address("Havnegade 12", "Aarhus C", "8000", "DK"),
            email="ap@fjord.example",
            **more,
        ),
    )


def run_demo(billing: Billing) -> tuple[Company, Customer, Invoice]:
    """A company, a customer and a booked invoice: two VAT groups, a discounted line, a
    text line and a document-level charge."""
    company = _create_company(billing)
    customer = _create_business(billing, company)
    draft = billing.create_draft(company.id, new_draft({"customerId": customer.id, **DEMO_DRAFT}))
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


# -- the email outbox --------------------------------------------------------------------


class OutboxChannel(EmailChannel):
    """Email delivery into a folder: each message, built exactly as ``EmailChannel``
    would send it, is written as ``<folder>/<n>.eml`` instead of going to an SMTP
    server. For demos and previews; the Receipt's reference is the Message-ID."""

    def __init__(self, folder: Path, settings: SmtpSettings) -> None:
        super().__init__(settings)
        self.folder = folder

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Write the email; raises DeliveryRejected as ``EmailChannel.build`` does."""
        self.prepare(message.recipient)
        email = self.build(message)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(list(self.folder.glob('*.eml'))) + 1}.eml"
        path.write_bytes(email.as_bytes())
        return Receipt(provider_reference=str(email["Message-ID"]))


# -- the whole flow ----------------------------------------------------------------------


@attrs.frozen
class DemoDocument:
    """One document of the demo as it ended: the row of the summary table."""

    invoice: Invoice
    customer: Customer
    channel: str
    delivery: str
    files: tuple[Path, ...]


@attrs.frozen
class DemoReport:
    """What ``run_flow`` made: the company, its documents and every file written."""

    company: Company
    documents: tuple[DemoDocument, ...]
    outbox: tuple[Path, ...]

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(f for d in self.documents for f in d.files) + self.outbox


@contextmanager
def _local_access_point() -> Iterator[DeliveryChannel]:
    from faktura.delivery.einvoice import EInvoiceChannel
    from faktura.delivery.sproom import SproomAccessPoint
    from faktura.testing.access_point import LocalAccessPoint

    with (
        LocalAccessPoint(participants={f"0088:{DEMO_EAN}"}) as server,
        SproomAccessPoint(server.url, server.token, backoff=0.01) as access_point,
    ):
        yield EInvoiceChannel(access_point)


def _line(description: str, quantity: str, price: str, **more: str) -> dict[str, str]:
    return {"description": description, "quantity": quantity, "unitPrice": price, **more}


def run_flow(store: Store, folder: Path) -> DemoReport:
    """Run the whole demo on ``store``, writing documents into ``folder`` (see the
    module docstring). Raises FakturaError subclasses as Billing does."""
    from faktura.delivery.manual import ManualChannel
    from faktura.documents.pdf import DocumentData, render_pdf
    from faktura.documents.ubl import to_ubl

    folder.mkdir(parents=True, exist_ok=True)
    outbox = OutboxChannel(
        folder / "outbox",
        SmtpSettings(host="localhost", port=25, sender="faktura@nordlys.example", security="none"),
    )
    with _local_access_point() as einvoice:
        billing = Billing(
            store, channels={"manual": ManualChannel(), "email": outbox, "einvoice": einvoice}
        )
        company = _create_company(billing)
        business = _create_business(billing, company, cvr="35954716")
        private = billing.create_customer(
            company.id,
            NewCustomer(
                name="Karen Holm",
                number="1002",
                address=Address("Søndergade 4", "Odense C", "5000", "DK"),
                email="karen.holm@example.dk",
                language="da",
            ),
        )
        region = billing.create_customer(
            company.id,
            NewCustomer(
                name="Region Midtjylland",
                number="1003",
                address=Address("Skottenborg 26", "Viborg", "8800", "DK"),
                cvr="29190925",
                departments=(Department("okonomi", "Økonomi", ean=DEMO_EAN),),
            ),
        )
        drafts: list[tuple[Customer, dict[str, Any], str]] = [
            (business, DEMO_DRAFT, "email"),
            (
                private,
                {
                    "pricesIncludeVat": True,
                    "description": "Garden design",
                    "lines": [
                        _line("Garden design, consultation", "3", "875.00", unit="HUR"),
                        _line("Planting plan (print)", "1", "350.00"),
                    ],
                },
                "email",
            ),
            (
                region,
                {
                    "customerDepartmentId": "okonomi",
                    "reference": "IND-2026-118",
                    "description": "Accessibility audit",
                    "lines": [
                        _line("Accessibility audit, 3 sites", "24", "1095.00", unit="HUR"),
                        _line("Audit report", "1", "4500.00"),
                    ],
                },
                "einvoice",
            ),
            (
                business,
                {
                    "description": "Support, November",
                    "lines": [_line("Support agreement, November", "1", "2400.00")],
                },
                "manual",
            ),
        ]
        sent: list[tuple[Invoice, Customer, str]] = []
        for customer, body, channel in drafts:
            draft = billing.create_draft(company.id, new_draft({"customerId": customer.id, **body}))
            billing.send(company.id, draft.id, channel)
            sent.append((billing.get_invoice(company.id, draft.id), customer, channel))

        (invoice_1, _, _), (invoice_2, _, _), (invoice_3, _, _), _ = sent
        # The region's audit report was ordered twice by mistake: credit it.
        note = billing.credit(company.id, invoice_3.id, [(1, Decimal(1))])
        billing.send(company.id, note.id, "einvoice")
        sent.append((billing.get_invoice(company.id, note.id), region, "einvoice"))
        billing.record_payment(company.id, invoice_1.id, invoice_1.totals.payable)
        billing.record_payment(company.id, invoice_2.id, Decimal("1000.00"), reference="MobilePay")
        upcoming = billing.create_draft(
            company.id,
            new_draft(
                {
                    "customerId": business.id,
                    "description": "Support, December",
                    "lines": [_line("Support agreement, December", "1", "2400.00")],
                }
            ),
        )

        documents = []
        for invoice, customer, channel in sent:
            current = billing.get_invoice(company.id, invoice.id)
            status = billing.delivery_status(company.id, invoice.id)
            data = DocumentData(current, company, customer)
            pdf = folder / _file_name(current, "pdf")
            pdf.write_bytes(render_pdf(data))
            files = [pdf]
            if customer.cvr or customer.ean:  # a Peppol endpoint: a private person has none
                ubl = folder / _file_name(current, "xml")
                ubl.write_bytes(to_ubl(current, company, customer))
                files.append(ubl)
            documents.append(
                DemoDocument(current, customer, channel, status.state.value, tuple(files))
            )
        preview = folder / "invoice-draft.pdf"
        preview.write_bytes(render_pdf(DocumentData(upcoming, company, business), draft=True))
        documents.append(DemoDocument(upcoming, business, "-", "not sent", (preview,)))
    return DemoReport(company, tuple(documents), tuple(sorted(outbox.folder.glob("*.eml"))))


def _file_name(invoice: Invoice, extension: str) -> str:
    kind = invoice.kind.value.replace("_", "-")
    return f"{kind}-{invoice.number}.{extension}"


def _signed(invoice: Invoice) -> Decimal:
    """The payable amount as the wire shows it: negative for a credit note."""
    payable = invoice.totals.payable
    return -payable if invoice.kind is DocumentKind.CREDIT_NOTE else payable


def render_summary(documents: Sequence[DemoDocument]) -> str:
    """The demo's documents as a table: document, number, customer, channel, delivery
    state, amount and status."""
    header = ("Document", "Number", "Customer", "Channel", "Delivery", "Amount", "Status")
    rows = [
        (
            "credit note" if d.invoice.kind is DocumentKind.CREDIT_NOTE else "invoice",
            d.invoice.number or "-",
            d.customer.name,
            d.channel,
            d.delivery,
            f"{_signed(d.invoice)} {d.invoice.currency}",
            d.invoice.status.value,
        )
        for d in documents
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {1, 5}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
