"""How many requests a second the HTTP adapter answers, against a bare Starlette app
answering the same JSON, both served by uvicorn the same way, in the same run.

A SQLite store (a temporary file) is seeded with one company, 20 customers and N booked
ten-line invoices (1,000 by default) through ``Billing``, and an API key with the
``invoices-read`` scope. Two uvicorn servers then run, each in a subprocess of its own
on 127.0.0.1 with the same settings (``uvicorn.run(app, ...)``, one worker, uvicorn's
defaults for loop and HTTP parser, access log off):

* faktura  ``faktura.http.create_app(Billing(SqliteStore(file)))``;
* bare     a Starlette app of two routes that answer, with ``JSONResponse``, the JSON the
           faktura server answered for one invoice and for the first list page (fetched
           from it before measuring): routing, JSON encoding and HTTP, nothing else.

The rows, measured by one client method for all of them (``--clients`` threads, each
with its own keep-alive ``httpx.Client``; 1 by default, i.e. requests one after the
other on one connection):

* ``GET /v1/invoices/{id}``            the ids of all N invoices, shuffled, in turn;
* ``GET /v1/invoices?page=1&limit=20`` the first page (20 summaries, no lines);
* bare ``GET /invoice`` and ``GET /list``, the same bodies.

Each round runs every row for ``--requests`` requests, in a rotating order, after a
warm-up round; a row's figure is its median requests/s over the rounds. Every answer
must be 200 with the expected body length, or the script stops. The ratio is the faktura
row's requests/s over its bare counterpart's; target ≥ 0.5 for both.

``--profile`` also times, in this process over the same file, the steps one faktura GET
makes (authentication, the store read, the wire dict, JSON encoding) and the thread-pool
hops, to show where the time goes.

Usage::

    .venv/bin/python benchmarks/http_api.py                 # 1,000 invoices, 7 rounds of 1,000
    .venv/bin/python benchmarks/http_api.py --quick         # 200 invoices, 3 rounds of 300
    .venv/bin/python benchmarks/http_api.py --clients 4     # four keep-alive clients at once
    .venv/bin/python benchmarks/http_api.py --check         # exit 1 when a target fails
    .venv/bin/python benchmarks/http_api.py --profile       # where a faktura GET spends its time
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from faktura.commands import CompanyProfile, NewCustomer
from faktura.wire import new_draft
from report import print_rows, verdict

TARGET_RATIO = 0.5
SEED = 20261125
DAY = date(2026, 11, 25)


# -- the servers (run as: http_api.py --serve faktura|bare ...) --------------------------------


def serve(kind: str, port: int, store: str | None, payloads: str | None) -> None:
    import uvicorn

    app: Any
    if kind == "faktura":
        from faktura.billing import Billing
        from faktura.http import create_app
        from faktura.storage import open_store

        assert store is not None
        app = create_app(Billing(open_store(store)))
    else:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        assert payloads is not None
        bodies = json.loads(Path(payloads).read_text(encoding="utf-8"))

        async def invoice(request: Request) -> JSONResponse:
            return JSONResponse(bodies["invoice"])

        async def listing(request: Request) -> JSONResponse:
            return JSONResponse(bodies["list"])

        async def openapi(request: Request) -> JSONResponse:
            return JSONResponse({})

        app = Starlette(
            routes=[
                Route("/invoice", invoice),
                Route("/list", listing),
                Route("/openapi.json", openapi),
            ]
        )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """One uvicorn subprocess serving this script's ``--serve`` app."""

    def __init__(self, kind: str, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--port", str(self.port), *extra],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the {kind} server ended with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base}/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the {kind} server did not start within 30 s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the data ----------------------------------------------------------------------------


def seed(path: Path, invoices: int) -> tuple[str, list[str]]:
    """A store at ``path`` with ``invoices`` booked invoices; (API key, invoice ids)."""
    from faktura.billing import Billing
    from faktura.storage.sqlite import SqliteStore
    from faktura.testing.parties import BUYER_ADDRESS, SELLER

    class Clock:
        def now(self) -> datetime:
            return datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

        def today(self) -> date:
            return DAY

    rng = random.Random(SEED)
    store = SqliteStore(str(path), create=True)
    try:
        billing = Billing(store, Clock())
        company = billing.create_company(CompanyProfile(**SELLER))  # complete enough to issue
        customers = [
            billing.create_customer(
                company.id,
                NewCustomer(name=f"Customer {n:02}", number=str(1000 + n), address=BUYER_ADDRESS),
            )
            for n in range(20)
        ]
        ids = []
        for n in range(invoices):
            lines = [
                {
                    "description": f"Item {n}-{i}",
                    "quantity": rng.choice(("1", "2", "3", "0.5", "7.5")),
                    "unitPrice": f"{rng.randint(100, 99_999) / 100:.2f}",
                    "vatCategory": "S",
                    "vatRate": rng.choice(("25", "25", "12")),
                }
                for i in range(10)
            ]
            draft = billing.create_draft(
                company.id,
                new_draft(
                    {
                        "customerId": customers[n % len(customers)].id,
                        "date": DAY.isoformat(),
                        "description": f"Order {n}",
                        "lines": lines,
                    }
                ),
            )
            ids.append(billing.book(company.id, draft.id).id)
        _, secret = billing.create_api_key(company.id, "bench", ["invoices-read"])
    finally:
        store.close()
    return secret, ids


# -- measuring ---------------------------------------------------------------------------


class Row:
    """One measured endpoint: the URLs it requests in turn and the body length expected."""

    def __init__(self, name: str, base: str, paths: Sequence[str], headers: dict[str, str]):
        self.name = name
        self.base = base
        self.paths = list(paths)
        self.headers = headers
        self.lengths: set[int] = set()
        self.rates: list[float] = []


def measure(row: Row, requests: int, clients: int) -> float:
    """Requests per second of ``requests`` requests spread over ``clients`` threads, each
    with one keep-alive connection; stops on any answer but 200."""
    per_client = requests // clients
    ready = threading.Barrier(clients + 1)

    def client(offset: int) -> int:
        with httpx.Client(base_url=row.base, headers=row.headers, timeout=30) as http:
            http.get(row.paths[offset % len(row.paths)])  # open the connection
            ready.wait()
            for n in range(per_client):
                response = http.get(row.paths[(offset + n) % len(row.paths)])
                if response.status_code != 200:
                    raise SystemExit(f"{row.name}: HTTP {response.status_code} {response.text}")
                row.lengths.add(len(response.content))
        return per_client

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, c * 7919) for c in range(clients)]
        ready.wait()
        start = time.perf_counter()
        done = sum(f.result() for f in futures)
        elapsed = time.perf_counter() - start
    return done / elapsed


