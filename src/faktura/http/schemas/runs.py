"""Billing runs and batch booking: their bodies and answers.

A failure names the fields of the document it refused as the API names them (the
invoice's wire names: ``lines.0.unitPrice``), with the rule each breaks.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import attrs

from faktura.billing.runs import BatchBooking, BookingFailure, RunSummary
from faktura.errors import FakturaError, FieldError, ValidationError
from faktura.fields import describe, wire_path_in
from faktura.problems import http_problem
from faktura.wire import (
    CreateDraftRequest,
    InvoiceListItem,
    InvoiceResponse,
    list_item_to_wire,
    unstructure,
)

__all__ = [
    "BatchBookingResponse",
    "BillingRunRequest",
    "BookInvoicesRequest",
    "BookingErrorWire",
    "BookingFailureWire",
    "FieldErrorWire",
    "RunFailureWire",
    "RunSummaryResponse",
    "batch_booking_wire",
    "run_summary_wire",
]

#: The longest window a run over HTTP may bill; a longer one belongs in the CLI.
MAX_RUN_DAYS = 366

_BATCH_SIZE = describe(
    "Documents created and booked per unit of work (1-10000); default 100",
    minimum=1,
    maximum=10_000,
    nullable=False,
)


@attrs.frozen
class BillingRunRequest:
    """The body of "Run billing": the window whose due periods are billed."""

    period: str | None = attrs.field(
        default=None,
        metadata=describe(
            "The window billed: a month (2026-12), a quarter (2026-Q4), a day "
            "(2026-12-07) or days, both included (2026-12-01..2026-12-15), at most "
            f"{MAX_RUN_DAYS} days; null or left out: the current month",
            maxLength=64,
        ),
    )
    batch_size: int | None = attrs.field(default=None, metadata=_BATCH_SIZE)
    deliver: bool | None = attrs.field(
        default=None,
        metadata=describe(
            "Deliver each booked invoice over its schedule's channel (default true); "
            "false books them only",
            nullable=False,
        ),
    )


@attrs.frozen
class FieldErrorWire:
    """One offending field (its wire name), the rule it breaks and why."""

    field: str = attrs.field(metadata=describe('The wire path, e.g. "lines.0.unitPrice"'))
    message: str
    rule: str


@attrs.frozen
class RunFailureWire:
    """A (schedule, period) a run could not take to the end, and why."""

    schedule_id: str
    period_start: dt.date = attrs.field(metadata=describe("The period's first day"))
    period_end: dt.date = attrs.field(metadata=describe("The period's last day"))
    invoice_id: str = attrs.field(
        metadata=describe("The id of the period's invoice (made or to be made)")
    )
    stage: str = attrs.field(
        metadata=describe(
            "Where it stopped: create, book or deliver", enum=["create", "book", "deliver"]
        )
    )
    message: str
    errors: list[FieldErrorWire] = attrs.field(
        metadata=describe("The fields refused, when the input was")
    )


@attrs.frozen
class RunSummaryResponse:
    """What a billing run did for the window first..last."""

    first: dt.date = attrs.field(metadata=describe("The window's first day"))
    last: dt.date = attrs.field(metadata=describe("The window's last day"))
    due: int = attrs.field(metadata=describe("The (schedule, period) pairs due in the window"))
    created: int = attrs.field(metadata=describe("Invoices it created"))
    booked: int = attrs.field(metadata=describe("Invoices it booked"))
    delivered: int = attrs.field(metadata=describe("Invoices it delivered"))
    skipped: int = attrs.field(
        metadata=describe("Periods found done already (billed by an earlier run)")
    )
    failed: list[RunFailureWire] = attrs.field(
        metadata=describe("The periods it could not take to the end, with the reasons")
    )


@attrs.frozen
class BookInvoicesRequest:
    """The body of "Book invoices": the drafts to book, in order."""

    invoice_ids: list[str] = attrs.field(
        metadata=describe("The drafts to book (ids), numbered in this order")
    )
    batch_size: int | None = attrs.field(
        default=None,
        metadata=describe(
            "Drafts booked per unit of work (1-10000); default 100",
            minimum=1,
            maximum=10_000,
            nullable=False,
        ),
    )


@attrs.frozen
class BookingErrorWire:
    """Why a draft was not booked: the error code and message an attempt to book it
    alone answers, and the fields it names."""

    code: str = attrs.field(
        metadata=describe("The error code (SHARED_VALIDATION_FAILED, INVALID_STATE, ...)")
    )
    message: str
    errors: list[FieldErrorWire] = attrs.field(
        metadata=describe("The fields refused (wire names), when the input was")
    )


@attrs.frozen
class BookingFailureWire:
    """A draft that was not booked (no number was used for it)."""

    invoice_id: str
    error: BookingErrorWire


@attrs.frozen
class BatchBookingResponse:
    """What "Book invoices" did: the booked documents in the order given, the refused."""

    booked: list[InvoiceListItem] = attrs.field(
        metadata=describe("The booked invoices with their numbers (GET one for its lines)")
    )
    failed: list[BookingFailureWire] = attrs.field(
        metadata=describe("The drafts not booked, each with its error")
    )


# -- domain → responses --------------------------------------------------------------

#: How a document's errors are named: as a draft's body names them, else its answer.
_INVOICE_SHAPES: Sequence[type] = (CreateDraftRequest, InvoiceResponse)
_invoice_path = functools.partial(wire_path_in, _INVOICE_SHAPES)


def _field_errors(error: ValidationError | None) -> list[FieldErrorWire]:
    if error is None:
        return []
    return [FieldErrorWire(e.path, e.message, e.rule) for e in error.errors]


def _renamed(errors: Sequence[FieldError]) -> ValidationError | None:
    """The errors with the invoice's wire names (None when there are none)."""
    return ValidationError._from_errors(errors).renamed(_invoice_path) if errors else None


def run_summary_wire(summary: RunSummary) -> RunSummaryResponse:
    """A run's summary as the API answers it (fields in wire names, in the errors and
    in the message that lists them)."""
    failed = []
    for failure in summary.failed:
        error = _renamed(failure.errors)
        failed.append(
            RunFailureWire(
                schedule_id=failure.schedule_id,
                period_start=failure.period.start,
                period_end=failure.period.end,
                invoice_id=failure.invoice_id,
                stage=failure.stage,
                message=failure.message if error is None else error.message,
                errors=_field_errors(error),
            )
        )
    return RunSummaryResponse(
        first=summary.first,
        last=summary.last,
        due=summary.due,
        created=summary.created,
        booked=summary.booked,
        delivered=summary.delivered,
        skipped=summary.skipped,
        failed=failed,
    )


def _booking_failure(failure: BookingFailure) -> BookingFailureWire:
    error: FakturaError = failure.error
    if isinstance(error, ValidationError):
        error = error.renamed(_invoice_path)
    problem = http_problem(error)
    fields = _field_errors(error if isinstance(error, ValidationError) else None)
    return BookingFailureWire(
        failure.invoice_id, BookingErrorWire(problem.code, problem.message, fields)
    )


def batch_booking_wire(result: BatchBooking) -> dict[str, Any]:
    """What ``book_many`` did, as JSON-ready data (the booked as list items)."""
    return {
        "booked": [list_item_to_wire(invoice) for invoice in result.booked],
        "failed": [unstructure(_booking_failure(failure)) for failure in result.failed],
    }
