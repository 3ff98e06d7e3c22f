"""Getting paid on every store, through Billing: reminder runs (numbered, rendered,
archived, delivered, never twice, nothing written when a reminder cannot be made),
payments by reference with partial and over-payments, a camt.053 statement imported
twice, reversals, refunds, the credit balance and statements."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from faktura import InvoiceStateError, NotFoundError, ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyProfile, CustomerChanges, LineInput, NewCustomer, NewDraft
from faktura.delivery.channel import OutgoingReminder, Receipt
from faktura.delivery.manual import ManualChannel
from faktura.documents.fik import payment_id
from faktura.dunning import ReferenceRateTable, ReminderLevel, ReminderPolicy
from faktura.errors import ConfigurationError, DeliveryUnavailable, RenderError
from faktura.invoice import Invoice
from faktura.numbering import NumberSeries, Reset
from faktura.ports import Store
from faktura.receivables import BankOutcome
from faktura.status import Status
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS

pytest_plugins = ["pg_fixture", "store_fixture"]

RATES = ReferenceRateTable.of(
    {date(2026, 1, 1): Decimal("1.60"), date(2026, 7, 1): Decimal("1.35")}
)
#: A character no font of the PDF draws.
UNDRAWABLE = "\U0001f984"


class Unreachable(ManualChannel):
    """A channel whose far end is down (the outside world's boundary)."""

    def deliver_reminder(self, message: OutgoingReminder) -> Receipt:
        raise DeliveryUnavailable("the printer is offline")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 10, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Store:
    return make_store()


@pytest.fixture
def billing(store: Store, clock: ManualClock) -> Billing:
    return Billing(store, clock, reference_rates=RATES)


@pytest.fixture
def company_id(billing: Billing) -> str:
    profile = CompanyProfile(
        id="co",
        name="Nordlys ApS",
        cvr="13585628",
        address=SELLER_ADDRESS,
        fik_creditor="12345678",
        invoice_series=NumberSeries("{year}-{seq:04}", reset=Reset.YEARLY),
    )
    return billing.create_company(profile).id


def customer(billing: Billing, company_id: str, n: int = 1, **fields: object) -> str:
    new = NewCustomer(id=f"cu-{n}", name=f"Kunde {n}", address=BUYER_ADDRESS, **fields)  # type: ignore[arg-type]
    return billing.create_customer(company_id, new).id


def invoice(billing: Billing, company_id: str, customer_id: str, price: str = "800.00") -> Invoice:
    """Sent by hand today, due in 14 days: price + 25 % VAT."""
    line = LineInput(description="Rådgivning", quantity=Decimal(1), unit_price=Decimal(price))
    draft = billing.create_draft(
        company_id, NewDraft(customer_id=customer_id, lines=[line], payment_terms=14)
    )
    billing.send(company_id, draft.id, "manual")
    return billing.get_invoice(company_id, draft.id)


# -- reminders ------------------------------------------------------------------------------


def test_a_run_makes_numbers_archives_and_delivers_each_reminder_once(
    billing: Billing, company_id: str, clock: ManualClock, store: Store
) -> None:
    cu = customer(billing, company_id)
    first = invoice(billing, company_id, cu)  # 1,000.00 due 15 October
    clock.advance(days=5)
    second = invoice(billing, company_id, cu, "400.00")  # 500.00 due 20 October
    clock.advance(days=19)  # 25 October: 10 days past the first, 5 past the second
    run = billing.run_reminders(company_id)
    (made,) = run.reminders
    reminder = made.reminder
    assert made.delivered
    assert reminder.number == "R-2026-0001"
    assert [item.invoice_id for item in reminder.items] == [first.id]
    assert reminder.fee == Decimal("100.00")
    assert reminder.payment_id == payment_id("90000020260001")
    # fees and interest are outside VAT and on no invoice: the invoice is as it was, and
    # the reminder charges exactly fee + interest + compensation
    assert billing.get_invoice(company_id, first.id).amounts == first.amounts
    assert reminder.charges == reminder.fee + reminder.interest + reminder.compensation
    assert reminder.to_pay == first.outstanding + reminder.charges
    pdf = billing.reminder_pdf(company_id, reminder.id)
    assert pdf.startswith(b"%PDF")
    attempts = billing.reminder_deliveries(company_id, reminder.id).attempts
    assert [(a.state.value, a.delivery_type.value) for a in attempts] == [("delivered", "manual")]
    events = [e.type for e in billing.events(company_id, first.id)]
    assert events[-2:] == ["reminder_created", "reminder_sent"]
    # the same day again: nothing; ten days on: the first invoice's second, the second's first
    assert billing.run_reminders(company_id).reminders == ()
    clock.advance(days=10)
    again = billing.run_reminders(company_id)
    assert sorted((o.reminder.level, o.reminder.items[0].invoice_id) for o in again.reminders) == [
        (1, second.id),
        (2, first.id),
    ]
    assert [o.reminder.number for o in again.reminders] == ["R-2026-0002", "R-2026-0003"]
    # a customer's reminders page by id like the company's
    everyone = billing.list_reminders(company_id, customer_id=cu)
    assert len(everyone) == 3
    first_page = billing.list_reminders(company_id, customer_id=cu, limit=2)
    rest = billing.list_reminders(company_id, customer_id=cu, after=first_page[-1].id, limit=2)
    assert first_page + rest == sorted(everyone, key=lambda r: r.id)
    # the archived PDF stays what was sent, whatever changes later
    billing.update_company(company_id, {"name": "Nordlys Holding ApS"})
    assert billing.reminder_pdf(company_id, reminder.id) == pdf


def test_paid_credited_and_written_off_invoices_are_never_reminded(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id)
    paid = invoice(billing, company_id, cu)
    credited = invoice(billing, company_id, cu)
    written_off = invoice(billing, company_id, cu)
    billing.record_payment(company_id, paid.id, paid.outstanding)
    billing.send(company_id, billing.credit(company_id, credited.id).id, "manual")
    billing.mark_uncollectible(company_id, written_off.id)
    for _ in range(8):
        clock.advance(days=10)
        assert billing.run_reminders(company_id).reminders == ()


def test_after_the_last_level_no_more_reminders_come(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id)
    invoice(billing, company_id, cu)
    levels = []
    for _ in range(12):
        clock.advance(days=7)
        levels += [o.reminder.level for o in billing.run_reminders(company_id).reminders]
    assert levels == [1, 2, 3]


def test_a_reminder_that_cannot_be_rendered_writes_nothing_and_uses_no_number(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id)
    invoice(billing, company_id, cu)
    bad = ReminderPolicy(levels=(ReminderLevel(10, Decimal(100), text=f"Betal {UNDRAWABLE}"),))
    with pytest.raises(ValidationError) as caught:
        billing.set_reminder_policy(company_id, bad)
    assert caught.value.field == "levels[0].text"
    # a customer renamed after the invoice was booked: its reminder cannot be drawn
    billing.update_customer(company_id, cu, CustomerChanges(name=f"Kunde {UNDRAWABLE}"))
    clock.advance(days=30)
    with pytest.raises(RenderError):
        billing.run_reminders(company_id)
    assert billing.list_reminders(company_id) == []
    billing.update_customer(company_id, cu, CustomerChanges(name="Kunde 1"))
    (made,) = billing.run_reminders(company_id).reminders
    assert made.reminder.number == "R-2026-0001"


def test_interest_without_reference_rates_is_refused_before_anything(
    store: Store, company_id: str, clock: ManualClock, billing: Billing
) -> None:
    cu = customer(billing, company_id)
    invoice(billing, company_id, cu)
    clock.advance(days=30)
    without = Billing(store, clock)
    with pytest.raises(ConfigurationError, match="reference_rates"):
        without.run_reminders(company_id)
    assert without.list_reminders(company_id) == []


def test_a_rate_missing_for_one_customer_refuses_the_whole_run_before_any_reminder(
    store: Store, company_id: str, clock: ManualClock, billing: Billing
) -> None:
    line = LineInput(description="Rådgivning", quantity=Decimal(1), unit_price=Decimal(800))
    older = NewDraft(
        customer_id=customer(billing, company_id, 2),
        lines=[line],
        issue_date=date(2026, 9, 1),
        payment_terms=14,
    )
    billing.send(company_id, billing.create_draft(company_id, older).id, "manual")
    invoice(billing, company_id, customer(billing, company_id, 1))  # due 15 October
    clock.advance(days=30)
    # rates from 1 October only: the second customer's interest from 15 September has none
    late = ReferenceRateTable.of({date(2026, 10, 1): Decimal("1.35")})
    partial = Billing(store, clock, reference_rates=late)
    with pytest.raises(ConfigurationError, match="2026-09-16"):
        partial.run_reminders(company_id)
    assert partial.list_reminders(company_id) == []


def test_a_failed_delivery_is_logged_and_sent_again_with_the_same_pdf(
    store: Store, company_id: str, clock: ManualClock, billing: Billing
) -> None:
    cu = customer(billing, company_id)
    invoice(billing, company_id, cu)
    clock.advance(days=30)
    down = Billing(store, clock, reference_rates=RATES, channels={"manual": Unreachable()})
    (made,) = down.run_reminders(company_id).reminders
    assert not made.delivered
    assert made.attempt.error_code is not None
    again = billing.send_reminder(company_id, made.reminder.id)
    assert again.delivered
    assert again.attempt.sequence == 2
    assert billing.reminder_pdf(company_id, made.reminder.id).startswith(b"%PDF")


def test_two_runs_at_once_make_each_reminder_once(
    make_store: Callable[[], Store], company_id: str, clock: ManualClock, billing: Billing
) -> None:
    for n in range(4):
        invoice(billing, company_id, customer(billing, company_id, n))
    clock.advance(days=30)
    made: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            other = Billing(make_store(), clock, reference_rates=RATES)
            made.extend(o.reminder.number for o in other.run_reminders(company_id).reminders)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(made) == [f"R-2026-000{n}" for n in range(1, 5)]


# -- payments --------------------------------------------------------------------------------


def test_payments_are_matched_by_number_fik_and_reminder_with_over_payments_on_account(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id)
    a = invoice(billing, company_id, cu)  # 1,000.00
    b = invoice(billing, company_id, cu)  # 1,000.00
    assert a.number is not None
    assert b.number is not None
    partial = billing.receive_payment(company_id, "400.00", reference=f"Faktura {a.number}, tak")
    assert (partial.outcome, partial.document_ids) == (BankOutcome.PARTIAL, (a.id,))
    assert billing.get_invoice(company_id, a.id).status is Status.PARTIALLY_PAID
    fik = f"+71<{payment_id(b.number)}+12345678<"
    over = billing.receive_payment(company_id, "1050.00", reference=fik)
    assert over.outcome is BankOutcome.OVERPAID
    assert billing.get_invoice(company_id, b.id).status is Status.PAID
    assert billing.credit_balance(company_id, cu) == Decimal("50.00")
    unknown = billing.receive_payment(company_id, "75.00", reference="gave til Jens")
    assert unknown.outcome is BankOutcome.UNMATCHED
    assert unknown.reason
    assert [e.key for e in billing.bank_entries(company_id, outcome="unmatched")] == [unknown.key]
    # the credit balance pays part of a later invoice
    c = invoice(billing, company_id, cu)
    used = billing.apply_credit_balance(company_id, c.id)
    assert used.outstanding == Decimal("950.00")
    assert billing.credit_balance(company_id, cu) == 0
    # taking that payment back gives the balance back
    from_balance = used.payments[-1].id
    assert from_balance is not None
    back = billing.reverse_payment(company_id, c.id, from_balance)
    assert isinstance(back, Invoice)
    assert back.outstanding == Decimal("1000.00")
    assert billing.credit_balance(company_id, cu) == Decimal("50.00")
    statement = billing.statement(company_id, cu, date(2026, 1, 1))
    assert statement.closing == statement.open_total
    assert "credit_restored" in [line.kind.value for line in statement.lines]


def test_a_reminder_payment_pays_the_charges_first_then_the_invoices(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id, cvr="10150817")  # a business: DKK 310 compensation
    inv = invoice(billing, company_id, cu)
    clock.advance(days=24)
    (made,) = billing.run_reminders(company_id).reminders
    reminder = made.reminder
    assert reminder.compensation == Decimal("310.00")
    charges = reminder.charges
    entry = billing.receive_payment(company_id, str(charges + 100), reference=reminder.number)
    assert entry.outcome is BankOutcome.PARTIAL
    assert billing.get_reminder(company_id, reminder.id).charges_outstanding == 0
    assert billing.get_invoice(company_id, inv.id).outstanding == Decimal("900.00")
    # the FIK id printed on the reminder finds it too
    assert reminder.payment_id is not None
    rest = billing.receive_payment(company_id, "900.00", reference=reminder.payment_id)
    assert rest.outcome is BankOutcome.MATCHED
    assert billing.get_invoice(company_id, inv.id).status is Status.PAID


def test_a_reversal_restores_every_part_of_a_payment(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id)
    inv = invoice(billing, company_id, cu)
    before = billing.get_invoice(company_id, inv.id)
    entry = billing.receive_payment(company_id, "1200.00", reference=inv.number or "", key="k1")
    assert billing.credit_balance(company_id, cu) == Decimal("200.00")
    (pid,) = entry.payment_ids
    after = billing.reverse_payment(company_id, inv.id, pid, reason="bounced")
    assert isinstance(after, Invoice)
    assert attrs.evolve(after, updated_at=before.updated_at, version=before.version) == before
    assert billing.credit_balance(company_id, cu) == 0
    assert [e.type for e in billing.events(company_id, inv.id)][-1] == "payment_reversed"
    with pytest.raises(NotFoundError):  # reversed already: nothing holds it now
        billing.reverse_payment(company_id, inv.id, pid)
    # a payment recorded on the invoice directly is reversed the same way
    paid = billing.record_payment(company_id, inv.id, Decimal("1000.00"))
    (payment,) = paid.payments
    assert payment.id is not None
    back = billing.reverse_payment(company_id, inv.id, payment.id)
    assert back.status is Status.SENT
    billing.record_payment(company_id, inv.id, Decimal("10.00"))
    with pytest.raises(NotFoundError):
        billing.reverse_payment(company_id, inv.id, "pay_nothing")


def test_a_payment_wholly_on_account_is_reversed_from_the_account(
    billing: Billing, company_id: str
) -> None:
    cu = customer(billing, company_id)
    inv = invoice(billing, company_id, cu)
    billing.record_payment(company_id, inv.id, inv.outstanding)
    # paid twice: the second payment finds the invoice settled and goes to the account
    twice = billing.receive_payment(company_id, "1000.00", inv.number or "")
    assert twice.outcome is BankOutcome.OVERPAID
    assert billing.credit_balance(company_id, cu) == Decimal("1000.00")
    (pid,) = twice.payment_ids
    after = billing.reverse_payment(company_id, inv.id, pid, reason="bounced")
    assert isinstance(after, Invoice)
    assert after.status is Status.PAID  # its own payment stays
    assert billing.credit_balance(company_id, cu) == 0
    with pytest.raises(NotFoundError):
        billing.reverse_payment(company_id, inv.id, pid)
    assert billing.credit_balance(company_id, cu) == 0
    # a credited invoice keeps its payments: reversing one is refused by its state
    paid = billing.get_invoice(company_id, inv.id)
    billing.send(company_id, billing.credit(company_id, inv.id).id, "manual")
    (own,) = paid.payments
    assert own.id is not None
    with pytest.raises(InvoiceStateError):
        billing.reverse_payment(company_id, inv.id, own.id)


def test_refunds_of_a_credit_note_and_of_a_credit_balance(
    billing: Billing, company_id: str
) -> None:
    cu = customer(billing, company_id)
    inv = invoice(billing, company_id, cu)
    billing.record_payment(company_id, inv.id, inv.outstanding)
    note_id = billing.credit(company_id, inv.id).id
    billing.send(company_id, note_id, "manual")
    note = billing.get_invoice(company_id, note_id)
    refunded = billing.refund_credit_note(company_id, note.id, reference="bank transfer")
    assert refunded.status is Status.PAID
    assert [e.type for e in billing.events(company_id, note.id)][-1] == "refunded"
    with pytest.raises(ValidationError) as caught:
        billing.refund_credit_note(company_id, inv.id)
    assert caught.value.field == "credit_note_id"
    billing.receive_payment(company_id, "30.00", reference=inv.number or "")
    assert billing.credit_balance(company_id, cu) == Decimal("30.00")
    with pytest.raises(ValidationError) as too_much:
        billing.refund_credit_balance(company_id, cu, "30.01")
    assert too_much.value.field == "amount"
    billing.refund_credit_balance(company_id, cu, "30.00")
    assert billing.credit_balance(company_id, cu) == 0
    statement = billing.statement(company_id, cu, start=date(2026, 1, 1))
    assert statement.closing == statement.open_total == 0


# -- bank statements -----------------------------------------------------------------------------


def _camt(entries: list[tuple[str, str, str]]) -> bytes:
    """A camt.053.001.02 statement with credits (bank reference, amount, remittance)."""
    rows = "".join(
        f"""<Ntry><Amt Ccy="DKK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-10-10</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd/><NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>
        </Ntry>"""
        for ref, amount, text in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-11T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-10-11T06:00:00</CreDtTm>
<Acct><Id><IBAN>DK5000400440116243</IBAN></Id></Acct>{rows}</Stmt></BkToCstmrStmt></Document>
""".encode()


def test_a_bank_statement_imported_twice_changes_nothing_the_second_time(
    billing: Billing, company_id: str
) -> None:
    cu = customer(billing, company_id)
    full, part, over = (invoice(billing, company_id, cu) for _ in range(3))
    assert full.number
    assert part.number
    assert over.number
    data = _camt(
        [
            ("B1", "1000.00", f"+71&lt;{payment_id(full.number)}+12345678&lt;"),
            ("B2", "250.00", f"Faktura {part.number}"),
            ("B3", "1100.00", over.number),
            ("B4", "99.00", "ukendt"),
            ("B1", "1000.00", f"+71&lt;{payment_id(full.number)}+12345678&lt;"),
        ]
    )
    first = billing.import_bank_statement(company_id, data)
    assert [(t.entry.outcome.value, t.new) for t in first.transactions] == [
        ("matched", True),
        ("partial", True),
        ("overpaid", True),
        ("unmatched", True),
    ]
    assert len(first.skipped) == 1  # the repeated entry
    state = (
        [billing.get_invoice(company_id, i.id) for i in (full, part, over)],
        billing.credit_balance(company_id, cu),
        billing.bank_entries(company_id),
    )
    second = billing.import_bank_statement(company_id, data)
    assert [t.new for t in second.transactions] == [False] * 4
    assert [t.entry for t in second.transactions] == [t.entry for t in first.transactions]
    assert state == (
        [billing.get_invoice(company_id, i.id) for i in (full, part, over)],
        billing.credit_balance(company_id, cu),
        billing.bank_entries(company_id),
    )
    assert state[1] == Decimal("100.00")
    with pytest.raises(ValidationError) as caught:
        billing.import_bank_statement(company_id, b"<not camt/>")
    assert caught.value.field is not None
    assert caught.value.field.startswith("camt")


def test_a_statement_of_account_adds_up_and_renders(
    billing: Billing, company_id: str, clock: ManualClock
) -> None:
    cu = customer(billing, company_id, cvr="10150817")
    a = invoice(billing, company_id, cu)
    invoice(billing, company_id, cu, "200.00")
    billing.receive_payment(company_id, "1100.00", reference=a.number or "")
    clock.advance(days=40)
    billing.run_reminders(company_id)
    statement = billing.statement(company_id, cu, start=date(2026, 10, 1))
    assert statement.opening == 0
    assert statement.closing == statement.open_total
    kinds = [line.kind.value for line in statement.lines]
    assert kinds.count("invoice") == 2
    assert "reminder" in kinds
    assert "payment_on_account" in kinds
    pdf = billing.statement_pdf(company_id, cu, start=date(2026, 10, 1), language="da")
    assert pdf.startswith(b"%PDF")
