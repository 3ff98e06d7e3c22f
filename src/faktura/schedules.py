"""Recurring invoices: a customer's schedule, and the pure calendar of what it bills when.

A ``Schedule`` bills a customer every ``cadence`` (some days or months) from ``start``
until ``end`` (its last day of service, or open-ended), each ``Period`` either on its
first day (``Timing.ADVANCE``) or on the day after its last (``Timing.ARREARS``). What
it bills is its ``ScheduleVersion`` in effect; a change of price or content is a new
version from a date on (``Schedule.with_version``), and a period that a change splits
is billed by day or whole (``Proration``).

Everything here is pure: no clock. Every "today" is a parameter; the host's clock (and
its time zone) decides which day today is (``faktura.ports.SystemClock``), and
``current_month`` and ``parse_window`` turn that day, or a window's text, into the
first and last day a billing run covers.

>>> from datetime import date
>>> [str(p) for p in periods_of(Cadence.monthly(), date(2024, 1, 31), date(2024, 4, 29))]
['2024-01-31..2024-02-28', '2024-02-29..2024-03-30', '2024-03-31..2024-04-29']
>>> parse_window("2026-Q4")
(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import attrs

from faktura.checks import (
    MAX_ID,
    check_bool,
    check_date,
    check_enum,
    check_id,
    check_instance,
    check_int,
    check_optional_date,
    check_text,
    check_timestamp,
    check_tuple,
    normalize,
)
from faktura.errors import ValidationError
from faktura.lines import Line, ProductLine, SeparatorLine, TextLine
from faktura.money import MAX_PLACES, div, exact_context, mul
from faktura.terms import PaymentTerms

__all__ = [
    "MAX_SCHEDULE_ID",
    "PRORATED_PLACES",
    "Cadence",
    "Period",
    "Proration",
    "Schedule",
    "ScheduleVersion",
    "Timing",
    "Unit",
    "billing_date",
    "current_month",
    "due",
    "full_period",
    "lines_for",
    "parse_window",
    "period_id",
    "periods",
    "periods_of",
    "prorate",
]

#: What ``period_id`` appends to a schedule's id: a dot and the period's first day
#: (``.20260101``).
_PERIOD_SUFFIX = len(".YYYYMMDD")
#: The longest schedule id: its periods' ids (the invoices' ids) must be faktura ids.
MAX_SCHEDULE_ID = MAX_ID - _PERIOD_SUFFIX
#: The decimals a prorated quantity keeps (faktura's most for a quantity).
PRORATED_PLACES = MAX_PLACES
_ONE_DAY = timedelta(days=1)
_LINE_TYPES = ProductLine | TextLine | SeparatorLine


class Unit(enum.StrEnum):
    """What a cadence counts."""

    DAY = "day"
    MONTH = "month"


@attrs.frozen
class Cadence:
    """Every ``count`` days or months (monthly: 1 month; quarterly: 3; yearly: 12)."""

    unit: Unit
    count: int = 1

    def __attrs_post_init__(self) -> None:
        normalize(self, "unit", check_enum(self.unit, Unit, "cadence.unit"))
        check_int(self.count, "cadence.count", 1, 3660 if self.unit is Unit.DAY else 120)

    @classmethod
    def monthly(cls) -> Cadence:
        return cls(Unit.MONTH, 1)

    @classmethod
    def quarterly(cls) -> Cadence:
        return cls(Unit.MONTH, 3)

    @classmethod
    def yearly(cls) -> Cadence:
        return cls(Unit.MONTH, 12)

    @classmethod
    def days(cls, count: int) -> Cadence:
        return cls(Unit.DAY, count)

    @classmethod
    def months(cls, count: int) -> Cadence:
        return cls(Unit.MONTH, count)


class Timing(enum.StrEnum):
    """When a period is billed: on its first day (in advance) or on the day after its
    last (in arrears)."""

    ADVANCE = "advance"
    ARREARS = "arrears"


class Proration(enum.StrEnum):
    """How a period that a change (or the schedule's start or end) splits is billed:
    by day, or whole at the terms in effect on the period's first day."""

    DAILY = "daily"
    NONE = "none"


@attrs.frozen
class ScheduleVersion:
    """What the schedule bills from ``effective`` on (until the next version's date).

    The product lines carry no period of their own (``period_start``/``period_end``):
    ``lines_for`` sets them to the days each line bills."""

    effective: date
    lines: tuple[Line, ...]

    def __attrs_post_init__(self) -> None:
        check_date(self.effective, "effective")
        normalize(self, "lines", check_tuple(self.lines, _LINE_TYPES, "lines"))
        if not any(isinstance(line, ProductLine) for line in self.lines):
            raise ValidationError("must hold at least one product line", field="lines")
        for index, line in enumerate(self.lines):
            if isinstance(line, ProductLine) and line.period_start is not None:
                raise ValidationError(
                    "a scheduled line's period is the period it bills: leave it out",
                    field=f"lines.{index}.period_start",
                    rule="scheduled_period",
                )


@attrs.frozen
class Schedule:
    """A customer's recurring invoice (see the module).

    ``versions`` run in order of ``effective`` date, each strictly after the one
    before; the first is in effect on ``start`` (its date is ``start`` or earlier) and
    none starts after ``end``. ``anchor_day`` (1-31) is the day of the month periods
    of a month cadence begin on (``start``'s day when not given); a day cadence takes
    none. The id leaves room for a period's suffix (``MAX_SCHEDULE_ID``)."""

    id: str
    company_id: str
    customer_id: str
    cadence: Cadence
    timing: Timing
    start: date
    versions: tuple[ScheduleVersion, ...]
    created_at: datetime
    updated_at: datetime
    currency: str | None = None
    payment_terms: PaymentTerms | None = None
    channel: str | None = None
    end: date | None = None
    anchor_day: int | None = None
    proration: Proration = Proration.DAILY
    description: str | None = None
    active: bool = True
    version: int = 1

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        if len(self.id) > MAX_SCHEDULE_ID:
            raise ValidationError(
                f"must be at most {MAX_SCHEDULE_ID} characters (a period's invoice id "
                f"adds {_PERIOD_SUFFIX})",
                field="id",
                rule="length",
            )
        check_id(self.company_id, "company_id")
        check_id(self.customer_id, "customer_id")
        check_instance(self.cadence, Cadence, "cadence")
        normalize(self, "timing", check_enum(self.timing, Timing, "timing"))
        normalize(self, "proration", check_enum(self.proration, Proration, "proration"))
        check_date(self.start, "start")
        check_optional_date(self.end, "end")
        if self.end is not None and self.end < self.start:
            raise ValidationError("must not be before the start", field="end", rule="range")
        if self.anchor_day is not None:
            if self.cadence.unit is Unit.DAY:
                raise ValidationError(
                    "a day cadence counts days from the start: it takes no anchor day",
                    field="anchor_day",
                    rule="anchor_with_days",
                )
            check_int(self.anchor_day, "anchor_day", 1, 31)
        check_timestamp(self.created_at, "created_at")
        check_timestamp(self.updated_at, "updated_at")
        if self.description is not None:
            check_text(self.description, "description", limit=1000)
        check_bool(self.active, "active")
        check_int(self.version, "version", 1, 2**63 - 1)
        normalize(self, "versions", check_tuple(self.versions, ScheduleVersion, "versions"))
        if not self.versions:
            raise ValidationError("at least one version is needed", field="versions")
        _check_versions(self.versions, self.start, self.end)

    def with_version(self, effective: date, lines: Iterable[Line], at: datetime) -> Schedule:
        """This schedule with a new version billing ``lines`` from ``effective`` on
        (updated ``at``). ``effective`` must be after the last version's date and not
        after ``end``; under ``Proration.NONE`` a change within a period takes effect
        from the next period."""
        check_date(effective, "effective")
        check_timestamp(at, "at")
        last = self.versions[-1].effective
        if effective <= last:
            raise ValidationError(
                f"must be after the last version's date ({last.isoformat()})",
                field="effective",
                rule="order",
            )
        if self.end is not None and effective > self.end:
            raise ValidationError(
                "must not be after the schedule's end", field="effective", rule="range"
            )
        added = ScheduleVersion(effective, tuple(lines))
        return attrs.evolve(self, versions=(*self.versions, added), updated_at=at)


def _check_versions(versions: tuple[ScheduleVersion, ...], start: date, end: date | None) -> None:
    if versions[0].effective > start:
        raise ValidationError(
            "the first version must be in effect on the start (its date no later)",
            field="versions.0.effective",
            rule="range",
        )
    for index in range(1, len(versions)):
        before, this = versions[index - 1].effective, versions[index].effective
        if this <= before:
            raise ValidationError(
                "is the date of the version before"
                if this == before
                else "must be after the date of the version before",
                field=f"versions.{index}.effective",
                rule="unique" if this == before else "order",
            )
        if end is not None and this > end:
            raise ValidationError(
                "must not be after the schedule's end",
                field=f"versions.{index}.effective",
                rule="range",
            )


# -- the calendar -------------------------------------------------------------------------


@attrs.frozen(order=True)
class Period:
    """A run of days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        check_date(self.start, "start")
        check_date(self.end, "end")
        if self.end < self.start:
            raise ValidationError("must not be before the start", field="end", rule="range")

    @property
    def days(self) -> int:
        """How many days it holds (1 for a period of one day)."""
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _anchor_date(index: int, anchor: int) -> date | None:
    """The anchor day of month ``index`` clamped to its length; None outside the years
    a date can hold."""
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    month = month0 + 1
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def _day_before(day: date | None) -> date:
    """The day before ``day``; the last date there is when ``day`` is past it (None)."""
    return date.max if day is None else day - _ONE_DAY


def _plus_days(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _slots(
    cadence: Cadence, anchor_day: int | None, start: date, since: date
) -> Iterator[tuple[Period, Period]]:
    """The uncut periods from ``start`` on, each with the full period the cadence makes
    for it (itself, but for a stub first period), from the first ending on or after
    ``since``; endless (up to the last date there is)."""
    count = cadence.count
    if cadence.unit is Unit.DAY:
        skip = max(0, (since - start).days // count - 1)
        while True:
            first = _plus_days(start, skip * count)
            if first is None:
                return
            period = Period(first, _day_before(_plus_days(first, count)))
            if period.end >= since:
                yield period, period
            if period.end == date.max:
                return
            skip += 1
    anchor = start.day if anchor_day is None else anchor_day
    index = _month_index(start)
    on_anchor = _anchor_date(index, anchor)
    assert on_anchor is not None  # start's own month
    if start != on_anchor:
        if start > on_anchor:
            index += 1
        following = _anchor_date(index, anchor)
        earlier = _anchor_date(index - count, anchor)
        stub_end = _day_before(following)
        stub = Period(start, stub_end)
        if stub_end >= since:
            yield stub, Period(date.min if earlier is None else earlier, stub_end)
        if following is None:
            return
    skip = max(0, (_month_index(since) - index) // count - 1)
    index += skip * count
    while True:
        first = _anchor_date(index, anchor)
        if first is None:
            return
        period = Period(first, _day_before(_anchor_date(index + count, anchor)))
        if period.end >= since:
            yield period, period
        if period.end == date.max:
            return
        index += count


def _cut_slots(schedule: Schedule, since: date) -> Iterator[tuple[Period, Period]]:
    """``_slots`` of the schedule, the last cut at its end."""
    end = schedule.end
    for period, full in _slots(schedule.cadence, schedule.anchor_day, schedule.start, since):
        if end is not None and period.start > end:
            return
        if end is not None and period.end >= end:
            yield Period(period.start, end), full
            return
        yield period, full


def periods_of(
    cadence: Cadence, start: date, until: date, anchor_day: int | None = None
) -> Iterator[Period]:
    """The periods a cadence makes from ``start`` (anchored on ``anchor_day``, for a
    month cadence) that begin on or before ``until``, lazily (the calendar of a
    schedule without an end; see ``periods``)."""
    for period, _ in _slots(cadence, anchor_day, start, start):
        if period.start > until:
            return
        yield period


def periods(schedule: Schedule, until: date) -> Iterator[Period]:
    """The schedule's periods that begin on or before ``until``, in order, lazily.

    They tile the days from ``start`` (to ``end``, when it has one) without gap or
    overlap. A month cadence's periods begin on the anchor day (clamped to each month's
    length, taken anew each month), a stub first reaching the day before the first
    anchor date after ``start`` when ``start`` is not one; a day cadence's are ``count``
    days each. The last is cut at ``end``."""
    check_date(until, "until")
    for period, _ in _cut_slots(schedule, schedule.start):
        if period.start > until:
            return
        yield period


def full_period(schedule: Schedule, period: Period) -> Period:
    """The period the cadence would make where ``period`` is, a period of the schedule:
    ``period`` itself but for a stub first period (the cadence's period ending where
    the stub ends) and a last period cut at ``end`` (the uncut one). ValidationError
    naming ``period`` when it is not one of the schedule's periods."""
    check_instance(period, Period, "period")
    for slot, full in _cut_slots(schedule, period.start):
        if slot == period:
            return full
        break
    raise ValidationError("is not a period of this schedule", field="period", rule="period")


