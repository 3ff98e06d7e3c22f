"""The OpenAPI document: generated from the wire classes, complete, and true of real
answers (each response body validates against the schema documented for its status)."""

from __future__ import annotations

import re
from typing import Any

import attrs
import httpx
import jsonschema_rs
import pytest
from starlette.routing import Route

from faktura.delivery.wire import DeliveryStatusResponse, SendRequest
from faktura.http.openapi import build_openapi, schema_of
from faktura.http.schemas import CreateCustomerRequest, ErrorResponse, UpdateDraftRequest
from faktura.wire import CreateDraftRequest, InvoiceListItem, InvoiceResponse, LineWire
from test_http_fixtures import LINE, World, expect, make_world
from test_http_security import ENDPOINTS, _fill


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    return expect(world.client().get("/openapi.json"), 200)  # type: ignore[no-any-return]


def _wire(field: attrs.Attribute[Any]) -> str:
    """The field's wire name: the one its declaration gives, else its camelCase."""
    head, *rest = field.name.split("_")
    return field.metadata.get("wire") or head + "".join(part.title() for part in rest)


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    root = {**schema, "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def _template(document: dict[str, Any], path: str) -> str:
    """The documented path template a concrete path matches."""
    parts = path.split("?")[0].strip("/").split("/")
    matches = []
    for template in document["paths"]:
        pattern = template.strip("/").split("/")
        if len(pattern) == len(parts) and all(
            p == q or (p.startswith("{") and p.endswith("}"))
            for p, q in zip(pattern, parts, strict=True)
        ):
            matches.append(template)
    if not matches:
        raise AssertionError(f"{path} is not documented")
    # a literal segment wins over a parameter (/v1/invoices/book over /v1/invoices/{id})
    return min(matches, key=lambda template: template.count("{"))


def conforms(document: dict[str, Any], response: httpx.Response) -> None:
    """Assert ``response`` is documented (status, media type) and its body validates."""
    request = response.request
    template = _template(document, request.url.path)
    operation = document["paths"][template][request.method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (request.method, template, response.status_code, response.text)
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in documented["content"], (template, media_type)
    if media_type == "application/json":
        schema = documented["content"][media_type]["schema"]
        errors = [str(e) for e in _validator(document, schema).iter_errors(response.json())]
        assert not errors, (request.method, template, response.status_code, errors)


def test_the_document_describes_the_api(world: World, document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"] == {
        "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}
    }
    routes = {
        (method, route.path)
        for route in world.app.routes
        if isinstance(route, Route) and route.path != "/openapi.json"
        for method in (route.methods or ()) - {"HEAD"}
    }
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert routes == documented
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"]
            assert operation["x-required-scopes"]
            for code in ("400", "401", "403", "500"):
                assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"
                }, (method, path, code)
            if "{id}" in path:
                in_path = [p for p in operation["parameters"] if p["in"] == "path"]
                assert [p["name"] for p in in_path] == re.findall(r"\{(\w+)\}", path)
                assert all(p["required"] is True for p in in_path)
                assert "404" in operation["responses"]
            if "requestBody" in operation:
                assert "413" in operation["responses"]
                assert "415" in operation["responses"]


def test_every_schema_is_valid_json_schema(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


@pytest.mark.parametrize(
    "cls", [InvoiceResponse, InvoiceListItem, DeliveryStatusResponse, ErrorResponse]
)
def test_response_schemas_follow_the_wire_classes(cls: type) -> None:
    schema = schema_of(cls)
    component = schema["components"]["schemas"][cls.__name__]
    names = [_wire(field) for field in attrs.fields(cls)]
    assert list(component["properties"]) == names
    assert component["additionalProperties"] is False
    if cls is not ErrorResponse:
        assert component["required"] == names  # every property is always present


@pytest.mark.parametrize(
    "cls", [CreateDraftRequest, UpdateDraftRequest, SendRequest, CreateCustomerRequest]
)
def test_request_schemas_follow_the_wire_classes(cls: type) -> None:
    component = schema_of(cls, "request")["components"]["schemas"][cls.__name__]
    assert list(component["properties"]) == [_wire(f) for f in attrs.fields(cls)]
    assert component["additionalProperties"] is False
    assert component.get("required", []) == [
        _wire(f) for f in attrs.fields(cls) if f.default is attrs.NOTHING
    ]


def test_types_map_to_json_schema() -> None:
    schemas = schema_of(CreateDraftRequest, "request")["components"]["schemas"]
    draft = schemas["CreateDraftRequest"]["properties"]
    assert draft["customerId"]["type"] == "string"
    assert draft["date"] == {
        "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}],
        "description": "Invoice date (ISO date, YYYY-MM-DD)",
    }
    assert draft["lines"]["items"] == {"$ref": "#/components/schemas/LineInput"}
    assert draft["paymentTerms"]["anyOf"][0] == {"type": "integer"}
    assert draft["pricesIncludeVat"] == {"type": "boolean"}
    line = schemas["LineInput"]["properties"]
    assert "amount" not in line  # output only
    assert line["quantity"]["anyOf"][0]["type"] == ["string", "integer"]
    assert "S" in line["vatCategory"]["anyOf"][0]["enum"]
    response = schema_of(LineWire)["components"]["schemas"]["LineWire"]["properties"]
    assert response["amount"]["anyOf"][0] == {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    with pytest.raises(TypeError):
        schema_of(_Unmappable)


@attrs.frozen
class _Unmappable:
    value: complex


def test_scopes_are_in_the_descriptions(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/invoices/{id}/send"]["post"]
    assert operation["x-required-scopes"] == ["invoices-send"]
    assert "Required scope: `invoices-send`" in operation["description"]


def test_real_answers_validate_against_the_document(world: World, document: dict[str, Any]) -> None:
    api = world.client(world.a.key)
    answered: set[tuple[str, int]] = set()

    def check(response: httpx.Response) -> None:
        conforms(document, response)
        answered.add((response.request.method, response.status_code))

    # every endpoint, successfully (GETs and the webhook first: writes change state)
    ordered = sorted(ENDPOINTS, key=lambda e: (e[0] != "GET", e[1] == "/v1/invoices/{draft}"))
    for method, path, _, body in ordered:
        kwargs = {} if body is None else {"json": _fill(body, world.a)}
        response = api.request(method, _fill(path, world.a), **kwargs)
        assert response.status_code < 500, (method, path, response.text)
        check(response)
    # a fresh draft, edited and sent; a payment; errors of every kind
    customer = world.a.customer_id
    draft = expect(api.post("/v1/invoices", json={"customerId": customer, "lines": [LINE]}), 201)
    check(api.patch(f"/v1/invoices/{draft['id']}", json={"dueDate": None, "notes": "n"}))
    check(api.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "manual"}))
    check(api.post(f"/v1/invoices/{draft['id']}/payments", json={"amount": "1250.00"}))
    check(api.get(f"/v1/invoices/{draft['id']}/delivery-status"))
    check(api.post("/v1/invoices", json={"customerId": customer, "lines": [{"quantity": 1.5}]}))
    check(api.post("/v1/invoices", content=b"{oops"))
    check(world.client().get("/v1/invoices"))
    check(world.client(world.key(world.a.company_id, ["webhooks"])).get("/v1/invoices"))
    check(api.get("/v1/invoices/unknown"))
    check(api.patch(f"/v1/invoices/{draft['id']}", json={"notes": "late"}))
    check(api.patch(f"/v1/invoices/{world.a.draft_id}", json={}, headers={"If-Match": '"99"'}))
    check(api.post("/v1/customers", json={"name": "x" * 2_000_000}))
    check(api.post("/v1/customers", content=b"name=x", headers={"content-type": "text/plain"}))
    check(api.get("/v1/invoices/%2e%2e%2f"))
    assert {code for _, code in answered} >= {200, 201, 400, 401, 403, 404, 409, 413, 415}


def test_a_document_of_other_operations_can_be_built() -> None:
    # build_openapi is independent of the app: a host can document a subset
    assert build_openapi([])["paths"] == {}
