"""End to end over HTTP: a customer, a draft, edits, PDFs, sending, delivery status,
a payment and a credit note, on the memory store and on a SQLite file; then the same
app behind a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from faktura.billing import Billing
from faktura.delivery.channel import DeliveryType
from faktura.delivery.manual import ManualChannel
from faktura.http import create_app
from faktura.parties import Address
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.testing.channels import RecordingChannel
from test_http_fixtures import (
    ADDRESS,
    ALL_SCOPES,
    GLN,
    LINE,
    Client,
    FixedClock,
    expect,
    sqlite_store,
)


def _billing(store: Store) -> Billing:
    return Billing(
        store,
        FixedClock(),
        channels={"manual": ManualChannel(), "sproom": RecordingChannel(DeliveryType.SPROOM)},
    )


def _company(billing: Billing) -> str:
    return billing.create_company(
        name="Nordlys ApS",
        cvr="13585628",
        vat_id="DK13585628",
        address=Address(street="Vestergade 2", city="Aarhus C", postal_code="8000"),
    ).id


pytest_plugins = ["pg_fixture"]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Memory and SQLite answer reads in the event loop, PostgreSQL on worker threads."""
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = (
        sqlite_store(tmp_path)
        if request.param == "sqlite"
        else open_store(request.getfixturevalue("pg_url"), create=True)
    )
    yield opened
    opened.close()


def test_the_whole_life_of_an_invoice(store: Store) -> None:
    billing = _billing(store)
    company_id = _company(billing)
    _, secret = billing.create_api_key(company_id, "back office", ALL_SCOPES)
    api = Client(create_app(billing), secret)

    # a customer with a department and a contact
    customer = expect(
        api.post(
            "/v1/customers",
            json={
                "name": "Fjord A/S",
                "number": "K-1",
                "address": ADDRESS,
                "paymentTerms": 14,
                "departments": [{"name": "Indkøb", "ean": GLN}],
                "contacts": [{"name": "Ann Berg", "email": "ann@fjord.example"}],
            },
        ),
        201,
    )
    assert customer["paymentTerms"] == 14
    department = customer["departments"][0]["id"]
    contact = customer["contacts"][0]["id"]
    assert expect(api.get(f"/v1/customers/{customer['id']}"), 200) == customer
    listed = expect(api.get("/v1/customers", params={"search": "fjord"}), 200)
    assert [c["id"] for c in listed["items"]] == [customer["id"]]
    renamed = expect(api.patch(f"/v1/customers/{customer['id']}", json={"name": "Fjord"}), 200)
    assert renamed["name"] == "Fjord"
    assert renamed["departments"] == customer["departments"]

    # a draft: no number; totals as decimal strings
    draft = expect(
        api.post(
            "/v1/invoices",
            json={
                "customerId": customer["id"],
                "date": "2026-11-25",
                "lines": [LINE],
                "customerDepartmentId": department,
                "customerContactId": contact,
                "reference": "PO-77",
            },
        ),
        201,
    )
    assert draft["number"] is None
    assert (draft["subtotal"], draft["vat"], draft["amount"]) == ("1000.00", "250.00", "1250.00")
    assert draft["dueDate"] == "2026-12-09"  # the customer's 14 days net

    got = api.get(f"/v1/invoices/{draft['id']}")
    assert expect(got, 200) == draft
    etag = got.headers["etag"]
    page = expect(api.get("/v1/invoices", params={"status": "draft", "limit": "5"}), 200)
    assert (page["total"], page["page"], page["limit"], page["totalPages"]) == (1, 1, 5, 1)
    assert page["items"][0]["id"] == draft["id"]
    assert "lines" not in page["items"][0]

    # edit it, guarded by its version
    edited = api.patch(
        f"/v1/invoices/{draft['id']}",
        json={"lines": [LINE, {**LINE, "quantity": "1"}], "notes": "Tak!"},
        headers={"If-Match": etag},
    )
    assert expect(edited, 200)["amount"] == "1875.00"
    assert edited.json()["notes"] == "Tak!"
    stale = api.patch(
        f"/v1/invoices/{draft['id']}", json={"notes": "x"}, headers={"If-Match": etag}
    )
    assert expect(stale, 412)["code"] == "PRECONDITION_FAILED"

    # a preview PDF with the watermark
    pdf = api.get(f"/v1/invoices/{draft['id']}/pdf", params={"draft": "true"})
    assert expect(pdf, 200)[:4] == b"%PDF"
    assert pdf.headers["content-type"] == "application/pdf"

    # send by hand: booked, numbered
    sent = expect(
        api.post(
            f"/v1/invoices/{draft['id']}/send",
            json={"deliveryType": "manual"},
            headers={"Idempotency-Key": "send-1"},
        ),
        200,
    )
    assert sent["success"] is True
    assert sent["deliveryType"] == "manual"
    assert sent["sproomDocumentId"] is None
    assert sent["number"] == "1"
    again = api.post(
        f"/v1/invoices/{draft['id']}/send",
        json={"deliveryType": "manual"},
        headers={"Idempotency-Key": "send-1"},
    )
    assert expect(again, 200) == sent  # the stored result, no second delivery
    booked = expect(api.get(f"/v1/invoices/{draft['id']}"), 200)
    assert (booked["number"], booked["status"]) == ("1", "sent")
    refused = api.patch(f"/v1/invoices/{draft['id']}", json={"notes": "too late"})
    assert expect(refused, 409)["code"] == "INVALID_STATE"

    status = expect(api.get(f"/v1/invoices/{draft['id']}/delivery-status"), 200)
    assert status["invoiceId"] == draft["id"]
    assert status["summary"]["state"] == "delivered"
    assert status["summary"]["attempts"] == 1
    assert len(status["attempts"]) == 1

    # a payment
    paid = expect(
        api.post(
            f"/v1/invoices/{draft['id']}/payments",
            json={"amount": "500.00", "paidOn": "2026-11-30", "reference": "bank 1"},
        ),
        200,
    )
    assert (paid["status"], paid["paidAmount"]) == ("partially_paid", "500.00")
    over = api.post(f"/v1/invoices/{draft['id']}/payments", json={"amount": "5000.00"})
    assert expect(over, 400)["code"] == "SHARED_VALIDATION_FAILED"

    # a partial credit note: negative amounts, numbered in its own series when sent
    note = expect(
        api.post(
            "/v1/credit-notes",
            json={"invoiceId": draft["id"], "lines": [{"lineIndex": 1, "quantity": "1"}]},
        ),
        201,
    )
    assert note["kind"] == "credit_note"
    assert note["amount"] == "-625.00"
    assert note["creditedInvoiceId"] == draft["id"]
    assert expect(api.get(f"/v1/credit-notes/{note['id']}"), 200) == note
    assert expect(api.get(f"/v1/credit-notes/{note['id']}/pdf"), 200)[:4] == b"%PDF"
    note_sent = expect(
        api.post(f"/v1/credit-notes/{note['id']}/send", json={"deliveryType": "manual"}), 200
    )
    assert note_sent["success"] is True
    assert note_sent["number"] is not None
    assert (
        expect(api.get(f"/v1/credit-notes/{note['id']}/delivery-status"), 200)["summary"]["state"]
        == "delivered"
    )
    notes = expect(api.get("/v1/credit-notes"), 200)
    assert [n["id"] for n in notes["items"]] == [note["id"]]
    # the kinds stay apart: invoices are not credit notes and the other way round
    assert [i["id"] for i in expect(api.get("/v1/invoices"), 200)["items"]] == [draft["id"]]
    expect(api.get(f"/v1/invoices/{note['id']}"), 404)
    expect(api.get(f"/v1/credit-notes/{draft['id']}"), 404)


