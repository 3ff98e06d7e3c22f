"""What a customer owes and has paid: the customer's account (credit balance), payments
as a bank reports them, how a payment is split over what it pays, and the statement of
account (kontoudtog). Pure: no I/O, no clock.

A payment pays, in this order (costs and interest before the principal, as Danish
practice and BGB § 367 have it): a reminder's charges, then the invoices it lists (the
oldest due date first), then nothing more: what is left over is the customer's credit
balance, usable on a later invoice or paid back (``AccountEntry``).

>>> split = allocate(Decimal("150.00"), Decimal("0.00"), (("inv_1", Decimal("100.00")),))
>>> split.invoices, split.surplus
((('inv_1', Decimal('100.00')),), Decimal('50.00'))
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from faktura.checks import (
    check_date,
    check_enum,
    check_id,
    check_text,
    check_timestamp,
    check_tuple,
    normalize,
)
from faktura.dunning import Reminder
from faktura.errors import ValidationError
from faktura.identifiers import luhn_check_digit
from faktura.invoice import Invoice
from faktura.money import Currency, parse_decimal, total
from faktura.status import BOOKED_STATUSES, DocumentKind

__all__ = [
    "AccountEntry",
    "Allocation",
    "BankEntry",
    "BankOutcome",
    "BankTransaction",
    "EntryKind",
    "LineKind",
    "OpenItem",
    "Statement",
    "StatementLine",
    "allocate",
    "build_statement",
    "credit_balance",
    "fik_payment_id",
]

_ZERO = Decimal("0.00")


# -- the customer's account --------------------------------------------------------------------


class EntryKind(enum.StrEnum):
    """What moved the customer's credit balance: money paid beyond what it paid for
    (+), the balance used on an invoice (−), paid back to the customer (−), an
    over-payment taken back because its payment bounced (−), or a use of the balance
    taken back because the payment it made on an invoice was reversed (+)."""

    OVERPAYMENT = "overpayment"
    APPLIED = "applied"
    REFUND = "refund"
    REVERSAL = "reversal"
    RESTORED = "restored"


@attrs.frozen
class AccountEntry:
    """One movement of a customer's credit balance (in ``currency``), ``amount`` > 0;
    ``invoice_id`` the document it came from or went to, ``payment_id`` the payment it
    was part of (so that a reversal finds it)."""

    id: str
    company_id: str
    customer_id: str
    currency: str
    kind: EntryKind
    amount: Decimal
    date: date
    recorded_at: datetime
    reference: str | None = None
    invoice_id: str | None = None
    payment_id: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        check_id(self.customer_id, "customer_id")
        currency = Currency.of(self.currency)
        normalize(self, "kind", check_enum(self.kind, EntryKind, "kind"))
        value = parse_decimal(self.amount, "amount", places=currency.minor_units)
        if value <= 0:
            raise ValidationError("must be above 0", field="amount", rule="minimum")
        normalize(self, "amount", value)
        check_date(self.date, "date")
        check_timestamp(self.recorded_at, "recorded_at")
        if self.reference is not None:
            check_text(self.reference, "reference", limit=200)
        if self.invoice_id is not None:
            check_id(self.invoice_id, "invoice_id")
        if self.payment_id is not None:
            check_id(self.payment_id, "payment_id")

    @property
    def change(self) -> Decimal:
        """What this entry adds to the credit balance (negative: takes from it)."""
        return self.amount if self.kind in _ADDS else -self.amount


_ADDS = frozenset({EntryKind.OVERPAYMENT, EntryKind.RESTORED})


def credit_balance(entries: Iterable[AccountEntry], currency: str) -> Decimal:
    """The customer's credit balance in ``currency``: what faktura owes back or may use."""
    places = Currency.of(currency).exponent
    return total(e.change for e in entries if e.currency == currency).quantize(places)


# -- payments as the bank reports them ---------------------------------------------------------


@attrs.frozen
class BankTransaction:
    """A credit (money in) read from a bank statement: ``key`` identifies it across
    files (the bank's reference, else the entry's reference, else its end-to-end id with
    the account and date), ``references`` what the payer sent along (remittance text,
    structured creditor reference, end-to-end id), in the order they are tried."""

    key: str
    amount: Decimal
    currency: str
    booked_on: date
    references: tuple[str, ...] = ()
    account: str | None = None
    debtor: str | None = None
    end_to_end_id: str | None = None

    def __attrs_post_init__(self) -> None:
        check_text(self.key, "key", required=True, limit=300, one_line=True)
        currency = Currency.of(self.currency)
        normalize(self, "amount", parse_decimal(self.amount, "amount", places=currency.minor_units))
        check_date(self.booked_on, "booked_on")
        refs = check_tuple(self.references, str, "references")
        normalize(self, "references", refs)
        for ref in refs:
            check_text(ref, "references", limit=500)


