"""The ``faktura`` command line: the demo flow, ``serve`` as a real uvicorn process, the
admin commands for companies and API keys, and one-line errors (exit code 2)."""

from __future__ import annotations

import email.parser
import email.policy
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from faktura import ProductLine, SeparatorLine, Status, TextLine
from faktura.billing import Billing
from faktura.cli import DEMO_DRAFT, main, render_table, run_demo
from faktura.commands import NewCustomer
from faktura.delivery.channel import Recipient, RecipientKind
from faktura.delivery.sproom import SproomAccessPoint
from faktura.documents.ubl import to_ubl
from faktura.errors import DeliveryRejected
from faktura.invoice import Invoice
from faktura.storage.memory import MemoryStore
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
FAKTURA = [sys.executable, "-m", "faktura.cli"]


class Clock:
    def now(self) -> datetime:
        return AT

    def today(self) -> date:
        return AT.date()


def demo_invoice() -> Invoice:
    return run_demo(Billing(MemoryStore(), Clock()))[2]


def test_demo_invoice_has_what_the_issue_asks_for() -> None:
    invoice = demo_invoice()
    assert invoice.status is Status.SENDING
    assert invoice.number == "1"
    groups = {(g.category, g.rate) for g in invoice.totals.vat_breakdown}
    assert len(groups) == 2
    assert any(isinstance(ln, ProductLine) and ln.discount_percent for ln in invoice.lines)
    assert any(isinstance(ln, TextLine) for ln in invoice.lines)
    assert any(isinstance(ln, SeparatorLine) for ln in invoice.lines)
    assert any(item.charge for item in invoice.allowance_charges)
    # 6 h × 1,150.00 less 10 % = 6,210.00; + 480.50 + 25.00 fee = 6,715.50 at 25 %
    # = 1,678.875 → 1,678.88 VAT; + 2 × 149.95 zero rated = 299.90
    assert invoice.totals.subtotal == Decimal("7015.40")
    assert invoice.totals.vat == Decimal("1678.88")
    assert invoice.totals.amount == Decimal("8694.28")


def test_table_shows_lines_and_totals() -> None:
    invoice = demo_invoice()
    table = render_table(invoice)
    assert "Architecture workshop" in table
    assert "6210.00" in table
    assert "8694.28" in table


# -- faktura demo ------------------------------------------------------------------------

PDFS = [
    "invoice-1.pdf",
    "invoice-2.pdf",
    "invoice-3.pdf",
    "invoice-4.pdf",
    "credit-note-CN-1.pdf",
    "invoice-draft.pdf",
]
UBLS = {
    "invoice-1.xml": UBL_INVOICE,
    "invoice-3.xml": UBL_INVOICE,
    "invoice-4.xml": UBL_INVOICE,
    "credit-note-CN-1.xml": UBL_CREDIT_NOTE,
}


def summary_rows(out: str) -> list[list[str]]:
    """The rows of the summary table at the end of the demo's output."""
    lines = out.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Document "))
    return [line.split("  ") for line in lines[start + 2 :]]


def test_demo_runs_the_whole_flow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "faktura-demo"
    assert main(["demo"]) == 0
    assert main(["demo"]) == 0  # a second run starts afresh: number 1 again, two emails
    out = capsys.readouterr().out.split("store: ")[-1]
    assert (folder / "faktura.db").exists()
    for name in PDFS:
        assert (folder / name).read_bytes().startswith(b"%PDF-"), name
    for name, root in UBLS.items():
        assert ET.parse(folder / name).getroot().tag == root, name
    assert not (folder / "invoice-2.xml").exists()  # a private person has no Peppol id

    mails = sorted((folder / "outbox").iterdir())
    assert [m.name for m in mails] == ["1.eml", "2.eml"]
    recipients = []
    for path in mails:
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            path.read_bytes()
        )
        recipients.append(str(message["To"]))
        assert message["Message-ID"]
        attachments = list(message.iter_attachments())  # type: ignore[attr-defined]
        assert [a.get_content_type() for a in attachments] == ["application/pdf"]
        assert attachments[0].get_content().startswith(b"%PDF-")
    assert recipients == [
        "Fjord Consulting A/S <ap@fjord.example>",
        "Karen Holm <karen.holm@example.dk>",
    ]

    rows = [[cell.strip() for cell in row if cell.strip()] for row in summary_rows(out)]
    assert rows == [
        ["invoice", "1", "Fjord Consulting A/S", "email", "delivered", "8694.28 DKK", "paid"],
        [
            "invoice",
            "2",
            "Karen Holm",
            "email",
            "delivered",
            "2975.00 DKK",
            "partially_paid",
        ],
        ["invoice", "3", "Region Midtjylland", "einvoice", "delivered", "38475.00 DKK", "sent"],
        ["invoice", "4", "Fjord Consulting A/S", "manual", "delivered", "3000.00 DKK", "sent"],
        [
            "credit note",
            "CN-1",
            "Region Midtjylland",
            "einvoice",
            "delivered",
            "-5625.00 DKK",
            "sent",
        ],
        ["invoice", "-", "Fjord Consulting A/S", "-", "not sent", "3000.00 DKK", "draft"],
    ]
    assert "Invoice 1" in out
    assert "8694.28" in out


