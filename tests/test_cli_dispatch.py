"""``faktura webhooks`` and ``faktura dispatch`` on a SQLite file: an endpoint added from
the command line (its secret printed once) gets the events it asked for POSTed to a real
local HTTP receiver, signed with that secret; a rotated secret signs what follows; a
receiver's failure is reported (exit code 1 with ``--once``); the dispatcher as a
process delivers until SIGTERM; bad input names the flag."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import pytest

from faktura.billing import Billing
from faktura.cli import main
from faktura.commands import NewCustomer
from faktura.storage import open_store
from faktura.testing.parties import BUYER_ADDRESS
from faktura.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, verify
from faktura.wire import new_draft

FAKTURA = [sys.executable, "-m", "faktura.cli"]


@attrs.define
class Received:
    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict[str, object]:
        event: dict[str, object] = json.loads(self.body)
        return event


@attrs.define
class Receiver:
    """A webhook receiver on 127.0.0.1: keeps every POST, answers ``status``."""

    server: ThreadingHTTPServer
    received: list[Received] = attrs.field(factory=list)
    status: int = 200

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/faktura"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            this = holder[0]
            this.received.append(Received(body, dict(self.headers.items())))
            self.send_response(this.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@attrs.frozen
class World:
    path: Path
    company: str
    customer: str

    @property
    def store(self) -> str:
        return f"sqlite:///{self.path}"

    def draft(self) -> str:
        """A new draft (the library: the command line makes none); its id."""
        billing = Billing(open_store(self.store))
        try:
            line = {"description": "Konsulent", "quantity": "1", "unitPrice": "800.00"}
            return billing.create_draft(
                self.company, new_draft({"customerId": self.customer, "lines": [line]})
            ).id
        finally:
            billing.store.close()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def world(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "faktura.db"
    store = f"sqlite:///{path}"
    code, out, err = cli(
        capsys,
        *("companies", "create", "--name", "Nordlys ApS", "--cvr", "13585628"),
        *("--vat-id", "DK13585628", "--street", "Vestergade 1", "--postal-code", "8000"),
        *("--city", "Aarhus C", "--store", store),
    )
    assert code == 0, err
    company = out.strip()
    billing = Billing(open_store(store))
    try:
        customer = billing.create_customer(
            company, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
        )
    finally:
        billing.store.close()
    return World(path, company, customer.id)


def add_endpoint(
    capsys: pytest.CaptureFixture[str], world: World, url: str, *events: str
) -> tuple[str, str]:
    flags = [arg for event in events for arg in ("--event", event)]
    code, out, err = cli(
        capsys,
        *("webhooks", "add", "--company", world.company, "--url", url, *flags),
        *("--store", world.store),
    )
    assert code == 0, err
    endpoint, secret = out.split()
    assert "shown only this once" in err
    return endpoint, secret


def signed_by(secret: str, received: Received) -> bool:
    try:
        verify(secret, received.body, received.headers.get(SIGNATURE_HEADER), int(time.time()))
    except SignatureError:
        return False
    return True


def test_dispatch_posts_the_events_an_endpoint_asked_for(
    world: World, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint, secret = add_endpoint(capsys, world, receiver.url, "created", "booked")
    code, out, _ = cli(
        capsys, "webhooks", "list", "--company", world.company, "--store", world.store
    )
    assert code == 0
    [row] = [line.split() for line in out.splitlines()[2:]]
    assert row[:4] == [endpoint, receiver.url, "booked,created", "enabled"]
    assert secret not in out

    draft = world.draft()
    code, _, err = cli(capsys, "book", "--company", world.company, draft, "--store", world.store)
    assert code == 0, err
    code, out, err = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert code == 0, out + err

    assert [r.event["type"] for r in receiver.received] == ["created", "booked"]
    for received in receiver.received:
        assert received.event["invoiceId"] == draft
        assert received.event["companyId"] == world.company
        assert received.headers[EVENT_ID_HEADER] == received.event["id"]
        assert signed_by(secret, received)
    lines = out.splitlines()
    assert lines[:2] == [
        f"delivered {r.event['type']} {r.event['id']} (invoice {draft}) to {receiver.url}: HTTP 200"
        for r in receiver.received
    ]
    assert lines[2].startswith("round: ")
    assert " 2 delivered, 0 to retry, 0 given up" in lines[2]

    # delivered: nothing more to do
    code, out, _ = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert (code, out) == (0, "nothing due\n")
    assert len(receiver.received) == 2

    # a new secret signs what follows; the old one does not verify it
    code, out, err = cli(
        capsys,
        *("webhooks", "rotate-secret", "--company", world.company, endpoint),
        *("--store", world.store),
    )
    assert code == 0, err
    rotated = out.strip()
    assert rotated.startswith("whsec_")
    assert rotated != secret
    world.draft()
    code, out, err = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert code == 0, out + err
    newest = receiver.received[-1]
    assert newest.event["type"] == "created"
    assert signed_by(rotated, newest)
    assert not signed_by(secret, newest)

    code, out, err = cli(
        capsys, "webhooks", "remove", "--company", world.company, endpoint, "--store", world.store
    )
    assert (code, out) == (0, f"removed {endpoint}\n"), err
    code, out, _ = cli(
        capsys, "webhooks", "list", "--company", world.company, "--store", world.store
    )
    assert out.splitlines()[2:] == []
    world.draft()
    code, out, _ = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert code == 0
    assert not out.startswith("delivered")  # no endpoint: nothing POSTed
    assert len(receiver.received) == 3


def test_a_receiver_that_fails_is_reported_and_exit_1(
    world: World, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    add_endpoint(capsys, world, receiver.url)  # every event type
    receiver.status = 500
    draft = world.draft()
    code, out, _ = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert code == 1
    [event] = [r.event for r in receiver.received]
    assert out.splitlines()[0] == (
        f"failed created {event['id']} (invoice {draft}) to {receiver.url}: HTTP 500 "
        "Internal Server Error"
    )
    assert "0 delivered, 1 to retry, 0 given up" in out.splitlines()[1]
    # not due again until its backoff is over
    code, out, _ = cli(capsys, "dispatch", "--once", "--store", world.store)
    assert (code, out) == (0, "nothing due\n")
    assert len(receiver.received) == 1


def test_the_dispatcher_process_delivers_until_sigterm(
    world: World, receiver: Receiver, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_endpoint(capsys, world, receiver.url, "created")
    log = tmp_path / "dispatch.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*FAKTURA, "dispatch", "--store", world.store, "--idle", "0.1"],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        drafts = [world.draft(), world.draft()]
        deadline = time.monotonic() + 30
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"faktura dispatch ended:\n{log.read_text()}")
            time.sleep(0.05)
        assert sorted(str(r.event["invoiceId"]) for r in receiver.received) == sorted(drafts)
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text
    for draft in drafts:
        assert f"(invoice {draft}) to {receiver.url}: HTTP 200" in text
    assert text.rstrip().endswith("faktura dispatch: stopped")


BAD_INPUTS = [
    (["webhooks", "add", "--company", "{company}", "--url", "ftp://x"], "--url"),
    (
        ["webhooks", "add", "--company", "{company}", "--url", "http://x", "--event", "settled"],
        "--event",
    ),
    (["webhooks", "add", "--company", "{company}"], "--url"),
    (["webhooks", "add", "--company", "0123456789abcdef", "--url", "http://x"], "company"),
    (["webhooks", "list", "--company", "0123456789abcdef"], "company"),
    (["webhooks", "remove", "--company", "{company}", "0123456789abcdef"], "not found"),
    (["webhooks", "rotate-secret", "--company", "{company}", "0123456789abcdef"], "not found"),
    (["dispatch", "--batch", "0"], "--batch"),
    (["dispatch", "--timeout", "601"], "--timeout"),
    (["dispatch", "--idle", "never"], "--idle"),
    (["dispatch", "--store", "sqlite:///missing.db"], "--store"),
]


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS, ids=lambda v: " ".join(v)[:70])
def test_bad_input_is_one_line_naming_the_flag_and_exit_2(
    argv: list[str], names: str, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    expanded = [arg.format(company=world.company) for arg in argv]
    if "--store" not in expanded:
        expanded += ["--store", world.store]
    before = world.path.read_bytes()
    code, out, err = cli(capsys, *expanded)
    assert code == 2, out + err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "error: " in lines[0]
    assert names in lines[0]
    assert world.path.read_bytes() == before
