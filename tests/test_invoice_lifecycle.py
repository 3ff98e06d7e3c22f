"""The invoice lifecycle of DESIGN §5: every transition, every refusal, and its event."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.errors import InvoiceStateError, ValidationError
from faktura.invoice import (
    BOOKED_STATUSES,
    EDITABLE_STATUSES,
    DocumentKind,
    Invoice,
    InvoiceEvent,
    Status,
    Transition,
)
from faktura.lines import AllowanceCharge, Line, ProductLine, SeparatorLine, TextLine
from faktura.money import Currency
from faktura.terms import PaymentTerms
from faktura.testing.strategies import booked_invoices, invoices
from faktura.vat import VatCategory

D = Decimal
T0 = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
DAY = date(2024, 5, 2)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def product(qty: str = "2", price: str = "100.00") -> ProductLine:
    return ProductLine("Consulting", D(qty), D(price), VatCategory.S, D(25))


def new_draft(lines: tuple[Line, ...] = (product(),), **fields: Any) -> Invoice:
    """2 × 100.00 at 25 %: amount 250.00, due net 14 days (2024-05-16)."""
    fields.setdefault("payment_terms", PaymentTerms.net(14))
    return Invoice.draft(
        id="inv-1",
        company_id="company-1",
        customer_id="customer-1",
        issue_date=DAY,
        currency="DKK",
        at=T0,
        lines=lines,
        **fields,
    ).invoice


def booked(**fields: Any) -> Invoice:
    return new_draft(**fields).book("2024-0001", at(1)).invoice


def refused(action: str, call: Callable[[], object]) -> InvoiceStateError:
    with pytest.raises(InvoiceStateError) as caught:
        call()
    assert caught.value.action == action
    assert caught.value.code == "invalid_state"
    return caught.value


def assert_event(transition: Transition, kind: str, when: datetime) -> InvoiceEvent:
    event = transition.event
    assert isinstance(event, InvoiceEvent)
    assert (event.invoice_id, event.type, event.at) == (transition.invoice.id, kind, when)
    assert transition.invoice.updated_at == when
    return event


# -- drafts --------------------------------------------------------------------------------


def test_draft_has_no_number_and_a_derived_due_date() -> None:
    transition = Invoice.draft(
        id="inv-1",
        company_id="company-1",
        customer_id="customer-1",
        issue_date=DAY,
        currency="DKK",
        payment_terms=PaymentTerms.net(14),
        at=T0,
        lines=[product()],
    )
    invoice = transition.invoice
    assert invoice.status is Status.DRAFT
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.number is None
    assert invoice.booked_at is None
    assert invoice.due_date == date(2024, 5, 16)
    assert invoice.due_date_derived
    assert invoice.totals.amount == D("250.00")
    assert not invoice.is_booked
    assert_event(transition, "created", T0)
    assert transition.event.data == {"kind": "invoice"}


def test_draft_refuses_naive_timestamps_and_due_before_date() -> None:
    with pytest.raises(ValidationError) as caught:
        Invoice.draft(
            id="i",
            company_id="c",
            customer_id="k",
            issue_date=DAY,
            currency="DKK",
            payment_terms=PaymentTerms.net(14),
            at=datetime(2024, 5, 2, 8, 0),
        )
    assert caught.value.field == "at"
    with pytest.raises(ValidationError) as caught:
        new_draft(due_date=date(2024, 5, 1))
    assert caught.value.field == "due_date"


def test_update_changes_a_draft_and_rederives_the_due_date() -> None:
    invoice = new_draft()
    transition = invoice.update(at(1), issue_date=date(2024, 5, 10), lines=[product("4")])
    updated = transition.invoice
    assert updated.due_date == date(2024, 5, 24)  # 10 May + 14 days
    assert updated.totals.amount == D("500.00")
    assert updated.version == invoice.version + 1
    assert invoice.totals.amount == D("250.00")  # the old value is untouched (frozen)
    event = assert_event(transition, "updated", at(1))
    assert event.data == {"fields": "date,dueDate,lines"}  # the due date followed the date


def test_update_keeps_an_explicit_due_date_until_reset() -> None:
    invoice = new_draft().update(at(1), due_date=date(2024, 6, 30)).invoice
    assert not invoice.due_date_derived
    moved = invoice.update(at(2), issue_date=date(2024, 5, 20)).invoice
    assert moved.due_date == date(2024, 6, 30)
    reset = moved.update(at(3), due_date=None).invoice
    assert reset.due_date_derived
    assert reset.due_date == date(2024, 6, 3)  # 20 May + 14


def test_update_refuses_invalid_content_and_unknown_fields() -> None:
    invoice = new_draft()
    with pytest.raises(ValidationError) as caught:
        invoice.update(at(1), prepaid_amount=D("250.01"))
    assert caught.value.field == "prepaid_amount"
    with pytest.raises(TypeError):
        invoice.update(at(1), number="1")


# -- schedule / cancel ---------------------------------------------------------------------


def test_schedule_and_unschedule() -> None:
    invoice = new_draft()
    send_at = datetime(2024, 5, 3, 7, 0, tzinfo=UTC)
    transition = invoice.schedule(send_at, at(1))
    scheduled = transition.invoice
    assert scheduled.status is Status.SCHEDULED
    assert scheduled.scheduled_for == send_at
    assert scheduled.number is None
    assert assert_event(transition, "scheduled", at(1)).data == {"sendAt": send_at.isoformat()}
    # still editable, and may be rescheduled
    edited = scheduled.update(at(2), notes="Thanks").invoice
    assert edited.status is Status.SCHEDULED
    assert edited.schedule(send_at + timedelta(days=1), at(3)).invoice.status is Status.SCHEDULED
    transition = edited.unschedule(at(4))
    assert transition.invoice.status is Status.DRAFT
    assert transition.invoice.scheduled_for is None
    assert_event(transition, "unscheduled", at(4))
    refused("unschedule", lambda: invoice.unschedule(at(5)))
    with pytest.raises(ValidationError) as caught:
        invoice.schedule(datetime(2024, 5, 3, 7, 0), at(1))
    assert caught.value.field == "send_at"


@pytest.mark.parametrize("scheduled", [False, True])
def test_cancel_applies_to_drafts_only(scheduled: bool) -> None:
    invoice = new_draft()
    if scheduled:
        invoice = invoice.schedule(at(60), at(1)).invoice
    transition = invoice.cancel(at(2))
    cancelled = transition.invoice
    assert cancelled.status is Status.CANCELLED
    assert cancelled.scheduled_for is None
    assert cancelled.number is None
    assert_event(transition, "cancelled", at(2))
    refused("cancel", lambda: cancelled.cancel(at(3)))
    refused("edit", lambda: cancelled.update(at(3), notes="x"))
    refused("book", lambda: cancelled.book("1", at(3)))
    refused("schedule", lambda: cancelled.schedule(at(60), at(3)))
    refused("record a payment on", lambda: cancelled.record_payment(D(1), DAY, at(3)))
    refused("credit", lambda: cancelled.credit("cn", at(3), DAY))
    refused("cancel", lambda: booked().cancel(at(3)))


# -- booking -------------------------------------------------------------------------------


def test_book_freezes_the_draft_under_a_number() -> None:
    invoice = new_draft().schedule(at(30), at(1)).invoice
    transition = invoice.book("2024-0001", at(2))
    done = transition.invoice
    assert done.status is Status.SENDING
    assert done.number == "2024-0001"
    assert done.booked_at == at(2)
    assert done.scheduled_for is None
    assert done.is_booked
    event = assert_event(transition, "booked", at(2))
    assert event.data == {"number": "2024-0001", "date": "2024-05-02"}


def test_book_rederives_a_derived_due_date() -> None:
    done = new_draft().book("1", at(1), issue_date=date(2024, 5, 10)).invoice
    assert (done.issue_date, done.due_date) == (date(2024, 5, 10), date(2024, 5, 24))


def test_book_keeps_an_explicit_due_date() -> None:
    draft = new_draft(due_date=date(2024, 6, 30))
    done = draft.book("1", at(1), issue_date=date(2024, 5, 10)).invoice
    assert (done.issue_date, done.due_date) == (date(2024, 5, 10), date(2024, 6, 30))
    with pytest.raises(ValidationError) as caught:
        draft.book("1", at(1), issue_date=date(2024, 7, 1))  # after the explicit due date
    assert caught.value.field == "due_date"


@pytest.mark.parametrize("lines", [(), (TextLine("Only text"), SeparatorLine())])
def test_booking_requires_a_product_line(lines: tuple[Line, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        new_draft(lines=lines).book("1", at(1))
    assert caught.value.field == "lines"


@pytest.mark.parametrize("number", ["", "   ", 7])
def test_booking_requires_a_number(number: object) -> None:
    with pytest.raises(ValidationError) as caught:
        new_draft().book(number, at(1))  # type: ignore[arg-type]
    assert caught.value.field == "number"


def test_a_booked_invoice_never_changes_its_content() -> None:
    invoice = booked()
    error = refused("edit", lambda: invoice.update(at(2), notes="late change"))
    assert (error.invoice_id, error.status) == ("inv-1", "sending")
    refused("book", lambda: invoice.book("2", at(2)))
    refused("cancel", lambda: invoice.cancel(at(2)))
    refused("schedule", lambda: invoice.schedule(at(60), at(2)))
    refused("unschedule", lambda: invoice.unschedule(at(2)))


# -- delivery ------------------------------------------------------------------------------


def test_mark_delivered() -> None:
    invoice = booked()
    transition = invoice.mark_delivered(at(2), "email")
    sent = transition.invoice
    assert sent.status is Status.SENT
    assert sent.delivered_at == at(2)
    assert assert_event(transition, "delivered", at(2)).data == {"channel": "email"}
    again = sent.mark_delivered(at(3), "manual").invoice
    assert (again.status, again.delivered_at) == (Status.SENT, at(2))  # first delivery kept
    paid = invoice.record_payment(D("250.00"), DAY, at(4)).invoice
    assert paid.mark_delivered(at(5)).invoice.status is Status.PAID
    refused("deliver", lambda: new_draft().mark_delivered(at(1)))


# -- payments ------------------------------------------------------------------------------


@pytest.mark.parametrize("delivered", [False, True])
def test_payments_move_to_partially_paid_then_paid(delivered: bool) -> None:
    invoice = booked()
    if delivered:
        invoice = invoice.mark_delivered(at(2)).invoice
    transition = invoice.record_payment(D("100.00"), date(2024, 5, 10), at(3), "FIK 123")
    part = transition.invoice
    assert part.status is Status.PARTIALLY_PAID
    assert part.outstanding == D("150.00")
    assert assert_event(transition, "partially_paid", at(3)).data == {
        "amount": "100.00",
        "date": "2024-05-10",
        "status": "partially_paid",
    }
    transition = part.record_payment(D("150.00"), date(2024, 5, 12), at(4))
    assert transition.invoice.status is Status.PAID
    assert transition.invoice.outstanding == D("0.00")
    assert transition.invoice.paid_amount == D("250.00")
    assert transition.event.data["status"] == "paid"
    refused("record a payment on", lambda: transition.invoice.record_payment(D(1), DAY, at(5)))


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        (D("250.01"), "overpayment"),
        (D("0"), "minimum"),
        (D("-5.00"), "minimum"),
        (D("0.001"), "precision"),
        (1.5, "type"),
        ("NaN", "format"),
    ],
)
def test_bad_payments_are_refused(amount: object, rule: str) -> None:
    invoice = booked()
    with pytest.raises(ValidationError) as caught:
        invoice.record_payment(amount, DAY, at(2))  # type: ignore[arg-type]
    assert caught.value.field == "amount"
    assert caught.value.errors[0].rule == rule


def test_overpayment_counts_earlier_payments_and_credits() -> None:
    invoice = booked().record_payment(D("200.00"), DAY, at(2)).invoice
    with pytest.raises(ValidationError):
        invoice.record_payment(D("50.01"), DAY, at(3))
    # crediting 1 of the 2 items (125.00 incl. VAT) leaves nothing to pay: 250 − 200 − 125 < 0,
    # so the partially paid invoice is now paid and takes no further payment
    credited = invoice.credit("cn-1", at(3), DAY, [(0, D(1))]).invoice
    assert credited.outstanding == D("0.00")
    assert credited.status is Status.PAID
    with pytest.raises(InvoiceStateError):
        credited.record_payment(D("0.01"), DAY, at(4))


def test_payments_on_documents_that_are_not_owed_are_refused() -> None:
    draft = new_draft()
    refused("record a payment on", lambda: draft.record_payment(D(1), DAY, at(1)))
    scheduled = draft.schedule(at(60), at(1)).invoice
    refused("record a payment on", lambda: scheduled.record_payment(D(1), DAY, at(2)))
    credited = booked().credit("cn", at(2), DAY).invoice
    refused("record a payment on", lambda: credited.record_payment(D(1), DAY, at(3)))
    lost = booked().mark_uncollectible(at(2)).invoice
    refused("record a payment on", lambda: lost.record_payment(D(1), DAY, at(3)))


# -- uncollectible -------------------------------------------------------------------------


@pytest.mark.parametrize("before", ["sending", "sent", "partially_paid"])
def test_mark_uncollectible(before: str) -> None:
    invoice = booked()
    if before == "sent":
        invoice = invoice.mark_delivered(at(2)).invoice
    if before == "partially_paid":
        invoice = invoice.record_payment(D("10.00"), DAY, at(2)).invoice
    transition = invoice.mark_uncollectible(at(3))
    assert transition.invoice.status is Status.UNCOLLECTIBLE
    assert transition.invoice.uncollectible_at == at(3)
    assert_event(transition, "marked_uncollectible", at(3))
    refused("mark uncollectible", lambda: transition.invoice.mark_uncollectible(at(4)))


def test_mark_uncollectible_is_refused_for_drafts_and_paid_invoices() -> None:
    refused("mark uncollectible", lambda: new_draft().mark_uncollectible(at(1)))
    paid = booked().record_payment(D("250.00"), DAY, at(2)).invoice
    refused("mark uncollectible", lambda: paid.mark_uncollectible(at(3)))


# -- credit notes --------------------------------------------------------------------------


def test_full_credit_creates_a_credit_note_draft_and_credits_the_invoice() -> None:
    invoice = booked()
    step = invoice.credit("cn-1", at(2), date(2024, 5, 20))
    note, credited = step.credit_note, step.invoice
    assert credited.status is Status.CREDITED
    assert credited.credited_amount == D("250.00")
    assert credited.remaining_quantities() == (D(0),)
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert note.status is Status.DRAFT
    assert note.number is None
    assert (note.credited_invoice_id, note.credited_invoice_number) == ("inv-1", "2024-0001")
    assert (note.issue_date, note.due_date) == (date(2024, 5, 20), date(2024, 5, 20))
    assert note.totals.amount == D("250.00")
    on_invoice, on_note = step.events
    assert (on_invoice.invoice_id, on_invoice.type, on_invoice.at) == ("inv-1", "credited", at(2))
    assert on_invoice.data == {"creditNoteId": "cn-1", "amount": "250.00"}
    assert (on_note.invoice_id, on_note.type) == ("cn-1", "created")
    assert on_note.data == {"kind": "credit_note", "creditedInvoiceId": "inv-1"}
    refused("credit", lambda: credited.credit("cn-2", at(3), DAY))


def test_partial_credits_up_to_the_invoice() -> None:
    invoice = booked(lines=(product("3", "100.00"),))  # 375.00
    step = invoice.credit("cn-1", at(2), DAY, [(0, D(1))])
    assert step.invoice.status is Status.SENDING
    assert step.credit_note.totals.amount == D("125.00")
    with pytest.raises(ValidationError) as caught:
        step.invoice.credit("cn-2", at(3), DAY, [(0, D("2.000001"))])  # only 2 are left
    assert caught.value.field == "lines.0.quantity"
    last = step.invoice.credit("cn-2", at(3), DAY, [(0, D(2))]).invoice
    assert last.status is Status.CREDITED
    assert last.credited_amount == D("375.00")


@pytest.mark.parametrize(
    ("selection", "field"),
    [
        ([], "lines"),
        ([(5, D(1))], "lines.0.line"),
        ([(1, D(1))], "lines.0.line"),  # a text line
        ([(0, D(1)), (0, D(1))], "lines.1.line"),
        ([(0, D(0))], "lines.0.quantity"),
        ([(0, D(-1))], "lines.0.quantity"),
        ([(True, D(1))], "lines.0.line"),
    ],
)
def test_bad_credit_selections_name_the_field(
    selection: list[tuple[int, Decimal]], field: str
) -> None:
    invoice = booked(lines=(product(), TextLine("note")))
    with pytest.raises(ValidationError) as caught:
        invoice.credit("cn", at(2), DAY, selection)
    assert caught.value.field == field


def test_credit_is_refused_for_drafts_and_credit_notes() -> None:
    refused("credit", lambda: new_draft().credit("cn", at(1), DAY))
    note = booked().credit("cn-1", at(2), DAY).credit_note
    refused("credit", lambda: note.credit("cn-2", at(3), DAY))
    booked_note = note.book("CN-0001", at(3)).invoice
    assert booked_note.status is Status.SENDING
    assert booked_note.kind is DocumentKind.CREDIT_NOTE
    refused("credit", lambda: booked_note.credit("cn-3", at(4), DAY))


@pytest.mark.parametrize("before", ["sending", "sent", "partially_paid", "paid", "uncollectible"])
def test_release_credit_restores_the_status(before: str) -> None:
    invoice = booked()
    if before == "sent":
        invoice = invoice.mark_delivered(at(2)).invoice
    elif before == "partially_paid":
        invoice = invoice.record_payment(D("10.00"), DAY, at(2)).invoice
    elif before == "paid":
        invoice = invoice.record_payment(D("250.00"), DAY, at(2)).invoice
    elif before == "uncollectible":
        invoice = invoice.mark_uncollectible(at(2)).invoice
    assert invoice.status.value == before
    credited = invoice.credit("cn-1", at(3), DAY).invoice
    assert credited.status is Status.CREDITED
    transition = credited.release_credit("cn-1", at(4))
    assert transition.invoice.status.value == before
    assert transition.invoice.credits == ()
    assert transition.invoice.credited_amount == 0
    assert assert_event(transition, "credit_released", at(4)).data == {"creditNoteId": "cn-1"}
    with pytest.raises(ValidationError) as caught:
        transition.invoice.release_credit("cn-1", at(5))
    assert caught.value.field == "credit_note_id"


def test_release_of_a_partial_credit_keeps_the_other() -> None:
    invoice = booked(lines=(product("3", "100.00"),))
    first = invoice.credit("cn-1", at(2), DAY, [(0, D(1))]).invoice
    both = first.credit("cn-2", at(3), DAY, [(0, D(2))]).invoice
    assert both.status is Status.CREDITED
    released = both.release_credit("cn-2", at(4)).invoice
    assert released.status is Status.SENDING
    assert released.remaining_quantities() == (D(2),)
    assert released.credited_amount == D("125.00")


def test_partial_credits_never_exceed_an_invoice_with_a_fixed_allowance() -> None:
    # 1 × 100.00 + 1 × 100.00 − fixed allowance 150.00 = 50.00; VAT 12.50; amount 62.50.
    # Crediting line 0 alone (100.00 + 25.00 = 125.00) would exceed the whole invoice.
    invoice = booked(
        lines=(product("1", "100.00"), product("1", "100.00")),
        allowance_charges=[AllowanceCharge(False, "Promo", VatCategory.S, D(25), amount=D(150))],
    )
    assert invoice.totals.amount == D("62.50")
    with pytest.raises(ValidationError) as caught:
        invoice.credit("cn-1", at(2), DAY, [(0, D(1))])
    assert caught.value.errors[0].rule == "exceeds_invoice"
    full = invoice.credit("cn-1", at(2), DAY)
    assert full.invoice.status is Status.CREDITED
    assert full.invoice.credited_amount == D("62.50")


def test_selecting_everything_left_completes_the_credit_with_fixed_items() -> None:
    # 3 × 0.01 − fixed 0.02 = 0.01; VAT 0.0025 → 0.00; amount 0.01. Selecting all 3 takes
    # the fixed allowance along, so the credit is 0.01 too, not 0.03 + 0.01 VAT.
    promo = AllowanceCharge(False, "Promo", VatCategory.S, D(25), amount=D("0.02"))
    invoice = booked(lines=(product("3", "0.01"),), allowance_charges=[promo])
    assert invoice.totals.amount == D("0.01")
    step = invoice.credit("cn-1", at(2), DAY, [(0, D(3))])
    assert step.credit_note.allowance_charges == (promo,)
    assert step.invoice.status is Status.CREDITED
    assert step.invoice.credited_amount == D("0.01")


# -- every status, from the strategies ---------------------------------------------------

PAYABLE = {Status.SENDING, Status.SENT, Status.PARTIALLY_PAID}


@given(invoices())
def test_status_specific_rules(invoice: Invoice) -> None:
    later = invoice.updated_at + timedelta(hours=1)
    status = invoice.status
    assert invoice.created_at.tzinfo is not None
    assert invoice.created_at <= invoice.updated_at
    assert invoice.is_booked == (status in BOOKED_STATUSES)
    assert (invoice.number is not None) == invoice.is_booked
    assert (invoice.booked_at is not None) == invoice.is_booked
    assert invoice.due_date >= invoice.issue_date

    if status in EDITABLE_STATUSES:
        assert invoice.update(later, notes="edited").invoice.status is status
        assert invoice.cancel(later).invoice.status is Status.CANCELLED
        assert invoice.book("N-1", later).invoice.status is Status.SENDING
        assert (invoice.scheduled_for is not None) == (status is Status.SCHEDULED)
    else:
        refused("edit", lambda: invoice.update(later, notes="edited"))
        refused("cancel", lambda: invoice.cancel(later))
        refused("book", lambda: invoice.book("N-1", later))
        refused("schedule", lambda: invoice.schedule(later, later))

    if status in PAYABLE:
        assert invoice.mark_uncollectible(later).invoice.status is Status.UNCOLLECTIBLE
        owed = invoice.outstanding
        if owed > 0:
            assert invoice.record_payment(owed, invoice.issue_date, later).invoice.status is (
                Status.PAID
            )
        with pytest.raises(ValidationError):
            invoice.record_payment(owed + D("1"), invoice.issue_date, later)
    else:
        refused("mark uncollectible", lambda: invoice.mark_uncollectible(later))
        refused(
            "record a payment on", lambda: invoice.record_payment(D(1), invoice.issue_date, later)
        )

    if status in BOOKED_STATUSES - {Status.CREDITED}:
        step = invoice.credit("cn-x", later, invoice.issue_date)
        assert step.invoice.status is Status.CREDITED
        assert step.invoice.credited_amount <= invoice.totals.amount or invoice.totals.amount < 0
        mark = invoice.mark_delivered(later).invoice.status
        assert mark is (Status.SENT if status is Status.SENDING else status)
    else:
        refused("credit", lambda: invoice.credit("cn-x", later, invoice.issue_date))

    if status is Status.SENT:
        assert invoice.delivered_at is not None
    if status is Status.PAID:
        assert invoice.outstanding == 0
        assert invoice.paid_amount > 0
    if status is Status.PARTIALLY_PAID:
        assert invoice.paid_amount > 0
        assert invoice.outstanding > 0
    if status is Status.UNCOLLECTIBLE:
        assert invoice.uncollectible_at is not None
    if status is Status.CREDITED:
        assert invoice.credits
        assert invoice.credited_amount <= invoice.totals.amount
        assert all(not q for q in invoice.remaining_quantities() if q is not None)


# -- the caller's decimal context ---------------------------------------------------------


def test_crediting_ignores_the_callers_decimal_context() -> None:
    invoice = booked(lines=(product("10000", "1.00"),))
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)):
        first = invoice.credit("cn-1", at(2), DAY, [(0, D("1234.5"))]).invoice
        left = first.remaining_quantities()
        paid = invoice.record_payment(D("1234.56"), DAY, at(2)).invoice.paid_amount
    assert left == (D("8765.5"),)  # found: 8.76E+3
    assert paid == D("1234.56")  # found: 1.23E+3


def test_events_are_values() -> None:
    event = new_draft().update(at(1), notes="x").event
    assert attrs.evolve(event) == event
    assert hash(event) == hash(attrs.evolve(event))


# -- the strategies themselves -----------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_invoices_strategy_reaches_every_status(status: Status) -> None:
    @settings(max_examples=20)
    @given(invoices(status))
    def check(invoice: Invoice) -> None:
        assert invoice.status is status
        assert invoice.created_at.utcoffset() == timedelta(0)
        assert invoice.updated_at.utcoffset() == timedelta(0)
        assert invoice.kind is DocumentKind.INVOICE

    check()


@settings(max_examples=30)
@given(booked_invoices())
def test_booked_invoices_are_booked(invoice: Invoice) -> None:
    assert invoice.status in BOOKED_STATUSES
    assert invoice.number is not None


@settings(max_examples=30)
@given(
    st.from_type(Invoice),
    st.from_type(Currency),
    st.from_type(PaymentTerms),
    st.from_type(ProductLine),
    st.from_type(AllowanceCharge),
)
def test_strategies_are_registered_for_from_type(
    invoice: Invoice,
    currency: Currency,
    terms: PaymentTerms,
    line: ProductLine,
    item: AllowanceCharge,
) -> None:
    # Registered by the hypothesis plugin (the faktura entry point), not by an import here.
    assert isinstance(invoice, Invoice)
    assert invoice.status in set(Status)
    assert currency.minor_units in (0, 2, 3)
    assert terms.due_date(DAY) >= DAY or terms.kind == "fixed"
    assert isinstance(line, ProductLine)
    assert isinstance(item, AllowanceCharge)


def test_transitions_keep_totals_only_while_the_amounts_stay() -> None:
    invoice = booked()
    paid = invoice.record_payment(D("10.00"), DAY, at(2)).invoice
    assert paid.totals is invoice.totals  # carried over, not added up again
    draft = new_draft()
    edited = draft.update(at(2), lines=(product("3", "10.00"),)).invoice
    assert edited.totals.subtotal != draft.totals.subtotal
    assert edited.totals == attrs.evolve(edited).totals  # fresh computation agrees


def test_credits_of_an_invoice_below_zero_stay_between_zero_and_its_total() -> None:
    # a refund invoice: the returned goods outweigh the new ones
    invoice = new_draft((product("1", "1.00"), product("-1", "1.01"))).book("7", at(1)).invoice
    assert invoice.totals.amount == Decimal("-0.01")
    # crediting the new goods moves the total towards zero: allowed
    credit = invoice.credit("cn-1", at(2), DAY, [(0, Decimal(1))]).credit_note
    assert credit.totals.amount == Decimal("1.25")
    # crediting the returned goods alone would credit more than the invoice: refused
    with pytest.raises(ValidationError) as caught:
        invoice.credit("cn-2", at(2), DAY, [(1, Decimal(-1))])
    assert caught.value.errors[0].rule == "exceeds_invoice"
