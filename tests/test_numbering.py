"""Number series: patterns, periods and formatting."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import NumberingError, ValidationError
from faktura.numbering import NextNumber, NumberSeries, Reset, next_number


@pytest.mark.parametrize(
    ("pattern", "seq", "day", "number"),
    [
        ("{seq}", 1, date(2026, 1, 1), "1"),
        ("{seq:05}", 42, date(2026, 1, 1), "00042"),
        ("{seq:03}", 12345, date(2026, 1, 1), "12345"),  # padding never truncates
        ("{year}-{seq:05}", 7, date(2026, 11, 25), "2026-00007"),
        ("F{yy}{month}/{seq}", 3, date(2009, 2, 1), "F0902/3"),
        ("CN-{seq}", 9, date(2026, 1, 1), "CN-9"),
    ],
)
def test_format(pattern: str, seq: int, day: date, number: str) -> None:
    assert NumberSeries(pattern).format(seq, day) == number


def test_periods_come_from_the_invoice_date() -> None:
    day = date(2026, 3, 31)
    assert NumberSeries("{seq}").period(day) == ""
    assert NumberSeries("{year}-{seq}", reset=Reset.YEARLY).period(day) == "2026"
    assert NumberSeries("{yy}{month}-{seq}", reset=Reset.MONTHLY).period(day) == "2026-03"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"pattern": "INV"}, "pattern"),
        ({"pattern": "{seq}{seq}"}, "pattern"),
        ({"pattern": "{seq}-{day}"}, "pattern"),
        ({"pattern": "{seq:5}"}, "pattern"),
        ({"pattern": ""}, "pattern"),
        ({"pattern": "x" * 61 + "{seq}"}, "pattern"),
        ({"pattern": "{seq}\n"}, "pattern"),
        ({"pattern": "{seq}", "start": 0}, "start"),
        ({"pattern": "{seq}", "start": True}, "start"),
        ({"pattern": "{seq}", "reset": Reset.YEARLY}, "pattern"),
        ({"pattern": "{year}-{seq}", "reset": Reset.MONTHLY}, "pattern"),
    ],
)
def test_bad_series_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        NumberSeries(**fields)  # type: ignore[arg-type]
    assert info.value.field == field


@given(
    st.sampled_from(["{seq}", "{year}-{seq:04}", "{yy}{month}{seq:03}"]),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_distinct_sequence_numbers_give_distinct_numbers(
    pattern: str, a: int, b: int, day: date
) -> None:
    series = NumberSeries(pattern)
    assert (series.format(a, day) == series.format(b, day)) == (a == b)


@given(st.dates(), st.dates())
def test_a_yearly_series_never_repeats_a_number_across_periods(one: date, two: date) -> None:
    series = NumberSeries("{year}-{seq}", reset=Reset.YEARLY)
    if series.period(one) != series.period(two):
        assert series.format(1, one) != series.format(1, two)


# -- counting: next_number, the rules every store applies ------------------------------------

_DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
_RESETS = st.sampled_from(
    [
        NumberSeries("{seq}"),
        NumberSeries("{year}-{seq}", reset=Reset.YEARLY),
        NumberSeries("{year}{month}-{seq}", reset=Reset.MONTHLY),
    ]
)


def _book(
    series: NumberSeries, start: int, days: list[date], allow_backdating: bool
) -> tuple[list[tuple[date, int | NumberingError]], dict[str, int], date | None]:
    """Book ``days`` in order as a store does: keep what next_number says, nothing on a
    refusal. Each day's outcome, the counters by period and the last booked date."""
    counters: dict[str, int] = {}
    last_date: date | None = None
    outcomes: list[tuple[date, int | NumberingError]] = []
    for day in days:
        period = series.period(day)
        try:
            step = next_number(
                counters.get(period),
                last_date,
                start=start,
                booking_date=day,
                allow_backdating=allow_backdating,
            )
        except NumberingError as refused:
            outcomes.append((day, refused))
            continue
        counters[period] = step.seq
        assert step.date_moved == (last_date is None or day > last_date)
        last_date = step.last_date
        outcomes.append((day, step.seq))
    return outcomes, counters, last_date


def _numbers_by_period(
    series: NumberSeries, outcomes: list[tuple[date, int | NumberingError]]
) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for day, outcome in outcomes:
        if isinstance(outcome, int):
            found.setdefault(series.period(day), []).append(outcome)
    return found


@given(_RESETS, st.integers(1, 10**6), st.lists(_DAYS, min_size=1, max_size=40))
def test_with_backdating_any_order_of_dates_counts_gap_free(
    series: NumberSeries, start: int, days: list[date]
) -> None:
    outcomes, counters, last_date = _book(series, start, days, allow_backdating=True)
    assert all(isinstance(outcome, int) for _, outcome in outcomes)
    first_period = series.period(days[0])
    for period, numbers in _numbers_by_period(series, outcomes).items():
        first = start if period == first_period else 1
        assert numbers == list(range(first, first + len(numbers)))  # in order, no gap
        assert counters[period] == numbers[-1]
    assert last_date == max(days)  # the last booked date only moves forward


@given(_RESETS, st.integers(1, 10**6), st.lists(_DAYS, min_size=1, max_size=40))
def test_without_backdating_a_date_before_the_last_booked_one_is_refused(
    series: NumberSeries, start: int, days: list[date]
) -> None:
    outcomes, _, last_date = _book(series, start, days, allow_backdating=False)
    latest: date | None = None
    for day, outcome in outcomes:
        if latest is not None and day < latest:
            assert isinstance(outcome, NumberingError)
            assert [(e.path, e.rule) for e in outcome.errors] == [("issue_date", "backdating")]
            assert str(latest) in str(outcome)
        else:
            assert isinstance(outcome, int)
            latest = day
    assert last_date == latest
    # what was accepted counts gap-free, the refusals consumed no number
    for period, numbers in _numbers_by_period(series, outcomes).items():
        first = start if period == series.period(days[0]) else 1
        assert numbers == list(range(first, first + len(numbers)))


@given(st.integers(1, 10**6), _DAYS, st.booleans())
def test_the_first_number_of_a_series_is_its_start(
    start: int, day: date, allow_backdating: bool
) -> None:
    assert next_number(
        None, None, start=start, booking_date=day, allow_backdating=allow_backdating
    ) == NextNumber(start, day, True)


@given(st.integers(1, 10**6), _DAYS, _DAYS, st.booleans())
def test_a_new_period_of_a_series_that_counted_starts_at_1(
    start: int, last: date, day: date, allow_backdating: bool
) -> None:
    if day < last and not allow_backdating:
        return
    step = next_number(None, last, start=start, booking_date=day, allow_backdating=allow_backdating)
    assert step.seq == 1
    assert step.last_date == max(last, day)
