"""The README's HTTP walkthrough, run verbatim: its shell blocks, in order, in one bash.

The blocks run in a fresh working directory whose ``.venv`` links to the virtualenv
running these tests (what ``make demo`` leaves in a checkout), with a PATH that holds
only bash, python3, curl and a few core utilities: a step that needs a tool the README
does not list fails. The README starts its own servers (``faktura access-point`` and
``faktura serve``, in the background) on the ports in ``PORT`` and ``AP_PORT``, which
this test picks free; the whole process group is killed at the end whatever happened.
The results are checked where a newcomer would see them: the store, the files written
and the servers' logs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from faktura.billing import Billing
from faktura.storage import open_store

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTION = "## HTTP API"
UBL = {
    "": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
#: What a fresh machine has besides python3 and curl (and bash, which runs the blocks).
CORE_UTILITIES = ("cat", "env", "grep", "head", "ls", "mkdir", "rm", "sed", "sleep", "tail")
_FENCE = re.compile(r"^(`{3,})[ \t]*(\w*)")


def shell_blocks(markdown: str, section: str) -> list[str]:
    """The sh/bash/shell blocks of the ``##`` section whose heading starts with
    ``section``, in order."""
    blocks: list[str] = []
    inside = False
    lines = iter(markdown.splitlines())
    for line in lines:
        if line.startswith("## "):
            inside = line.startswith(section)
            continue
        opening = _FENCE.match(line)
        if opening is None:
            continue
        body = []
        for inner in lines:  # to the closing fence
            if inner.startswith(opening[1]) and not inner.strip("`").strip():
                break
            body.append(inner)
        if inside and opening[2] in ("sh", "bash", "shell"):
            blocks.append("\n".join(body) + "\n")
    return blocks


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_shell_blocks_of_a_section() -> None:
    page = "## A\n```sh\na\n```\n## HTTP API here\n```python\np\n```\n```sh\nb\nc\n```\n"
    page += "````bash\n```\nd\n```\n````\n## Next\n```sh\ne\n```\n"
    assert shell_blocks(page, SECTION) == ["b\nc\n", "```\nd\n```\n"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def minimal_path(folder: Path) -> str:
    """A PATH directory with bash, python3, curl and CORE_UTILITIES only."""
    folder.mkdir()
    for tool in ("bash", "python3", "curl", *CORE_UTILITIES):
        found = shutil.which(tool)
        if found is None:
            pytest.fail(f"the walkthrough needs {tool} on this machine", pytrace=False)
        (folder / tool).symlink_to(found)
    return str(folder)


def test_the_http_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    if not (venv / "bin" / "activate").is_file() or not (venv / "bin" / "faktura").is_file():
        pytest.fail(f"run the tests from the virtualenv make demo/make test set up: {venv}")
    blocks = shell_blocks(README.read_text(encoding="utf-8"), SECTION)
    assert len(blocks) >= 5, "the README's HTTP section lost its walkthrough"
    work = tmp_path / "checkout"
    work.mkdir()
    (work / ".venv").symlink_to(venv, target_is_directory=True)
    script = work / "walkthrough.sh"
    script.write_text("set -e -o pipefail\n" + "\n".join(blocks), encoding="utf-8")
    env = {
        "PATH": minimal_path(tmp_path / "bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PORT": str(free_port()),
        "AP_PORT": str(free_port()),
    }
    out, err = work / "stdout.txt", work / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        bash = subprocess.Popen(
            ["bash", script.name],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group: the servers it starts too
        )
    code: int | None = None
    try:
        code = bash.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pass
    finally:
        # after a clean run the README's kill stops the servers: give them time to shut
        # down; after a failure stop them now
        left_running = _stop_group(bash.pid, grace=15 if code == 0 else 0)
        bash.wait()
    log = f"stdout:\n{out.read_text()}\nstderr:\n{err.read_text()}"
    assert code == 0, f"the walkthrough ended with {code}\n{log}"
    assert not left_running, f"the README's kill left servers running\n{log}"

    # the store: the two invoices are booked and sent, one by hand, one as an e-invoice
    store = open_store(f"sqlite:///{work / 'faktura.db'}")
    try:
        billing = Billing(store)
        (company,) = billing.list_companies()
        invoices = {str(i.number): i for i in billing.list_invoices(company.id).items}
        assert sorted(invoices) == ["1", "2"], log
        assert {str(i.status) for i in invoices.values()} == {"sent"}
        manual = billing.delivery_status(company.id, invoices["1"].id)
        einvoice = billing.delivery_status(company.id, invoices["2"].id)
        assert (manual.state, str(manual.attempts[0].delivery_type)) == ("delivered", "manual")
        assert einvoice.state == "delivered"
        assert str(einvoice.attempts[0].delivery_type) == "einvoice"
        reference = einvoice.attempts[0].provider_reference
        # a legally complete invoice: the seller's address, CVR/VAT and bank account,
        # the buyer's address
        assert company.address.street == "Vestergade 2"
        assert company.bank is not None
        assert (company.bank.reg_no, company.bank.account_no) == ("1234", "1234567890")
        buyer = billing.get_customer(company.id, invoices["1"].customer_id)
        assert buyer.address.street == "Strandvejen 12"
    finally:
        store.close()

    # the access point received the UBL e-invoice and wrote it where the README says
    received = sorted((work / "received").iterdir())
    assert [p.name for p in received] == [f"{reference}.xml"], log
    root = ET.parse(received[0]).getroot()
    assert root.tag == f"{{{UBL['']}}}Invoice"
    assert root.findtext("cbc:ID", namespaces=UBL) == "2"
    assert root.findtext("cbc:BuyerReference", namespaces=UBL) == "PO-4711"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", UBL)
    assert endpoint is not None
    assert (endpoint.get("schemeID"), endpoint.text) == ("0088", "5790000436057")
    seller = root.find("cac:AccountingSupplierParty/cac:Party", UBL)
    buyer_party = root.find("cac:AccountingCustomerParty/cac:Party", UBL)
    assert seller is not None
    assert buyer_party is not None
    for party, street, city in (
        (seller, "Vestergade 2", "Aarhus C"),
        (buyer_party, "Strandvejen 12", "Hellerup"),
    ):
        assert party.findtext("cac:PostalAddress/cbc:StreetName", namespaces=UBL) == street
        assert party.findtext("cac:PostalAddress/cbc:CityName", namespaces=UBL) == city
    accounts = root.findall("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", UBL)
    assert {a.text for a in accounts} & {"DK5000400440116243", "1234567890"}, log
    # the PDF the walkthrough downloaded names both addresses and the bank account
    pdf_text = _pdf_text(work / "invoice.pdf")
    for expected in ("Vestergade 2", "Strandvejen 12", "1234567890"):
        assert expected in pdf_text, pdf_text
    stderr_text = err.read_text()
    assert f"received {reference} for 0088:5790000436057" in stderr_text
    assert "(delivery: manual, einvoice)" in stderr_text

    # what the blocks printed: the send answers, and the PDF downloaded
    printed = out.read_text()
    assert printed.count('"success":true') == 2, log
    assert f'"sproomDocumentId":"{reference}"' in printed
    assert (work / "invoice.pdf").read_bytes().startswith(b"%PDF-")


def _stop_group(pgid: int, *, grace: float) -> bool:
    """Wait up to ``grace`` seconds for the process group to end, then SIGKILL what is
    left; whether anything was left."""
    deadline = time.monotonic() + grace
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _alive(pgid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    return True


def _alive(pgid: int) -> bool:
    """Whether a process of the group is running (zombies, left to an init that may not
    reap them, do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel, zombies included
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
