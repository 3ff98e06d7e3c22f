"""Hypothesis-fuzzed requests: whatever the body, the ids, the query or the key, the
API answers with the error envelope or a success, never a 5xx."""

from __future__ import annotations

import functools
import json
import string
from typing import Any
from urllib.parse import quote

import attrs
import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from faktura.delivery.wire import SendRequest
from faktura.http.schemas import (
    AccessPointStatusRequest,
    AddressWire,
    AttachmentRequest,
    BankWire,
    BillingRunRequest,
    BookInvoicesRequest,
    CadenceWire,
    CreateCreditNoteRequest,
    CreateCustomerRequest,
    CreateScheduleRequest,
    CreateWebhookEndpointRequest,
    NumberSeriesPatch,
    PaymentRequest,
    ScheduleLinesRequest,
    UpdateCompanyRequest,
    UpdateCustomerRequest,
    UpdateDraftRequest,
    UpdateScheduleRequest,
    UpdateWebhookEndpointRequest,
)
from faktura.http.schemas.collecting import (
    ApplyCreditRequest,
    BalanceRefundRequest,
    CreditNoteRefundRequest,
    ReceivePaymentRequest,
    ReminderLevelWire,
    ReminderPolicyRequest,
    ReminderRunRequest,
    ReversalRequest,
)
from faktura.wire import CreateDraftRequest, LineWire
from test_http_fixtures import Tenant, World, make_world

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENVELOPE = {"statusCode", "timestamp", "path", "message", "code", "details"}


@functools.cache
def world() -> World:
    return make_world(max_body_bytes=50_000)


def _wire(field: attrs.Attribute[Any]) -> str:
    """The field's wire name: the one its declaration gives, else its camelCase."""
    head, *rest = field.name.split("_")
    return field.metadata.get("wire") or head + "".join(part.title() for part in rest)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["1", "0.5", "-1", "1e5", "2026-02-29", "2026-13-01", "S", "manual", ""]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=15,
)


def _objects(*classes: type) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the classes' known keys (and sometimes others), random values."""
    keys = sorted({_wire(f) for cls in classes for f in attrs.fields(cls)})
    known = st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys))
    lines = st.lists(
        st.dictionaries(st.sampled_from([_wire(f) for f in attrs.fields(LineWire)]), json_values),
        max_size=3,
    )
    return st.one_of(
        known,
        st.builds(lambda d, ls: {**d, "lines": ls}, known, lines),
        st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    )


def _body_of(data: Any) -> bytes:
    return json.dumps(data, allow_nan=True).encode()


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert set(response.json()) == ENVELOPE
        assert response.json()["statusCode"] == response.status_code