def billing_date(schedule: Schedule, period: Period) -> date:
    """The day ``period`` is billed: its first (in advance) or the day after its last (in
    arrears). ValidationError naming ``period`` for a period in arrears ending on the
    last date there is (it can never be billed)."""
    if schedule.timing is Timing.ADVANCE:
        return period.start
    if period.end == date.max:
        raise ValidationError(
            "ends on the last date there is: it cannot be billed in arrears",
            field="period",
            rule="range",
        )
    return period.end + _ONE_DAY


def due(schedule: Schedule, first: date, last: date) -> list[Period]:
    """The periods billed from ``first`` to ``last`` (both included), in order: those
    whose billing date falls in the window; none for an inactive schedule. Windows that
    tile the time line bill each period exactly once."""
    check_date(first, "first")
    check_date(last, "last")
    if last < first:
        raise ValidationError("must not be before the first day", field="last", rule="range")
    if not schedule.active:
        return []
    arrears = schedule.timing is Timing.ARREARS
    since = first - _ONE_DAY if arrears and first > date.min else first
    found: list[Period] = []
    for period, _ in _cut_slots(schedule, since):
        if period.start > last:
            break
        if arrears and period.end == date.max:
            break
        if first <= billing_date(schedule, period) <= last:
            found.append(period)
    return found


