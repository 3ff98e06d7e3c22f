"""The company's webhook endpoints (where its events are POSTed, signed): their bodies
and answers. The signing secret is answered when an endpoint is created and when its
secret is rotated, never again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from faktura.fields import describe
from faktura.http.schemas.common import _present
from faktura.outbox import EVENT_TYPES, WebhookEndpoint

__all__ = [
    "CreateWebhookEndpointRequest",
    "UpdateWebhookEndpointRequest",
    "WebhookEndpointList",
    "WebhookEndpointResponse",
    "WebhookEndpointSecret",
    "endpoint_changes",
    "endpoint_wire",
]

_EVENTS = "The event types POSTed to it; empty or left out: every type. Known types: " + ", ".join(
    sorted(EVENT_TYPES)
)
_URL = "Where the events are POSTed (an http(s) URL, up to 2000 characters)"
_DESCRIPTION = "What the endpoint is for (one line, up to 200 characters)"


@attrs.frozen
class CreateWebhookEndpointRequest:
    """The body of "Create a webhook endpoint"."""

    url: str = attrs.field(metadata=describe(_URL, maxLength=2000))
    events: list[str] | None = attrs.field(default=None, metadata=describe(_EVENTS))
    description: str | None = attrs.field(
        default=None, metadata=describe(_DESCRIPTION, maxLength=200)
    )


@attrs.frozen
class UpdateWebhookEndpointRequest:
    """The body of "Edit a webhook endpoint": the fields it names; null clears the
    description."""

    url: str | None = attrs.field(
        default=None, metadata=describe(_URL, maxLength=2000, nullable=False)
    )
    events: list[str] | None = attrs.field(default=None, metadata=describe(_EVENTS, nullable=False))
    enabled: bool | None = attrs.field(
        default=None,
        metadata=describe(
            "false stops its deliveries (they fail and are retried meanwhile)",
            nullable=False,
        ),
    )
    description: str | None = attrs.field(
        default=None, metadata=describe(_DESCRIPTION, maxLength=200)
    )


@attrs.frozen
class WebhookEndpointResponse:
    """A webhook endpoint of your company (without its secret)."""

    id: str = attrs.field(metadata=describe("Webhook endpoint ID"))
    url: str = attrs.field(metadata=describe("Where the events are POSTed"))
    events: list[str] = attrs.field(
        metadata=describe("The event types POSTed to it; empty: every type")
    )
    enabled: bool = attrs.field(metadata=describe("false: its deliveries are stopped"))
    description: str | None = attrs.field(metadata=describe("What the endpoint is for"))
    created_at: dt.datetime = attrs.field(metadata=describe("Creation timestamp (ISO)"))


@attrs.frozen
class WebhookEndpointSecret(WebhookEndpointResponse):
    """A webhook endpoint with its signing secret, answered this once (at creation and
    rotation): the receiver verifies each webhook's signature with it."""

    secret: str = attrs.field(
        kw_only=True,
        metadata=describe("The signing secret; shown only now, keep it in the receiver"),
    )


@attrs.frozen
class WebhookEndpointList:
    """Your company's webhook endpoints, oldest first."""

    items: list[WebhookEndpointResponse]


def endpoint_changes(
    data: Mapping[str, Any], request: UpdateWebhookEndpointRequest
) -> dict[str, Any]:
    """The keyword arguments of ``Billing.update_webhook_endpoint``: the fields the body
    names."""
    return _present(data, request)


def _fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": sorted(endpoint.events),
        "enabled": endpoint.enabled,
        "description": endpoint.description,
        "created_at": endpoint.created_at,
    }


def endpoint_wire(endpoint: WebhookEndpoint, secret: str | None = None) -> WebhookEndpointResponse:
    """An endpoint as the API answers it; with its secret when ``secret`` is given."""
    if secret is None:
        return WebhookEndpointResponse(**_fields(endpoint))
    return WebhookEndpointSecret(**_fields(endpoint), secret=secret)
