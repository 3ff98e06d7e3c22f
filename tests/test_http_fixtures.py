"""Shared setup of the HTTP adapter tests: a world of two companies, keys, documents,
and a synchronous client over the ASGI app (httpx.ASGITransport, no network).

The other ``test_http_*`` modules import from here (``tests/`` is on sys.path, as for
``pg_fixture``); the tests at the bottom check the helpers themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx

from faktura.apikeys import Scope
from faktura.billing import Billing
from faktura.commands import CompanyProfile
from faktura.delivery.channel import (
    DeliveryType,
)
from faktura.delivery.manual import ManualChannel
from faktura.dunning import ReferenceRateTable
from faktura.http import create_app
from faktura.parties import Address
from faktura.ports import Store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock

ALL_SCOPES = [scope.value for scope in Scope]
LINE = {"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}
GLN = "5790000435951"
ADDRESS = {"street": "Havnegade 1", "city": "København K", "postalCode": "1058", "country": "DK"}
CUSTOMER = {"name": "Fjord A/S", "number": "K-1", "ean": GLN, "address": ADDRESS}
#: The tenants' schedules start here: after the fixed clock's month.
START = "2027-01-01"
ENDPOINT_URL = "https://hooks.example/faktura"


def FixedClock() -> ManualClock:
    """The same instant every time: responses and error bodies are reproducible."""
    return ManualClock(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


class Client:
    """A synchronous client over an ASGI app; ``key`` goes in x-api-key."""

    def __init__(self, app: Any, key: str | None = None) -> None:
        self.app = app
        self.key = key

    def with_key(self, key: str | None) -> Client:
        return Client(self.app, key)

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.key is not None:
            sent.setdefault("x-api-key", self.key)
        return asyncio.run(self._request(method, url, sent, kwargs))

    async def _request(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as c:
            response = await c.request(method, url, headers=headers, **kwargs)
            await response.aread()
            return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


@attrs.define
class Tenant:
    """One company with an all-scopes key, a customer, a draft, a sent invoice and a
    credit-note draft of it, a schedule (starting after the clock's month, so a run of
    the current month bills nothing) and a webhook endpoint."""

    company_id: str
    key: str
    customer_id: str
    draft_id: str
    invoice_id: str
    credit_note_id: str
    provider_reference: str | None
    schedule_id: str
    endpoint_id: str


@attrs.define
class World:
    billing: Billing
    app: Any
    a: Tenant
    b: Tenant
    access_point: RecordingChannel

    def client(self, key: str | None = None) -> Client:
        return Client(self.app, key)

    def key(self, company_id: str, scopes: Iterable[str]) -> str:
        return self.billing.create_api_key(company_id, "test", list(scopes))[1]


def expect(response: httpx.Response, status: int) -> Any:
    """The JSON of a response that must have ``status`` (its body in the failure)."""
    assert response.status_code == status, (response.status_code, response.text)
    return (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else response.content
    )


def _tenant(billing: Billing, client: Client, name: str) -> Tenant:
    company = billing.create_company(
        CompanyProfile(
            name=name,
            cvr="13585628",
            vat_id="DK13585628",
            address=Address(street="Vestergade 2", city="Aarhus C", postal_code="8000"),
        ),
    )
    key = billing.create_api_key(company.id, "all", ALL_SCOPES)[1]
    api = client.with_key(key)
    customer = expect(api.post("/v1/customers", json=CUSTOMER | {"name": f"{name} customer"}), 201)[
        "id"
    ]
    draft = expect(api.post("/v1/invoices", json={"customerId": customer, "lines": [LINE]}), 201)
    invoice = expect(api.post("/v1/invoices", json={"customerId": customer, "lines": [LINE]}), 201)
    sent = expect(
        api.post(f"/v1/invoices/{invoice['id']}/send", json={"deliveryType": "sproom"}), 200
    )
    note = expect(api.post("/v1/credit-notes", json={"invoiceId": invoice["id"]}), 201)
    schedule = expect(
        api.post("/v1/schedules", json={"customerId": customer, "lines": [LINE], "start": START}),
        201,
    )
    endpoint = expect(api.post("/v1/webhook-endpoints", json={"url": ENDPOINT_URL}), 201)
    return Tenant(
        company.id,
        key,
        customer,
        draft["id"],
        invoice["id"],
        note["id"],
        sent["sproomDocumentId"],
        schedule["id"],
        endpoint["id"],
    )


def make_world(store: Store | None = None, **app_options: Any) -> World:
    """Two companies (A, B), each with its documents, over ``store`` (memory)."""
    # an e-invoicing channel that accepts everything and hands out document ids, so
    # provider webhooks have something to refer to
    access_point = RecordingChannel(DeliveryType.EINVOICE)
    billing = Billing(
        store or MemoryStore(),
        FixedClock(),
        channels={"manual": ManualChannel(), "einvoice": access_point},
        # reminders charge interest at the reference rate: a run on any day can make them
        reference_rates=ReferenceRateTable.of({date(2026, 1, 1): Decimal("1.60")}),
    )
    app = create_app(billing, **app_options)
    client = Client(app)
    a = _tenant(billing, client, "Alfa ApS")
    b = _tenant(billing, client, "Beta ApS")
    return World(billing, app, a, b, access_point)


def sqlite_store(directory: Path) -> SqliteStore:
    return SqliteStore(directory / "faktura.sqlite", create=True)


# -- the helpers themselves ------------------------------------------------------------


def test_the_world_has_two_separate_tenants() -> None:
    world = make_world()
    assert world.a.company_id != world.b.company_id
    assert world.a.provider_reference is not None
    invoice = expect(world.client(world.a.key).get(f"/v1/invoices/{world.a.invoice_id}"), 200)
    assert invoice["number"] == "1"
    assert invoice["status"] == "credited" or invoice["status"] in {"sent", "sending"}


def test_openapi_is_served_without_a_key() -> None:
    document = expect(make_world().client().get("/openapi.json"), 200)
    assert document["openapi"].startswith("3.1")