def period_id(schedule_id: str, period: Period) -> str:
    """The id of the invoice billing ``period`` of the schedule ``schedule_id``: the
    schedule's id, a dot and the period's first day (``sub-7.20260101``): stable, one
    per period, a valid faktura id for every schedule id a Schedule accepts."""
    check_id(schedule_id, "schedule_id")
    if len(schedule_id) > MAX_SCHEDULE_ID:
        raise ValidationError(
            f"must be at most {MAX_SCHEDULE_ID} characters", field="schedule_id", rule="length"
        )
    check_instance(period, Period, "period")
    return f"{schedule_id}.{period.start:%Y%m%d}"


# -- what a period bills ------------------------------------------------------------------


def prorate(quantity: Decimal, days: int, full_days: int) -> Decimal:
    """``quantity`` × ``days`` / ``full_days``, rounded once to ``PRORATED_PLACES``
    decimals (half away from zero), trailing zeros dropped; ``quantity`` itself when
    ``days`` is ``full_days``.

    >>> prorate(Decimal(1), 15, 31), prorate(Decimal(3), 10, 30), prorate(Decimal(2), 31, 31)
    (Decimal('0.483871'), Decimal('1'), Decimal('2'))
    """
    if days == full_days:
        return quantity
    context = exact_context()
    exact = div(mul(quantity, Decimal(days)), Decimal(full_days))
    rounded = exact.quantize(Decimal(1).scaleb(-PRORATED_PLACES), ROUND_HALF_UP, context)
    if not rounded:
        return Decimal(0)
    stripped = rounded.normalize(context)
    exponent = stripped.as_tuple().exponent
    assert isinstance(exponent, int)
    return stripped if exponent <= 0 else stripped.quantize(Decimal(1), context=context)


