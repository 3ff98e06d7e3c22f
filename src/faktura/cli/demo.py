"""``faktura demo``: the whole demo flow into a fresh ``./faktura-demo/``."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from faktura.cli.common import redacted
from faktura.demo import render_summary, render_table, run_flow
from faktura.storage import open_store

__all__ = ["DEMO_DIR", "add_parser"]

#: Where ``faktura demo`` writes its SQLite file and documents (fresh on every run).
DEMO_DIR = Path("faktura-demo")
_DEMO_STORE = f"sqlite:///{DEMO_DIR.as_posix()}/faktura.db"
# What a demo run writes into DEMO_DIR, removed before the next run.
_DEMO_FILES = ("invoice-*.pdf", "invoice-*.xml", "credit-note-*.pdf", "credit-note-*.xml")


def _demo(args: argparse.Namespace) -> int:
    url: str = args.store
    DEMO_DIR.mkdir(exist_ok=True)
    if url == _DEMO_STORE:
        for leftover in DEMO_DIR.glob("faktura.db*"):
            leftover.unlink()
    for pattern in _DEMO_FILES:
        for leftover in DEMO_DIR.glob(pattern):
            leftover.unlink()
    shutil.rmtree(DEMO_DIR / "outbox", ignore_errors=True)
    store = open_store(url, create=True)
    try:
        report = run_flow(store, DEMO_DIR)
    finally:
        store.close()
    first = report.documents[0].invoice
    print(f"store: {redacted(url)}")
    for path in report.files:
        print(f"wrote {path}")
    print()
    print(f"{report.company.name} (CVR {report.company.cvr}) → {report.documents[0].customer.name}")
    print()
    print(render_table(first))
    print()
    print(render_summary(report.documents))
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="run the whole demo flow into ./faktura-demo/")
    demo.add_argument(
        "--store",
        default=_DEMO_STORE,
        help=f"store URL (default {_DEMO_STORE}, recreated on every run)",
    )
    demo.set_defaults(run=_demo)
