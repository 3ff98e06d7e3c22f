"""The storage codec: every domain value survives a trip through its JSON document."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura import Invoice, StorageError
from faktura.documents.source import issue
from faktura.dunning import Reminder, ReminderPolicy
from faktura.exchange import AccountingVat
from faktura.lines import LineFacts, StoredLines
from faktura.parties import Company
from faktura.receivables import AccountEntry, BankEntry
from faktura.storage import codec
from faktura.storage.codec import dumps, loads
from faktura.summary import InvoiceSummary
from faktura.testing.contract import AT, DAY, company, customer, draft
from faktura.testing.contract.collections import (
    account_entries,
    bank_entries,
    policies,
    reminders,
)
from faktura.testing.strategies import invoices
from faktura.totals import DocumentTotals, Totals


@settings(max_examples=150)
@given(invoices())
def test_invoices_and_their_summaries_round_trip(invoice: Invoice) -> None:
    assert loads(dumps(invoice), Invoice) == invoice
    summary = InvoiceSummary.of(invoice)
    assert loads(dumps(summary), InvoiceSummary) == summary


@settings(max_examples=100)
@given(st.one_of(reminders(), policies(), account_entries(), bank_entries()))
def test_reminders_policies_and_account_and_bank_entries_round_trip(value: Any) -> None:
    back = loads(dumps(value), type(value))
    assert back == value
    assert repr(back) == repr(value)  # decimals' exponents and instants' offsets too


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


# -- damaged documents: a typed error naming the row -----------------------------------------

#: Header keys whose stored text is parsed (a decimal, a date, a time, an enum value).
PARSED = ("kind", "status", "issue_date", "created_at", "prepaid_amount", "amount_rule")


@settings(max_examples=50)
@given(invoices(), st.sampled_from(PARSED), st.sampled_from(["garbage", None, [], {}]))
def test_a_damaged_value_is_a_storage_error_naming_the_document(
    invoice: Invoice, key: str, junk: object
) -> None:
    header = json.loads(codec.dumps_header(invoice))
    header[key] = junk
    with pytest.raises(StorageError) as caught:
        codec.loads_invoice(json.dumps(header), codec.dumps_lines(invoice), invoice.id)
    assert (caught.value.entity, caught.value.entity_id) == ("invoice", invoice.id)
    assert not caught.value.retryable
    document = json.loads(dumps(invoice))
    document[key] = junk
    with pytest.raises(StorageError) as caught:
        loads(json.dumps(document), Invoice, invoice.id)
    assert caught.value.entity_id == invoice.id


@settings(max_examples=50)
@given(invoices(), st.sampled_from(["id", "subtotal", "due_date", "payment_terms", "status"]))
def test_a_damaged_summary_fails_its_page_naming_it(invoice: Invoice, key: str) -> None:
    good = dumps(InvoiceSummary.of(invoice))
    damaged = json.loads(good)
    del damaged[key]  # a field every summary has
    with pytest.raises(StorageError) as caught:
        codec.load_summaries([good, json.dumps(damaged)], ["inv-good", "inv-bad"])
    assert (caught.value.entity, caught.value.entity_id) == ("invoice", "inv-bad")
    assert "inv-bad" in caught.value.message


@pytest.mark.parametrize("lines", ['[{"type": "Nonsense"}]', '[{"type": "TextLine"}]', "[1]"])
def test_damaged_lines_name_the_document_when_read(lines: str) -> None:
    loaded = codec.loads_invoice(codec.dumps_header(draft("inv-1")), lines, "inv-1")
    with pytest.raises(StorageError) as caught:
        loaded.lines  # noqa: B018 - reading them is the point
    assert caught.value.entity_id == "inv-1"


def test_a_damaged_logo_is_a_storage_error_naming_the_company() -> None:
    stored = json.loads(dumps(company()))
    stored["logo"] = "not base64!"
    with pytest.raises(StorageError) as caught:
        loads(json.dumps(stored), Company, "co-a")
    assert (caught.value.entity, caught.value.entity_id) == ("company", "co-a")


def test_a_header_is_not_a_whole_document() -> None:
    # a whole document always has its lines: one without them is damaged, not empty
    with pytest.raises(StorageError) as caught:
        loads(codec.dumps_header(draft("inv-1")), Invoice, "inv-1")
    assert caught.value.entity_id == "inv-1"
    assert "lines" in caught.value.message


@pytest.mark.parametrize(
    ("cls", "entity"),
    [
        (Reminder, "reminder"),
        (ReminderPolicy, "reminder policy"),
        (AccountEntry, "account entry"),
        (BankEntry, "bank entry"),
    ],
)
@pytest.mark.parametrize("text", ["", "{", '{"id": 1}', "[]"])
def test_a_damaged_collection_document_is_a_storage_error_naming_it(
    cls: type, entity: str, text: str
) -> None:
    with pytest.raises(StorageError) as info:
        loads(text, cls, "key-1")
    assert info.value.retryable is False
    assert (info.value.entity, info.value.entity_id) == (entity, "key-1")