def run_rounds(rows: Sequence[Row], rounds: int, requests: int, clients: int) -> None:
    for row in rows:  # warm-up
        measure(row, max(requests // 4, clients), clients)
    for index in range(rounds):
        shift = index % len(rows)
        for row in [*rows[shift:], *rows[:shift]]:
            row.rates.append(measure(row, requests, clients))


# -- where a faktura GET spends its time -------------------------------------------------


def profile(path: Path, secret: str, ids: Sequence[str], repeat: int = 2000) -> None:
    """Per-step timings of one GET /v1/invoices/{id}, in process over the same file."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from faktura.billing import Billing
    from faktura.storage.sqlite import SqliteStore
    from faktura.wire import invoice_to_wire, page_to_wire

    store = SqliteStore(str(path))
    billing = Billing(store)
    key = billing.authenticate(secret)
    company = key.company_id
    invoice = billing.get_invoice(company, ids[0])
    wire = invoice_to_wire(invoice)
    page = billing.list_invoices(company, page=1, limit=20)
    page_wire = page_to_wire(page.items, page.total, 1, 20)

    def timed(fn: Callable[[], object]) -> float:
        for _ in range(repeat // 10):
            fn()
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        return (time.perf_counter() - start) / repeat * 1e6

    async def hop() -> None:
        await run_in_threadpool(lambda: None)

    async def hops() -> float:
        for _ in range(repeat // 10):
            await hop()
        start = time.perf_counter()
        for _ in range(repeat):
            await hop()
        return (time.perf_counter() - start) / repeat * 1e6

    steps = [
        (
            "billing.authenticate(key) (a read transaction)",
            timed(lambda: billing.authenticate(secret)),
        ),
        (
            "billing.get_invoice (a read transaction)",
            timed(lambda: billing.get_invoice(company, ids[0])),
        ),
        ("invoice_to_wire (10 lines)", timed(lambda: invoice_to_wire(invoice))),
        ("JSONResponse(invoice) (json.dumps)", timed(lambda: JSONResponse(wire))),
        ("one run_in_threadpool hop (a GET makes 2)", asyncio.run(hops())),
        (
            "billing.list_invoices(page 1, limit 20)",
            timed(lambda: billing.list_invoices(company, page=1, limit=20)),
        ),
        ("page_to_wire (20 summaries)", timed(lambda: page_to_wire(page.items, page.total, 1, 20))),
        ("JSONResponse(page) (json.dumps)", timed(lambda: JSONResponse(page_wire))),
    ]
    store.close()
    print(f"where a faktura GET spends its time (in process, mean of {repeat} calls):")
    print_rows(["step", "µs"], [[name, f"{us:.1f}"] for name, us in steps], [52, 8])
    print()


# -- output ------------------------------------------------------------------------------


def machine(directory: Path) -> None:
    import starlette
    import uvicorn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")]
        if names:
            cpu = f"{names[0]} ({len(names)} logical CPUs)"
    except OSError:
        pass
    loops = [m for m in ("uvloop", "httptools") if _importable(m)]
    print(f"machine: {cpu}; {platform.system()} {platform.release()}")
    print(
        f"python {platform.python_implementation()} {platform.python_version()}; uvicorn "
        f"{uvicorn.__version__} ({', '.join(loops) or 'asyncio + h11'}), starlette "
        f"{starlette.__version__}, httpx {httpx.__version__}; store in {directory}"
    )


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1000, help="requests a row per round")
    parser.add_argument("--clients", type=int, default=1, help="concurrent keep-alive clients")
    parser.add_argument("--quick", action="store_true", help="200 invoices, 3 rounds of 300")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--profile", action="store_true", help="time the steps of a GET")
    parser.add_argument("--dir", help="where the SQLite file goes (default: a temp dir)")
    parser.add_argument("--serve", choices=["faktura", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--payloads", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.store, args.payloads)
        return 0
    if args.quick:
        args.invoices, args.rounds, args.requests = 200, 3, 300

    directory = Path(tempfile.mkdtemp(prefix="faktura-http-", dir=args.dir))
    path = directory / "bench.db"
    servers: list[Server] = []
    try:
        machine(directory)
        started = time.perf_counter()
        secret, ids = seed(path, args.invoices)
        print(
            f"seeded {args.invoices:,} booked ten-line invoices of one company in "
            f"{time.perf_counter() - started:.1f} s; {args.rounds} rounds of "
            f"{args.requests:,} requests a row, {args.clients} keep-alive client(s)"
        )
        print()

        faktura = Server("faktura", "--store", f"sqlite:///{path}")
        servers.append(faktura)
        headers = {"x-api-key": secret}
        shuffled = ids[:]
        random.Random(SEED).shuffle(shuffled)
        list_path = "/v1/invoices?page=1&limit=20"
        with httpx.Client(base_url=faktura.base, headers=headers) as http:
            invoice_body = http.get(f"/v1/invoices/{shuffled[0]}").json()
            list_body = http.get(list_path).json()
        if len(list_body["items"]) != 20 or list_body["total"] != args.invoices:
            raise SystemExit(f"unexpected list page: total {list_body['total']}")
        payloads = directory / "payloads.json"
        payloads.write_text(json.dumps({"invoice": invoice_body, "list": list_body}))
        bare = Server("bare", "--payloads", str(payloads))
        servers.append(bare)

        rows = [
            Row(
                "faktura GET /v1/invoices/{id}",
                faktura.base,
                [f"/v1/invoices/{i}" for i in shuffled],
                headers,
            ),
            Row("faktura GET /v1/invoices?page=1&limit=20", faktura.base, [list_path], headers),
            Row("bare GET /invoice (same JSON)", bare.base, ["/invoice"], {}),
            Row("bare GET /list (same JSON)", bare.base, ["/list"], {}),
        ]
        run_rounds(rows, args.rounds, args.requests, args.clients)
    finally:
        for server in servers:
            server.stop()

    rates = {row.name: statistics.median(row.rates) for row in rows}
    pairs = {rows[0].name: rows[2].name, rows[1].name: rows[3].name}
    table = []
    for row in rows:
        rate = rates[row.name]
        against = pairs.get(row.name)
        ratio = f"{rate / rates[against]:.2f}" if against else "1.00"
        table.append(
            [
                row.name,
                f"{rate:,.0f}",
                f"{min(row.rates):,.0f}-{max(row.rates):,.0f}",
                f"{1e3 / rate:.2f}",
                f"{min(row.lengths):,}"
                + (f"-{max(row.lengths):,}" if len(row.lengths) > 1 else ""),
                ratio,
            ]
        )
    print_rows(
        ["endpoint", "req/s", "range", "ms/req", "bytes", "vs bare"],
        table,
        [42, 8, 13, 7, 13, 8],
    )
    print("(req/s: median over the rounds; ms/req: 1000 / req/s; vs bare: ratio of")
    print(" req/s against the bare Starlette route answering the same JSON)")
    print()
    if args.profile:
        profile(path, secret, shuffled)
    ok = True
    for name, against in pairs.items():
        ratio = rates[name] / rates[against]
        ok &= verdict(
            ratio >= TARGET_RATIO,
            f"{name}: {ratio:.2f}x the bare endpoint (target >= {TARGET_RATIO})",
        )
    shutil.rmtree(directory, ignore_errors=True)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
