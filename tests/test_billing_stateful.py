"""Random sequences of Billing operations over two companies, checked against a model."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from faktura import InvoiceStateError, NotFoundError, Status, ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.ports import Store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.wire import new_draft

COMPANIES = ("co-a", "co-b")
PRICES = ("100.00", "33.33", "0.10", "1999.95")


@attrs.define
@attrs.define
class Doc:
    """What the model knows of a document."""

    company: str
    status: Status
    amount: Decimal
    kind: str = "invoice"
    number: str | None = None
    paid: Decimal = Decimal(0)
    credited_by: str | None = None
    credits: str | None = None


class BillingMachine(RuleBasedStateMachine):
    """The model: per company, documents with status and number, and a counter per kind."""

    docs = Bundle("docs")

    def make_store(self) -> Store:
        return MemoryStore()

    def __init__(self) -> None:
        super().__init__()
        self.billing = Billing(
            self.make_store(), ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
        )
        for company_id in COMPANIES:
            self.billing.create_company(
                CompanyProfile(
                    id=company_id, name=company_id, address=SELLER_ADDRESS, cvr="13585628"
                )
            )
            self.billing.create_customer(
                company_id,
                NewCustomer(id=f"{company_id}-cu", name="Customer", address=BUYER_ADDRESS),
            )
        self.model: dict[str, Doc] = {}
        self.counters: dict[tuple[str, str], int] = {}

    @rule(
        target=docs,
        company=st.sampled_from(COMPANIES),
        price=st.sampled_from(PRICES),
        quantity=st.integers(1, 3),
    )
    def create_draft(self, company: str, price: str, quantity: int) -> str:
        body = {
            "customerId": f"{company}-cu",
            "lines": [{"description": "Item", "quantity": str(quantity), "unitPrice": price}],
        }
        draft = self.billing.create_draft(company, new_draft(body))
        self.model[draft.id] = Doc(company, Status.DRAFT, draft.totals.amount)
        assert draft.totals.amount == (Decimal(price) * quantity * Decimal("1.25")).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )
        return draft.id

    @rule(company=st.sampled_from(COMPANIES))
    def create_draft_for_another_companys_customer(self, company: str) -> None:
        other = COMPANIES[1 - COMPANIES.index(company)]
        try:
            self.billing.create_draft(company, new_draft({"customerId": f"{other}-cu"}))
        except ValidationError as err:
            assert err.field == "customer_id"
        else:
            raise AssertionError("a draft for another company's customer was created")

    def _expect(self, company: str, doc_id: str, allowed: set[Status]) -> Doc | None:
        """The model document when the operation should succeed; None when it should fail."""
        doc = self.model[doc_id]
        if doc.company != company or doc.status not in allowed:
            return None
        return doc

    def _refused(self, company: str, doc_id: str, exc: Exception) -> None:
        doc = self.model[doc_id]
        expected = NotFoundError if doc.company != company else InvoiceStateError
        assert isinstance(exc, expected), (exc, doc)

    @rule(company=st.sampled_from(COMPANIES), doc_id=docs)
    def book(self, company: str, doc_id: str) -> None:
        doc = self._expect(company, doc_id, {Status.DRAFT})
        try:
            booked = self.billing.book(company, doc_id)
        except (NotFoundError, InvoiceStateError) as exc:
            assert doc is None, exc
            self._refused(company, doc_id, exc)
            return
        assert doc is not None
        key = (company, doc.kind)
        self.counters[key] = self.counters.get(key, 0) + 1
        prefix = "" if doc.kind == "invoice" else "CN-"
        assert booked.number == f"{prefix}{self.counters[key]}"
        doc.status, doc.number = Status.SENDING, booked.number

    @rule(company=st.sampled_from(COMPANIES), doc_id=docs)
    def cancel(self, company: str, doc_id: str) -> None:
        doc = self._expect(company, doc_id, {Status.DRAFT})
        try:
            self.billing.cancel_draft(company, doc_id)
        except (NotFoundError, InvoiceStateError) as exc:
            assert doc is None, exc
            self._refused(company, doc_id, exc)
            return
        assert doc is not None
        doc.status = Status.CANCELLED
        if doc.credits is not None:  # a cancelled credit note releases its invoice
            invoice = self.model[doc.credits]
            invoice.credited_by = None
            invoice.status = self._payment_status(invoice)

    def _payment_status(self, doc: Doc) -> Status:
        if doc.paid == 0:
            return Status.SENDING
        return Status.PAID if doc.paid == doc.amount else Status.PARTIALLY_PAID

    @rule(company=st.sampled_from(COMPANIES), doc_id=docs, share=st.sampled_from([1, 2, 4]))
    def pay(self, company: str, doc_id: str, share: int) -> None:
        doc = self._expect(company, doc_id, {Status.SENDING, Status.PARTIALLY_PAID})
        owed = None if doc is None else doc.amount - doc.paid
        amount = (owed / share).quantize(Decimal("0.01")) if owed else Decimal("0.01")
        try:
            paid = self.billing.record_payment(company, doc_id, amount)
        except (NotFoundError, InvoiceStateError) as exc:
            assert doc is None, exc
            self._refused(company, doc_id, exc)
            return
        except ValidationError:
            assert doc is not None
            assert amount <= 0 or amount > doc.amount - doc.paid
            return
        assert doc is not None
        doc.paid += amount
        doc.status = self._payment_status(doc)
        assert paid.status is doc.status

    @rule(target=docs, company=st.sampled_from(COMPANIES), doc_id=docs)
    def credit_fully(self, company: str, doc_id: str) -> str:
        doc = self.model[doc_id]
        creditable = {Status.SENDING, Status.PARTIALLY_PAID, Status.PAID}
        ok = doc.company == company and doc.kind == "invoice" and doc.status in creditable
        try:
            note = self.billing.credit(company, doc_id)
        except (NotFoundError, InvoiceStateError) as exc:
            assert not ok, exc
            return doc_id
        assert ok
        doc.status, doc.credited_by = Status.CREDITED, note.id
        self.model[note.id] = Doc(
            company, Status.DRAFT, note.totals.amount, "credit_note", credits=doc_id
        )
        assert note.totals.amount == doc.amount
        return note.id

    def teardown(self) -> None:
        self.billing.store.close()
        path = getattr(self.billing.store, "path", None)
        if path is not None:  # a file store made for this run
            shutil.rmtree(path.parent, ignore_errors=True)

    @invariant()
    def stored_documents_match_the_model(self) -> None:
        for doc_id, doc in self.model.items():
            stored = self.billing.get_invoice(doc.company, doc_id)
            assert (stored.status, stored.number) == (doc.status, doc.number), doc_id

    @invariant()
    def numbers_are_gap_free_per_company_and_kind(self) -> None:
        for company in COMPANIES:
            for kind, prefix in (("invoice", ""), ("credit_note", "CN-")):
                numbers = sorted(
                    int(d.number.removeprefix(prefix))
                    for d in self.model.values()
                    if d.company == company and d.kind == kind and d.number is not None
                )
                assert numbers == list(range(1, len(numbers) + 1))

    @invariant()
    def lists_show_exactly_the_companys_documents(self) -> None:
        for company in COMPANIES:
            listed = self.billing.list_invoices(company, limit=100, kind=None)
            expected = {i for i, d in self.model.items() if d.company == company}
            assert listed.total == len(expected)
            assert {i.id for i in listed.items} == set(list(expected)[:100]) or len(expected) > 100


TestBillingOnMemory = BillingMachine.TestCase
TestBillingOnMemory.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)


def machine_for(make_store: Any) -> type[BillingMachine]:
    """The same machine over another store."""
    return type("Machine", (BillingMachine,), {"make_store": lambda self: make_store()})


def _sqlite_store() -> Store:
    # one fresh file per run of the machine; the directory goes with the process
    directory = tempfile.mkdtemp(prefix="faktura-stateful-")
    return SqliteStore(Path(directory) / "billing.db", create=True)


TestBillingOnSqlite = machine_for(_sqlite_store).TestCase
TestBillingOnSqlite.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
