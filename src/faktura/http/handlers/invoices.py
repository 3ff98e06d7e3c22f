"""Invoices only: create and edit a draft, record a payment."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.errors import ConflictError
from faktura.invoice import Invoice
from faktura.status import DocumentKind
from faktura.wire import invoice_to_wire, new_draft

from .. import params
from ..auth import Caller
from ..errors import ApiError
from ..schemas import PaymentRequest, UpdateDraftRequest, draft_changes
from .shared import Api, Handler, etag, json_response

__all__ = ["create_draft", "record_payment", "update_draft"]


def create_draft(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        data = await api.body(request)
        invoice = await api.call(
            api.billing.create_draft, caller.company_id, new_draft(data), actor=caller.actor
        )
        headers = {**etag(invoice), "Location": f"/v1/invoices/{invoice.id}"}
        return json_response(invoice_to_wire(invoice), 201, headers)

    return handle


def update_draft(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        invoice_id = params.ID.of(request.path_params)
        expected = params.IF_MATCH.of(request.headers)
        data, body = await api.parsed(request, UpdateDraftRequest)

        def update() -> Invoice:
            company_id = caller.company_id
            api.document(company_id, invoice_id, DocumentKind.INVOICE)
            return api.billing.update_draft(
                company_id,
                invoice_id,
                draft_changes(data, body),
                expected_version=expected,
                actor=caller.actor,
            )

        try:
            invoice = await api.call(update)
        except ConflictError as exc:
            if expected is None:
                raise
            raise ApiError(412, "PRECONDITION_FAILED", exc.message) from None
        return json_response(invoice_to_wire(invoice), headers=etag(invoice))

    return handle


def record_payment(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        invoice_id = params.ID.of(request.path_params)
        _, body = await api.parsed(request, PaymentRequest)

        def pay() -> Invoice:
            api.document(caller.company_id, invoice_id, DocumentKind.INVOICE)
            return api.billing.record_payment(
                caller.company_id,
                invoice_id,
                body.amount,
                paid_on=body.paid_on,
                reference=body.reference,
                actor=caller.actor,
            )

        invoice = await api.call(pay)
        headers = etag(invoice)
        made = invoice.payments[-1].id if invoice.payments else None
        if made is not None:  # what a reversal names (GET .../payments lists them all)
            headers["Payment-Id"] = made
        return json_response(invoice_to_wire(invoice), headers=headers)

    return handle
