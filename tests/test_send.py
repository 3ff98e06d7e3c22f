"""Billing.send (DESIGN §9): booking with a pending attempt, delivery, the log, retries,
idempotency, crashes, and refusals that book nothing and use no number."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einvoice_rules import OfficialRules
from faktura import (
    ConflictError,
    DeliveryRejected,
    InvoiceStateError,
    NotFoundError,
    Status,
    ValidationError,
)
from faktura.billing import Billing
from faktura.commands import CompanyChanges, CompanyProfile, NewCustomer
from faktura.delivery.channel import DeliveryChannel, DeliveryType
from faktura.delivery.einvoice import EInvoiceChannel
from faktura.delivery.email import EmailChannel
from faktura.delivery.log import AttemptState, DeliveryState
from faktura.delivery.manual import ManualChannel
from faktura.delivery.sproom import SproomAccessPoint
from faktura.delivery.wire import delivery_status_to_wire, parse_send_request, send_result_to_wire
from faktura.errors import WireFormatError
from faktura.invoice import Invoice
from faktura.parties import Address, Contact, Department
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft
from test_delivery_email import SmtpServer, smtp_server  # noqa: F401

SELLER = {
    "name": "Nordlys ApS",
    "cvr": "13585628",
    "vat_id": "DK13585628",
    "address": Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
}
PUBLIC_EAN = "5798000416604"
DEPARTMENT_EAN = "5790000435951"


@attrs.define
class World:
    billing: Billing
    store: Store
    clock: ManualClock
    company_id: str
    customer_id: str
    email: RecordingChannel
    einvoice: RecordingChannel

    def draft(self, **body: Any) -> Invoice:
        data = {
            "customerId": self.customer_id,
            "lines": [{"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}],
            **body,
        }
        return self.billing.create_draft(self.company_id, new_draft(data))

    def invoice(self, invoice_id: str) -> Invoice:
        return self.billing.get_invoice(self.company_id, invoice_id)

    def last_number(self) -> int | None:
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.numbers.last(self.company_id, "invoice", "")

    def attempts(self, invoice_id: str) -> int:
        return len(self.billing.delivery_status(self.company_id, invoice_id).attempts)


def world(store: Store, clock: ManualClock | None = None) -> World:
    clock = clock or ManualClock()
    email = RecordingChannel(DeliveryType.EMAIL, unreachable={"blocked@fjord.dk"})
    einvoice = RecordingChannel(DeliveryType.EINVOICE, unreachable={"0088:5790000000005"})
    channels: dict[str, DeliveryChannel] = {
        "email": email,
        "einvoice": einvoice,
        "manual": ManualChannel(),
    }
    billing = Billing(store, clock, channels=channels)
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S",
            address=BUYER_ADDRESS,
            number="K-100",
            email="ap@fjord.dk",
            cvr="25313763",
            ean=PUBLIC_EAN,
            departments=(Department(id="dep-1", name="Økonomi", ean=DEPARTMENT_EAN),),
            contacts=(Contact(id="con-1", name="Ida Berg", email="ida@fjord.dk"),),
        ),
    )
    return World(billing, store, clock, company.id, customer.id, email, einvoice)


pytest_plugins = ["pg_fixture"]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def w(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    store: Store
    if request.param == "memory":
        store = MemoryStore()
    elif request.param == "sqlite":
        store = SqliteStore(tmp_path / "f.db", create=True)
    else:
        store = open_store(request.getfixturevalue("pg_url"), create=True)
    yield world(store)
    store.close()


# -- the happy paths ---------------------------------------------------------------------


def test_sending_a_draft_books_it_and_records_the_attempt(w: World) -> None:
    draft = w.draft()
    result = w.billing.send(w.company_id, draft.id, "manual")
    assert result.success
    assert result.number == "1"
    assert result.delivery_type is DeliveryType.MANUAL
    assert result.access_point_document_id is None
    invoice = w.invoice(draft.id)
    assert (invoice.status, invoice.number) == (Status.SENT, "1")
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert status.state is DeliveryState.DELIVERED
    assert [a.state for a in status.attempts] == [AttemptState.DELIVERED]
    kinds = [e.type for e in w.billing.events(w.company_id, draft.id)]
    assert kinds[-2:] == ["booked", "delivered"]


def test_email_goes_to_the_contact_and_carries_the_booked_pdf(w: World) -> None:
    draft = w.draft(customerContactId="con-1")
    result = w.billing.send(w.company_id, draft.id, "email")
    delivered = w.email.deliveries[-1]
    assert delivered.message.recipient.address == "ida@fjord.dk"
    assert delivered.message.invoice.number == "1"
    assert delivered.document.startswith(b"%PDF")
    assert result.attempt.provider_reference == delivered.receipt.provider_reference


def test_einvoice_goes_to_the_department_ean(w: World) -> None:
    draft = w.draft(customerDepartmentId="dep-1")
    result = w.billing.send(w.company_id, draft.id, "einvoice")
    assert result.success
    assert result.access_point_document_id == w.einvoice.deliveries[-1].receipt.provider_reference
    assert result.attempt.recipient.display() == f"0088:{DEPARTMENT_EAN}"
    assert b"<cbc:ID>1</cbc:ID>" in w.einvoice.deliveries[-1].document


def test_a_booked_document_is_sent_again_under_its_number(w: World) -> None:
    draft = w.draft()
    w.billing.send(w.company_id, draft.id, "manual")
    again = w.billing.send(w.company_id, draft.id, "email", override_email="boss@fjord.dk")
    assert (again.number, again.attempt.sequence) == ("1", 2)
    assert w.last_number() == 1


def test_credit_notes_are_sent_under_their_own_series(w: World) -> None:
    draft = w.draft()
    w.billing.send(w.company_id, draft.id, "manual")
    note = w.billing.credit(w.company_id, draft.id)
    result = w.billing.send(w.company_id, note.id, "einvoice")
    assert result.success
    assert result.number is not None
    assert b"<CreditNote" in w.einvoice.deliveries[-1].document


# -- refusals book nothing -----------------------------------------------------------------


REFUSED = [
    ({"delivery_type": "fax"}, ValidationError, "delivery_type"),
    (
        {"delivery_type": "email", "override_email": "ap@fjord.dk\r\nBcc: x@evil.com"},
        ValidationError,
        "override_email",
    ),
    (
        {"delivery_type": "email", "override_email": "ap@fjord.dk\nSubject: hi"},
        ValidationError,
        "override_email",
    ),
    ({"delivery_type": "email", "override_email": "no-at-sign"}, ValidationError, "override_email"),
    (
        {"delivery_type": "email", "override_email": "a@b.c, d@e.fg"},
        ValidationError,
        "override_email",
    ),
    (
        {"delivery_type": "email", "override_ean": PUBLIC_EAN},
        ValidationError,
        "override_ean_number",
    ),
    (
        {"delivery_type": "einvoice", "override_ean": "5790000435952"},
        ValidationError,
        "override_ean_number",
    ),
    (
        {"delivery_type": "einvoice", "override_ean": "57900004359"},
        ValidationError,
        "override_ean_number",
    ),
    (
        {"delivery_type": "einvoice", "override_email": "a@fjord.dk"},
        ValidationError,
        "override_email",
    ),
    (
        {"delivery_type": "manual", "override_email": "a@fjord.dk"},
        ValidationError,
        "override_email",
    ),
    (
        {"delivery_type": "email", "update_customer_record": True},
        ValidationError,
        "update_customer_record",
    ),
    (
        {"delivery_type": "email", "document_template_id": "nope"},
        ValidationError,
        "document_template_id",
    ),
    ({"delivery_type": "email", "override_email": "blocked@fjord.dk"}, DeliveryRejected, None),
    ({"delivery_type": "einvoice", "override_ean": "5790000000005"}, DeliveryRejected, None),
]


@pytest.mark.parametrize(("args", "error", "field"), REFUSED)
def test_refused_sends_book_nothing(
    w: World, args: dict[str, Any], error: type[Exception], field: str | None
) -> None:
    draft = w.draft()
    args = dict(args)
    delivery_type = args.pop("delivery_type")
    with pytest.raises(error) as caught:
        w.billing.send(w.company_id, draft.id, delivery_type, **args)
    if field is not None:
        assert isinstance(caught.value, ValidationError)
        assert caught.value.field == field
    assert_nothing_booked(w, draft)


def assert_nothing_booked(w: World, draft: Invoice) -> None:
    after = w.invoice(draft.id)
    assert after.status is Status.DRAFT
    assert after.number is None
    assert after.version == draft.version
    assert w.last_number() is None
    assert w.attempts(draft.id) == 0
    assert not w.email.deliveries
    assert not w.einvoice.deliveries


def test_no_recipient_at_all_is_named(w: World) -> None:
    bare = w.billing.create_customer(
        w.company_id, NewCustomer(name="Walk-in", address=BUYER_ADDRESS)
    )
    draft = w.billing.create_draft(
        w.company_id,
        new_draft(
            {
                "customerId": bare.id,
                "lines": [{"description": "x", "quantity": "1", "unitPrice": "1"}],
            }
        ),
    )
    for delivery_type, field in (("email", "override_email"), ("einvoice", "override_ean_number")):
        with pytest.raises(ValidationError) as caught:
            w.billing.send(w.company_id, draft.id, delivery_type)
        assert caught.value.field == field
    assert_nothing_booked(w, draft)


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # CEN's BR-CO-17 rounds a rate below 0.5 % to 0 % and then expects no VAT
        (
            {
                "lines": [
                    {
                        "description": "Consulting",
                        "quantity": "2",
                        "unitPrice": "500.00",
                        "vatCategory": "S",
                        "vatRate": "0.25",
                    }
                ]
            },
            "ubl_vat_rate",
        ),
        # Peppol's DK-R-004: between Danish parties, charge code ZZZ names a tax category
        (
            {
                "allowanceCharges": [
                    {"type": "charge", "amount": "10.00", "reason": "x", "reasonCode": "ZZZ"}
                ]
            },
            "DK-R-004",
        ),
    ],
)
def test_a_document_the_einvoice_cannot_express_books_nothing(
    w: World, body: dict[str, Any], rule: str
) -> None:
    draft = w.draft(**body)
    with pytest.raises(ValidationError) as caught:
        w.billing.send(w.company_id, draft.id, "einvoice")
    assert rule in {error.rule for error in caught.value.errors}
    assert_nothing_booked(w, draft)
    # booked alone (not an e-invoice), the same draft takes its number
    assert w.billing.book(w.company_id, draft.id).number is not None


def test_cancelled_and_missing_documents(w: World) -> None:
    draft = w.draft()
    w.billing.cancel_draft(w.company_id, draft.id)
    with pytest.raises(InvoiceStateError):
        w.billing.send(w.company_id, draft.id, "manual")
    with pytest.raises(NotFoundError):
        w.billing.send(w.company_id, "nope", "manual")
    other = w.billing.create_company(CompanyProfile(name="Other ApS"))
    with pytest.raises(NotFoundError):
        w.billing.send(other.id, w.draft().id, "manual")
    assert w.last_number() is None


def test_an_unconfigured_channel_is_a_validation_error() -> None:
    billing = Billing(MemoryStore())
    company = billing.create_company(CompanyProfile(name="X"))
    with pytest.raises(ValidationError) as caught:
        billing.send(company.id, "any", "email")
    assert caught.value.errors[0].rule == "unavailable"


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    override=st.text(min_size=1, max_size=30).map(lambda t: t + "\r\n")
    | st.text(alphabet="0123456789 ", min_size=1, max_size=16)
)
def test_bad_overrides_never_use_a_number(override: str) -> None:
    w = world(MemoryStore())
    draft = w.draft()
    for delivery_type, kw in (("email", "override_email"), ("einvoice", "override_ean")):
        try:
            w.billing.send(w.company_id, draft.id, delivery_type, **{kw: override})
        except (ValidationError, DeliveryRejected):
            pass
        else:
            # a well-formed EAN that happens to pass its check digit is delivered
            assert delivery_type == "einvoice"
            return
    assert_nothing_booked(w, draft)


# -- failures, retries, provider status ------------------------------------------------------


def test_a_failed_delivery_keeps_the_booking_and_a_retry_uses_the_same_number(w: World) -> None:
    draft = w.draft()
    w.email.fail_next("unavailable", "421 try later")
    failed = w.billing.send(w.company_id, draft.id, "email")
    assert not failed.success
    assert failed.number == "1"
    assert (failed.attempt.error_code, failed.attempt.retryable) == ("delivery_unavailable", True)
    assert w.invoice(draft.id).status is Status.SENDING
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert (status.state, status.last_error) == (DeliveryState.FAILED, "421 try later")

    w.email.fail_next("rejected", "550 no such user")
    rejected = w.billing.send(w.company_id, draft.id, "email")
    assert (rejected.attempt.error_code, rejected.attempt.retryable) == ("delivery_rejected", False)

    retried = w.billing.send(w.company_id, draft.id, "email", override_email="ap2@fjord.dk")
    assert retried.success
    assert retried.number == "1"
    assert retried.attempt.sequence == 3
    assert w.invoice(draft.id).status is Status.SENT
    assert w.last_number() == 1
    wire = delivery_status_to_wire(w.billing.delivery_status(w.company_id, draft.id))
    assert wire["summary"] == {
        "state": "delivered",
        "deliveryType": "email",
        "recipient": "ap2@fjord.dk",
        "attempts": 3,
        "lastAttemptAt": "2026-11-25T09:00:00.000Z",
        "deliveredAt": "2026-11-25T09:00:00.000Z",
        "lastError": "550 no such user",
    }
    assert [a["state"] for a in wire["attempts"]] == ["failed", "failed", "delivered"]  # type: ignore[index]


def test_provider_status_updates_append_to_the_attempt(w: World) -> None:
    draft = w.draft()
    sent = w.billing.send(w.company_id, draft.id, "einvoice")
    reference = sent.access_point_document_id
    assert reference is not None
    w.clock.advance(minutes=1)
    w.billing.apply_provider_status(w.company_id, reference, "accepted")
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert status.state is DeliveryState.DELIVERED
    assert [e.status for e in status.attempts[0].events] == ["accepted"]
    w.billing.apply_provider_status(w.company_id, reference, "Rejected", message="unknown buyer")
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert status.state is DeliveryState.FAILED
    assert status.attempts[0].error_code == "provider_rejected"
    assert status.last_error == "unknown buyer"
    with pytest.raises(NotFoundError):
        w.billing.apply_provider_status(w.company_id, "unknown-doc", "accepted")
    other = w.billing.create_company(CompanyProfile(name="Other ApS"))
    with pytest.raises(NotFoundError):
        w.billing.apply_provider_status(other.id, reference, "accepted")


# -- the customer record -------------------------------------------------------------------


def test_update_customer_record_persists_only_accepted_overrides(w: World) -> None:
    draft = w.draft()
    w.email.fail_next("rejected")
    w.billing.send(
        w.company_id, draft.id, "email", override_email="new@fjord.dk", update_customer_record=True
    )
    assert w.billing.get_customer(w.company_id, w.customer_id).email == "ap@fjord.dk"
    w.billing.send(
        w.company_id, draft.id, "email", override_email="new@fjord.dk", update_customer_record=True
    )
    assert w.billing.get_customer(w.company_id, w.customer_id).email == "new@fjord.dk"


def test_an_ean_override_goes_onto_the_department_it_replaced(w: World) -> None:
    on_department = w.draft(customerDepartmentId="dep-1")
    new_ean = "5790001330583"
    w.billing.send(
        w.company_id,
        on_department.id,
        "einvoice",
        override_ean=new_ean,
        update_customer_record=True,
    )
    customer = w.billing.get_customer(w.company_id, w.customer_id)
    assert (customer.departments[0].ean, customer.ean) == (new_ean, PUBLIC_EAN)
    plain = w.draft()
    w.billing.send(
        w.company_id,
        plain.id,
        "einvoice",
        override_ean="5790000435968",
        update_customer_record=True,
    )
    assert w.billing.get_customer(w.company_id, w.customer_id).ean == "5790000435968"


# -- idempotency -----------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_stored_result(w: World) -> None:
    draft = w.draft()
    first = w.billing.send(w.company_id, draft.id, "email", idempotency_key="key-1")
    again = w.billing.send(w.company_id, draft.id, "email", idempotency_key="key-1")
    assert again == first
    assert len(w.email.deliveries) == 1
    assert w.attempts(draft.id) == 1
    with pytest.raises(ConflictError):
        w.billing.send(w.company_id, draft.id, "manual", idempotency_key="key-1")
    # keys are per company
    other = world(w.store)
    theirs = other.draft()
    assert other.billing.send(other.company_id, theirs.id, "manual", idempotency_key="key-1")


def test_a_failed_send_is_repeated_as_failed_under_its_key(w: World) -> None:
    draft = w.draft()
    w.email.fail_next("unavailable")
    first = w.billing.send(w.company_id, draft.id, "email", idempotency_key="k")
    assert w.billing.send(w.company_id, draft.id, "email", idempotency_key="k") == first
    assert w.billing.send(w.company_id, draft.id, "email", idempotency_key="k2").success


# -- crashes ---------------------------------------------------------------------------------

CRASHING_SEND = """
import os, sys
from faktura.billing import Billing
from faktura.delivery.manual import ManualChannel
from faktura.storage.sqlite import SqliteStore

