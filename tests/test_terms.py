"""Payment terms and due dates: month ends, February, leap years, validation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.errors import ValidationError
from faktura.terms import MAX_TERM_DAYS, PaymentTerms, TermsKind, check_due_date
from faktura.testing.strategies import payment_terms

d = date.fromisoformat
# Wide enough for 1900 and 2100 (not leap years) and 2000 (leap: divisible by 400).
DATES = st.dates(date(1890, 1, 1), date(2210, 12, 31))
DAYS = st.integers(0, MAX_TERM_DAYS)


def month_end(day: date) -> date:
    """The last day of ``day``'s month, without the calendar module."""
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def next_month_first(day: date) -> date:
    return month_end(day) + timedelta(days=1)


# -- worked examples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "invoice_date", "due"),
    [
        # net: date + days
        (PaymentTerms.net(8), "2024-01-25", "2024-02-02"),
        (PaymentTerms.net(0), "2024-01-31", "2024-01-31"),
        (PaymentTerms.net(30), "2024-01-31", "2024-03-01"),  # Feb 2024 has 29 days
        (PaymentTerms.net(30), "2023-01-31", "2023-03-02"),  # Feb 2023 has 28
        (PaymentTerms.net(1), "2024-02-28", "2024-02-29"),
        (PaymentTerms.net(1), "2023-02-28", "2023-03-01"),
        (PaymentTerms.net(1), "2100-02-28", "2100-03-01"),  # 2100 is not a leap year
        (PaymentTerms.net(1), "2000-02-28", "2000-02-29"),  # 2000 is (divisible by 400)
        (PaymentTerms.net(1), "2024-12-31", "2025-01-01"),
        (PaymentTerms.net(366), "2024-01-01", "2025-01-01"),
        # end_of_month: last day of the invoice month + days
        (PaymentTerms.end_of_month(0), "2024-02-10", "2024-02-29"),
        (PaymentTerms.end_of_month(0), "2023-02-10", "2023-02-28"),
        (PaymentTerms.end_of_month(0), "2100-02-10", "2100-02-28"),
        (PaymentTerms.end_of_month(0), "2024-01-31", "2024-01-31"),
        (PaymentTerms.end_of_month(30), "2024-01-15", "2024-03-01"),  # Jan 31 + 30
        (PaymentTerms.end_of_month(30), "2023-01-15", "2023-03-02"),
        (PaymentTerms.end_of_month(30), "2024-02-01", "2024-03-30"),  # Feb 29 + 30
        (PaymentTerms.end_of_month(1), "2024-12-31", "2025-01-01"),
        # end_of_next_month: last day of the following month + days
        (PaymentTerms.end_of_next_month(0), "2024-01-31", "2024-02-29"),
        (PaymentTerms.end_of_next_month(0), "2023-01-31", "2023-02-28"),
        (PaymentTerms.end_of_next_month(0), "2100-01-31", "2100-02-28"),
        (PaymentTerms.end_of_next_month(0), "2024-12-15", "2025-01-31"),
        (PaymentTerms.end_of_next_month(15), "2024-01-10", "2024-03-15"),  # Feb 29 + 15
        # day_of_next_month: that day of the next month, clamped to its length
        (PaymentTerms.day_of_next_month(31), "2024-01-15", "2024-02-29"),
        (PaymentTerms.day_of_next_month(31), "2023-01-15", "2023-02-28"),
        (PaymentTerms.day_of_next_month(30), "2100-01-05", "2100-02-28"),
        (PaymentTerms.day_of_next_month(31), "2024-03-31", "2024-04-30"),
        (PaymentTerms.day_of_next_month(31), "2024-12-01", "2025-01-31"),
        (PaymentTerms.day_of_next_month(15), "2024-01-31", "2024-02-15"),
        (PaymentTerms.day_of_next_month(1), "2024-02-29", "2024-03-01"),
        # invoice_week: days after the last day of the invoice's week
        # 2024-01-31 is a Wednesday; weeks from Monday end on Sunday 2024-02-04.
        (PaymentTerms.invoice_week(0), "2024-01-31", "2024-02-04"),
        (PaymentTerms.invoice_week(14), "2024-01-31", "2024-02-18"),
        (PaymentTerms.invoice_week(0), "2024-02-04", "2024-02-04"),  # a Sunday itself
        (PaymentTerms.invoice_week(0), "2024-02-05", "2024-02-11"),  # a Monday: whole week
        # weeks from Sunday (6) end on Saturday: 2024-02-03
        (PaymentTerms.invoice_week(0, week_starts=6), "2024-01-31", "2024-02-03"),
        (PaymentTerms.invoice_week(0, week_starts=6), "2024-02-03", "2024-02-03"),
        # 2024-12-31 is a Tuesday: its week ends on Sunday 2025-01-05
        (PaymentTerms.invoice_week(2), "2024-12-31", "2025-01-07"),
        # cash and prepaid: due on the invoice date
        (PaymentTerms.cash(), "2024-02-29", "2024-02-29"),
        (PaymentTerms.prepaid(), "2023-12-31", "2023-12-31"),
        # fixed: the agreed date whatever the invoice date
        (PaymentTerms.fixed(d("2024-06-30")), "2024-02-29", "2024-06-30"),
        (PaymentTerms.fixed(d("2024-06-30")), "2025-01-01", "2024-06-30"),
    ],
    ids=lambda v: v.describe() if isinstance(v, PaymentTerms) else str(v),
)
def test_due_dates(terms: PaymentTerms, invoice_date: str, due: str) -> None:
    assert terms.due_date(d(invoice_date)) == d(due)


