"""Customers of the caller's company: create, list, get, edit."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.wire import unstructure

from .. import params
from ..auth import Caller
from ..schemas import (
    CreateCustomerRequest,
    CustomerPage,
    UpdateCustomerRequest,
    customer_changes,
    customer_fields,
    customer_wire,
)
from .shared import Api, Handler, json_response

__all__ = ["create_customer", "get_customer", "list_customers", "update_customer"]


def create_customer(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        data, body = await api.parsed(request, CreateCustomerRequest)
        customer = await api.call(
            api.billing.create_customer, caller.company_id, customer_fields(data, body)
        )
        headers = {"Location": f"/v1/customers/{customer.id}"}
        return json_response(unstructure(customer_wire(customer)), 201, headers)

    return handle


def list_customers(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        page, limit = params.PAGE.of(query), params.LIMIT.of(query)
        search = params.SEARCH_CUSTOMERS.of(query)
        # a count of the company's customers, and a search: never inline
        result = await api.call(api.billing.list_customers, caller.company_id, page, limit, search)
        wire = CustomerPage(
            items=[customer_wire(c) for c in result.items],
            total=result.total,
            page=page,
            limit=limit,
            total_pages=(result.total + limit - 1) // limit,
            total_is_exact=result.exact,
        )
        return json_response(unstructure(wire))

    return handle


def get_customer(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        customer_id = params.CUSTOMER_ID.of(request.path_params)
        customer = await api.read(api.billing.get_customer, caller.company_id, customer_id)
        return json_response(unstructure(customer_wire(customer)))

    return handle


def update_customer(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        customer_id = params.CUSTOMER_ID.of(request.path_params)
        data, body = await api.parsed(request, UpdateCustomerRequest)
        customer = await api.call(
            api.billing.update_customer,
            caller.company_id,
            customer_id,
            customer_changes(data, body),
        )
        return json_response(unstructure(customer_wire(customer)))

    return handle
