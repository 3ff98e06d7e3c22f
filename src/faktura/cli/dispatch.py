"""``faktura dispatch``: the outbox's events POSTed to the companies' webhook endpoints
(``faktura.billing.dispatch.Dispatcher``), round after round until interrupted, or one
round with ``--once``; a line on stdout per POST and per round that did anything.

A failed POST is retried with backoff by a later round (``faktura.outbox.BACKOFF``);
``--once`` ends with exit code 1 when some POST of its round failed. SIGTERM and Ctrl-C
stop the loop; an event whose round was cut short is taken again once its lease is
over (delivery is at least once: a receiver de-duplicates by the Faktura-Event-Id
header).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Mapping

from faktura.billing import Billing
from faktura.billing.dispatch import Dispatcher, DispatchReport
from faktura.cli.common import (
    count_arg,
    flags_named,
    open_store_at,
    redacted,
    seconds_arg,
    with_store,
)
from faktura.errors import StorageError
from faktura.webhooks import PostOutcome, post

__all__ = ["add_parser"]


def _print(line: str) -> None:
    print(line, flush=True)


class _Posting:
    """The dispatcher's sender: ``post``, and a line on stdout for each POST."""

    def __init__(self) -> None:
        self.failed = 0

    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> PostOutcome:
        outcome = post(url, body, headers, timeout)
        try:
            event = json.loads(body)
            what = f"{event['type']} {event['id']} (invoice {event['invoiceId']})"
        except (ValueError, KeyError, TypeError):
            what = "an event"
        if outcome.delivered:
            _print(f"delivered {what} to {url}: HTTP {outcome.status}")
        else:
            self.failed += 1
            _print(f"failed {what} to {url}: {outcome.error or 'not delivered'}")
        return outcome


def _round(report: DispatchReport) -> str:
    return (
        f"round: {report.taken} taken, {report.delivered} delivered, {report.retried} to "
        f"retry, {report.given_up} given up, {report.removed} done"
    )


def _dispatch(args: argparse.Namespace) -> int:
    store = open_store_at(args.store, create=False)
    try:
        sender = _Posting()
        with flags_named(lambda path: f"--{path}"):
            dispatcher = Billing(store).dispatcher(
                sender=sender, batch=args.batch, timeout=args.timeout
            )
        if args.once:
            report = dispatcher.dispatch_once()
            if report.taken or report.removed:
                _print(_round(report))
            else:
                _print("nothing due")
            return 1 if sender.failed or report.retried or report.given_up else 0
        return _loop(args, dispatcher)
    finally:
        store.close()


def _loop(args: argparse.Namespace, dispatcher: Dispatcher) -> int:
    stop = threading.Event()
    print(
        f"faktura dispatch: dispatching the outbox of {redacted(args.store)} every "
        f"{args.idle:g} s while idle (Ctrl-C or SIGTERM stops)",
        file=sys.stderr,
        flush=True,
    )

    def on_term(signum: int, frame: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        while not stop.is_set():
            try:
                report = dispatcher.dispatch_once()
            except StorageError as err:
                if not err.retryable:
                    raise
                print(f"faktura dispatch: {err.message}; trying again", file=sys.stderr)
                stop.wait(args.idle)
                continue
            if report.taken or report.removed:
                _print(_round(report))
            if report.taken + report.removed < dispatcher.batch:
                stop.wait(args.idle)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("faktura dispatch: stopped", file=sys.stderr, flush=True)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dispatch = commands.add_parser(
        "dispatch",
        help="POST the outbox's events to the webhook endpoints until interrupted",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dispatch.add_argument("--once", action="store_true", help="one round, then exit")
    dispatch.add_argument(
        "--batch",
        type=count_arg(1, 10_000),
        default=100,
        metavar="N",
        help="events taken per round (default 100)",
    )
    dispatch.add_argument(
        "--timeout",
        type=seconds_arg,
        default=10.0,
        metavar="SECONDS",
        help="how long a POST may wait to connect and for each read (default 10)",
    )
    dispatch.add_argument(
        "--idle",
        type=seconds_arg,
        default=1.0,
        metavar="SECONDS",
        help="the wait after a round that found fewer events than a batch (default 1)",
    )
    with_store(dispatch)
    dispatch.set_defaults(run=_dispatch)
