"""Billing runs and batch booking over HTTP: synchronous, within the request.

A run over HTTP bills a window of at most ``MAX_RUN_DAYS`` days and answers when it is
done; a longer or larger one belongs on the command line (``faktura run``) or in the
host's own worker, calling ``Billing.run_billing`` (with its progress callback). A run
is safe to repeat: what an earlier run billed is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from faktura.schedules import parse_window
from faktura.wire import unstructure

from ..auth import Caller
from ..errors import invalid
from ..params import check_id
from ..schemas import (
    BillingRunRequest,
    BookInvoicesRequest,
    batch_booking_wire,
    run_summary_wire,
)
from ..schemas.runs import MAX_RUN_DAYS
from .shared import Api, Handler, json_response

__all__ = ["book_invoices", "run_billing"]


def _window(period: str | None) -> tuple[date, date] | None:
    """The run's window (None: the current month); 400 naming ``period`` when it is
    not one, or longer than a run over HTTP may bill."""
    if period is None:
        return None
    first, last = parse_window(period)
    if (last - first).days + 1 > MAX_RUN_DAYS:
        raise invalid(
            "period",
            "range",
            f"must be at most {MAX_RUN_DAYS} days over HTTP (run longer windows on the "
            "command line, faktura run, or in a worker)",
        )
    return first, last


def run_billing(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, BillingRunRequest)
        window = _window(body.period)
        summary = await api.call(
            api.billing.run_billing,
            caller.company_id,
            window,
            batch_size=100 if body.batch_size is None else body.batch_size,
            deliver=True if body.deliver is None else body.deliver,
            actor=caller.actor,
        )
        return json_response(unstructure(run_summary_wire(summary)))

    return handle


def book_invoices(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, BookInvoicesRequest)
        for index, invoice_id in enumerate(body.invoice_ids):  # the list's shape: all or none
            check_id(invoice_id, f"invoiceIds.{index}")
        result = await api.call(
            api.billing.book_many,
            caller.company_id,
            body.invoice_ids,
            batch_size=100 if body.batch_size is None else body.batch_size,
            actor=caller.actor,
        )
        return json_response(batch_booking_wire(result))

    return handle
