"""What a customer owes, pure: how a payment is split, a payment's reversal, the credit
balance, FIK references and the statement of account (faktura.receivables and
Invoice.reverse_payment), property-tested."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.documents.fik import payment_id
from faktura.errors import InvoiceStateError, NotFoundError
from faktura.invoice import Invoice
from faktura.money import total
from faktura.receivables import (
    AccountEntry,
    EntryKind,
    allocate,
    build_statement,
    credit_balance,
    fik_payment_id,
)
from faktura.status import PAYABLE_STATUSES, DocumentKind, Status
from faktura.testing.strategies import invoices

AT = datetime(2027, 1, 1, tzinfo=UTC)
money = st.decimals(Decimal("0.01"), Decimal("100000"), places=2)


@given(
    amount=money,
    charges=st.decimals(Decimal("0"), Decimal("1000"), places=2),
    owed=st.lists(st.decimals(Decimal("0"), Decimal("50000"), places=2), max_size=6),
)
def test_a_payment_is_split_charges_first_then_invoices_in_order_and_adds_up(
    amount: Decimal, charges: Decimal, owed: list[Decimal]
) -> None:
    invoices_owed = [(f"inv_{n}", o) for n, o in enumerate(owed)]
    split = allocate(amount, charges, invoices_owed)
    assert total((split.charges, *(p for _, p in split.invoices), split.surplus)) == amount
    assert 0 <= split.charges <= charges
    assert split.surplus >= 0
    paid = dict(split.invoices)
    for invoice_id, owes in invoices_owed:
        assert 0 <= paid.get(invoice_id, 0) <= owes
    # nothing goes further while something before it is still owed
    if split.charges < charges:
        assert not split.invoices
        assert split.surplus == 0
    for n, (invoice_id, owes) in enumerate(invoices_owed):
        if paid.get(invoice_id, 0) < owes:
            assert all(i not in paid for i, _ in invoices_owed[n + 1 :])
            assert split.surplus == 0


@settings(max_examples=100)
@given(
    invoice=invoices([Status.SENDING, Status.SENT, Status.PARTIALLY_PAID]),
    share=st.integers(1, 100),
)
def test_a_reversal_right_after_a_payment_restores_the_exact_earlier_state(
    invoice: Invoice, share: int
) -> None:
    owed = invoice.outstanding
    if owed <= 0:
        return
    step = Decimal(1).scaleb(owed.as_tuple().exponent)  # type: ignore[arg-type]
    amount = max((owed * share / 100).quantize(step), step)
    paid = invoice.record_payment(amount, invoice.due_date, AT, "bank", "pay_1").invoice
    reversed_, event = paid.reverse_payment("pay_1", AT + timedelta(seconds=1), "bounced")
    assert attrs.evolve(reversed_, updated_at=invoice.updated_at, version=invoice.version) == (
        invoice
    )
    assert event.type == "payment_reversed"
    assert event.data["amount"] == str(amount)
    assert event.data["status"] == invoice.status.value


@given(invoice=invoices([Status.PAID, Status.PARTIALLY_PAID]))
def test_a_payment_that_is_not_there_is_not_found_and_one_without_payments_is_refused(
    invoice: Invoice,
) -> None:
    with pytest.raises(NotFoundError):
        invoice.reverse_payment("pay_unknown", AT)
    if invoice.status is Status.PAID:
        return
    with pytest.raises(InvoiceStateError):
        attrs.evolve(invoice, status=Status.SENT).reverse_payment("pay_x", AT)


@given(number=st.from_regex(r"[A-Z]{0,3}-?[0-9]{1,14}", fullmatch=True))
def test_fik_references_are_read_from_a_line_or_the_id_alone(number: str) -> None:
    fik = payment_id(number)
    assert fik_payment_id(fik) == fik
    assert fik_payment_id(f"+71<{fik}+12345678<") == fik
    assert fik_payment_id(" ".join(fik[i : i + 5] for i in range(0, 15, 5))) == fik
    wrong = fik[:14] + str((int(fik[14]) + 1) % 10)
    assert fik_payment_id(wrong) is None


def _entry(kind: EntryKind, amount: str, n: int, customer: str = "c1") -> AccountEntry:
    return AccountEntry(
        id=f"e{n}",
        company_id="co",
        customer_id=customer,
        currency="DKK",
        kind=kind,
        amount=Decimal(amount),
        date=date(2027, 1, n),
        recorded_at=AT,
    )


def test_the_credit_balance_adds_over_payments_and_takes_what_was_used_or_paid_back() -> None:
    entries = [
        _entry(EntryKind.OVERPAYMENT, "150.00", 1),
        _entry(EntryKind.APPLIED, "100.00", 2),
        _entry(EntryKind.REFUND, "20.00", 3),
        _entry(EntryKind.OVERPAYMENT, "999.00", 4, customer="c2"),
    ]
    mine = [e for e in entries if e.customer_id == "c1"]
    assert credit_balance(mine, "DKK") == Decimal("30.00")
    assert credit_balance(mine, "EUR") == Decimal("0.00")


@st.composite
def accounts(draw: st.DrawFn) -> tuple[list[Invoice], list[AccountEntry]]:
    docs = draw(st.lists(invoices(currency="DKK"), min_size=1, max_size=5))
    docs = [attrs.evolve(d, customer_id="c1") for d in docs]
    entries = []
    for n in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(list(EntryKind)))
        entries.append(
            AccountEntry(
                id=f"e{n}",
                company_id="co",
                customer_id="c1",
                currency="DKK",
                kind=kind,
                amount=draw(money),
                date=draw(st.dates(date(2020, 1, 1), date(2030, 1, 1))),
                recorded_at=AT,
            )
        )
    return docs, entries


@settings(max_examples=100)
@given(account=accounts(), start=st.dates(date(2015, 1, 1), date(2035, 1, 1)))
def test_a_statement_adds_up_and_its_open_items_are_its_balance(
    account: tuple[list[Invoice], list[AccountEntry]], start: date
) -> None:
    docs, entries = account
    end = date(2199, 12, 31)
    statement = build_statement("co", "c1", "DKK", start, end, docs, [], entries)
    moved = total(line.debit - line.credit for line in statement.lines)
    assert statement.opening + moved == statement.closing
    running = statement.opening
    for line in statement.lines:
        running += line.debit - line.credit
        assert line.balance == running
        assert (line.debit == 0) or (line.credit == 0)
    assert list(statement.lines) == sorted(statement.lines, key=lambda line: line.date)
    # up to the end of time, what is open is what the balance says
    whole = build_statement("co", "c1", "DKK", date(2000, 1, 1), end, docs, [], entries)
    assert whole.opening == 0
    assert whole.closing == statement.closing == whole.open_total
    booked = [d for d in docs if d.status not in (Status.DRAFT, Status.SCHEDULED, Status.CANCELLED)]
    for doc in booked:
        if doc.kind is DocumentKind.INVOICE and doc.status in PAYABLE_STATUSES:
            assert any(item.document_id == doc.id for item in whole.open_items) == (
                doc.outstanding > 0 or doc.amounts.payable - doc.paid_amount != 0
            )


def test_a_statement_of_a_period_starts_from_the_balance_before_it() -> None:
    docs: list[Invoice] = []
    entries = [_entry(EntryKind.OVERPAYMENT, "50.00", 1), _entry(EntryKind.REFUND, "50.00", 20)]
    statement = build_statement(
        "co", "c1", "DKK", date(2027, 1, 10), date(2027, 1, 31), docs, [], entries
    )
    assert statement.opening == Decimal("-50.00")
    (line,) = statement.lines
    assert (line.debit, line.credit, line.balance) == (Decimal("50.00"), 0, Decimal("0.00"))
    assert statement.closing == 0
    assert list(itertools.chain(statement.open_items)) == []
