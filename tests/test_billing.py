"""Billing, the service layer, over the memory store: every use case and its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from faktura import (
    ConflictError,
    Customer,
    Department,
    DocumentKind,
    InvoiceStateError,
    NotFoundError,
    NumberingError,
    Status,
    ValidationError,
    VatCategory,
    VatZone,
    WireFormatError,
)
from faktura.billing import Billing
from faktura.commands import (
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    NewCustomer,
)
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Contact
from faktura.ports import CustomerDirectory
from faktura.storage.memory import MemoryStore
from faktura.terms import PaymentTerms
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS, HostDirectory
from faktura.wire import new_draft

TODAY = date(2026, 11, 25)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def billing(clock: ManualClock) -> Billing:
    return Billing(MemoryStore(), clock)


@pytest.fixture
def company_id(billing: Billing) -> str:
    return billing.create_company(
        CompanyProfile(id="co-1", name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
    ).id


@pytest.fixture
def customer(billing: Billing, company_id: str) -> Customer:
    return billing.create_customer(
        company_id,
        NewCustomer(
            id="cu-1",
            name="Fjord A/S",
            address=BUYER_ADDRESS,
            number="1001",
            departments=(Department("dep-1", "Purchasing", ean="5790000435951"),),
            contacts=(Contact("con-1", "Mette", "mette@fjord.example"),),
        ),
    )


def body(customer_id: str = "cu-1", **extra: Any) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
        **extra,
    }


def test_create_draft_applies_the_defaults(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    draft = billing.create_draft(company_id, new_draft(body()))
    assert draft.number is None
    assert draft.status is Status.DRAFT
    assert draft.issue_date == TODAY  # from the clock
    assert draft.currency == "DKK"  # the company's
    assert draft.payment_terms == PaymentTerms.net(8)  # the company's
    assert draft.due_date == TODAY + timedelta(days=8)
    line = draft.lines[0]
    assert (line.vat_category, line.vat_rate) == (VatCategory.S, Decimal(25))  # type: ignore[union-attr]
    assert draft.totals.amount == Decimal("1250.00")
    assert billing.get_invoice(company_id, draft.id) == draft


def test_create_draft_takes_every_seed_field(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    draft = billing.create_draft(
        company_id,
        new_draft(
            body(
                date="2026-11-01",
                customerDepartmentId="dep-1",
                customerContactId="con-1",
                currency="EUR",
                paymentTerms=30,
                reference="PO-7",
                ourReference="MH",
                description="November",
                notes="Thanks",
            )
        ),
    )
    assert draft.issue_date == date(2026, 11, 1)
    assert draft.due_date == date(2026, 12, 1)
    assert draft.currency == "EUR"
    assert (draft.customer_department_id, draft.customer_contact_id) == ("dep-1", "con-1")
    assert (draft.reference, draft.our_reference, draft.description, draft.notes) == (
        "PO-7",
        "MH",
        "November",
        "Thanks",
    )
    explicit = billing.create_draft(company_id, new_draft(body(dueDate="2026-12-24")))
    assert explicit.due_date == date(2026, 12, 24)
    assert not explicit.due_date_derived


def test_customer_terms_and_vat_zone_are_the_defaults(billing: Billing, company_id: str) -> None:
    billing.create_customer(
        company_id,
        NewCustomer(
            id="cu-eu",
            name="Berlin GmbH",
            vat_zone=VatZone.EU,
            vat_id="DE136695976",
            payment_terms=PaymentTerms.end_of_month(30),
        ),
    )
    draft = billing.create_draft(company_id, new_draft(body("cu-eu", date="2026-11-10")))
    assert draft.due_date == date(2026, 12, 30)
    assert draft.lines[0].vat_category is VatCategory.AE  # type: ignore[union-attr]
    assert draft.totals.vat == Decimal("0.00")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"customerId": "nobody"}, "customer_id"),
        ({"customerDepartmentId": "dep-x"}, "customer_department_id"),
        ({"customerContactId": "con-x"}, "customer_contact_id"),
        ({"dueDate": "2026-11-01", "date": "2026-11-02"}, "due_date"),
        ({"paymentTerms": 99999}, "payment_terms"),
        ({"currency": "XYZ"}, "currency"),
        (
            {"lines": [{"description": "x", "quantity": "1", "unitPrice": "-1"}]},
            "lines.0.unit_price",
        ),
    ],
)
def test_bad_drafts_name_the_field_and_store_nothing(
    billing: Billing, company_id: str, customer: Customer, extra: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        billing.create_draft(company_id, new_draft({**body(), **extra}))
    assert field in info.value.fields
    assert billing.list_invoices(company_id, kind=None).total == 0


def test_wire_junk_is_a_wire_format_error(billing: Billing, company_id: str) -> None:
    with pytest.raises(WireFormatError):
        billing.create_draft(company_id, new_draft({"customerId": "cu-1", "lines": "many"}))


def test_another_companys_customer_is_unknown(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    other = billing.create_company(
        CompanyProfile(id="co-2", name="Other", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    with pytest.raises(ValidationError) as info:
        billing.create_draft(other, new_draft(body()))
    assert info.value.field == "customer_id"
    with pytest.raises(NotFoundError):
        billing.get_customer(other, customer.id)


def test_booking_allocates_numbers_in_order(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    drafts = [billing.create_draft(company_id, new_draft(body())) for _ in range(3)]
    booked = [billing.book(company_id, d.id) for d in drafts]
    assert [b.number for b in booked] == ["1", "2", "3"]
    assert {b.status for b in booked} == {Status.SENDING}
    with pytest.raises(InvoiceStateError):
        billing.book(company_id, drafts[0].id)


def test_number_series_pattern_start_and_yearly_reset(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    billing.update_company(
        company_id,
        CompanyChanges(
            invoice_series=NumberSeries("{year}-{seq:05}", start=457, reset=Reset.YEARLY)
        ),
    )
    first = billing.create_draft(company_id, new_draft(body(date="2026-12-30")))
    second = billing.create_draft(company_id, new_draft(body(date="2026-12-31")))
    next_year = billing.create_draft(company_id, new_draft(body(date="2027-01-02")))
    numbers = [billing.book(company_id, d.id).number for d in (first, second, next_year)]
    # the start value continues an old system; after the reset the new year starts at 1
    assert numbers == ["2026-00457", "2026-00458", "2027-00001"]


def test_credit_notes_have_their_own_series(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    invoice = billing.book(company_id, billing.create_draft(company_id, new_draft(body())).id)
    note = billing.credit(company_id, invoice.id)
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert billing.book(company_id, note.id).number == "CN-1"
    assert billing.get_invoice(company_id, invoice.id).status is Status.CREDITED


def test_back_dating_is_refused_and_consumes_no_number(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    billing.book(
        company_id, billing.create_draft(company_id, new_draft(body(date="2026-11-20"))).id
    )
    early = billing.create_draft(company_id, new_draft(body(date="2026-11-19")))
    with pytest.raises(NumberingError) as info:
        billing.book(company_id, early.id)
    assert info.value.field == "issue_date"
    assert billing.get_invoice(company_id, early.id).status is Status.DRAFT
    later = billing.create_draft(company_id, new_draft(body(date="2026-11-21")))
    assert billing.book(company_id, later.id).number == "2"  # no number was used


def test_an_unbookable_draft_consumes_no_number(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    empty = billing.create_draft(company_id, new_draft({"customerId": "cu-1"}))
    with pytest.raises(ValidationError):
        billing.book(company_id, empty.id)
    assert (
        billing.book(company_id, billing.create_draft(company_id, new_draft(body())).id).number
        == "1"
    )


def test_update_and_cancel_drafts(
    billing: Billing, company_id: str, customer: Customer, clock: ManualClock
) -> None:
    draft = billing.create_draft(company_id, new_draft(body()))
    clock.advance(minutes=5)
    updated = billing.update_draft(
        company_id, draft.id, DraftChanges(notes="new"), expected_version=draft.version
    )
    assert updated.notes == "new"
    assert updated.updated_at > draft.updated_at
    with pytest.raises(ConflictError):
        billing.update_draft(
            company_id, draft.id, DraftChanges(notes="stale"), expected_version=draft.version
        )
    with pytest.raises(ValidationError) as info:
        billing.update_draft(company_id, draft.id, DraftChanges(customer_department_id="dep-x"))
    assert info.value.field == "customer_department_id"
    with pytest.raises(TypeError):  # no such field: a type checker says so before
        billing.update_draft(company_id, draft.id, DraftChanges(number="5"))  # type: ignore[call-arg]
    cancelled = billing.cancel_draft(company_id, draft.id)
    assert cancelled.status is Status.CANCELLED
    with pytest.raises(InvoiceStateError):
        billing.update_draft(company_id, draft.id, DraftChanges(notes="too late"))


def test_cancelling_a_credit_note_draft_releases_the_credit(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    invoice = billing.book(company_id, billing.create_draft(company_id, new_draft(body())).id)
    note = billing.credit(company_id, invoice.id, [(0, Decimal(1))])
    assert billing.get_invoice(company_id, invoice.id).credited_amount == Decimal("625.00")
    billing.cancel_draft(company_id, note.id)
    restored = billing.get_invoice(company_id, invoice.id)
    assert restored.credits == ()
    assert restored.status is Status.SENDING


def test_payments_and_write_offs(billing: Billing, company_id: str, customer: Customer) -> None:
    invoice = billing.book(company_id, billing.create_draft(company_id, new_draft(body())).id)
    part = billing.record_payment(company_id, invoice.id, Decimal("250.00"), reference="bank")
    assert part.status is Status.PARTIALLY_PAID
    with pytest.raises(ValidationError):
        billing.record_payment(company_id, invoice.id, Decimal("1000.01"))
    paid = billing.record_payment(company_id, invoice.id, Decimal("1000.00"))
    assert paid.status is Status.PAID
    other = billing.book(company_id, billing.create_draft(company_id, new_draft(body())).id)
    assert billing.mark_uncollectible(company_id, other.id).status is Status.UNCOLLECTIBLE


def test_every_change_is_in_the_audit_trail(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    draft = billing.create_draft(company_id, new_draft(body()), actor="api-key-1")
    billing.update_draft(company_id, draft.id, DraftChanges(notes="x"), actor="api-key-1")
    billing.book(company_id, draft.id, actor="api-key-2")
    billing.record_payment(company_id, draft.id, Decimal("1250.00"))
    events = billing.events(company_id, draft.id)
    assert [e.type for e in events] == ["created", "updated", "booked", "paid"]
    assert [e.actor for e in events] == ["api-key-1", "api-key-1", "api-key-2", None]
    assert events[2].data["number"] == "1"
    other = billing.create_company(
        CompanyProfile(id="co-2", name="Other", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    with pytest.raises(NotFoundError):
        billing.events(other, draft.id)


def test_list_in_the_seed_shape(
    billing: Billing, company_id: str, customer: Customer, clock: ManualClock
) -> None:
    for day in range(1, 26):
        billing.create_draft(
            company_id, new_draft(body(date=f"2026-10-{day:02d}", description=f"Job {day}"))
        )
    page = billing.list_invoices(company_id, page=2, limit=10)
    assert (page.total, page.page, page.limit, page.total_pages) == (25, 2, 10, 3)
    assert [i.issue_date.day for i in page.items] == list(range(15, 5, -1))
    assert billing.list_invoices(company_id, search="job 2").total == 7  # 2, 20-25
    overdue = billing.book(company_id, page.items[0].id)
    clock.advance(days=60)
    assert [i.id for i in billing.list_invoices(company_id, status="overdue").items] == [overdue.id]
    assert billing.list_invoices(company_id, status="draft", customer_id="cu-1").total == 24


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"page": 0}, "page"),
        ({"limit": 101}, "limit"),
        ({"limit": True}, "limit"),
        ({"status": "late"}, "status"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_list_arguments(
    billing: Billing, company_id: str, args: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        billing.list_invoices(company_id, **args)
    assert info.value.field == field


def test_tenants_never_see_each_other(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    draft = billing.create_draft(company_id, new_draft(body()))
    other = billing.create_company(
        CompanyProfile(id="co-2", name="Other", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    for call in (
        lambda: billing.get_invoice(other, draft.id),
        lambda: billing.book(other, draft.id),
        lambda: billing.update_draft(other, draft.id, DraftChanges(notes="x")),
        lambda: billing.cancel_draft(other, draft.id),
        lambda: billing.record_payment(other, draft.id, Decimal(1)),
        lambda: billing.credit(other, draft.id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert billing.list_invoices(other).total == 0


def test_a_host_can_plug_in_its_own_customer_directory(clock: ManualClock) -> None:
    directory = HostDirectory()
    plugged: CustomerDirectory = directory
    billing = Billing(MemoryStore(), clock, customers=plugged)
    company_id = billing.create_company(
        CompanyProfile(name="Host Co", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    directory.add(
        Customer(id="crm-9", company_id=company_id, name="From the CRM", address=BUYER_ADDRESS)
    )
    draft = billing.create_draft(company_id, new_draft(body("crm-9")))
    assert draft.customer_id == "crm-9"
    assert billing.list_customers(company_id).total == 1


def test_ids_can_be_chosen_by_the_host(clock: ManualClock) -> None:
    counter: Iterator[int] = iter(range(100))
    billing = Billing(MemoryStore(), clock, ids=lambda: f"id-{next(counter)}")
    company_id = billing.create_company(
        CompanyProfile(name="Co", address=SELLER_ADDRESS, cvr="13585628")
    ).id
    billing.create_customer(company_id, NewCustomer(id="cu-1", name="C", address=BUYER_ADDRESS))
    assert company_id == "id-0"
    assert billing.create_draft(company_id, new_draft(body())).id == "id-1"


def test_ids_and_owners_cannot_be_changed(
    billing: Billing, company_id: str, customer: Customer
) -> None:
    # the typed changes have no id to change; the mapping edit refuses it by name
    for command in (CompanyChanges, CustomerChanges):
        assert {"id", "company_id"}.isdisjoint(attrs.fields_dict(command))
    with pytest.raises(ValidationError) as info:
        billing.update_company(company_id, {"id": "other"})
    assert info.value.field == "id"
    assert (
        billing.update_customer(company_id, customer.id, CustomerChanges(name="Renamed")).name
        == "Renamed"
    )


def test_new_ids_follow_creation_order() -> None:
    from faktura.billing import new_id

    ids = [new_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    # the millisecond prefix never goes backwards
    assert [i[:12] for i in ids] == sorted(i[:12] for i in ids)
