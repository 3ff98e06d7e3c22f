"""The edge of the app: paths that name nothing, routes that match nothing, clients gone.

Every non-2xx answer is the error envelope, routing included: a path that names no
resource (an encoded slash, a dot segment, an empty segment) is the 404 envelope before
routing, and a path no route matches is the 404 envelope too. A client that disconnects
mid-request is logged as such (no traceback).
"""

from __future__ import annotations

import contextlib
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope
from starlette.websockets import WebSocketClose

from faktura.ports import Clock

from .errors import ApiError, error_response, not_found

__all__ = ["Edge", "NoRoute"]

logger = logging.getLogger("faktura.http")


def _not_found(scope: AsgiScope, clock: Clock) -> Response:
    return error_response(not_found(), Request(scope).url.path, clock.now())


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


class Edge:
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


class NoRoute:
    """The router's answer when no route matches: the 404 envelope."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        await _not_found(scope, self.clock)(scope, receive, send)
