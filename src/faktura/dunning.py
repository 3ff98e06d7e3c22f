"""Reminders (dunning): a company's policy, which invoices are due a reminder, late-payment
interest, and the reminder document with its fees. Pure: every "today" is a parameter and
the reference rates come from the host (``ReferenceRates``); faktura fetches nothing.

The defaults are the Danish Interest Act's (renteloven), as data a host may change:

- at most three reminders with a fee per invoice, each fee at most DKK 100, sent at least
  ten days apart (§ 9 b); ``ReminderPolicy.danish()`` sends them 10, 20 and 30 days after
  the due date;
- late-payment interest at the reference rate plus 8 percentage points a year, from the
  due date (§§ 3 and 5), counted day by day on what was owed that day (actual/365);
- a fixed compensation of DKK 310 once per invoice when the debtor is a business (§ 9 a,
  stk. 3), with its first reminder.

Fees, interest and compensation are outside the scope of VAT: they are not supplies but
a claim for damages and costs, so no VAT is added to them. They are therefore not put on
the customer's next invoice (EN 16931 forbids mixing "outside the scope" with other VAT
categories in one invoice, BR-O-11..14); a ``Reminder`` is a document of its own with its
own number series, and what it charges is owed on the customer's account until paid.

>>> from datetime import date
>>> rates = ReferenceRateTable.of({date(2026, 1, 1): Decimal("1.60")})
>>> interest_on(((date(2026, 1, 31), Decimal("1000.00")),), date(2026, 1, 31),
...             date(2026, 3, 2), rates, Decimal("8"), 2)
Decimal('7.89')
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

import attrs

from faktura.checks import (
    check_bool,
    check_date,
    check_id,
    check_int,
    check_optional_date,
    check_text,
    check_timestamp,
    check_tuple,
    normalize,
)
from faktura.errors import ConfigurationError, NotFoundError, ValidationError
from faktura.invoice import Invoice
from faktura.money import Currency, arithmetic, div, mul, parse_decimal, quantize, total
from faktura.numbering import NumberSeries, Reset
from faktura.records import Payment
from faktura.status import DocumentKind

__all__ = [
    "DANISH_COMPENSATION",
    "DANISH_INTEREST_MARGIN",
    "DANISH_MAX_FEE",
    "DAYS_IN_YEAR",
    "REMINDER_SERIES",
    "ReferenceRateTable",
    "ReferenceRates",
    "Reminder",
    "ReminderItem",
    "ReminderLevel",
    "ReminderLimits",
    "ReminderPlan",
    "ReminderPolicy",
    "interest_on",
    "next_level",
    "owed_by_day",
    "plan_reminders",
]

#: Renteloven § 9 b: the highest fee for one reminder, in DKK.
DANISH_MAX_FEE = Decimal("100.00")
#: Renteloven § 5: the reference rate plus this many percentage points a year.
DANISH_INTEREST_MARGIN = Decimal("8")
#: Renteloven § 9 a, stk. 3 (with its order): the compensation a business debtor owes.
DANISH_COMPENSATION = Decimal("310.00")
#: Interest is counted day by day; a year has this many days (actual/365).
DAYS_IN_YEAR = 365
#: A reminder's number series unless the policy names another: R-2026-0001, yearly.
REMINDER_SERIES = NumberSeries("R-{year}-{seq:04}", reset=Reset.YEARLY)
_MAX_LEVELS = 10
_MAX_DAYS = 3650
_MAX_TEXT = 2000
_DAY = timedelta(days=1)


# -- the policy ------------------------------------------------------------------------------


@attrs.frozen
class ReminderLevel:
    """One step of the policy: sent ``days_after_due`` days after the due date (and, for a
    later level, at least the policy's interval after the one before), with ``fee`` (in
    the policy's currency, 0 for none), interest charged or not, and the text the letter
    opens with (None: the built-in text of the document's language)."""

    days_after_due: int
    fee: Decimal = Decimal("0.00")
    interest: bool = True
    text: str | None = None

    def __attrs_post_init__(self) -> None:
        check_int(self.days_after_due, "days_after_due", 0, _MAX_DAYS)
        normalize(self, "fee", parse_decimal(self.fee, "fee", places=2, minimum=Decimal(0)))
        check_bool(self.interest, "interest")
        if self.text is not None:
            check_text(self.text, "text", required=True, limit=_MAX_TEXT)


@attrs.frozen
class ReminderLimits:
    """What the law allows, checked against every policy: at most ``max_fee`` per
    reminder, at most ``max_fee_reminders`` reminders with a fee per invoice, and at
    least ``min_interval_days`` between two reminders of one invoice. The defaults are
    renteloven's (§ 9 b)."""

    max_fee: Decimal = DANISH_MAX_FEE
    max_fee_reminders: int = 3
    min_interval_days: int = 10

    def __attrs_post_init__(self) -> None:
        normalize(
            self, "max_fee", parse_decimal(self.max_fee, "max_fee", places=2, minimum=Decimal(0))
        )
        check_int(self.max_fee_reminders, "max_fee_reminders", 0, _MAX_LEVELS)
        check_int(self.min_interval_days, "min_interval_days", 0, _MAX_DAYS)


@attrs.frozen
class ReminderPolicy:
    """A company's reminder policy: its ``levels`` in order, the currency its fees and
    compensation are in (reminders are made for invoices in this currency only), the
    interest ``margin`` over the reference rate (None: no interest at all), the
    ``compensation`` a business debtor owes once per invoice (None: none), the number
    series of reminders, and the legal ``limits`` the levels must keep.

    Raises ValidationError naming the field (``levels[1].fee``, ...) when a level
    breaks the limits: a fee above ``max_fee``, more fee-bearing levels than allowed,
    or two levels closer than ``min_interval_days``.
    """

    levels: tuple[ReminderLevel, ...]
    currency: str = "DKK"
    margin: Decimal | None = DANISH_INTEREST_MARGIN
    compensation: Decimal | None = DANISH_COMPENSATION
    series: NumberSeries = REMINDER_SERIES
    limits: ReminderLimits = ReminderLimits()
    enabled: bool = True

    def __attrs_post_init__(self) -> None:
        levels = check_tuple(self.levels, ReminderLevel, "levels")
        normalize(self, "levels", levels)
        if not levels or len(levels) > _MAX_LEVELS:
            raise ValidationError(
                f"must have 1 to {_MAX_LEVELS} levels", field="levels", rule="length"
            )
        Currency.of(self.currency)
        if self.margin is not None:
            normalize(
                self,
                "margin",
                parse_decimal(self.margin, "margin", places=4, maximum=Decimal(100)),
            )
        if self.compensation is not None:
            normalize(
                self,
                "compensation",
                parse_decimal(self.compensation, "compensation", places=2, minimum=Decimal(0)),
            )
        if not isinstance(self.series, NumberSeries):
            raise ValidationError("must be a number series", field="series", rule="type")
        if not isinstance(self.limits, ReminderLimits):
            raise ValidationError("must be reminder limits", field="limits", rule="type")
        check_bool(self.enabled, "enabled")
        self._check_limits(levels)

    def _check_limits(self, levels: tuple[ReminderLevel, ...]) -> None:
        limits = self.limits
        with_fee = 0
        for n, level in enumerate(levels):
            if level.fee > limits.max_fee:
                raise ValidationError(
                    f"must be at most {limits.max_fee} {self.currency} (the policy's limit)",
                    field=f"levels[{n}].fee",
                    rule="maximum",
                )
            with_fee += level.fee > 0
            if with_fee > limits.max_fee_reminders:
                raise ValidationError(
                    f"at most {limits.max_fee_reminders} reminders may carry a fee",
                    field=f"levels[{n}].fee",
                    rule="fee_reminders",
                )
            if n and level.days_after_due - levels[n - 1].days_after_due < (
                limits.min_interval_days
            ):
                raise ValidationError(
                    f"must be at least {limits.min_interval_days} days after the level "
                    f"before ({levels[n - 1].days_after_due})",
                    field=f"levels[{n}].days_after_due",
                    rule="interval",
                )

    @classmethod
    def danish(cls) -> ReminderPolicy:
        """Renteloven's defaults: reminders 10, 20 and 30 days after the due date with a
        fee of DKK 100 each, interest at the reference rate + 8 points, DKK 310
        compensation from a business debtor."""
        fee = DANISH_MAX_FEE
        return cls(levels=tuple(ReminderLevel(days, fee) for days in (10, 20, 30)))


def next_level(
    policy: ReminderPolicy, due_date: date, sent: Sequence[date], today: date
) -> int | None:
    """The level (1-based) of the reminder an overdue invoice is due on ``today``, None
    when none is: ``sent`` are the dates of its earlier reminders. Level n is due from
    ``levels[n-1].days_after_due`` days after the due date, and never sooner than the
    limits' interval after the last reminder; after the last level, none.

    The caller decides that the invoice is overdue (owed, past due); this decides only
    when, and how often.
    """
    if not policy.enabled or len(sent) >= len(policy.levels):
        return None
    level = policy.levels[len(sent)]
    if today < due_date + timedelta(days=level.days_after_due) or today <= due_date:
        return None
    if sent and (today - max(sent)).days < policy.limits.min_interval_days:
        return None
    return len(sent) + 1


# -- interest ---------------------------------------------------------------------------------


class ReferenceRates(Protocol):
    """The host's table of reference rates (percent a year): faktura fetches nothing.

    For Danish law that is Danmarks Nationalbank's lending rate as it stood on 1 January
    or 1 July, for the half year that follows (renteloven § 5, stk. 2).
    """

    def reference_rate(self, day: date) -> Decimal:
        """The reference rate that applies on ``day``; ConfigurationError when unknown."""
        ...


@attrs.frozen
class ReferenceRateTable:
    """Reference rates by the day each takes effect: a day's rate is the last one that
    took effect on or before it. ``ReferenceRateTable.of({date(2026, 1, 1): Decimal("1.60"),
    date(2026, 7, 1): Decimal("1.35")})``."""

    starts: tuple[date, ...]
    rates: tuple[Decimal, ...]

    def __attrs_post_init__(self) -> None:
        starts = tuple(
            check_date(day, "starts") for day in check_tuple(self.starts, date, "starts")
        )
        if list(starts) != sorted(set(starts)):
            raise ValidationError("must be distinct days in order", field="starts", rule="order")
        rates = tuple(
            parse_decimal(r, f"rates[{n}]", places=4, minimum=Decimal(-100), maximum=Decimal(100))
            for n, r in enumerate(check_tuple(self.rates, Decimal, "rates"))
        )
        if len(rates) != len(starts):
            raise ValidationError("must have one rate per day", field="rates", rule="length")
        normalize(self, "starts", starts)
        normalize(self, "rates", rates)

    @classmethod
    def of(cls, rates: Mapping[date, Decimal]) -> ReferenceRateTable:
        ordered = sorted(rates.items())
        return cls(tuple(day for day, _ in ordered), tuple(rate for _, rate in ordered))

    def reference_rate(self, day: date) -> Decimal:
        n = bisect.bisect_right(self.starts, day)
        if not n:
            raise ConfigurationError(f"no reference rate is known for {day.isoformat()}")
        return self.rates[n - 1]


def interest_on(
    balances: Sequence[tuple[date, Decimal]],
    start: date,
    end: date,
    rates: ReferenceRates,
    margin: Decimal,
    places: int,
) -> Decimal:
    """Late-payment interest for the days after ``start`` up to and including ``end``:
    each day, what was owed at its end × (reference rate + ``margin``) % ÷ 365, summed
    exactly and rounded once, half away from zero, to ``places`` decimals.

    ``balances`` are (day, amount owed from that day on), in order of day; before the
    first, nothing was owed. A negative yearly rate counts as 0 (the law charges no
    negative interest). 0 when ``end`` is not after ``start``.
    """
    if end <= start:
        return quantize(Decimal(0), places)
    parts: list[Decimal] = []
    for first, last, owed in _segments(balances, start, end):
        if owed <= 0:
            continue
        day = first
        while day <= last:
            rate = rates.reference_rate(day) + margin
            if rate > 0:
                parts.append(mul(owed, rate))
            day += _DAY
    return quantize(div(total(parts), Decimal(100 * DAYS_IN_YEAR)), places)


def _segments(
    balances: Sequence[tuple[date, Decimal]], start: date, end: date
) -> Iterable[tuple[date, date, Decimal]]:
    """(first day, last day, owed) runs covering start+1 .. end."""
    first = start + _DAY
    owed = Decimal(0)
    for day, amount in balances:
        if day <= first:
            owed = amount
            continue
        if day > end:
            break
        yield first, day - _DAY, owed
        first, owed = day, amount
    yield first, end, owed


# -- the reminder document -------------------------------------------------------------------


@attrs.frozen
class ReminderItem:
    """One overdue invoice on a reminder: what it was and still is, the reminder's level
    for it (its how-manieth), and the interest and compensation charged for it now
    (interest for the days after ``interest_from`` up to ``interest_to``)."""

    invoice_id: str
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    outstanding: Decimal
    level: int
    interest: Decimal = Decimal("0.00")
    interest_from: date | None = None
    interest_to: date | None = None
    compensation: Decimal = Decimal("0.00")

    def __attrs_post_init__(self) -> None:
        check_id(self.invoice_id, "invoice_id")
        check_text(self.number, "number", required=True, limit=100)
        check_date(self.issue_date, "issue_date")
        check_date(self.due_date, "due_date")
        for name in ("amount", "outstanding", "interest", "compensation"):
            normalize(self, name, parse_decimal(getattr(self, name), name))
        check_int(self.level, "level", 1, _MAX_LEVELS)
        check_optional_date(self.interest_from, "interest_from")
        check_optional_date(self.interest_to, "interest_to")

    @property
    def days_overdue(self) -> int:
        """Days past the due date on the last day interest was counted to (or 0)."""
        end = self.interest_to
        return max((end - self.due_date).days, 0) if end is not None else 0


@attrs.frozen
class Reminder:
    """A reminder sent to a customer: the overdue invoices it lists, the fee of its
    level, the interest and compensation it charges, and the payments made on those
    charges. Once made it does not change but for its payments; it is numbered in the
    policy's series when made. ``payment_id`` is the reference the customer is asked to
    pay with besides the number (the FIK payment id, when the reminder has one);
    ``pay_by`` the day it asks to be paid by.

    ``charges`` (fee + interest + compensation) is what the reminder adds to the
    customer's debt; ``to_pay`` is that plus what is still owed on the listed invoices
    when it was made; ``charges_outstanding`` what of the charges is still unpaid.
    """

    id: str
    company_id: str
    customer_id: str
    number: str
    issue_date: date
    currency: str
    level: int
    items: tuple[ReminderItem, ...]
    created_at: datetime
    fee: Decimal = Decimal("0.00")
    text: str | None = None
    language: str | None = None
    payment_id: str | None = None
    pay_by: date | None = None
    payments: tuple[Payment, ...] = ()
    version: int = 1

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        check_id(self.customer_id, "customer_id")
        check_text(self.number, "number", required=True, limit=100)
        check_date(self.issue_date, "issue_date")
        Currency.of(self.currency)
        check_int(self.level, "level", 1, _MAX_LEVELS)
        items = check_tuple(self.items, ReminderItem, "items")
        if not items:
            raise ValidationError("must list at least one invoice", field="items", rule="length")
        normalize(self, "items", items)
        check_timestamp(self.created_at, "created_at")
        normalize(self, "fee", parse_decimal(self.fee, "fee", places=2, minimum=Decimal(0)))
        if self.text is not None:
            check_text(self.text, "text", limit=_MAX_TEXT)
        if self.language is not None:
            check_text(self.language, "language", limit=16, one_line=True)
        if self.payment_id is not None:
            check_text(self.payment_id, "payment_id", required=True, limit=35, one_line=True)
        check_optional_date(self.pay_by, "pay_by")
        normalize(self, "payments", check_tuple(self.payments, Payment, "payments"))
        check_int(self.version, "version", 1, 2**62)

    @property
    def interest(self) -> Decimal:
        return total(item.interest for item in self.items)

    @property
    def compensation(self) -> Decimal:
        return total(item.compensation for item in self.items)

    @property
    def charges(self) -> Decimal:
        """Fee + interest + compensation: what this reminder adds to the debt."""
        return total((self.fee, self.interest, self.compensation))

    @property
    def owed_on_invoices(self) -> Decimal:
        return total(item.outstanding for item in self.items)

    @property
    def to_pay(self) -> Decimal:
        """What the customer is asked to pay: the listed invoices' outstanding amounts
        and this reminder's charges."""
        return total((self.owed_on_invoices, self.charges))

    @property
    def charges_paid(self) -> Decimal:
        return total(p.amount for p in self.payments)

    @property
    def charges_outstanding(self) -> Decimal:
        return total((self.charges, -self.charges_paid))

    def pay_charges(self, payment: Payment) -> Reminder:
        """This reminder with ``payment`` made on its charges; ValidationError (field
        ``amount``) when it is not above 0 or exceeds what is unpaid of them."""
        if payment.amount <= 0:
            raise ValidationError("must be above 0", field="amount", rule="minimum")
        if payment.amount > self.charges_outstanding:
            raise ValidationError(
                f"exceeds the reminder's unpaid charges {self.charges_outstanding}",
                field="amount",
                rule="overpayment",
            )
        return attrs.evolve(self, payments=(*self.payments, payment), version=self.version + 1)

    def without_payment(self, payment_id: str) -> Reminder:
        """This reminder with the payment ``payment_id`` taken back (a reversal)."""
        kept = tuple(p for p in self.payments if p.id != payment_id)
        if len(kept) == len(self.payments):
            raise NotFoundError("payment", payment_id)
        return attrs.evolve(self, payments=kept, version=self.version + 1)


# -- what is due --------------------------------------------------------------------------------


@attrs.frozen
class ReminderPlan:
    """A reminder to make: one customer, one level, its fee and the invoices it lists."""

    customer_id: str
    level: int
    fee: Decimal
    items: tuple[ReminderItem, ...]


def owed_by_day(invoice: Invoice) -> tuple[tuple[date, Decimal], ...]:
    """What ``invoice`` owed from which day on: the payable amount less its credits from
    the due date, less each payment from the day it was paid (a day's interest is on
    what was owed at its end)."""
    with arithmetic():
        owed = invoice.amounts.payable - invoice.credited_amount
        timeline = [(invoice.due_date, owed)]
        for payment in sorted(invoice.payments, key=lambda p: p.date):
            owed -= payment.amount
            day = max(payment.date, invoice.due_date)
            if timeline[-1][0] == day:
                timeline[-1] = (day, owed)
            else:
                timeline.append((day, owed))
    return tuple(timeline)


def plan_reminders(
    policy: ReminderPolicy,
    customer_id: str,
    invoices: Iterable[Invoice],
    earlier: Sequence[Reminder],
    today: date,
    rates: ReferenceRates | None,
    business: bool,
) -> list[ReminderPlan]:
    """The reminders ``customer_id`` is due on ``today``: one per level, each listing the
    customer's overdue invoices in the policy's currency that are due a reminder of that
    level (``next_level`` given the ``earlier`` reminders that listed them), with the
    level's fee, interest since the due date or the last reminder that charged it (when
    the policy and the level charge interest), and the compensation once per invoice
    when the customer is a ``business``.

    Raises ConfigurationError when interest is to be charged and ``rates`` is None or
    has no rate for a day it needs.
    """
    history: dict[str, list[tuple[date, ReminderItem]]] = {}
    for reminder in earlier:
        for item in reminder.items:
            history.setdefault(item.invoice_id, []).append((reminder.issue_date, item))
    by_level: dict[int, list[ReminderItem]] = {}
    ordered = sorted(invoices, key=lambda inv: (inv.due_date, inv.number or "", inv.id))
    for invoice in ordered:
        if (
            invoice.customer_id != customer_id
            or invoice.kind is not DocumentKind.INVOICE
            or invoice.currency != policy.currency
            or invoice.number is None
            or not invoice.is_overdue(today)
        ):
            continue
        past = history.get(invoice.id, [])
        level = next_level(policy, invoice.due_date, [day for day, _ in past], today)
        if level is None:
            continue
        step = policy.levels[level - 1]
        places = Currency.of(invoice.currency).minor_units
        interest, start = _interest(policy, step, invoice, past, today, rates, places)
        compensation = Decimal(0).quantize(Decimal(1).scaleb(-places))
        if business and policy.compensation and not any(item.compensation for _, item in past):
            compensation = policy.compensation
        by_level.setdefault(level, []).append(
            ReminderItem(
                invoice_id=invoice.id,
                number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                amount=invoice.amounts.payable,
                outstanding=invoice.outstanding,
                level=level,
                interest=interest,
                interest_from=start,
                interest_to=today if start is not None else None,
                compensation=compensation,
            )
        )
    return [
        ReminderPlan(customer_id, level, policy.levels[level - 1].fee, tuple(items))
        for level, items in sorted(by_level.items())
    ]


def _interest(
    policy: ReminderPolicy,
    step: ReminderLevel,
    invoice: Invoice,
    past: Sequence[tuple[date, ReminderItem]],
    today: date,
    rates: ReferenceRates | None,
    places: int,
) -> tuple[Decimal, date | None]:
    """The interest a reminder charges for ``invoice`` and the day it counts from."""
    if policy.margin is None or not step.interest:
        return quantize(Decimal(0), places), None
    if rates is None:
        raise ConfigurationError(
            "the reminder policy charges interest: give Billing the host's reference rates "
            "(Billing(reference_rates=...)), or set the policy's margin to None"
        )
    counted = [item.interest_to for _, item in past if item.interest_to is not None]
    start = max([invoice.due_date, *counted])
    return interest_on(owed_by_day(invoice), start, today, rates, policy.margin, places), start
