"""``faktura demo``: books an invoice and prints it as a table and as the seed's JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

from faktura import ProductLine, SeparatorLine, Status, TextLine
from faktura.cli import demo_invoice, main, render_table

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_demo_invoice_has_what_the_issue_asks_for() -> None:
    _, _, invoice = demo_invoice(AT)
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
    _, _, invoice = demo_invoice(AT)
    table = render_table(invoice)
    assert "Architecture workshop" in table
    assert "6210.00" in table
    assert "8694.28" in table


def test_demo_command_prints_table_and_json(capsys: object) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    payload = json.loads(out[out.index("\n{") :])
    assert payload["number"] == "1"
    assert payload["amount"] == "8694.28"
    assert "Invoice 1" in out


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "demo"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert '"status": "sending"' in result.stdout
