"""``faktura run`` (a billing run over a company's schedules, with a progress bar) and
``faktura book`` (many drafts booked in batches).

Both print what they did on stdout and end with exit code 0 when everything went
through, 1 when something was refused or failed (each named with its reason), and 2 for
bad input, as every command does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import date
from typing import TextIO

from faktura.billing import Billing
from faktura.billing.runs import BatchBooking, RunProgress, RunSummary
from faktura.cli.common import (
    count_arg,
    flags_named,
    open_store_at,
    text_table,
    with_store,
)
from faktura.cli.options import (
    add_delivery_options,
    add_exchange_rate_option,
    add_font_options,
    delivery_channels,
    exchange_rates,
    register_font,
)
from faktura.schedules import current_month, parse_window

__all__ = ["ProgressBar", "add_parser"]

_FLAGS = {"period": "--period", "batch_size": "--batch-size", "invoice_ids": "INVOICE_ID"}


def _flag(path: str) -> str:
    head, _, rest = path.partition(".")
    if head == "invoice_ids" and rest.isdigit():
        return f"INVOICE_ID {int(rest) + 1}"
    return _FLAGS.get(path, path)


@contextlib.contextmanager
def _billing(args: argparse.Namespace, *, deliver: bool) -> Iterator[Billing]:
    """A Billing on ``--store`` with the exchange rates and font the flags give, and, to
    deliver, the channels they configure (email and einvoice as ``Unconfigured`` ones
    when their settings are missing: a run reports what to set)."""
    env = os.environ
    register_font(args, env)
    rates = exchange_rates(args, env)
    with contextlib.ExitStack() as stack:
        channels = delivery_channels(args, env, stack, placeholders=True) if deliver else None
        store = open_store_at(args.store, create=False)
        stack.callback(store.close)
        yield Billing(store, channels=channels, exchange_rates=rates)


# -- faktura run -------------------------------------------------------------------------


class ProgressBar:
    """A run's progress on ``stream``: on a terminal one line redrawn in place
    (``\\r``), otherwise a plain line per report (a log keeps each)."""

    WIDTH = 30

    def __init__(self, stream: TextIO, *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self._drawn = 0

    def __call__(self, progress: RunProgress) -> None:
        done, total = progress.done, progress.due
        counts = (
            f"created {progress.created}, booked {progress.booked}, "
            f"delivered {progress.delivered}, failed {progress.failed}"
        )
        if self.tty:
            filled = self.WIDTH if total == 0 else self.WIDTH * done // total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            line = f"[{bar}] {done}/{total}  {counts}"
            self.stream.write("\r" + line.ljust(self._drawn))
            self._drawn = len(line)
        else:
            self.stream.write(f"faktura run: {done}/{total} due done ({counts})\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the redrawn line (on a terminal)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _window(billing: Billing, period: str | None) -> tuple[date, date]:
    if period is None:
        return current_month(billing.clock.today())
    with flags_named(_flag):
        return parse_window(period)


def _run(args: argparse.Namespace) -> int:
    with _billing(args, deliver=args.deliver) as billing:
        first, last = _window(billing, args.period)
        company = billing.get_company(args.company)
        print(
            f"faktura run: billing {first}..{last} for {company.name} ({company.id})",
            file=sys.stderr,
            flush=True,
        )
        bar = ProgressBar(sys.stderr, tty=sys.stderr.isatty())
        try:
            with flags_named(_flag):
                summary = billing.run_billing(
                    company.id,
                    (first, last),
                    batch_size=args.batch_size,
                    deliver=args.deliver,
                    progress=bar,
                )
        except KeyboardInterrupt:
            bar.finish()
            print(
                "faktura run: interrupted; what was booked stays booked: run it again to go on",
                file=sys.stderr,
            )
            return 130
        bar.finish()
        overdue = billing.report_overdue(company.id)
    print(_report(summary, overdue))
    return 1 if summary.failed else 0


def _report(summary: RunSummary, overdue: int) -> str:
    counts = [
        ("period", f"{summary.first}..{summary.last}"),
        ("due", summary.due),
        ("created", summary.created),
        ("booked", summary.booked),
        ("delivered", summary.delivered),
        ("skipped", summary.skipped),
        ("failed", len(summary.failed)),
        ("overdue", overdue),
    ]
    text = "\n".join(f"{label + ':':<11}{value}" for label, value in counts)
    if summary.failed:
        rows = [
            (f.schedule_id, str(f.period), f.invoice_id, f.stage, " ".join(f.message.split()))
            for f in summary.failed
        ]
        text += "\n\n" + text_table(("schedule", "period", "invoice", "stage", "reason"), rows)
    return text


# -- faktura book ------------------------------------------------------------------------


def _book(args: argparse.Namespace) -> int:
    with _billing(args, deliver=False) as billing, flags_named(_flag):
        result = billing.book_many(args.company, args.invoice_ids, batch_size=args.batch_size)
    print(_booked(result))
    return 1 if result.failed else 0


def _booked(result: BatchBooking) -> str:
    rows = [(invoice.id, invoice.number or "-") for invoice in result.booked]
    text = f"booked {len(result.booked)}, refused {len(result.failed)}"
    if rows:
        text += "\n\n" + text_table(("invoice", "number"), rows)
    if result.failed:
        refused = [
            (failure.invoice_id, " ".join(failure.error.message.split()))
            for failure in result.failed
        ]
        text += "\n\n" + text_table(("refused", "reason"), refused)
    return text


# -- the parsers -------------------------------------------------------------------------


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="bill the schedules of a company due in a period; exit 1 when some failed",
        description="Create, book and deliver the invoices of every schedule of the company "
        "whose periods fall due in the period. Safe to run again: what was billed is "
        "skipped, what was left undone is done.",
    )
    run.add_argument("--company", required=True, help="company id")
    run.add_argument(
        "--period",
        metavar="PERIOD",
        help="a month (2026-12), a quarter (2026-Q4), a day (2026-12-07) or days "
        "(2026-12-01..2026-12-15); default the current month",
    )
    run.add_argument(
        "--batch-size",
        type=count_arg(1, 10_000),
        default=100,
        metavar="N",
        help="invoices created and booked per transaction (default 100)",
    )
    run.add_argument(
        "--no-deliver",
        dest="deliver",
        action="store_false",
        help="book the invoices but send none (a later run sends them)",
    )
    with_store(run)
    add_delivery_options(run)
    add_font_options(run)
    add_exchange_rate_option(run)
    run.set_defaults(run=_run)

    book = commands.add_parser(
        "book",
        help="book drafts in batches; prints their numbers and the refused",
        description="Book the drafts, N per transaction, each with the next number of its "
        "series; a draft that cannot be booked is reported with the reason and uses no "
        "number. Exit code 1 when any was refused.",
    )
    book.add_argument("--company", required=True, help="company id")
    book.add_argument("invoice_ids", nargs="+", metavar="INVOICE_ID")
    book.add_argument(
        "--batch-size",
        type=count_arg(1, 10_000),
        default=100,
        metavar="N",
        help="drafts booked per transaction (default 100)",
    )
    with_store(book)
    add_font_options(book)
    add_exchange_rate_option(book)
    book.set_defaults(run=_book)
