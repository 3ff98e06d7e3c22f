"""Issued means final: a booked document keeps what it was issued with, and what left
faktura is archived and served again byte for byte.

The defect these tests reproduce: invoice 9 was sent to "Gammel Kunde ApS, Gammelvej 1";
the customer was then renamed; the PDF of number 9 printed the new name.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import reportlab
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from faktura.billing import Billing
from faktura.commands import CompanyChanges, CompanyProfile, CustomerChanges, NewCustomer
from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.documents import pdf as pdf_module
from faktura.documents.layout import CLASSIC, MODERN, register_ttf
from faktura.documents.qr import epc_qr_png
from faktura.documents.source import DocumentSource
from faktura.http import create_app
from faktura.issued import ArchiveKind
from faktura.parties import Address, BankAccount
from faktura.storage.memory import MemoryStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import SELLER
from faktura.wire import new_draft
from test_http_fixtures import ALL_SCOPES, Client, FixedClock, expect

OLD_NAME, OLD_STREET = "Gammel Kunde ApS", "Gammelvej 1"
NEW_NAME, NEW_STREET = "Helt Ny Kunde A/S", "Nyvej 99"
LINE = {"description": "Konsulenttimer", "quantity": "2", "unitPrice": "500.00"}
# any real PNG will do as a logo
PNG = epc_qr_png("BCD\n002\n1\nSCT\n\nLogo\nDE89370400440532013000\nEUR1.00", 2)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


class EmailLike:
    """An email channel in memory: it takes the PDF and the UBL and answers the bytes of
    the message it "sent", as the SMTP channel does."""

    delivery_type = DeliveryType.EMAIL
    recipient_kind = RecipientKind.EMAIL

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes, bytes]] = []

    def prepare(self, recipient: Recipient) -> None:
        pass

    def deliver(self, message: OutgoingDocument) -> Receipt:
        pdf, ubl = message.pdf(), message.ubl()
        reference = f"m-{len(self.sent) + 1}"
        raw = f"Message-ID: <{reference}@test>\r\n\r\n".encode() + pdf + ubl
        self.sent.append((pdf, ubl, raw))
        return Receipt(provider_reference=reference, message=raw)


@pytest.fixture
def templates() -> Iterator[None]:
    """Leave the process's template registry as it was."""
    saved = dict(pdf_module._TEMPLATES)
    try:
        yield
    finally:
        pdf_module._TEMPLATES.clear()
        pdf_module._TEMPLATES.update(saved)


def world(logo: bytes | None = None) -> tuple[Billing, EmailLike, str, str, str]:
    channel = EmailLike()
    billing = Billing(
        MemoryStore(),
        ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        channels={"email": channel},  # type: ignore[dict-item]
    )
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            vat_id="DK13585628",
            address=Address("Havnegade 1", "København K", "1058"),
            bank=BankAccount("1234", "1234567890"),
            logo=logo,
        ),
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name=OLD_NAME,
            number="K-9",
            ean="5790000435951",
            email="bogholderi@gammel.dk",
            address=Address(OLD_STREET, "Aarhus C", "8000"),
        ),
    )
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [LINE]})
    )
    return billing, channel, company.id, customer.id, draft.id


# -- the defect, reproduced --------------------------------------------------------------


def test_a_customer_renamed_after_sending_leaves_the_issued_documents_alone() -> None:
    billing, channel, company_id, customer_id, invoice_id = world()
    result = billing.send(company_id, invoice_id, "email")
    assert result.success
    sent_pdf, sent_ubl, _ = channel.sent[0]
    billing.update_customer(
        company_id,
        customer_id,
        CustomerChanges(name=NEW_NAME, address=Address(NEW_STREET, "Odense C", "5000")),
    )
    billing.update_company(company_id, CompanyChanges(name="Nyt Navn ApS"))

    pdf = billing.render_pdf(company_id, invoice_id)
    assert pdf == sent_pdf
    assert OLD_NAME in text_of(pdf)
    assert OLD_STREET in text_of(pdf)
    assert NEW_NAME not in text_of(pdf)
    assert billing.render_ubl(company_id, invoice_id) == sent_ubl
    # made again from the snapshot, not from the archive: still the old parties
    invoice = billing.get_invoice(company_id, invoice_id)
    assert invoice.issued is not None
    assert invoice.issued.buyer.name == OLD_NAME
    assert DocumentSource.issued(invoice, invoice.issued, None).ubl() == sent_ubl
    assert OLD_NAME.encode() in sent_ubl