def test_every_kind_has_an_example_above() -> None:
    kinds = {
        PaymentTerms.net(1).kind,
        PaymentTerms.end_of_month(1).kind,
        PaymentTerms.end_of_next_month(1).kind,
        PaymentTerms.day_of_next_month(1).kind,
        PaymentTerms.invoice_week(1).kind,
        PaymentTerms.cash().kind,
        PaymentTerms.prepaid().kind,
        PaymentTerms.fixed(d("2024-01-01")).kind,
    }
    assert kinds == set(TermsKind)


# -- properties ----------------------------------------------------------------------------


@given(DATES, DAYS)
def test_net_is_date_plus_days(invoice_date: date, days: int) -> None:
    assert PaymentTerms.net(days).due_date(invoice_date) == invoice_date + timedelta(days=days)


@given(DATES, DAYS)
def test_end_of_month_is_days_after_the_month_end(invoice_date: date, days: int) -> None:
    due = PaymentTerms.end_of_month(days).due_date(invoice_date)
    end = month_end(invoice_date)
    assert due >= end >= invoice_date
    assert due - end == timedelta(days=days)
    assert end.month == invoice_date.month
    assert (end + timedelta(days=1)).day == 1


@given(DATES, DAYS)
def test_end_of_next_month_is_days_after_the_next_month_end(invoice_date: date, days: int) -> None:
    due = PaymentTerms.end_of_next_month(days).due_date(invoice_date)
    end = month_end(next_month_first(invoice_date))
    assert due - end == timedelta(days=days)
    assert due > month_end(invoice_date)


@given(DATES, st.integers(1, 31))
def test_day_of_next_month_is_in_the_next_month_and_clamped(invoice_date: date, day: int) -> None:
    due = PaymentTerms.day_of_next_month(day).due_date(invoice_date)
    first = next_month_first(invoice_date)
    assert (due.year, due.month) == (first.year, first.month)
    assert due.day == min(day, month_end(first).day)


@given(DATES, DAYS, st.integers(0, 6))
def test_invoice_week_is_days_after_the_week_end(
    invoice_date: date, days: int, week_starts: int
) -> None:
    due = PaymentTerms.invoice_week(days, week_starts).due_date(invoice_date)
    # The week's last day: the first day from the invoice date on whose next day a week starts.
    week_end = next(
        invoice_date + timedelta(days=n)
        for n in range(7)
        if (invoice_date + timedelta(days=n + 1)).weekday() == week_starts
    )
    assert due - week_end == timedelta(days=days)


@given(DATES, payment_terms([k for k in TermsKind if k is not TermsKind.FIXED]))
def test_due_date_is_never_before_the_invoice_date(invoice_date: date, terms: PaymentTerms) -> None:
    due = terms.due_date(invoice_date)
    assert due >= invoice_date
    check_due_date(invoice_date, due)  # accepted
    if terms.kind in (TermsKind.CASH, TermsKind.PREPAID):
        assert due == invoice_date


@given(DATES, DATES)
def test_fixed_ignores_the_invoice_date(invoice_date: date, fixed: date) -> None:
    assert PaymentTerms.fixed(fixed).due_date(invoice_date) == fixed


@given(payment_terms())
def test_every_kind_describes_itself(terms: PaymentTerms) -> None:
    text = terms.describe()
    assert text
    assert str(terms.days) in text or terms.kind not in (TermsKind.NET, TermsKind.END_OF_MONTH)


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (lambda f: PaymentTerms.net(-1, field=f), "range"),
        (lambda f: PaymentTerms.net(MAX_TERM_DAYS + 1, field=f), "range"),
        (lambda f: PaymentTerms.net(True, field=f), "type"),
        (lambda f: PaymentTerms.net(8.0, field=f), "type"),  # type: ignore[arg-type]
        (lambda f: PaymentTerms.net("8", field=f), "type"),  # type: ignore[arg-type]
        (lambda f: PaymentTerms.end_of_month(-1, field=f), "range"),
        (lambda f: PaymentTerms.end_of_month(False, field=f), "type"),
        (lambda f: PaymentTerms.end_of_next_month(3651, field=f), "range"),
        (lambda f: PaymentTerms.day_of_next_month(0, field=f), "range"),
        (lambda f: PaymentTerms.day_of_next_month(32, field=f), "range"),
        (lambda f: PaymentTerms.day_of_next_month(True, field=f), "range"),
        (lambda f: PaymentTerms.invoice_week(-1, field=f), "range"),
        (lambda f: PaymentTerms.invoice_week(7, week_starts=7, field=f), "range"),
        (lambda f: PaymentTerms.invoice_week(7, week_starts=-1, field=f), "range"),
        (lambda f: PaymentTerms.invoice_week(7, week_starts=True, field=f), "type"),
    ],
)
@pytest.mark.parametrize("field", ["paymentTerms", "customer.paymentTerms"])
def test_invalid_terms_name_the_field(build: object, rule: str, field: str) -> None:
    assert callable(build)
    with pytest.raises(ValidationError) as caught:
        build(field)
    assert caught.value.field == field
    assert caught.value.errors[0].rule == rule
    assert isinstance(caught.value, ValueError)


def test_longest_terms_are_accepted() -> None:
    assert PaymentTerms.net(MAX_TERM_DAYS).days == 3650
    assert PaymentTerms.invoice_week(0, week_starts=6).week_starts == 6
    assert PaymentTerms.day_of_next_month(31).day == 31


def test_due_date_before_invoice_date_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        check_due_date(d("2024-03-01"), d("2024-02-29"))
    assert caught.value.field == "due_date"
    assert caught.value.errors[0].rule == "due_before_date"
    check_due_date(d("2024-03-01"), d("2024-03-01"))  # the same day is fine
