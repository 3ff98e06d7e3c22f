"""The company's webhook endpoints: create, list, get, edit, delete, rotate the secret.
The signing secret is answered at creation and rotation only."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.outbox import WebhookEndpoint
from faktura.wire import unstructure

from .. import params
from ..auth import Caller
from ..schemas import (
    CreateWebhookEndpointRequest,
    UpdateWebhookEndpointRequest,
    WebhookEndpointList,
    endpoint_changes,
    endpoint_wire,
)
from .shared import Api, Handler, json_response

__all__ = [
    "create_webhook_endpoint",
    "delete_webhook_endpoint",
    "get_webhook_endpoint",
    "list_webhook_endpoints",
    "rotate_webhook_secret",
    "update_webhook_endpoint",
]


def _answer(endpoint: WebhookEndpoint, secret: str | None = None, status: int = 200) -> Response:
    headers = {"Location": f"/v1/webhook-endpoints/{endpoint.id}"} if status == 201 else None
    return json_response(unstructure(endpoint_wire(endpoint, secret)), status, headers)


def create_webhook_endpoint(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, CreateWebhookEndpointRequest)
        endpoint, secret = await api.call(
            api.billing.create_webhook_endpoint,
            caller.company_id,
            body.url,
            body.events or (),
            body.description,
        )
        return _answer(endpoint, secret, 201)

    return handle


def list_webhook_endpoints(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        # a company's endpoints are few: one bounded read
        endpoints = await api.read(api.billing.webhook_endpoints, caller.company_id)
        listed = WebhookEndpointList([endpoint_wire(e) for e in endpoints])
        return json_response(unstructure(listed))

    return handle


def get_webhook_endpoint(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        endpoint_id = params.WEBHOOK_ENDPOINT_ID.of(request.path_params)
        endpoint = await api.read(api.billing.get_webhook_endpoint, caller.company_id, endpoint_id)
        return _answer(endpoint)

    return handle


def update_webhook_endpoint(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        endpoint_id = params.WEBHOOK_ENDPOINT_ID.of(request.path_params)
        data, body = await api.parsed(request, UpdateWebhookEndpointRequest)
        endpoint = await api.call(
            api.billing.update_webhook_endpoint,
            caller.company_id,
            endpoint_id,
            **endpoint_changes(data, body),
        )
        return _answer(endpoint)

    return handle


def delete_webhook_endpoint(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        endpoint_id = params.WEBHOOK_ENDPOINT_ID.of(request.path_params)

        def delete() -> WebhookEndpoint:
            endpoint = api.billing.get_webhook_endpoint(caller.company_id, endpoint_id)
            api.billing.delete_webhook_endpoint(caller.company_id, endpoint_id)
            return endpoint

        return _answer(await api.call(delete))

    return handle


def rotate_webhook_secret(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        endpoint_id = params.WEBHOOK_ENDPOINT_ID.of(request.path_params)
        endpoint, secret = await api.call(
            api.billing.rotate_webhook_secret, caller.company_id, endpoint_id
        )
        return _answer(endpoint, secret)

    return handle
