"""Number series: patterns, periods and formatting."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import ValidationError
from faktura.numbering import NumberSeries, Reset


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
