"""Schedules over HTTP: create, list by cursor, get, edit (If-Match), change the lines
from a date; bad input named as the client sent it; scopes. On the memory store, a
SQLite file and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.billing import Billing
from faktura.commands import CompanyProfile, LineInput, NewCustomer, NewSchedule
from faktura.delivery.manual import ManualChannel
from faktura.http import create_app
from faktura.parties import Address
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from test_http_fixtures import ALL_SCOPES, LINE, Client, FixedClock, expect, sqlite_store


@attrs.frozen
class Setup:
    billing: Billing
    client: Client
    company_id: str
    customer_id: str

    def with_scopes(self, *scopes: str) -> Client:
        return self.client.with_key(
            self.billing.create_api_key(self.company_id, "scoped", list(scopes))[1]
        )


def make_setup(store: Store) -> Setup:
    """A company with an all-scopes key and one customer; delivery by hand."""
    billing = Billing(store, FixedClock(), channels={"manual": ManualChannel()})
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            vat_id="DK13585628",
            address=Address(street="Vestergade 2", city="Aarhus C", postal_code="8000"),
        )
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S", address=Address(street="Havnegade 1", city="Ø", postal_code="1058")
        ),
    )
    key = billing.create_api_key(company.id, "all", ALL_SCOPES)[1]
    return Setup(billing, Client(create_app(billing), key), company.id, customer.id)


pytest_plugins = ["pg_fixture"]

#: The stores the HTTP tests of schedules, runs and webhook endpoints run over.
STORES = ["memory", "sqlite", "postgres"]


def setups(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    """A setup over the store ``request.param`` names (each test its own company)."""
    if request.param == "memory":
        yield make_setup(MemoryStore())
        return
    store = (
        sqlite_store(tmp_path)
        if request.param == "sqlite"
        else open_store(request.getfixturevalue("pg_url"), create=True)
    )
    yield make_setup(store)
    store.close()


@pytest.fixture(params=STORES)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    yield from setups(request, tmp_path)


def _schedule(setup: Setup, **fields: Any) -> dict[str, Any]:
    body = {"customerId": setup.customer_id, "lines": [LINE], "start": "2026-12-01"} | fields
    return expect(setup.client.post("/v1/schedules", json=body), 201)  # type: ignore[no-any-return]


def _problems(response: Any) -> dict[str, dict[str, str]]:
    """The 400's offending properties and their rules."""
    body = expect(response, 400)
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def test_a_schedule_is_created_read_edited_and_changed_from_a_date(setup: Setup) -> None:
    api = setup.client
    created = _schedule(
        setup,
        cadence={"unit": "month", "count": 3},
        timing="arrears",
        anchorDay=15,
        proration="none",
        currency="EUR",
        paymentTerms=14,
        channel="manual",
        description="Support, quarterly",
    )
    assert created["customerId"] == setup.customer_id
    assert created["cadence"] == {"unit": "month", "count": 3}
    assert (created["timing"], created["proration"], created["anchorDay"]) == (
        "arrears",
        "none",
        15,
    )
    assert (created["currency"], created["paymentTerms"], created["channel"]) == (
        "EUR",
        14,
        "manual",
    )
    assert created["active"] is True
    assert created["version"] == 1
    assert created["lines"][0]["unitPrice"] == "500.00"
    assert created["lines"][0]["vatRate"] == "25"  # the customer's VAT defaults, spelled out
    assert [v["effective"] for v in created["versions"]] == ["2026-12-01"]

    got = api.get(f"/v1/schedules/{created['id']}")
    assert expect(got, 200) == created
    assert got.headers["etag"] == '"1"'

    edited = api.patch(
        f"/v1/schedules/{created['id']}",
        json={"active": False, "end": "2027-11-30", "description": None, "paymentTerms": 30},
        headers={"If-Match": '"1"'},
    )
    body = expect(edited, 200)
    assert edited.headers["etag"] == '"2"'
    assert (body["active"], body["end"], body["description"], body["paymentTerms"]) == (
        False,
        "2027-11-30",
        None,
        30,
    )
    assert body["channel"] == "manual"  # not named: kept
    stale = api.patch(
        f"/v1/schedules/{created['id']}", json={"active": True}, headers={"If-Match": '"1"'}
    )
    assert expect(stale, 412)["code"] == "PRECONDITION_FAILED"
    assert expect(api.get(f"/v1/schedules/{created['id']}"), 200)["active"] is False

    changed = expect(
        api.post(
            f"/v1/schedules/{created['id']}/versions",
            json={"effective": "2027-03-01", "lines": [LINE | {"quantity": "5"}]},
            headers={"If-Match": '"2"'},
        ),
        200,
    )
    assert changed["version"] == 3
    assert [v["effective"] for v in changed["versions"]] == ["2026-12-01", "2027-03-01"]
    assert changed["lines"][0]["quantity"] == "5"
    assert changed["versions"][0]["lines"][0]["quantity"] == "2"
    # as the Python API has it
    stored = setup.billing.get_schedule(setup.company_id, created["id"])
    assert (stored.version, stored.active, len(stored.versions)) == (3, False, 2)


