"""``faktura demo``: books an invoice and prints it as a table and as the seed's JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from faktura import ProductLine, SeparatorLine, Status, TextLine
from faktura.billing import Billing
from faktura.cli import main, render_table, run_demo
from faktura.invoice import Invoice
from faktura.storage.memory import MemoryStore

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


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


def test_demo_command_prints_table_and_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert (tmp_path / "faktura-demo" / "faktura.db").exists()
    for name in ("invoice.pdf", "invoice-draft.pdf", "credit-note.pdf"):
        assert (tmp_path / "faktura-demo" / name).read_bytes().startswith(b"%PDF-"), name
    assert main(["demo"]) == 0  # a second run starts afresh: number 1 again
    out = capsys.readouterr().out.split("store: ")[-1]
    payload = json.loads(out[out.index("\n{") :])
    assert payload["number"] == "1"
    assert payload["amount"] == "8694.28"
    assert "Invoice 1" in out


def test_console_script_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "demo", "--store", "memory://"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"status": "sending"' in result.stdout
