"""A host's code is type-checked against faktura's typed API: mypy over a small user
script sees a misspelled field and a value of the wrong type in a command, and passes
the same script written right (faktura ships ``py.typed``)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api

HOST_SCRIPT = """
from decimal import Decimal

from faktura import (
    Billing,
    CompanyProfile,
    DraftChanges,
    MemoryStore,
    NewCustomer,
    NewDraft,
    ProductLine,
    VatCategory,
    VatZone,
)

billing = Billing(MemoryStore())
co = billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628"))
cu = billing.create_customer(
    co.id, NewCustomer(name="Fjord A/S", vat_zone=VatZone.EU, payment_terms=14)
)
line = ProductLine(
    description="Hours",
    quantity=Decimal(2),
    unit_price=Decimal(500),
    vat_category=VatCategory.S,
    vat_rate=Decimal(25),
)
draft = billing.create_draft(co.id, NewDraft(customer_id=cu.id, lines=[line]))
billing.update_draft(co.id, draft.id, DraftChanges(payment_terms=30))  # CHANGE
pdf: bytes = billing.render_pdf(co.id, draft.id, draft=True)
"""

#: (what the host gets wrong, the line as written, the error mypy must report)
MISTAKES = [
    (
        "a misspelled field",
        "DraftChanges(paymnet_terms=30)",
        r'Unexpected keyword argument "paymnet_terms" for "DraftChanges"',
    ),
    (
        "a wrong type",
        'DraftChanges(payment_terms="30 days")',
        r'Argument "payment_terms" to "DraftChanges" has incompatible type '
        r'"(str|Literal\[.30 days.\])"',
    ),
    (
        "a keyword where a command belongs",
        'notes="Thanks"',
        r'Unexpected keyword argument "notes" for "update_draft" of "Billing"',
    ),
    (
        "the reference API's JSON where a command belongs",
        '{"paymentTerms": 30}',
        r'Argument 3 to "update_draft" of "Billing" has incompatible type "dict\[str, int\]"',
    ),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module: faktura is analysed once, each script after."""
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(tmp_path: Path, cache: Path, script: str) -> tuple[str, int]:
    path = tmp_path / "host.py"
    path.write_text(textwrap.dedent(script))
    out, err, status = api.run(["--strict", "--cache-dir", str(cache), str(path)])
    return out + err, status


def test_the_host_script_written_right_passes(tmp_path: Path, cache: Path) -> None:
    report, status = _mypy(tmp_path, cache, HOST_SCRIPT)
    assert status == 0, report


@pytest.mark.parametrize(("what", "written", "error"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_in_the_host_script_is_caught(
    tmp_path: Path, cache: Path, what: str, written: str, error: str
) -> None:
    right = "DraftChanges(payment_terms=30)"
    script = HOST_SCRIPT.replace(right, written)
    assert script != HOST_SCRIPT
    report, status = _mypy(tmp_path, cache, script)
    assert status == 1, report
    line = next(number for number, text in enumerate(script.splitlines(), 1) if "# CHANGE" in text)
    assert re.search(rf"host\.py:{line}: error: {error}", report), report
