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


@pytest.mark.parametrize(
    ("cls", "decoder", "spelling"),
    [(InvoiceSummary, codec._summary, "{name}="), (Invoice, codec._invoice, '"{name}":')],
)
def test_the_hand_written_decoders_know_every_field(
    cls: type, decoder: object, spelling: str
) -> None:
    # a field added to the class must be added to its decoder too
    source = inspect.getsource(decoder)  # type: ignore[arg-type]
    missing = [f.name for f in attrs.fields(cls) if spelling.format(name=f.name) not in source]
    assert missing == []


@pytest.mark.parametrize("text", ["", "{", '{"id": 1}', "[]", '{"payment_terms": null}'])
def test_damaged_documents_are_storage_errors(text: str) -> None:
    with pytest.raises(StorageError):
        loads(text, Invoice)
    with pytest.raises(StorageError):
        loads(text, InvoiceSummary)
