"""Getting paid over HTTP: the reminder policy, reminders and their runs, payments by
reference, bank statements, reversals, refunds, the credit balance and statements of
account — their bodies and answers, and how the domain's values become them.

Amounts are decimal strings, days ISO dates, names camelCase, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from faktura.billing.receipts import BankImport
from faktura.billing.reminders import ReminderOutcome, ReminderRun
from faktura.delivery.wire import AttemptWire, attempt_to_wire
from faktura.dunning import (
    Reminder,
    ReminderItem,
    ReminderLevel,
    ReminderLimits,
    ReminderPlan,
    ReminderPolicy,
)
from faktura.errors import FieldError, ValidationError
from faktura.fields import describe
from faktura.http.schemas.common import _present
from faktura.http.schemas.company import NumberSeriesWire
from faktura.numbering import NumberSeries, Reset
from faktura.receivables import (
    AccountEntry,
    BankEntry,
    BankOutcome,
    EntryKind,
    LineKind,
    OpenItem,
    Statement,
    StatementLine,
)
from faktura.records import Payment

__all__ = [
    "AccountEntryWire",
    "ApplyCreditRequest",
    "BalanceRefundRequest",
    "BalanceResponse",
    "BankEntryPage",
    "BankEntryWire",
    "BankImportResponse",
    "CreditNoteRefundRequest",
    "ImportedTransactionWire",
    "OpenItemWire",
    "PaymentList",
    "PaymentWire",
    "ReceivePaymentRequest",
    "ReminderItemWire",
    "ReminderLevelWire",
    "ReminderLimitsWire",
    "ReminderOutcomeWire",
    "ReminderPage",
    "ReminderPlanList",
    "ReminderPlanWire",
    "ReminderPolicyRequest",
    "ReminderPolicyResponse",
    "ReminderResponse",
    "ReminderRunRequest",
    "ReminderRunResponse",
    "ReversalRequest",
    "SkippedWire",
    "StatementLineWire",
    "StatementResponse",
    "account_entry_wire",
    "balance_wire",
    "bank_entry_wire",
    "bank_import_wire",
    "payments_wire",
    "plans_wire",
    "policy_from_wire",
    "policy_wire",
    "reminder_outcome_wire",
    "reminder_run_wire",
    "reminder_wire",
    "statement_wire",
]

_NN = {"nullable": False}
_CURRENCY = describe("Default: the company's", pattern="^[A-Z]{3}$", nullable=False)
_OUTCOMES = [o.value for o in BankOutcome]


# -- the reminder policy -------------------------------------------------------------------


@attrs.frozen
class ReminderLevelWire:
    """One level of the reminder policy: sent ``daysAfterDue`` days after the due date,
    with ``fee`` (0 for none), interest or not, and the letter's opening text (null:
    the built-in text of the document's language)."""

    days_after_due: int = attrs.field(metadata=describe(minimum=0, maximum=3650))
    fee: Decimal = attrs.field(
        default=Decimal("0.00"),
        metadata=describe("The fee in the policy's currency; default 0", nullable=False),
    )
    interest: bool = attrs.field(
        default=True, metadata=describe("Charge interest (default true)", nullable=False)
    )
    text: str | None = attrs.field(default=None, metadata=describe(maxLength=2000))


@attrs.frozen
class ReminderLimitsWire:
    """What the law allows (renteloven § 9 b by default): at most ``maxFee`` per reminder,
    ``maxFeeReminders`` reminders with a fee per invoice, ``minIntervalDays`` between two
    reminders of one invoice."""

    max_fee: Decimal = attrs.field(default=Decimal("100.00"), metadata=_NN)
    max_fee_reminders: int = attrs.field(default=3, metadata=describe(minimum=0, nullable=False))
    min_interval_days: int = attrs.field(
        default=10, metadata=describe(minimum=0, maximum=3650, nullable=False)
    )


@attrs.frozen
class ReminderPolicyResponse:
    """The company's reminder policy (renteloven's defaults until it sets one)."""

    levels: list[ReminderLevelWire]
    currency: str = attrs.field(
        metadata=describe("Reminders are made for invoices in this currency only")
    )
    margin: Decimal | None = attrs.field(
        metadata=describe("Interest margin over the reference rate, percent; null: no interest")
    )
    compensation: Decimal | None = attrs.field(
        metadata=describe("Compensation a business debtor owes once per invoice; null: none")
    )
    series: NumberSeriesWire = attrs.field(metadata=describe("How reminders are numbered"))
    limits: ReminderLimitsWire
    enabled: bool = attrs.field(metadata=describe("false: runs make no reminders"))


