"""Recurring-invoice schedules: the calendar, billing dates, due windows, proration and
the validation of faktura.schedules (pure: every "today" is a parameter)."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from faktura.checks import MAX_ID, check_id
from faktura.errors import ValidationError
from faktura.lines import ProductLine, SeparatorLine, TextLine
from faktura.schedules import (
    MAX_SCHEDULE_ID,
    Cadence,
    Period,
    Proration,
    Schedule,
    ScheduleVersion,
    Timing,
    Unit,
    billing_date,
    current_month,
    due,
    full_period,
    lines_for,
    parse_window,
    period_id,
    periods,
    prorate,
)
from faktura.vat import VatCategory

AT = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def product(
    description: str = "Hosting", quantity: str = "1", price: str = "300.00"
) -> ProductLine:
    return ProductLine(
        description, Decimal(quantity), Decimal(price), VatCategory.S, Decimal(25), unit="MON"
    )


LINES = (product(), TextLine("Thank you"), SeparatorLine("Extras"), product("Support", "2.5", "80"))


def schedule(
    start: date,
    cadence: Cadence | None = None,
    *,
    timing: Timing = Timing.ADVANCE,
    versions: tuple[ScheduleVersion, ...] | None = None,
    **more: object,
) -> Schedule:
    return Schedule(
        "sub-1",
        "co-1",
        "cust-1",
        cadence or Cadence.monthly(),
        timing,
        start,
        versions or (ScheduleVersion(start, LINES),),
        AT,
        AT,
        **more,  # type: ignore[arg-type]
    )


def spans(s: Schedule, until: date) -> list[str]:
    return [str(p) for p in periods(s, until)]


def clamped(year: int, month: int, anchor: int) -> date:
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def month_after(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


# -- strategies ---------------------------------------------------------------------------

starts = st.dates(date(1999, 1, 1), date(2060, 12, 31))
month_cadences = st.builds(
    Cadence.months, st.sampled_from([1, 1, 2, 3, 6, 12]) | st.integers(1, 30)
)
day_cadences = st.builds(Cadence.days, st.integers(1, 40) | st.integers(1, 400))


@st.composite
def schedules(draw: st.DrawFn, proration: Proration | None = None) -> Schedule:
    start = draw(starts)
    cadence = draw(month_cadences | day_cadences)
    anchor = None
    if cadence.unit is Unit.MONTH:
        anchor = draw(st.none() | st.integers(1, 31) | st.integers(28, 31))
    end = draw(st.none() | st.integers(0, 1500).map(lambda n: start + timedelta(days=n)))
    return schedule(
        start,
        cadence,
        timing=draw(st.sampled_from(Timing)),
        end=end,
        anchor_day=anchor,
        proration=proration or draw(st.sampled_from(Proration)),
    )


def horizon(s: Schedule) -> date:
    return (s.end or s.start + timedelta(days=1200)) + timedelta(days=40)


# -- the calendar -------------------------------------------------------------------------


@given(schedules())
def test_periods_tile_the_days_from_start_to_end_without_gap_or_overlap(s: Schedule) -> None:
    until = horizon(s)
    found = list(periods(s, until))
    assert found[0].start == s.start
    for before, after in itertools.pairwise(found):
        assert after.start == before.end + DAY
    assert all(p.start <= p.end and p.start <= until for p in found)
    if s.end is not None:
        assert found[-1].end == s.end
    else:
        assert found[-1].end >= until  # the last begun period reaches past until
        assert len(list(periods(s, found[-1].start - DAY))) == len(found) - 1


@given(starts, month_cadences, st.none() | st.integers(1, 31))
def test_month_periods_end_the_day_before_an_anchor_date_clamped_to_its_month(
    start: date, cadence: Cadence, anchor: int | None
) -> None:
    s = schedule(start, cadence, anchor_day=anchor)
    day = start.day if anchor is None else anchor
    found = list(periods(s, start + timedelta(days=3 * 366)))
    for index, period in enumerate(found):
        following = period.end + DAY
        assert following == clamped(following.year, following.month, day)
        if index > 0 or start == clamped(start.year, start.month, day):
            # a whole period: from an anchor date to the day before the anchor date
            # ``count`` months on
            assert period.start == clamped(period.start.year, period.start.month, day)
            assert (following.year, following.month) == month_after(period.start, cadence.count)
        else:  # the stub: to the first anchor date after the start
            assert following > start
            assert following - start <= timedelta(days=31)
            before = clamped(*month_after(following, -1), day)
            assert before < start < following


@given(st.integers(1890, 2110), st.integers(29, 31))
@example(1900, 29)
@example(2000, 29)
@example(2100, 30)
@example(2024, 31)
def test_anchors_29_to_31_clamp_in_february_and_never_drift(year: int, anchor: int) -> None:
    start = date(year, 1, anchor)
    found = list(periods(schedule(start, anchor_day=anchor), date(year, 4, 1)))
    february = 29 if calendar.isleap(year) else 28
    assert [p.start for p in found] == [
        start,
        date(year, 2, min(anchor, february)),
        date(year, 3, anchor),
    ]
    assert found[1].end == date(year, 3, anchor) - DAY


@given(starts, st.integers(1, 400), st.none() | st.integers(0, 2000))
def test_a_day_cadence_makes_periods_of_count_days_but_the_cut_last(
    start: date, count: int, length: int | None
) -> None:
    end = None if length is None else start + timedelta(days=length)
    s = schedule(start, Cadence.days(count), end=end)
    found = list(periods(s, start + timedelta(days=2500)))
    *whole, last = found
    assert all(p.days == count for p in whole)
    assert last.days == count if end is None else 1 <= last.days <= count
    assert all(p.start == start + timedelta(days=i * count) for i, p in enumerate(found))


@given(schedules())
def test_billing_dates_follow_the_timing_and_increase(s: Schedule) -> None:
    found = list(periods(s, horizon(s)))
    dates = [billing_date(s, p) for p in found]
    expected = [p.start if s.timing is Timing.ADVANCE else p.end + DAY for p in found]
    assert dates == expected
    assert all(a < b for a, b in itertools.pairwise(dates))


@given(schedules(), st.lists(st.integers(0, 1600), max_size=8), st.integers(-30, 30))
def test_due_over_consecutive_windows_bills_each_period_exactly_once(
    s: Schedule, cuts: list[int], shift: int
) -> None:
    first = s.start + timedelta(days=shift)
    last = horizon(s)
    inner = sorted({first + timedelta(days=c) for c in cuts} - {first})
    bounds = [first, *(d for d in inner if d <= last), last + DAY]
    billed: list[Period] = []
    for low, high in itertools.pairwise(bounds):
        billed.extend(due(s, low, high - DAY))
    everything = list(periods(s, last))
    expected = [p for p in everything if first <= billing_date(s, p) <= last]
    assert billed == expected
    assert len(set(billed)) == len(billed)
    assert due(s, first, last) == expected


@given(schedules(), st.integers(0, 1000), st.integers(0, 60))
def test_an_inactive_schedule_has_nothing_due(s: Schedule, offset: int, length: int) -> None:
    first = s.start + timedelta(days=offset)
    assert due(attrs.evolve(s, active=False), first, first + timedelta(days=length)) == []


# -- proration ----------------------------------------------------------------------------


def expected_share(quantity: Decimal, days: int, full_days: int) -> Decimal:
    exact = Fraction(quantity) * days / full_days
    shifted = exact * 10**6
    whole = abs(shifted.numerator) // shifted.denominator
    if abs(shifted) - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole if shifted >= 0 else -whole) / 10**6).quantize(Decimal("1e-6"))


def product_lines(lines: tuple[object, ...]) -> list[ProductLine]:
    return [line for line in lines if isinstance(line, ProductLine)]


@given(schedules(Proration.DAILY))
def test_daily_one_version_bills_the_full_quantity_for_a_full_period(s: Schedule) -> None:
    for period in periods(s, horizon(s)):
        full = full_period(s, period)
        assert full.end == period.end or period.end == s.end
        assert full.start == period.start or period.start == s.start
        billed = lines_for(s, period)
        assert [type(line) for line in billed] == [type(line) for line in LINES]
        for line, source in zip(product_lines(billed), product_lines(LINES), strict=True):
            assert (line.period_start, line.period_end) == (period.start, period.end)
            if period == full:
                assert line.quantity == source.quantity
            else:
                assert line.quantity == expected_share(source.quantity, period.days, full.days)


@given(schedules(Proration.DAILY), st.integers(1, 1200), st.decimals("0.01", "99", places=2))
def test_daily_a_change_splits_the_period_into_shares_of_its_days(
    s: Schedule, offset: int, quantity: Decimal
) -> None:
    change = s.start + timedelta(days=offset)
    assume(s.end is None or change <= s.end)
    changed = s.with_version(change, (product("Hosting plus", str(quantity), "450"),), AT)
    for period in periods(changed, horizon(s)):
        full = full_period(changed, period)
        billed = product_lines(lines_for(changed, period))
        covered = sorted({Period(line.period_start, line.period_end) for line in billed})  # type: ignore[arg-type]
        assert covered[0].start == period.start
        assert covered[-1].end == period.end
        for before, after in itertools.pairwise(covered):
            assert after.start == before.end + DAY  # they meet at the change: no gap, no overlap
        assert sum(share.days for share in covered) == period.days
        for line in billed:
            assert line.period_start is not None
            assert line.period_end is not None
            share = (line.period_end - line.period_start).days + 1
            new = line.description == "Hosting plus"
            assert new == (line.period_start >= change)
            source = (
                quantity
                if new
                else next(
                    p.quantity for p in product_lines(LINES) if p.description == line.description
                )
            )
            if share == full.days:
                assert line.quantity == source
            else:
                assert line.quantity == expected_share(source, share, full.days)


@given(schedules(Proration.NONE), st.integers(1, 1200))
def test_none_bills_whole_periods_at_the_version_of_their_first_day(
    s: Schedule, offset: int
) -> None:
    change = s.start + timedelta(days=offset)
    assume(s.end is None or change <= s.end)
    changed = s.with_version(change, (product("Hosting plus", "3", "450"),), AT)
    for period in periods(changed, horizon(s)):
        billed = product_lines(lines_for(changed, period))
        expected = (
            [product("Hosting plus", "3", "450")]
            if period.start >= change
            else product_lines(LINES)
        )
        assert [
            attrs.evolve(line, period_start=None, period_end=None) for line in billed
        ] == expected
        assert all(
            (line.period_start, line.period_end) == (period.start, period.end) for line in billed
        )


@given(st.decimals("-1000", "1000", places=6), st.integers(1, 400), st.integers(1, 400))
def test_prorate_rounds_once_half_away_from_zero(quantity: Decimal, a: int, b: int) -> None:
    days, full = min(a, b), max(a, b)
    share = prorate(quantity, days, full)
    assert share == expected_share(quantity, days, full)
    assert -int(share.as_tuple().exponent) <= 6  # a quantity faktura accepts
    ProductLine("x", share, Decimal(1), VatCategory.S, Decimal(25))


@pytest.mark.parametrize(
    ("quantity", "days", "full", "share"),
    [
        ("0.000001", 1, 2, "0.000001"),  # a tie rounds away from zero, not to even
        ("0.000003", 1, 2, "0.000002"),
        ("-0.000003", 1, 2, "-0.000002"),
        ("1", 1, 3, "0.333333"),
        ("2", 2, 3, "1.333333"),
        ("3", 10, 30, "1"),
        ("0.000001", 1, 3, "0"),
    ],
)
def test_prorate_examples(quantity: str, days: int, full: int, share: str) -> None:
    assert str(prorate(Decimal(quantity), days, full)) == share


# -- examples -----------------------------------------------------------------------------


def test_quarterly_and_yearly() -> None:
    assert spans(schedule(date(2026, 1, 1), Cadence.quarterly()), date(2026, 12, 31)) == [
        "2026-01-01..2026-03-31",
        "2026-04-01..2026-06-30",
        "2026-07-01..2026-09-30",
        "2026-10-01..2026-12-31",
    ]
    assert spans(schedule(date(2026, 3, 15), Cadence.yearly()), date(2028, 3, 15)) == [
        "2026-03-15..2027-03-14",
        "2027-03-15..2028-03-14",
        "2028-03-15..2029-03-14",
    ]


def test_a_january_31_anchor_clamps_to_february_and_returns_to_the_31st() -> None:
    s = schedule(date(2025, 1, 31))
    assert spans(s, date(2025, 5, 1)) == [
        "2025-01-31..2025-02-27",
        "2025-02-28..2025-03-30",
        "2025-03-31..2025-04-29",
        "2025-04-30..2025-05-30",
    ]


def test_a_february_29_start_bills_yearly_on_the_last_day_of_february() -> None:
    s = schedule(date(2024, 2, 29), Cadence.yearly())
    assert [p.start for p in periods(s, date(2028, 12, 31))] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_a_start_off_the_anchor_begins_with_a_stub() -> None:
    s = schedule(date(2026, 1, 15), anchor_day=1, end=date(2026, 4, 10))
    found = list(periods(s, date(2027, 1, 1)))
    assert [str(p) for p in found] == [
        "2026-01-15..2026-01-31",
        "2026-02-01..2026-02-28",
        "2026-03-01..2026-03-31",
        "2026-04-01..2026-04-10",
    ]
    assert str(full_period(s, found[0])) == "2026-01-01..2026-01-31"
    assert str(full_period(s, found[-1])) == "2026-04-01..2026-04-30"
    # a stub to the anchor later in the start's own month; the quarter it completes
    q = schedule(date(2026, 1, 10), Cadence.quarterly(), anchor_day=20)
    stub, *_ = periods(q, date(2026, 1, 31))
    assert str(stub) == "2026-01-10..2026-01-19"
    assert str(full_period(q, stub)) == "2025-10-20..2026-01-19"


def test_daily_proration_of_a_stub_and_a_cut_last_period() -> None:
    s = schedule(date(2026, 1, 15), anchor_day=1, end=date(2026, 3, 10))
    stub, whole, last = periods(s, date(2026, 12, 31))
    assert [line.quantity for line in product_lines(lines_for(s, stub))] == [
        Decimal("0.548387"),  # 17 / 31
        Decimal("1.370968"),  # 2.5 × 17 / 31
    ]
    assert [line.quantity for line in product_lines(lines_for(s, whole))] == [
        Decimal(1),
        Decimal("2.5"),
    ]
    assert [line.quantity for line in product_lines(lines_for(s, last))] == [
        Decimal("0.322581"),  # 10 / 31
        Decimal("0.806452"),
    ]
    whole_billed = attrs.evolve(s, proration=Proration.NONE)
    assert [line.quantity for line in product_lines(lines_for(whole_billed, stub))] == [
        Decimal(1),
        Decimal("2.5"),
    ]


def test_in_arrears_a_period_is_billed_the_day_after_it_ends() -> None:
    s = schedule(date(2026, 1, 1), timing=Timing.ARREARS, end=date(2026, 3, 15))
    assert [str(p) for p in due(s, date(2026, 1, 1), date(2026, 1, 31))] == []
    assert [str(p) for p in due(s, date(2026, 2, 1), date(2026, 2, 1))] == [
        "2026-01-01..2026-01-31"
    ]
    assert [str(p) for p in due(s, date(2026, 3, 2), date(2026, 12, 31))] == [
        "2026-03-01..2026-03-15"
    ]
    assert billing_date(s, Period(date(2026, 3, 1), date(2026, 3, 15))) == date(2026, 3, 16)


def test_the_end_cuts_the_last_period_and_nothing_follows() -> None:
    s = schedule(date(2026, 1, 1), Cadence.days(7), end=date(2026, 1, 17))
    assert spans(s, date(2027, 1, 1)) == [
        "2026-01-01..2026-01-07",
        "2026-01-08..2026-01-14",
        "2026-01-15..2026-01-17",
    ]
    assert due(s, date(2026, 1, 18), date(2027, 1, 1)) == []


def test_the_calendar_stops_at_the_last_date_there_is() -> None:
    s = schedule(date(9999, 11, 15), timing=Timing.ARREARS)
    assert spans(s, date.max) == ["9999-11-15..9999-12-14", "9999-12-15..9999-12-31"]
    assert [str(p) for p in due(s, date(9999, 1, 1), date.max)] == ["9999-11-15..9999-12-14"]
    with pytest.raises(ValidationError) as caught:
        billing_date(s, Period(date(9999, 12, 15), date.max))
    assert caught.value.field == "period"


def test_period_ids_are_stable_faktura_ids() -> None:
    longest = "s" * MAX_SCHEDULE_ID
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert period_id("sub-1", period) == "sub-1.20260101"
    assert len(check_id(period_id(longest, period), "id")) == MAX_ID
    with pytest.raises(ValidationError) as caught:
        Schedule(
            longest + "s",
            "co",
            "cu",
            Cadence.monthly(),
            Timing.ADVANCE,
            date(2026, 1, 1),
            (ScheduleVersion(date(2026, 1, 1), LINES),),
            AT,
            AT,
        )
    assert caught.value.field == "id"


def test_a_change_within_a_period_under_none_waits_for_the_next_period() -> None:
    s = schedule(date(2026, 1, 1), proration=Proration.NONE)
    changed = s.with_version(date(2026, 2, 10), (product("Hosting plus", "1", "450"),), AT)
    assert changed.updated_at == AT
    assert len(changed.versions) == 2
    _, february, march = periods(changed, date(2026, 3, 1))
    assert [line.description for line in product_lines(lines_for(changed, february))] == [
        "Hosting",
        "Support",
    ]
    assert [line.description for line in product_lines(lines_for(changed, march))] == [
        "Hosting plus"
    ]


def test_lines_for_refuses_a_period_not_of_the_schedule() -> None:
    s = schedule(date(2026, 1, 1))
    for wrong in (
        Period(date(2026, 1, 2), date(2026, 1, 31)),
        Period(date(2026, 1, 1), date(2026, 1, 30)),
    ):
        with pytest.raises(ValidationError) as caught:
            lines_for(s, wrong)
        assert caught.value.field == "period"


BAD = [
    ({"anchor_day": 0}, "anchor_day"),
    ({"anchor_day": 32}, "anchor_day"),
    ({"anchor_day": 1, "cadence": Cadence.days(7)}, "anchor_day"),
    ({"end": date(2025, 12, 31)}, "end"),
    ({"end": "2026-12-31"}, "end"),
    ({"start": datetime(2026, 1, 1, tzinfo=UTC)}, "start"),
    ({"timing": "later"}, "timing"),
    ({"proration": "weekly"}, "proration"),
    ({"active": "yes"}, "active"),
    ({"cadence": "monthly"}, "cadence"),
    ({"created_at": datetime(2026, 1, 1)}, "created_at"),
    ({"id": "a" * (MAX_SCHEDULE_ID + 1)}, "id"),
    ({"versions": ()}, "versions"),
    ({"versions": ("x",)}, "versions.0"),
    ({"versions": (ScheduleVersion(date(2026, 1, 2), LINES),)}, "versions.0.effective"),
    (
        {
            "versions": (
                ScheduleVersion(date(2026, 1, 1), LINES),
                ScheduleVersion(date(2026, 1, 1), LINES),
            )
        },
        "versions.1.effective",
    ),
    (
        {
            "versions": (
                ScheduleVersion(date(2026, 1, 1), LINES),
                ScheduleVersion(date(2025, 6, 1), LINES),
            )
        },
        "versions.1.effective",
    ),
    (
        {
            "end": date(2026, 6, 30),
            "versions": (
                ScheduleVersion(date(2026, 1, 1), LINES),
                ScheduleVersion(date(2026, 7, 1), LINES),
            ),
        },
        "versions.1.effective",
    ),
]


@pytest.mark.parametrize(("changes", "field"), BAD, ids=[field for _, field in BAD])
def test_bad_schedules_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    values = {
        "id": "sub-1",
        "company_id": "co",
        "customer_id": "cu",
        "cadence": Cadence.monthly(),
        "timing": Timing.ADVANCE,
        "start": date(2026, 1, 1),
        "versions": (ScheduleVersion(date(2026, 1, 1), LINES),),
        "created_at": AT,
        "updated_at": AT,
    } | changes
    with pytest.raises(ValidationError) as caught:
        Schedule(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_bad_versions_and_cadences_are_refused_naming_the_field() -> None:
    cases = [
        (lambda: Cadence(Unit.MONTH, 0), "cadence.count"),
        (lambda: Cadence(Unit.MONTH, 121), "cadence.count"),
        (lambda: Cadence.days(3661), "cadence.count"),
        (lambda: Cadence("weeks", 1), "cadence.unit"),  # type: ignore[arg-type]
        (lambda: ScheduleVersion(date(2026, 1, 1), (TextLine("only text"),)), "lines"),
        (lambda: ScheduleVersion(date(2026, 1, 1), ("x",)), "lines.0"),  # type: ignore[arg-type]
        (lambda: ScheduleVersion("2026-01-01", LINES), "effective"),  # type: ignore[arg-type]
        (
            lambda: ScheduleVersion(
                date(2026, 1, 1),
                (
                    attrs.evolve(
                        product(), period_start=date(2026, 1, 1), period_end=date(2026, 1, 31)
                    ),
                ),
            ),
            "lines.0.period_start",
        ),
    ]
    build: Callable[[], object]
    for build, field in cases:
        with pytest.raises(ValidationError) as caught:
            build()
        assert caught.value.field == field, field
    s = schedule(date(2026, 1, 1), end=date(2026, 12, 31))
    for effective in (date(2026, 1, 1), date(2025, 1, 1), date(2027, 1, 1)):
        with pytest.raises(ValidationError) as caught:
            s.with_version(effective, LINES, AT)
        assert caught.value.field == "effective"
    with pytest.raises(ValidationError) as caught:
        s.with_version(date(2026, 5, 1), (TextLine("x"),), AT)
    assert caught.value.field == "lines"
    # a version's own errors keep its path inside the schedule's versions
    assert s.with_version(date(2026, 5, 1), LINES, AT).versions[1].effective == date(2026, 5, 1)


# -- windows and the host's clock ---------------------------------------------------------


def test_windows_parse_months_quarters_days_and_ranges() -> None:
    assert parse_window("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert parse_window("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert parse_window("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert parse_window("2026-q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert parse_window("2026-12-07") == (date(2026, 12, 7), date(2026, 12, 7))
    assert parse_window(" 2026-12-01..2026-12-15 ") == (date(2026, 12, 1), date(2026, 12, 15))
    for bad in (
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-02-30",
        "2026-12-15..2026-12-01",
        "December",
        "",
        "2026-1",
        "２０２６-12",
        "0000-01",
        202612,
        None,
    ):
        with pytest.raises(ValidationError) as caught:
            parse_window(bad)
        assert caught.value.field == "period", bad


@given(st.dates())
def test_the_current_month_holds_today(today: date) -> None:
    first, last = current_month(today)
    assert first.day == 1
    assert first <= today <= last
    assert (last + DAY).day == 1
    assert first.month == last.month


def test_the_hosts_time_zone_decides_the_month_at_a_month_boundary() -> None:
    # The host's clock (faktura.ports.SystemClock(tz=...)) says which day it is; the same
    # instant is another day, and here another month, in another zone.
    instant = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    kiritimati = instant.astimezone(ZoneInfo("Pacific/Kiritimati")).date()  # UTC+14
    adak = instant.astimezone(ZoneInfo("America/Adak")).date()  # UTC-10 in December
    assert (kiritimati, adak) == (date(2027, 1, 1), date(2026, 12, 31))
    assert current_month(kiritimati) == parse_window("2027-01")
    assert current_month(adak) == parse_window("2026-12")
    # a billing run on that day bills different periods depending on the host's zone
    s = schedule(date(2026, 1, 1))
    assert [str(p) for p in due(s, *current_month(kiritimati))] == ["2027-01-01..2027-01-31"]
    assert [str(p) for p in due(s, *current_month(adak))] == ["2026-12-01..2026-12-31"]
