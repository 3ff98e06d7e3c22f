"""The server's read timeout: a real uvicorn server with faktura.http.server's protocol,
started by the test, and real sockets against it.

Slow clients ("slowloris": a header byte at a time, a body a byte at a time, or nothing
at all) are cut off about ``READ_TIMEOUT`` seconds after they began a request, a hundred
at once; normal requests meanwhile, a request the app takes longer than the timeout to
answer, and a kept-alive connection with pauses between its requests are not.
"""

from __future__ import annotations

import asyncio
import http.client
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
import uvicorn

from faktura.billing import Billing
from faktura.commands import CompanyProfile
from faktura.errors import ConfigurationError
from faktura.http import create_app
from faktura.http.server import read_timeout_protocol
from faktura.storage.memory import MemoryStore
from test_http_fixtures import ALL_SCOPES

READ_TIMEOUT = 1.0
#: How much later than the timeout a connection may close on a busy machine.
SLACK = 2.0
SLOW_CLIENTS = 100


@attrs.frozen
class Served:
    port: int
    key: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    billing = Billing(MemoryStore())
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    key = billing.create_api_key(company.id, "k", ALL_SCOPES)[1]
    faktura_app = create_app(billing)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/slow":
            # reads the request, then takes longer than the read timeout to answer
            while (await receive()).get("more_body"):
                pass
            await asyncio.sleep(READ_TIMEOUT * 1.5)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"slow but whole"})
            return
        await faktura_app(scope, receive, send)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, http=read_timeout_protocol(READ_TIMEOUT), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn ended"
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    try:
        yield Served(listener.getsockname()[1], key)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


@attrs.define
class Outcome:
    closed_after: float | None = None  # seconds from the start, None: still open
    received: bytes = b""


def slow_clients(port: int, count: int, head: bytes, drip: bytes) -> list[Outcome]:
    """``count`` connections that send ``head`` and then ``drip`` (one byte, or nothing)
    every 0.1 s, until the server closes them or READ_TIMEOUT + SLACK + 3 s passed."""
    start = time.monotonic()
    conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    outcomes = [Outcome() for _ in conns]
    try:
        for conn in conns:
            if head:
                conn.sendall(head)
        open_ = dict(enumerate(conns))
        while open_ and time.monotonic() - start < READ_TIMEOUT + SLACK + 3:
            readable, _, _ = select.select(list(open_.values()), [], [], 0.1)
            for n, conn in list(open_.items()):
                if conn in readable:
                    try:
                        data = conn.recv(65536)
                    except ConnectionError:
                        data = b""
                    outcomes[n].received += data
                    if not data:
                        outcomes[n].closed_after = time.monotonic() - start
                        del open_[n]
                        continue
                if drip:
                    try:
                        conn.send(drip)
                    except ConnectionError:
                        outcomes[n].closed_after = time.monotonic() - start
                        del open_[n]
    finally:
        for conn in conns:
            conn.close()
    return outcomes


def assert_cut_off(outcomes: list[Outcome], *, answered: bool) -> None:
    still_open = [n for n, o in enumerate(outcomes) if o.closed_after is None]
    assert not still_open, f"{len(still_open)} of {len(outcomes)} slow connections kept open"
    times = sorted(o.closed_after or 0.0 for o in outcomes)
    assert times[0] >= READ_TIMEOUT * 0.9, f"closed too early: {times[0]:.2f} s"
    assert times[-1] <= READ_TIMEOUT + SLACK, f"closed too late: {times[-1]:.2f} s"
    for outcome in outcomes:
        if answered:
            assert outcome.received.startswith(b"HTTP/1.1 408 "), outcome.received[:80]
        else:
            assert outcome.received == b""


def test_slow_headers_are_cut_off_while_normal_requests_are_answered(served: Served) -> None:
    results: list[int] = []

    def normal_requests() -> None:  # while the slow clients hold their connections
        time.sleep(0.3)
        with httpx.Client(base_url=served.base, headers={"x-api-key": served.key}) as client:
            for _ in range(5):
                results.append(client.get("/v1/invoices", timeout=5).status_code)

    thread = threading.Thread(target=normal_requests)
    thread.start()
    head = b"GET /v1/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    outcomes = slow_clients(served.port, SLOW_CLIENTS, head, b"a")
    thread.join()
    assert_cut_off(outcomes, answered=True)
    assert results == [200] * 5


def test_a_slow_body_is_cut_off(served: Served) -> None:
    head = (
        b"POST /v1/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\nX-Api-Key: " + served.key.encode() + b"\r\n\r\n"
    )
    assert_cut_off(slow_clients(served.port, 10, head, b" "), answered=True)


def test_a_silent_connection_is_closed_without_an_answer(served: Served) -> None:
    assert_cut_off(slow_clients(served.port, 10, b"", b""), answered=False)


def test_the_time_the_app_takes_to_answer_is_not_counted(served: Served) -> None:
    started = time.monotonic()
    response = httpx.post(f"{served.base}/slow", content=b"x" * 1000, timeout=10)
    assert response.status_code == 200
    assert response.content == b"slow but whole"
    assert time.monotonic() - started >= READ_TIMEOUT * 1.5


def test_a_kept_alive_connection_is_timed_per_request(served: Served) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    try:
        sockets = []
        for _ in range(4):  # 4 requests over about 2.4 s on one connection
            conn.request("GET", "/v1/invoices", headers={"x-api-key": served.key})
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            sockets.append(conn.sock)
            time.sleep(READ_TIMEOUT * 0.6)
        assert all(s is sockets[0] for s in sockets)
    finally:
        conn.close()


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_the_timeout_must_be_a_positive_number(seconds: float) -> None:
    with pytest.raises(ConfigurationError):
        read_timeout_protocol(seconds)