def _billed(lines: tuple[Line, ...], covered: Period, full_days: int) -> Iterator[Line]:
    for line in lines:
        if isinstance(line, ProductLine):
            yield attrs.evolve(
                line,
                quantity=prorate(line.quantity, covered.days, full_days),
                period_start=covered.start,
                period_end=covered.end,
            )
        else:
            yield line


def lines_for(schedule: Schedule, period: Period) -> tuple[Line, ...]:
    """The lines billing ``period`` (one of the schedule's periods), each product line's
    period (BT-134, BT-135) set to the days it bills; text and separator lines as they
    are.

    ``Proration.NONE``: the version in effect on the period's first day bills the whole
    period (a stub or cut period too; a change within a period counts from the next).
    ``Proration.DAILY``: each version in effect for part of the period bills its days,
    its product lines' quantities × those days / the days of the full period (see
    ``full_period``, ``prorate``)."""
    full = full_period(schedule, period)
    versions = schedule.versions
    if schedule.proration is Proration.NONE:
        in_effect = versions[0]
        for version in versions:
            if version.effective <= period.start:
                in_effect = version
        return tuple(_billed(in_effect.lines, period, period.days))
    billed: list[Line] = []
    for index, version in enumerate(versions):
        following = versions[index + 1].effective if index + 1 < len(versions) else None
        first = max(period.start, version.effective)
        last = min(period.end, _day_before(following))
        if first <= last:
            billed.extend(_billed(version.lines, Period(first, last), full.days))
    return tuple(billed)