def _paths(tenant: Tenant) -> dict[str, tuple[type, ...]]:
    """Body-taking endpoints (method, path) and the wire classes of their bodies."""
    return {
        "POST /v1/invoices": (CreateDraftRequest,),
        f"PATCH /v1/invoices/{tenant.draft_id}": (UpdateDraftRequest,),
        f"POST /v1/invoices/{tenant.draft_id}/send": (SendRequest,),
        f"POST /v1/invoices/{tenant.draft_id}/attachments": (AttachmentRequest,),
        f"POST /v1/invoices/{tenant.invoice_id}/payments": (PaymentRequest,),
        "POST /v1/credit-notes": (CreateCreditNoteRequest,),
        f"POST /v1/credit-notes/{tenant.credit_note_id}/send": (SendRequest,),
        f"POST /v1/credit-notes/{tenant.credit_note_id}/attachments": (AttachmentRequest,),
        "POST /v1/customers": (CreateCustomerRequest,),
        f"PATCH /v1/customers/{tenant.customer_id}": (UpdateCustomerRequest,),
        "POST /v1/webhooks/access-point": (AccessPointStatusRequest,),
        "PATCH /v1/company": (UpdateCompanyRequest, AddressWire, BankWire, NumberSeriesPatch),
        "POST /v1/invoices/book": (BookInvoicesRequest,),
        "POST /v1/schedules": (CreateScheduleRequest, CadenceWire),
        f"PATCH /v1/schedules/{tenant.schedule_id}": (UpdateScheduleRequest,),
        f"POST /v1/schedules/{tenant.schedule_id}/versions": (ScheduleLinesRequest,),
        "POST /v1/billing-runs": (BillingRunRequest,),
        "POST /v1/webhook-endpoints": (CreateWebhookEndpointRequest,),
        f"PATCH /v1/webhook-endpoints/{tenant.endpoint_id}": (UpdateWebhookEndpointRequest,),
        "PUT /v1/reminder-policy": (ReminderPolicyRequest, ReminderLevelWire),
        "POST /v1/reminder-runs": (ReminderRunRequest,),
        "POST /v1/reminders/rem-unknown/payments/pay-unknown/reversal": (ReversalRequest,),
        "POST /v1/payments": (ReceivePaymentRequest,),
        "POST /v1/bank-statements": (ReceivePaymentRequest,),  # not JSON: 415 whatever it is
        f"POST /v1/invoices/{tenant.invoice_id}/payments/pay-unknown/reversal": (ReversalRequest,),
        f"POST /v1/invoices/{tenant.invoice_id}/apply-credit": (ApplyCreditRequest,),
        f"POST /v1/credit-notes/{tenant.credit_note_id}/refunds": (CreditNoteRefundRequest,),
        f"POST /v1/customers/{tenant.customer_id}/balance/refunds": (BalanceRefundRequest,),
    }


ENDPOINT_NAMES = sorted(
    {
        "POST /v1/invoices",
        "PATCH /v1/invoices/{draft}",
        "POST /v1/invoices/{draft}/send",
        "POST /v1/invoices/{draft}/attachments",
        "POST /v1/invoices/{invoice}/payments",
        "POST /v1/credit-notes",
        "POST /v1/credit-notes/{note}/send",
        "POST /v1/credit-notes/{note}/attachments",
        "POST /v1/customers",
        "PATCH /v1/customers/{customer}",
        "POST /v1/webhooks/access-point",
        "PATCH /v1/company",
        "POST /v1/invoices/book",
        "POST /v1/schedules",
        "PATCH /v1/schedules/{schedule}",
        "POST /v1/schedules/{schedule}/versions",
        "POST /v1/billing-runs",
        "POST /v1/webhook-endpoints",
        "PATCH /v1/webhook-endpoints/{endpoint}",
        "PUT /v1/reminder-policy",
        "POST /v1/reminder-runs",
        "POST /v1/reminders/{reminder}/payments/{payment}/reversal",
        "POST /v1/payments",
        "POST /v1/bank-statements",
        "POST /v1/invoices/{invoice}/payments/{payment}/reversal",
        "POST /v1/invoices/{invoice}/apply-credit",
        "POST /v1/credit-notes/{note}/refunds",
        "POST /v1/customers/{customer}/balance/refunds",
    }
)


@FUZZ
@given(data=st.data())
def test_random_bodies_never_fail_the_server(data: st.DataObject) -> None:
    w = world()
    paths = _paths(w.a)
    endpoint = data.draw(st.sampled_from(sorted(paths)))
    method, path = endpoint.split(" ", 1)
    body = data.draw(
        st.one_of(
            _objects(*paths[endpoint]).map(_body_of),
            json_values.map(_body_of),
            st.binary(max_size=64),
        )
    )
    _check(w.client(w.a.key).request(method, path, content=body))