def test_cancelling_a_draft_answers_the_cancelled_invoice() -> None:
    billing = _billing(MemoryStore())
    company_id = _company(billing)
    _, secret = billing.create_api_key(company_id, "k", ALL_SCOPES)
    api = Client(create_app(billing), secret)
    customer = expect(api.post("/v1/customers", json={"name": "Fjord"}), 201)
    draft = expect(api.post("/v1/invoices", json={"customerId": customer["id"]}), 201)
    cancelled = expect(api.delete(f"/v1/invoices/{draft['id']}"), 200)
    assert cancelled["status"] == "cancelled"
    assert expect(api.delete(f"/v1/invoices/{draft['id']}"), 409)["code"] == "INVALID_STATE"


def test_an_access_point_reports_a_rejection() -> None:
    billing = _billing(MemoryStore())
    company_id = _company(billing)
    _, secret = billing.create_api_key(company_id, "k", ALL_SCOPES)
    api = Client(create_app(billing), secret)
    customer = expect(
        api.post("/v1/customers", json={"name": "Region", "number": "R-1", "ean": GLN}), 201
    )
    draft = expect(
        api.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
    )
    sent = expect(
        api.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "sproom"}), 200
    )
    reference = sent["sproomDocumentId"]
    assert reference
    answer = expect(
        api.post(
            "/v1/webhooks/access-point",
            json={"documentId": reference, "status": "rejected", "message": "unknown buyer"},
        ),
        200,
    )
    assert answer["invoiceId"] == draft["id"]
    assert answer["attempt"]["state"] == "failed"
    assert answer["attempt"]["events"][0]["status"] == "rejected"
    status = expect(api.get(f"/v1/invoices/{draft['id']}/delivery-status"), 200)
    assert status["summary"]["state"] == "failed"
    assert status["summary"]["lastError"] == "unknown buyer"
    unknown = api.post("/v1/webhooks/access-point", json={"documentId": "nope", "status": "ok"})
    assert expect(unknown, 404)["code"] == "NOT_FOUND"


# -- a real server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_over_real_tcp_with_uvicorn(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    billing = _billing(store)
    company_id = _company(billing)
    _, secret = billing.create_api_key(company_id, "k", ALL_SCOPES)
    port = _free_port()
    config = uvicorn.Config(
        create_app(billing, max_body_bytes=10_000),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"x-api-key": secret}) as c:
            customer = expect(c.post("/v1/customers", json={"name": "Fjord"}), 201)
            draft = expect(
                c.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
            )
            assert expect(c.get(f"/v1/invoices/{draft['id']}"), 200)["amount"] == "1250.00"
            assert expect(c.get("/openapi.json"), 200)["openapi"] == "3.1.0"
            assert (
                expect(c.get("/v1/invoices", headers={"x-api-key": "fk_x"}), 401)["code"]
                == "UNAUTHORIZED"
            )
            # a body above the limit, announced and streamed without a length
            big = b'{"customerId": "' + b"x" * 20_000 + b'"}'
            assert expect(c.post("/v1/invoices", content=big), 413)["code"] == "PAYLOAD_TOO_LARGE"
            chunks = iter([big[:5_000], big[5_000:]])
            streamed = c.post(
                "/v1/invoices", content=chunks, headers={"content-type": "application/json"}
            )
            assert expect(streamed, 413)["code"] == "PAYLOAD_TOO_LARGE"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    assert not thread.is_alive()
