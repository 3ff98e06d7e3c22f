"""Booking reads and writes the header of a document, never its lines: on SQLite and
PostgreSQL a draft's lines are kept apart, a booking neither decodes nor rewrites them,
and what the header carries instead (amounts, line facts) is what the lines come to."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from faktura.billing import Billing
from faktura.commands import CompanyProfile, DraftChanges, NewCustomer
from faktura.errors import ValidationError
from faktura.lines import ProductLine, StoredLines
from faktura.ports import Store
from faktura.storage import codec
from faktura.storage.postgres import PostgresStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.vat import VatCategory
from faktura.wire import new_draft

pytest_plugins = ["pg_fixture"]

LINES = 300


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "books.db", create=True)
    else:
        opened = PostgresStore(request.getfixturevalue("pg_url"), create=True)
    yield opened
    opened.close()


def long_draft(billing: Billing, description: str = "Hours") -> tuple[str, str]:
    """A company, and a draft of ``LINES`` lines of it (two VAT rates, discounts)."""
    company = billing.create_company(
        CompanyProfile(name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
    )
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    )
    lines: list[dict[str, Any]] = [
        {
            "description": f"{description} {n}",
            "quantity": f"{n % 7 + 1}.5",
            "unitPrice": f"{n % 13 + 1}9.95",
            "vatRate": "25" if n % 3 else "0",
            "vatCategory": "S" if n % 3 else "Z",
            "discountPercent": "10" if n % 5 == 0 else "0",
        }
        for n in range(LINES)
    ]
    draft = billing.create_draft(company.id, new_draft({"customerId": customer.id, "lines": lines}))
    return company.id, draft.id


class Decodes:
    """Counts the stored lines decoded (``codec._lines_text``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        decode = codec._lines_text

        def counted(text: str, key: str | None = None) -> Any:
            self.count += 1
            return decode(text, key)

        monkeypatch.setattr(codec, "_lines_text", counted)


def test_booking_neither_decodes_nor_rewrites_the_lines(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing = Billing(store, ManualClock())
    company_id, draft_id = long_draft(billing)
    expected = billing.get_invoice(company_id, draft_id)
    decodes = Decodes(monkeypatch)

    booked = billing.book(company_id, draft_id)

    assert decodes.count == 0  # neither the gate nor the transition nor the write read them
    assert isinstance(booked.line_source, StoredLines)
    # amounts and the summary came from the header; they are what the lines come to
    assert booked.amounts == expected.totals.document()
    assert booked.lines == expected.lines  # decoded now, on demand
    assert decodes.count == 1
    again = billing.get_invoice(company_id, draft_id)
    assert (again.number, again.lines, again.totals) == (
        booked.number,
        expected.lines,
        expected.totals,
    )
    summary = billing.list_invoices(company_id).items[0]
    assert (summary.number, summary.payable) == (booked.number, expected.totals.payable)


def test_the_stored_lines_are_written_once_and_then_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "books.db"
    store = SqliteStore(path, create=True)
    try:
        billing = Billing(store, ManualClock())
        company_id, draft_id = long_draft(billing)
        with sqlite3.connect(path) as conn:  # a log of every write to the lines
            conn.execute("CREATE TABLE line_writes (row_id INTEGER)")
            conn.execute(
                "CREATE TRIGGER log_line_writes AFTER UPDATE ON invoice_lines BEGIN "
                "INSERT INTO line_writes VALUES (new.row_id); END"
            )

        def writes() -> int:
            with sqlite3.connect(path) as conn:
                return int(conn.execute("SELECT count(*) FROM line_writes").fetchone()[0])

        billing.update_draft(company_id, draft_id, DraftChanges(notes="Thank you"))
        assert writes() == 0  # the header changed, the lines did not
        billing.update_draft(
            company_id,
            draft_id,
            DraftChanges(
                lines=[
                    ProductLine("Hours", Decimal(1), Decimal("10.00"), VatCategory.S, Decimal(25))
                ]
            ),
        )
        assert writes() == 1  # the lines changed: written
        billing.book(company_id, draft_id)
        billing.record_payment(company_id, draft_id, Decimal("5.00"))
        assert writes() == 1
        assert [line.description for line in billing.get_invoice(company_id, draft_id).lines] == [
            "Hours"
        ]
    finally:
        store.close()


def test_an_undrawable_line_is_still_named_by_its_index(store: Store) -> None:
    # the font check reads the characters the header lists; only when one of them
    # cannot be drawn are the lines read, to name the line
    billing = Billing(store, ManualClock())
    company_id, draft_id = long_draft(billing)
    lines = list(billing.get_invoice(company_id, draft_id).lines)
    lines[217] = attrs.evolve(lines[217], description="Hours 中")
    billing.update_draft(company_id, draft_id, DraftChanges(lines=lines))
    with pytest.raises(ValidationError) as refused:
        billing.book(company_id, draft_id)
    assert [error.path for error in refused.value.errors] == ["lines.217.description"]
    assert billing.get_invoice(company_id, draft_id).number is None
