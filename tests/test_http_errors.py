"""The error envelope and the status codes of the HTTP adapter: bad input is a 400 naming
each property, limits are 413, faktura's errors map to their statuses, and nothing
unexpected leaks a traceback."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from faktura.billing import Billing
from faktura.commands import CompanyProfile
from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    StorageError,
)
from faktura.http import create_app
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.parties import SELLER
from test_http_fixtures import (
    ALL_SCOPES,
    GLN,
    LINE,
    Client,
    FixedClock,
    World,
    expect,
    make_world,
)


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(max_body_bytes=2_000)


@pytest.fixture
def api(world: World) -> Client:
    return world.client(world.a.key)


def _problems(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def test_the_validation_envelope(api: Client, world: World) -> None:
    response = api.post(
        "/v1/invoices",
        json={
            "customerId": world.a.customer_id,
            "date": "2026-02-30",
            "lines": [{"description": "x", "quantity": 1.5}],
            "colour": "blue",
        },
    )
    body = expect(response, 400)
    assert set(body) == {"statusCode", "timestamp", "path", "message", "code", "details"}
    assert body["statusCode"] == 400
    assert body["timestamp"] == "2026-11-25T09:30:00.000Z"
    assert body["path"] == "/v1/invoices"
    assert body["code"] == "SHARED_VALIDATION_FAILED"
    problems = _problems(body)
    assert set(problems) == {"date", "lines.0.quantity", "colour"}
    assert problems["colour"] == {"unknown_field": "is not a known field"}
    assert "type" in problems["lines.0.quantity"]


def test_domain_rules_of_lines_are_reported_by_path(api: Client, world: World) -> None:
    body = expect(
        api.post(
            "/v1/invoices",
            json={
                "customerId": world.a.customer_id,
                "lines": [LINE, {"description": "", "quantity": "1", "unitPrice": "-5"}],
            },
        ),
        400,
    )
    assert all(p.startswith("lines.1.") for p in _problems(body))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "MALFORMED_JSON"),
        (b"{'a': 1}", "MALFORMED_JSON"),
        (b'{"customerId": NaN}', "MALFORMED_JSON"),
        (b'{"a": 1, "a": 2}', "MALFORMED_JSON"),
        (b"\xff\xfe{}", "MALFORMED_JSON"),
        (b"[" * 100_000, "PAYLOAD_TOO_LARGE"),
        (b"[" * 900 + b"]" * 900, "SHARED_VALIDATION_FAILED"),
        (b"", "SHARED_VALIDATION_FAILED"),
        (b"[]", "SHARED_VALIDATION_FAILED"),
        (b'"text"', "SHARED_VALIDATION_FAILED"),
        (b"null", "SHARED_VALIDATION_FAILED"),
        (b"12", "SHARED_VALIDATION_FAILED"),
    ],
)
def test_bodies_that_are_not_json_objects(api: Client, raw: bytes, code: str) -> None:
    response = api.post("/v1/invoices", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 413)
    assert response.json()["code"] == code


def test_deeply_nested_json_is_a_400_not_a_crash() -> None:
    world = make_world(max_body_bytes=10_000_000)
    api = world.client(world.a.key)
    for raw in (b"[" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        response = api.post("/v1/invoices", content=raw)
        assert response.status_code == 400, response.text


def test_a_body_above_the_limit_is_413(api: Client) -> None:
    big = {"customerId": "c", "notes": "x" * 5_000}
    body = expect(api.post("/v1/invoices", json=big), 413)
    assert body["code"] == "PAYLOAD_TOO_LARGE"
    assert body["details"]["maxBytes"] == 2_000

    async def chunks() -> Any:  # streamed: no Content-Length to go by
        yield b'{"customerId": "c", "notes": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    assert expect(api.post("/v1/invoices", content=chunks()), 413)["code"] == "PAYLOAD_TOO_LARGE"
    lying = api.post(
        "/v1/invoices", content=b"{}", headers={"content-length": "99999999999999999999"}
    )
    assert lying.status_code in (400, 413)


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"limit": "101"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"status": "lost"}, "status"),
        ({"customerId": "not an id!"}, "customerId"),
        ({"colour": "blue"}, "colour"),
        ({"search": "x" * 201}, "search"),
        ({"search": "a\x00b"}, "search"),
    ],
)
def test_bad_query_parameters(api: Client, query: dict[str, str], problem: str) -> None:
    body = expect(api.get("/v1/invoices", params=query), 400)
    assert body["code"] == "SHARED_VALIDATION_FAILED"
    assert problem in _problems(body)


def test_a_repeated_query_parameter_is_refused(api: Client) -> None:
    body = expect(api.get("/v1/invoices?page=1&page=2"), 400)
    assert _problems(body) == {"page": {"repeated": "must be given once"}}


def test_the_pdf_flag_must_be_a_boolean(api: Client, world: World) -> None:
    body = expect(api.get(f"/v1/invoices/{world.a.draft_id}/pdf", params={"draft": "maybe"}), 400)
    assert "draft" in _problems(body)


@pytest.mark.parametrize("bad_id", ["a b", "x" * 300, "-x", "ä", "a%5Cb", "%00", "a;b"])
def test_bad_path_ids_are_400(api: Client, bad_id: str) -> None:
    body = expect(api.get(f"/v1/invoices/{bad_id}"), 400)
    assert _problems(body) == {"id": {"id": "is not a valid id"}}


def test_unknown_ids_and_routes_are_404(api: Client) -> None:
    assert expect(api.get("/v1/invoices/unknown"), 404)["details"] == {
        "entity": "invoice",
        "id": "unknown",
    }
    assert expect(api.get("/v1/nothing-here"), 404)["code"] == "NOT_FOUND"
    assert expect(api.request("PUT", "/v1/invoices"), 405)["code"] == "METHOD_NOT_ALLOWED"


# -- routing: every non-2xx answer is the envelope, nothing redirects -------------------

ENVELOPE = {"statusCode", "timestamp", "path", "message", "code", "details"}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/invoices/%2F",  # an encoded slash as the id
        "/v1/invoices/%2f",
        "/v1/invoices/%2e%2e%2f",  # ../
        "/v1/invoices/%2E%2E%2F/pdf",
        "/v1/invoices/%2e%2e",  # a dot segment as the id
        "/v1/invoices/%2e",
        "/v1/invoices/a%2Fpdf",  # would reach /v1/invoices/{id}/pdf with id "a"
        "/v1/customers/x%2F..%2F",
        "/v1/invoices/",  # trailing slashes
        "/v1/invoices/some-id/",
        "/v1/customers/",
        "/openapi.json/",
        "/v1//invoices",
        "/v1/nothing-here/",
    ],
)
def test_odd_paths_are_the_404_envelope_never_a_redirect(api: Client, path: str) -> None:
    for method in ("GET", "POST", "PATCH", "DELETE"):
        response = api.request(method, path, json={}, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "location" not in response.headers
        body = response.json()
        assert set(body) == ENVELOPE
        assert (body["statusCode"], body["code"]) == (404, "NOT_FOUND")


def _asgi(
    app: Any,
    method: str,
    path: str,
    *,
    raw_path: bytes | None = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
    messages: list[dict[str, Any]] | None = None,
    send_fails: bool = False,
) -> list[dict[str, Any]]:
    """Call the app as a server would (no client normalising the path); the messages it
    sent back."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"faktura.test"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("faktura.test", 80),
    }
    if raw_path is not None:
        scope["raw_path"] = raw_path
    incoming = list(messages or [{"type": "http.request", "body": b"", "more_body": False}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if send_fails and message["type"] == "http.response.body":
            raise OSError("connection reset by peer")
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize(
    "path",
    [
        "/v1/invoices/.",
        "/v1/invoices/..",
        "/v1/invoices/./pdf",
        "/v1/invoices/../invoices",
        "/v1/invoices/",
        "/v1/invoices//pdf",
    ],
)
def test_dot_segments_reaching_the_server_are_404(world: World, path: str) -> None:
    # a raw client (curl --path-as-is) sends dot segments as they are; the server
    # passes them on decoded, with or without raw_path
    key = [(b"x-api-key", world.a.key.encode())]
    for raw_path in (None, path.encode()):
        sent = _asgi(world.app, "GET", path, raw_path=raw_path, headers=key)
        assert sent[0]["status"] == 404, (path, raw_path)
        assert b"NOT_FOUND" in sent[1]["body"]


def test_redirects_are_switched_off_explicitly(world: World) -> None:
    # not left to Starlette's default, which differs between versions
    assert world.app.router.redirect_slashes is False


# -- bodies that are not JSON: 415 ------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/json",
        "application/jsonx",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; version=2",
        "",
    ],
)
def test_a_body_that_is_not_json_is_415(api: Client, world: World, content_type: str) -> None:
    draft = {"customerId": world.a.customer_id, "lines": [LINE]}
    for method, path in (
        ("POST", "/v1/invoices"),
        ("PATCH", f"/v1/invoices/{world.a.draft_id}"),
        ("POST", "/v1/customers"),
        ("POST", f"/v1/invoices/{world.a.draft_id}/send"),
    ):
        response = api.request(method, path, json=draft, headers={"content-type": content_type})
        body = expect(response, 415)
        assert set(body) == ENVELOPE
        assert body["code"] == "UNSUPPORTED_MEDIA_TYPE", (method, path)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/merge-patch+json",
        "application/vnd.api+json; charset=utf-8",
        None,  # a body without Content-Type is read as JSON
    ],
)
def test_json_content_types_are_read(api: Client, world: World, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    raw = f'{{"customerId": "{world.a.customer_id}", "lines": []}}'.encode()
    expect(api.post("/v1/invoices", content=raw, headers=headers), 201)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "x-gzip", "gzip, identity"])