@attrs.frozen
class ReminderPolicyRequest:
    """The body of "Set the reminder policy": the whole policy; a property left out
    takes renteloven's default (margin 8, compensation 310, series R-{year}-{seq:04})."""

    levels: list[ReminderLevelWire] = attrs.field(metadata=describe("1 to 10 levels, in order"))
    currency: str | None = attrs.field(
        default=None, metadata=describe(pattern="^[A-Z]{3}$", nullable=False)
    )
    margin: Decimal | None = attrs.field(
        default=None, metadata=describe("Percent over the reference rate; null: no interest")
    )
    compensation: Decimal | None = attrs.field(
        default=None, metadata=describe("Null: no compensation")
    )
    series: NumberSeriesWire | None = attrs.field(default=None, metadata=_NN)
    limits: ReminderLimitsWire | None = attrs.field(default=None, metadata=_NN)
    enabled: bool | None = attrs.field(default=None, metadata=_NN)


def policy_wire(policy: ReminderPolicy) -> ReminderPolicyResponse:
    series = policy.series
    limits = policy.limits
    return ReminderPolicyResponse(
        levels=[
            ReminderLevelWire(level.days_after_due, level.fee, level.interest, level.text)
            for level in policy.levels
        ],
        currency=policy.currency,
        margin=policy.margin,
        compensation=policy.compensation,
        series=NumberSeriesWire(series.pattern, series.start, series.reset.value),
        limits=ReminderLimitsWire(
            limits.max_fee, limits.max_fee_reminders, limits.min_interval_days
        ),
        enabled=policy.enabled,
    )


_INDEX = re.compile(r"\[(\d+)\]")


def _dotted(exc: ValidationError, prefix: str = "") -> ValidationError:
    """``exc`` with its paths as the API writes them: ``levels.1.fee`` (not
    ``levels[1].fee``), under ``prefix``."""
    errors = [
        FieldError(
            ".".join(p for p in (prefix, _INDEX.sub(r".\1", e.path)) if p), e.rule, e.message
        )
        for e in exc.errors
    ]
    return ValidationError._from_errors(errors)


def policy_from_wire(data: Mapping[str, Any], body: ReminderPolicyRequest) -> ReminderPolicy:
    """The policy a body sets (the properties it leaves out at their defaults). Raises
    ValidationError naming each bad property (``levels.1.fee``, ``series.pattern``)."""
    named = _present(data, body)
    errors: list[FieldError] = []
    levels: list[ReminderLevel] = []
    for n, level in enumerate(body.levels):
        try:
            levels.append(
                ReminderLevel(level.days_after_due, level.fee, level.interest, level.text)
            )
        except ValidationError as exc:
            errors.extend(_dotted(exc, f"levels.{n}").errors)
    extra: dict[str, Any] = {}
    if body.series is not None:
        try:
            extra["series"] = NumberSeries(
                body.series.pattern, body.series.start, Reset(body.series.reset)
            )
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                errors.extend(_dotted(exc, "series").errors)
            else:
                errors.append(
                    FieldError("series.reset", "enum", "must be never, yearly or monthly")
                )
    if body.limits is not None:
        given = body.limits
        try:
            extra["limits"] = ReminderLimits(
                given.max_fee, given.max_fee_reminders, given.min_interval_days
            )
        except ValidationError as exc:
            errors.extend(_dotted(exc, "limits").errors)
    if errors:
        raise ValidationError._from_errors(errors)
    for name in ("currency", "margin", "compensation", "enabled"):
        if name in named:
            extra[name] = named[name]
    try:
        return ReminderPolicy(levels=tuple(levels), **extra)
    except ValidationError as exc:
        raise _dotted(exc) from None


# -- reminders ---------------------------------------------------------------------------------


@attrs.frozen
class ReminderItemWire:
    """An overdue invoice a reminder lists: what it owed, the interest and compensation
    charged on it by this reminder."""

    invoice_id: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    amount: Decimal
    outstanding: Decimal = attrs.field(metadata=describe("What the invoice owed then"))
    level: int
    interest: Decimal
    interest_from: dt.date | None
    interest_to: dt.date | None
    compensation: Decimal