def test_console_script_runs(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [*FAKTURA, "demo", "--store", "memory://"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 10  # "a few seconds", with a margin for CI
    assert summary_rows(result.stdout)[0][0] == "invoice"
    assert (tmp_path / "faktura-demo" / "invoice-1.pdf").exists()


# -- companies and api keys --------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FAKTURA, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=60,
    )


def test_companies_and_api_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default store: ./faktura.db
    assert main(["companies", "create", "--name", "Nordlys ApS", "--cvr", "13585628"]) == 0
    company = capsys.readouterr().out.strip()
    assert (tmp_path / "faktura.db").exists()
    assert main(["companies", "create", "--name", "Fjeld GmbH", "--currency", "EUR"]) == 0
    other = capsys.readouterr().out.strip()
    assert main(["companies", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[2:]] == [company, other]
    assert "13585628" in listed[2]
    assert "EUR" in listed[3]

    assert main(["api-keys", "create", "--company", company, "--scope", "all"]) == 0
    captured = capsys.readouterr()
    key_id, secret = captured.out.split()
    assert secret.startswith(f"fk_{key_id}_")
    assert "only this once" in captured.err
    assert main(["api-keys", "create", "--company", company, "--scope", "invoices-read"]) == 0
    reader = capsys.readouterr().out.split()[0]

    assert main(["api-keys", "list", "--company", company]) == 0
    keys = capsys.readouterr().out.splitlines()[2:]
    assert [line.split()[0] for line in keys] == [key_id, reader]
    assert "webhooks" in keys[0]
    assert keys[1].split()[2] == "invoices-read"
    assert secret not in "".join(keys)

    assert main(["api-keys", "revoke", "--company", company, reader]) == 0
    assert capsys.readouterr().out.startswith(f"revoked {reader} at ")
    assert main(["api-keys", "list", "--company", company]) == 0
    assert "active" not in capsys.readouterr().out.splitlines()[3]
    assert main(["api-keys", "list", "--company", other]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # header and rule: no keys


BAD_INPUTS = [
    (["companies", "create", "--cvr", "13585628"], "--name"),
    (["companies", "create", "--name", "Nordlys", "--cvr", "123"], "cvr"),
    (["companies", "create", "--name", "Nordlys", "--currency", "XYZ"], "currency"),
    (["companies", "create", "--name", "Nordlys", "--email", "a@"], "email"),
    (["companies", "create", "--name", "Nordlys", "--store", "mysql://x"], "--store"),
    (["companies", "list", "--store", "sqlite:///missing.db"], "--store"),
    (["api-keys", "create", "--company", "C", "--scope", "invoices-read"], "company"),
    (["api-keys", "create", "--company", "C", "--scope", "everything"], "--scope"),
    (["api-keys", "create", "--company", "C"], "--scope"),
    (["api-keys", "list", "--company", "C"], "company"),
    (["api-keys", "revoke", "--company", "C", "0123456789abcdef"], "api key"),
    (["serve", "--store", "nosuch://x"], "--store"),
    (["serve", "--port", "70000"], "--port"),
    (["serve", "--read-timeout", "0"], "--read-timeout"),
    (["serve", "--read-timeout", "soon"], "--read-timeout"),
    (["serve", "--smtp-host", "smtp.example.dk"], "--smtp-sender"),
    (["serve", "--smtp-sender", "a@example.dk"], "--smtp-host"),
    (
        ["serve", "--smtp-host", "h", "--smtp-sender", "a@b.dk", "--smtp-port", "x"],
        "--smtp-port",
    ),
    (
        ["serve", "--smtp-host", "h", "--smtp-sender", "a@b.dk", "--smtp-security", "tls"],
        "--smtp-security",
    ),
    (["serve", "--smtp-host", "h", "--smtp-sender", "not an address"], "sender"),
    (["serve", "--sproom-url", "https://sproom.example"], "--sproom-token"),
    (["serve", "--sproom-url", "ftp://x", "--sproom-token", "t"], "base_url"),
    (["serve", "--exchange-rate", "EUR"], "--exchange-rate:"),
    (["serve", "--exchange-rate", "EUR=-1"], "--exchange-rate:"),
    (["serve", "--exchange-rate", "EUR=7,46"], "--exchange-rate:"),
    (["serve", "--exchange-rate", "XYZ=7.46"], "--exchange-rate:"),
    (["serve", "--exchange-rate", "DKK=1"], "--exchange-rate:"),
    (["serve", "--exchange-rate", "EUR=7.46", "--exchange-rate", "EUR=7.5"], "--exchange-rate:"),
    (["access-point", "--participant", "5790000436057"], "--participant"),
    (["access-point", "--port", "0"], "--port"),
    (["access-point", "--directory", "faktura.db"], "--directory"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS, ids=lambda v: " ".join(v)[:60])
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str],
    names: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.startswith(("FAKTURA_SMTP_", "FAKTURA_SPROOM"))]:
        monkeypatch.delenv(variable)
    main(["companies", "create", "--name", "Somebody"])  # ./faktura.db exists
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("faktura")
    assert "error: " in lines[0]
    assert names in lines[0]
    assert "Traceback" not in captured.err


def test_smtp_settings_come_from_the_environment_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAKTURA_SMTP_HOST", "smtp.example.dk")
    monkeypatch.setenv("FAKTURA_SMTP_USERNAME", "faktura")
    monkeypatch.setenv("FAKTURA_SMTP_SENDER", "faktura@example.dk")
    assert main(["serve"]) == 2  # a username without FAKTURA_SMTP_PASSWORD
    assert "FAKTURA_SMTP_PASSWORD" in capsys.readouterr().err


def test_exchange_rates_come_from_the_environment_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAKTURA_EXCHANGE_RATES", "EUR=7.4604,USD=six")
    assert main(["serve", "--store", "nosuch://x"]) == 2  # the rates are checked first
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "FAKTURA_EXCHANGE_RATES" in error
    assert "USD=six" in error


@pytest.mark.parametrize("missing", ["starlette", "uvicorn"])
def test_serve_without_the_http_extra(missing: str, tmp_path: Path) -> None:
    script = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "from faktura.cli import main\n"
        "sys.exit(main(['serve', '--store', 'memory://']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "faktura serve: error: the HTTP adapter needs the http extra: pip install 'faktura[http]'"
        if missing == "starlette"
        else "faktura serve: error: faktura serve needs the http extra: pip install 'faktura[http]'"
    ]


# -- faktura serve -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def access_point() -> Iterator[LocalAccessPoint]:
    with LocalAccessPoint(participants={"0088:5790000435951"}) as server:
        yield server


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"faktura serve ended ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"faktura serve did not answer within 30 s:\n{log.read_text()}")


def test_serve_answers_with_keys_made_by_the_cli(
    tmp_path: Path, access_point: LocalAccessPoint
) -> None:
    store = f"sqlite:///{tmp_path / 'served.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "FAKTURA_SPROOM_URL": access_point.url,
        "FAKTURA_SPROOM_TOKEN": access_point.token,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *FAKTURA,
                "serve",
                "--store",
                store,
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                "2525",
                "--smtp-security",
                "none",
                "--smtp-sender",
                "faktura@nordlys.example",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    try:
        wait_until_up(base, process, log)
        assert f"on {base} (delivery: manual, email, einvoice)" in log.read_text()

        made = run_cli(
            "companies",
            "create",
            "--name",
            "Nordlys ApS",
            "--cvr",
            "13585628",
            "--vat-id",
            "DK13585628",
            "--street",
            "Vestergade 1",
            "--postal-code",
            "8000",
            "--city",
            "Aarhus C",
            "--store",
            store,
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
        company = made.stdout.strip()
        scopes = ["--scope", "invoices-read", "--scope", "invoices-write"]
        scopes += ["--scope", "invoices-send", "--scope", "customers-write"]
        keyed = run_cli(
            "api-keys", "create", "--company", company, *scopes, "--store", store, cwd=tmp_path
        )
        assert keyed.returncode == 0, keyed.stderr
        secret = keyed.stdout.split()[1]

        with httpx.Client(base_url=base, headers={"x-api-key": secret}, timeout=30) as client:
            customer = client.post(
                "/v1/customers",
                json={
                    "name": "Region Midtjylland",
                    "address": {"street": "Skottenborg 26", "postalCode": "8800", "city": "Viborg"},
                    "departments": [{"name": "Økonomi", "ean": "5790000435951"}],
                },
            )
            assert customer.status_code == 201, customer.text
            department = customer.json()["departments"][0]["id"]
            draft = client.post(
                "/v1/invoices",
                json={
                    "customerId": customer.json()["id"],
                    "customerDepartmentId": department,
                    "reference": "IND-118",
                    "lines": [{"description": "Audit", "quantity": "2", "unitPrice": "500.00"}],
                },
            )
            assert draft.status_code == 201, draft.text
            invoice_id = draft.json()["id"]
            fetched = client.get(f"/v1/invoices/{invoice_id}")
            assert fetched.status_code == 200
            assert fetched.json()["amount"] == "1250.00"
            assert fetched.json()["number"] is None

            sent = client.post(f"/v1/invoices/{invoice_id}/send", json={"deliveryType": "sproom"})
            assert sent.status_code == 200, sent.text
            assert sent.json()["success"] is True
            assert list(access_point.documents) == [sent.json()["sproomDocumentId"]]
            status = client.get(f"/v1/invoices/{invoice_id}/delivery-status").json()
            assert status["summary"]["state"] == "delivered"
            assert status["summary"]["deliveryType"] == "sproom"  # the reference API's name
            pdf = client.get(f"/v1/invoices/{invoice_id}/pdf")
            assert pdf.content.startswith(b"%PDF-")
            # the key has no payments-write scope
            assert client.post(f"/v1/invoices/{invoice_id}/payments", json={}).status_code == 403

        revoked = run_cli(
            "api-keys",
            "revoke",
            "--company",
            company,
            secret.split("_")[1],
            "--store",
            store,
            cwd=tmp_path,
        )
        assert revoked.returncode == 0, revoked.stderr
        # the server trusts a verified key for 2 s (faktura.http.auth.KeyCache): the
        # revocation made by another process takes effect within that
        deadline = time.monotonic() + 5
        while True:
            refused = httpx.get(f"{base}/v1/invoices", headers={"x-api-key": secret}, timeout=30)
            if refused.status_code != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert refused.status_code == 401
    finally:
        stop(process)  # uvicorn shuts down on SIGTERM within 15 s, else the test fails
    assert process.returncode == 0, log.read_text()  # uvicorn shuts down cleanly on SIGTERM


@pytest.mark.parametrize(("flag", "timeout"), [(["--read-timeout", "1.5"], 1.5), ([], 10.0)])
def test_serve_closes_connections_that_send_too_slowly(
    tmp_path: Path, flag: list[str], timeout: float
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    command = ["serve", "--store", "memory://", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*FAKTURA, *command, *flag], stdout=output, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    try:
        wait_until_up(base, process, log)
        with socket.create_connection(("127.0.0.1", port), timeout=timeout + 10) as slow:
            started = time.monotonic()
            slow.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            received = b""
            while chunk := slow.recv(4096):  # a header byte now and then would not help
                received += chunk
            waited = time.monotonic() - started
        assert received.startswith(b"HTTP/1.1 408 "), received
        assert timeout * 0.9 <= waited <= timeout + 3, waited
        assert httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200
    finally:
        stop(process)  # uvicorn shuts down on SIGTERM within 15 s, else the test fails


def test_serve_states_the_vat_of_a_eur_invoice_in_dkk(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'rates.db'}"
    address = ["--street", "Vestergade 1", "--postal-code", "8000", "--city", "Aarhus C"]
    made = run_cli(
        *("companies", "create", "--name", "Nordlys ApS", "--currency", "EUR", *address),
        *("--cvr", "13585628", "--vat-id", "DK13585628", "--store", store),
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    company = made.stdout.strip()
    scopes = ["--scope", "invoices-read", "--scope", "invoices-write"]
    scopes += ["--scope", "invoices-send", "--scope", "customers-write"]
    keyed = run_cli(
        "api-keys", "create", "--company", company, *scopes, "--store", store, cwd=tmp_path
    )
    assert keyed.returncode == 0, keyed.stderr
    secret = keyed.stdout.split()[1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    command = ["serve", "--store", store, "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*FAKTURA, *command, "--exchange-rate", "EUR=7.4604"],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_until_up(base, process, log)
        with httpx.Client(base_url=base, headers={"x-api-key": secret}, timeout=30) as client:
            customer = client.post(
                "/v1/customers",
                json={
                    "name": "Region Midtjylland",
                    "address": {"street": "Skottenborg 26", "postalCode": "8800", "city": "Viborg"},
                },
            )
            assert customer.status_code == 201, customer.text
            line = {"description": "Audit", "quantity": "1", "unitPrice": "1000.00"}
            draft = client.post(
                "/v1/invoices", json={"customerId": customer.json()["id"], "lines": [line]}
            )
            assert draft.status_code == 201, draft.text
            invoice = draft.json()
            assert invoice["currency"] == "EUR"
            assert invoice["vatAccounting"] is None
            sent = client.post(
                f"/v1/invoices/{invoice['id']}/send", json={"deliveryType": "manual"}
            )
            assert sent.status_code == 200, sent.text
            fetched = client.get(f"/v1/invoices/{invoice['id']}").json()
        assert fetched["vatAccounting"] == {
            "currency": "DKK",
            "exchangeRate": "7.4604",
            "exchangeRateDate": invoice["date"],
            "vat": "1865.10",
        }
    finally:
        stop(process)


# -- faktura access-point ----------------------------------------------------------------

EAN = "5790000436057"
#: faktura access-point runs with the all extra alone: the test-only packages are blocked.
WITHOUT_TEST_PACKAGES = (
    "import sys\n"
    "for name in ('pytest', 'hypothesis', 'lxml', 'saxonche', 'facturx'):\n"
    "    sys.modules[name] = None\n"
    "from faktura.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def an_einvoice() -> bytes:
    """The demo's first invoice as a UBL e-invoice to a customer with an EAN."""
    billing = Billing(MemoryStore(), Clock())
    company, _, _ = run_demo(billing)
    customer = billing.create_customer(
        company.id, NewCustomer(name="Region Midtjylland", ean=EAN, address=BUYER_ADDRESS)
    )
    draft = billing.create_draft(company.id, new_draft({"customerId": customer.id, **DEMO_DRAFT}))
    return to_ubl(billing.book(company.id, draft.id), company, customer)


def stop(process: subprocess.Popen[bytes]) -> int:
    process.terminate()
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while text not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {text!r} from faktura access-point:\n{log.read_text()}")
        time.sleep(0.05)


@pytest.mark.parametrize("validate", [False, True], ids=["plain", "validate"])
def test_access_point_serves_the_sproom_api(tmp_path: Path, validate: bool) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "access-point.log"
    options = ["--port", str(port), "--directory", "received", "--token", "secret-1"]
    options += ["--participant", f"0088:{EAN}"] + (["--validate"] if validate else [])
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", WITHOUT_TEST_PACKAGES, "access-point", *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_for_line(log, "send to it:", process)
        assert f"listening on {url} (API token secret-1); accepting 0088:{EAN}" in log.read_text()
        assert "received documents go to received/" in log.read_text()
        assert f"faktura serve --sproom-url {url} --sproom-token secret-1" in log.read_text()
        region = Recipient(RecipientKind.PEPPOL, EAN, "Region Midtjylland", scheme="0088")
        stranger = Recipient(RecipientKind.PEPPOL, "13585628", "Nordlys", scheme="0184")
        ubl = an_einvoice()
        with SproomAccessPoint(url, "secret-1", retries=0) as client:
            assert client.lookup(region) is True
            assert client.lookup(stranger) is False
            document_id = client.submit(ubl, region)
            assert client.submit(ubl, region) == document_id  # the same Idempotency-Key
            assert client.status(document_id).status == "pending"  # "received"
            with pytest.raises(DeliveryRejected):
                client.submit(ubl, stranger)
            broken = ubl.replace(b"<cbc:BuyerReference>PO-4711</cbc:BuyerReference>", b"")
            assert broken != ubl
            if validate:
                with pytest.raises(DeliveryRejected, match="PEPPOL-EN16931-R003"):
                    client.submit(broken, region)
            else:
                assert client.submit(broken, region) != document_id
        with (
            SproomAccessPoint(url, "wrong-token", retries=0) as client,
            pytest.raises(DeliveryRejected, match="api_token"),
        ):
            client.lookup(region)
        wait_for_line(log, f"received {document_id} for 0088:{EAN}", process)
        written = sorted((tmp_path / "received").iterdir())
        assert written[0] == tmp_path / "received" / f"{document_id}.xml"
        assert written[0].read_bytes() == ubl
        assert len(written) == (1 if validate else 2)
    finally:
        code = stop(process)
    assert code == 0, log.read_text()  # SIGTERM ends it cleanly
    assert "Traceback" not in log.read_text()


def test_access_point_on_a_taken_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["access-point", "--port", str(port)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"faktura access-point: error: --port: cannot listen on 127.0.0.1:{port}: "
        "Address already in use"
    ]


def test_companies_update_and_show_the_whole_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from faktura.storage import open_store
    from faktura.testing.contract import PNG_LOGO

    monkeypatch.chdir(tmp_path)
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_LOGO)
    create = ["companies", "create", "--name", "Nordlys ApS", "--cvr", "13585628"]
    create += ["--street", "Vestergade 2", "--postal-code", "8000", "--city", "Aarhus C"]
    create += ["--reg-no", "1234", "--account-no", "1234567890", "--logo", str(logo)]
    assert main(create) == 0
    company = capsys.readouterr().out.strip()
    update = ["companies", "update", company, "--city", "Aarhus N", "--iban", "DK5000400440116243"]
    update += ["--bic", "DABADKKK", "--fik-creditor", "12345678", "--template", "modern"]
    update += ["--invoice-series", "{year}-{seq:04}", "--invoice-series-reset", "yearly"]
    update += ["--invoice-series-start", "100", "--credit-note-series", "K-{seq}"]
    update += ["--language", "en", "--currency", "EUR", "--payment-terms", "30"]
    update += ["--email", "faktura@nordlys.example", "--phone", "+45 70 00 00 00"]
    assert main(update) == 0
    shown = capsys.readouterr().out
    assert "Vestergade 2, 8000 Aarhus N, DK" in shown
    assert "1234 1234567890 IBAN DK5000400440116243 BIC DABADKKK" in shown
    assert "{year}-{seq:04} (from 100, reset yearly)" in shown
    assert main(["companies", "show", company]) == 0
    assert capsys.readouterr().out == shown
    store = open_store(f"sqlite:///{tmp_path / 'faktura.db'}")
    try:
        stored = Billing(store).get_company(company)
    finally:
        store.close()
    assert stored.logo == PNG_LOGO
    assert (stored.document_template, stored.locale, stored.currency) == ("modern", "en", "EUR")
    assert stored.payment_terms.days == 30
    assert stored.credit_note_series.pattern == "K-{seq}"
    # bad input: one line naming every bad option, exit 2, nothing changed
    bad = ["companies", "update", company, "--postal-code", "x" * 201, "--iban", "DK00"]
    assert main([*bad, "--invoice-series-reset", "monthly", "--template", "fancy"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    for option in ("--postal-code", "--iban", "--invoice-series", "--template"):
        assert f"{option}:" in err
    assert main(["companies", "update", company, "--logo", str(tmp_path / "missing.png")]) == 2
    assert "--logo" in capsys.readouterr().err
    assert main(["companies", "update", company]) == 2
    assert "nothing to change" in capsys.readouterr().err
    assert main(["companies", "update", company, "--no-logo"]) == 0
    assert "logo:               -" in capsys.readouterr().out
