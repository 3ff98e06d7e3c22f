"""Supporting documents (EN 16931 BG-24) of invoices and credit notes: list, add, remove.
Each handler is made for one ``DocumentKind``."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.attachments import (
    MAX_ATTACHMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    AttachmentTooLarge,
    SupportingDocument,
)
from faktura.status import DocumentKind
from faktura.wire import unstructure

from .. import params
from ..auth import Caller
from ..errors import ApiError, validation_details
from ..schemas import (
    AttachmentRequest,
    attachment_from_wire,
    attachment_wire,
    attachments_wire,
    parse_body,
)
from .shared import Api, Handler, json_response

__all__ = ["ATTACHMENT_BODY_BYTES", "add_attachment", "list_attachments", "remove_attachment"]

#: The largest body of "Add a supporting document": the largest file in base64, and room
#: for the other properties.
ATTACHMENT_BODY_BYTES = (MAX_FILE_BYTES + 2) // 3 * 4 + 16_384


def list_attachments(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)
        invoice = await api.read(api.document, caller.company_id, document_id, kind)
        return json_response(unstructure(attachments_wire(invoice.attachments)))

    return handle


def add_attachment(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)
        limit = max(api.max_body_bytes, ATTACHMENT_BODY_BYTES)
        data = await api.body(request, limit)
        attachment = attachment_from_wire(parse_body(data, AttachmentRequest))

        def add() -> SupportingDocument:
            api.document(caller.company_id, document_id, kind)
            try:
                return api.billing.add_attachment(
                    caller.company_id, document_id, attachment, actor=caller.actor
                )
            except AttachmentTooLarge as exc:
                details = validation_details(exc.errors)
                details["maxBytes"] = MAX_FILE_BYTES
                details["maxDocumentBytes"] = MAX_DOCUMENT_BYTES
                details["maxAttachments"] = MAX_ATTACHMENTS
                raise ApiError(413, "PAYLOAD_TOO_LARGE", str(exc), details) from None

        kept = await api.call(add)
        return json_response(unstructure(attachment_wire(kept)), 201)

    return handle


def remove_attachment(api: Api, kind: DocumentKind) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        document_id = params.ID.of(request.path_params)
        attachment_id = params.ATTACHMENT_ID.of(request.path_params)

        def remove() -> tuple[SupportingDocument, ...]:
            api.document(caller.company_id, document_id, kind)
            return api.billing.remove_attachment(
                caller.company_id, document_id, attachment_id, actor=caller.actor
            )

        left = await api.call(remove)
        return json_response(unstructure(attachments_wire(left)))

    return handle
