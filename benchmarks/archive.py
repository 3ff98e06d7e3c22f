"""What the archive of issued documents costs per invoice: bytes stored, by kind.

N ten-line DKK invoices (discounts, fractional quantities; seller with
address, identifiers, bank and FIK creditor) are each booked and sent by email with the
UBL attached, through ``Billing.send`` on a ``SqliteStore``. The email channel is the real
``EmailChannel`` with its SMTP session left out: it builds and flattens the message
exactly as for a server and hands the bytes back, which the sender archives with the
PDF and the UBL. The script prints, per invoice, the archived bytes of each kind (the
sizes the archive records), the growth of the booked document's JSON by its snapshot of
the parties, and how much the SQLite file grew per sent invoice compared with the same
invoices only booked.

Usage::

    .venv/bin/python benchmarks/archive.py            # N=50
    .venv/bin/python benchmarks/archive.py --count 10
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.delivery.email_smtp import flatten
from faktura.issued import ArchiveKind
from faktura.parties import Address, BankAccount
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.wire import new_draft

LINES = 10


class OfflineEmail(EmailChannel):
    """The email channel without the SMTP session: the bytes it would send."""

    def _send(self, email: EmailMessage, to: str) -> bytes:
        return flatten(email, None, self.settings.sender, to)[0]  # type: ignore[arg-type]


def setup(path: Path) -> tuple[Billing, str, list[str]]:
    channel = OfflineEmail(
        SmtpSettings("smtp.example.dk", 587, "faktura@example.dk", attach_ubl=True)
    )
    billing = Billing(
        SqliteStore(path, create=True),
        ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        channels={"email": channel},
    )
    company = billing.create_company(
        CompanyProfile(
            name="Sælger & Søn ApS",
            address=Address("Vestergade 1", "Aarhus C", "8000"),
            cvr="13585628",
            vat_id="DK13585628",
            bank=BankAccount("1234", "0012345678", "DK5000400440116243", "DABADKKK"),
            fik_creditor="12345678",
            email="faktura@example.dk",
        ),
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Købmand Jensen & Co",
            number="K-100",
            email="bogholderi@jensen.dk",
            address=Address("Nørregade 7", "København K", "1165"),
            cvr="13585628",
            vat_id="DK13585628",
            ean="5790000000012",
        ),
    )
    return billing, company.id, [customer.id]


def drafts(billing: Billing, company_id: str, customer_id: str, count: int) -> list[str]:
    rng = random.Random(2026)
    ids = []
    for _ in range(count):
        lines = [
            {
                "description": f"Item {position}",
                "quantity": rng.choice(["1", "2", "0.5", "3.25", "12"]),
                "unitPrice": str(Decimal(rng.randrange(100, 500_000)) / 100),
                "discountPercent": rng.choice(["0", "0", "5", "12.5"]),
            }
            for position in range(LINES)
        ]
        ids.append(
            billing.create_draft(
                company_id, new_draft({"customerId": customer_id, "lines": lines})
            ).id
        )
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    n = args.count
    with tempfile.TemporaryDirectory() as tmp:
        sent_path, booked_path = Path(tmp, "sent.sqlite"), Path(tmp, "booked.sqlite")
        billing, company_id, (customer_id,) = setup(sent_path)
        booked_billing, booked_company, (booked_customer,) = setup(booked_path)
        ids = drafts(billing, company_id, customer_id, n)
        booked_ids = drafts(booked_billing, booked_company, booked_customer, n)
        sizes: dict[str, list[int]] = {kind.value: [] for kind in ArchiveKind}
        snapshot: list[int] = []
        for invoice_id in ids:
            draft_json = len(codec.dumps(billing.get_invoice(company_id, invoice_id)).encode())
            assert billing.send(company_id, invoice_id, "email").success
            invoice = billing.get_invoice(company_id, invoice_id)
            snapshot.append(len(codec.dumps(invoice).encode()) - draft_json)
            per_kind = {kind.value: 0 for kind in ArchiveKind}
            for document in billing.archived_documents(company_id, invoice_id):
                per_kind[document.kind.value] += document.size
            for kind, size in per_kind.items():
                sizes[kind].append(size)
        for invoice_id in booked_ids:
            booked_billing.book(booked_company, invoice_id)
        billing.store.close()
        booked_billing.store.close()
        for path in (sent_path, booked_path):  # fold the write-ahead log into the file
            conn = sqlite3.connect(path)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        growth = (os.path.getsize(sent_path) - os.path.getsize(booked_path)) / n

    print(f"{n} ten-line invoices sent by email (UBL attached); {platform.python_version()}")
    print()
    print("| what | bytes per invoice (mean) | min | max |")
    print("| --- | ---: | ---: | ---: |")
    total = [sum(values) for values in zip(*(sizes[k.value] for k in ArchiveKind), strict=True)]
    for label, values in (
        ("PDF", sizes["pdf"]),
        ("UBL", sizes["ubl"]),
        ("email as sent (PDF and UBL attached, base64)", sizes["email"]),
        ("archive, all kinds", total),
        ("snapshot in the booked document's JSON", snapshot),
    ):
        print(f"| {label} | {statistics.mean(values):,.0f} | {min(values):,} | {max(values):,} |")
    print(f"| SQLite file growth, sent vs only booked | {growth:,.0f} | | |")


if __name__ == "__main__":
    main()
