"""Authentication, scopes and tenant isolation, over every endpoint of the API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from faktura.apikeys import Scope
from test_http_fixtures import ALL_SCOPES, LINE, Tenant, World, expect, make_world


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


#: (method, path template, the scope it needs, a body). {draft}, {invoice}, {note},
#: {customer} are the tenant's ids.
ENDPOINTS: list[tuple[str, str, Scope, Any]] = [
    ("GET", "/v1/invoices", Scope.INVOICES_READ, None),
    ("POST", "/v1/invoices", Scope.INVOICES_WRITE, {"customerId": "{customer}"}),
    ("GET", "/v1/invoices/{draft}", Scope.INVOICES_READ, None),
    ("PATCH", "/v1/invoices/{draft}", Scope.INVOICES_WRITE, {"notes": "n"}),
    ("DELETE", "/v1/invoices/{draft}", Scope.INVOICES_WRITE, None),
    ("GET", "/v1/invoices/{draft}/pdf", Scope.INVOICES_READ, None),
    ("POST", "/v1/invoices/{draft}/send", Scope.INVOICES_SEND, {"deliveryType": "manual"}),
    ("GET", "/v1/invoices/{invoice}/delivery-status", Scope.INVOICES_READ, None),
    ("GET", "/v1/invoices/{draft}/attachments", Scope.INVOICES_READ, None),
    ("POST", "/v1/invoices/{draft}/attachments", Scope.INVOICES_WRITE, {"id": "ref-1"}),
    ("DELETE", "/v1/invoices/{draft}/attachments/{attachment}", Scope.INVOICES_WRITE, None),
    ("POST", "/v1/invoices/{invoice}/payments", Scope.PAYMENTS_WRITE, {"amount": "1.00"}),
    ("POST", "/v1/credit-notes", Scope.INVOICES_WRITE, {"invoiceId": "{invoice}"}),
    ("GET", "/v1/credit-notes", Scope.INVOICES_READ, None),
    ("GET", "/v1/credit-notes/{note}", Scope.INVOICES_READ, None),
    ("DELETE", "/v1/credit-notes/{note}", Scope.INVOICES_WRITE, None),
    ("GET", "/v1/credit-notes/{note}/pdf", Scope.INVOICES_READ, None),
    ("POST", "/v1/credit-notes/{note}/send", Scope.INVOICES_SEND, {"deliveryType": "manual"}),
    ("GET", "/v1/credit-notes/{note}/delivery-status", Scope.INVOICES_READ, None),
    ("GET", "/v1/credit-notes/{note}/attachments", Scope.INVOICES_READ, None),
    ("POST", "/v1/credit-notes/{note}/attachments", Scope.INVOICES_WRITE, {"id": "ref-1"}),
    ("DELETE", "/v1/credit-notes/{note}/attachments/{attachment}", Scope.INVOICES_WRITE, None),
    ("POST", "/v1/customers", Scope.CUSTOMERS_WRITE, {"name": "New"}),
    ("GET", "/v1/customers", Scope.CUSTOMERS_READ, None),
    ("GET", "/v1/customers/{customer}", Scope.CUSTOMERS_READ, None),
    ("PATCH", "/v1/customers/{customer}", Scope.CUSTOMERS_WRITE, {"email": "a@b.example"}),
    ("GET", "/v1/company", Scope.COMPANY_READ, None),
    ("PATCH", "/v1/company", Scope.COMPANY_WRITE, {"phone": "+45 70 00 00 00"}),
    (
        "POST",
        "/v1/webhooks/access-point",
        Scope.WEBHOOKS,
        {"documentId": "{reference}", "status": "accepted"},
    ),
    ("POST", "/v1/invoices/book", Scope.BILLING_RUNS, {"invoiceIds": []}),
    (
        "POST",
        "/v1/schedules",
        Scope.SCHEDULES_WRITE,
        {"customerId": "{customer}", "lines": [LINE], "start": "2027-01-01"},
    ),
    ("GET", "/v1/schedules", Scope.SCHEDULES_READ, None),
    ("GET", "/v1/schedules/{schedule}", Scope.SCHEDULES_READ, None),
    ("PATCH", "/v1/schedules/{schedule}", Scope.SCHEDULES_WRITE, {"description": "d"}),
    (
        "POST",
        "/v1/schedules/{schedule}/versions",
        Scope.SCHEDULES_WRITE,
        {"effective": "2027-06-01", "lines": [LINE]},
    ),
    ("POST", "/v1/billing-runs", Scope.BILLING_RUNS, {}),
    ("POST", "/v1/webhook-endpoints", Scope.EVENTS, {"url": "https://hooks.example/x"}),
    ("GET", "/v1/webhook-endpoints", Scope.EVENTS, None),
    ("GET", "/v1/webhook-endpoints/{endpoint}", Scope.EVENTS, None),
    ("PATCH", "/v1/webhook-endpoints/{endpoint}", Scope.EVENTS, {"description": "d"}),
    ("POST", "/v1/webhook-endpoints/{endpoint}/rotate-secret", Scope.EVENTS, None),
    ("GET", "/v1/reminder-policy", Scope.REMINDERS_READ, None),
    ("PUT", "/v1/reminder-policy", Scope.REMINDERS_WRITE, {"levels": [{"daysAfterDue": 10}]}),
    ("POST", "/v1/reminder-runs", Scope.REMINDERS_WRITE, {}),
    ("GET", "/v1/reminders/due", Scope.REMINDERS_READ, None),
    ("GET", "/v1/reminders", Scope.REMINDERS_READ, None),
    ("GET", "/v1/reminders/{reminder}", Scope.REMINDERS_READ, None),
    ("GET", "/v1/reminders/{reminder}/pdf", Scope.REMINDERS_READ, None),
    ("GET", "/v1/reminders/{reminder}/deliveries", Scope.REMINDERS_READ, None),
    ("POST", "/v1/reminders/{reminder}/send", Scope.REMINDERS_WRITE, None),
    (
        "POST",
        "/v1/reminders/{reminder}/payments/{payment}/reversal",
        Scope.PAYMENTS_WRITE,
        {},
    ),
    ("POST", "/v1/payments", Scope.PAYMENTS_WRITE, {"amount": "1.00", "reference": "x"}),
    ("GET", "/v1/payments", Scope.PAYMENTS_READ, None),
    ("POST", "/v1/bank-statements", Scope.PAYMENTS_WRITE, None),
    ("GET", "/v1/invoices/{invoice}/payments", Scope.PAYMENTS_READ, None),
    ("POST", "/v1/invoices/{invoice}/payments/{payment}/reversal", Scope.PAYMENTS_WRITE, {}),
    ("POST", "/v1/invoices/{invoice}/apply-credit", Scope.PAYMENTS_WRITE, {}),
    ("POST", "/v1/credit-notes/{note}/refunds", Scope.PAYMENTS_WRITE, {}),
    ("GET", "/v1/customers/{customer}/balance", Scope.PAYMENTS_READ, None),
    (
        "POST",
        "/v1/customers/{customer}/balance/refunds",
        Scope.PAYMENTS_WRITE,
        {"amount": "1.00"},
    ),
    ("GET", "/v1/customers/{customer}/statement", Scope.PAYMENTS_READ, None),
    ("GET", "/v1/customers/{customer}/statement.pdf", Scope.PAYMENTS_READ, None),
    # last: it deletes the tenant's endpoint
    ("DELETE", "/v1/webhook-endpoints/{endpoint}", Scope.EVENTS, None),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]


def _fill(value: Any, tenant: Tenant) -> Any:
    ids = {
        "draft": tenant.draft_id,
        "invoice": tenant.invoice_id,
        "note": tenant.credit_note_id,
        "customer": tenant.customer_id,
        "reference": tenant.provider_reference or "",
        "attachment": "ref-1",
        "schedule": tenant.schedule_id,
        "endpoint": tenant.endpoint_id,
        "reminder": "rem-unknown",
        "payment": "pay-unknown",
    }
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, tenant) for k, v in value.items()}
    return value


def _call(
    world: World, key: str | None, endpoint: tuple[str, str, Scope, Any], tenant: Tenant
) -> httpx.Response:
    method, path, _, body = endpoint
    kwargs = {} if body is None else {"json": _fill(body, tenant)}
    return world.client(key).request(method, _fill(path, tenant), **kwargs)


def test_the_table_covers_every_operation_of_the_openapi_document(world: World) -> None:
    document = expect(world.client().get("/openapi.json"), 200)
    documented = {
        (method.upper(), path, op["x-required-scopes"][0])
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    table = {
        (
            method,
            path.replace("{draft}", "{id}")
            .replace("{invoice}", "{id}")
            .replace("{note}", "{id}")
            .replace("{customer}", "{id}")
            .replace("{schedule}", "{id}")
            .replace("{endpoint}", "{id}")
            .replace("{reminder}", "{id}")
            .replace("{payment}", "{paymentId}")
            .replace("{attachment}", "{attachmentId}"),
            scope.value,
        )
        for method, path, scope, _ in ENDPOINTS
    }
    assert documented == table
    for item in document["paths"].values():
        for op in item.values():
            assert op["security"] == [{"apiKey": []}]
            assert f"`{op['x-required-scopes'][0]}`" in op["description"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_every_endpoint_needs_its_scope(
    world: World, endpoint: tuple[str, str, Scope, Any]
) -> None:
    scope = endpoint[2]
    others = [s for s in ALL_SCOPES if s != scope.value]
    refused = _call(world, world.key(world.a.company_id, others), endpoint, world.a)
    body = expect(refused, 403)
    assert body["code"] == "INSUFFICIENT_PERMISSIONS"
    assert body["details"]["requiredScopes"] == [scope.value]
    allowed = _call(world, world.key(world.a.company_id, [scope.value]), endpoint, world.a)
    assert allowed.status_code not in (401, 403), allowed.text
    assert allowed.status_code < 500, allowed.text


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_every_endpoint_needs_a_valid_key(
    world: World, endpoint: tuple[str, str, Scope, Any]
) -> None:
    revoked_key, revoked = world.billing.create_api_key(world.a.company_id, "old", ALL_SCOPES)
    world.billing.revoke_api_key(world.a.company_id, revoked_key.id)
    for key in (
        None,
        "",
        "garbage",
        world.a.key[:-1] + "x",
        "fk_" + "0" * 16 + "_" + "A" * 43,
        revoked,
        world.a.key + " ",
    ):
        body = expect(_call(world, key, endpoint, world.a), 401)
        assert body["code"] == "UNAUTHORIZED"
        assert body["statusCode"] == 401


#: The endpoints that refer to something of a tenant's (in the path or the body).
REFERRING = [e for e in ENDPOINTS if re.search(r"\{[a-z]+\}", f"{e[1]} {e[3]}")]


@pytest.mark.parametrize("endpoint", REFERRING, ids=[f"{e[0]} {e[1]}" for e in REFERRING])
def test_another_companys_documents_are_not_found(
    world: World, endpoint: tuple[str, str, Scope, Any]
) -> None:
    method, path, _, body = endpoint
    # B's key, A's ids
    response = world.client(world.b.key).request(
        method, _fill(path, world.a), **({} if body is None else {"json": _fill(body, world.a)})
    )
    if method == "POST" and path in ("/v1/invoices", "/v1/schedules"):
        # A's customer is unknown to B: a bad reference in the body (400), not a 404 path
        assert expect(response, 400)["details"]["validationErrors"][0]["property"] == "customerId"
    else:
        assert expect(response, 404)["code"] == "NOT_FOUND"
    # and A's documents are still A's
    assert world.client(world.a.key).get(f"/v1/invoices/{world.a.invoice_id}").status_code == 200


def test_a_key_reads_and_edits_its_own_company_only(world: World) -> None:
    a, b = world.client(world.a.key), world.client(world.b.key)
    before = expect(a.get("/v1/company"), 200)
    assert before["id"] == world.a.company_id
    edited = expect(b.patch("/v1/company", json={"email": "b@b.example"}), 200)
    assert edited["id"] == world.b.company_id
    assert edited["email"] == "b@b.example"
    assert expect(a.get("/v1/company"), 200) == before


def test_lists_never_show_another_companys_documents(world: World) -> None:
    a_ids = {world.a.draft_id, world.a.invoice_id, world.a.credit_note_id, world.a.customer_id}
    b = world.client(world.b.key)
    seen: set[str] = set()
    for path in ("/v1/invoices", "/v1/credit-notes", "/v1/customers"):
        for params in ({}, {"search": "202"}, {"limit": "100"}):
            page = expect(b.get(path, params=params), 200)
            seen |= {item["id"] for item in page["items"]}
    assert seen
    assert not seen & a_ids
    filtered = expect(b.get("/v1/invoices", params={"customerId": world.a.customer_id}), 200)
    assert filtered["total"] == 0


def test_a_key_of_a_company_sees_its_own(world: World) -> None:
    a = world.client(world.a.key)
    listed = expect(a.get("/v1/invoices", params={"limit": "100"}), 200)
    assert {world.a.draft_id, world.a.invoice_id} <= {i["id"] for i in listed["items"]}
    draft = expect(
        a.post("/v1/invoices", json={"customerId": world.a.customer_id, "lines": [LINE]}), 201
    )
    assert expect(world.client(world.b.key).get(f"/v1/invoices/{draft['id']}"), 404)


def test_a_verified_key_is_trusted_for_the_cache_time_only() -> None:
    import time

    world = make_world(key_cache_seconds=0.3)
    key, secret = world.billing.create_api_key(world.a.company_id, "cached", ALL_SCOPES)
    client = world.client(secret)
    assert client.get("/v1/invoices").status_code == 200
    world.billing.revoke_api_key(world.a.company_id, key.id)
    # remembered for a moment (as if revoked by another process), then looked up again
    assert client.get("/v1/invoices").status_code == 200
    time.sleep(0.35)
    assert client.get("/v1/invoices").status_code == 401
    # refusals are never remembered: a wrong secret is refused every time
    wrong = world.client(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert [wrong.get("/v1/invoices").status_code for _ in range(3)] == [401, 401, 401]


def test_without_the_cache_a_revocation_takes_effect_at_once() -> None:
    world = make_world(key_cache_seconds=0)
    key, secret = world.billing.create_api_key(world.a.company_id, "uncached", ALL_SCOPES)
    client = world.client(secret)
    assert client.get("/v1/invoices").status_code == 200
    world.billing.revoke_api_key(world.a.company_id, key.id)
    assert client.get("/v1/invoices").status_code == 401


def test_reads_on_worker_threads_answer_the_same() -> None:
    inline, threaded = make_world(), make_world(inline_reads=False)
    for world in (inline, threaded):
        api = world.client(world.a.key)
        listed = expect(api.get("/v1/invoices"), 200)
        got = expect(api.get(f"/v1/invoices/{world.a.invoice_id}"), 200)
        status = expect(api.get(f"/v1/invoices/{world.a.invoice_id}/delivery-status"), 200)
        customers = expect(api.get("/v1/customers"), 200)
        assert listed["total"] == 2
        assert got["number"] == "1"
        assert status["summary"]["state"] == "delivered"
        assert customers["total"] == 1