ID_ENDPOINTS = [
    ("GET", "/v1/invoices/{}"),
    ("PATCH", "/v1/invoices/{}"),
    ("DELETE", "/v1/invoices/{}"),
    ("GET", "/v1/invoices/{}/pdf"),
    ("POST", "/v1/invoices/{}/send"),
    ("GET", "/v1/invoices/{}/delivery-status"),
    ("POST", "/v1/invoices/{}/payments"),
    ("GET", "/v1/credit-notes/{}"),
    ("DELETE", "/v1/credit-notes/{}"),
    ("GET", "/v1/credit-notes/{}/pdf"),
    ("POST", "/v1/credit-notes/{}/send"),
    ("GET", "/v1/credit-notes/{}/delivery-status"),
    ("GET", "/v1/customers/{}"),
    ("PATCH", "/v1/customers/{}"),
    ("GET", "/v1/schedules/{}"),
    ("PATCH", "/v1/schedules/{}"),
    ("POST", "/v1/schedules/{}/versions"),
    ("GET", "/v1/webhook-endpoints/{}"),
    ("PATCH", "/v1/webhook-endpoints/{}"),
    ("DELETE", "/v1/webhook-endpoints/{}"),
    ("POST", "/v1/webhook-endpoints/{}/rotate-secret"),
    ("GET", "/v1/reminders/{}"),
    ("GET", "/v1/reminders/{}/pdf"),
    ("GET", "/v1/reminders/{}/deliveries"),
    ("POST", "/v1/reminders/{}/send"),
    ("GET", "/v1/invoices/{}/payments"),
    ("POST", "/v1/invoices/{}/apply-credit"),
    ("POST", "/v1/credit-notes/{}/refunds"),
    ("GET", "/v1/customers/{}/balance"),
    ("POST", "/v1/customers/{}/balance/refunds"),
    ("GET", "/v1/customers/{}/statement"),
]


@FUZZ
@given(
    endpoint=st.sampled_from(ID_ENDPOINTS),
    document_id=st.text(min_size=1, max_size=250),
    body=st.sampled_from([b'{"deliveryType": "manual"}', b'{"amount": "1"}', b"{}"]),
)
# ids that become encoded slashes and dot segments: the 404 envelope, never a redirect
@example(endpoint=("GET", "/v1/invoices/{}"), document_id="/", body=b"{}")
@example(endpoint=("GET", "/v1/invoices/{}"), document_id="../", body=b"{}")
@example(endpoint=("POST", "/v1/invoices/{}/send"), document_id="..", body=b"{}")
@example(endpoint=("PATCH", "/v1/customers/{}"), document_id="a/", body=b"{}")
def test_random_ids_never_fail_the_server(
    endpoint: tuple[str, str], document_id: str, body: bytes
) -> None:
    w = world()
    method, template = endpoint
    path = template.format(quote(document_id, safe=""))
    response = w.client(w.a.key).request(method, path, content=body)
    _check(response)
    assert response.status_code in (200, 400, 404, 405, 409), response.text


QUERY_NAMES = ["page", "limit", "search", "status", "customerId", "draft", "after", "x"]


@FUZZ
@given(
    path=st.sampled_from(["/v1/invoices", "/v1/credit-notes", "/v1/customers", "/v1/schedules"]),
    query=st.lists(
        st.tuples(
            st.sampled_from(QUERY_NAMES),
            st.text(max_size=20)
            | st.integers(min_value=-(10**12), max_value=10**12).map(str)
            | st.sampled_from(["draft", "overdue", "sent", "1", "100", "101", "0"]),
        ),
        max_size=4,
    ),
)
def test_random_query_parameters_never_fail_the_server(
    path: str, query: list[tuple[str, str]]
) -> None:
    w = world()
    response = w.client(w.a.key).get(path, params=query)
    _check(response)
    if response.status_code == 200:
        page = response.json()
        assert len(page["items"]) <= 100
        assert page.get("limit", 100) <= 100  # schedules page by cursor: no limit echoed


@FUZZ
@given(key=st.text(alphabet=string.printable.strip() + " ", max_size=120))
def test_random_keys_are_401(key: str) -> None:
    w = world()
    response = w.client(key).get("/v1/invoices")
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "UNAUTHORIZED"


def test_the_fuzzed_endpoints_are_the_body_taking_ones() -> None:
    w = world()
    document = w.client().get("/openapi.json").json()
    with_bodies = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert len(with_bodies) == len(ENDPOINT_NAMES) == len(_paths(w.a))