def test_each_attempt_names_the_digests_of_what_it_carried() -> None:
    billing, channel, company_id, _, invoice_id = world(logo=PNG)
    first = billing.send(company_id, invoice_id, "email")
    again = billing.send(company_id, invoice_id, "email")
    (pdf, ubl, raw), (pdf2, ubl2, raw2) = channel.sent
    assert (pdf, ubl) == (pdf2, ubl2)  # a second send carries the archived files
    sha = {
        kind: hashlib.sha256(content).hexdigest()
        for kind, content in ((ArchiveKind.PDF, pdf), (ArchiveKind.UBL, ubl))
    }
    for result, message in ((first, raw), (again, raw2)):
        carried = {d.kind: d.sha256 for d in result.attempt.documents}
        assert carried == {**sha, ArchiveKind.EMAIL: hashlib.sha256(message).hexdigest()}
        for digest in carried.values():
            assert (
                hashlib.sha256(billing.archived_document(company_id, digest)).hexdigest() == digest
            )
    stored = billing.delivery_status(company_id, invoice_id).attempts
    assert [a.documents for a in stored] == [first.attempt.documents, again.attempt.documents]
    kinds = sorted(d.kind.value for d in billing.archived_documents(company_id, invoice_id))
    assert kinds == ["email", "email", "logo", "pdf", "ubl"]
    invoice = billing.get_invoice(company_id, invoice_id)
    assert invoice.issued is not None
    assert invoice.issued.logo_sha256 == hashlib.sha256(PNG).hexdigest()
    assert invoice.issued.seller.logo is None  # the bytes live in the archive


def test_the_pdf_before_any_send_is_archived_and_sent_as_it_was(templates: None) -> None:
    billing, channel, company_id, _, invoice_id = world()
    billing.book(company_id, invoice_id)
    shown = billing.render_pdf(company_id, invoice_id)
    pdf_module.register_template(MODERN.with_font(MODERN.font, "default"))  # another look
    assert billing.render_pdf(company_id, invoice_id) == shown
    billing.send(company_id, invoice_id, "email")
    assert channel.sent[0][0] == shown
    archived = [d for d in billing.archived_documents(company_id, invoice_id) if d.kind == "pdf"]
    assert [d.sha256 for d in archived] == [hashlib.sha256(shown).hexdigest()]


# -- one template rule -------------------------------------------------------------------


def test_a_draft_renders_with_the_template_a_send_would_use(templates: None) -> None:
    billing, _, company_id, customer_id, invoice_id = world()
    draft = billing.get_invoice(company_id, invoice_id)
    company, customer = (
        billing.get_company(company_id),
        billing.get_customer(company_id, customer_id),
    )

    def with_template(template_id: str) -> bytes:
        return DocumentSource.live(draft, company, customer, template_id).pdf()

    assert billing.render_pdf(company_id, invoice_id) == with_template("default")
    billing.update_company(company_id, CompanyChanges(document_template="modern"))
    assert billing.render_pdf(company_id, invoice_id) == with_template("modern")
    billing.update_customer(company_id, customer_id, CustomerChanges(document_template="default"))
    assert billing.render_pdf(company_id, invoice_id) == with_template("default")
    assert with_template("modern") != with_template("default")


def test_a_booked_document_keeps_the_template_it_was_issued_with(templates: None) -> None:
    billing, channel, company_id, customer_id, invoice_id = world()
    billing.update_company(company_id, CompanyChanges(document_template="modern"))
    result = billing.send(company_id, invoice_id, "email", document_template_id="default")
    invoice = billing.get_invoice(company_id, invoice_id)
    assert invoice.issued is not None
    assert invoice.issued.template_id == "default"
    assert result.attempt.template_id == "default"
    billing.update_customer(company_id, customer_id, CustomerChanges(document_template="modern"))
    assert billing.render_pdf(company_id, invoice_id) == channel.sent[0][0]
    other = billing.create_draft(
        company_id, new_draft({"customerId": customer_id, "lines": [LINE]})
    )
    booked = billing.book(company_id, other.id)
    assert booked.issued is not None
    assert booked.issued.template_id == "modern"


# -- the property ------------------------------------------------------------------------

