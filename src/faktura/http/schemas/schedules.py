"""The schedule endpoints' bodies and answers (a customer's recurring invoice), and their
mapping to the domain's ``NewSchedule`` and ``ScheduleChanges``.

A schedule's lines are invoice lines (``LineInput``: the same JSON as a draft's lines);
its answer carries every version (what it bills from which date on) and its version
number (the ETag, for If-Match on edits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from faktura.commands import LineInput, NewSchedule, ScheduleChanges
from faktura.fields import describe
from faktura.http.schemas.common import _present
from faktura.schedules import Cadence, Proration, Schedule, ScheduleVersion, Timing, Unit
from faktura.terms import PaymentTerms, TermsKind
from faktura.wire import line_input_of

__all__ = [
    "CadenceWire",
    "CreateScheduleRequest",
    "ScheduleLine",
    "ScheduleLinesRequest",
    "SchedulePage",
    "ScheduleResponse",
    "ScheduleVersionWire",
    "UpdateScheduleRequest",
    "new_schedule",
    "schedule_changes",
    "schedule_wire",
]

_LINES = (
    "What each period bills: invoice lines, as a draft's (a product line's quantity is "
    "per full period; a line's own periodStart/periodEnd are left out: a billed line's "
    "period is the period it bills)"
)


@attrs.frozen
class CadenceWire:
    """How often a schedule bills: every ``count`` days or months (monthly: month 1,
    quarterly: month 3, yearly: month 12)."""

    unit: Unit = attrs.field(metadata=describe("What the cadence counts: day or month"))
    count: int = attrs.field(
        default=1,
        metadata=describe(
            "How many of them a period holds (1-120 months, 1-3660 days); default 1",
            minimum=1,
            maximum=3660,
            nullable=False,
        ),
    )


@attrs.frozen
class CreateScheduleRequest:
    """The body of "Create a schedule": a customer's recurring invoice."""

    customer_id: str = attrs.field(metadata=describe("The customer billed", maxLength=200))
    lines: list[LineInput] = attrs.field(metadata=describe(_LINES))
    start: dt.date = attrs.field(
        metadata=describe("The first day of the first period (ISO date, YYYY-MM-DD)")
    )
    cadence: CadenceWire | None = attrs.field(
        default=None, metadata=describe("How often it bills; default every month", nullable=False)
    )
    timing: Timing | None = attrs.field(
        default=None,
        metadata=describe(
            "When a period is billed: on its first day (advance, the default) or on the "
            "day after its last (arrears)",
            nullable=False,
        ),
    )
    end: dt.date | None = attrs.field(
        default=None,
        metadata=describe("The last day billed (ISO date); null or left out: runs on"),
    )
    anchor_day: int | None = attrs.field(
        default=None,
        metadata=describe(
            "The day of the month periods of a month cadence begin on (1-31, the last "
            "day in shorter months); default the start's day. A day cadence takes none",
            minimum=1,
            maximum=31,
        ),
    )
    proration: Proration | None = attrs.field(
        default=None,
        metadata=describe(
            "How a period the start, the end or a change of lines splits is billed: by "
            "day (daily, the default) or whole at the lines in effect on its first day "
            "(none)",
            nullable=False,
        ),
    )
    currency: str | None = attrs.field(
        default=None,
        metadata=describe(
            "Currency code (ISO 4217); default the customer's (else the company's) when "
            "each invoice is made"
        ),
    )
    payment_terms: int | None = attrs.field(
        default=None,
        metadata=describe(
            "Payment terms in days; default the customer's (else the company's) when each "
            "invoice is made"
        ),
    )
    channel: str | None = attrs.field(
        default=None,
        metadata=describe(
            "The delivery channel a billing run sends each invoice over (a configured "
            'delivery type, e.g. "einvoice"); null: booked, not sent'
        ),
    )
    description: str | None = attrs.field(
        default=None, metadata=describe("What the schedule is for (up to 1000 characters)")
    )


@attrs.frozen
class UpdateScheduleRequest:
    """The body of "Edit a schedule": the settings it names; null clears an optional one.
    What it bills changes from a date instead ("Change a schedule's lines")."""

    end: dt.date | None = attrs.field(
        default=None, metadata=describe("The last day billed (ISO date); null: runs on")
    )
    active: bool | None = attrs.field(
        default=None,
        metadata=describe("false pauses it (no period is billed while paused)", nullable=False),
    )
    channel: str | None = attrs.field(
        default=None,
        metadata=describe("The delivery channel a billing run sends over; null: not sent"),
    )
    payment_terms: int | None = attrs.field(
        default=None,
        metadata=describe("Payment terms in days; null: the customer's (else the company's)"),
    )
    description: str | None = attrs.field(
        default=None, metadata=describe("What the schedule is for; null clears it")
    )


@attrs.frozen
class ScheduleLinesRequest:
    """The body of "Change a schedule's lines": bill ``lines`` from ``effective`` on."""

    effective: dt.date = attrs.field(
        metadata=describe(
            "The first day the lines are billed (ISO date): after the last change, not "
            "after the schedule's end. A period it splits is prorated as the schedule says"
        )
    )
    lines: list[LineInput] = attrs.field(metadata=describe(_LINES))


