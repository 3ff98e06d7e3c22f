"""The ASGI app: the reference API's invoice API (and faktura's additions) over one ``Billing``.

Every route is one row of the operation table below: method, path, scope, the wire
classes it parses and answers, its handler. The router, the scope checks and the
OpenAPI document all come from that table. Handlers run ``Billing`` (synchronous,
possibly blocking on the store) in the thread pool; every exception ends as the error
envelope of ``faktura.http.errors``, never as a traceback.

Every non-2xx answer is that envelope, routing included: the app never redirects (no
trailing-slash redirects, whatever Starlette's default), a path that names no resource
(an encoded slash, a dot segment, an empty segment) is the 404 envelope before routing,
and a path no route matches is the 404 envelope too. A client that disconnects
mid-request is logged as such (no traceback).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope
from starlette.websockets import WebSocketClose

from faktura.apikeys import Scope
from faktura.attachments import (
    MAX_ATTACHMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    AttachmentTooLarge,
    SupportingDocument,
)
from faktura.billing import Billing
from faktura.delivery.wire import (
    DeliveryStatusResponse,
    SendRequest,
    SendResponse,
    attempt_to_wire,
    delivery_status_to_wire,
    send_result_to_wire,
)
from faktura.errors import ConflictError, NotFoundError
from faktura.invoice import Invoice
from faktura.lines import check_text
from faktura.ports import MAX_PAGE_SIZE, OVERDUE, Clock
from faktura.status import DocumentKind, Status
from faktura.wire import (
    CreateDraftRequest,
    InvoiceResponse,
    invoice_to_wire,
    new_draft,
    page_to_wire,
    unstructure,
)

from .auth import Caller, KeyCache, authenticate, require
from .errors import ApiError, error_response, invalid, translate, validation_details
from .openapi import ID_PATTERN, Operation, Param, build_openapi
from .schemas import (
    AccessPointStatusRequest,
    AccessPointStatusResponse,
    AttachmentList,
    AttachmentRequest,
    AttachmentWire,
    CompanyResponse,
    CreateCreditNoteRequest,
    CreateCustomerRequest,
    CustomerPage,
    CustomerResponse,
    InvoicePage,
    PaymentRequest,
    UpdateCompanyRequest,
    UpdateCustomerRequest,
    UpdateDraftRequest,
    attachment_from_wire,
    attachment_wire,
    attachments_wire,
    company_changes,
    company_wire,
    customer_changes,
    customer_fields,
    customer_wire,
    draft_changes,
    parse_body,
)

__all__ = ["create_app"]

T = TypeVar("T")
Handler = Callable[[Request, Caller], Awaitable[Response]]

logger = logging.getLogger("faktura.http")

_ID = re.compile(ID_PATTERN)
_WHOLE = re.compile(r"\d{1,10}\Z", re.ASCII)
_VERSION = re.compile(r'\s*(?:W/)?"?(\d{1,18})"?\s*\Z', re.ASCII)
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+", re.ASCII)
_STATUSES = [*(s.value for s in Status), OVERDUE]
#: JSON media types: application/json and application/<anything>+json.
_JSON_MEDIA = re.compile(r"application/(?:[a-z0-9!#$&^_.+-]+\+)?json\Z", re.ASCII)


# -- parameters ----------------------------------------------------------------------


def _path_param(name: str, what: str) -> Param:
    return Param(name, "path", {"type": "string", "pattern": ID_PATTERN}, what, required=True)


_ID_PARAM = _path_param("id", "Document ID")
_CUSTOMER_ID_PARAM = _path_param("id", "Customer ID")
_PAGE = Param(
    "page",
    "query",
    {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 1},
    "Page number (1-indexed)",
)
_LIMIT = Param(
    "limit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
    "Number of items per page",
)
_SEARCH_INVOICES = Param(
    "search",
    "query",
    {"type": "string", "maxLength": 200},
    "Free-text search (invoice number, description)",
)
_SEARCH_CUSTOMERS = Param(
    "search", "query", {"type": "string", "maxLength": 200}, "Free-text search (name, number)"
)
_STATUS = Param(
    "status",
    "query",
    {"type": "string", "enum": _STATUSES},
    "Filter by status (overdue: booked, owed and past its due date)",
)
_CUSTOMER_FILTER = Param(
    "customerId",
    "query",
    {"type": "string", "pattern": ID_PATTERN},
    "Filter for a specific customer",
)
_DRAFT = Param(
    "draft", "query", {"type": "boolean", "default": False}, "Render a draft watermark version"
)
_ATTACHMENT_ID_PARAM = Param(
    "attachmentId",
    "path",
    {"type": "string", "minLength": 1, "maxLength": 200},
    "The supporting document's reference (its id, BT-122)",
    required=True,
)
#: The largest body of "Add a supporting document": the largest file in base64, and room
#: for the other properties.
_ATTACHMENT_BODY_BYTES = (MAX_FILE_BYTES + 2) // 3 * 4 + 16_384
_IF_MATCH = Param(
    "If-Match",
    "header",
    {"type": "string", "maxLength": 64},
    'Only apply when the draft is still at this version (its ETag, e.g. "3")',
)
_IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    {"type": "string", "minLength": 1, "maxLength": 200},
    "Repeating a send with the same key returns the stored result without sending again",
)


def _query(request: Request, params: tuple[Param, ...]) -> dict[str, str]:
    """The query parameters, each known and given once; ApiError 400 otherwise."""
    allowed = {p.name for p in params if p.location == "query"}
    values: dict[str, str] = {}
    for key in request.query_params:
        if key not in allowed:
            raise invalid(key, "unknown_field", "is not a known query parameter")
        given = request.query_params.getlist(key)
        if len(given) > 1:
            raise invalid(key, "repeated", "must be given once")
        values[key] = given[0]
    return values


def _whole(values: Mapping[str, str], name: str, default: int) -> int:
    value = values.get(name)
    if value is None:
        return default
    if not _WHOLE.match(value):
        raise invalid(name, "type", "must be a whole number")
    return int(value)


def _id_value(value: str, name: str) -> str:
    if not _ID.match(value):
        raise invalid(name, "id", "is not a valid id")
    return value


def _path_id(request: Request) -> str:
    return _id_value(str(request.path_params["id"]), "id")


def _search(values: Mapping[str, str]) -> str | None:
    search = values.get("search")
    if search is not None:
        check_text(search, "search", limit=200)
    return search or None


def _flag(values: Mapping[str, str], name: str) -> bool:
    value = values.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise invalid(name, "type", "must be true or false")
    return value in ("true", "1")


def _expected_version(request: Request) -> int | None:
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    match = _VERSION.match(header)
    if match is None:
        raise invalid("If-Match", "format", 'must be the ETag of the draft, e.g. "3"')
    return int(match.group(1))


# -- bodies --------------------------------------------------------------------------


def _unsupported(message: str, headers: Mapping[str, str] | None = None) -> ApiError:
    return ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message, headers=headers)


def _is_json(content_type: str) -> bool:
    """Whether a Content-Type names JSON: ``application/json`` or ``application/*+json``,
    with no parameter but an optional ``charset=utf-8`` (any case, quoted or not)."""
    media, _, parameters = content_type.partition(";")
    if not _JSON_MEDIA.match(media.strip().lower()):
        return False
    for parameter in parameters.split(";"):
        if not parameter.strip():
            continue
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def _check_media_type(request: Request) -> None:
    """ApiError 415 unless the body is JSON as sent: a JSON Content-Type (or none: a body
    without one is read as JSON) and no Content-Encoding but ``identity``."""
    encodings = [
        coding.strip().lower()
        for header in request.headers.getlist("content-encoding")
        for coding in header.split(",")
    ]
    if any(coding not in ("", "identity") for coding in encodings):
        raise _unsupported(
            "the request body must not be encoded (Content-Encoding: identity)",
            {"Accept-Encoding": "identity"},
        )
    content_types = request.headers.getlist("content-type")
    if content_types and (len(content_types) > 1 or not _is_json(content_types[0])):
        raise _unsupported(
            "the request body must be JSON: Content-Type application/json (charset utf-8)"
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(data, status, headers=dict(headers or {}))


def _etag(invoice: Invoice) -> dict[str, str]:
    return {"ETag": f'"{invoice.version}"'}


class _Api:
    """The handlers, with what they share: the billing, the clock, the body limit."""

    def __init__(
        self, billing: Billing, max_body_bytes: int, clock: Clock, inline_reads: bool
    ) -> None:
        self.billing = billing
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self.inline_reads = inline_reads

    # -- plumbing ------------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call (a write, a send, a render) on a worker thread."""
        return await run_in_threadpool(fn, *args, **kwargs)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a read bounded in size and found through an index (one document, customer
        or company by id, the first page of an unfiltered list): in the event loop when
        the store is in this process (``inline_reads``: memory, SQLite), where the hop to
        a worker thread costs more than the read. Any other read (a filtered or searched
        list, a deeper page, a count) goes through ``call``: it may take longer than the
        event loop can wait."""
        if self.inline_reads:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)

    async def body(self, request: Request, limit: int | None = None) -> dict[str, Any]:
        """The JSON object of the request body, read up to the size limit (``limit``
        when given, else ``max_body_bytes``)."""
        _check_media_type(request)
        most = self.max_body_bytes if limit is None else limit
        too_large = ApiError(
            413,
            "PAYLOAD_TOO_LARGE",
            f"the request body is above {most} bytes",
            {"maxBytes": most},
        )
        length = request.headers.get("content-length")
        if length is not None:
            if not _WHOLE.match(length.strip()):
                if length.strip().isdigit():
                    raise too_large
                raise invalid("Content-Length", "type", "must be a whole number")
            if int(length) > most:
                raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > most:
                raise too_large
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            raise invalid("", "required", "a JSON object is required as the request body")
        try:
            data = json.loads(
                raw, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates
            )
        except (ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            raise ApiError(
                400, "MALFORMED_JSON", f"the request body is not valid JSON: {reason}"
            ) from None
        if not isinstance(data, dict):
            raise invalid("", "type", "the request body must be a JSON object")
        return data

    async def parsed(self, request: Request, cls: type[T]) -> tuple[dict[str, Any], T]:
        data = await self.body(request)
        return data, parse_body(data, cls)

    def document(self, company_id: str, document_id: str, kind: DocumentKind) -> Invoice:
        """The company's document of that kind (an invoice id under /credit-notes is as
        unknown as any other)."""
        document = self.billing.get_invoice(company_id, document_id)
        if document.kind is not kind:
            raise NotFoundError(_entity(kind), document_id)
        return document

    # -- invoices and credit notes (shared by both kinds) --------------------------------

    def list_documents(self, kind: DocumentKind, params: tuple[Param, ...]) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            values = _query(request, params)
            page, limit = _whole(values, "page", 1), _whole(values, "limit", 20)
            customer_id = values.get("customerId")
            if customer_id is not None:
                _id_value(customer_id, "customerId")
            search, status = _search(values), values.get("status")
            # only the first page of an unfiltered list is a bounded index read
            bounded = page == 1 and search is None and status is None and customer_id is None
            result = await (self.read if bounded else self.call)(
                self.billing.list_invoices,
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
            return _json_response(body)

        return handle

    def get_document(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            invoice = await self.read(self.document, caller.company_id, _path_id(request), kind)
            return _json_response(invoice_to_wire(invoice), headers=_etag(invoice))

        return handle

    def cancel_document(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            document_id = _path_id(request)

            def cancel() -> Invoice:
                self.document(caller.company_id, document_id, kind)
                return self.billing.cancel_draft(caller.company_id, document_id, actor=caller.actor)

            invoice = await self.call(cancel)
            return _json_response(invoice_to_wire(invoice), headers=_etag(invoice))

        return handle

    def pdf(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            draft = _flag(_query(request, (_DRAFT,)), "draft")
            document_id = _path_id(request)

            def render() -> tuple[Invoice, bytes]:
                # booked: the archived PDF (what was sent), else a render of what it was
                # issued with; draft: the template a send would use
                invoice = self.document(caller.company_id, document_id, kind)
                return invoice, self.billing.render_pdf(caller.company_id, invoice.id, draft=draft)

            invoice, pdf = await self.call(render)
            name = _FILENAME_UNSAFE.sub("-", f"{_entity(kind)}-{invoice.number or invoice.id}")
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
            )

        return handle

    def send(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            document_id = _path_id(request)
            _, body = await self.parsed(request, SendRequest)
            key = request.headers.get("idempotency-key")

            def send() -> dict[str, object]:
                self.document(caller.company_id, document_id, kind)
                result = self.billing.send(
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

            return _json_response(await self.call(send))

        return handle

    # -- supporting documents (both kinds) -----------------------------------------------

    def list_attachments(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            invoice = await self.read(self.document, caller.company_id, _path_id(request), kind)
            return _json_response(unstructure(attachments_wire(invoice.attachments)))

        return handle

    def add_attachment(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            document_id = _path_id(request)
            limit = max(self.max_body_bytes, _ATTACHMENT_BODY_BYTES)
            data = await self.body(request, limit)
            attachment = attachment_from_wire(parse_body(data, AttachmentRequest))

            def add() -> SupportingDocument:
                self.document(caller.company_id, document_id, kind)
                try:
                    return self.billing.add_attachment(
                        caller.company_id, document_id, attachment, actor=caller.actor
                    )
                except AttachmentTooLarge as exc:
                    details = validation_details(exc.errors)
                    details["maxBytes"] = MAX_FILE_BYTES
                    details["maxDocumentBytes"] = MAX_DOCUMENT_BYTES
                    details["maxAttachments"] = MAX_ATTACHMENTS
                    raise ApiError(413, "PAYLOAD_TOO_LARGE", str(exc), details) from None

            kept = await self.call(add)
            return _json_response(unstructure(attachment_wire(kept)), 201)

        return handle

    def remove_attachment(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            document_id = _path_id(request)
            attachment_id = str(request.path_params["attachmentId"])

            def remove() -> tuple[SupportingDocument, ...]:
                self.document(caller.company_id, document_id, kind)
                return self.billing.remove_attachment(
                    caller.company_id, document_id, attachment_id, actor=caller.actor
                )

            left = await self.call(remove)
            return _json_response(unstructure(attachments_wire(left)))

        return handle

    def delivery_status(self, kind: DocumentKind) -> Handler:
        async def handle(request: Request, caller: Caller) -> Response:
            _query(request, ())
            document_id = _path_id(request)

            def status() -> dict[str, object]:
                self.document(caller.company_id, document_id, kind)
                return delivery_status_to_wire(
                    self.billing.delivery_status(caller.company_id, document_id)
                )

            return _json_response(await self.read(status))

        return handle

    # -- invoices ------------------------------------------------------------------------

    async def create_draft(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        data = await self.body(request)
        invoice = await self.call(
            self.billing.create_draft, caller.company_id, new_draft(data), actor=caller.actor
        )
        headers = {**_etag(invoice), "Location": f"/v1/invoices/{invoice.id}"}
        return _json_response(invoice_to_wire(invoice), 201, headers)

    async def update_draft(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        invoice_id = _path_id(request)
        expected = _expected_version(request)
        data, body = await self.parsed(request, UpdateDraftRequest)

        def update() -> Invoice:
            company_id = caller.company_id
            self.document(company_id, invoice_id, DocumentKind.INVOICE)
            return self.billing.update_draft(
                company_id,
                invoice_id,
                draft_changes(data, body),
                expected_version=expected,
                actor=caller.actor,
            )

        try:
            invoice = await self.call(update)
        except ConflictError as exc:
            if expected is None:
                raise
            raise ApiError(412, "PRECONDITION_FAILED", exc.message) from None
        return _json_response(invoice_to_wire(invoice), headers=_etag(invoice))

    async def record_payment(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        invoice_id = _path_id(request)
        _, body = await self.parsed(request, PaymentRequest)

        def pay() -> Invoice:
            self.document(caller.company_id, invoice_id, DocumentKind.INVOICE)
            return self.billing.record_payment(
                caller.company_id,
                invoice_id,
                body.amount,
                paid_on=body.paid_on,
                reference=body.reference,
                actor=caller.actor,
            )

        invoice = await self.call(pay)
        return _json_response(invoice_to_wire(invoice), headers=_etag(invoice))

    # -- credit notes --------------------------------------------------------------------

    async def create_credit_note(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        _, body = await self.parsed(request, CreateCreditNoteRequest)
        _id_value(body.invoice_id, "invoiceId")
        lines = (
            None
            if body.lines is None
            else [(line.line_index, line.quantity) for line in body.lines]
        )

        def credit() -> Invoice:
            self.document(caller.company_id, body.invoice_id, DocumentKind.INVOICE)
            return self.billing.credit(
                caller.company_id,
                body.invoice_id,
                lines,
                issue_date=body.date,
                reason=body.reason,
                actor=caller.actor,
            )

        note = await self.call(credit)
        headers = {**_etag(note), "Location": f"/v1/credit-notes/{note.id}"}
        return _json_response(invoice_to_wire(note), 201, headers)

    # -- customers -----------------------------------------------------------------------

    async def create_customer(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        data, body = await self.parsed(request, CreateCustomerRequest)
        customer = await self.call(
            self.billing.create_customer, caller.company_id, customer_fields(data, body)
        )
        headers = {"Location": f"/v1/customers/{customer.id}"}
        return _json_response(unstructure(customer_wire(customer)), 201, headers)

    async def list_customers(self, request: Request, caller: Caller) -> Response:
        values = _query(request, (_PAGE, _LIMIT, _SEARCH_CUSTOMERS))
        page, limit = _whole(values, "page", 1), _whole(values, "limit", 20)
        # a count of the company's customers, and a search: never inline
        result = await self.call(
            self.billing.list_customers, caller.company_id, page, limit, _search(values)
        )
        wire = CustomerPage(
            items=[customer_wire(c) for c in result.items],
            total=result.total,
            page=page,
            limit=limit,
            total_pages=(result.total + limit - 1) // limit,
            total_is_exact=result.exact,
        )
        return _json_response(unstructure(wire))

    async def get_customer(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        customer = await self.read(self.billing.get_customer, caller.company_id, _path_id(request))
        return _json_response(unstructure(customer_wire(customer)))

    async def update_customer(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        customer_id = _path_id(request)
        data, body = await self.parsed(request, UpdateCustomerRequest)
        customer = await self.call(
            self.billing.update_customer,
            caller.company_id,
            customer_id,
            customer_changes(data, body),
        )
        return _json_response(unstructure(customer_wire(customer)))

    # -- the caller's company ------------------------------------------------------------

    async def get_company(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        company = await self.read(self.billing.get_company, caller.company_id)
        return _json_response(unstructure(company_wire(company)))

    async def update_company(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        data, body = await self.parsed(request, UpdateCompanyRequest)
        changes = company_changes(data, body)
        company = await self.call(self.billing.update_company, caller.company_id, changes)
        return _json_response(unstructure(company_wire(company)))

    # -- webhooks ------------------------------------------------------------------------

    async def access_point_status(self, request: Request, caller: Caller) -> Response:
        _query(request, ())
        _, body = await self.parsed(request, AccessPointStatusRequest)
        attempt = await self.call(
            self.billing.apply_provider_status,
            caller.company_id,
            body.document_id,
            body.status,
            message=body.message,
            details=body.details,
        )
        wire = AccessPointStatusResponse(attempt.invoice_id, attempt_to_wire(attempt))
        return _json_response(unstructure(wire))

    # -- the table -----------------------------------------------------------------------

    def routes(self) -> list[tuple[Operation, Handler]]:
        invoice, credit_note = DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE
        list_params = (_PAGE, _LIMIT, _SEARCH_INVOICES, _STATUS, _CUSTOMER_FILTER)
        read, write = Scope.INVOICES_READ, Scope.INVOICES_WRITE
        table: list[tuple[Operation, Handler]] = []

        def add(handler: Handler, **spec: Any) -> None:
            table.append((Operation(**spec), handler))

        for kind, base, tag, noun in (
            (invoice, "/v1/invoices", "Invoices", "invoice"),
            (credit_note, "/v1/credit-notes", "Credit notes", "credit note"),
        ):
            one = f"{base}/{{id}}"
            prefix = "" if kind is invoice else "CreditNote"
            add(
                self.list_documents(kind, list_params),
                method="GET",
                path=base,
                operation_id=f"list{prefix or 'Invoice'}s",
                summary=f"List {noun}s",
                tag=tag,
                scope=read,
                description=f"Returns a paginated list of {noun}s for your company, newest "
                "first, optionally filtered by status and customer.",
                params=list_params,
                response=InvoicePage,
            )
            add(
                self.get_document(kind),
                method="GET",
                path=one,
                operation_id=f"get{prefix or 'Invoice'}",
                summary=f"Get a {noun} by ID",
                tag=tag,
                scope=read,
                description=f"Returns 404 when the {noun} does not exist in your company. "
                "The ETag header carries the version (for If-Match on edits).",
                params=(_ID_PARAM,),
                response=InvoiceResponse,
                errors=(404,),
            )
            add(
                self.cancel_document(kind),
                method="DELETE",
                path=one,
                operation_id=f"cancel{prefix or 'Invoice'}",
                summary=f"Cancel a draft {noun}",
                tag=tag,
                scope=write,
                description="Cancels a draft (status cancelled) and answers the cancelled "
                "document; booked documents are corrected with credit notes instead (409)."
                + (
                    " A cancelled credit-note draft no longer counts against its invoice."
                    if kind is credit_note
                    else ""
                ),
                params=(_ID_PARAM,),
                response=InvoiceResponse,
                errors=(404, 409),
            )
            add(
                self.pdf(kind),
                method="GET",
                path=f"{one}/pdf",
                operation_id=f"get{prefix or 'Invoice'}Pdf",
                summary=f"Download the {noun} PDF",
                tag=tag,
                scope=read,
                description="Streams the rendered PDF. Pass draft=true to render a draft "
                "watermark version (generated on the fly).",
                params=(_ID_PARAM, _DRAFT),
                media_type="application/pdf",
                errors=(404, 422),
            )
            add(
                self.send(kind),
                method="POST",
                path=f"{one}/send",
                operation_id=f"send{prefix or 'Invoice'}",
                summary=f"Send a {noun} to the customer",
                tag=tag,
                scope=Scope.INVOICES_SEND,
                description="Sends the document over the chosen delivery channel. Sending "
                "books a draft and allocates its number. A delivery that failed after "
                "booking answers 200 with success false and the attempt's error; "
                "refusals before booking (recipient, pre-flight) answer 400/422/503 and "
                "use no number.",
                params=(_ID_PARAM, _IDEMPOTENCY_KEY),
                request=SendRequest,
                response=SendResponse,
                errors=(404, 409, 422, 502),
            )
            add(
                self.list_attachments(kind),
                method="GET",
                path=f"{one}/attachments",
                operation_id=f"list{prefix or 'Invoice'}Attachments",
                summary=f"List the supporting documents of a {noun}",
                tag=tag,
                scope=read,
                description="The supporting documents (EN 16931 BG-24) kept with the "
                "document, in the order its e-invoices carry them, without their bytes.",
                params=(_ID_PARAM,),
                response=AttachmentList,
                errors=(404,),
            )
            add(
                self.add_attachment(kind),
                method="POST",
                path=f"{one}/attachments",
                operation_id=f"add{prefix or 'Invoice'}Attachment",
                summary=f"Add a supporting document to a draft {noun}",
                tag=tag,
                scope=write,
                description="Keeps a supporting document (EN 16931 BG-24) with a draft: "
                "every e-invoice of the document carries it, after the document's own PDF "
                "when that is embedded; final once booked (409). The body may be up to "
                f"{_ATTACHMENT_BODY_BYTES} bytes; a file above {MAX_FILE_BYTES} bytes, "
                f"more than {MAX_DOCUMENT_BYTES} bytes or {MAX_ATTACHMENTS} supporting "
                "documents per document is 413.",
                params=(_ID_PARAM,),
                request=AttachmentRequest,
                response=AttachmentWire,
                status=201,
                errors=(404, 409, 413),
            )
            add(
                self.remove_attachment(kind),
                method="DELETE",
                path=f"{one}/attachments/{{attachmentId}}",
                operation_id=f"remove{prefix or 'Invoice'}Attachment",
                summary=f"Remove a supporting document from a draft {noun}",
                tag=tag,
                scope=write,
                description="Takes the supporting document off the draft and answers the "
                "ones left; booked documents keep theirs (409).",
                params=(_ID_PARAM, _ATTACHMENT_ID_PARAM),
                response=AttachmentList,
                errors=(404, 409),
            )
            add(
                self.delivery_status(kind),
                method="GET",
                path=f"{one}/delivery-status",
                operation_id=f"get{prefix or 'Invoice'}DeliveryStatus",
                summary=f"Get the delivery status of a {noun}",
                tag=tag,
                scope=read,
                description="Returns an aggregate send summary plus a per-attempt delivery log.",
                params=(_ID_PARAM,),
                response=DeliveryStatusResponse,
                errors=(404,),
            )
        add(
            self.create_draft,
            method="POST",
            path="/v1/invoices",
            operation_id="createInvoice",
            summary="Create a draft invoice",
            tag="Invoices",
            scope=write,
            description="Creates a draft invoice. The invoice number is allocated at "
            "booking time (when sent), so a draft has no number yet.",
            request=CreateDraftRequest,
            response=InvoiceResponse,
            status=201,
        )
        add(
            self.update_draft,
            method="PATCH",
            path="/v1/invoices/{id}",
            operation_id="updateInvoice",
            summary="Edit a draft invoice",
            tag="Invoices",
            scope=write,
            description="Changes the fields the body names (the create fields, all "
            "optional); null clears an optional field. With If-Match, the edit applies "
            "only to that version (412 otherwise). Booked invoices cannot be edited (409).",
            params=(_ID_PARAM, _IF_MATCH),
            request=UpdateDraftRequest,
            response=InvoiceResponse,
            errors=(404, 409, 412),
        )
        add(
            self.record_payment,
            method="POST",
            path="/v1/invoices/{id}/payments",
            operation_id="recordInvoicePayment",
            summary="Record a payment",
            tag="Invoices",
            scope=Scope.PAYMENTS_WRITE,
            description="Registers a payment against a booked invoice: partially_paid, or "
            "paid once nothing is outstanding. Overpayments are refused (400).",
            params=(_ID_PARAM,),
            request=PaymentRequest,
            response=InvoiceResponse,
            errors=(404, 409),
        )
        add(
            self.create_credit_note,
            method="POST",
            path="/v1/credit-notes",
            operation_id="createCreditNote",
            summary="Create a credit note",
            tag="Credit notes",
            scope=write,
            description="Creates a credit-note draft crediting a booked invoice fully, or "
            "the given lines in part; it is numbered (own series) when sent. Amounts of "
            "credit notes are negative on the wire.",
            request=CreateCreditNoteRequest,
            response=InvoiceResponse,
            status=201,
            errors=(404, 409),
        )
        customers = "Customers"
        add(
            self.create_customer,
            method="POST",
            path="/v1/customers",
            operation_id="createCustomer",
            summary="Create a customer",
            tag=customers,
            scope=Scope.CUSTOMERS_WRITE,
            request=CreateCustomerRequest,
            response=CustomerResponse,
            status=201,
        )
        add(
            self.list_customers,
            method="GET",
            path="/v1/customers",
            operation_id="listCustomers",
            summary="List customers",
            tag=customers,
            scope=Scope.CUSTOMERS_READ,
            description="A page of your company's customers by name.",
            params=(_PAGE, _LIMIT, _SEARCH_CUSTOMERS),
            response=CustomerPage,
        )
        add(
            self.get_customer,
            method="GET",
            path="/v1/customers/{id}",
            operation_id="getCustomer",
            summary="Get a customer by ID",
            tag=customers,
            scope=Scope.CUSTOMERS_READ,
            params=(_CUSTOMER_ID_PARAM,),
            response=CustomerResponse,
            errors=(404,),
        )
        add(
            self.update_customer,
            method="PATCH",
            path="/v1/customers/{id}",
            operation_id="updateCustomer",
            summary="Edit a customer",
            tag=customers,
            scope=Scope.CUSTOMERS_WRITE,
            description="Changes the fields the body names; departments and contacts "
            "replace the lists.",
            params=(_CUSTOMER_ID_PARAM,),
            request=UpdateCustomerRequest,
            response=CustomerResponse,
            errors=(404,),
        )
        add(
            self.get_company,
            method="GET",
            path="/v1/company",
            operation_id="getCompany",
            summary="Get your company",
            tag="Company",
            scope=Scope.COMPANY_READ,
            description="The profile of the API key's company: the seller on its documents.",
            response=CompanyResponse,
        )
        add(
            self.update_company,
            method="PATCH",
            path="/v1/company",
            operation_id="updateCompany",
            summary="Edit your company",
            tag="Company",
            scope=Scope.COMPANY_WRITE,
            description="Changes the fields the body names; address, bank and the number "
            "series change in part, null clears an optional field. A number series in "
            "which documents are booked keeps its pattern, start and reset (400).",
            request=UpdateCompanyRequest,
            response=CompanyResponse,
        )
        add(
            self.access_point_status,
            method="POST",
            path="/v1/webhooks/access-point",
            operation_id="accessPointStatus",
            summary="Access point status callback",
            tag="Webhooks",
            scope=Scope.WEBHOOKS,
            description="An e-invoicing access point reports what became of a document "
            "it delivered (accepted, rejected, ...); a rejection fails the attempt.",
            request=AccessPointStatusRequest,
            response=AccessPointStatusResponse,
            errors=(404,),
        )
        return table


def _entity(kind: DocumentKind) -> str:
    return "invoice" if kind is DocumentKind.INVOICE else "credit-note"


def create_app(
    billing: Billing,
    *,
    max_body_bytes: int = 1_000_000,
    clock: Clock | None = None,
    key_cache_seconds: float = 2.0,
    inline_reads: bool | None = None,
) -> Starlette:
    """The HTTP API over ``billing`` as an ASGI app (Starlette).

    ``max_body_bytes`` bounds request bodies (413 above it); ``clock`` stamps error
    bodies (default: the billing's clock); ``key_cache_seconds``: how long a verified API
    key is trusted without a look-up (0: every request looks it up). ``inline_reads``:
    run the reads that are bounded index look-ups (one document, customer or company
    by id; the first page of an unfiltered list) in the event loop instead of on a
    worker thread — by default for stores in this process (memory, SQLite). Filtered,
    searched and deeper lists, writes, sends and PDFs always go to worker threads.
    """
    if inline_reads is None:
        from faktura.storage.memory import MemoryStore
        from faktura.storage.sqlite import SqliteStore

        inline_reads = isinstance(billing.store, MemoryStore | SqliteStore)
    api = _Api(billing, max_body_bytes, clock or billing.clock, inline_reads)
    keys = KeyCache(key_cache_seconds)
    table = api.routes()
    document = build_openapi([op for op, _ in table], title="faktura invoices API")

    def endpoint(op: Operation, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            try:
                caller = await authenticate(billing, request, keys)
                if op.scope is not None:
                    require(caller, op.scope)
                return await handler(request, caller)
            except ClientDisconnect:
                raise  # nobody to answer: the edge logs it
            except Exception as exc:  # every failure becomes the error envelope
                return error_response(translate(exc), request.url.path, api.clock.now())

        return serve

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        error = ApiError(exc.status_code, code, str(exc.detail), headers=exc.headers)
        return error_response(error, request.url.path, api.clock.now())

    async def server_error(request: Request, exc: Exception) -> Response:
        return error_response(translate(exc), request.url.path, api.clock.now())

    routes = [
        Route(op.path, endpoint(op, handler), methods=[op.method], name=op.operation_id)
        for op, handler in table
    ]
    routes.append(Route("/openapi.json", openapi, methods=["GET"], name="openapi"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(_Edge, clock=api.clock)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    # Set here, not left to Starlette's defaults (which differ between versions): no
    # redirects, and a path no route matches is the 404 envelope.
    app.router.redirect_slashes = False
    app.router.default = _NoRoute(api.clock)
    app.state.billing = billing
    app.state.openapi = document
    return app


# -- the edge: paths, disconnects ----------------------------------------------------


def _not_found(scope: AsgiScope, clock: Clock) -> Response:
    error = ApiError(404, "NOT_FOUND", "Not Found")
    return error_response(error, Request(scope).url.path, clock.now())


def _names_nothing(scope: AsgiScope) -> bool:
    """Whether a request path cannot name a resource: an encoded slash (``%2F``) or a
    dot, empty or trailing-slash segment. Such paths are 404 before routing, so an id can
    never reach another route or a redirect."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and b"%2f" in raw.partition(b"?")[0].lower():
        return True
    path = str(scope.get("path", ""))
    if path == "/":
        return False
    head, *segments = path.split("/")
    return head != "" or any(segment in ("", ".", "..") for segment in segments)


class _Edge:
    """The outer edge of the app (inside Starlette's error middleware): answers the 404
    envelope for paths that name nothing, and logs a client gone mid-request as a
    disconnect (with the 499 envelope when nothing was answered yet), not as an error."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _names_nothing(scope):
            await _not_found(scope, self.clock)(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            try:
                await send(message)
            except OSError:  # how an ASGI server says the client is gone (spec 2.4)
                raise ClientDisconnect() from None

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            path = Request(scope).url.path
            logger.info("client disconnected mid-request: %s %s", scope.get("method"), path)
            if not started:  # the server drops it; an embedding middleware wants one
                error = ApiError(499, "CLIENT_DISCONNECTED", "the client disconnected")
                with contextlib.suppress(OSError, ClientDisconnect):
                    await error_response(error, path, self.clock.now())(scope, receive, send)


class _NoRoute:
    """The router's answer when no route matches: the 404 envelope."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        await _not_found(scope, self.clock)(scope, receive, send)
