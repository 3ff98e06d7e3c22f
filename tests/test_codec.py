"""The storage codec: every domain value survives a trip through its JSON document."""

from __future__ import annotations

import inspect

import attrs
import pytest
from hypothesis import given, settings

from faktura import Invoice, StorageError
from faktura.invoice import InvoiceSummary
from faktura.storage import codec
from faktura.storage.codec import dumps, loads
from faktura.testing.strategies import invoices


@settings(max_examples=150)
@given(invoices())
def test_invoices_and_their_summaries_round_trip(invoice: Invoice) -> None:
    assert loads(dumps(invoice), Invoice) == invoice
    summary = InvoiceSummary.of(invoice)
    assert loads(dumps(summary), InvoiceSummary) == summary


def test_the_hand_written_decoders_know_every_field() -> None:
    # a field added to a class must be added to its decoder too
    source = inspect.getsource(codec._invoice)
    assert [f.name for f in attrs.fields(Invoice) if f'"{f.name}":' not in source] == []
    source = inspect.getsource(codec._summary)
    named = {*codec._SUMMARY_FIELDS, *codec._SUMMARY_AMOUNTS}
    assert [
        f.name
        for f in attrs.fields(InvoiceSummary)
        if f.name not in named and f'"{f.name}"' not in source
    ] == []


@pytest.mark.parametrize("text", ["", "{", '{"id": 1}', "[]", '{"payment_terms": null}'])
def test_damaged_documents_are_storage_errors(text: str) -> None:
    with pytest.raises(StorageError):
        loads(text, Invoice)
    with pytest.raises(StorageError):
        loads(text, InvoiceSummary)
    with pytest.raises(StorageError):
        codec.load_summaries([text])