@attrs.frozen
class ScheduleLine(LineInput):
    """A line a schedule bills (the fields of an invoice line)."""


@attrs.frozen
class ScheduleVersionWire:
    """What the schedule bills from ``effective`` on (until the next version's date)."""

    effective: dt.date = attrs.field(metadata=describe("The first day billed (ISO date)"))
    lines: list[ScheduleLine] = attrs.field(metadata=describe("The lines billed"))


@attrs.frozen
class ScheduleResponse:
    """A customer's recurring invoice."""

    id: str = attrs.field(metadata=describe("Schedule ID"))
    customer_id: str = attrs.field(metadata=describe("The customer billed"))
    cadence: CadenceWire = attrs.field(metadata=describe("How often it bills"))
    timing: Timing = attrs.field(metadata=describe("When a period is billed"))
    start: dt.date = attrs.field(metadata=describe("The first day of the first period"))
    end: dt.date | None = attrs.field(metadata=describe("The last day billed; null: runs on"))
    anchor_day: int | None = attrs.field(
        metadata=describe("The day of the month periods begin on (month cadences)")
    )
    proration: Proration = attrs.field(metadata=describe("How a split period is billed"))
    currency: str | None = attrs.field(
        metadata=describe("Currency code; null: the customer's (else the company's)")
    )
    payment_terms: int | None = attrs.field(
        metadata=describe("Payment terms in days; null: the customer's (else the company's)")
    )
    channel: str | None = attrs.field(
        metadata=describe("The delivery channel a run sends over; null: booked, not sent")
    )
    description: str | None = attrs.field(metadata=describe("What the schedule is for"))
    active: bool = attrs.field(metadata=describe("false: paused"))
    version: int = attrs.field(
        metadata=describe("Its version, counting edits (the ETag, for If-Match)")
    )
    lines: list[ScheduleLine] = attrs.field(metadata=describe("The lines of its latest version"))
    versions: list[ScheduleVersionWire] = attrs.field(
        metadata=describe("What it bills from which date on, in date order")
    )
    created_at: dt.datetime = attrs.field(metadata=describe("Creation timestamp (ISO)"))
    updated_at: dt.datetime = attrs.field(metadata=describe("Last update timestamp (ISO)"))


@attrs.frozen
class SchedulePage:
    """A page of "List schedules", by id; ``next`` is the ``after`` of the next page."""

    items: list[ScheduleResponse] = attrs.field(metadata=describe("Schedules on this page"))
    next: str | None = attrs.field(
        metadata=describe("Pass as after for the next page; null on the last page")
    )


# -- requests → domain ---------------------------------------------------------------


def new_schedule(request: CreateScheduleRequest) -> NewSchedule:
    """The ``Billing.create_schedule`` command of a create body (a bad cadence is a
    ValidationError naming ``cadence.count`` or ``cadence.unit``)."""
    given: dict[str, Any] = {
        "customer_id": request.customer_id,
        "lines": request.lines,
        "start": request.start,
        "end": request.end,
        "anchor_day": request.anchor_day,
        "currency": request.currency,
        "payment_terms": request.payment_terms,
        "channel": request.channel,
        "description": request.description,
    }
    if request.cadence is not None:
        given["cadence"] = Cadence(request.cadence.unit, request.cadence.count)
    if request.timing is not None:
        given["timing"] = request.timing
    if request.proration is not None:
        given["proration"] = request.proration
    return NewSchedule(**given)


def schedule_changes(data: Mapping[str, Any], request: UpdateScheduleRequest) -> ScheduleChanges:
    """The ``Billing.update_schedule`` command of an edit body: the fields it names."""
    return ScheduleChanges(**_present(data, request))


# -- domain → responses --------------------------------------------------------------


def _days(terms: PaymentTerms | None) -> int | None:
    return terms.days if terms is not None and terms.kind is TermsKind.NET else None


def _version_wire(version: ScheduleVersion) -> ScheduleVersionWire:
    return ScheduleVersionWire(
        version.effective,
        [
            ScheduleLine(**attrs.asdict(line_input_of(line), recurse=False))
            for line in version.lines
        ],
    )


def schedule_wire(schedule: Schedule) -> ScheduleResponse:
    """A schedule as the API answers it."""
    versions = [_version_wire(version) for version in schedule.versions]
    return ScheduleResponse(
        id=schedule.id,
        customer_id=schedule.customer_id,
        cadence=CadenceWire(schedule.cadence.unit, schedule.cadence.count),
        timing=schedule.timing,
        start=schedule.start,
        end=schedule.end,
        anchor_day=schedule.anchor_day,
        proration=schedule.proration,
        currency=schedule.currency,
        payment_terms=_days(schedule.payment_terms),
        channel=schedule.channel,
        description=schedule.description,
        active=schedule.active,
        version=schedule.version,
        lines=versions[-1].lines,
        versions=versions,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )
