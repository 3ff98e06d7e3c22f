"""A document's order, sales order, contract, project and buyer accounting references
(BT-13, BT-14, BT-12, BT-11, BT-19): given through the Python API and the wire, kept by
every store, shown on the PDF, written to the e-invoice where EN 16931 puts them and
checked there by the official rules."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from pypdf import PdfReader

from einvoice_rules import OfficialRules
from faktura import ValidationError
from faktura.billing import Billing
from faktura.commands import CustomerChanges, DraftChanges
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.ubl import to_ubl
from faktura.invoice import Invoice
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.testing.strategies import document_references
from faktura.wire import invoice_to_wire, new_draft
from test_http_fixtures import LINE, expect, make_world

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
ALL = DocumentReferences(
    order="PO-4711",
    sales_order="SO 2026/17",
    contract="K-2026-03",
    project="Havnebad Syd",
    buyer_accounting="4025:123:4343",
)
WIRE_ALL = {
    "order": "PO-4711",
    "salesOrder": "SO 2026/17",
    "contract": "K-2026-03",
    "project": "Havnebad Syd",
    "buyerAccounting": "4025:123:4343",
}


@pytest.fixture
def billing(tmp_path: Path) -> Billing:
    return Billing(SqliteStore(tmp_path / "faktura.sqlite", create=True), ManualClock())


def texts(document: bytes, path: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(document).findall(path, NS)]


def issued(billing: Billing, references: Any, **body: Any) -> tuple[Invoice, bytes, bytes]:
    """A booked invoice with ``references`` (wire form), its credit note, both as UBL."""
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id,
        new_draft({"customerId": customer.id, "lines": [LINE], "references": references} | body),
    )
    invoice = billing.book(company.id, draft.id)
    note = billing.credit(company.id, invoice.id)
    credit = billing.book(company.id, note.id)
    return (
        invoice,
        to_ubl(invoice, company, customer),
        to_ubl(credit, company, customer),
    )


# -- the value -------------------------------------------------------------------------


def test_every_bad_reference_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        DocumentReferences(order="x" * 201, sales_order="two\nlines", project="   ")
    assert {(e.path, e.rule) for e in caught.value.errors} == {
        ("order", "length"),
        ("sales_order", "one_line"),
        ("project", "required"),
    }


def test_a_reference_must_be_text() -> None:
    with pytest.raises(ValidationError) as caught:
        DocumentReferences(contract=42)  # type: ignore[arg-type]
    assert caught.value.field == "contract"


@given(document_references())
def test_texts_name_exactly_the_references_given(references: DocumentReferences) -> None:
    given_names = [
        name
        for name in ("order", "sales_order", "contract", "project", "buyer_accounting")
        if getattr(references, name) is not None
    ]
    assert len(references.texts()) == len(given_names)
    assert bool(references) == bool(given_names)
    assert [text for _, text in references.texts()] == [
        getattr(references, name) for name in given_names
    ]


def test_an_invoice_refuses_what_is_not_references() -> None:
    with pytest.raises(ValidationError) as caught:
        Invoice.draft(
            id="d",
            company_id="c",
            customer_id="k",
            issue_date=ManualClock().today(),
            currency="DKK",
            payment_terms=PaymentTerms.net(8),
            at=ManualClock().now(),
            references={"order": "PO-1"},
        )
    assert caught.value.field == "references"


# -- through Billing, the store and the wire --------------------------------------------


def test_the_wire_sets_keeps_and_clears_references(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE], "references": WIRE_ALL})
    )
    stored = billing.get_invoice(company.id, draft.id)
    assert stored.references == ALL
    assert invoice_to_wire(stored)["references"] == WIRE_ALL
    changed = billing.update_draft(
        company.id, draft.id, DraftChanges(references=DocumentReferences(contract="K-9"))
    )
    assert billing.get_invoice(company.id, draft.id).references.contract == "K-9"
    assert changed.references.order is None
    billing.update_draft(company.id, draft.id, DraftChanges(references=None))
    assert billing.get_invoice(company.id, draft.id).references == NO_REFERENCES


def test_a_bad_reference_on_the_wire_is_named_and_nothing_is_stored(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    with pytest.raises(ValidationError) as caught:
        billing.create_draft(
            company.id,
            new_draft(
                {
                    "customerId": customer.id,
                    "lines": [LINE],
                    "references": {"salesOrder": "a\nb", "colour": "blue"},
                }
            ),
        )
    assert {e.path for e in caught.value.errors} >= {"references.colour"}
    assert billing.list_invoices(company.id).total == 0


def test_a_credit_note_keeps_the_invoices_references(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE], "references": WIRE_ALL})
    )
    invoice = billing.book(company.id, draft.id)
    note = billing.credit(company.id, invoice.id)
    assert billing.get_invoice(company.id, note.id).references == ALL


def test_the_http_api_takes_and_answers_references() -> None:
    world = make_world()
    api = world.client(world.a.key)
    body = {"customerId": world.a.customer_id, "lines": [LINE], "references": WIRE_ALL}
    created = expect(api.post("/v1/invoices", json=body), 201)
    assert created["references"] == WIRE_ALL
    got = expect(api.get(f"/v1/invoices/{created['id']}"), 200)
    assert got["references"] == WIRE_ALL
    bad = expect(
        api.patch(f"/v1/invoices/{created['id']}", json={"references": {"project": 7}}), 400
    )
    properties = {e["property"] for e in bad["details"]["validationErrors"]}
    assert properties == {"references.project"}
    cleared = expect(api.patch(f"/v1/invoices/{created['id']}", json={"references": None}), 200)
    assert cleared["references"] == dict.fromkeys(WIRE_ALL)


# -- documents ---------------------------------------------------------------------------


def test_the_pdf_shows_every_reference(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE], "references": WIRE_ALL})
    )
    pdf = render_pdf(DocumentData(draft, company, customer, locale="en"), draft=True)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for label, value in (
        ("Order ref.", "PO-4711"),
        ("Our order no.", "SO 2026/17"),
        ("Contract", "K-2026-03"),
        ("Project", "Havnebad Syd"),
        ("Accounting ref.", "4025:123:4343"),
    ):
        assert label in text, label
        assert value in text, value


def test_the_e_invoice_says_every_reference(billing: Billing, validator: OfficialRules) -> None:
    _, invoice, credit = issued(billing, WIRE_ALL)
    validator.check(invoice)
    validator.check(credit)
    for document in (invoice, credit):
        assert texts(document, "cbc:AccountingCost") == ["4025:123:4343"]
        assert texts(document, "cac:OrderReference/cbc:ID") == ["PO-4711"]
        assert texts(document, "cac:OrderReference/cbc:SalesOrderID") == ["SO 2026/17"]
        assert texts(document, "cac:ContractDocumentReference/cbc:ID") == ["K-2026-03"]
    assert texts(invoice, "cac:ProjectReference/cbc:ID") == ["Havnebad Syd"]
    assert texts(credit, "cac:ProjectReference/cbc:ID") == []
    assert texts(credit, "cac:AdditionalDocumentReference/cbc:ID") == ["Havnebad Syd"]
    assert texts(credit, "cac:AdditionalDocumentReference/cbc:DocumentTypeCode") == ["50"]


def test_a_sales_order_alone_has_the_order_id_na(
    billing: Billing, validator: OfficialRules
) -> None:
    _, invoice, credit = issued(billing, {"salesOrder": "SO-1"})
    for document in (invoice, credit):
        validator.check(document)
        assert texts(document, "cac:OrderReference/cbc:ID") == ["NA"]
        assert texts(document, "cac:OrderReference/cbc:SalesOrderID") == ["SO-1"]


def test_without_references_no_reference_element_is_written(billing: Billing) -> None:
    _, invoice, credit = issued(billing, None)
    for document in (invoice, credit):
        for path in (
            "cbc:AccountingCost",
            "cac:OrderReference",
            "cac:ContractDocumentReference",
            "cac:ProjectReference",
            "cac:AdditionalDocumentReference",
        ):
            assert ET.fromstring(document).findall(path, NS) == [], path


def test_an_order_reference_stands_in_for_the_buyer_reference(
    billing: Billing, validator: OfficialRules
) -> None:
    company, customer = seller_and_buyer(billing)
    anonymous = billing.update_customer(company.id, customer.id, CustomerChanges(number=None))
    draft = billing.create_draft(
        company.id, new_draft({"customerId": anonymous.id, "lines": [LINE]})
    )
    with pytest.raises(ValidationError) as caught:
        to_ubl(billing.book(company.id, draft.id), company, anonymous)
    assert caught.value.errors[0].rule == "ubl_buyer_reference"
    other = billing.create_draft(
        company.id,
        new_draft({"customerId": anonymous.id, "lines": [LINE], "references": {"order": "PO-9"}}),
    )
    document = to_ubl(billing.book(company.id, other.id), company, anonymous)
    validator.check(document)
    assert texts(document, "cbc:BuyerReference") == []
    assert texts(document, "cac:OrderReference/cbc:ID") == ["PO-9"]
