"""How fast faktura writes Peppol UBL e-invoices, against building the same tree with lxml.

Builds N booked ten-line DKK invoices once (two VAT rates, line discounts, a percent
document allowance, FIK payment), then times in the same process:

* ``to_ubl``     ``faktura.documents.ubl.to_ubl(invoice, company, customer)``: checks,
                 amounts and formatting, an ``xml.etree`` tree, indent and serialization
* ``lxml build`` the same elements, attributes and texts (precomputed from to_ubl's
                 output, so no faktura work at all) built with ``lxml.etree.SubElement``
                 and serialized with ``lxml.etree.tostring(pretty_print=True)``: the cost
                 of the XML alone in C

Before timing, every lxml document is checked to hold the same elements, attributes and
texts as to_ubl's (the script stops with an error otherwise). Each method is timed
best-of-5 with ``time.perf_counter`` (methods interleaved, garbage collector paused);
the table shows documents per second and the ratio against lxml.

Target: to_ubl >= 2,000 documents/s. When it misses, a profile says where the time goes.

Usage::

    .venv/bin/python benchmarks/ubl.py            # 2,000 invoices, best of 5
    .venv/bin/python benchmarks/ubl.py --quick    # a short run (smoke test)
    .venv/bin/python benchmarks/ubl.py --check    # exit 1 when the target fails
    .venv/bin/python benchmarks/ubl.py --profile  # cProfile to_ubl's loop as well
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import platform
import pstats
import random
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from faktura.documents.ubl import to_ubl
from faktura.invoice import Invoice
from faktura.lines import AllowanceCharge, ProductLine
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.terms import PaymentTerms
from faktura.vat import VatCategory

LINES_PER_INVOICE = 10
RATES = (Decimal(25), Decimal(12))
QUANTITIES = ("1", "2", "3", "5", "0.5", "1.25", "7.5", "12", "0.333")
DISCOUNTS = ("0", "0", "0", "5", "10", "12.5", "2.5")
TARGET_PER_SECOND = 2000.0

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)
NSMAP = {
    None: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

COMPANY = Company(
    id="company-1",
    name="Sælger & Søn ApS",
    address=Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
    cvr="13585628",
    vat_id="DK13585628",
    bank=BankAccount(
        reg_no="1234", account_no="0012345678", iban="DK5000400440116243", bic="DABADKKK"
    ),
    fik_creditor="12345678",
    email="faktura@example.dk",
    phone="+45 12 34 56 78",
)
CUSTOMER = Customer(
    id="customer-1",
    company_id="company-1",
    name="Købmand <Jensen> & Co",
    number="K-100",
    address=Address(street="Nørregade 7", city="København K", postal_code="1165"),
    cvr="13585628",
    vat_id="DK13585628",
    ean="5790000000012",
)

# One element, precomputed: (Clark tag, attributes, text, children).
Spec = tuple[str, dict[str, str], str | None, tuple[Any, ...]]


def make_invoices(count: int, seed: int = 2026) -> list[Invoice]:
    rng = random.Random(seed)
    invoices = []
    for index in range(count):
        lines = [
            ProductLine(
                description=f"Item {position}",
                quantity=Decimal(rng.choice(QUANTITIES)),
                unit_price=Decimal(rng.randrange(100, 500_000)) / 100,
                vat_category=VatCategory.S,
                vat_rate=rng.choice(RATES),
                discount_percent=Decimal(rng.choice(DISCOUNTS)),
                product_number=f"SKU-{position}",
            )
            for position in range(LINES_PER_INVOICE)
        ]
        draft = Invoice.draft(
            id=f"inv-{index}",
            company_id=COMPANY.id,
            customer_id=CUSTOMER.id,
            issue_date=DAY,
            currency="DKK",
            payment_terms=PaymentTerms.net(8),
            at=AT,
            lines=lines,
            allowance_charges=(
                AllowanceCharge(False, "Rabat", VatCategory.S, Decimal(25), percent=Decimal(2)),
            ),
            reference=f"PO {index}",
        ).invoice
        invoices.append(draft.book(f"2026-{index + 1:05d}", AT).invoice)
    return invoices


# -- the two methods -------------------------------------------------------------------------


def faktura_ubl(invoice: Invoice) -> bytes:
    return to_ubl(invoice, COMPANY, CUSTOMER)


def spec_of(document: bytes) -> Spec:
    """The elements of ``document`` as precomputed values for the lxml baseline."""

    def walk(element: ET.Element) -> Spec:
        text = element.text if element.text is not None and element.text.strip() else None
        return (element.tag, dict(element.attrib), text, tuple(walk(c) for c in element))

    return walk(ET.fromstring(document))


def lxml_build(spec: Spec) -> bytes:
    tag, attrib, text, children = spec
    root = etree.Element(tag, attrib, nsmap=NSMAP)  # type: ignore[arg-type]
    root.text = text
    _lxml_children(root, children)
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return document


def _lxml_children(parent: Any, children: tuple[Spec, ...]) -> None:
    sub = etree.SubElement
    for tag, attrib, text, grandchildren in children:
        element = sub(parent, tag, attrib)
        if text is not None:
            element.text = text
        if grandchildren:
            _lxml_children(element, grandchildren)


def verify(invoices: Sequence[Invoice], specs: Sequence[Spec]) -> None:
    """Stop loudly unless lxml's document holds exactly to_ubl's elements."""
    for index, (invoice, spec) in enumerate(zip(invoices, specs, strict=True)):
        ours, theirs = faktura_ubl(invoice), lxml_build(spec)
        if spec_of(ours) != spec_of(theirs):
            raise AssertionError(f"invoice {index}: lxml's document differs from to_ubl's")


# -- measuring -------------------------------------------------------------------------------


def best_of(repeats: int, runs: dict[str, Callable[[], None]]) -> dict[str, float]:
    """The best wall time of each run over ``repeats`` rounds (runs interleaved)."""
    best = dict.fromkeys(runs, float("inf"))
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def loop(method: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], None]:
    def run() -> None:
        for item in items:
            method(item)

    return run


def print_table(rates: dict[str, float]) -> None:
    lxml_rate = rates["lxml build"]
    header = f"{'method':<12} {'documents/s':>12} {'vs lxml build':>14}"
    print(header)
    print("-" * len(header))
    for name, rate in rates.items():
        print(f"{name:<12} {rate:>12,.0f} {rate / lxml_rate:>13.2f}x")


def check_target(rates: dict[str, float]) -> bool:
    rate = rates["to_ubl"]
    passed = rate >= TARGET_PER_SECOND
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}  to_ubl: {rate:,.0f} documents/s (target >= {TARGET_PER_SECOND:,.0f}/s)")
    return passed


#: Where to_ubl's time goes: (label, function name as cProfile records it).
PHASES = (
    ("checks (_Builder._check)", "_check"),
    ("lines (_Builder._lines)", "_lines"),
    ("ET.indent", "indent"),
    ("ET.tostring (serialize)", "tostring"),
)


def profile_to_ubl(invoices: Sequence[Invoice], top: int = 15) -> None:
    """cProfile one pass of to_ubl: the share of each phase, then the top functions."""
    profiler = cProfile.Profile()
    run = loop(faktura_ubl, invoices)
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[3] for k, v in raw.items() if k[2] == "to_ubl")
    print(f"to_ubl under cProfile: {total:.3f} s for {len(invoices)} documents")
    for label, name in PHASES:
        spent = sum(v[3] for k, v in raw.items() if k[2] == name)
        print(f"  {label:<28} {spent:>7.3f} s {100 * spent / total:>5.1f} %")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


# -- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 invoices, best of 3")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target fails")
    parser.add_argument("--profile", action="store_true", help="cProfile to_ubl's loop")
    parser.add_argument("--invoices", type=int, help="number of invoices (default 2000)")
    args = parser.parse_args(argv)
    count = args.invoices or (200 if args.quick else 2000)
    repeats = 3 if args.quick else 5

    invoices = make_invoices(count)
    specs = [spec_of(faktura_ubl(invoice)) for invoice in invoices]
    verify(invoices, specs)
    size = len(faktura_ubl(invoices[0]))
    print(
        f"{count} invoices x {LINES_PER_INVOICE} lines, DKK, ~{size:,} bytes each, best of "
        f"{repeats}; Python {platform.python_version()}, lxml {etree.__version__}"
    )
    times = best_of(
        repeats,
        {"to_ubl": loop(faktura_ubl, invoices), "lxml build": loop(lxml_build, specs)},
    )
    rates = {name: count / seconds for name, seconds in times.items()}
    print()
    print_table(rates)
    print()
    ok = check_target(rates)
    if args.profile or not ok:
        print()
        profile_to_ubl(invoices[: min(count, 500)])
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
