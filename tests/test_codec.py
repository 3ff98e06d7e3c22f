"""The storage codec: every domain value survives a trip through its JSON document."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings

from faktura import Invoice, StorageError
from faktura.documents.source import issue
from faktura.exchange import AccountingVat
from faktura.invoice import InvoiceSummary
from faktura.lines import LineFacts, StoredLines
from faktura.storage import codec
from faktura.storage.codec import dumps, loads
from faktura.testing.contract import AT, DAY, company, customer, draft
from faktura.testing.strategies import invoices
from faktura.totals import DocumentTotals, Totals


@settings(max_examples=150)
@given(invoices())
def test_invoices_and_their_summaries_round_trip(invoice: Invoice) -> None:
    assert loads(dumps(invoice), Invoice) == invoice
    summary = InvoiceSummary.of(invoice)
    assert loads(dumps(summary), InvoiceSummary) == summary


@settings(max_examples=150)
@given(invoices())
def test_a_header_and_its_lines_make_the_invoice_again(invoice: Invoice) -> None:
    header, lines = codec.dumps_header(invoice), codec.dumps_lines(invoice)
    assert '"lines"' not in header
    loaded = codec.loads_invoice(header, lines, invoice.id)
    # what the header carries is what the lines come to, read without decoding them
    assert loaded.amounts == invoice.totals.document()
    assert loaded.line_facts == LineFacts.of(invoice.lines)
    assert isinstance(loaded.line_source, StoredLines)
    assert loaded.line_source._lines is None  # not decoded for any of that
    assert loaded == invoice
    assert loaded.lines == invoice.lines
    assert loaded.totals == invoice.totals


def test_a_header_keeps_the_snapshot_and_the_accounting_vat() -> None:
    booked = draft("inv-1").book("7", AT, issued=issue(draft("inv-1"), company(), customer()))
    booked = attrs.evolve(
        booked.invoice,
        vat_accounting=AccountingVat("DKK", Decimal("7.4604"), DAY, Decimal("186.51")),
    )
    header = json.loads(codec.dumps_header(booked))
    assert header["issued"] is not None
    assert header["vat_accounting"] is not None
    assert codec.loads_invoice(codec.dumps_header(booked), codec.dumps_lines(booked)) == booked


def test_document_totals_are_the_totals_less_the_line_amounts() -> None:
    totals = draft("inv-1").totals
    assert totals.document() == DocumentTotals(
        **{name: getattr(totals, name) for name in DocumentTotals._fields}
    )
    assert set(Totals._fields) - set(DocumentTotals._fields) == {"raw_lines"}


def test_damaged_lines_are_a_storage_error_when_read() -> None:
    invoice = draft("inv-1")
    loaded = codec.loads_invoice(codec.dumps_header(invoice), "[{", "inv-1")
    with pytest.raises(StorageError, match="inv-1"):
        loaded.lines  # noqa: B018 - reading them is the point
    with pytest.raises(StorageError, match="inv-1"):
        codec.loads_invoice("{", codec.dumps_lines(invoice), "inv-1")


@pytest.mark.parametrize("text", ["", "{", '{"id": 1}', "[]", '{"payment_terms": null}'])
def test_damaged_documents_are_storage_errors(text: str) -> None:
    with pytest.raises(StorageError):
        loads(text, Invoice)
    with pytest.raises(StorageError):
        loads(text, InvoiceSummary)
    with pytest.raises(StorageError):
        codec.load_summaries([text])