class BankOutcome(enum.StrEnum):
    """What became of a bank transaction: paid what it matched in full, paid part of
    it, paid it and left a surplus on the customer's account, or matched nothing (left
    for a person to assign)."""

    MATCHED = "matched"
    PARTIAL = "partial"
    OVERPAID = "overpaid"
    UNMATCHED = "unmatched"


@attrs.frozen
class BankEntry:
    """A bank transaction as it was imported, kept by its ``key`` so that importing the
    same statement again changes nothing: its outcome, the documents it paid and the
    payments it made, or why it matched nothing."""

    company_id: str
    key: str
    amount: Decimal
    currency: str
    booked_on: date
    outcome: BankOutcome
    recorded_at: datetime
    reference: str | None = None
    customer_id: str | None = None
    document_ids: tuple[str, ...] = ()
    payment_ids: tuple[str, ...] = ()
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_text(self.key, "key", required=True, limit=300, one_line=True)
        normalize(self, "amount", parse_decimal(self.amount, "amount"))
        Currency.of(self.currency)
        check_date(self.booked_on, "booked_on")
        normalize(self, "outcome", check_enum(self.outcome, BankOutcome, "outcome"))
        check_timestamp(self.recorded_at, "recorded_at")
        normalize(self, "document_ids", check_tuple(self.document_ids, str, "document_ids"))
        normalize(self, "payment_ids", check_tuple(self.payment_ids, str, "payment_ids"))


def fik_payment_id(reference: str) -> str | None:
    """The 15-digit FIK payment id in ``reference`` (a whole +71 line, or the id alone,
    spaces allowed), None when it holds none with a valid check digit.

    >>> fik_payment_id("+71<000000202400420+12345678<"), fik_payment_id("2024-0042")
    ('000000202400420', None)
    """
    text = "".join(reference.split())
    if text.startswith("+71<") and text.endswith("<") and "+" in text[4:]:
        text = text[4:].split("+", 1)[0]
    if len(text) != 15 or not text.isascii() or not text.isdigit():
        return None
    return text if luhn_check_digit(text[:14]) == text[14] else None


@attrs.frozen
class Allocation:
    """How a payment is split: on a reminder's charges, on invoices (id, amount), and
    what is left for the customer's credit balance."""

    charges: Decimal
    invoices: tuple[tuple[str, Decimal], ...]
    surplus: Decimal


def allocate(
    amount: Decimal, charges: Decimal, invoices: Sequence[tuple[str, Decimal]]
) -> Allocation:
    """Split ``amount`` (> 0): first the unpaid ``charges``, then each of ``invoices``
    ((id, outstanding), in the order to pay them) up to what it owes; the rest is
    surplus. Every part is ≥ 0 and they add up to ``amount`` exactly."""
    rest = amount
    on_charges = min(rest, max(charges, _ZERO))
    rest -= on_charges
    parts: list[tuple[str, Decimal]] = []
    for invoice_id, owed in invoices:
        if rest <= 0:
            break
        part = min(rest, owed)
        if part > 0:
            parts.append((invoice_id, part))
            rest -= part
    return Allocation(on_charges, tuple(parts), rest)


# -- the statement of account ----------------------------------------------------------------


class LineKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"
    REMINDER = "reminder"
    REMINDER_PAYMENT = "reminder_payment"
    ON_ACCOUNT = "payment_on_account"
    CREDIT_USED = "credit_used"
    BALANCE_REFUND = "balance_refund"
    REVERSAL = "reversal"
    CREDIT_RESTORED = "credit_restored"


_DOCUMENTS = frozenset({LineKind.INVOICE, LineKind.CREDIT_NOTE, LineKind.REMINDER})


@attrs.frozen
class StatementLine:
    """A movement: ``debit`` adds to what the customer owes, ``credit`` takes from it;
    ``balance`` is what the customer owes after it (negative: is owed)."""

    date: date
    kind: LineKind
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    document_id: str | None = None


@attrs.frozen
class OpenItem:
    """Something still open on the customer's account: an invoice owed (or over-
    credited: negative), a reminder's unpaid charges, or the credit balance (negative)."""

    kind: str
    reference: str
    open: Decimal
    issue_date: date | None = None
    due_date: date | None = None
    amount: Decimal | None = None
    document_id: str | None = None


@attrs.frozen
class Statement:
    """A customer's statement of account in one currency for ``start``..``end``: the
    balance before it, each movement in it, the balance at its end, and the items still
    open now (their sum is the balance when ``end`` is today or later)."""

    company_id: str
    customer_id: str
    currency: str
    start: date
    end: date
    opening: Decimal
    lines: tuple[StatementLine, ...]
    closing: Decimal
    open_items: tuple[OpenItem, ...]

    @property
    def open_total(self) -> Decimal:
        return total(item.open for item in self.open_items)

    def overdue(self, today: date) -> Decimal:
        """What of the open items was due before ``today``."""
        return total(
            item.open
            for item in self.open_items
            if item.open > 0 and item.due_date is not None and item.due_date < today
        )


