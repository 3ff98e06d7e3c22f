"""End to end over HTTP: a customer, a draft, edits, PDFs, sending, delivery status,
a payment and a credit note, on the memory store and on a SQLite file; then the same
app behind a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from faktura.billing import Billing
from faktura.commands import CompanyProfile
from faktura.delivery.channel import DeliveryType, RecipientKind
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
    World,
    expect,
    make_world,
    sqlite_store,
)


def _billing(store: Store) -> Billing:
    return Billing(
        store,
        FixedClock(),
        channels={"manual": ManualChannel(), "einvoice": RecordingChannel(DeliveryType.EINVOICE)},
    )


def _company(billing: Billing) -> str:
    return billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            vat_id="DK13585628",
            address=Address(street="Vestergade 2", city="Aarhus C", postal_code="8000"),
        ),
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
        api.post(
            "/v1/customers",
            json={"name": "Region", "number": "R-1", "ean": GLN, "address": ADDRESS},
        ),
        201,
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


# -- the reference API's own spellings ---------------------------------------------------
# Its delivery channel names (Email, Sproom, Manual) are accepted in any case and
# answered in one spelling (the e-invoice type by its name there, "sproom"); a host's own
# delivery types are accepted by their keys; output-only fields are refused like unknown
# ones; the currencies ISO 4217 reserves are refused.


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.fixture
def api(world: World) -> Client:
    return world.client(world.a.key)


def _problems(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def _draft(api: Client, world: World) -> str:
    draft = expect(
        api.post("/v1/invoices", json={"customerId": world.a.customer_id, "lines": [LINE]}), 201
    )
    return str(draft["id"])


@pytest.mark.parametrize(
    ("given", "answered"),
    [
        ("Manual", "manual"),
        ("manual", "manual"),
        ("MANUAL", "manual"),
        ("Sproom", "sproom"),
        ("sproom", "sproom"),
        ("SPROOM", "sproom"),
        # faktura's own key of the e-invoice type: answered by the reference API's name
        ("einvoice", "sproom"),
        ("EInvoice", "sproom"),
    ],
)
def test_delivery_types_in_the_seed_spelling_and_any_case(
    api: Client, world: World, given: str, answered: str
) -> None:
    draft = _draft(api, world)
    delivered = len(world.access_point.deliveries)
    sent = expect(api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": given}), 200)
    assert sent["success"] is True
    assert sent["deliveryType"] == answered
    assert sent["attempt"]["deliveryType"] == answered
    einvoiced = len(world.access_point.deliveries) - delivered
    assert einvoiced == (answered == "sproom")  # through the e-invoice channel, as UBL
    if einvoiced:
        assert world.access_point.deliveries[-1].document.startswith(b"<?xml")
        assert sent["sproomDocumentId"] == sent["attempt"]["providerReference"]
    status = expect(api.get(f"/v1/invoices/{draft}/delivery-status"), 200)
    assert status["summary"]["deliveryType"] == answered
    assert [a["deliveryType"] for a in status["attempts"]] == [answered]


def test_email_in_the_seed_spelling_is_understood(api: Client, world: World) -> None:
    # the world has no email channel: "Email" is known but not configured, not unknown
    draft = _draft(api, world)
    for given in ("Email", "EMAIL", "email"):
        body = expect(api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": given}), 400)
        assert list(_problems(body)["deliveryType"]) == ["unavailable"], given


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        # not a delivery type key at all
        ("Fax", "pattern"),
        ("Sproom e-invoicing", "pattern"),
        ("", "pattern"),
        (" manual", "pattern"),
        ("x" * 33, "pattern"),
        # a key, but no channel is registered under it here
        ("e-mail", "unavailable"),
        ("fax", "unavailable"),
    ],
)
def test_unknown_delivery_types_are_refused_naming_the_field(
    api: Client, world: World, given: str, rule: str
) -> None:
    draft = _draft(api, world)
    body = expect(api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": given}), 400)
    assert list(_problems(body)["deliveryType"]) == [rule]
    assert expect(api.get(f"/v1/invoices/{draft}"), 200)["number"] is None


def test_a_host_channel_is_sent_through_by_its_key() -> None:
    fax = RecordingChannel("fax", RecipientKind.NONE)
    billing = Billing(MemoryStore(), FixedClock(), channels={"fax": fax})
    company_id = _company(billing)
    _, secret = billing.create_api_key(company_id, "k", ALL_SCOPES)
    api = Client(create_app(billing), secret)
    customer = expect(
        api.post("/v1/customers", json={"name": "Region", "number": "R-1", "address": ADDRESS}),
        201,
    )
    draft = expect(
        api.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
    )
    sent = expect(api.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "fax"}), 200)
    assert (sent["success"], sent["deliveryType"], sent["sproomDocumentId"]) == (True, "fax", None)
    assert [d.message.invoice.id for d in fax.deliveries] == [draft["id"]]
    status = expect(api.get(f"/v1/invoices/{draft['id']}/delivery-status"), 200)
    assert status["summary"]["deliveryType"] == "fax"
    assert [a["deliveryType"] for a in status["attempts"]] == ["fax"]
    # the reference API's names in any case, a host's keys in lower case only
    body = expect(api.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "FAX"}), 400)
    assert list(_problems(body)["deliveryType"]) == ["pattern"]


def test_the_openapi_document_describes_the_delivery_types(api: Client) -> None:
    schemas = expect(api.get("/openapi.json"), 200)["components"]["schemas"]
    accepted = schemas["SendRequest"]["properties"]["deliveryType"]
    assert "enum" not in accepted  # a host registers its own keys
    for name in ("email", "sproom", "manual", "einvoice"):
        assert name in accepted["description"]
    for taken in ("Email", "Sproom", "MANUAL", "einvoice", "fax", "e-mail"):
        assert re.fullmatch(accepted["pattern"], taken), taken
    for refused in ("", " manual", "Sproom e-invoicing", "x" * 33):
        assert not re.fullmatch(accepted["pattern"], refused), refused
    assert accepted["maxLength"] == 32
    answered = schemas["SendResponse"]["properties"]["deliveryType"]
    for name in ("email", "sproom", "manual"):
        assert re.fullmatch(answered["pattern"], name)
        assert name in answered["description"]
    assert not re.fullmatch(answered["pattern"], "Email")
    assert schemas["AttemptWire"]["properties"]["deliveryType"] == answered
    summary = schemas["DeliverySummaryWire"]["properties"]["deliveryType"]
    assert summary["anyOf"][0]["pattern"] == answered["pattern"]


def test_a_line_amount_in_a_request_is_refused_naming_its_path(api: Client, world: World) -> None:
    lines = [LINE, {**LINE, "amount": "1000.00"}]
    body = expect(
        api.post("/v1/invoices", json={"customerId": world.a.customer_id, "lines": lines}), 400
    )
    assert _problems(body) == {"lines.1.amount": {"unknown_field": "is not a known field"}}
    body = expect(api.patch(f"/v1/invoices/{world.a.draft_id}", json={"lines": lines}), 400)
    assert _problems(body) == {"lines.1.amount": {"unknown_field": "is not a known field"}}


def test_the_openapi_document_has_no_line_amount_in_requests(api: Client) -> None:
    schemas = expect(api.get("/openapi.json"), 200)["components"]["schemas"]
    request_line = schemas["CreateDraftRequest"]["properties"]["lines"]["items"]["$ref"]
    assert "amount" not in schemas[request_line.rsplit("/", 1)[1]]["properties"]
    assert "amount" in schemas["LineWire"]["properties"]


@pytest.mark.parametrize("code", ["XXX", "XTS"])
def test_reserved_currencies_are_refused(api: Client, world: World, code: str) -> None:
    body = expect(
        api.post(
            "/v1/invoices",
            json={"customerId": world.a.customer_id, "lines": [LINE], "currency": code},
        ),
        400,
    )
    assert body["code"] == "SHARED_VALIDATION_FAILED"
    assert list(_problems(body)) == ["currency"]
    body = expect(api.patch(f"/v1/invoices/{world.a.draft_id}", json={"currency": code}), 400)
    assert body["code"] == "SHARED_VALIDATION_FAILED"
    assert list(_problems(body)) == ["currency"]
    assert expect(api.get(f"/v1/invoices/{world.a.draft_id}"), 200)["currency"] == "DKK"


# -- a real server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raw_request(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalising the path); the status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_over_real_tcp_with_uvicorn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="faktura.http")
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
            # not JSON, or encoded: 415
            text = c.post("/v1/invoices", content=b"{}", headers={"content-type": "text/plain"})
            assert expect(text, 415)["code"] == "UNSUPPORTED_MEDIA_TYPE"
        # paths that name nothing, as a raw client sends them: the 404 envelope
        for path in ("/v1/invoices/%2F", "/v1/invoices/%2e%2e%2f", "/v1/invoices/.", "/v1/"):
            request = f"GET {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {secret}\r\n"
            status, body = _raw_request(port, f"{request}Connection: close\r\n\r\n".encode())
            assert status == 404, (path, status, body)
            assert json.loads(body)["code"] == "NOT_FOUND"
        # a client gone halfway through its body: a disconnect in the log, not an error
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/invoices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"x-api-key: {secret}\r\nContent-Length: 1000\r\n\r\n".encode()
                + b'{"customerId": '
            )
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while not any("disconnect" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "no disconnect logged"
            time.sleep(0.02)
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
        assert not problems, [r.getMessage() for r in problems]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    assert not thread.is_alive()


def test_the_company_profile_over_http() -> None:
    from faktura.testing.contract import PNG_LOGO
    from test_http_fixtures import make_world

    world = make_world()
    client = world.client(world.key(world.a.company_id, ["company-read", "company-write"]))
    before = expect(client.get("/v1/company"), 200)
    assert before["id"] == world.a.company_id
    assert before["invoiceSeries"] == {"pattern": "{seq}", "start": 1, "reset": "never"}
    logo = base64.b64encode(PNG_LOGO).decode("ascii")
    edited = expect(
        client.patch(
            "/v1/company",
            json={
                "address": {"street": "Vestergade 2", "postalCode": "8000", "city": "Aarhus C"},
                "bank": {"regNo": "1234", "accountNo": "1234567890", "iban": "DK5000400440116243"},
                "fikCreditor": "12345678",
                "paymentTerms": 30,
                "locale": "en",
                "phone": "+45 70 00 00 00",
                "documentTemplate": "modern",
                "logo": logo,
                "creditNoteSeries": {"pattern": "CN{yy}-{seq:03}", "reset": "yearly"},
            },
        ),
        200,
    )
    assert edited["address"]["street"] == "Vestergade 2"
    assert edited["address"]["country"] == "DK"
    assert edited["bank"] == {
        "regNo": "1234",
        "accountNo": "1234567890",
        "iban": "DK5000400440116243",
        "bic": None,
    }
    assert (edited["paymentTerms"], edited["locale"], edited["logo"]) == (30, "en", logo)
    assert edited["creditNoteSeries"] == {
        "pattern": "CN{yy}-{seq:03}",
        "start": 1,
        "reset": "yearly",
    }
    assert edited["name"] == before["name"]  # left out: unchanged
    assert expect(client.get("/v1/company"), 200) == edited
    company = world.billing.get_company(world.a.company_id)
    assert company.logo == PNG_LOGO
    assert company.bank is not None
    assert company.bank.reg_no == "1234"
    # in part: the city alone; null clears
    again = expect(
        client.patch("/v1/company", json={"address": {"city": "Aarhus N"}, "logo": None}), 200
    )
    assert (again["address"]["street"], again["address"]["city"]) == ("Vestergade 2", "Aarhus N")
    assert again["logo"] is None
    # every bad field named, unknown fields refused, nothing changed
    refused = expect(
        client.patch(
            "/v1/company",
            json={
                "bank": {"iban": "DK00"},
                "address": {"postalCode": "x" * 300},
                "logo": "not base64!",
                "locale": None,
                "documentTemplate": "fancy",
                "colour": "blue",
            },
        ),
        400,
    )
    assert refused["code"] == "SHARED_VALIDATION_FAILED"
    named = {e["property"] for e in refused["details"]["validationErrors"]}
    assert {"colour", "locale"} <= named
    refused = expect(
        client.patch(
            "/v1/company",
            json={
                "bank": {"iban": "DK00"},
                "address": {"postalCode": "x" * 300},
                "logo": "R0lGODlh",
                "documentTemplate": "fancy",
            },
        ),
        400,
    )
    named = {e["property"] for e in refused["details"]["validationErrors"]}
    assert named == {"bank.iban", "address.postalCode", "logo", "documentTemplate"}
    # the invoice series has booked documents: its numbering stays
    refused = expect(
        client.patch("/v1/company", json={"invoiceSeries": {"pattern": "F-{seq}"}}), 400
    )
    named = {e["property"] for e in refused["details"]["validationErrors"]}
    assert named == {"invoiceSeries.pattern"}
    assert expect(client.get("/v1/company"), 200) == again


# -- which reads run on the event loop -----------------------------------------------------


def test_only_bounded_reads_run_on_the_event_loop(tmp_path: Path) -> None:
    """With an in-process store, an unfiltered first page and a read by id run in the
    event loop; a filtered, searched or deeper list, and customer lists, on a worker."""
    world = make_world(sqlite_store(tmp_path))
    threads: list[tuple[str, threading.Thread]] = []
    billing: Any = world.billing
    for name in ("list_invoices", "list_customers", "get_invoice"):
        method = getattr(billing, name)

        def recorded(*args: Any, _name: str = name, _method: Any = method, **kwargs: Any) -> Any:
            threads.append((_name, threading.current_thread()))
            return _method(*args, **kwargs)

        setattr(billing, name, recorded)
    api = world.client(world.a.key)
    here = threading.current_thread()  # the test's thread runs the event loop (asyncio.run)
    cases = [
        ("/v1/invoices", {}, True),
        ("/v1/credit-notes", {}, True),
        (f"/v1/invoices/{world.a.invoice_id}", {}, True),
        ("/v1/invoices", {"search": "Consult"}, False),
        ("/v1/invoices", {"status": "overdue"}, False),
        ("/v1/invoices", {"status": "draft"}, False),
        ("/v1/invoices", {"customerId": world.a.customer_id}, False),
        ("/v1/invoices", {"page": "2"}, False),
        ("/v1/customers", {}, False),
        ("/v1/customers", {"search": "Alfa"}, False),
    ]
    for path, params, inline in cases:
        threads.clear()
        page = expect(api.get(path, params=params), 200)
        assert threads, path
        assert all((thread is here) is inline for _, thread in threads), (path, params)
        if "items" in page:
            assert page["totalIsExact"] is True
    world.billing.store.close()
