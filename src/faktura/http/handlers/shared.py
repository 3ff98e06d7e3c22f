"""What the handlers share: the billing, the body limit, how a call reaches the store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from faktura.billing import Billing
from faktura.errors import NotFoundError
from faktura.invoice import Invoice
from faktura.ports import Clock
from faktura.status import DocumentKind

from ..auth import Caller
from ..body import read_json
from ..schemas import parse_body

__all__ = ["Api", "Handler", "entity", "etag", "json_response"]

T = TypeVar("T")
#: A route's handler: the request, its caller and its query parameters → the answer.
Handler = Callable[[Request, Caller, Mapping[str, str]], Awaitable[Response]]


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(data, status, headers=dict(headers or {}))


def etag(invoice: Invoice) -> dict[str, str]:
    return {"ETag": f'"{invoice.version}"'}


def entity(kind: DocumentKind) -> str:
    """How errors and file names call a document of ``kind``."""
    return "invoice" if kind is DocumentKind.INVOICE else "credit-note"


class Api:
    """The billing the handlers serve, the clock, the body limit, and whether bounded
    reads run in the event loop."""

    def __init__(
        self, billing: Billing, max_body_bytes: int, clock: Clock, inline_reads: bool
    ) -> None:
        self.billing = billing
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self.inline_reads = inline_reads

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
        return await read_json(request, self.max_body_bytes if limit is None else limit)

    async def parsed(self, request: Request, cls: type[T]) -> tuple[dict[str, Any], T]:
        data = await self.body(request)
        return data, parse_body(data, cls)

    def document(self, company_id: str, document_id: str, kind: DocumentKind) -> Invoice:
        """The company's document of that kind (an invoice id under /credit-notes is as
        unknown as any other)."""
        document = self.billing.get_invoice(company_id, document_id)
        if document.kind is not kind:
            raise NotFoundError(entity(kind), document_id)
        return document