def build_statement(
    company_id: str,
    customer_id: str,
    currency: str,
    start: date,
    end: date,
    documents: Iterable[Invoice],
    reminders: Iterable[Reminder],
    entries: Iterable[AccountEntry],
) -> Statement:
    """The statement of ``customer_id``'s account in ``currency`` from its booked
    ``documents``, its ``reminders`` and its account ``entries`` (others are ignored).

    Raises ValidationError (field ``end``) when ``end`` is before ``start``.
    """
    check_date(start, "start")
    check_date(end, "end")
    if end < start:
        raise ValidationError("must not be before the start", field="end", rule="order")
    places = Currency.of(currency).exponent
    moves: list[tuple[date, int, LineKind, str, Decimal, str | None]] = []
    open_items: list[OpenItem] = []
    booked = [
        d
        for d in documents
        if d.customer_id == customer_id
        and d.currency == currency
        and d.status in BOOKED_STATUSES
        and d.number is not None
    ]
    credits_of: dict[str, list[Invoice]] = {}
    for doc in booked:
        number = doc.number or ""
        payable = doc.amounts.payable
        if doc.kind is DocumentKind.CREDIT_NOTE:
            moves.append((doc.issue_date, 1, LineKind.CREDIT_NOTE, number, -payable, doc.id))
            moves.extend(
                (p.date, 3, LineKind.REFUND, p.reference or number, p.amount, doc.id)
                for p in doc.payments
            )
            credits_of.setdefault(doc.credited_invoice_id or "", []).append(doc)
        else:
            moves.append((doc.issue_date, 0, LineKind.INVOICE, number, payable, doc.id))
            moves.extend(
                (p.date, 2, LineKind.PAYMENT, p.reference or number, -p.amount, doc.id)
                for p in doc.payments
            )
    for doc in booked:
        if doc.kind is DocumentKind.CREDIT_NOTE:
            continue
        credit_notes = credits_of.get(doc.id, [])
        owed = total(
            (
                doc.amounts.payable,
                -doc.paid_amount,
                *(-cn.amounts.payable for cn in credit_notes),
                *(cn.paid_amount for cn in credit_notes),
            )
        )
        if owed:
            open_items.append(
                OpenItem(
                    "invoice",
                    doc.number or "",
                    owed,
                    doc.issue_date,
                    doc.due_date,
                    doc.amounts.payable,
                    doc.id,
                )
            )
    for reminder in reminders:
        if reminder.customer_id != customer_id or reminder.currency != currency:
            continue
        if reminder.charges:
            moves.append(
                (
                    reminder.issue_date,
                    0,
                    LineKind.REMINDER,
                    reminder.number,
                    reminder.charges,
                    reminder.id,
                )
            )
        moves.extend(
            (p.date, 2, LineKind.REMINDER_PAYMENT, reminder.number, -p.amount, reminder.id)
            for p in reminder.payments
        )
        if reminder.charges_outstanding:
            open_items.append(
                OpenItem(
                    "reminder",
                    reminder.number,
                    reminder.charges_outstanding,
                    reminder.issue_date,
                    reminder.issue_date,
                    reminder.charges,
                    reminder.id,
                )
            )
    kinds = {
        EntryKind.OVERPAYMENT: LineKind.ON_ACCOUNT,
        EntryKind.APPLIED: LineKind.CREDIT_USED,
        EntryKind.REFUND: LineKind.BALANCE_REFUND,
        EntryKind.REVERSAL: LineKind.REVERSAL,
        EntryKind.RESTORED: LineKind.CREDIT_RESTORED,
    }
    own_entries = [e for e in entries if e.customer_id == customer_id and e.currency == currency]
    for entry in own_entries:
        moves.append(
            (
                entry.date,
                2 if entry.kind in _ADDS else 3,
                kinds[entry.kind],
                entry.reference or "",
                -entry.change,
                entry.invoice_id,
            )
        )
    balance = -credit_balance(own_entries, currency)
    if balance:
        open_items.append(OpenItem("credit_balance", "", balance))
    # by day, documents before money; a day's documents by number, its payments as made
    moves.sort(key=lambda m: (m[0], m[1], m[3] if m[2] in _DOCUMENTS else ""))
    opening = total(m[4] for m in moves if m[0] < start).quantize(places)
    running = opening
    lines: list[StatementLine] = []
    for day, _, kind, reference, change, document_id in moves:
        if not start <= day <= end:
            continue
        running = total((running, change))
        debit, credit = (change, _ZERO) if change > 0 else (_ZERO, -change)
        lines.append(
            StatementLine(
                day,
                kind,
                reference,
                debit.quantize(places),
                credit.quantize(places),
                running.quantize(places),
                document_id,
            )
        )
    open_items.sort(key=lambda item: (item.due_date or date.max, item.reference))
    return Statement(
        company_id,
        customer_id,
        currency,
        start,
        end,
        opening,
        tuple(lines),
        running.quantize(places),
        tuple(open_items),
    )
