"""Webhook endpoints over HTTP: create (the secret answered once), list, get, edit,
rotate the secret, delete; another company's are not found; bad input named; the
events scope. On the memory store, a SQLite file
and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faktura.outbox import EVENT_TYPES
from faktura.webhooks import SECRET_PREFIX, sign, verify
from test_http_fixtures import ALL_SCOPES, expect
from test_http_schedules import STORES, Setup, setups

URL = "https://hooks.example/faktura"


pytest_plugins = ["pg_fixture"]


@pytest.fixture(params=STORES)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    yield from setups(request, tmp_path)


def _problems(response: Any) -> dict[str, dict[str, str]]:
    body = expect(response, 400)
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def _signs(secret: str) -> bool:
    """Whether a receiver holding ``secret`` verifies what faktura signs with it."""
    body = b'{"type":"booked"}'
    verify(secret, body, sign(secret, body, 1_790_000_000), now=1_790_000_000)
    return secret.startswith(SECRET_PREFIX) and len(secret) > len(SECRET_PREFIX) + 40


def test_an_endpoint_is_created_listed_edited_rotated_and_deleted(setup: Setup) -> None:
    api = setup.client
    created_response = api.post(
        "/v1/webhook-endpoints",
        json={"url": URL, "events": ["booked", "payment_recorded"], "description": "ERP"},
    )
    created = expect(created_response, 201)
    endpoint_id = created["id"]
    assert created_response.headers["location"] == f"/v1/webhook-endpoints/{endpoint_id}"
    assert created["url"] == URL
    assert created["events"] == ["booked", "payment_recorded"]
    assert (created["enabled"], created["description"]) == (True, "ERP")
    secret = created["secret"]
    assert _signs(secret)
    stored = setup.billing.get_webhook_endpoint(setup.company_id, endpoint_id)
    assert stored.secret == secret

    shown = expect(api.get(f"/v1/webhook-endpoints/{endpoint_id}"), 200)
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = expect(api.get("/v1/webhook-endpoints"), 200)
    assert listed == {"items": [shown]}
    assert secret not in json.dumps(listed)

    edited = expect(
        api.patch(
            f"/v1/webhook-endpoints/{endpoint_id}",
            json={"enabled": False, "events": [], "description": None},
        ),
        200,
    )
    assert (edited["enabled"], edited["events"], edited["description"]) == (False, [], None)
    assert edited["url"] == URL  # not named: kept
    assert "secret" not in edited

    rotated = expect(api.post(f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret"), 200)
    assert rotated["secret"] != secret
    assert _signs(rotated["secret"])
    assert (
        setup.billing.get_webhook_endpoint(setup.company_id, endpoint_id).secret
        == (rotated["secret"])
    )
    assert {k: v for k, v in rotated.items() if k != "secret"} == edited

    deleted = expect(api.delete(f"/v1/webhook-endpoints/{endpoint_id}"), 200)
    assert deleted == edited
    assert expect(api.get(f"/v1/webhook-endpoints/{endpoint_id}"), 404)["code"] == "NOT_FOUND"
    assert expect(api.delete(f"/v1/webhook-endpoints/{endpoint_id}"), 404)
    assert expect(api.get("/v1/webhook-endpoints"), 200) == {"items": []}


def test_another_companys_endpoints_are_not_found(setup: Setup) -> None:
    endpoint_id = expect(setup.client.post("/v1/webhook-endpoints", json={"url": URL}), 201)["id"]
    other = setup.billing.create_company({"name": "Anden ApS", "cvr": "13585628"})
    stranger = setup.client.with_key(setup.billing.create_api_key(other.id, "all", ALL_SCOPES)[1])
    path = f"/v1/webhook-endpoints/{endpoint_id}"
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"enabled": False}),
        ("POST", "/rotate-secret", None),
        ("DELETE", "", None),
    ]:
        response = stranger.request(
            method, path + suffix, **({} if body is None else {"json": body})
        )
        assert expect(response, 404)["code"] == "NOT_FOUND"
    assert expect(stranger.get("/v1/webhook-endpoints"), 200) == {"items": []}
    mine = expect(setup.client.get(path), 200)
    assert mine["enabled"] is True


def test_bad_input_is_named_as_sent(setup: Setup) -> None:
    api = setup.client
    assert "url" in _problems(api.post("/v1/webhook-endpoints", json={}))
    assert "url" in _problems(api.post("/v1/webhook-endpoints", json={"url": "ftp://x.example"}))
    assert "events" in _problems(
        api.post("/v1/webhook-endpoints", json={"url": URL, "events": ["no_such_event"]})
    )
    assert "events.0" in _problems(
        api.post("/v1/webhook-endpoints", json={"url": URL, "events": [1]})
    )
    assert "description" in _problems(
        api.post("/v1/webhook-endpoints", json={"url": URL, "description": "two\nlines"})
    )
    endpoint_id = expect(api.post("/v1/webhook-endpoints", json={"url": URL}), 201)["id"]
    path = f"/v1/webhook-endpoints/{endpoint_id}"
    assert "enabled" in _problems(api.patch(path, json={"enabled": None}))
    assert "url" in _problems(api.patch(path, json={"url": None}))
    assert "enabled" in _problems(api.patch(path, json={"enabled": "no"}))
    assert "id" in _problems(api.get("/v1/webhook-endpoints/bad id"))
    # nothing changed by the refused requests
    assert expect(api.get("/v1/webhook-endpoints"), 200)["items"][0]["url"] == URL
    assert len(expect(api.get("/v1/webhook-endpoints"), 200)["items"]) == 1


def test_every_known_event_type_may_be_asked_for(setup: Setup) -> None:
    created = expect(
        setup.client.post(
            "/v1/webhook-endpoints", json={"url": URL, "events": sorted(EVENT_TYPES)}
        ),
        201,
    )
    assert created["events"] == sorted(EVENT_TYPES)


def test_endpoints_need_the_events_scope(setup: Setup) -> None:
    endpoint_id = expect(setup.client.post("/v1/webhook-endpoints", json={"url": URL}), 201)["id"]
    # the access point's webhooks scope is another thing
    others = setup.with_scopes(*(s for s in ALL_SCOPES if s != "events"))
    for method, path in [
        ("GET", "/v1/webhook-endpoints"),
        ("POST", "/v1/webhook-endpoints"),
        ("GET", f"/v1/webhook-endpoints/{endpoint_id}"),
        ("PATCH", f"/v1/webhook-endpoints/{endpoint_id}"),
        ("DELETE", f"/v1/webhook-endpoints/{endpoint_id}"),
        ("POST", f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret"),
    ]:
        body = {"json": {"url": URL}} if method in ("POST", "PATCH") else {}
        refused = expect(others.request(method, path, **body), 403)
        assert refused["details"]["requiredScopes"] == ["events"]
    secret = setup.billing.get_webhook_endpoint(setup.company_id, endpoint_id).secret
    events_only = setup.with_scopes("events")
    assert expect(events_only.get(f"/v1/webhook-endpoints/{endpoint_id}"), 200)["id"] == endpoint_id
    assert setup.billing.get_webhook_endpoint(setup.company_id, endpoint_id).secret == secret
