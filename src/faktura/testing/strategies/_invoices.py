"""Invoices in every status: drafts driven through faktura's own transitions (schedule,
cancel, book, mark_delivered, record_payment, mark_uncollectible, credit)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from hypothesis import strategies as st

from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.money import MAX_PLACES, Currency
from faktura.status import BOOKED_STATUSES, Status
from faktura.terms import TermsKind

from ._drafts import draw_draft
from ._draw import UUIDS, selection, strategy_of
from ._numbers import currency_strategy, decimal, draw_units

_CHANNELS = st.sampled_from(("email", "sproom", "manual"))


class _Clock:
    """Strictly increasing timestamps for one invoice's history."""

    def __init__(self, draw: st.DrawFn, start: datetime) -> None:
        self._draw = draw
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(seconds=self._draw(st.integers(1, 3 * 86_400)))
        return self.now


def draw_invoice(
    draw: st.DrawFn,
    statuses: tuple[Status, ...],
    currencies: st.SearchStrategy[Currency],
    prices_include_vat: bool | None,
) -> Invoice:
    """``invoices``, drawn."""
    status = statuses[draw(st.integers(0, len(statuses) - 1))]
    min_payable = {Status.PARTIALLY_PAID: 2, Status.PAID: 1}.get(status)
    invoice = draw_draft(draw, currencies, prices_include_vat, True, 6, min_payable)
    clock = _Clock(draw, invoice.updated_at)
    places = Currency.of(invoice.currency).minor_units

    if status is Status.DRAFT:
        if draw(st.booleans()):
            invoice = invoice.update(clock.tick(), notes="Updated before booking").invoice
        return invoice
    if status in (Status.SCHEDULED, Status.CANCELLED) or draw(st.integers(0, 4)) == 0:
        now = clock.tick()
        send_at = now + timedelta(hours=draw(st.integers(1, 24 * 30)))
        invoice = invoice.schedule(send_at, now).invoice
    if status is Status.SCHEDULED:
        return invoice
    if status is Status.CANCELLED:
        return invoice.cancel(clock.tick()).invoice

    booked_on = None
    if (
        invoice.due_date_derived
        and invoice.payment_terms.kind is not TermsKind.FIXED
        and draw(st.integers(0, 3)) == 0
    ):
        # Booked later than drafted: the derived due date follows the new date (fixed
        # terms keep their date, which a later booking date could pass).
        booked_on = invoice.issue_date + timedelta(days=draw(st.integers(1, 10)))
    number = f"{invoice.issue_date.year}-{draw(st.integers(1, 99_999)):05d}"
    invoice = invoice.book(number, clock.tick(), booked_on).invoice
    if status is Status.SENT or (status is not Status.SENDING and draw(st.booleans())):
        invoice = invoice.mark_delivered(clock.tick(), draw(_CHANNELS)).invoice
    if status in (Status.SENDING, Status.SENT):
        return invoice

    outstanding = invoice.outstanding
    if status is Status.PARTIALLY_PAID or (
        outstanding >= decimal(2, places) and draw(st.booleans())
    ):
        # Strictly between nothing and everything that is owed.
        part = draw_units(draw, decimal(1, places), outstanding - decimal(1, places), places)
        paid_on = invoice.issue_date + timedelta(days=draw(st.integers(0, 60)))
        invoice = invoice.record_payment(part, paid_on, clock.tick(), "bank transfer").invoice
    if status is Status.PARTIALLY_PAID:
        return invoice
    if status is Status.PAID:
        paid_on = invoice.issue_date + timedelta(days=draw(st.integers(0, 90)))
        return invoice.record_payment(invoice.outstanding, paid_on, clock.tick()).invoice
    if status is Status.UNCOLLECTIBLE:
        return invoice.mark_uncollectible(clock.tick()).invoice

    # credited: optionally part of one line first, then everything that is left
    credit_date = invoice.issue_date + timedelta(days=draw(st.integers(0, 30)))
    open_lines = [i for i, left in enumerate(invoice.remaining_quantities()) if left]
    if draw(st.booleans()) and open_lines:
        index = open_lines[draw(st.integers(0, len(open_lines) - 1))]
        line = invoice.lines[index]
        assert isinstance(line, ProductLine)  # only product lines have a remaining quantity
        quantity = draw_units(draw, decimal(1, MAX_PLACES), line.quantity, MAX_PLACES)
        # Refused when this part alone would exceed what is left: the full credit follows.
        with contextlib.suppress(ValidationError):
            invoice = invoice.credit(
                draw(UUIDS), clock.tick(), credit_date, [(index, quantity)]
            ).invoice
    if invoice.status is not Status.CREDITED:
        invoice = invoice.credit(draw(UUIDS), clock.tick(), credit_date).invoice
    return invoice


def invoices(
    status: Status | str | Iterable[Status | str] | None = None,
    *,
    currency: Currency | str | None = None,
    prices_include_vat: bool | None = None,
) -> st.SearchStrategy[Invoice]:
    """Invoices in ``status`` (one, several, or every status when None).

    Each is a draft from ``drafts()`` driven through the real transitions: schedule,
    cancel, book, mark_delivered, record_payment, mark_uncollectible and credit (part of
    a line, then everything left), with strictly increasing UTC timestamps.
    """
    return strategy_of(
        draw_invoice,
        selection("invoices: status", status, tuple(Status), Status),
        currency_strategy(currency),
        prices_include_vat,
    )


def booked_invoices(
    *, currency: Currency | str | None = None, prices_include_vat: bool | None = None
) -> st.SearchStrategy[Invoice]:
    """Invoices in every booked status (numbered, immutable): sending ... credited."""
    return invoices(
        sorted(BOOKED_STATUSES), currency=currency, prices_include_vat=prices_include_vat
    )