def test_another_companys_schedule_is_not_found(setup: Setup) -> None:
    created = _schedule(setup)
    other = make_setup(MemoryStore())
    assert expect(other.client.get(f"/v1/schedules/{created['id']}"), 404)["code"] == "NOT_FOUND"
    foreign = setup.billing.create_company(
        CompanyProfile(name="Anden ApS", cvr="13585628", vat_id="DK13585628")
    )
    key = setup.billing.create_api_key(foreign.id, "all", ALL_SCOPES)[1]
    stranger = setup.client.with_key(key)
    assert expect(stranger.get(f"/v1/schedules/{created['id']}"), 404)["code"] == "NOT_FOUND"
    assert expect(stranger.patch(f"/v1/schedules/{created['id']}", json={}), 404)
    assert expect(stranger.get("/v1/schedules"), 200) == {"items": [], "next": None}


def test_schedules_page_by_cursor(setup: Setup) -> None:
    ids = sorted(_schedule(setup)["id"] for _ in range(5))
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params = {"limit": "2"} | ({} if after is None else {"after": after})
        page = expect(setup.client.get("/v1/schedules", params=params), 200)
        seen += [item["id"] for item in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
    assert seen == ids
    assert pages == 3
    whole = expect(setup.client.get("/v1/schedules"), 200)
    assert [item["id"] for item in whole["items"]] == ids
    assert whole["next"] is None


def test_bad_input_is_named_as_sent(setup: Setup) -> None:
    api = setup.client
    base = {"customerId": setup.customer_id, "lines": [LINE], "start": "2026-12-01"}
    # the wire's own checks
    assert "lines.0.unitPrice" in _problems(
        api.post("/v1/schedules", json=base | {"lines": [LINE | {"unitPrice": "abc"}]})
    )
    assert "start" in _problems(api.post("/v1/schedules", json=base | {"start": "2026-02-30"}))
    assert "cadence.unit" in _problems(
        api.post("/v1/schedules", json=base | {"cadence": {"unit": "week"}})
    )
    assert "timing" in _problems(api.post("/v1/schedules", json=base | {"timing": None}))
    # the core's checks, in Python names there, in wire names here
    assert _problems(
        api.post("/v1/schedules", json=base | {"cadence": {"unit": "month", "count": 0}})
    )["cadence.count"] == {"range": "must be from 1 to 120"}
    assert "lines.0.discountPercent" in _problems(
        api.post("/v1/schedules", json=base | {"lines": [LINE | {"discountPercent": "101"}]})
    )
    assert (
        "anchor_with_days"
        in _problems(
            api.post(
                "/v1/schedules",
                json=base | {"cadence": {"unit": "day", "count": 7}, "anchorDay": 3},
            )
        )["anchorDay"]
    )
    assert "customerId" in _problems(
        api.post("/v1/schedules", json=base | {"customerId": "nobody"})
    )
    assert "channel" in _problems(api.post("/v1/schedules", json=base | {"channel": "pigeon"}))
    assert "lines.0.periodStart" in _problems(
        api.post(
            "/v1/schedules",
            json=base
            | {"lines": [LINE | {"periodStart": "2026-12-01", "periodEnd": "2026-12-31"}]},
        )
    )
    created = _schedule(setup)
    assert "effective" in _problems(
        api.post(
            f"/v1/schedules/{created['id']}/versions",
            json={"effective": "2026-11-01", "lines": [LINE]},
        )
    )
    assert "active" in _problems(api.patch(f"/v1/schedules/{created['id']}", json={"active": None}))
    assert "limit" in _problems(api.get("/v1/schedules", params={"limit": "101"}))
    assert "after" in _problems(api.get("/v1/schedules", params={"after": "no/id"}))
    assert "If-Match" in _problems(
        api.patch(f"/v1/schedules/{created['id']}", json={}, headers={"If-Match": "x"})
    )
    # nothing was written by the refused requests
    assert len(expect(api.get("/v1/schedules"), 200)["items"]) == 1


def test_unknown_fields_named_like_tuple_methods_are_named(setup: Setup) -> None:
    # a field path is looked up by name: "count" is CadenceWire's, nowhere else
    base = {"customerId": setup.customer_id, "lines": [LINE], "start": "2026-12-01"}
    for name in ("count", "index"):
        response = setup.client.post("/v1/schedules", json=base | {name: 1})
        assert _problems(response) == {name: {"unknown_field": "is not a known field"}}
    bad_count = base | {"cadence": {"unit": "month", "count": 200}}
    assert "cadence.count" in _problems(setup.client.post("/v1/schedules", json=bad_count))


def test_schedules_need_their_scopes(setup: Setup) -> None:
    created = _schedule(setup)
    invoices_only = setup.with_scopes("invoices-read", "invoices-write", "billing-runs")
    reader = setup.with_scopes("schedules-read")
    for client, method, path, body in [
        (invoices_only, "GET", "/v1/schedules", None),
        (invoices_only, "GET", f"/v1/schedules/{created['id']}", None),
        (reader, "POST", "/v1/schedules", {"customerId": setup.customer_id}),
        (reader, "PATCH", f"/v1/schedules/{created['id']}", {"active": False}),
        (reader, "POST", f"/v1/schedules/{created['id']}/versions", {}),
    ]:
        response = client.request(method, path, **({} if body is None else {"json": body}))
        scope = "schedules-read" if method == "GET" else "schedules-write"
        assert expect(response, 403)["details"]["requiredScopes"] == [scope]
    assert expect(reader.get(f"/v1/schedules/{created['id']}"), 200)["id"] == created["id"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(0, 9), limit=st.integers(1, 5))
def test_walking_the_pages_yields_every_schedule_once_in_id_order(count: int, limit: int) -> None:
    setup = make_setup(MemoryStore())
    made = {
        setup.billing.create_schedule(
            setup.company_id,
            NewSchedule(customer_id=setup.customer_id, lines=[_line()], start=FixedClock().today()),
        ).id
        for _ in range(count)
    }
    seen: list[str] = []
    after: str | None = None
    for _ in range(count + 2):
        params = {"limit": str(limit)} | ({} if after is None else {"after": after})
        page = expect(setup.client.get("/v1/schedules", params=params), 200)
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
        assert page["items"], "a next page is promised only after a full one"
    assert after is None
    assert seen == sorted(made)


def _line() -> LineInput:
    return LineInput(description="Hosting", quantity=Decimal(1), unit_price=Decimal(100))
