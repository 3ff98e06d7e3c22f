"""uvicorn with a read timeout: a client must send its whole request, head and body,
within ``read_timeout`` seconds of starting it, or the connection is closed.

uvicorn itself waits for a request head as long as the client keeps sending bytes (or
none at all, on a new connection): a few hundred clients dribbling one header byte at a
time ("slowloris") hold as many connections open for as long as they like. The protocol
here (uvicorn's h11 protocol, pure Python, with a deadline) starts a timer when a
connection opens or a new request's first byte arrives and stops it when the request
has been received in full; the time the app takes to answer is not counted. When it
fires the client gets ``408 Request Timeout`` (if it had sent part of a request and no
answer was started) and the connection is closed.

The close after a 408 lingers, as Apache's and nginx's do: the server half-closes (FIN),
then reads and discards whatever the client still sends for up to ``LINGER`` seconds or
until the client closes too. Closing a socket with unread bytes in it makes the kernel
send a reset instead, and a reset can destroy the 408 on its way to the client, which
then sees the connection vanish without a word.

``faktura serve --read-timeout SECONDS`` uses it; a host running uvicorn itself passes
``http=read_timeout_protocol(10.0)`` to ``uvicorn.run`` or ``uvicorn.Config``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from faktura.errors import ConfigurationError

__all__ = ["DEFAULT_READ_TIMEOUT", "ReadTimeoutProtocol", "read_timeout_protocol"]

#: Seconds a client has to send a request's head and body (``faktura serve``'s default).
DEFAULT_READ_TIMEOUT = 10.0
#: Seconds a connection stays half-closed after a 408, its input read and discarded.
LINGER = 2.0

logger = logging.getLogger("faktura.http")

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 35\r\nconnection: close\r\n\r\nthe request was not sent in time.\r\n"
)
# The client's states in which (part of) a request is still to come.
_RECEIVING = (h11.IDLE, h11.SEND_BODY)


class ReadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol that closes a connection whose request (head and body)
    does not arrive within ``read_timeout`` seconds (see the module docstring)."""

    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._read_deadline: asyncio.TimerHandle | None = None
        self._lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # after a 408: read and dropped, so that closing does not reset
        if self._read_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in _RECEIVING:
            self._disarm()  # received in full (or the connection failed or switched)

    def _arm(self) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(self.read_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _timed_out(self) -> None:
        self._read_deadline = None
        state = self.conn.their_state
        if self.transport.is_closing() or state not in _RECEIVING:
            return
        if state is h11.SEND_BODY:
            begun, answered = True, self.cycle is not None and self.cycle.response_started
        else:
            begun, answered = bool(self.conn.trailing_data[0]), False
        peer = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        logger.info(
            "closed the connection of %s: no whole request within %s s", peer, self.read_timeout
        )
        if begun and not answered:
            self.transport.write(_REQUEST_TIMEOUT)
            self._linger()
        else:
            self.transport.close()

    def _linger(self) -> None:
        """Half-close after the 408 and drop the client's further bytes until it closes
        or ``LINGER`` seconds pass (see the module docstring)."""
        self._lingering = True
        if self.cycle is not None and not self.cycle.response_complete:
            # the app waiting for the rest of the body hears that the client is gone, as
            # it would on a close; what it sends from now on is dropped
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()  # FIN once the 408 is written
        # eof_received (uvicorn's returns None) closes the transport when the client does
        self.loop.call_later(LINGER, self.transport.close)


def read_timeout_protocol(read_timeout: float = DEFAULT_READ_TIMEOUT) -> type[H11Protocol]:
    """The protocol class for ``uvicorn.run(..., http=...)`` with this read timeout
    (seconds, > 0); ConfigurationError otherwise."""
    if not read_timeout > 0 or read_timeout == float("inf"):
        raise ConfigurationError(
            f"the read timeout must be a positive number of seconds, not {read_timeout!r}"
        )
    return type(
        "ReadTimeoutProtocol", (ReadTimeoutProtocol,), {"read_timeout": float(read_timeout)}
    )
