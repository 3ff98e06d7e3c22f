"""LocalAccessPoint: a small e-invoicing access point on 127.0.0.1, speaking the HTTP API
``faktura.delivery.sproom.SproomAccessPoint`` speaks, for tests and demos.

It runs ``http.server.ThreadingHTTPServer`` in a thread, on a free port unless ``port``
says otherwise::

    with LocalAccessPoint(participants={"0088:5790000435951"}) as server:
        access_point = SproomAccessPoint(server.url, server.token)
        ...

``faktura access-point`` serves one from the command line. It needs nothing beyond
faktura's core (the standard library's HTTP server), no test extra.

Participants are named as ``Recipient.display()`` names them ("0088:5790000435951");
with ``accept_all=True`` every participant is registered. ``validate(ubl) -> list[str]``
checks every posted document (errors → 400 with the messages); ``peppol_validator`` is
one that needs no extra. ``on_receive(document)`` is called for every accepted document
(on the server's thread). Knobs make the next requests fail: ``fail_next`` (an HTTP
status, 500 by default), ``hang_next`` (answer late, so the client times out),
``reject_next`` (400 with a message); with ``after_processing=True`` a POST is processed
first, as when the answer is lost on the way back. A POST with an ``Idempotency-Key``
already seen returns the document the first one created.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from faktura.delivery.sproom import SPROOM_SCHEMES

__all__ = ["LocalAccessPoint", "StoredDocument", "peppol_validator"]

_ICD = {name: icd for icd, name in SPROOM_SCHEMES.items()}


@attrs.define
class StoredDocument:
    """A document the access point accepted."""

    id: str
    ubl: bytes
    recipient: str
    status: str = "received"
    message: str | None = None


@attrs.define
class _Knob:
    count: int
    after_processing: bool
    status: int = 500
    seconds: float = 0.0
    message: str = ""


class LocalAccessPoint:
    """An in-process HTTP access point; see the module docstring."""

    def __init__(
        self,
        *,
        participants: Iterable[str] = (),
        token: str = "test-token",
        validate: Callable[[bytes], list[str]] | None = None,
        accept_all: bool = False,
        on_receive: Callable[[StoredDocument], None] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.participants: set[str] = set(participants)
        self.token = token
        self.validate = validate
        #: Every participant is registered, whatever ``participants`` holds.
        self.accept_all = accept_all
        self.on_receive = on_receive
        self.host = host
        self.port = port
        self.documents: dict[str, StoredDocument] = {}
        #: Every request as (method, path), in order of arrival.
        self.requests: list[tuple[str, str]] = []
        self._keys: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._fail: _Knob | None = None
        self._hang: _Knob | None = None
        self._reject: _Knob | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. "http://127.0.0.1:53117"."""
        if self._server is None:
            raise RuntimeError("the access point is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalAccessPoint:
        """Listen on ``host`` and ``port`` (127.0.0.1 and a free port by default), serving
        in a daemon thread. Raises OSError when the address is taken."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), _handler(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still hanging are released."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalAccessPoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- knobs ---------------------------------------------------------------------------

    def fail_next(
        self, count: int = 1, status: int = 500, *, after_processing: bool = False
    ) -> None:
        """Answer the next ``count`` requests with HTTP ``status``."""
        with self._lock:
            self._fail = _Knob(count, after_processing, status=status)

    def hang_next(
        self, count: int = 1, seconds: float = 2.0, *, after_processing: bool = False
    ) -> None:
        """Wait ``seconds`` before answering the next ``count`` requests."""
        with self._lock:
            self._hang = _Knob(count, after_processing, seconds=seconds)

    def reject_next(self, count: int = 1, message: str = "the document was refused") -> None:
        """Refuse the next ``count`` document submissions with 400 and ``message``."""
        with self._lock:
            self._reject = _Knob(count, False, status=400, message=message)

    def set_status(self, document_id: str, status: str, message: str | None = None) -> None:
        """Change a stored document's status (what the recipient side reported)."""
        with self._lock:
            document = self.documents[document_id]
            document.status, document.message = status, message

    # -- request handling (called on the server's threads) ---------------------------------

    def _take(self, name: str, after_processing: bool) -> _Knob | None:
        with self._lock:
            knob: _Knob | None = getattr(self, name)
            if knob is None or knob.after_processing != after_processing or knob.count <= 0:
                return None
            knob.count -= 1
            return knob

    def _knobs(self, after_processing: bool) -> tuple[int, dict[str, Any]] | None:
        hang = self._take("_hang", after_processing)
        if hang is not None:
            self._stopping.wait(hang.seconds)
        fail = self._take("_fail", after_processing)
        if fail is not None:
            return fail.status, {"message": f"injected failure {fail.status}"}
        return None

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """One request's answer: (HTTP status, JSON body)."""
        parts = urlsplit(target)
        path = parts.path
        with self._lock:
            self.requests.append((method, path))
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "missing or invalid API token"}
        injected = self._knobs(after_processing=False)
        if injected is not None:
            return injected
        if method == "GET" and path.startswith("/api/recipients/"):
            participant = _participant(unquote(path.removeprefix("/api/recipients/")))
            if self.registered(participant):
                return 200, {"participant": participant}
            return 404, {"message": f"{participant} is not registered"}
        if method == "GET" and path.startswith("/api/documents/"):
            document_id = unquote(path.removeprefix("/api/documents/"))
            with self._lock:
                found = self.documents.get(document_id)
                if found is None:
                    return 404, {"message": f"no document {document_id!r}"}
                status: dict[str, Any] = {"documentId": found.id, "status": found.status}
                if found.message is not None:
                    status["message"] = found.message
            return 200, status
        if method == "POST" and path == "/api/documents":
            answer = self._submit(parse_qs(parts.query), headers, body)
            late = self._knobs(after_processing=True)
            return late if late is not None else answer
        return 404, {"message": f"no route {method} {path}"}

    def _submit(
        self, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        reject = self._take("_reject", False)
        if reject is not None:
            return 400, {"message": reject.message}
        if not headers.get("content-type", "").startswith("application/xml"):
            return 415, {"message": "send the UBL document as application/xml"}
        participant = _participant(query.get("recipient", [""])[0])
        if not self.registered(participant):
            return 422, {"message": f"recipient {participant} is not registered"}
        key = headers.get("idempotency-key")
        with self._lock:
            if key is not None and key in self._keys:
                existing = self.documents[self._keys[key]]
                if existing.ubl != body or existing.recipient != participant:
                    return 409, {"message": "Idempotency-Key reused for another document"}
                return 200, {"documentId": existing.id}
        errors = self.validate(body) if self.validate is not None else []
        if errors:
            return 400, {"message": "the document is not valid", "errors": errors}
        with self._lock:
            if key is not None and key in self._keys:  # a concurrent retry won
                return 200, {"documentId": self._keys[key]}
            document_id = f"doc-{next(self._ids):06d}"
            stored = StoredDocument(document_id, body, participant)
            self.documents[document_id] = stored
            if key is not None:
                self._keys[key] = document_id
        if self.on_receive is not None:
            self.on_receive(stored)
        return 201, {"documentId": document_id}

    def registered(self, participant: str) -> bool:
        """Whether ``participant`` ("0088:579...") may receive documents here."""
        return self.accept_all or participant in self.participants


def peppol_validator(document: bytes) -> list[str]:
    """The Peppol BIS rules of ``faktura.documents.peppol`` (pure Python, no extra) as a
    ``validate`` callable: every broken rule as ``"<rule id>: message"``. The UBL 2.1 XSD
    and CEN's EN 16931 schematron need lxml and saxonche: the test suite runs those."""
    from faktura.documents.peppol import peppol_findings
    from faktura.errors import ValidationError

    try:
        findings = peppol_findings(document)
    except ValidationError as err:
        return [err.message]
    return [f"{f.rule_id}: {f.message}" for f in findings]


def _participant(sproom_id: str) -> str:
    """ "GLN:579..." → "0088:579..."; "DK:CVR:1358..." → "0184:1358..."."""
    scheme, _, identifier = sproom_id.rpartition(":")
    return f"{_ICD.get(scheme, scheme)}:{identifier}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and left makes the late answer fail; that is expected.
        pass


def _handler(access_point: LocalAccessPoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer = access_point.handle(self.command, self.path, headers, body)
            data = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