# -- windows of a billing run -------------------------------------------------------------


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def current_month(today: date) -> tuple[date, date]:
    """The first and last day of ``today``'s month. Which day today is depends on the
    time zone of the clock that says so (``faktura.ports.SystemClock(tz=...).today()``):
    the core is given the day.

    >>> current_month(date(2024, 2, 10))
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    """
    check_date(today, "today")
    return _month(today.year, today.month)


_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])", re.ASCII)
_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_DAYS = re.compile(rf"{_DAY}(?:\.\.{_DAY})?", re.ASCII)


def _day(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(
            f"{year}-{month}-{day} is not a date", field="period", rule="format"
        ) from None


def parse_window(text: object) -> tuple[date, date]:
    """The first and last day of a billing window written as a month (``2026-12``), a
    quarter (``2026-Q4``), a day (``2026-12-07``) or a range of days, both included
    (``2026-12-01..2026-12-15``); ValidationError naming ``period`` otherwise.

    >>> parse_window("2026-12")
    (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    """
    if not isinstance(text, str):
        raise ValidationError("must be text", field="period", rule="type")
    value = text.strip()
    if match := _MONTH.fullmatch(value):
        year, month = int(match[1]), int(match[2])
        if year < 1 or not 1 <= month <= 12:
            raise ValidationError(f"{value} is not a month", field="period", rule="format")
        return _month(year, month)
    if match := _QUARTER.fullmatch(value):
        year, quarter = int(match[1]), int(match[2])
        if year < 1:
            raise ValidationError(f"{value} is not a quarter", field="period", rule="format")
        return _month(year, quarter * 3 - 2)[0], _month(year, quarter * 3)[1]
    if match := _DAYS.fullmatch(value):
        first = _day(match[1], match[2], match[3])
        last = first if match[4] is None else _day(match[4], match[5], match[6])
        if last < first:
            raise ValidationError(
                "the window's last day is before its first", field="period", rule="range"
            )
        return first, last
    shown = value if len(value) <= 30 else value[:30] + "..."
    raise ValidationError(
        f"{shown!r} is not a window: write a month (2026-12), a quarter (2026-Q4), a day "
        "(2026-12-07) or days (2026-12-01..2026-12-15)",
        field="period",
        rule="format",
    )