@attrs.frozen
class PaymentWire:
    """A payment on a document (or a refund paid out on a credit note); ``id`` names it
    for a reversal (null for payments recorded before payments had ids)."""

    id: str | None
    amount: Decimal
    paid_on: dt.date
    reference: str | None
    recorded_at: dt.datetime


@attrs.frozen
class PaymentList:
    """A document's payments, oldest first."""

    items: list[PaymentWire]


@attrs.frozen
class ReminderResponse:
    """A reminder (rykker): the invoices it lists, what it charges (fee, interest,
    compensation), what the customer is asked to pay, and the payments on its charges."""

    id: str
    customer_id: str
    number: str
    issue_date: dt.date
    currency: str
    level: int
    items: list[ReminderItemWire]
    fee: Decimal
    interest: Decimal
    compensation: Decimal
    charges: Decimal = attrs.field(metadata=describe("Fee + interest + compensation"))
    to_pay: Decimal = attrs.field(metadata=describe("The invoices' outstanding and the charges"))
    charges_outstanding: Decimal = attrs.field(metadata=describe("What is unpaid of the charges"))
    payments: list[PaymentWire]
    pay_by: dt.date | None
    payment_id: str | None = attrs.field(metadata=describe("The FIK payment id to pay with"))
    text: str | None
    language: str | None
    created_at: dt.datetime
    version: int


@attrs.frozen
class ReminderPage:
    """A page of reminders by id; pass ``next`` as after for the next page."""

    items: list[ReminderResponse]
    next: str | None


@attrs.frozen
class ReminderPlanWire:
    """A reminder a run would make: the customer, the level, its fee and the invoices."""

    customer_id: str
    level: int
    fee: Decimal
    items: list[ReminderItemWire]


@attrs.frozen
class ReminderPlanList:
    """What a reminder run would make on the day."""

    today: dt.date
    items: list[ReminderPlanWire]


@attrs.frozen
class ReminderRunRequest:
    """The body of "Run reminders": the day (default today) and whether to deliver."""

    today: dt.date | None = attrs.field(default=None, metadata=describe("Default: today"))
    deliver: bool | None = attrs.field(
        default=None,
        metadata=describe(
            "Deliver each reminder (default true); false makes them only", nullable=False
        ),
    )


@attrs.frozen
class ReminderOutcomeWire:
    """A reminder made (or sent again) and its delivery attempt."""

    reminder: ReminderResponse
    delivered: bool
    delivery: AttemptWire


@attrs.frozen
class ReminderRunResponse:
    """What a reminder run did: the reminders it made, each with its delivery."""

    today: dt.date
    made: int
    delivered: int
    failed: int
    reminders: list[ReminderOutcomeWire]


def _item(item: ReminderItem) -> ReminderItemWire:
    return ReminderItemWire(
        item.invoice_id,
        item.number,
        item.issue_date,
        item.due_date,
        item.amount,
        item.outstanding,
        item.level,
        item.interest,
        item.interest_from,
        item.interest_to,
        item.compensation,
    )


def payments_wire(payments: Iterable[Payment]) -> list[PaymentWire]:
    return [PaymentWire(p.id, p.amount, p.date, p.reference, p.recorded_at) for p in payments]


def reminder_wire(reminder: Reminder) -> ReminderResponse:
    return ReminderResponse(
        id=reminder.id,
        customer_id=reminder.customer_id,
        number=reminder.number,
        issue_date=reminder.issue_date,
        currency=reminder.currency,
        level=reminder.level,
        items=[_item(item) for item in reminder.items],
        fee=reminder.fee,
        interest=reminder.interest,
        compensation=reminder.compensation,
        charges=reminder.charges,
        to_pay=reminder.to_pay,
        charges_outstanding=reminder.charges_outstanding,
        payments=payments_wire(reminder.payments),
        pay_by=reminder.pay_by,
        payment_id=reminder.payment_id,
        text=reminder.text,
        language=reminder.language,
        created_at=reminder.created_at,
        version=reminder.version,
    )


def plans_wire(today: dt.date, plans: Sequence[ReminderPlan]) -> ReminderPlanList:
    return ReminderPlanList(
        today,
        [
            ReminderPlanWire(p.customer_id, p.level, p.fee, [_item(i) for i in p.items])
            for p in plans
        ],
    )


def reminder_outcome_wire(outcome: ReminderOutcome) -> ReminderOutcomeWire:
    return ReminderOutcomeWire(
        reminder_wire(outcome.reminder), outcome.delivered, attempt_to_wire(outcome.attempt)
    )