def test_an_encoded_body_is_415(api: Client, world: World, encoding: str) -> None:
    # the body is valid JSON as sent: the claimed encoding alone is refused
    raw = f'{{"customerId": "{world.a.customer_id}"}}'.encode()
    response = api.post(
        "/v1/invoices",
        content=raw,
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert expect(response, 415)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert response.headers["accept-encoding"] == "identity"
    identity = {"content-type": "application/json", "content-encoding": "identity"}
    expect(api.post("/v1/invoices", content=raw, headers=identity), 201)


# -- a client gone mid-request ------------------------------------------------------------


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not problems, [r.getMessage() for r in problems]
    assert any("disconnect" in r.getMessage() for r in caplog.records)


def test_a_client_gone_while_sending_its_body_is_logged_as_a_disconnect(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = [
        (b"x-api-key", world.a.key.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", b"100"),
    ]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"customerId": ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = _asgi(world.app, "POST", "/v1/invoices", headers=headers, messages=messages)
    _no_errors_logged(caplog)
    assert sent[0]["status"] == 499  # the envelope nobody reads, for the access log
    assert b"CLIENT_DISCONNECTED" in sent[1]["body"]


def test_a_client_gone_while_reading_the_answer_is_logged_as_a_disconnect(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = [(b"x-api-key", world.a.key.encode())]
    sent = _asgi(world.app, "GET", "/v1/invoices", headers=key, send_fails=True)
    _no_errors_logged(caplog)
    assert [m["type"] for m in sent] == ["http.response.start"]


def test_patch_refuses_unknown_and_null_fields(api: Client, world: World) -> None:
    url = f"/v1/invoices/{world.a.draft_id}"
    body = expect(api.patch(url, json={"number": "7", "lines": None, "notes": None}), 400)
    assert set(_problems(body)) == {"number", "lines"}
    assert (
        expect(api.patch(url, json={"customerId": world.b.customer_id}), 400)["details"][
            "validationErrors"
        ][0]["property"]
        == "customerId"
    )
    bad_match = api.patch(url, json={"notes": "x"}, headers={"If-Match": "version seven"})
    assert "If-Match" in _problems(expect(bad_match, 400))


def test_customer_fields_are_checked_with_wire_paths(api: Client) -> None:
    body = expect(
        api.post(
            "/v1/customers",
            json={
                "name": "",
                "ean": "123",
                "vatZone": "moon",
                "address": {"country": "Denmark"},
                "departments": [{"name": "IT", "ean": "5790000435950"}],
                "contacts": [{"name": "Ann", "email": "not an email"}],
            },
        ),
        400,
    )
    assert {"vatZone", "address.country", "departments.0.ean", "contacts.0.email"} <= set(
        _problems(body)
    )


def test_state_errors_are_409(api: Client, world: World) -> None:
    body = expect(api.post(f"/v1/invoices/{world.a.draft_id}/payments", json={"amount": "1"}), 409)
    assert body["code"] == "INVALID_STATE"
    assert body["details"]["invoiceId"] == world.a.draft_id


# -- faktura's errors and surprises ------------------------------------------------------


@attrs.define
class Channel:
    """A channel that fails the way it is told to."""

    preflight_error: Exception | None = None
    deliver_error: Exception | None = None

    @property
    def delivery_type(self) -> DeliveryType:
        return DeliveryType.EINVOICE

    @property
    def recipient_kind(self) -> RecipientKind:
        return RecipientKind.PEPPOL

    def prepare(self, recipient: Recipient) -> None:
        if self.preflight_error is not None:
            raise self.preflight_error

    def deliver(self, message: OutgoingDocument) -> Receipt:
        if self.deliver_error is not None:
            raise self.deliver_error
        return Receipt("doc-1")


def _sending(channel: Channel) -> tuple[Client, str]:
    billing = Billing(MemoryStore(), FixedClock(), channels={"einvoice": channel})
    company = billing.create_company(CompanyProfile(**SELLER))
    api = Client(create_app(billing), billing.create_api_key(company.id, "k", ALL_SCOPES)[1])
    address = {"street": "Skottenborg 26", "postalCode": "8800", "city": "Viborg"}
    customer = expect(
        api.post(
            "/v1/customers",
            json={"name": "Region", "number": "R-1", "ean": GLN, "address": address},
        ),
        201,
    )
    draft = expect(
        api.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
    )
    return api, draft["id"]


def test_a_rejected_recipient_is_422_and_books_nothing() -> None:
    api, draft = _sending(Channel(preflight_error=DeliveryRejected("not registered")))
    body = expect(api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": "sproom"}), 422)
    assert body["code"] == "DELIVERY_REJECTED"
    assert expect(api.get(f"/v1/invoices/{draft}"), 200)["number"] is None


def test_an_unavailable_channel_is_503_with_retry_after() -> None:
    api, draft = _sending(Channel(preflight_error=DeliveryUnavailable("access point down")))
    response = api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": "sproom"})
    assert expect(response, 503)["code"] == "DELIVERY_UNAVAILABLE"
    assert response.headers["retry-after"] == "30"


def test_a_delivery_that_fails_after_booking_is_200_with_success_false() -> None:
    api, draft = _sending(Channel(deliver_error=DeliveryUnavailable("timeout")))
    body = expect(api.post(f"/v1/invoices/{draft}/send", json={"deliveryType": "sproom"}), 200)
    assert body["success"] is False
    assert body["number"] == "1"
    assert body["attempt"]["state"] == "failed"
    assert body["attempt"]["errorMessage"]
    assert body["attempt"]["retryable"] is True


class _Broken(Billing):
    """A billing whose reads fail with whatever the test sets."""

    error: BaseException = RuntimeError("boom: secret detail")

    def get_invoice(self, company_id: str, invoice_id: str) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (RuntimeError("boom: /etc/secret line 3"), 500, "INTERNAL_ERROR"),
        (KeyError("internal"), 500, "INTERNAL_ERROR"),
        (ConfigurationError("pip install 'faktura[pdf]' at /opt/x"), 500, "CONFIGURATION_ERROR"),
        (StorageError("disk I/O error at /var/db"), 503, "STORAGE_UNAVAILABLE"),
    ],
)
def test_server_side_failures_say_nothing_about_their_cause(
    error: Exception, status: int, code: str
) -> None:
    billing = _Broken(MemoryStore(), FixedClock())
    billing.error = error
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    api = Client(create_app(billing), billing.create_api_key(company.id, "k", ALL_SCOPES)[1])
    response = api.get("/v1/invoices/some-id")
    body = expect(response, status)
    assert body["code"] == code
    assert "Traceback" not in response.text
    assert "secret" not in response.text
    assert "/var/db" not in response.text
    assert "/opt/x" not in response.text
    if status == 503:
        assert response.headers["retry-after"]


# -- honest retryability of the store -----------------------------------------------------


@pytest.mark.parametrize(
    "row", [{}, {"entity": "invoice", "entity_id": "some-id"}], ids=["store", "row"]
)
def test_a_store_no_retry_cures_is_500_storage_failed(row: dict[str, str]) -> None:
    error = StorageError("/var/db is damaged (SQLITE_CORRUPT)", retryable=False, **row)
    details = {"entity": row["entity"], "id": row["entity_id"]} if row else {}
    billing = _Broken(MemoryStore(), FixedClock())
    billing.error = error
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    api = Client(create_app(billing), billing.create_api_key(company.id, "k", ALL_SCOPES)[1])
    response = api.get("/v1/invoices/some-id")
    body = expect(response, 500)
    assert body["code"] == "STORAGE_FAILED"
    assert body["details"] == {"retryable": False, **details}
    assert "retry-after" not in response.headers
    assert "/var/db" not in response.text
    assert "SQLITE" not in response.text


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[tuple[World, Path]]:
    path = tmp_path / "faktura.sqlite"
    store = SqliteStore(path, create=True)
    yield make_world(store), path
    store.close()


def test_a_damaged_row_fails_the_list_naming_it(sqlite_world: tuple[World, Path]) -> None:
    world, path = sqlite_world
    damaged = world.a.invoice_id
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE invoices SET summary = '{' WHERE id = ?", (damaged,))
    conn.close()
    api = world.client(world.a.key)
    response = api.get("/v1/invoices")
    body = expect(response, 500)
    assert body["code"] == "STORAGE_FAILED"
    assert body["details"] == {"retryable": False, "entity": "invoice", "id": damaged}
    assert damaged in body["message"]
    assert "retry-after" not in response.headers
    # the other documents are still served one by one
    expect(api.get(f"/v1/invoices/{world.a.draft_id}"), 200)
    # another company's list does not contain the row and is whole
    expect(world.client(world.b.key).get("/v1/invoices"), 200)


def test_a_file_corrupted_under_the_server_is_500_not_503(
    sqlite_world: tuple[World, Path],
) -> None:
    world, path = sqlite_world
    api = world.client(world.a.key)
    expect(api.get("/v1/invoices"), 200)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as file:  # garbage over every page but the header page
        file.seek(4096)
        file.write(b"\xa5" * (path.stat().st_size - 4096))
    response = api.get("/v1/invoices")
    body = expect(response, 500)
    assert body["code"] == "STORAGE_FAILED"
    assert body["details"] == {"retryable": False}
    assert "retry-after" not in response.headers
    assert str(path) not in response.text
