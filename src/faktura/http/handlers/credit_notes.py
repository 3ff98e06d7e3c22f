"""Credit notes only: create one crediting a booked invoice (fully or some lines)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.invoice import Invoice
from faktura.status import DocumentKind
from faktura.wire import invoice_to_wire

from ..auth import Caller
from ..params import check_id
from ..schemas import CreateCreditNoteRequest
from .shared import Api, Handler, etag, json_response

__all__ = ["create_credit_note"]


def create_credit_note(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, CreateCreditNoteRequest)
        check_id(body.invoice_id, "invoiceId")
        lines = (
            None
            if body.lines is None
            else [(line.line_index, line.quantity) for line in body.lines]
        )

        def credit() -> Invoice:
            api.document(caller.company_id, body.invoice_id, DocumentKind.INVOICE)
            return api.billing.credit(
                caller.company_id,
                body.invoice_id,
                lines,
                issue_date=body.date,
                reason=body.reason,
                actor=caller.actor,
            )

        note = await api.call(credit)
        headers = {**etag(note), "Location": f"/v1/credit-notes/{note.id}"}
        return json_response(invoice_to_wire(note), 201, headers)

    return handle
