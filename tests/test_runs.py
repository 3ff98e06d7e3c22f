"""Batch booking and billing runs on every store: numbers consecutive and gap-free in
batches, refused drafts reported and skipped without a number, runs idempotent per
(schedule, period) across crashes and concurrent runs, delivery outside the batch."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from faktura import NotFoundError, Status, ValidationError
from faktura.billing import Billing
from faktura.billing.runs import RunProgress
from faktura.commands import (
    CompanyProfile,
    DraftChanges,
    LineInput,
    NewCustomer,
    NewDraft,
    NewSchedule,
    ScheduleChanges,
)
from faktura.delivery.channel import DeliveryType
from faktura.lines import ProductLine
from faktura.ports import Store
from faktura.schedules import Cadence, Period, Proration, Timing, period_id
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS

pytest_plugins = ["pg_fixture", "store_fixture"]

#: A character no font of the PDF draws: a draft holding it fails the issuability gate.
UNDRAWABLE = "\U0001f984"
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
HOSTING = LineInput(description="Hosting", quantity=Decimal(1), unit_price=Decimal("300.00"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def billing(make_store: Callable[[], Store], clock: ManualClock) -> Billing:
    return Billing(make_store(), clock)


@pytest.fixture
def company_id(billing: Billing) -> str:
    profile = CompanyProfile(id="co", name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    return billing.create_company(profile).id


def customers(billing: Billing, company_id: str, count: int) -> list[str]:
    return [
        billing.create_customer(
            company_id, NewCustomer(id=f"cu-{i:03}", name=f"Kunde {i}", address=BUYER_ADDRESS)
        ).id
        for i in range(count)
    ]


def monthly(customer_id: str, **extra: object) -> NewSchedule:
    fields: dict[str, object] = {
        "customer_id": customer_id,
        "lines": [HOSTING],
        "start": date(2026, 1, 1),
        **extra,
    }
    return NewSchedule(**fields)  # type: ignore[arg-type]


def schedules(billing: Billing, company_id: str, count: int, **extra: object) -> list[str]:
    return [
        billing.create_schedule(company_id, monthly(customer_id, **extra)).id
        for customer_id in customers(billing, company_id, count)
    ]


def booked(billing: Billing, company_id: str) -> dict[str, str]:
    """invoice id → number of every booked document of the company."""
    numbers: dict[str, str] = {}
    page = 1
    while True:
        listed = billing.list_invoices(company_id, page=page, limit=100)
        for item in listed.items:
            if item.number is not None:
                numbers[item.id] = item.number
        if page >= listed.total_pages:
            return numbers
        page += 1


def assert_gap_free(numbers: dict[str, str]) -> None:
    assert sorted(int(n) for n in numbers.values()) == list(range(1, len(numbers) + 1))


# -- book_many -------------------------------------------------------------------------


def test_book_many_books_in_batches_and_skips_the_refused(
    billing: Billing, company_id: str
) -> None:
    customer_id = customers(billing, company_id, 1)[0]

    def draft(text: str) -> str:
        line = LineInput(description=text, quantity=Decimal(1), unit_price=Decimal(10))
        return billing.create_draft(company_id, NewDraft(customer_id=customer_id, lines=[line])).id

    good = [draft(f"Line {i}") for i in range(7)]
    unicorn = draft(f"Unicorn {UNDRAWABLE}")
    ids = [*good[:3], unicorn, good[3], "no-such-draft", *good[4:]]
    result = billing.book_many(company_id, ids, batch_size=3)

    assert [invoice.id for invoice in result.booked] == good
    assert [invoice.number for invoice in result.booked] == [str(n) for n in range(1, 8)]
    refused = {failure.invoice_id: failure.error for failure in result.failed}
    assert set(refused) == {unicorn, "no-such-draft"}
    assert isinstance(refused["no-such-draft"], NotFoundError)
    error = refused[unicorn]
    assert isinstance(error, ValidationError)
    assert error.field.startswith("lines.0")
    assert billing.get_invoice(company_id, unicorn).status is Status.DRAFT
    # the refused draft used no number: the next booking takes 8
    assert billing.book(company_id, draft("after")).number == "8"


def test_book_many_refuses_bad_arguments_by_name(billing: Billing, company_id: str) -> None:
    for kwargs, field in (
        ({"invoice_ids": "inv-1"}, "invoice_ids"),
        ({"invoice_ids": ["ok", " padded"]}, "invoice_ids.1"),
        ({"invoice_ids": [], "batch_size": 0}, "batch_size"),
    ):
        with pytest.raises(ValidationError) as info:
            billing.book_many(company_id, **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field


# -- billing runs ----------------------------------------------------------------------


def test_a_run_bills_each_due_period_once_with_consecutive_numbers(
    billing: Billing, company_id: str
) -> None:
    ids = schedules(billing, company_id, 12)
    seen: list[RunProgress] = []
    summary = billing.run_billing(company_id, "2026-12", batch_size=5, progress=seen.append)

    assert (summary.due, summary.created, summary.booked, summary.failed) == (12, 12, 12, ())
    assert [p.done for p in seen] == [5, 10, 12]
    numbers = booked(billing, company_id)
    assert set(numbers) == {period_id(s, DECEMBER) for s in ids}
    assert_gap_free(numbers)
    invoice = billing.get_invoice(company_id, period_id(ids[0], DECEMBER))
    assert invoice.issue_date == date(2026, 12, 1)
    assert str(invoice.totals.line_total) == "300.00"

    again = billing.run_billing(company_id, "2026-12", batch_size=5)
    assert (again.created, again.booked, again.skipped) == (0, 0, 12)
    assert booked(billing, company_id) == numbers


def test_a_refused_period_is_reported_and_booked_once_fixed(
    billing: Billing, company_id: str
) -> None:
    schedules(billing, company_id, 4)
    customer_id = billing.create_customer(
        company_id, NewCustomer(id="cu-late", name="Sen Kunde", address=BUYER_ADDRESS)
    ).id
    bad = billing.create_schedule(
        company_id,
        monthly(
            customer_id,
            lines=[
                LineInput(description=f"x {UNDRAWABLE}", quantity=Decimal(1), unit_price=Decimal(1))
            ],
        ),
    )
    summary = billing.run_billing(company_id, "2026-12", batch_size=2)
    assert (summary.due, summary.created, summary.booked) == (5, 5, 4)
    (failure,) = summary.failed
    assert (failure.schedule_id, failure.stage) == (bad.id, "book")
    assert failure.errors
    assert failure.errors[0].path.startswith("lines.0")
    assert_gap_free(booked(billing, company_id))

    billing.update_draft(company_id, failure.invoice_id, DraftChanges(lines=[HOSTING]))
    fixed = billing.run_billing(company_id, "2026-12", batch_size=2)
    assert (fixed.created, fixed.booked, fixed.skipped, fixed.failed) == (0, 1, 4, ())
    numbers = booked(billing, company_id)
    assert numbers[failure.invoice_id] == "5"
    assert_gap_free(numbers)


def test_a_run_killed_between_batches_goes_on_where_it_stopped(
    billing: Billing, company_id: str
) -> None:
    schedules(billing, company_id, 9)

    class Killed(Exception):
        pass

    def kill_after_first(progress: RunProgress) -> None:
        raise Killed

    with pytest.raises(Killed):
        billing.run_billing(company_id, "2026-12", batch_size=4, progress=kill_after_first)
    assert len(booked(billing, company_id)) == 4
    summary = billing.run_billing(company_id, "2026-12", batch_size=4)
    assert (summary.skipped, summary.created, summary.booked) == (4, 5, 5)
    assert_gap_free(booked(billing, company_id))


def test_two_runs_at_once_bill_each_period_once(
    make_store: Callable[[], Store], clock: ManualClock
) -> None:
    first = Billing(make_store(), clock)
    company_id = first.create_company(
        CompanyProfile(id="co", name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    ).id
    schedules(first, company_id, 30)
    second = Billing(make_store(), clock)
    summaries = []
    errors: list[BaseException] = []

    def run(billing: Billing) -> None:
        try:
            summaries.append(billing.run_billing(company_id, "2026-12", batch_size=4))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(s.created for s in summaries) == 30
    assert sum(s.booked for s in summaries) == 30
    numbers = booked(first, company_id)
    assert len(numbers) == 30
    assert_gap_free(numbers)
    for invoice_id in numbers:
        events = [e.type for e in first.events(company_id, invoice_id)]
        assert events.count("booked") == 1


def test_a_run_delivers_once_over_the_schedules_channel(billing: Billing, company_id: str) -> None:
    ids = schedules(billing, company_id, 3, channel="manual")
    summary = billing.run_billing(company_id, "2026-12")
    assert summary.delivered == 3
    again = billing.run_billing(company_id, "2026-12")
    assert (again.delivered, again.skipped) == (0, 3)
    for schedule_id in ids:
        invoice_id = period_id(schedule_id, DECEMBER)
        assert billing.get_invoice(company_id, invoice_id).status is Status.SENT
        assert len(billing.delivery_status(company_id, invoice_id).attempts) == 1


def test_arrears_and_quarterly_schedules_bill_what_falls_due(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    one, two = customers(billing, company_id, 2)
    arrears = billing.create_schedule(company_id, monthly(one, timing=Timing.ARREARS))
    quarterly = billing.create_schedule(
        company_id, monthly(two, cadence=Cadence.quarterly(), start=date(2026, 2, 1))
    )
    # December: the arrears of November; the quarter from November 1 was billed then
    december = billing.run_billing(company_id, "2026-12")
    assert (december.due, december.booked) == (1, 1)
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    invoice = billing.get_invoice(company_id, period_id(arrears.id, november))
    assert invoice.issue_date == date(2026, 12, 1)
    product = invoice.lines[0]
    assert isinstance(product, ProductLine)
    assert (product.period_start, product.period_end) == (november.start, november.end)
    # a window not yet come bills nothing
    assert billing.run_billing(company_id, "2027-02").due == 0
    # February: the arrears of January, and the quarter from February 1
    clock.current = datetime(2027, 2, 1, 7, tzinfo=UTC)
    february = billing.run_billing(company_id, (date(2027, 2, 1), date(2027, 2, 28)))
    assert (february.due, february.booked, february.failed) == (2, 2, ())
    numbers = booked(billing, company_id)
    assert period_id(arrears.id, Period(date(2027, 1, 1), date(2027, 1, 31))) in numbers
    assert period_id(quarterly.id, Period(date(2027, 2, 1), date(2027, 4, 30))) in numbers


def test_a_late_run_dates_every_invoice_today_whatever_the_billing_day(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    """Schedules billing on different days of the month: a run on the 20th dates every
    invoice the 20th, so none is back-dated behind another (numbers follow dates)."""
    late, early = customers(billing, company_id, 2)
    on_15 = billing.create_schedule(company_id, monthly(late, start=date(2026, 1, 15)))
    on_1 = billing.create_schedule(company_id, monthly(early, start=date(2026, 1, 1)))
    clock.current = datetime(2026, 12, 20, 7, tzinfo=UTC)
    summary = billing.run_billing(company_id, "2026-12")
    assert (summary.due, summary.booked, summary.failed) == (2, 2, ())
    for schedule, start in ((on_15, date(2026, 12, 15)), (on_1, date(2026, 12, 1))):
        periods = [p for p in booked(billing, company_id) if p.startswith(schedule.id)]
        (invoice_id,) = periods
        invoice = billing.get_invoice(company_id, invoice_id)
        assert invoice.issue_date == date(2026, 12, 20)
        assert invoice_id.endswith(start.strftime(".%Y%m%d"))


def test_a_draft_left_by_an_earlier_day_is_dated_again_when_booked(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    (customer_id,) = customers(billing, company_id, 1)
    schedule = billing.create_schedule(
        company_id,
        monthly(
            customer_id,
            lines=[
                LineInput(description=f"x {UNDRAWABLE}", quantity=Decimal(1), unit_price=Decimal(1))
            ],
        ),
    )
    first = billing.run_billing(company_id, "2026-12")
    assert [f.stage for f in first.failed] == ["book"]
    invoice_id = period_id(schedule.id, DECEMBER)
    billing.update_draft(company_id, invoice_id, DraftChanges(lines=[HOSTING]))
    clock.current = datetime(2026, 12, 3, 7, tzinfo=UTC)
    again = billing.run_billing(company_id, "2026-12")
    assert (again.booked, again.failed) == (1, ())
    assert billing.get_invoice(company_id, invoice_id).issue_date == date(2026, 12, 3)


def test_a_draft_its_channel_refuses_is_reported_and_keeps_no_number(
    make_store: Callable[[], Store], clock: ManualClock
) -> None:
    email = RecordingChannel(DeliveryType.EMAIL, unreachable={"lost@fjord.example"})
    billing = Billing(make_store(), clock, channels={"email": email})
    profile = CompanyProfile(id="co", name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    company_id = billing.create_company(profile).id
    reachable, lost = (
        billing.create_customer(
            company_id,
            NewCustomer(
                id=f"cu-{name}", name=name, address=BUYER_ADDRESS, email=f"{name}@fjord.example"
            ),
        ).id
        for name in ("found", "lost")
    )
    good = billing.create_schedule(company_id, monthly(reachable, channel="email"))
    bad = billing.create_schedule(company_id, monthly(lost, channel="email"))
    summary = billing.run_billing(company_id, "2026-12")
    assert (summary.created, summary.booked, summary.delivered) == (2, 1, 1)
    (failure,) = summary.failed
    assert (failure.schedule_id, failure.stage) == (bad.id, "book")
    assert "cannot be reached" in failure.message
    assert billing.get_invoice(company_id, period_id(bad.id, DECEMBER)).status is Status.DRAFT
    sent = billing.get_invoice(company_id, period_id(good.id, DECEMBER))
    assert (sent.number, sent.status) == ("1", Status.SENT)
    assert len(email.deliveries) == 1


def test_a_price_change_mid_period_is_prorated_by_day(billing: Billing, company_id: str) -> None:
    (customer_id,) = customers(billing, company_id, 1)
    schedule = billing.create_schedule(
        company_id, monthly(customer_id, timing=Timing.ARREARS, proration=Proration.DAILY)
    )
    dearer = LineInput(description="Hosting", quantity=Decimal(1), unit_price=Decimal("620.00"))
    billing.change_schedule_lines(company_id, schedule.id, date(2026, 11, 16), [dearer])
    billing.run_billing(company_id, "2026-12")
    invoice = billing.get_invoice(
        company_id, period_id(schedule.id, Period(date(2026, 11, 1), date(2026, 11, 30)))
    )
    # 15 days at 300 and 15 days at 620 of a 30-day month
    assert str(invoice.totals.line_total) == "460.00"


def test_a_paused_or_ended_schedule_bills_nothing(billing: Billing, company_id: str) -> None:
    paused, ended = schedules(billing, company_id, 2)
    billing.update_schedule(company_id, paused, ScheduleChanges(active=False))
    billing.update_schedule(company_id, ended, ScheduleChanges(end=date(2026, 11, 30)))
    assert billing.run_billing(company_id, "2026-12").due == 0


def test_bad_input_names_the_field(billing: Billing, company_id: str) -> None:
    (customer_id,) = customers(billing, company_id, 1)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: billing.run_billing(company_id, "2026-13"), "period"),
        (lambda: billing.run_billing(company_id, "2026-12", batch_size=0), "batch_size"),
        (lambda: billing.create_schedule(company_id, monthly("nobody")), "customer_id"),
        (
            lambda: billing.create_schedule(company_id, monthly(customer_id, channel="fax")),
            "channel",
        ),
        (
            lambda: billing.create_schedule(
                company_id,
                monthly(
                    customer_id,
                    lines=[LineInput(description="x", quantity=Decimal(1), unit_price="abc")],  # type: ignore[arg-type]
                ),
            ),
            "lines.0.unit_price",
        ),
        (
            lambda: billing.create_schedule(
                company_id, monthly(customer_id, cadence=Cadence.days(7), anchor_day=3)
            ),
            "anchor_day",
        ),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == field, field
    assert billing.list_schedules(company_id) == []
    assert billing.list_invoices(company_id).items == ()


def test_schedules_page_by_id(billing: Billing, company_id: str) -> None:
    ids = sorted(schedules(billing, company_id, 7))
    seen: list[str] = []
    after = None
    while True:
        page = billing.list_schedules(company_id, after=after, limit=3)
        seen += [s.id for s in page]
        if len(page) < 3:
            break
        after = page[-1].id
    assert seen == ids
