"""How fast faktura computes invoice totals, against plain Decimal and py-moneyed.

Builds N ten-line DKK invoices once (two VAT groups, S 25 % and S 12 %, line discounts,
fractional quantities so that every rounding step matters), then times three ways of
computing their totals in the same process:

* ``faktura``       ``faktura.totals.compute_totals(lines, (), currency=DKK)``
* ``plain Decimal`` a tight loop over plain tuples doing the same arithmetic: per line
                    gross and discount quantized half-up to 0.01, nets grouped by rate,
                    VAT quantized per group
* ``py-moneyed``    the same arithmetic on ``moneyed.Money`` values, rounded with
                    ``Money.round(2)`` under a half-up local context

All three must agree on subtotal, VAT and amount for every invoice (the script stops
with an error otherwise). Each method is timed best-of-5 with ``time.perf_counter``
(methods interleaved, garbage collector paused as ``timeit`` does); the table shows
invoices per second and ratios against the two baselines measured in this run.

Targets (from the performance issue): faktura ≥ 0.5× plain Decimal and ≥ 4× py-moneyed;
parsing a create-draft body (``faktura.wire.parse_create_draft``) ≥ 0.8× a bare cattrs
``Converter().structure`` of the same body into the same wire classes.

Usage::

    .venv/bin/python benchmarks/totals.py            # 2,000 invoices, best of 5
    .venv/bin/python benchmarks/totals.py --quick    # a short run (smoke test)
    .venv/bin/python benchmarks/totals.py --check    # exit 1 when a target fails
    .venv/bin/python benchmarks/totals.py --profile  # cProfile faktura's loop as well
"""

from __future__ import annotations

import argparse
import cProfile
import decimal
import gc
import io
import json
import platform
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import moneyed

from faktura.lines import ProductLine
from faktura.money import Currency
from faktura.totals import compute_totals
from faktura.vat import VatCategory
from report import print_rows, verdict, version

LINES_PER_INVOICE = 10
RATES = (Decimal(25), Decimal(12))
QUANTITIES = ("1", "2", "3", "5", "0.5", "1.25", "7.5", "12", "0.333")
DISCOUNTS = ("0", "0", "0", "5", "10", "12.5", "2.5")
TARGET_VS_PLAIN = 0.5
TARGET_VS_MONEYED = 4.0
TARGET_PARSE_VS_CATTRS = 0.8

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
DKK = Currency.of("DKK")
MONEYED_DKK = moneyed.get_currency("DKK")

# One invoice line as plain values: (quantity, unit price, discount %, VAT rate).
PlainLine = tuple[Decimal, Decimal, Decimal, Decimal]
# subtotal (BT-109), VAT (BT-110), amount (BT-112)
Result = tuple[Decimal, Decimal, Decimal]


class Workload:
    """The same N invoices in the three shapes the methods take."""

    def __init__(self, invoices: int, seed: int = 2026) -> None:
        rng = random.Random(seed)
        self.plain: list[tuple[PlainLine, ...]] = []
        for _ in range(invoices):
            lines = []
            for _ in range(LINES_PER_INVOICE):
                quantity = Decimal(rng.choice(QUANTITIES))
                unit_price = Decimal(rng.randrange(100, 500_000)) / 100  # 1.00 .. 4999.99
                discount = Decimal(rng.choice(DISCOUNTS))
                lines.append((quantity, unit_price, discount, rng.choice(RATES)))
            self.plain.append(tuple(lines))
        self.faktura = [
            tuple(
                ProductLine(
                    description=f"Item {index}",
                    quantity=quantity,
                    unit_price=price,
                    vat_category=VatCategory.S,
                    vat_rate=rate,
                    discount_percent=discount,
                )
                for index, (quantity, price, discount, rate) in enumerate(invoice)
            )
            for invoice in self.plain
        ]
        self.moneyed = [
            tuple(
                (quantity, moneyed.Money(price, MONEYED_DKK), discount, rate)
                for quantity, price, discount, rate in invoice
            )
            for invoice in self.plain
        ]


# -- the three methods -------------------------------------------------------------------


def faktura_totals(lines: Sequence[ProductLine]) -> Result:
    totals = compute_totals(lines, (), currency=DKK)
    return totals.subtotal, totals.vat, totals.amount


