"""The caller's company (the seller on its documents): get and edit its profile."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.wire import unstructure

from ..auth import Caller
from ..schemas import UpdateCompanyRequest, company_changes, company_wire
from .shared import Api, Handler, json_response

__all__ = ["get_company", "update_company"]


def get_company(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        company = await api.read(api.billing.get_company, caller.company_id)
        return json_response(unstructure(company_wire(company)))

    return handle


def update_company(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        data, body = await api.parsed(request, UpdateCompanyRequest)
        changes = company_changes(data, body)
        company = await api.call(api.billing.update_company, caller.company_id, changes)
        return json_response(unstructure(company_wire(company)))

    return handle
