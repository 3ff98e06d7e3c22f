"""Supporting documents in the e-invoice (BG-24), above all the document's own PDF: the
Attachment value and its checks, ``to_ubl(attachments=...)`` against the official rules,
the customer's ``attachPdf`` through Billing, the stores and the HTTP API, and the PDF
embedded by ``render_ubl`` and ``send``: the archived PDF's very bytes, archived apart
and read back byte for byte."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from einvoice_rules import OfficialRules
from faktura import ValidationError
from faktura.attachments import PDF_DESCRIPTION, Attachment
from faktura.billing import Billing
from faktura.commands import CustomerChanges
from faktura.delivery.channel import DeliveryChannel, DeliveryType, Recipient, RecipientKind
from faktura.delivery.log import DeliveryAttempt
from faktura.documents.ubl import to_ubl
from faktura.issued import ArchiveKind
from faktura.parties import Customer
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.wire import new_draft
from test_http_fixtures import LINE, expect, make_world

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
EMBEDDED = "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def sproom() -> RecordingChannel:
    return RecordingChannel(DeliveryType.SPROOM)


@pytest.fixture
def billing(tmp_path: Path, sproom: RecordingChannel) -> Billing:
    channels: dict[str, DeliveryChannel] = {"sproom": sproom}
    store = SqliteStore(tmp_path / "faktura.sqlite", create=True)
    return Billing(store, ManualClock(), channels=channels)


def embedded(document: bytes) -> list[ET.Element]:
    return ET.fromstring(document).findall(EMBEDDED, NS)


def booked(billing: Billing, attach_pdf: bool) -> tuple[str, str]:
    """(company id, id) of an invoice booked for a customer with ``attach_pdf``."""
    company, customer = seller_and_buyer(billing)
    billing.update_customer(company.id, customer.id, CustomerChanges(attach_pdf=attach_pdf))
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    return company.id, billing.book(company.id, draft.id).id


# -- the value -------------------------------------------------------------------------


def test_every_bad_field_of_an_attachment_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        Attachment(id=" ", content=b"x", mime_code="application/zip", filename="a/b.zip")
    assert {(e.path, e.rule) for e in caught.value.errors} == {
        ("id", "required"),
        ("mime_code", "BR-CL-24"),
        ("filename", "filename"),
    }


def test_embedded_content_needs_a_mime_code_and_a_file_name() -> None:
    with pytest.raises(ValidationError) as caught:
        Attachment(id="A-1", content=b"%PDF")
    assert {e.path for e in caught.value.errors} == {"mime_code", "filename"}
    with pytest.raises(ValidationError) as caught:
        Attachment(id="A-1", mime_code="application/pdf", filename="a.pdf")
    assert {(e.path, e.rule) for e in caught.value.errors} == {
        ("mime_code", "requires_content"),
        ("filename", "requires_content"),
    }
    with pytest.raises(ValidationError) as caught:
        Attachment(id="A-1", content=b"", mime_code="image/png", filename="a\nb.png")
    assert {e.path for e in caught.value.errors} == {"content", "filename"}


def test_the_documents_pdf_is_named_by_its_number() -> None:
    pdf = Attachment.document_pdf("2026/17", b"%PDF-1.7")
    assert (pdf.id, pdf.filename, pdf.mime_code) == ("2026/17", "2026-17.pdf", "application/pdf")
    assert pdf.description == PDF_DESCRIPTION


def test_to_ubl_names_a_file_name_used_twice_and_what_is_no_attachment(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    invoice = billing.book(company.id, draft.id)
    first = Attachment(id="1", content=PNG, mime_code="image/png", filename="Plan.png")
    second = Attachment(id="2", content=PNG, mime_code="image/png", filename="plan.PNG")
    with pytest.raises(ValidationError) as caught:
        to_ubl(invoice, company, customer, attachments=[first, second])
    assert [(e.path, e.rule) for e in caught.value.errors] == [
        ("attachments.1.filename", "DE-R-022")
    ]
    with pytest.raises(ValidationError) as caught:
        to_ubl(invoice, company, customer, attachments=[first, "plan.png"])  # type: ignore[list-item]
    assert caught.value.field == "attachments.1"


def test_attachments_on_an_invoice_and_a_credit_note_pass_every_layer(
    billing: Billing, validator: OfficialRules
) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id,
        new_draft(
            {"customerId": customer.id, "lines": [LINE], "references": {"project": "Havnebad"}}
        ),
    )
    invoice = billing.book(company.id, draft.id)
    credit = billing.book(company.id, billing.credit(company.id, invoice.id).id)
    attachments = [
        Attachment.document_pdf("1", b"%PDF-1.4 not really"),
        Attachment(id="T-1", description="Timesheet", uri="https://example.com/t/1"),
        Attachment(id="P-1", content=PNG, mime_code="image/png", filename="photo.png"),
        Attachment(id="R-1"),
    ]
    for document in (invoice, credit):
        xml = to_ubl(document, company, customer, attachments=attachments)
        validator.check(xml)
        root = ET.fromstring(xml)
        references = root.findall("cac:AdditionalDocumentReference", NS)
        ids = [r.findtext("cbc:ID", namespaces=NS) for r in references]
        assert ids[-4:] == ["1", "T-1", "P-1", "R-1"]
        files = embedded(xml)
        assert [base64.b64decode(f.text or "") for f in files] == [b"%PDF-1.4 not really", PNG]
        assert [(f.get("mimeCode"), f.get("filename")) for f in files] == [
            ("application/pdf", "1.pdf"),
            ("image/png", "photo.png"),
        ]
        uris = root.findall(
            "cac:AdditionalDocumentReference/cac:Attachment/cac:ExternalReference/cbc:URI", NS
        )
        assert [u.text for u in uris] == ["https://example.com/t/1"]


# -- the document's own PDF --------------------------------------------------------------


def test_the_e_invoice_embeds_the_archived_pdf(billing: Billing, validator: OfficialRules) -> None:
    company_id, invoice_id = booked(billing, attach_pdf=True)
    ubl = billing.render_ubl(company_id, invoice_id)
    validator.check(ubl)
    [file] = embedded(ubl)
    pdf = billing.render_pdf(company_id, invoice_id)
    assert base64.b64decode(file.text or "", validate=True) == pdf
    assert (file.get("mimeCode"), file.get("filename")) == ("application/pdf", "1.pdf")
    archived = {d.kind: d for d in billing.archived_documents(company_id, invoice_id)}
    assert billing.archived_document(company_id, archived[ArchiveKind.PDF].sha256) == pdf
    assert billing.archived_document(company_id, archived[ArchiveKind.UBL_PDF].sha256) == ubl
    assert billing.render_ubl(company_id, invoice_id) == ubl


def test_a_customer_without_the_setting_gets_no_attachment(billing: Billing) -> None:
    company_id, invoice_id = booked(billing, attach_pdf=False)
    ubl = billing.render_ubl(company_id, invoice_id)
    assert ET.fromstring(ubl).findall("cac:AdditionalDocumentReference", NS) == []
    kinds = {d.kind for d in billing.archived_documents(company_id, invoice_id)}
    assert kinds == {ArchiveKind.UBL}  # no PDF was even rendered for it


def test_the_caller_decides_either_way_and_each_variant_is_kept(billing: Billing) -> None:
    company_id, invoice_id = booked(billing, attach_pdf=False)
    with_pdf = billing.render_ubl(company_id, invoice_id, attach_pdf=True)
    without = billing.render_ubl(company_id, invoice_id)
    assert len(embedded(with_pdf)) == 1
    assert embedded(without) == []
    assert billing.render_ubl(company_id, invoice_id, attach_pdf=True) == with_pdf
    assert billing.render_ubl(company_id, invoice_id, attach_pdf=False) == without
    other_id, other = booked(billing, attach_pdf=True)
    assert embedded(billing.render_ubl(other_id, other, attach_pdf=False)) == []


def test_the_setting_is_taken_when_the_document_is_booked(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    billing.update_customer(company.id, customer.id, CustomerChanges(attach_pdf=True))
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    invoice = billing.book(company.id, draft.id)
    billing.update_customer(company.id, customer.id, CustomerChanges(attach_pdf=False))
    assert len(embedded(billing.render_ubl(company.id, invoice.id))) == 1


def test_a_send_carries_the_pdf_and_a_resend_the_same_bytes(
    billing: Billing, sproom: RecordingChannel, validator: OfficialRules
) -> None:
    company, customer = seller_and_buyer(billing)
    billing.update_customer(company.id, customer.id, CustomerChanges(attach_pdf=True))
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    first = billing.send(company.id, draft.id, "sproom")
    sent = sproom.deliveries[-1].document
    validator.check(sent)
    pdf = billing.render_pdf(company.id, draft.id)
    assert base64.b64decode(embedded(sent)[0].text or "") == pdf
    again = billing.send(company.id, draft.id, "sproom")
    assert sproom.deliveries[-1].document == sent
    assert billing.render_ubl(company.id, draft.id) == sent
    for result in (first, again):
        [document] = result.attempt.documents
        assert document.kind is ArchiveKind.UBL_PDF
        assert billing.archived_document(company.id, document.sha256) == sent


def test_a_send_can_ask_for_the_pdf_and_its_attempt_keeps_the_choice(
    billing: Billing, sproom: RecordingChannel
) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    result = billing.send(company.id, draft.id, "sproom", attach_pdf=True)
    assert result.attempt.attach_pdf is True
    sent = sproom.deliveries[-1].document
    assert base64.b64decode(embedded(sent)[0].text or "") == billing.render_pdf(
        company.id, draft.id
    )
    billing.send(company.id, draft.id, "sproom")  # as booked: without
    assert embedded(sproom.deliveries[-1].document) == []


def test_a_bad_attach_pdf_is_named(billing: Billing) -> None:
    company_id, invoice_id = booked(billing, attach_pdf=False)
    customer_id = billing.get_invoice(company_id, invoice_id).customer_id
    for call in (
        lambda: billing.render_ubl(company_id, invoice_id, attach_pdf="yes"),  # type: ignore[arg-type]
        lambda: billing.send(company_id, invoice_id, "sproom", attach_pdf=1),  # type: ignore[arg-type]
        lambda: billing.update_customer(company_id, customer_id, CustomerChanges(attach_pdf=None)),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == "attach_pdf"


# -- stores and the wire -------------------------------------------------------------------


def test_values_stored_before_the_setting_decode_without_it() -> None:
    customer = Customer(id="k", company_id="c", name="Fjord A/S", attach_pdf=True)
    data = codec.dump(customer)
    assert data["attach_pdf"] is True
    del data["attach_pdf"]
    assert codec.load(data, Customer).attach_pdf is False
    attempt = DeliveryAttempt(
        id="a",
        company_id="c",
        invoice_id="i",
        sequence=1,
        delivery_type=DeliveryType.SPROOM,
        recipient=Recipient(RecipientKind.PEPPOL, "13585628", "Fjord A/S", "0184"),
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        attach_pdf=True,
    )
    attempt_data = codec.dump(attempt)
    del attempt_data["attach_pdf"]
    assert codec.load(attempt_data, DeliveryAttempt).attach_pdf is None


def test_the_http_api_takes_and_answers_attach_pdf() -> None:
    world = make_world()
    api = world.client(world.a.key)
    path = f"/v1/customers/{world.a.customer_id}"
    assert expect(api.get(path), 200)["attachPdf"] is False
    assert expect(api.patch(path, json={"attachPdf": True}), 200)["attachPdf"] is True
    assert expect(api.get(path), 200)["attachPdf"] is True
    for bad in ("yes", None):
        answer = expect(api.patch(path, json={"attachPdf": bad}), 400)
        properties = {e["property"] for e in answer["details"]["validationErrors"]}
        assert properties == {"attachPdf"}
    created = expect(api.post("/v1/customers", json={"name": "Region H", "attachPdf": True}), 201)
    assert created["attachPdf"] is True


def test_the_http_send_body_takes_attach_pdf(validator: OfficialRules) -> None:
    world = make_world()
    api = world.client(world.a.key)
    tenant = world.a
    for bad in ("yes", 1):
        answer = expect(
            api.post(
                f"/v1/invoices/{tenant.draft_id}/send",
                json={"deliveryType": "sproom", "attachPdf": bad},
            ),
            400,
        )
        properties = {e["property"] for e in answer["details"]["validationErrors"]}
        assert properties == {"attachPdf"}
    assert expect(api.get(f"/v1/invoices/{tenant.draft_id}"), 200)["status"] == "draft"
    sent = expect(
        api.post(
            f"/v1/invoices/{tenant.draft_id}/send",
            json={"deliveryType": "sproom", "attachPdf": True},
        ),
        200,
    )
    assert sent["success"] is True
    document = world.access_point.deliveries[-1].document
    validator.check(document)
    pdf = expect(api.get(f"/v1/invoices/{tenant.draft_id}/pdf"), 200)
    assert base64.b64decode(embedded(document)[0].text or "", validate=True) == pdf
    expect(
        api.post(
            f"/v1/invoices/{tenant.draft_id}/send",
            json={"deliveryType": "sproom", "attachPdf": None},
        ),
        200,
    )
    assert embedded(world.access_point.deliveries[-1].document) == []  # as booked: without
