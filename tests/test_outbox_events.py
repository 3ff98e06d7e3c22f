"""Every state change reaches the outbox in the unit of work of the change, on every
store: created, booked, delivered, delivery failed, paid, partially paid, overdue,
credited, cancelled; and nothing from a use case that failed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from faktura import ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyProfile, LineInput, NewCustomer, NewDraft
from faktura.outbox import OutboxMessage
from faktura.ports import Store
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS

pytest_plugins = ["pg_fixture", "store_fixture"]

LINE = LineInput(description="Hours", quantity=Decimal(2), unit_price=Decimal("500.00"))
LATER = datetime(2100, 1, 1, tzinfo=UTC)


def outbox(store: Store) -> list[OutboxMessage]:
    with store.unit_of_work() as uow:
        return uow.outbox.due(LATER, 10_000)


def types_of(store: Store, invoice_id: str) -> list[str]:
    return [m.event.type for m in outbox(store) if m.event.invoice_id == invoice_id]


def test_every_state_change_is_in_the_outbox(make_store: Callable[[], Store]) -> None:
    store = make_store()
    clock = ManualClock(datetime(2026, 12, 1, 8, tzinfo=UTC))
    billing = Billing(store, clock)
    profile = CompanyProfile(name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    company_id = billing.create_company(profile).id
    customer_id = billing.create_customer(
        company_id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    ).id

    def draft() -> str:
        return billing.create_draft(company_id, NewDraft(customer_id=customer_id, lines=[LINE])).id

    paid, cancelled, late, credited = draft(), draft(), draft(), draft()
    billing.send(company_id, paid, "manual")
    billing.record_payment(company_id, paid, Decimal("400.00"))
    billing.record_payment(company_id, paid, Decimal("850.00"))
    billing.cancel_draft(company_id, cancelled)
    billing.book(company_id, late)
    billing.book(company_id, credited)
    credit_note = billing.credit(company_id, credited)
    clock.advance(days=40)
    assert billing.report_overdue(company_id) == 1  # the late one: paid and credited are not owed
    assert billing.report_overdue(company_id) == 0  # once per document

    assert types_of(store, paid) == ["created", "booked", "delivered", "partially_paid", "paid"]
    assert types_of(store, cancelled) == ["created", "cancelled"]
    assert types_of(store, late) == ["created", "booked", "overdue"]
    assert types_of(store, credited) == ["created", "booked", "credited"]
    assert types_of(store, credit_note.id) == ["created"]
    messages = outbox(store)
    assert len({m.id for m in messages}) == len(messages)
    assert all(m.company_id == company_id for m in messages)


def test_a_failed_use_case_leaves_nothing_in_the_outbox(
    make_store: Callable[[], Store],
) -> None:
    store = make_store()
    billing = Billing(store, ManualClock())
    profile = CompanyProfile(name="Nordlys ApS", cvr="13585628", address=SELLER_ADDRESS)
    company_id = billing.create_company(profile).id
    before = outbox(store)
    with pytest.raises(ValidationError):
        billing.create_draft(company_id, NewDraft(customer_id="nobody", lines=[LINE]))
    empty = billing.create_customer(
        company_id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    ).id
    draft = billing.create_draft(company_id, NewDraft(customer_id=empty)).id
    with pytest.raises(ValidationError):
        billing.book(company_id, draft)  # no product line: refused
    assert [m.event.type for m in outbox(store) if m not in before] == ["created"]