def plain_totals(lines: Sequence[PlainLine]) -> Result:
    nets: dict[Decimal, Decimal] = {}
    for quantity, unit_price, discount, rate in lines:
        gross = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
        if discount:
            gross -= (gross * discount / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        nets[rate] = nets.get(rate, ZERO) + gross
    subtotal = vat = ZERO
    for rate, taxable in nets.items():
        subtotal += taxable
        vat += (taxable * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return subtotal, vat, subtotal + vat


def moneyed_totals(lines: Sequence[tuple[Decimal, moneyed.Money, Decimal, Decimal]]) -> Result:
    # Money.round() rounds with the current context's rounding mode; half-up as faktura.
    with decimal.localcontext(rounding=ROUND_HALF_UP):
        zero = moneyed.Money(ZERO, MONEYED_DKK)
        nets: dict[Decimal, moneyed.Money] = {}
        for quantity, unit_price, discount, rate in lines:
            gross = (unit_price * quantity).round(2)
            if discount:
                gross -= (gross * discount / HUNDRED).round(2)  # type: ignore[union-attr]
            nets[rate] = nets.get(rate, zero) + gross
        subtotal = vat = zero
        for rate, taxable in nets.items():
            subtotal += taxable
            vat += (taxable * rate / HUNDRED).round(2)  # type: ignore[union-attr]
        amount = subtotal + vat
    return subtotal.amount, vat.amount, amount.amount


# -- measuring ---------------------------------------------------------------------------


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


def loop(method: Callable[[object], object], invoices: Sequence[object]) -> Callable[[], None]:
    def run() -> None:
        for invoice in invoices:
            method(invoice)

    return run


def verify(work: Workload) -> None:
    """Stop loudly unless the three methods agree on every invoice."""
    for index, (f_lines, p_lines, m_lines) in enumerate(
        zip(work.faktura, work.plain, work.moneyed, strict=True)
    ):
        expected = plain_totals(p_lines)
        for name, got in (
            ("faktura", faktura_totals(f_lines)),
            ("py-moneyed", moneyed_totals(m_lines)),
        ):
            if got != expected:
                raise AssertionError(
                    f"invoice {index}: {name} gives (subtotal, vat, amount) = {got}, "
                    f"plain Decimal gives {expected}; lines: {p_lines}"
                )


def print_table(rates: dict[str, float]) -> None:
    plain, money = rates["plain Decimal"], rates["py-moneyed"]
    header = f"{'method':<15} {'invoices/s':>12} {'vs plain Decimal':>17} {'vs py-moneyed':>14}"
    print(header)
    print("-" * len(header))
    for name, rate in rates.items():
        print(f"{name:<15} {rate:>12,.0f} {rate / plain:>16.2f}x {rate / money:>13.2f}x")


def check_targets(rates: dict[str, float]) -> bool:
    faktura = rates["faktura"]
    ok = True
    for label, baseline, target in (
        ("plain Decimal", rates["plain Decimal"], TARGET_VS_PLAIN),
        ("py-moneyed", rates["py-moneyed"], TARGET_VS_MONEYED),
    ):
        ratio = faktura / baseline
        passed = ratio >= target
        ok = ok and passed
        verdict = "PASS" if passed else "FAIL"
        print(f"{verdict}  faktura vs {label}: {ratio:.2f}x (target >= {target}x)")
    return ok


def profile_faktura(work: Workload, top: int = 25) -> None:
    """Where faktura's time goes: cProfile of one pass over the invoices."""
    profiler = cProfile.Profile()
    run = loop(faktura_totals, work.faktura)  # type: ignore[arg-type]
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


# -- wire parsing --------------------------------------------------------------------------
# Times parsing + validating a create-draft body with `faktura.wire.parse_create_draft`
# against a bare cattrs Converter structuring the same JSON into the same wire classes
# (camelCase renames, `Decimal(str)` and `date.fromisoformat` hooks, nothing checked),
# json.loads included in both. Says "skipped" when faktura.wire is not available.


def create_draft_body(lines: Sequence[PlainLine]) -> str:
    """A camelCase create-draft JSON body (the seed API's shape) for ``lines``."""
    return json.dumps(
        {
            "customerId": "c1",
            "date": "2026-11-25",
            "currency": "DKK",
            "paymentTerms": 8,
            "lines": [
                {
                    "description": f"Consulting {index}",
                    "quantity": str(quantity),
                    "unitPrice": str(price),
                    "discountPercent": str(discount),
                    "vatCategory": "S",
                    "vatRate": str(rate),
                }
                for index, (quantity, price, discount, rate) in enumerate(lines)
            ],
        }
    )


def bare_cattrs_parser() -> Callable[[object], object]:
    """``parse(json_dict)`` by a bare cattrs Converter into faktura's wire classes: the
    camelCase renames it needs to read the body at all, plain ``Decimal(str)`` and
    ``date.fromisoformat`` hooks, default everything else (no checks, extra keys ignored)."""
    import datetime as dt

    import attrs
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    from faktura.fields import wire_name
    from faktura.wire import CreateDraftRequest  # type: ignore[import-not-found,unused-ignore]

    conv = cattrs.Converter()
    conv.register_structure_hook(Decimal, lambda value, _: Decimal(value))
    conv.register_structure_hook(dt.date, lambda value, _: dt.date.fromisoformat(value))
    conv.register_structure_hook_factory(
        attrs.has,
        lambda cls: make_dict_structure_fn(
            cls, conv, **{a.name: override(rename=wire_name(a)) for a in attrs.fields(cls)}
        ),
    )

    def parse(data: object) -> object:
        return conv.structure(data, CreateDraftRequest)

    return parse


def bench_wire_parse(work: Workload, repeats: int) -> bool | None:
    """Time ``faktura.wire.parse_create_draft(json.loads(body))`` over the workload against
    a bare cattrs structure of the same bodies; None when the wire module is missing."""
    try:  # an ImportError both when faktura.wire is missing and when it lacks the function
        from faktura.wire import parse_create_draft as parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("wire parse: skipped: wire not available")
        return None
    bare = bare_cattrs_parser()
    bodies = [create_draft_body(lines) for lines in work.plain]
    for body in bodies[:20]:  # fail loudly before timing if a body is refused or read apart
        if parse(json.loads(body)) != bare(json.loads(body)):
            raise AssertionError(f"faktura and bare cattrs read the body apart: {body}")

    def timed(method: Callable[[object], object]) -> Callable[[], None]:
        def run() -> None:
            for body in bodies:
                method(json.loads(body))

        return run

    times = best_of(repeats, {"faktura": timed(parse), "bare cattrs": timed(bare)})
    rates = {name: len(bodies) / seconds for name, seconds in times.items()}
    ratio = rates["faktura"] / rates["bare cattrs"]
    print(f"wire parse: {rates['faktura']:,.0f} create-draft bodies/s (json.loads + parse)")
    print()
    print_rows(
        ("wire parse", "bodies/s", "vs bare cattrs"),
        [
            (name, f"{rate:,.0f}", f"{rate / rates['bare cattrs']:.2f}x")
            for name, rate in rates.items()
        ],
        (15, 12, 15),
    )
    print()
    return verdict(
        ratio >= TARGET_PARSE_VS_CATTRS,
        f"faktura vs bare cattrs: {ratio:.2f}x (target >= {TARGET_PARSE_VS_CATTRS}x)",
    )


# -- main --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 invoices, best of 3")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--profile", action="store_true", help="cProfile faktura's loop")
    parser.add_argument("--invoices", type=int, help="number of invoices (default 2000)")
    args = parser.parse_args(argv)
    invoices = args.invoices or (200 if args.quick else 2000)
    repeats = 3 if args.quick else 5

    work = Workload(invoices)
    verify(work)
    print(
        f"{invoices} invoices x {LINES_PER_INVOICE} lines, DKK, rates {[str(r) for r in RATES]}, "
        f"best of {repeats}; Python {platform.python_version()}, py-moneyed "
        f"{version('py-moneyed')}"
    )
    times = best_of(
        repeats,
        {
            "faktura": loop(faktura_totals, work.faktura),  # type: ignore[arg-type]
            "plain Decimal": loop(plain_totals, work.plain),  # type: ignore[arg-type]
            "py-moneyed": loop(moneyed_totals, work.moneyed),  # type: ignore[arg-type]
        },
    )
    rates = {name: invoices / seconds for name, seconds in times.items()}
    print()
    print_table(rates)
    print()
    ok = check_targets(rates)
    print()
    parse_ok = bench_wire_parse(work, repeats)
    ok = ok and parse_ok is not False
    if args.profile:
        print()
        profile_faktura(work)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
