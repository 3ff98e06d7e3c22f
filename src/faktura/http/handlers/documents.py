"""Invoices and credit notes, the operations both kinds share: list, get, cancel, PDF,
send, delivery status. Each is made for one ``DocumentKind``; a document of the other
kind is not found."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.delivery.wire import SendRequest, delivery_status_to_wire, send_result_to_wire
from faktura.invoice import Invoice
from faktura.status import DocumentKind
from faktura.wire import invoice_to_wire, page_to_wire

from .. import params
from ..auth import Caller
from .shared import Api, Handler, entity, etag, json_response

__all__ = ["cancel_document", "delivery_status", "get_document", "list_documents", "pdf", "send"]

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+", re.ASCII)


def list_documents(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        page, limit = params.PAGE.of(query), params.LIMIT.of(query)
        customer_id = params.CUSTOMER_FILTER.of(query)
        search, status = params.SEARCH_INVOICES.of(query), params.STATUS.of(query)
        # only the first page of an unfiltered list is a bounded index read
        bounded = page == 1 and search is None and status is None and customer_id is None
        result = await (api.read if bounded else api.call)(
            api.billing.list_invoices,
            caller.company_id,
            page=page,
            limit=limit,
            search=search,
            status=status,
            customer_id=customer_id,
            kind=kind,
        )
        body = page_to_wire(result.items, result.total, page, limit)
        body["totalIsExact"] = result.exact
        return json_response(body)

    return handle


def get_document(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)
        invoice = await api.read(api.document, caller.company_id, document_id, kind)
        return json_response(invoice_to_wire(invoice), headers=etag(invoice))

    return handle


def cancel_document(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)

        def cancel() -> Invoice:
            api.document(caller.company_id, document_id, kind)
            return api.billing.cancel_draft(caller.company_id, document_id, actor=caller.actor)

        invoice = await api.call(cancel)
        return json_response(invoice_to_wire(invoice), headers=etag(invoice))

    return handle


def pdf(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        draft = params.DRAFT.of(query)
        document_id = params.ID.of(request.path_params)

        def render() -> tuple[Invoice, bytes]:
            # booked: the archived PDF (what was sent), else a render of what it was
            # issued with; draft: the template a send would use
            invoice = api.document(caller.company_id, document_id, kind)
            return invoice, api.billing.render_pdf(caller.company_id, invoice.id, draft=draft)

        invoice, pdf = await api.call(render)
        name = _FILENAME_UNSAFE.sub("-", f"{entity(kind)}-{invoice.number or invoice.id}")
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )

    return handle


def send(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)
        _, body = await api.parsed(request, SendRequest)
        key = params.IDEMPOTENCY_KEY.of(request.headers)

        def send() -> dict[str, object]:
            api.document(caller.company_id, document_id, kind)
            result = api.billing.send(
                caller.company_id,
                document_id,
                body.delivery_type,
                override_email=body.override_email,
                override_ean=body.override_ean_number,
                update_customer_record=body.update_customer_record,
                document_template_id=body.document_template_id,
                idempotency_key=key,
                actor=caller.actor,
                attach_pdf=body.attach_pdf,
            )
            return send_result_to_wire(result)

        return json_response(await api.call(send))

    return handle


def delivery_status(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)

        def status() -> dict[str, object]:
            api.document(caller.company_id, document_id, kind)
            return delivery_status_to_wire(
                api.billing.delivery_status(caller.company_id, document_id)
            )

        return json_response(await api.read(status))

    return handle