class Crash(ManualChannel):
    def deliver(self, message):
        os._exit(9)  # the process dies after booking, before the outcome is recorded

store = SqliteStore(sys.argv[1])
billing = Billing(store, channels={"manual": Crash()})
billing.send(sys.argv[2], sys.argv[3], "manual", idempotency_key=sys.argv[4])
"""


def crash_send(path: Path, company_id: str, invoice_id: str, key: str) -> None:
    """Send in another process that dies once the booking and the pending attempt are
    committed, before the outcome is recorded."""
    code = subprocess.run(
        [sys.executable, "-c", CRASHING_SEND, str(path), company_id, invoice_id, key],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
        check=False,
    ).returncode
    assert code == 9


def test_a_crash_between_booking_and_delivery_is_resolved_without_a_new_number(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crash.db"
    clock = ManualClock(datetime.now(UTC))
    w = world(SqliteStore(path, create=True), clock)
    draft = w.draft()
    crash_send(path, w.company_id, draft.id, "crash-key")
    booked = w.invoice(draft.id)
    assert (booked.status, booked.number) == (Status.SENDING, "1")
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert status.state is DeliveryState.PENDING
    # a send right away finds the delivery in progress
    with pytest.raises(ConflictError):
        w.billing.send(w.company_id, draft.id, "manual")
    # the same key while it is pending: the stored (pending) attempt, no second delivery
    repeat = w.billing.send(w.company_id, draft.id, "manual", idempotency_key="crash-key")
    assert not repeat.success
    assert repeat.attempt.state is AttemptState.PENDING
    # later, the next send closes the interrupted attempt and delivers under the same number
    clock.advance(minutes=6)
    result = w.billing.send(w.company_id, draft.id, "manual")
    assert result.success
    assert result.number == "1"
    assert result.attempt.sequence == 2
    attempts = w.billing.delivery_status(w.company_id, draft.id).attempts
    # interrupted: the document may or may not have arrived (issue 13: unknown, not failed)
    assert [(a.state, a.error_code) for a in attempts] == [
        (AttemptState.UNKNOWN, "interrupted"),
        (AttemptState.DELIVERED, None),
    ]
    assert attempts[1].dedup_id == attempts[0].dedup_id  # the same copy, sent again
    assert w.last_number() == 1
    w.store.close()


def test_recover_delivers_what_crashes_left_pending(tmp_path: Path) -> None:
    path = tmp_path / "recover.db"
    clock = ManualClock(datetime.now(UTC))
    w = world(SqliteStore(path, create=True), clock)
    drafts = [w.draft(), w.draft()]
    for number, draft in enumerate(drafts):
        crash_send(path, w.company_id, draft.id, f"key-{number}")
    assert w.billing.recover_deliveries(w.company_id) == []  # too fresh: maybe in progress
    clock.advance(minutes=10)
    recovered = w.billing.recover_deliveries(w.company_id)
    assert sorted(r.number or "" for r in recovered) == ["1", "2"]
    assert all(r.success for r in recovered)
    assert w.billing.recover_deliveries(w.company_id) == []
    assert {w.invoice(d.id).status for d in drafts} == {Status.SENT}
    w.store.close()


# -- the wire form ---------------------------------------------------------------------------


def test_the_send_wire_form(w: World) -> None:
    request = parse_send_request(
        {
            "deliveryType": "sproom",
            "overrideEanNumber": DEPARTMENT_EAN,
            "updateCustomerRecord": False,
        }
    )
    assert (request.delivery_type, request.override_ean_number) == ("sproom", DEPARTMENT_EAN)
    with pytest.raises(WireFormatError) as caught:
        parse_send_request({"deliveryType": "email", "bcc": "x@y.z"})
    assert "bcc" in caught.value.fields
    with pytest.raises(WireFormatError) as caught:
        parse_send_request({"deliveryType": "email", "updateCustomerRecord": "yes"})
    assert caught.value.fields == ("updateCustomerRecord",)  # the wire form names it
    result = w.billing.send(w.company_id, w.draft().id, "sproom")
    wire = send_result_to_wire(result)
    assert {k: wire[k] for k in ("success", "deliveryType", "sproomDocumentId", "number")} == {
        "success": True,
        "deliveryType": "sproom",
        "sproomDocumentId": result.attempt.provider_reference,
        "number": "1",
    }


# -- end to end over the real peers ----------------------------------------------------------


def test_send_over_a_real_smtp_server_and_a_real_access_point(
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
    validator: OfficialRules,
) -> None:
    from faktura.documents.pdf import DocumentData, render_pdf

    store = SqliteStore(tmp_path / "e2e.db", create=True)
    participant = f"0088:{DEPARTMENT_EAN}"
    with (
        LocalAccessPoint(participants={participant}, validate=validator.messages) as ap,
        SproomAccessPoint(ap.url, ap.token, timeout=2.0, retries=2, backoff=0.01) as client,
    ):
        channels: dict[str, DeliveryChannel] = {
            "email": EmailChannel(smtp_server.settings()),
            "einvoice": EInvoiceChannel(client),
        }
        billing = Billing(store, ManualClock(), channels=channels)
        company = billing.create_company(CompanyProfile(**SELLER))
        customer = billing.create_customer(
            company.id,
            NewCustomer(
                name="Fjord A/S",
                address=BUYER_ADDRESS,
                number="K-100",
                email="ap@fjord.dk",
                language="en",
                departments=(Department(id="dep-1", name="Økonomi", ean=DEPARTMENT_EAN),),
            ),
        )
        body = {
            "customerId": customer.id,
            "customerDepartmentId": "dep-1",
            "lines": [{"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}],
        }

        # email: the message arrives with the booked document's exact PDF
        mailed = billing.send(
            company.id, billing.create_draft(company.id, new_draft(body)).id, "email"
        )
        assert mailed.success
        mail = smtp_server.recorder.message()
        assert mail["Message-ID"] == mailed.attempt.provider_reference
        assert mail["To"] == "Fjord A/S <ap@fjord.dk>"
        assert "Invoice 1" in mail["Subject"]
        [pdf] = [
            part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"
        ]
        booked = billing.get_invoice(company.id, mailed.attempt.invoice_id)
        assert pdf.get_content() == render_pdf(DocumentData(booked, company, customer))

        # e-invoice: the access point validates the UBL (XSD + CEN rules) and answers an id
        ap.fail_next(1, 503)  # retried by the client, one document only
        sent = billing.send(
            company.id, billing.create_draft(company.id, new_draft(body)).id, "einvoice"
        )
        assert sent.success
        assert sent.access_point_document_id in ap.documents
        assert len(ap.documents) == 1
        assert b"<cbc:ID>2</cbc:ID>" in ap.documents[sent.access_point_document_id or ""].ubl

        # refused by the access point: the booking stays, the attempt says why
        ap.reject_next(1, "the buyer refuses documents from this sender")
        refused = billing.send(
            company.id, billing.create_draft(company.id, new_draft(body)).id, "einvoice"
        )
        assert not refused.success
        assert refused.attempt.error_code == "delivery_rejected"
        assert refused.number == "3"
        assert billing.get_invoice(company.id, refused.attempt.invoice_id).status is Status.SENDING

        # an unknown participant is refused in the pre-flight: no number is used
        draft = billing.create_draft(company.id, new_draft(body))
        with pytest.raises(DeliveryRejected):
            billing.send(company.id, draft.id, "einvoice", override_ean="5790000435968")
        with store.unit_of_work(readonly=True) as uow:
            assert uow.numbers.last(company.id, "invoice", "") == 3
    store.close()


def test_einvoices_fall_back_to_the_cvr_and_bad_cvrs_never_get_that_far(w: World) -> None:
    company_only = w.billing.create_customer(
        w.company_id,
        NewCustomer(name="Hansen ApS", number="K-200", cvr="29403473", address=BUYER_ADDRESS),
    )
    body = {
        "customerId": company_only.id,
        "lines": [{"description": "Hours", "quantity": "1", "unitPrice": "100.00"}],
    }
    result = w.billing.send(
        w.company_id, w.billing.create_draft(w.company_id, new_draft(body)).id, "einvoice"
    )
    assert result.attempt.recipient.display() == "0184:29403473"
    with pytest.raises(ValidationError) as caught:
        w.billing.create_customer(w.company_id, NewCustomer(name="Typo ApS", cvr="29403474"))
    assert caught.value.field == "cvr"


def test_concurrent_sends_of_one_draft_book_it_once(w: World) -> None:
    """Eight threads send the same draft at once: one number is used, every send either
    delivers (the first books, later ones re-send) or is told a delivery is in progress
    or lost the booking race (ConflictError), and every success is one delivery."""
    import threading

    draft = w.draft()
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def send(index: int) -> None:
        barrier.wait()
        try:
            outcomes.append(
                w.billing.send(w.company_id, draft.id, "email", idempotency_key=f"t-{index}")
            )
        except ConflictError as err:
            outcomes.append(err)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = [o for o in outcomes if not isinstance(o, ConflictError)]
    assert len(outcomes) == 8
    assert results, "at least one send gets through"
    assert {r.number for r in results} == {"1"}  # type: ignore[attr-defined]
    assert w.last_number() == 1
    assert len(w.email.deliveries) == len(results)
    status = w.billing.delivery_status(w.company_id, draft.id)
    assert [a.sequence for a in status.attempts] == list(range(1, len(results) + 1))
    assert all(a.state is AttemptState.DELIVERED for a in status.attempts)


def test_channels_must_match_their_delivery_types() -> None:
    from faktura.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="fax"):
        Billing(MemoryStore(), channels={"fax": ManualChannel()})
    with pytest.raises(ConfigurationError, match="email"):
        Billing(MemoryStore(), channels={"email": ManualChannel()})


# -- every channel's checks run before booking (issue 13, point 5) ---------------------------


def preflight_world(tmp_path: Path, channels: dict[str, DeliveryChannel]) -> tuple[Any, ...]:
    store = SqliteStore(tmp_path / "preflight.db", create=True)
    billing = Billing(store, ManualClock(), channels=channels)
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S",
            address=BUYER_ADDRESS,
            number="K-100",
            email="ap@fjord.dk",
            ean=DEPARTMENT_EAN,
        ),
    )
    body = {
        "customerId": customer.id,
        "lines": [{"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}],
    }
    return store, billing, company.id, billing.create_draft(company.id, new_draft(body))


def assert_no_number_used(billing: Billing, company_id: str, draft: Invoice) -> None:
    after = billing.get_invoice(company_id, draft.id)
    assert (after.status, after.number, after.version) == (Status.DRAFT, None, draft.version)
    assert billing.delivery_status(company_id, draft.id).attempts == ()
    assert billing.book(company_id, draft.id).number == "1"  # the next booking gets 1


def test_email_preflight_builds_the_whole_message_before_booking(
    tmp_path: Path,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    # a message over the configured size: known from the preview, refused before booking
    small = EmailChannel(smtp_server.settings(max_size=2_000))
    store, billing, company_id, draft = preflight_world(tmp_path, {"email": small})
    with pytest.raises(DeliveryRejected, match="max_size"):
        billing.send(company_id, draft.id, "email")
    assert smtp_server.recorder.envelopes == []
    # a company name that cannot go into a header (an encoded word): refused the same way
    billing.update_company(
        company_id, CompanyChanges(name="Nordlys =?utf-8?q?ApS=0D=0ABcc:_x@evil.example?=")
    )
    roomy = Billing(store, ManualClock(), channels={"email": EmailChannel(smtp_server.settings())})
    with pytest.raises(DeliveryRejected, match="=\\?"):
        roomy.send(company_id, draft.id, "email")
    assert smtp_server.recorder.envelopes == []
    assert_no_number_used(billing, company_id, draft)
    store.close()


def test_einvoice_preflight_checks_the_document_before_booking(tmp_path: Path) -> None:
    with (
        LocalAccessPoint(participants={f"0088:{DEPARTMENT_EAN}"}) as ap,
        SproomAccessPoint(ap.url, ap.token, backoff=0.01) as client,
    ):
        channel = EInvoiceChannel(client, max_size=1_000)  # a UBL invoice is larger
        store, billing, company_id, draft = preflight_world(tmp_path, {"einvoice": channel})
        with pytest.raises(DeliveryRejected, match="max_size"):
            billing.send(company_id, draft.id, "einvoice")
        assert ap.documents == {}
        assert all(method == "GET" for method, _ in ap.requests)  # the lookup, no POST
        assert_no_number_used(billing, company_id, draft)
        store.close()


def test_manual_preflight_leaves_nothing_to_refuse_after_booking(tmp_path: Path) -> None:
    """A delivery by hand refuses nothing in ``deliver`` (so nothing can fail after the
    booking); what a manual send can get wrong is refused before it."""
    channel = ManualChannel()
    store, billing, company_id, draft = preflight_world(tmp_path, {"manual": channel})
    with pytest.raises(ValidationError) as caught:
        billing.send(company_id, draft.id, "manual", document_template_id="nope")
    assert caught.value.field == "document_template_id"
    with pytest.raises(ValidationError):
        billing.send(company_id, draft.id, "manual", override_email="ap@fjord.dk")
    assert_no_number_used(billing, company_id, draft)
    store.close()
