"""How fast the storage codec reads and writes documents, against plain ``json``.

Builds N invoices once (ten product lines each, every other one booked with a snapshot
of its parties, as stores keep them), encodes them with the codec, then times, in the
same process, each codec call over all N against the plain ``json`` call on the same
text or data (the baseline: what the codec must do anyway):

* ``loads_invoice``   a header and its lines' text → Invoice (the lines left undecoded,
                      as every booking and read does) vs ``json.loads(header)``;
* ``lines``           a lines text → the lines (``codec._lines_text``) vs ``json.loads``;
* ``loads``           a whole document (``dumps``) → Invoice vs ``json.loads``;
* ``load_summaries``  N summary texts in one call, all distinct (the codec's cache of
                      1,024 decoded texts never hits) vs ``json.loads`` of each;
* ``dumps_header``    Invoice → header text vs ``json.dumps`` of the same plain data;
* ``dumps_lines``     Invoice → lines text vs ``json.dumps`` of the same plain data.

The same calls of the previous, hand-written codec (the frozen copy
``tests/test_codec_compat.py`` keeps as its oracle, without the error handling and the
cache of decoded summaries) are timed too, in the same run. Each figure is the best of
7 of the process's CPU time (``time.process_time``, garbage collector paused, as
``timeit`` does), so that other processes on a busy machine weigh less; rows of the
three are interleaved.

Usage::

    .venv/bin/python benchmarks/codec.py            # 10,000 invoices
    .venv/bin/python benchmarks/codec.py --count 1000
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
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from faktura.documents.source import issue
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.storage import codec
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms
from faktura.testing.contract import AT, DAY, company, customer
from faktura.vat import VatCategory

LINES = 10
ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def invoices(count: int, seed: int = 2026) -> list[Invoice]:
    rng = random.Random(seed)
    seller, buyer = company(), customer()
    made = []
    for n in range(count):
        lines = [
            ProductLine(
                f"Consulting, part {k}",
                Decimal(rng.choice(("1", "2", "0.5", "7.5"))),
                Decimal(rng.randint(100, 99_999)) / 100,
                VatCategory.S,
                Decimal(25),
                discount_percent=Decimal(rng.choice(("0", "0", "10"))),
            )
            for k in range(LINES)
        ]
        draft, _ = Invoice.draft(
            id=f"inv-{n}",
            company_id="co-a",
            customer_id="cu-1",
            issue_date=DAY + timedelta(days=n % 300),
            currency="DKK",
            payment_terms=PaymentTerms.net(14),
            at=AT,
            lines=lines,
            description=f"Order {n}",
        )
        if n % 2:
            draft = draft.book(str(n), AT, issued=issue(draft, seller, buyer)).invoice
        made.append(draft)
    return made


def timed(run: Callable[[], object]) -> float:
    gc.disable()
    try:
        start = time.process_time()
        run()
        return time.process_time() - start
    finally:
        gc.enable()


def best(runs: list[Callable[[], object]], repeats: int = 7) -> list[float]:
    """The best time of each of ``runs``, run in turn ``repeats`` times."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, kept in zip(runs, times, strict=True):
            kept.append(timed(run))
    return [min(kept) for kept in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    count = args.count
    docs = invoices(count)
    headers = [codec.dumps_header(invoice) for invoice in docs]
    lines = [codec.dumps_lines(invoice) for invoice in docs]
    wholes = [codec.dumps(invoice) for invoice in docs]
    summaries = [codec.dumps(InvoiceSummary.of(invoice)) for invoice in docs]
    header_data = [json.loads(text) for text in headers]
    lines_data = [json.loads(text) for text in lines]
    pairs = list(zip(headers, lines, strict=True))
    for invoice in docs:  # the derived values a header keeps, worked out before timing
        _ = invoice.amounts, invoice.line_facts

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import test_codec_compat as old  # the previous codec (its frozen copy)

    def plain(texts: list[str]) -> Callable[[], object]:
        return lambda: [json.loads(text) for text in texts]

    rows: list[tuple[str, Callable[[], object], Callable[[], object], Callable[[], object]]]
    rows = [
        (
            "loads_invoice (lines kept)",
            lambda: [codec.loads_invoice(h, ln) for h, ln in pairs],
            lambda: [old.old_loads_invoice(h, ln) for h, ln in pairs],
            plain(headers),
        ),
        (
            "lines (10 product lines)",
            lambda: [codec._lines_text(t) for t in lines],
            lambda: [old._line_tuple(json.loads(t)) for t in lines],
            plain(lines),
        ),
        (
            "loads (whole document)",
            lambda: [codec.loads(t, Invoice) for t in wholes],
            lambda: [old.old_loads(t, Invoice) for t in wholes],
            plain(wholes),
        ),
        (
            "load_summaries (distinct)",
            lambda: codec.load_summaries(summaries),
            lambda: [old._summary(json.loads(t), InvoiceSummary) for t in summaries],
            plain(summaries),
        ),
        (
            "dumps_header",
            lambda: [codec.dumps_header(invoice) for invoice in docs],
            lambda: [old.old_dumps_header(invoice) for invoice in docs],
            lambda: [ENCODE(data) for data in header_data],
        ),
        (
            "dumps_lines",
            lambda: [codec.dumps_lines(invoice) for invoice in docs],
            lambda: [old.old_dumps_lines(invoice) for invoice in docs],
            lambda: [ENCODE(data) for data in lines_data],
        ),
    ]
    print(
        f"{count:,} invoices of {LINES} lines (every other booked, with a snapshot); "
        f"Python {platform.python_version()} ({platform.python_implementation()}); "
        "best of 7, CPU time"
    )
    print()
    print(
        f"{'µs per document':28} {'codec':>7} {'previous':>9} {'json':>7} "
        f"{'vs previous':>12} {'vs json':>8}"
    )
    for name, new, previous, baseline in rows:
        ours, before, theirs = (t / count * 1e6 for t in best([new, previous, baseline]))
        print(
            f"{name:28} {ours:7.2f} {before:9.2f} {theirs:7.2f} "
            f"{ours / before:11.2f}× {ours / theirs:7.2f}×"
        )


if __name__ == "__main__":
    main()