def reminder_run_wire(run: ReminderRun) -> ReminderRunResponse:
    return ReminderRunResponse(
        today=run.today,
        made=len(run.reminders),
        delivered=run.delivered,
        failed=run.failed,
        reminders=[reminder_outcome_wire(o) for o in run.reminders],
    )


# -- payments and bank statements --------------------------------------------------------------


@attrs.frozen
class ReceivePaymentRequest:
    """The body of "Receive a payment": the amount and the reference it was paid with
    (a reminder's number or FIK id, a FIK line or payment id, an invoice number, or
    free text holding one); ``key`` makes it idempotent."""

    amount: Decimal = attrs.field(metadata=describe("Above 0"))
    reference: str = attrs.field(metadata=describe(maxLength=500))
    currency: str | None = attrs.field(
        default=None,
        metadata=describe("Default: the company's", pattern="^[A-Z]{3}$", nullable=False),
    )
    paid_on: dt.date | None = attrs.field(default=None, metadata=describe("Default: today"))
    key: str | None = attrs.field(
        default=None,
        metadata=describe(
            "Idempotency: the same key again changes nothing and answers the entry kept "
            "the first time (200 instead of 201)",
            maxLength=300,
            nullable=False,
        ),
    )


@attrs.frozen
class BankEntryWire:
    """A payment received (by reference or from a bank statement) and what it did:
    the documents it paid, the payments it made on them (their ids), or why it matched
    nothing."""

    key: str
    amount: Decimal
    currency: str
    booked_on: dt.date
    outcome: str = attrs.field(metadata=describe(enum=_OUTCOMES))
    recorded_at: dt.datetime
    reference: str | None
    customer_id: str | None
    document_ids: list[str]
    payment_ids: list[str]
    reason: str | None


@attrs.frozen
class BankEntryPage:
    """A page of payments received by key; pass ``next`` as after for the next page."""

    items: list[BankEntryWire]
    next: str | None


@attrs.frozen
class ImportedTransactionWire:
    """One credit of an imported statement: what became of it and whether this import
    applied it (false: its key was imported before, or it is repeated in the file)."""

    key: str
    amount: Decimal
    currency: str
    booked_on: dt.date
    references: list[str]
    debtor: str | None
    outcome: str = attrs.field(metadata=describe(enum=_OUTCOMES))
    new: bool
    document_ids: list[str]
    payment_ids: list[str]
    reason: str | None


@attrs.frozen
class SkippedWire:
    """An entry of the file that is no payment to apply (debit, pending, reversal,
    repeated), where it is in the message, and why."""

    reason: str
    path: str
    amount: Decimal | None
    currency: str | None
    reference: str | None
    key: str | None
    note: str


@attrs.frozen
class BankImportResponse:
    """What importing a bank statement did: counts of what it applied per outcome, the
    duplicates (imported before), each transaction, and the entries skipped."""

    statement_id: str
    account: str | None
    matched: int
    partial: int
    overpaid: int
    unmatched: int
    duplicates: int
    transactions: list[ImportedTransactionWire]
    skipped: list[SkippedWire]


def bank_entry_wire(entry: BankEntry) -> BankEntryWire:
    return BankEntryWire(
        entry.key,
        entry.amount,
        entry.currency,
        entry.booked_on,
        entry.outcome.value,
        entry.recorded_at,
        entry.reference,
        entry.customer_id,
        list(entry.document_ids),
        list(entry.payment_ids),
        entry.reason,
    )


def bank_import_wire(result: BankImport) -> BankImportResponse:
    return BankImportResponse(
        statement_id=result.statement_id,
        account=result.account,
        matched=result.count(BankOutcome.MATCHED),
        partial=result.count(BankOutcome.PARTIAL),
        overpaid=result.count(BankOutcome.OVERPAID),
        unmatched=result.count(BankOutcome.UNMATCHED),
        duplicates=result.duplicates,
        transactions=[
            ImportedTransactionWire(
                key=t.entry.key,
                amount=t.entry.amount,
                currency=t.entry.currency,
                booked_on=t.entry.booked_on,
                references=list(t.transaction.references),
                debtor=t.transaction.debtor,
                outcome=t.entry.outcome.value,
                new=t.new,
                document_ids=list(t.entry.document_ids),
                payment_ids=list(t.entry.payment_ids),
                reason=t.entry.reason,
            )
            for t in result.transactions
        ],
        skipped=[
            SkippedWire(s.reason.value, s.path, s.amount, s.currency, s.reference, s.key, s.note)
            for s in result.skipped
        ],
    )


