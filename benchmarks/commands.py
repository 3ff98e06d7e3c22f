"""Creating a draft through the typed API against the reference API's JSON path.

Both paths create the same N ten-line drafts with ``Billing.create_draft`` over a memory
store (so the store's own cost does not hide the difference):

* ``typed``  ``NewDraft(customer_id=..., lines=[LineInput(...), ...])``, the command and its
             lines built from Python values in the timed loop
* ``typed, domain lines``  the same with ``ProductLine`` values (VAT given, nothing to
             default)
* ``JSON``   ``faktura.wire.new_draft(json.loads(text))``: the create-draft body as a request
             carries it (JSON text, camelCase, decimal strings) read, parsed and checked,
             then the same call

The baseline is the JSON path, measured in the same run. The script first checks that the
three paths create equal drafts (lines, totals, due date). Each path is timed best-of-5
with ``time.perf_counter`` (interleaved, garbage collector paused as ``timeit`` does).

Target (issue 16): the typed path is not slower than the JSON path (ratio ≥ 1.0).

Usage::

    .venv/bin/python benchmarks/commands.py           # 2,000 drafts, best of 5
    .venv/bin/python benchmarks/commands.py --quick   # a short run (smoke test)
    .venv/bin/python benchmarks/commands.py --check   # exit 1 when the target fails
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from faktura import (
    Billing,
    CompanyProfile,
    LineInput,
    MemoryStore,
    NewCustomer,
    NewDraft,
    ProductLine,
    VatCategory,
)
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft
from report import print_rows, verdict

LINES = 10
QUANTITIES = ("1", "2", "3", "5", "0.5", "1.25", "7.5", "12")
PRICES = ("100.00", "950.00", "12.50", "1234.56", "0.99", "49.95")
DISCOUNTS = ("0", "0", "5", "10", "12.5")
TARGET = 1.0

#: One line as plain strings: description, quantity, unit price, discount percent.
Plain = tuple[str, str, str, str]


def workload(drafts: int, seed: int = 2026) -> list[list[Plain]]:
    rng = random.Random(seed)
    return [
        [
            (
                f"Item {n}",
                rng.choice(QUANTITIES),
                rng.choice(PRICES),
                rng.choice(DISCOUNTS),
            )
            for n in range(LINES)
        ]
        for _ in range(drafts)
    ]


def typed(customer_id: str, lines: list[Plain]) -> NewDraft:
    return NewDraft(
        customer_id=customer_id,
        lines=[
            LineInput(
                description=d,
                quantity=Decimal(q),
                unit_price=Decimal(p),
                discount_percent=Decimal(pct),
            )
            for d, q, p, pct in lines
        ],
    )


def typed_domain(customer_id: str, lines: list[Plain]) -> NewDraft:
    return NewDraft(
        customer_id=customer_id,
        lines=[
            ProductLine(
                description=d,
                quantity=Decimal(q),
                unit_price=Decimal(p),
                vat_category=VatCategory.S,
                vat_rate=Decimal(25),
                discount_percent=Decimal(pct),
            )
            for d, q, p, pct in lines
        ],
    )


def body(customer_id: str, lines: list[Plain]) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "lines": [
            {"description": d, "quantity": q, "unitPrice": p, "discountPercent": pct}
            for d, q, p, pct in lines
        ],
    }


def json_path(customer_id: str, text: str) -> NewDraft:
    return new_draft(json.loads(text))


def setup() -> tuple[Billing, str, str]:
    billing = Billing(MemoryStore())
    company = billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628"))
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    )
    return billing, company.id, customer.id


def check(work: list[list[Plain]]) -> None:
    billing, company_id, customer_id = setup()
    for lines in work[:50]:
        made = [
            billing.create_draft(company_id, typed(customer_id, lines)),
            billing.create_draft(company_id, typed_domain(customer_id, lines)),
            billing.create_draft(company_id, json_path(customer_id, request(customer_id, lines))),
        ]
        first = made[0]
        for other in made[1:]:
            if (other.lines, other.totals, other.due_date) != (
                first.lines,
                first.totals,
                first.due_date,
            ):
                sys.exit("the paths create different drafts")


def request(customer_id: str, lines: list[Plain]) -> str:
    """The JSON text of a create-draft request."""
    return json.dumps(body(customer_id, lines))


def timed(path: Callable[[str, Any], NewDraft], work: list[list[Plain]]) -> float:
    billing, company_id, customer_id = setup()
    inputs: list[Any] = (
        [request(customer_id, lines) for lines in work] if path is json_path else work
    )
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for given in inputs:
            billing.create_draft(company_id, path(customer_id, given))
        return time.perf_counter() - start
    finally:
        gc.enable()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    drafts, repeat = (200, 2) if args.quick else (args.drafts, args.repeat)
    work = workload(drafts)
    check(work)
    paths: dict[str, Callable[[str, Any], NewDraft]] = {
        "typed": typed,
        "typed, domain lines": typed_domain,
        "JSON": json_path,
    }
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(repeat):
        for name, path in paths.items():
            best[name] = min(best[name], timed(path, work))
    python = platform.python_version()
    print(f"{drafts:,} drafts of {LINES} lines, best of {repeat}; Python {python}")
    baseline = drafts / best["JSON"]
    rows = []
    for name in paths:
        rate = drafts / best[name]
        rows.append([name, f"{rate:,.0f}", f"{rate / baseline:.2f}×"])
    print_rows(["path", "drafts/s", "vs JSON"], rows, [22, 10, 8])
    ratio = best["JSON"] / best["typed"]
    passed = verdict(ratio >= TARGET, f"typed ≥ {TARGET:.1f}× the JSON path ({ratio:.2f}×)")
    return 0 if passed or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
