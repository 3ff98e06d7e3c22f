"""Recurring invoices: a customer's schedule, and the pure calendar of what it bills when.

(Model first; the calendar functions follow in this module.)
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from faktura.checks import check_date, check_id, check_int, check_optional_date, check_text
from faktura.errors import ValidationError
from faktura.lines import Line, ProductLine
from faktura.terms import PaymentTerms

__all__ = [
    "Cadence",
    "Proration",
    "Schedule",
    "ScheduleVersion",
    "Timing",
    "Unit",
]


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
    """What the schedule bills from ``effective`` on (until the next version's date)."""

    effective: date
    lines: tuple[Line, ...]

    def __attrs_post_init__(self) -> None:
        check_date(self.effective, "effective")
        if not any(isinstance(line, ProductLine) for line in self.lines):
            raise ValidationError("must hold at least one product line", field="lines")


@attrs.frozen
class Schedule:
    """A customer's recurring invoice (see the module)."""

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
        check_id(self.company_id, "company_id")
        check_id(self.customer_id, "customer_id")
        check_date(self.start, "start")
        check_optional_date(self.end, "end")
        if self.end is not None and self.end < self.start:
            raise ValidationError("must not be before the start", field="end", rule="range")
        if self.anchor_day is not None:
            check_int(self.anchor_day, "anchor_day", 1, 31)
        if self.description is not None:
            check_text(self.description, "description", limit=1000)
        if not self.versions:
            raise ValidationError("at least one version is needed", field="versions")
