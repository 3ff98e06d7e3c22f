"""The ASGI app: the reference API's invoice API (and faktura's additions) over one ``Billing``.

``create_app`` puts the parts together: the route table (``routes``), each row's
handler (``handlers``) behind authentication, its scope and its declared query
parameters (``params``); the OpenAPI document built from the same table; the edge
(``edge``) and the error envelope (``errors``). Handlers run ``Billing`` (synchronous,
possibly blocking on the store) in the thread pool; every exception ends as the error
envelope of ``faktura.http.errors``, never as a traceback. The app never redirects (no
trailing-slash redirects, whatever Starlette's default) and answers every non-2xx with
that envelope, routing included.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from faktura.billing import Billing
from faktura.errors import ValidationError
from faktura.fields import wire_path_in
from faktura.ports import Clock
from faktura.wire import InvoiceResponse

from .auth import KeyCache, authenticate, require
from .edge import Edge, NoRoute
from .errors import ApiError, error_response, not_found, translate
from .handlers.shared import Api, Handler
from .openapi import Operation, build_openapi
from .params import query
from .routes import ROUTES

__all__ = ["create_app"]


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
    api = Api(billing, max_body_bytes, clock or billing.clock, inline_reads)
    keys = KeyCache(key_cache_seconds)
    document = build_openapi([op for op, _ in ROUTES], title="faktura invoices API")

    def endpoint(op: Operation, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        names = frozenset(p.name for p in op.params if p.location == "query")
        # the route's body, its answer, then the invoice (what booking and sending check)
        shapes = [c for c in (op.request, op.response, InvoiceResponse) if c and attrs.has(c)]

        async def serve(request: Request) -> Response:
            try:
                caller = await authenticate(billing, request, keys)
                if op.scope is not None:
                    require(caller, op.scope)
                return await handler(request, caller, query(request, names))
            except ClientDisconnect:
                raise  # nobody to answer: the edge logs it
            except Exception as exc:  # every failure becomes the error envelope
                if isinstance(exc, ValidationError):  # the core names fields in Python
                    exc = exc.renamed(functools.partial(wire_path_in, shapes))
                return error_response(translate(exc), request.url.path, api.clock.now())

        return serve

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            error = not_found(str(exc.detail), exc.headers)
        else:
            code = "METHOD_NOT_ALLOWED" if exc.status_code == 405 else "HTTP_ERROR"
            error = ApiError(exc.status_code, code, str(exc.detail), headers=exc.headers)
        return error_response(error, request.url.path, api.clock.now())

    async def server_error(request: Request, exc: Exception) -> Response:
        return error_response(translate(exc), request.url.path, api.clock.now())

    routes = [
        Route(op.path, endpoint(op, make(api)), methods=[op.method], name=op.operation_id)
        for op, make in ROUTES
    ]
    routes.append(Route("/openapi.json", openapi, methods=["GET"], name="openapi"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Edge, clock=api.clock)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    # Set here, not left to Starlette's defaults (which differ between versions): no
    # redirects, and a path no route matches is the 404 envelope.
    app.router.redirect_slashes = False
    app.router.default = NoRoute(api.clock)
    app.state.billing = billing
    app.state.openapi = document
    return app
