"""A real webhook receiver for the tests: ``http.server.ThreadingHTTPServer`` on
127.0.0.1 and a free port, in a thread, verifying every request's signature with
``faktura.webhooks.verify`` as a host's receiver would (400 when it fails).

Knobs make the next requests misbehave, each for ``count`` requests: ``fail_next``
(answer a status, 500 by default), ``hang_next`` (answer nothing for ``seconds``: past
the sender's timeout), ``slow_next`` (answer 200 after ``seconds``), ``drop_next``
(close the connection without an answer). ``on_request(received)`` is called for every
request before it is answered (on the server's thread).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

from faktura.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, verify


@attrs.frozen
class Received:
    """One request as it arrived, and what the receiver answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answer: str  # "200", "500", "hang", "slow", "drop", "400"

    @property
    def event_id(self) -> str:
        return self.headers.get(EVENT_ID_HEADER.lower(), "")

    @property
    def event(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@attrs.define
class _Knob:
    kind: str
    count: int
    status: int = 500
    seconds: float = 0.0


class Receiver:
    """See the module. ``secrets``: what signatures are verified against; ``now``: the
    receiver's clock in Unix seconds (the test's ManualClock, so signatures made at the
    fake time verify)."""

    def __init__(self, secrets: list[str], now: Callable[[], int]) -> None:
        self.secrets = secrets
        self.now = now
        self.received: list[Received] = []
        self.on_request: Callable[[Received], None] | None = None
        self._knobs: list[_Knob] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- knobs ---------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        with self._lock:
            self._knobs.append(_Knob("fail", count, status=status))

    def hang_next(self, count: int = 1, seconds: float = 5.0) -> None:
        with self._lock:
            self._knobs.append(_Knob("hang", count, seconds=seconds))

    def slow_next(self, count: int = 1, seconds: float = 0.5) -> None:
        with self._lock:
            self._knobs.append(_Knob("slow", count, seconds=seconds))

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._knobs.append(_Knob("drop", count))

    def _take(self) -> _Knob | None:
        with self._lock:
            while self._knobs and self._knobs[0].count <= 0:
                self._knobs.pop(0)
            if not self._knobs:
                return None
            self._knobs[0].count -= 1
            return self._knobs[0]

    # -- what arrived --------------------------------------------------------------------

    def ids(self) -> list[str]:
        """The event ids of the verified requests answered 200, in order."""
        return [r.event_id for r in self.received if r.answer == "200"]

    def _verified(self, body: bytes, header: str | None) -> bool:
        try:
            verify(self.secrets, body, header, self.now())
        except SignatureError:
            return False
        return True

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = self._verified(body, headers.get(SIGNATURE_HEADER.lower()))
        knob = self._take() if verified else None
        answer = "400" if not verified else "200" if knob is None else knob.kind
        if knob is not None and knob.kind == "fail":
            answer = str(knob.status)
        received = Received(request.path, headers, body, verified, answer)
        with self._lock:
            self.received.append(received)
        if self.on_request is not None:
            self.on_request(received)
        if knob is not None and knob.kind == "hang":
            self._stopping.wait(knob.seconds)
            return  # no answer: the connection is closed when the handler returns
        if knob is not None and knob.kind == "drop":
            request.connection.shutdown(socket.SHUT_RDWR)
            request.close_connection = True
            return
        if knob is not None and knob.kind == "slow":
            self._stopping.wait(knob.seconds)
        status = 400 if not verified else knob.status if knob and knob.kind == "fail" else 200
        payload = b'{"ok":true}' if status == 200 else b'{"ok":false}'
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.handle(self, self.rfile.read(length))

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
