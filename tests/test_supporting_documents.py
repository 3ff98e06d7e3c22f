"""Supporting documents kept with a document (BG-24): ``Billing.add_attachment``,
``remove_attachment`` and ``attachments`` on the memory, SQLite and PostgreSQL stores
and over HTTP; every e-invoice of the document carries them after its own PDF and passes
the official rules; booked, they are final and the e-invoice reads back byte for byte;
refusals (bad input, a booked document, the limits) store nothing; documents stored
before keep none."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from einvoice_rules import OfficialRules
from faktura import ValidationError
from faktura.attachments import (
    MAX_ATTACHMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    Attachment,
    AttachmentTooLarge,
    SupportingDocument,
)
from faktura.billing import Billing
from faktura.delivery.channel import DeliveryChannel, DeliveryType
from faktura.errors import InvoiceStateError, NotFoundError
from faktura.issued import ArchiveKind, sha256
from faktura.ports import Store
from faktura.storage import codec, open_store
from faktura.storage.memory import MemoryStore
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
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
CSV = b"date;hours\n2026-11-02;7.5\n2026-11-03;6\n"
TIMESHEET = Attachment(
    id="TS-2026-11",
    description="Timesheet November",
    content=CSV,
    mime_code="text/csv",
    filename="timesheet.csv",
)
PHOTO = Attachment(id="photo-1", content=PNG, mime_code="image/png", filename="site.png")
CONTRACT = Attachment(id="contract", description="Framework", uri="https://example.com/c/7")


@pytest.fixture
def sproom() -> RecordingChannel:
    return RecordingChannel(DeliveryType.SPROOM)


pytest_plugins = ["pg_fixture"]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def billing(
    request: pytest.FixtureRequest, tmp_path: Path, sproom: RecordingChannel
) -> Iterator[Billing]:
    channels: dict[str, DeliveryChannel] = {"sproom": sproom}
    store: Store
    if request.param == "memory":
        store = MemoryStore()
    elif request.param == "sqlite":
        store = SqliteStore(tmp_path / "faktura.sqlite", create=True)
    else:
        store = open_store(request.getfixturevalue("pg_url"), create=True)
    yield Billing(store, ManualClock(), channels=channels)
    store.close()


@pytest.fixture
def draft(billing: Billing) -> tuple[str, str]:
    company, customer = seller_and_buyer(billing)
    created = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    return company.id, created.id


def references(document: bytes) -> list[tuple[str | None, str | None, bytes | None]]:
    """(ID, file name, embedded bytes) of each AdditionalDocumentReference, in order."""
    found = []
    for ref in ET.fromstring(document).findall("cac:AdditionalDocumentReference", NS):
        binary = ref.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
        found.append(
            (
                ref.findtext("cbc:ID", namespaces=NS),
                None if binary is None else binary.get("filename"),
                None if binary is None else base64.b64decode(binary.text or "", validate=True),
            )
        )
    return found


def test_kept_with_the_draft_listed_and_archived(billing: Billing, draft: tuple[str, str]) -> None:
    company_id, invoice_id = draft
    before = billing.get_invoice(company_id, invoice_id).version
    kept = billing.add_attachment(company_id, invoice_id, TIMESHEET, actor="ops")
    assert kept == SupportingDocument(
        id="TS-2026-11",
        description="Timesheet November",
        mime_code="text/csv",
        filename="timesheet.csv",
        sha256=sha256(CSV),
        size=len(CSV),
    )
    billing.add_attachment(company_id, invoice_id, CONTRACT)
    listed = billing.attachments(company_id, invoice_id)
    assert [item.id for item in listed] == ["TS-2026-11", "contract"]
    assert listed[1].sha256 is None
    assert listed[1].uri == "https://example.com/c/7"
    assert billing.archived_document(company_id, sha256(CSV)) == CSV
    archived = billing.archived_documents(company_id, invoice_id)
    assert [(d.kind, d.media_type) for d in archived] == [(ArchiveKind.ATTACHMENT, "text/csv")]
    invoice = billing.get_invoice(company_id, invoice_id)
    assert invoice.version == before + 2
    events = billing.events(company_id, invoice_id)
    assert [e.data for e in events if e.type == "attachments_changed"] == [
        {"attachments": "TS-2026-11"},
        {"attachments": "TS-2026-11,contract"},
    ]
    assert billing.remove_attachment(company_id, invoice_id, "TS-2026-11") == (listed[1],)
    assert billing.attachments(company_id, invoice_id) == (listed[1],)


def test_every_e_invoice_carries_them_after_the_own_pdf(
    billing: Billing, draft: tuple[str, str], sproom: RecordingChannel, validator: OfficialRules
) -> None:
    company_id, invoice_id = draft
    for attachment in (TIMESHEET, PHOTO, CONTRACT):
        billing.add_attachment(company_id, invoice_id, attachment)
    billing.send(company_id, invoice_id, "sproom", attach_pdf=True)
    sent = sproom.deliveries[-1].document
    validator.check(sent)
    pdf = billing.render_pdf(company_id, invoice_id)
    assert references(sent) == [
        ("1", "1.pdf", pdf),
        ("TS-2026-11", "timesheet.csv", CSV),
        ("photo-1", "site.png", PNG),
        ("contract", None, None),
    ]
    assert billing.render_ubl(company_id, invoice_id, attach_pdf=True) == sent  # archived
    plain = billing.render_ubl(company_id, invoice_id, attach_pdf=False)
    validator.check(plain)
    assert [r[0] for r in references(plain)] == ["TS-2026-11", "photo-1", "contract"]


def test_final_once_booked(billing: Billing, draft: tuple[str, str]) -> None:
    company_id, invoice_id = draft
    billing.add_attachment(company_id, invoice_id, TIMESHEET)
    billing.book(company_id, invoice_id)
    ubl = billing.render_ubl(company_id, invoice_id)
    version = billing.get_invoice(company_id, invoice_id).version
    for change in (
        lambda: billing.add_attachment(company_id, invoice_id, PHOTO),
        lambda: billing.remove_attachment(company_id, invoice_id, "TS-2026-11"),
    ):
        with pytest.raises(InvoiceStateError):
            change()
    assert billing.get_invoice(company_id, invoice_id).version == version
    assert [d.sha256 for d in billing.archived_documents(company_id, invoice_id)].count(
        sha256(PNG)
    ) == 0
    assert billing.render_ubl(company_id, invoice_id) == ubl
    assert [r[2] for r in references(ubl)] == [CSV]


def test_refusals_are_named_and_store_nothing(billing: Billing, draft: tuple[str, str]) -> None:
    company_id, invoice_id = draft
    billing.add_attachment(company_id, invoice_id, TIMESHEET)
    version = billing.get_invoice(company_id, invoice_id).version
    same_name = Attachment(id="other", content=PNG, mime_code="image/png", filename="TimeSheet.CSV")
    same_id = Attachment(id="TS-2026-11", content=PNG, mime_code="image/png", filename="a.png")
    cases = [
        (same_name, "filename", "DE-R-022"),
        (same_id, "id", "unique"),
        ("timesheet.csv", "attachment", "type"),
    ]
    for attachment, field, rule in cases:
        with pytest.raises(ValidationError) as caught:
            billing.add_attachment(company_id, invoice_id, attachment)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.errors[0].rule) == (field, rule)
    with pytest.raises(NotFoundError):
        billing.remove_attachment(company_id, invoice_id, "nothing-like-it")
    with pytest.raises(NotFoundError):
        billing.add_attachment(company_id, "no-such-draft", PHOTO)
    assert billing.get_invoice(company_id, invoice_id).version == version
    assert billing.attachments(company_id, invoice_id)[0].id == "TS-2026-11"
    digests = {d.sha256 for d in billing.archived_documents(company_id, invoice_id)}
    assert digests == {sha256(CSV)}
    with pytest.raises(NotFoundError):  # the refused file's bytes were not kept
        billing.archived_document(company_id, sha256(PNG))


def test_the_limits(billing: Billing, draft: tuple[str, str]) -> None:
    company_id, invoice_id = draft
    big = b"\x89PNG" + bytes(MAX_FILE_BYTES - 4)
    too_big = big + b"\x00"
    with pytest.raises(AttachmentTooLarge) as caught:
        billing.add_attachment(
            company_id,
            invoice_id,
            Attachment(id="big", content=too_big, mime_code="image/png", filename="big.png"),
        )
    assert (caught.value.field, caught.value.errors[0].rule) == ("content", "max_bytes")
    fit = MAX_DOCUMENT_BYTES // MAX_FILE_BYTES
    for index in range(fit):
        content = big[:-1] + bytes([index])
        billing.add_attachment(
            company_id,
            invoice_id,
            Attachment(
                id=f"b{index}", content=content, mime_code="image/png", filename=f"{index}.png"
            ),
        )
    with pytest.raises(AttachmentTooLarge) as caught:
        billing.add_attachment(
            company_id,
            invoice_id,
            Attachment(id="one-more", content=b"x", mime_code="text/csv", filename="x.csv"),
        )
    assert caught.value.field == "content"
    for index in range(fit, MAX_ATTACHMENTS):
        billing.add_attachment(company_id, invoice_id, Attachment(id=f"ref{index}"))
    with pytest.raises(AttachmentTooLarge) as caught:
        billing.add_attachment(company_id, invoice_id, Attachment(id="eleventh"))
    assert caught.value.field == "attachments"
    assert len(billing.attachments(company_id, invoice_id)) == MAX_ATTACHMENTS


def test_a_supporting_document_named_like_the_own_pdf(
    billing: Billing, draft: tuple[str, str], validator: OfficialRules
) -> None:
    company_id, invoice_id = draft
    named = Attachment(
        id="order", content=b"%PDF-1.4 order", mime_code="application/pdf", filename="1.pdf"
    )
    billing.add_attachment(company_id, invoice_id, named)
    billing.book(company_id, invoice_id)
    ubl = billing.render_ubl(company_id, invoice_id, attach_pdf=True)
    validator.check(ubl)
    assert [r[1] for r in references(ubl)] == ["1-document.pdf", "1.pdf"]


def test_documents_stored_before_have_none(billing: Billing, draft: tuple[str, str]) -> None:
    company_id, invoice_id = draft
    billing.add_attachment(company_id, invoice_id, TIMESHEET)
    data = codec.dump(billing.get_invoice(company_id, invoice_id))
    assert codec.load(data, type(billing.get_invoice(company_id, invoice_id))).attachments
    del data["attachments"]
    assert codec.load(data, type(billing.get_invoice(company_id, invoice_id))).attachments == ()


def test_over_http(validator: OfficialRules) -> None:
    world = make_world()
    api = world.client(world.a.key)
    path = f"/v1/invoices/{world.a.draft_id}/attachments"
    body = {
        "id": "TS-2026-11",
        "description": "Timesheet November",
        "mimeCode": "text/csv",
        "filename": "timesheet.csv",
        "content": base64.b64encode(CSV).decode(),
    }
    assert expect(api.get(path), 200) == {"items": []}
    for bad, properties in (
        ({**body, "mimeCode": "text/plain"}, {"mimeCode"}),
        ({**body, "content": "not base64!"}, {"content"}),
        ({"id": "", "filename": "a/b.csv"}, {"id", "filename"}),
        ({**body, "extra": 1}, {"extra"}),
    ):
        answer = expect(api.post(path, json=bad), 400)
        assert {e["property"] for e in answer["details"]["validationErrors"]} == properties
    big = base64.b64encode(b"\x89PNG" + bytes(MAX_FILE_BYTES - 3)).decode()
    answer = expect(
        api.post(path, json={**body, "mimeCode": "image/png", "filename": "b.png", "content": big}),
        413,
    )
    assert answer["details"]["validationErrors"][0]["property"] == "content"
    assert answer["details"]["maxBytes"] == MAX_FILE_BYTES
    huge = "A" * (2 * MAX_FILE_BYTES)
    assert expect(api.post(path, json={**body, "content": huge}), 413)["code"] == (
        "PAYLOAD_TOO_LARGE"
    )
    assert expect(api.get(path), 200) == {"items": []}  # nothing kept from the refusals
    created = expect(api.post(path, json=body), 201)
    assert created == {
        "id": "TS-2026-11",
        "description": "Timesheet November",
        "mimeCode": "text/csv",
        "filename": "timesheet.csv",
        "uri": None,
        "size": len(CSV),
        "sha256": sha256(CSV),
    }
    expect(api.post(path, json={"id": "drop-me", "uri": "https://example.com/x"}), 201)
    assert (
        expect(api.post(path, json=body), 400)["details"]["validationErrors"][0]["property"] == "id"
    )
    left = expect(api.delete(f"{path}/drop-me"), 200)
    assert left == {"items": [created]}
    assert expect(api.delete(f"{path}/drop-me"), 404)["code"] == "NOT_FOUND"
    assert expect(api.get(path), 200) == {"items": [created]}
    other = world.client(world.b.key)
    expect(other.get(path), 404)
    note_path = f"/v1/credit-notes/{world.a.draft_id}/attachments"
    expect(api.get(note_path), 404)  # an invoice is no credit note
    sent = expect(
        api.post(
            f"/v1/invoices/{world.a.draft_id}/send",
            json={"deliveryType": "sproom", "attachPdf": True},
        ),
        200,
    )
    assert sent["success"] is True
    document = world.access_point.deliveries[-1].document
    validator.check(document)
    assert [(r[0], r[1]) for r in references(document)] == [
        (sent["number"], f"{sent['number']}.pdf"),
        ("TS-2026-11", "timesheet.csv"),
    ]
    assert references(document)[1][2] == CSV
    assert expect(api.post(path, json={"id": "late"}), 409)["code"] == "INVALID_STATE"
    assert expect(api.delete(f"{path}/TS-2026-11"), 409)["code"] == "INVALID_STATE"
    assert expect(api.get(path), 200) == {"items": [created]}