_FONTS = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
_names = (
    st.text(st.characters(codec="cp1252", categories=("L", "N", "Zs")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
_templates = st.sampled_from(["default", "modern"])
_changes = st.lists(
    st.one_of(
        st.tuples(st.just("customer"), st.just("name"), _names),
        st.tuples(
            st.just("customer"),
            st.just("address"),
            _names.map(lambda s: Address(s, "Odense C", "5000")),
        ),
        st.tuples(
            st.just("customer"), st.just("language"), st.sampled_from(["en", "de", "sv", None])
        ),
        st.tuples(st.just("customer"), st.just("document_template"), _templates),
        st.tuples(st.just("company"), st.just("name"), _names),
        st.tuples(
            st.just("company"),
            st.just("address"),
            _names.map(lambda s: Address(s, "Vejle", "7100")),
        ),
        st.tuples(
            st.just("company"), st.just("bank"), st.sampled_from([None, BankAccount("9999", "42")])
        ),
        st.tuples(st.just("company"), st.just("locale"), st.sampled_from(["en", "de", "da"])),
        st.tuples(st.just("company"), st.just("document_template"), _templates),
        st.tuples(st.just("company"), st.just("logo"), st.sampled_from([None, PNG])),
        st.tuples(st.just("template"), _templates, st.sampled_from(["classic", "modern", "vera"])),
    ),
    max_size=6,
)


def _apply(
    billing: Billing, company_id: str, customer_id: str, change: tuple[str, Any, Any]
) -> None:
    what, name, value = change
    if what == "customer":
        billing.update_customer(company_id, customer_id, CustomerChanges(**{name: value}))
    elif what == "company":
        billing.update_company(company_id, {name: value})
    else:  # another layout (or font) registered under a template id in use
        if value == "vera":
            font = register_ttf(
                "Vera", os.path.join(_FONTS, "Vera.ttf"), os.path.join(_FONTS, "VeraBd.ttf")
            )
            layout = CLASSIC.with_font(font, name)
        else:
            layout = (CLASSIC if value == "classic" else MODERN).with_font(CLASSIC.font, name)
        pdf_module.register_template(layout)


@settings(max_examples=25)
@given(changes=_changes)
def test_changes_after_booking_leave_the_issued_documents_byte_identical(
    changes: list[tuple[str, Any, Any]],
) -> None:
    saved = dict(pdf_module._TEMPLATES)
    try:
        billing, channel, company_id, customer_id, invoice_id = world()
        billing.send(company_id, invoice_id, "email")
        sent_pdf, sent_ubl, _ = channel.sent[0]
        issued = billing.get_invoice(company_id, invoice_id).issued
        for change in changes:
            _apply(billing, company_id, customer_id, change)
        invoice = billing.get_invoice(company_id, invoice_id)
        assert invoice.issued == issued
        assert billing.render_pdf(company_id, invoice_id) == sent_pdf
        assert billing.render_ubl(company_id, invoice_id) == sent_ubl
        assert DocumentSource.issued(invoice, issued, None).ubl() == sent_ubl  # type: ignore[arg-type]
    finally:
        pdf_module._TEMPLATES.clear()
        pdf_module._TEMPLATES.update(saved)


# -- over HTTP ---------------------------------------------------------------------------


def test_http_renamed_customer() -> None:
    """Over HTTP: the PDF of a sent invoice keeps the customer it was sent to."""
    channel = EmailLike()
    billing = Billing(MemoryStore(), FixedClock(), channels={"email": channel})  # type: ignore[dict-item]
    company = billing.create_company(CompanyProfile(**SELLER))
    key = billing.create_api_key(company.id, "all", ALL_SCOPES)[1]
    api = Client(create_app(billing), key)
    customer = expect(
        api.post(
            "/v1/customers",
            json={
                "name": OLD_NAME,
                "number": "K-9",
                "ean": "5790000435951",
                "email": "bogholderi@gammel.dk",
                "address": {
                    "street": OLD_STREET,
                    "city": "Aarhus C",
                    "postalCode": "8000",
                    "country": "DK",
                },
            },
        ),
        201,
    )
    invoice = expect(
        api.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
    )
    sent = expect(
        api.post(f"/v1/invoices/{invoice['id']}/send", json={"deliveryType": "email"}), 200
    )
    assert sent["success"] is True
    before = expect(api.get(f"/v1/invoices/{invoice['id']}/pdf"), 200)
    expect(
        api.patch(
            f"/v1/customers/{customer['id']}",
            json={
                "name": NEW_NAME,
                "address": {
                    "street": NEW_STREET,
                    "city": "Odense C",
                    "postalCode": "5000",
                    "country": "DK",
                },
            },
        ),
        200,
    )
    after = expect(api.get(f"/v1/invoices/{invoice['id']}/pdf"), 200)
    assert after == before == channel.sent[0][0]
    text = text_of(after)
    assert OLD_NAME in text
    assert OLD_STREET in text
    assert NEW_NAME not in text
    assert NEW_STREET not in text
