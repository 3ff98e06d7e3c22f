"""``faktura payments`` (a payment received by its reference, a bank statement imported,
the payments listed, one reversed) and ``faktura statement`` (a customer's statement of
account, printed or as a PDF).

A payment with ``--key`` and an imported statement are idempotent: given again they
change nothing, and the command says so.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from faktura.billing import Billing
from faktura.billing.receipts import BankImport
from faktura.cli.common import (
    Refused,
    date_arg,
    flags_named,
    open_store_at,
    text_table,
    the_company,
    with_store,
)
from faktura.dunning import Reminder
from faktura.receivables import BankEntry, BankOutcome, Statement

__all__ = ["add_parser"]

_FLAGS = {
    "company_id": "--company",
    "customer_id": "CUSTOMER_ID",
    "document_id": "DOCUMENT_ID",
    "payment_id": "PAYMENT_ID",
    "amount": "AMOUNT",
    "reference": "--reference",
    "currency": "--currency",
    "paid_on": "--paid-on",
    "key": "--key",
    "reason": "--reason",
    "outcome": "--outcome",
    "start": "--from",
    "end": "--to",
    "language": "--language",
}


def _flag(path: str) -> str:
    """``camt.Stmt.0.Ntry.2.Amt`` → ``FILE: camt.Stmt.0.Ntry.2.Amt``."""
    if path == "camt" or path.startswith("camt."):
        return f"FILE: {path}"
    return _FLAGS.get(path, path)


@contextlib.contextmanager
def _billing(args: argparse.Namespace) -> Iterator[Billing]:
    store = open_store_at(args.store, create=False)
    try:
        with flags_named(_flag):
            yield Billing(store)
    finally:
        store.close()


def _money(value: Decimal) -> str:
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)


# -- payments ----------------------------------------------------------------------------


def _entry(entry: BankEntry) -> str:
    fields = [
        ("outcome", entry.outcome.value),
        ("amount", f"{_money(entry.amount)} {entry.currency}"),
        ("paid on", entry.booked_on.isoformat()),
        ("reference", entry.reference or "-"),
        ("key", entry.key),
        ("customer", entry.customer_id or "-"),
        ("documents", ", ".join(entry.document_ids) or "-"),
        ("payments", ", ".join(sorted(set(entry.payment_ids))) or "-"),
    ]
    if entry.reason:
        fields.append(("reason", " ".join(entry.reason.split())))
    return "\n".join(f"{label + ':':<11}{value}" for label, value in fields)


def _receive(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        started = billing.clock.now()
        entry = billing.receive_payment(
            company_id,
            args.amount.strip(),
            reference=args.reference,
            currency=args.currency,
            paid_on=args.paid_on,
            key=args.key,
        )
    if args.key is not None and entry.recorded_at < started:
        # the entry kept under the key the first time: this payment was applied then
        print(f"payment {args.key!r} was received before: nothing new was applied")
    print(_entry(entry))
    return 0


def _all_entries(billing: Billing, company_id: str, outcome: BankOutcome | None) -> list[BankEntry]:
    entries: list[BankEntry] = []
    after: str | None = None
    while True:
        page = billing.bank_entries(company_id, outcome=outcome, after=after, limit=1000)
        entries.extend(page)
        if len(page) < 1000:
            return entries
        after = page[-1].key


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise Refused(f"FILE: cannot read {path}: {err.strerror}") from None
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        result = billing.import_bank_statement(company_id, data)
    print(_imported(result))
    return 0


def _imported(result: BankImport) -> str:
    new = [t for t in result.transactions if t.new]
    counts: list[tuple[str, str]] = [
        ("statement", result.statement_id or "-"),
        ("account", result.account or "-"),
        ("payments", str(len(result.transactions))),
        *((outcome.value, str(result.count(outcome))) for outcome in BankOutcome),
        ("duplicates", str(result.duplicates)),
        ("skipped", str(len(result.skipped))),
    ]
    text = "\n".join(f"{label + ':':<12}{value}" for label, value in counts)
    if result.transactions and not new:
        text += "\n\nnothing new was applied: every payment was imported before"
    rows = [
        (
            t.entry.key,
            t.entry.booked_on.isoformat(),
            f"{_money(t.entry.amount)} {t.entry.currency}",
            t.entry.outcome.value if t.new else f"{t.entry.outcome.value} (before)",
            ", ".join(t.entry.document_ids) or "-",
            " ".join((t.entry.reason or "").split()),
        )
        for t in result.transactions
    ]
    if rows:
        text += "\n\n" + text_table(
            ("key", "booked", "amount", "outcome", "documents", "reason"), rows
        )
    skipped = [
        (
            s.path,
            s.reason.value,
            "-" if s.amount is None else f"{_money(s.amount)} {s.currency or ''}".strip(),
            s.reference or "-",
            " ".join(s.note.split()),
        )
        for s in result.skipped
    ]
    if skipped:
        text += "\n\n" + text_table(("skipped", "why", "amount", "reference", "note"), skipped)
    return text


def _list(args: argparse.Namespace) -> int:
    outcome = None if args.outcome is None else BankOutcome(args.outcome)
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        entries = _all_entries(billing, company_id, outcome)
    rows = [
        (
            e.key,
            e.booked_on.isoformat(),
            f"{_money(e.amount)} {e.currency}",
            e.outcome.value,
            e.reference or "-",
            ", ".join(e.document_ids) or "-",
            ", ".join(sorted(set(e.payment_ids))) or "-",
            " ".join((e.reason or "").split()),
        )
        for e in entries
    ]
    header = ("key", "booked", "amount", "outcome", "reference", "documents", "payments", "reason")
    print(text_table(header, rows) if rows else "no payments")
    return 0


def _reverse(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        document = billing.reverse_payment(
            company_id, args.document_id, args.payment_id, reason=args.reason
        )
    if isinstance(document, Reminder):
        print(
            f"reversed {args.payment_id} on reminder {document.number}: charges unpaid "
            f"{_money(document.charges_outstanding)} {document.currency}"
        )
    else:
        print(
            f"reversed {args.payment_id} on {document.number or document.id}: "
            f"{document.status.value}, owed {_money(document.outstanding)} {document.currency}"
        )
    return 0


# -- faktura statement -------------------------------------------------------------------


def _statement(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        end = args.end or billing.clock.today()
        start = args.start or date(end.year, 1, 1)
        if args.pdf is not None:
            data = billing.statement_pdf(
                company_id,
                args.customer_id,
                start=start,
                end=end,
                currency=args.currency,
                language=args.language,
            )
        else:
            if args.language is not None:
                raise Refused("--language: only for the PDF (--pdf FILE)")
            made = billing.statement(
                company_id, args.customer_id, start=start, end=end, currency=args.currency
            )
            customer = billing.get_customer(company_id, args.customer_id)
            print(_show_statement(made, customer.name))
            return 0
    target = Path(args.pdf)
    try:
        target.write_bytes(data)
    except OSError as err:
        raise Refused(f"--pdf: cannot write {target}: {err.strerror}") from None
    print(f"wrote {target} ({len(data)} bytes)")
    return 0


def _show_statement(made: Statement, name: str) -> str:
    cur = made.currency
    head = [
        ("customer", f"{name} ({made.customer_id})"),
        ("period", f"{made.start}..{made.end}"),
        ("currency", cur),
        ("opening", _money(made.opening)),
    ]
    text = "\n".join(f"{label + ':':<10}{value}" for label, value in head)
    rows = [
        (
            line.date.isoformat(),
            line.kind.value,
            line.reference or "-",
            _money(line.debit) if line.debit else "-",
            _money(line.credit) if line.credit else "-",
            _money(line.balance),
        )
        for line in made.lines
    ]
    if rows:
        header = ("date", "what", "reference", "debit", "credit", "balance")
        text += "\n\n" + text_table(header, rows)
    text += f"\n\n{'closing:':<10}{_money(made.closing)}"
    items = [
        (
            item.kind,
            item.reference or "-",
            item.issue_date.isoformat() if item.issue_date else "-",
            item.due_date.isoformat() if item.due_date else "-",
            _money(item.open),
        )
        for item in made.open_items
    ]
    if items:
        text += "\n\n" + text_table(("open", "reference", "date", "due", "amount"), items)
        text += f"\n\n{'open:':<10}{_money(made.open_total)}"
    return text


# -- the parsers -------------------------------------------------------------------------


def _with_company(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--company", help="company id (default: the store's company, when it has one)"
    )
    with_store(parser)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    payments = commands.add_parser(
        "payments", help="payments: receive by reference, import a bank statement, list, reverse"
    )
    actions = payments.add_subparsers(dest="action", required=True, metavar="ACTION")

    receive = actions.add_parser(
        "receive",
        help="a payment matched by the reference it was paid with",
        description="Apply a payment by its reference (a reminder's number or payment id, a "
        "FIK line or payment id, an invoice number, or text holding one): a reminder's "
        "charges first, then its invoices; what is left is the customer's credit balance. "
        "A payment that matches nothing is kept as unmatched.",
    )
    _with_company(receive)
    receive.add_argument("amount", metavar="AMOUNT", help="the amount paid, e.g. 1250.00")
    receive.add_argument("--reference", required=True, metavar="REF", help="what it was paid with")
    receive.add_argument("--currency", help="ISO 4217 code (default the company's)")
    receive.add_argument(
        "--paid-on", type=date_arg, metavar="DATE", help="the day it was paid (default today)"
    )
    receive.add_argument(
        "--key",
        help="the bank's reference: the same key again changes nothing (idempotent)",
    )
    receive.set_defaults(run=_receive)

    imported = actions.add_parser(
        "import",
        help="import a camt.053 or camt.054 bank statement (again: nothing new applied)",
    )
    _with_company(imported)
    imported.add_argument("file", metavar="FILE", help="the ISO 20022 XML file")
    imported.set_defaults(run=_import)

    listing = actions.add_parser("list", help="list the payments received")
    _with_company(listing)
    listing.add_argument(
        "--outcome",
        choices=[o.value for o in BankOutcome],
        help="only these (unmatched: the ones for a person to assign)",
    )
    listing.set_defaults(run=_list)

    reverse = actions.add_parser(
        "reverse", help="take back a payment that bounced, with every part of it"
    )
    _with_company(reverse)
    reverse.add_argument("document_id", metavar="DOCUMENT_ID", help="an invoice or reminder id")
    reverse.add_argument("payment_id", metavar="PAYMENT_ID", help="the payment's id (pay_...)")
    reverse.add_argument("--reason", help="why (kept with the reversal)")
    reverse.set_defaults(run=_reverse)

    statement = commands.add_parser(
        "statement",
        help="a customer's statement of account (kontoudtog), printed or as a PDF",
    )
    _with_company(statement)
    statement.add_argument("customer_id", metavar="CUSTOMER_ID")
    statement.add_argument(
        "--from",
        dest="start",
        type=date_arg,
        metavar="DATE",
        help="first day (default 1 January of --to's year)",
    )
    statement.add_argument(
        "--to", dest="end", type=date_arg, metavar="DATE", help="last day (default today)"
    )
    statement.add_argument("--currency", help="ISO 4217 code (default the company's)")
    statement.add_argument("--pdf", metavar="FILE", help="write the statement as a PDF to FILE")
    statement.add_argument(
        "--language", help="the PDF's language (da, en, de, sv, nb; default the customer's)"
    )
    statement.set_defaults(run=_statement)