# -- reversals, refunds, the credit balance ------------------------------------------------------


@attrs.frozen
class ReversalRequest:
    """The body of "Reverse a payment": why (a bounce, an error), kept in the audit log."""

    reason: str | None = attrs.field(default=None, metadata=describe(maxLength=500))


@attrs.frozen
class CreditNoteRefundRequest:
    """The body of "Refund a credit note": the amount paid out (default: all that is
    left of it), when, and the reference of the transfer."""

    amount: Decimal | None = None
    paid_on: dt.date | None = None
    reference: str | None = attrs.field(default=None, metadata=describe(maxLength=200))


@attrs.frozen
class BalanceRefundRequest:
    """The body of "Refund the credit balance": the amount paid back to the customer."""

    amount: Decimal
    currency: str | None = attrs.field(
        default=None,
        metadata=describe("Default: the company's", pattern="^[A-Z]{3}$", nullable=False),
    )
    paid_on: dt.date | None = None
    reference: str | None = attrs.field(default=None, metadata=describe(maxLength=200))


@attrs.frozen
class ApplyCreditRequest:
    """The body of "Pay from the credit balance": the amount (default: as much as the
    balance and the invoice allow)."""

    amount: Decimal | None = None


@attrs.frozen
class AccountEntryWire:
    """A movement of the customer's credit balance: an over-payment (+), the balance used
    on an invoice (−), paid back (−), or a reversal of one of those."""

    id: str
    customer_id: str
    currency: str
    kind: str = attrs.field(metadata=describe(enum=[k.value for k in EntryKind]))
    amount: Decimal
    date: dt.date
    recorded_at: dt.datetime
    reference: str | None
    invoice_id: str | None
    payment_id: str | None


@attrs.frozen
class BalanceResponse:
    """The customer's credit balance in one currency and its movements, oldest first."""

    currency: str
    balance: Decimal
    entries: list[AccountEntryWire]


def account_entry_wire(entry: AccountEntry) -> AccountEntryWire:
    return AccountEntryWire(
        entry.id,
        entry.customer_id,
        entry.currency,
        entry.kind.value,
        entry.amount,
        entry.date,
        entry.recorded_at,
        entry.reference,
        entry.invoice_id,
        entry.payment_id,
    )


def balance_wire(
    currency: str, balance: Decimal, entries: Iterable[AccountEntry]
) -> BalanceResponse:
    return BalanceResponse(
        currency,
        balance,
        [account_entry_wire(e) for e in entries if e.currency == currency],
    )


# -- statements ------------------------------------------------------------------------------


@attrs.frozen
class StatementLineWire:
    """A movement of the statement: what it is, its debit or credit, the running balance."""

    date: dt.date
    kind: str = attrs.field(metadata=describe(enum=[k.value for k in LineKind]))
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    document_id: str | None


@attrs.frozen
class OpenItemWire:
    """What is open now: an invoice's outstanding amount, a credit note not yet used
    (negative), a reminder's unpaid charges, or the credit balance (negative)."""

    kind: str
    reference: str
    open: Decimal
    issue_date: dt.date | None
    due_date: dt.date | None
    amount: Decimal | None
    document_id: str | None


@attrs.frozen
class StatementResponse:
    """A customer's statement of account (kontoudtog) from start to end: the balance
    before, each movement, the balance after, and what is open now."""

    customer_id: str
    currency: str
    start: dt.date
    end: dt.date
    opening: Decimal
    lines: list[StatementLineWire]
    closing: Decimal
    open_items: list[OpenItemWire]
    open_total: Decimal


def _line(line: StatementLine) -> StatementLineWire:
    return StatementLineWire(
        line.date,
        line.kind.value,
        line.reference,
        line.debit,
        line.credit,
        line.balance,
        line.document_id,
    )


def _open(item: OpenItem) -> OpenItemWire:
    return OpenItemWire(
        item.kind,
        item.reference,
        item.open,
        item.issue_date,
        item.due_date,
        item.amount,
        item.document_id,
    )


def statement_wire(statement: Statement) -> StatementResponse:
    return StatementResponse(
        customer_id=statement.customer_id,
        currency=statement.currency,
        start=statement.start,
        end=statement.end,
        opening=statement.opening,
        lines=[_line(line) for line in statement.lines],
        closing=statement.closing,
        open_items=[_open(item) for item in statement.open_items],
        open_total=statement.open_total,
    )
