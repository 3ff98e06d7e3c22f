"""The access-point webhook: an e-invoicing access point reports what became of a
document it delivered."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.delivery.wire import attempt_to_wire
from faktura.wire import unstructure

from ..auth import Caller
from ..schemas import AccessPointStatusRequest, AccessPointStatusResponse
from .shared import Api, Handler, json_response

__all__ = ["access_point_status"]


def access_point_status(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, AccessPointStatusRequest)
        attempt = await api.call(
            api.billing.apply_provider_status,
            caller.company_id,
            body.document_id,
            body.status,
            message=body.message,
            details=body.details,
        )
        wire = AccessPointStatusResponse(attempt.invoice_id, attempt_to_wire(attempt))
        return json_response(unstructure(wire))

    return handle
