"""Reminders, pure: the policy's limits, when a reminder is due, late-payment interest,
and the plan of a run (faktura.dunning), property-tested.

The invariants of issue 19: a reminder is never planned for a paid, credited, cancelled
or written-off invoice, never more often than the policy allows, never sooner than its
interval; interest is exact to the minor unit for any dates and rate tables.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.dunning import (
    DAYS_IN_YEAR,
    ReferenceRateTable,
    Reminder,
    ReminderLevel,
    ReminderLimits,
    ReminderPolicy,
    interest_on,
    next_level,
    owed_by_day,
    plan_reminders,
)
from faktura.errors import ConfigurationError, ValidationError
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.status import PAYABLE_STATUSES, Status
from faktura.terms import PaymentTerms
from faktura.testing.strategies import invoices
from faktura.vat import VatCategory

DAY = timedelta(days=1)
AT = datetime(2026, 1, 1, tzinfo=UTC)

days = st.dates(date(2020, 1, 1), date(2030, 12, 31))
rates = st.decimals(Decimal("-2"), Decimal("12"), places=2)
amounts = st.decimals(Decimal("0"), Decimal("1000000"), places=2)


@st.composite
def rate_tables(draw: st.DrawFn) -> ReferenceRateTable:
    """A table that starts early enough for every day drawn, changing on any day."""
    starts = draw(st.lists(days, min_size=0, max_size=6, unique=True))
    table = {date(2019, 1, 1): draw(rates)}
    table.update({day: draw(rates) for day in starts})
    return ReferenceRateTable.of(table)


def brute_interest(
    balances: list[tuple[date, Decimal]],
    start: date,
    end: date,
    table: ReferenceRateTable,
    margin: Decimal,
    places: int,
) -> Decimal:
    """The definition, day by day in exact fractions, rounded once."""
    total = Fraction(0)
    day = start + DAY
    while day <= end:
        owed = Fraction(0)
        for since, amount in balances:
            if since <= day:
                owed = Fraction(amount)
        rate = Fraction(table.reference_rate(day)) + Fraction(margin)
        if rate > 0 and owed > 0:
            total += owed * rate / (100 * DAYS_IN_YEAR)
        day += DAY
    exact = Decimal(total.numerator) / Decimal(total.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@settings(max_examples=300)
@given(
    data=st.data(),
    table=rate_tables(),
    margin=st.decimals(Decimal("0"), Decimal("10"), places=2),
    places=st.sampled_from([0, 2, 3]),
)
def test_interest_is_exact_to_the_minor_unit_for_any_dates_and_rate_tables(
    data: st.DataObject, table: ReferenceRateTable, margin: Decimal, places: int
) -> None:
    start = data.draw(st.dates(date(2020, 1, 1), date(2029, 12, 31)))
    end = start + timedelta(days=data.draw(st.integers(-5, 800)))
    changes = sorted(
        data.draw(
            st.dictionaries(
                st.dates(start - timedelta(days=30), end + timedelta(days=30)), amounts, max_size=5
            )
        ).items()
    )
    balances = [(start - timedelta(days=40), data.draw(amounts)), *changes]
    balances = [(d, a.quantize(Decimal(1).scaleb(-places))) for d, a in balances]
    got = interest_on(balances, start, end, table, margin, places)
    assert got == brute_interest(balances, start, end, table, margin, places)
    assert got.as_tuple().exponent == -places


def test_interest_in_a_worked_example() -> None:
    # DKK 10,000 owed from 15 March, rate 1.60 % until 30 June and 1.35 % from 1 July:
    # 107 days at 9.60 % and 31 days at 9.35 % → 281.42 + 79.41 = 360.84 (rounded once)
    table = ReferenceRateTable.of(
        {date(2026, 1, 1): Decimal("1.60"), date(2026, 7, 1): Decimal("1.35")}
    )
    balances = [(date(2026, 3, 15), Decimal("10000.00"))]
    got = interest_on(balances, date(2026, 3, 15), date(2026, 7, 31), table, Decimal(8), 2)
    exact = (Decimal(10000) * Decimal("9.60") * 107 + Decimal(10000) * Decimal("9.35") * 31) / (
        100 * 365
    )
    assert got == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("360.84")


def test_a_day_without_a_known_rate_is_a_configuration_error() -> None:
    table = ReferenceRateTable.of({date(2026, 7, 1): Decimal("1.35")})
    with pytest.raises(ConfigurationError, match="2026-06-30"):
        interest_on(
            [(date(2026, 6, 1), Decimal(100))],
            date(2026, 6, 29),
            date(2026, 7, 2),
            table,
            Decimal(8),
            2,
        )


# -- the policy ---------------------------------------------------------------------------------


def test_the_danish_defaults_are_the_interest_acts() -> None:
    policy = ReminderPolicy.danish()
    assert [level.days_after_due for level in policy.levels] == [10, 20, 30]
    assert all(level.fee == Decimal("100.00") for level in policy.levels)
    assert policy.margin == Decimal(8)
    assert policy.compensation == Decimal("310.00")
    assert policy.limits == ReminderLimits(Decimal("100.00"), 3, 10)


@pytest.mark.parametrize(
    ("levels", "field", "rule"),
    [
        ((ReminderLevel(10, Decimal("100.01")),), "levels[0].fee", "maximum"),
        (
            tuple(ReminderLevel(10 * n, Decimal(50)) for n in range(1, 5)),
            "levels[3].fee",
            "fee_reminders",
        ),
        ((ReminderLevel(10), ReminderLevel(19)), "levels[1].days_after_due", "interval"),
        ((), "levels", "length"),
    ],
)
def test_a_policy_that_breaks_the_limits_is_refused_naming_the_field(
    levels: tuple[ReminderLevel, ...], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ReminderPolicy(levels=levels)
    assert caught.value.field == field
    assert caught.value.errors[0].rule == rule


def test_a_host_may_change_the_limits_for_another_law() -> None:
    limits = ReminderLimits(max_fee=Decimal(70), max_fee_reminders=2, min_interval_days=14)
    policy = ReminderPolicy(
        levels=(ReminderLevel(14, Decimal(70)), ReminderLevel(28, Decimal(70)), ReminderLevel(42)),
        currency="NOK",
        limits=limits,
    )
    assert policy.levels[2].fee == 0


policies = st.builds(
    lambda gaps, fees, interval: ReminderPolicy(
        levels=tuple(
            ReminderLevel(sum(gaps[: n + 1]), fee) for n, fee in enumerate(fees[: len(gaps)])
        ),
        limits=ReminderLimits(min_interval_days=interval),
    ),
    st.lists(st.integers(10, 40), min_size=1, max_size=5),
    st.lists(st.sampled_from([Decimal(0), Decimal(100)]), min_size=5, max_size=5).filter(
        lambda fees: sum(f > 0 for f in fees) <= 3
    ),
    st.integers(0, 10),
)


@given(policy=policies, due=days, runs=st.lists(st.integers(0, 200), max_size=40))
def test_reminders_come_no_sooner_than_their_interval_nor_more_often_than_the_policy(
    policy: ReminderPolicy, due: date, runs: list[int]
) -> None:
    sent: list[date] = []
    for offset in sorted(set(runs)):
        today = due + timedelta(days=offset)
        level = next_level(policy, due, sent, today)
        if level is None:
            continue
        assert level == len(sent) + 1 <= len(policy.levels)
        assert today > due
        assert today >= due + timedelta(days=policy.levels[level - 1].days_after_due)
        if sent:
            assert (today - sent[-1]).days >= policy.limits.min_interval_days
        sent.append(today)
    assert len(sent) <= len(policy.levels)


# -- the plan of a run --------------------------------------------------------------------------

TABLE = ReferenceRateTable.of(
    {date(2000, 1, 1): Decimal("1.60"), date(2026, 7, 1): Decimal("1.35")}
)


def _reminder(
    plan_items: tuple, level: int, fee: Decimal, customer_id: str, today: date, n: int
) -> Reminder:
    return Reminder(
        id=f"rem_{n}",
        company_id="co",
        customer_id=customer_id,
        number=f"R-{n}",
        issue_date=today,
        currency="DKK",
        level=level,
        items=plan_items,
        created_at=AT,
        fee=fee,
    )


@settings(max_examples=60)
@given(
    docs=st.lists(invoices(currency="DKK"), min_size=1, max_size=4),
    policy=policies,
    business=st.booleans(),
    step=st.integers(1, 9),
)
def test_a_run_never_reminds_of_what_is_not_owed_and_keeps_every_limit(
    docs: list, policy: ReminderPolicy, business: bool, step: int
) -> None:
    customer = docs[0].customer_id
    docs = [attrs.evolve(d, customer_id=customer) for d in docs]
    first_due = min(d.due_date for d in docs)
    earlier: list[Reminder] = []
    day = first_due
    for _ in range(150 // step + 1):
        day += timedelta(days=step)
        for plan in plan_reminders(policy, customer, docs, earlier, day, TABLE, business):
            assert plan.fee == policy.levels[plan.level - 1].fee
            for item in plan.items:
                invoice = next(d for d in docs if d.id == item.invoice_id)
                assert invoice.status in PAYABLE_STATUSES
                assert invoice.status not in (Status.PAID, Status.CREDITED, Status.CANCELLED)
                assert invoice.outstanding > 0
                assert invoice.due_date < day
                assert item.level == plan.level
            earlier.append(_reminder(plan.items, plan.level, plan.fee, customer, day, len(earlier)))
    for invoice in docs:
        dates = [r.issue_date for r in earlier if any(i.invoice_id == invoice.id for i in r.items)]
        assert len(dates) <= len(policy.levels)
        assert (
            sum(r.fee > 0 for r in earlier if any(i.invoice_id == invoice.id for i in r.items))
            <= policy.limits.max_fee_reminders
        )
        assert all(
            (b - a).days >= policy.limits.min_interval_days for a, b in itertools.pairwise(dates)
        )
        items = [i for r in earlier for i in r.items if i.invoice_id == invoice.id]
        # interest is charged for each day once: the periods follow one another
        periods = [(i.interest_from, i.interest_to) for i in items if i.interest_from]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(periods))
        if periods:
            assert periods[0][0] == invoice.due_date
        compensations = [i.compensation for i in items if i.compensation]
        assert len(compensations) <= (1 if business else 0)


def _sent_invoice(number: str = "1001", price: str = "8000.00") -> Invoice:
    """1 × price at 25 % (10,000.00 for 8,000.00), dated 2026-03-01, due net 14 days."""
    line = ProductLine(
        description="Consulting",
        quantity=Decimal(1),
        unit_price=Decimal(price),
        vat_rate=Decimal(25),
        vat_category=VatCategory.S,
    )
    draft = Invoice.draft(
        id=f"inv-{number}",
        company_id="co",
        customer_id="cust",
        issue_date=date(2026, 3, 1),
        currency="DKK",
        at=AT,
        lines=[line],
        payment_terms=PaymentTerms.net(14),
    ).invoice
    return draft.book(number, AT + DAY).invoice.mark_delivered(AT + 2 * DAY).invoice


def test_interest_follows_what_was_owed_each_day() -> None:
    invoice = _sent_invoice()
    assert invoice.due_date == date(2026, 3, 15)
    assert invoice.outstanding == Decimal("10000.00")
    # 4,000 paid on 4 April: a day's interest is on what was owed at its end, so
    # 16 March - 3 April (19 days) on 10,000 and 4-14 April (11 days) on 6,000
    paid = invoice.record_payment(Decimal("4000.00"), date(2026, 4, 4), AT + 3 * DAY).invoice
    assert owed_by_day(paid) == (
        (date(2026, 3, 15), Decimal("10000.00")),
        (date(2026, 4, 4), Decimal("6000.00")),
    )
    policy = ReminderPolicy.danish()
    (plan,) = plan_reminders(policy, "cust", [paid], [], date(2026, 4, 14), TABLE, False)
    (item,) = plan.items
    exact = (Decimal(10000) * 19 + Decimal(6000) * 11) * Decimal("9.60") / (100 * 365)
    assert item.interest == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (item.interest_from, item.interest_to) == (date(2026, 3, 15), date(2026, 4, 14))
    assert item.outstanding == Decimal("6000.00")
    assert item.compensation == 0
    assert plan.level == 1
    assert plan.fee == Decimal("100.00")


def test_a_business_debtor_owes_the_compensation_once() -> None:
    invoice = _sent_invoice()
    policy = ReminderPolicy.danish()
    (first,) = plan_reminders(policy, "cust", [invoice], [], date(2026, 3, 25), TABLE, True)
    assert first.items[0].compensation == Decimal("310.00")
    sent = _reminder(first.items, first.level, first.fee, "cust", date(2026, 3, 25), 1)
    (second,) = plan_reminders(policy, "cust", [invoice], [sent], date(2026, 4, 4), TABLE, True)
    assert second.level == 2
    assert second.items[0].compensation == 0
    assert second.items[0].interest_from == date(2026, 3, 25)


def test_interest_without_rates_is_refused_before_anything() -> None:
    with pytest.raises(ConfigurationError, match="reference_rates"):
        plan_reminders(
            ReminderPolicy.danish(), "cust", [_sent_invoice()], [], date(2026, 4, 30), None, False
        )
    no_interest = attrs.evolve(ReminderPolicy.danish(), margin=None)
    (plan,) = plan_reminders(
        no_interest, "cust", [_sent_invoice()], [], date(2026, 4, 30), None, False
    )
    assert plan.items[0].interest == 0
    assert plan.items[0].interest_from is None
