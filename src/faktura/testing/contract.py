"""StoreContract: the behaviour every Store must show, as a reusable pytest suite.

Subclass it in a test module and provide a ``make_store`` fixture returning a callable
that builds a fresh, empty store (a new file, a new database)::

    class TestMyStore(StoreContract):
        @pytest.fixture
        def make_store(self, tmp_path):
            counter = itertools.count()
            return lambda: MyStore(tmp_path / f"{next(counter)}.db")

faktura runs it against MemoryStore, SqliteStore and PostgresStore; hosts run it
against their own stores. Property tests build a fresh store per example.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.apikeys import ApiKey
from faktura.delivery.channel import DeliveryType, ProviderEvent, Recipient, RecipientKind
from faktura.delivery.log import AttemptState, DeliveryAttempt
from faktura.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    NumberingError,
    StorageError,
    ValidationError,
)
from faktura.invoice import Invoice
from faktura.issued import ArchivedDocument, ArchiveKind, IssuedParties
from faktura.lines import ProductLine
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Address, BankAccount, Company, Contact, Customer, Department
from faktura.ports import COUNT_BOUND, OVERDUE, InvoiceQuery, ListResult, Store
from faktura.records import InvoiceEvent
from faktura.status import DocumentKind, Status
from faktura.storage.query import matches, newest_first
from faktura.terms import PaymentTerms
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.vat import VatCategory

__all__ = ["StoreContract"]

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)
StoreFactory = Callable[[], Store]


def company(company_id: str = "co-a") -> Company:
    """A Danish seller complete enough to issue documents (CVR and address)."""
    return Company(
        id=company_id, name=f"Company {company_id}", cvr="13585628", address=SELLER_ADDRESS
    )


def customer(company_id: str = "co-a", customer_id: str = "cu-1", name: str = "Fjord") -> Customer:
    """A buyer with an address, as a Danish invoice names it."""
    return Customer(
        id=customer_id, company_id=company_id, name=name, number=customer_id, address=BUYER_ADDRESS
    )


#: A small valid PNG (1x1 pixel, transparent): logos are stored as bytes.
PNG_LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def full_company(company_id: str = "co-full") -> Company:
    """A company with every profile field set (address, bank, FIK, logo, series...)."""
    return Company(
        id=company_id,
        name="Nordlys ApS",
        address=Address("Havnegade 1", "København K", "1058", "DK", "2. sal"),
        cvr="13585628",
        vat_id="DK13585628",
        ean="5790000435951",
        bank=BankAccount("1234", "1234567890", "DK5000400440116243", "DABADKKK"),
        fik_creditor="12345678",
        currency="EUR",
        payment_terms=PaymentTerms.net(14),
        locale="en",
        email="billing@nordlys.dk",
        phone="+45 12 34 56 78",
        invoice_series=NumberSeries("{year}-{seq:04}", start=100, reset=Reset.YEARLY),
        credit_note_series=NumberSeries("CN{yy}{month}-{seq}", reset=Reset.MONTHLY),
        logo=PNG_LOGO,
        document_template="modern",
    )


def draft(
    invoice_id: str,
    company_id: str = "co-a",
    customer_id: str = "cu-1",
    issue_date: date = DAY,
    description: str | None = None,
    price: str = "100.00",
) -> Invoice:
    invoice, _ = Invoice.draft(
        id=invoice_id,
        company_id=company_id,
        customer_id=customer_id,
        issue_date=issue_date,
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=AT,
        lines=[ProductLine("Hours", Decimal(1), Decimal(price), VatCategory.S, Decimal(25))],
        description=description,
    )
    return invoice


def seeded(store: Store, *companies: str) -> Store:
    with store.unit_of_work() as uow:
        for company_id in companies or ("co-a",):
            uow.companies.add(company(company_id))
            uow.customers.add(customer(company_id))
            uow.customers.add(customer(company_id, "cu-2", "Arctic"))
        uow.commit()
    return store


def add(store: Store, *invoices: Invoice) -> None:
    with store.unit_of_work() as uow:
        for invoice in invoices:
            uow.invoices.add(invoice)
        uow.commit()


def payable(
    invoice_id: str,
    due_date: date,
    prepaid: str = "0",
    customer_id: str = "cu-1",
    company_id: str = "co-a",
) -> Invoice:
    """A draft of 250.00 DKK (2 hours at 100.00, 25 % VAT) due on ``due_date``, of which
    ``prepaid`` was paid in advance (prepaid amount, BT-113)."""
    invoice, _ = Invoice.draft(
        id=invoice_id,
        company_id=company_id,
        customer_id=customer_id,
        issue_date=due_date - timedelta(days=8),
        due_date=due_date,
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=AT,
        lines=[ProductLine("Hours", Decimal(2), Decimal("100.00"), VatCategory.S, Decimal(25))],
        prepaid_amount=Decimal(prepaid),
    )
    return invoice


#: What may happen to an invoice after it is drafted (``advance``).
STEPS = (
    "book",
    "deliver",
    "pay part",
    "pay rest",
    "credit part",
    "credit rest",
    "write off",
    "cancel",
)


def advance(invoice: Invoice, step: str, serial: str) -> tuple[Invoice, Invoice | None]:
    """``invoice`` after ``step`` (one of ``STEPS``), and the credit note draft a credit
    makes. ``serial`` makes the number and credit note id unique. Raises
    InvoiceStateError or ValidationError where the invoice refuses the step."""
    if step == "book":
        return invoice.book(f"N-{serial}", AT).invoice, None
    if step == "deliver":
        return invoice.mark_delivered(AT).invoice, None
    if step in ("pay part", "pay rest"):
        owed = invoice.outstanding
        amount = owed if step == "pay rest" else (owed / 2).quantize(Decimal("0.01"))
        return invoice.record_payment(amount, DAY, AT).invoice, None
    if step in ("credit part", "credit rest"):
        lines = [(0, Decimal(1))] if step == "credit part" else None
        credited = invoice.credit(f"cn-{serial}", AT, DAY, lines)
        return credited.invoice, credited.credit_note
    if step == "write off":
        return invoice.mark_uncollectible(AT).invoice, None
    if step == "cancel":
        return invoice.cancel(AT).invoice, None
    raise ValueError(f"unknown step {step!r}")


def past_due(today: date = DAY) -> list[Invoice]:
    """Documents 60 days past due on ``today``, owed and not: booked and delivered (owed),
    fully prepaid (not owed), paid in part (owed), half prepaid and credited beyond the
    rest (not owed, yet still "sent"), with that credit note's draft, and a draft."""
    due = today - timedelta(days=60)

    def after(invoice: Invoice, *steps: str) -> list[Invoice]:
        made: list[Invoice] = []
        for n, step in enumerate(steps):
            invoice, note = advance(invoice, step, f"{invoice.id}-{n}")
            made += [note] if note is not None else []
        return [invoice, *made]

    return [
        *after(payable("owed", due), "book", "deliver"),
        *after(payable("prepaid", due, prepaid="250.00"), "book", "deliver"),
        *after(payable("paid-in-part", due), "book", "pay part"),
        *after(payable("credited", due, prepaid="150.00"), "book", "deliver", "credit part"),
        payable("draft", due),
    ]


def attempt(
    attempt_id: str,
    invoice_id: str = "inv-1",
    sequence: int = 1,
    company_id: str = "co-a",
    key: str | None = None,
    minutes: int = 0,
) -> DeliveryAttempt:
    return DeliveryAttempt(
        id=attempt_id,
        company_id=company_id,
        invoice_id=invoice_id,
        sequence=sequence,
        delivery_type=DeliveryType.SPROOM,
        recipient=Recipient(RecipientKind.PEPPOL, "5790000435951", "Fjord", "0088"),
        started_at=AT + timedelta(minutes=minutes),
        idempotency_key=key,
        request="sproom",
    )


def api_key(key_id: str, company_id: str = "co-a", minutes: int = 0) -> ApiKey:
    key, _ = ApiKey.issue(
        key_id,
        company_id,
        f"key {key_id}",
        ["invoices-read", "invoices-write"],
        created_at=AT + timedelta(minutes=minutes),
        token=key_id.encode() * 2,
    )
    return key


class StoreContract:
    """Run every test below against the store built by the subclass's ``make_store``."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("a StoreContract subclass provides make_store")

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> Iterator[Store]:
        built = seeded(make_store(), "co-a", "co-b")
        yield built
        built.close()

    # -- round trips and not found -------------------------------------------------------

    def test_round_trip(self, store: Store) -> None:
        invoice = draft("inv-1", description="Workshop")
        add(store, invoice)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.get("co-a", "inv-1") == invoice
            assert uow.companies.get("co-a") == company("co-a")
            assert uow.customers.get("co-a", "cu-1") == customer("co-a")

    def test_booked_and_credited_documents_round_trip(self, store: Store) -> None:
        invoice = draft("inv-1").book("1", AT).invoice
        invoice = invoice.record_payment(Decimal("10.00"), DAY, AT).invoice
        credited, note, _ = invoice.credit("cn-1", AT, DAY)
        add(store, credited, note)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.get("co-a", "inv-1") == credited
            assert uow.invoices.get("co-a", "cn-1") == note

    def test_not_found(self, store: Store) -> None:
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.invoices.get("co-a", "nope")
            with pytest.raises(NotFoundError):
                uow.customers.get("co-a", "nope")
            with pytest.raises(NotFoundError):
                uow.companies.get("nope")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.invoices.update(draft("nope"), 1)

    def test_duplicates_conflict(self, store: Store) -> None:
        add(store, draft("inv-1"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.invoices.add(draft("inv-1"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.companies.add(company("co-a"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.customers.add(customer("co-a"))

    def test_a_number_is_unique_per_company(self, store: Store) -> None:
        add(store, draft("inv-1").book("7", AT).invoice)
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.invoices.add(draft("inv-2").book("7", AT).invoice)
        add(store, draft("inv-3", company_id="co-b").book("7", AT).invoice)

    # -- tenancy -------------------------------------------------------------------------

    def test_another_companys_documents_are_not_found(self, store: Store) -> None:
        add(store, draft("inv-b", company_id="co-b"))
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.invoices.get("co-a", "inv-b")
            with pytest.raises(NotFoundError):
                uow.customers.get("co-a", "cu-missing")
            listed = uow.invoices.list("co-a", InvoiceQuery(limit=100))
            assert listed.items == ()
            assert listed.total == 0
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.invoices.update(draft("inv-b", company_id="co-a"), 1)

    def test_events_are_scoped(self, store: Store) -> None:
        event = InvoiceEvent("inv-1", "created", AT, {"kind": "invoice"})
        with store.unit_of_work() as uow:
            uow.events.append("co-a", event)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.events.for_invoice("co-a", "inv-1") == [event]
            assert uow.events.for_invoice("co-b", "inv-1") == []

    def test_events_keep_their_order(self, store: Store) -> None:
        events = [
            InvoiceEvent("inv-1", kind, AT + timedelta(seconds=i), {"n": str(i)}, actor="me")
            for i, kind in enumerate(["created", "updated", "booked", "delivered"])
        ]
        for event in events:
            with store.unit_of_work() as uow:
                uow.events.append("co-a", event)
                uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.events.for_invoice("co-a", "inv-1") == events

    # -- units of work -------------------------------------------------------------------

    def test_rolls_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.invoices.add(draft("inv-1"))

        def fail_midway() -> None:
            with store.unit_of_work() as uow:
                uow.invoices.add(draft("inv-2"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail_midway()
        with store.unit_of_work() as uow:
            uow.invoices.add(draft("inv-3"))
            uow.rollback()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.list("co-a", InvoiceQuery()).total == 0

    def test_uncommitted_work_is_invisible_to_readers(self, store: Store) -> None:
        with store.unit_of_work() as writer:
            writer.invoices.add(draft("inv-1"))
            with store.unit_of_work(readonly=True) as reader, pytest.raises(NotFoundError):
                reader.invoices.get("co-a", "inv-1")
            writer.commit()
        with store.unit_of_work(readonly=True) as reader:
            assert reader.invoices.get("co-a", "inv-1").id == "inv-1"

    def test_a_closed_unit_of_work_refuses_work(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.commit()
        with pytest.raises(StorageError):
            uow.invoices.add(draft("inv-1"))

    def test_optimistic_concurrency_on_drafts(self, store: Store) -> None:
        original = draft("inv-1")
        add(store, original)
        first = original.update(AT, notes="first").invoice
        with store.unit_of_work() as uow:
            uow.invoices.update(first, original.version)
            uow.commit()
        second = original.update(AT, notes="second").invoice
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.invoices.update(second, original.version)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.get("co-a", "inv-1").notes == "first"

    def test_a_document_read_for_update_waits_for_no_one_and_no_one_overtakes_it(
        self, store: Store
    ) -> None:
        """A writer that read a document ``for_update`` can write it back whatever other
        writers try meanwhile: theirs wait for its commit and then read what it wrote."""
        original = draft("inv-1")
        add(store, original)
        outcome: list[BaseException | None] = []

        def other_writer() -> None:
            try:
                with store.unit_of_work() as uow:
                    stored = uow.invoices.get("co-a", "inv-1", for_update=True)
                    uow.invoices.update(stored.update(AT, notes="second").invoice, stored.version)
                    uow.commit()
            except BaseException as exc:  # any error: reported to the test
                outcome.append(exc)
            else:
                outcome.append(None)

        with store.unit_of_work() as uow:
            stored = uow.invoices.get("co-a", "inv-1", for_update=True)
            other = threading.Thread(target=other_writer)
            other.start()
            time.sleep(0.2)  # time enough for the other writer to overtake, were it let
            uow.invoices.update(stored.update(AT, notes="first").invoice, stored.version)
            uow.commit()
        other.join(timeout=30)
        assert outcome == [None]
        with store.unit_of_work(readonly=True) as uow:
            final = uow.invoices.get("co-a", "inv-1")
        assert (final.notes, final.version) == ("second", original.version + 2)

    # -- customers and companies ---------------------------------------------------------

    def test_customers_list_by_name_with_search_and_paging(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for n in range(5):
                uow.customers.add(customer("co-a", f"cx-{n}", f"Zeta {n}"))
            uow.customers.add(customer("co-b", "cx-b", "Zeta b"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            everything = uow.customers.list("co-a", 1, 100)
            names = [c.name for c in everything.items]
            assert names == sorted(names, key=str.lower)
            assert everything.total == 7
            page = uow.customers.list("co-a", 2, 2, search="zeta")
            assert [c.id for c in page.items] == ["cx-2", "cx-3"]
            assert page.total == 5
            assert uow.customers.list("co-a", 1, 10, search="cx-4").total == 1

    def test_updates_of_companies_and_customers(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.companies.update(Company(id="co-a", name="Renamed"))
            uow.customers.update(customer("co-a", "cu-1", "Renamed too"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get("co-a").name == "Renamed"
            assert uow.customers.get("co-a", "cu-1").name == "Renamed too"
            with pytest.raises(NotFoundError):
                uow.customers.update(customer("co-b", "cu-missing"))

    # -- list: order, paging, filters, search --------------------------------------------

    def test_list_order_and_paging(self, store: Store) -> None:
        invoices = [
            draft(f"inv-{n:02d}", issue_date=DAY - timedelta(days=n % 4)) for n in range(11)
        ]
        add(store, *invoices)
        expected = newest_first(invoices)
        with store.unit_of_work(readonly=True) as uow:
            pages = [uow.invoices.list("co-a", InvoiceQuery(page=p, limit=4)) for p in (1, 2, 3)]
            assert [i.id for page in pages for i in page.items] == [i.id for i in expected]
            assert {page.total for page in pages} == {11}
            beyond = uow.invoices.list("co-a", InvoiceQuery(page=9, limit=4))
            assert beyond.items == ()
            assert beyond.total == 11

    def test_list_follows_edits_of_the_date(self, store: Store) -> None:
        invoices = [draft(f"inv-{n}", issue_date=DAY - timedelta(days=n)) for n in range(6)]
        add(store, *invoices)
        moves = {
            "inv-0": DAY - timedelta(days=10),
            "inv-5": DAY + timedelta(days=1),
            "inv-3": DAY - timedelta(days=1),
        }
        for invoice_id, day in moves.items():
            with store.unit_of_work() as uow:
                stored = uow.invoices.get("co-a", invoice_id)
                uow.invoices.update(stored.update(AT, issue_date=day).invoice, stored.version)
                uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            expected = newest_first(uow.invoices.get("co-a", i.id) for i in invoices)
            for limit in (1, 2, 4, 6):
                pages = [
                    uow.invoices.list("co-a", InvoiceQuery(page=page, limit=limit))
                    for page in range(1, -(-6 // limit) + 1)
                ]
                found = [summary.id for result in pages for summary in result.items]
                assert found == [i.id for i in expected], limit
                assert {result.total for result in pages} == {6}
                assert [len(r.items) for r in pages[:-1]] == [limit] * (len(pages) - 1)

    def test_filters(self, store: Store) -> None:
        booked = draft("inv-1").book("1", AT).invoice
        paid = (
            draft("inv-2").book("2", AT).invoice.record_payment(Decimal("125.00"), DAY, AT).invoice
        )
        other = draft("inv-3", customer_id="cu-2")
        old = draft("inv-4", issue_date=DAY - timedelta(days=40)).book("3", AT).invoice
        credit_note = booked.credit("cn-1", AT, DAY, [(0, Decimal(1))]).credit_note
        add(store, booked, paid, other, old, credit_note)

        def ids(**query: object) -> list[str]:
            with store.unit_of_work(readonly=True) as uow:
                found = uow.invoices.list("co-a", InvoiceQuery(limit=100, **query))  # type: ignore[arg-type]
                return sorted(i.id for i in found.items)

        assert ids() == ["inv-1", "inv-2", "inv-3", "inv-4"]
        assert ids(status=Status.PAID) == ["inv-2"]
        assert ids(status=Status.SENDING) == ["inv-1", "inv-4"]
        assert ids(customer_id="cu-2") == ["inv-3"]
        assert ids(status=Status.DRAFT, customer_id="cu-1") == []
        assert ids(status=OVERDUE, today=DAY) == ["inv-4"]
        assert ids(status=OVERDUE, today=DAY + timedelta(days=30)) == ["inv-1", "inv-4"]
        assert ids(kind=DocumentKind.CREDIT_NOTE) == ["cn-1"]
        assert ids(kind=None) == ["cn-1", "inv-1", "inv-2", "inv-3", "inv-4"]

    def test_search_matches_fragments_of_numbers_and_words(self, store: Store) -> None:
        add(
            store,
            draft("inv-1", description="Architecture workshop").book("2026-00042", AT).invoice,
            draft("inv-2", description="Travel to Århus").book("2026-00043", AT).invoice,
            draft("inv-3", description="100% discount_code \\ special"),
        )

        def found(text: str) -> list[str]:
            with store.unit_of_work(readonly=True) as uow:
                result = uow.invoices.list("co-a", InvoiceQuery(limit=100, search=text))
                assert result.total == len(result.items)
                return sorted(i.id for i in result.items)

        assert found("0004") == ["inv-1", "inv-2"]
        assert found("00042") == ["inv-1"]
        assert found("WORKSHOP") == ["inv-1"]
        assert found("hitect") == ["inv-1"]
        assert found("århus") == ["inv-2"]
        assert found("ws") == []
        assert found("o") == ["inv-1", "inv-2", "inv-3"]
        assert found("%") == ["inv-3"]
        assert found("_") == ["inv-3"]
        assert found("t_c") == ["inv-3"]
        assert found("\\") == ["inv-3"]
        assert found('" OR 1=1 --') == []
        assert found("* NEAR(") == []

    def test_search_and_overdue_totals_are_counted_up_to_a_bound(self, store: Store) -> None:
        add(
            store,
            *(
                draft(f"inv-{n}", issue_date=DAY - timedelta(days=20), description="workshop")
                .book(f"2026-{n:05d}", AT)
                .invoice
                for n in range(7)
            ),
        )

        def total(**fields: Any) -> tuple[int, int, bool]:
            with store.unit_of_work(readonly=True) as uow:
                found = uow.invoices.list("co-a", InvoiceQuery(today=DAY, **fields))
            return len(found.items), found.total, found.exact

        for counted in ({"search": "shop"}, {"status": OVERDUE}):
            assert total(**counted) == (7, 7, True)
            assert total(count_bound=4, limit=3, **counted) == (3, 7, True)
            # at least page end + bound + 1 match: the count stopped there
            assert total(count_bound=3, limit=3, **counted) == (3, 7, False)
            assert total(count_bound=0, limit=3, **counted) == (3, 4, False)
            assert total(count_bound=0, limit=3, page=2, **counted) == (3, 7, False)
            assert total(count_bound=0, limit=3, page=3, **counted) == (1, 7, True)
            assert total(count_bound=0, limit=3, page=4, **counted) == (0, 7, True)
        # kept totals are exact whatever the bound
        for kept in ({}, {"status": Status.SENDING}, {"customer_id": "cu-1"}):
            assert total(count_bound=0, limit=2, **kept) == (2, 7, True)

    # -- overdue: Invoice.is_overdue, in every store ---------------------------------------

    def _write(self, store: Store, invoice: Invoice, step: str, serial: str) -> Invoice:
        """``invoice`` after ``step``, read from the store and written back to it."""
        with store.unit_of_work() as uow:
            stored = uow.invoices.get(invoice.company_id, invoice.id, for_update=True)
            following, _ = advance(stored, step, serial)
            uow.invoices.update(following, stored.version)
            uow.commit()
        return following

    def test_a_fully_prepaid_invoice_past_due_is_not_overdue(self, store: Store) -> None:
        due = DAY - timedelta(days=60)
        prepaid, owed = payable("inv-1", due, prepaid="250.00"), payable("inv-2", due)
        add(store, prepaid, owed)
        for invoice in (prepaid, owed):
            for step in ("book", "deliver"):
                invoice = self._write(store, invoice, step, invoice.id)

        def overdue() -> list[str]:
            with store.unit_of_work(readonly=True) as uow:
                found = uow.invoices.list("co-a", InvoiceQuery(status=OVERDUE, today=DAY))
            assert (found.total, found.exact) == (len(found.items), True)
            return [i.id for i in found.items]

        with store.unit_of_work(readonly=True) as uow:
            stored = [uow.invoices.get("co-a", i) for i in ("inv-1", "inv-2")]
        assert [(i.status, i.outstanding) for i in stored] == [
            (Status.SENT, Decimal("0.00")),
            (Status.SENT, Decimal("250.00")),
        ]
        assert [i.is_overdue(DAY) for i in stored] == [False, True]
        assert overdue() == ["inv-2"]
        # paid in part, it is still owed; paid in full, no longer
        paid = self._write(store, stored[1], "pay part", "p1")
        assert overdue() == ["inv-2"]
        self._write(store, paid, "pay rest", "p2")
        assert overdue() == []

    def test_overdue_lists_exactly_the_overdue_documents(self, make_store: StoreFactory) -> None:
        """For documents drafted, booked, delivered, paid, credited, written off or
        cancelled through the store, an overdue list holds exactly those whose
        ``is_overdue(today)`` is true, in list order."""
        # mostly booked (and delivered) first, then any steps, some of them refused
        plans = st.tuples(
            st.sampled_from([("book",), ("book", "deliver"), ()]),
            st.lists(st.sampled_from([*STEPS, "book note"]), max_size=3),
        ).map(lambda plan: [*plan[0], *plan[1]])
        documents = st.lists(
            st.tuples(
                st.integers(-90, 30),  # the due date, in days from DAY
                st.sampled_from(["0", "100.00", "250.00"]),  # prepaid: none, part, all
                st.sampled_from(["cu-1", "cu-2"]),
                plans,
                st.booleans(),  # each step on the document as read, or as written last
            ),
            min_size=1,
            max_size=6,
        )
        queries = st.builds(
            InvoiceQuery,
            limit=st.just(100),
            status=st.just(OVERDUE),
            kind=st.sampled_from([DocumentKind.INVOICE, None]),
            customer_id=st.sampled_from([None, "cu-2"]),
            today=st.sampled_from([DAY - timedelta(days=30), DAY, DAY + timedelta(days=60)]),
        )

        @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(documents, queries)
        def check(specs: list[tuple[int, str, str, list[str], bool]], query: InvoiceQuery) -> None:
            store = seeded(make_store())
            try:
                written: dict[str, Invoice] = {}
                for n, (due, prepaid, customer_id, plan, read_first) in enumerate(specs):
                    invoice = payable(f"i{n}", DAY + timedelta(days=due), prepaid, customer_id)
                    add(store, invoice)
                    written[invoice.id] = invoice
                    note: Invoice | None = None
                    for k, step in enumerate(plan):
                        # a step on the document as read (as Billing takes it), or on
                        # the one written last without reading it (the store then
                        # knows nothing of what it held)
                        with store.unit_of_work() as uow:
                            target = note if step == "book note" else invoice
                            if target is None:
                                continue
                            source = target
                            if read_first:
                                source = uow.invoices.get("co-a", target.id, for_update=True)
                            try:
                                if step == "book note":
                                    following, made = source.book(f"C-{n}-{k}", AT).invoice, None
                                else:
                                    following, made = advance(source, step, f"{n}-{k}")
                            except (InvoiceStateError, ValidationError):
                                continue  # refused in this state: nothing is written
                            uow.invoices.update(following, target.version)
                            if made is not None:
                                uow.invoices.add(made)
                            uow.commit()
                        written[following.id] = following
                        if step == "book note":
                            note = following
                        else:
                            invoice = following
                            note = made or note
                today = query.today
                assert today is not None
                expected = newest_first(
                    d
                    for d in written.values()
                    if d.is_overdue(today)
                    and query.kind in (None, d.kind)
                    and query.customer_id in (None, d.customer_id)
                )
                with store.unit_of_work(readonly=True) as uow:
                    result = uow.invoices.list("co-a", query)
                    stored = {i: uow.invoices.get("co-a", i) for i in written}
                assert stored == written
                assert [i.id for i in result.items] == [i.id for i in expected]
                assert (result.total, result.exact) == (len(expected), True)
            finally:
                store.close()

        check()

    def test_list_agrees_with_the_reference_semantics(self, make_store: StoreFactory) -> None:
        dates = st.dates(min_value=DAY - timedelta(days=10), max_value=DAY)
        words = st.sampled_from(["alpha", "beta", "gamma", "Beta max", None])
        documents = st.lists(
            st.tuples(dates, st.sampled_from(["cu-1", "cu-2"]), words, st.booleans()),
            max_size=12,
        )
        queries = st.builds(
            InvoiceQuery,
            page=st.integers(1, 3),
            limit=st.integers(1, 5),
            search=st.sampled_from([None, "a", "bet", "ETA", "00", "zz"]),
            status=st.sampled_from([None, Status.DRAFT, Status.SENDING, OVERDUE]),
            customer_id=st.sampled_from([None, "cu-1", "cu-2"]),
            kind=st.sampled_from([DocumentKind.INVOICE, None]),
            today=st.just(DAY),
            count_bound=st.sampled_from([COUNT_BOUND, 0, 1, 4]),
        )

        @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(documents, queries)
        def check(specs: list[tuple[date, str, str | None, bool]], query: InvoiceQuery) -> None:
            store = seeded(make_store())
            try:
                invoices = []
                for n, (day, customer_id, words_, book) in enumerate(specs):
                    invoice = draft(
                        f"i{n:03d}", customer_id=customer_id, issue_date=day, description=words_
                    )
                    invoices.append(invoice.book(f"00{n}", AT).invoice if book else invoice)
                add(store, *invoices)
                expected = newest_first(i for i in invoices if matches(i, query))
                with store.unit_of_work(readonly=True) as uow:
                    result = uow.invoices.list("co-a", query)
                window = expected[query.offset : query.offset + query.limit]
                assert [i.id for i in result.items] == [i.id for i in window]
                # a search's or overdue's total is counted up to the bound, alike in
                # every store; any other is exact
                reference: ListResult[object] = ListResult.bounded((), len(expected), query)
                assert (result.total, result.exact) == (reference.total, reference.exact)
                if not query.counted:
                    assert (result.total, result.exact) == (len(expected), True)
            finally:
                store.close()

        check()

    # -- numbering -----------------------------------------------------------------------

    def _allocate(
        self,
        store: Store,
        series: str = "invoice",
        period: str = "",
        start: int = 1,
        day: date = DAY,
        allow_backdating: bool = False,
        company_id: str = "co-a",
        commit: bool = True,
    ) -> int:
        with store.unit_of_work() as uow:
            seq = uow.numbers.allocate(company_id, series, period, start, day, allow_backdating)
            if commit:
                uow.commit()
        return seq

    def test_numbers_count_from_the_start_value(self, store: Store) -> None:
        assert [self._allocate(store, start=457) for _ in range(3)] == [457, 458, 459]
        with store.unit_of_work(readonly=True) as uow:
            assert uow.numbers.last("co-a", "invoice", "") == 459
            assert uow.numbers.last("co-a", "credit_note", "") is None

    def test_numbers_are_per_company_series_and_period(self, store: Store) -> None:
        assert self._allocate(store, "invoice", "2026") == 1
        assert self._allocate(store, "invoice", "2026") == 2
        assert self._allocate(store, "credit_note", "2026") == 1
        assert self._allocate(store, "invoice", "2026", company_id="co-b") == 1
        # a new period after the first starts at 1, whatever the start value
        assert self._allocate(store, "invoice", "2027", start=500, day=DAY.replace(2027)) == 1

    def test_a_rolled_back_allocation_leaves_no_gap(self, store: Store) -> None:
        assert self._allocate(store) == 1
        assert self._allocate(store, commit=False) == 2

        def crash_after_allocating() -> None:
            with store.unit_of_work() as uow:
                uow.numbers.allocate("co-a", "invoice", "", 1, DAY, False)
                raise RuntimeError("crash after the number was taken")

        with pytest.raises(RuntimeError):
            crash_after_allocating()
        assert self._allocate(store) == 2

    def test_back_dating_is_refused_unless_allowed(self, store: Store) -> None:
        self._allocate(store, day=DAY)
        with pytest.raises(NumberingError) as info:
            self._allocate(store, day=DAY - timedelta(days=1))
        assert info.value.field == "date"
        assert self._allocate(store, day=DAY) == 2
        assert self._allocate(store, day=DAY - timedelta(days=3), allow_backdating=True) == 3
        assert self._allocate(store, day=DAY) == 4  # the last date stays the latest one

    def test_numbers_are_gap_free_over_many_bookings(self, store: Store) -> None:
        counter = itertools.count()
        taken = []
        for _ in range(40):
            commit = next(counter) % 7 != 3
            seq = self._allocate(store, commit=commit)
            if commit:
                taken.append(seq)
        assert taken == list(range(1, len(taken) + 1))

    # -- the delivery log ----------------------------------------------------------------

    def test_delivery_attempts_round_trip_in_order(self, store: Store) -> None:
        second = attempt("at-2", sequence=2, minutes=5, key="k-2")
        first = attempt("at-1", key="k-1")
        with store.unit_of_work() as uow:
            uow.deliveries.add(second)
            uow.deliveries.add(first)
            uow.deliveries.add(attempt("at-3", invoice_id="inv-2"))
            uow.commit()
        done = first.delivered(AT + timedelta(minutes=1), "doc-77").with_event(
            ProviderEvent("accepted", AT + timedelta(minutes=2), details={"via": "peppol"}),
            rejected=False,
        )
        with store.unit_of_work() as uow:
            uow.deliveries.update(done)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.deliveries.for_invoice("co-a", "inv-1") == [done, second]
            assert uow.deliveries.by_key("co-a", "k-2") == second
            assert uow.deliveries.by_key("co-a", "k-3") is None
            assert uow.deliveries.by_reference("co-a", "doc-77") == done
            assert uow.deliveries.by_reference("co-a", "doc-78") is None
            pending = uow.deliveries.pending("co-a")
            assert [a.id for a in pending] == ["at-3", "at-2"]
            assert all(a.state is AttemptState.PENDING for a in pending)

    def test_delivery_attempts_are_scoped(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.deliveries.add(attempt("at-1", key="k-1", company_id="co-b"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.deliveries.for_invoice("co-a", "inv-1") == []
            assert uow.deliveries.by_key("co-a", "k-1") is None
            assert uow.deliveries.pending("co-a") == []
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.deliveries.update(attempt("at-1", key="k-1", company_id="co-a"))
            uow.deliveries.add(attempt("at-1", key="k-1", company_id="co-a"))  # no collision
            uow.commit()

    @pytest.mark.parametrize(
        "colliding",
        [
            attempt("at-1", sequence=9),  # same id
            attempt("at-9", sequence=1),  # same (document, sequence)
            attempt("at-9", sequence=2, key="k-1"),  # same idempotency key
        ],
        ids=["id", "sequence", "idempotency-key"],
    )
    def test_delivery_attempts_collide(self, store: Store, colliding: DeliveryAttempt) -> None:
        with store.unit_of_work() as uow:
            uow.deliveries.add(attempt("at-1", key="k-1"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.deliveries.add(colliding)
        with store.unit_of_work(readonly=True) as uow:
            assert [a.id for a in uow.deliveries.for_invoice("co-a", "inv-1")] == ["at-1"]

    # -- api keys ------------------------------------------------------------------------

    def test_api_keys_round_trip_and_revoke(self, store: Store) -> None:
        later, first = api_key("00000000000000b2", minutes=1), api_key("00000000000000a1")
        with store.unit_of_work() as uow:
            uow.api_keys.add(later)
            uow.api_keys.add(first)
            uow.api_keys.add(api_key("00000000000000c3", company_id="co-b"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.api_keys.update(first.revoked(AT))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.api_keys.get("00000000000000b2") == later
            assert uow.api_keys.for_company("co-a") == [first.revoked(AT), later]
            assert not uow.api_keys.get("00000000000000a1").active
            with pytest.raises(NotFoundError):
                uow.api_keys.get("00000000000000ff")

    def test_api_keys_need_a_company_and_a_free_id(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.api_keys.add(api_key("00000000000000a1"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.api_keys.add(api_key("00000000000000a1", company_id="co-b"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.api_keys.add(api_key("00000000000000d4", company_id="co-x"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.api_keys.update(api_key("00000000000000e5"))

    # -- what was issued ------------------------------------------------------------------

    def test_a_booked_documents_snapshot_round_trips(self, store: Store) -> None:
        buyer = Customer(
            id="cu-1",
            company_id="co-a",
            name="Fjord",
            address=Address("Fjordvej 2", "Aarhus C", "8000"),
            language="en",
            departments=(Department("d-1", "Indkøb", ean="5790000435951"),),
            contacts=(Contact("c-1", "Ada", "ada@fjord.dk"),),
            document_template="modern",
        )
        seller = attrs.evolve(full_company("co-a"), logo=None)
        invoice = attrs.evolve(draft("inv-1"), customer_department_id="d-1")
        issued = IssuedParties.take(
            invoice,
            seller,
            buyer,
            language="en",
            template_id="modern",
            logo_sha256=hashlib.sha256(PNG_LOGO).hexdigest(),
        )
        booked = invoice.book("1", AT, issued=issued).invoice
        add(store, booked)
        with store.unit_of_work(readonly=True) as uow:
            stored = uow.invoices.get("co-a", "inv-1")
        assert stored == booked
        assert stored.issued == issued
        assert stored.issued is not None
        assert stored.issued.buyer.contacts == ()

    def test_archive_round_trip(self, store: Store) -> None:
        content = b"%PDF-1.4 issued\x00\xff"
        with store.unit_of_work() as uow:
            digest = uow.archive.put(
                "co-a", "inv-1", ArchiveKind.PDF, content, "application/pdf", AT
            )
            uow.commit()
        assert digest == hashlib.sha256(content).hexdigest()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.archive.get("co-a", digest) == content
            assert uow.archive.for_invoice("co-a", "inv-1") == [
                ArchivedDocument(
                    "inv-1", ArchiveKind.PDF, digest, len(content), "application/pdf", AT
                )
            ]
            assert uow.archive.for_invoice("co-a", "inv-2") == []
            with pytest.raises(NotFoundError):
                uow.archive.get("co-a", hashlib.sha256(b"other").hexdigest())

    def test_archive_stores_the_same_bytes_once(self, store: Store) -> None:
        pdf, xml = b"%PDF same", b"<Invoice/>"
        later = AT + timedelta(minutes=5)
        with store.unit_of_work() as uow:
            first = uow.archive.put("co-a", "inv-1", ArchiveKind.PDF, pdf, "application/pdf", AT)
            again = uow.archive.put("co-a", "inv-1", ArchiveKind.PDF, pdf, "application/pdf", later)
            uow.archive.put("co-a", "inv-2", ArchiveKind.PDF, pdf, "application/pdf", later)
            uow.archive.put("co-a", "inv-1", ArchiveKind.UBL, xml, "application/xml", later)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.archive.put("co-a", "inv-1", ArchiveKind.PDF, pdf, "application/pdf", later)
            uow.commit()
        assert first == again
        with store.unit_of_work(readonly=True) as uow:
            listed = uow.archive.for_invoice("co-a", "inv-1")
            assert [(d.kind, d.sha256, d.size, d.created_at) for d in listed] == [
                (ArchiveKind.PDF, first, len(pdf), AT),
                (ArchiveKind.UBL, hashlib.sha256(xml).hexdigest(), len(xml), later),
            ]
            assert [d.sha256 for d in uow.archive.for_invoice("co-a", "inv-2")] == [first]
            assert uow.archive.get("co-a", first) == pdf

    def test_the_archive_is_scoped_to_its_company(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            digest = uow.archive.put(
                "co-a", "inv-1", ArchiveKind.PDF, b"mine", "application/pdf", AT
            )
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.archive.get("co-b", digest)
            assert uow.archive.for_invoice("co-b", "inv-1") == []
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.archive.put("co-x", "inv-1", ArchiveKind.PDF, b"x", "application/pdf", AT)

    def test_an_archive_put_rolls_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            digest = uow.archive.put(
                "co-a", "inv-1", ArchiveKind.EMAIL, b"mail", "message/rfc822", AT
            )
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.archive.get("co-a", digest)
            assert uow.archive.for_invoice("co-a", "inv-1") == []
            with pytest.raises(StorageError):
                uow.archive.put("co-a", "inv-1", ArchiveKind.PDF, b"x", "application/pdf", AT)

    # -- companies -----------------------------------------------------------------------

    def test_a_full_profile_round_trips(self, store: Store) -> None:
        full = full_company()
        buyer = Customer(
            id="cu-full",
            company_id=full.id,
            name="Fjord A/S",
            address=Address("Strandvejen 2", "Aarhus C", "8000", "DK"),
            document_template="modern",
        )
        with store.unit_of_work() as uow:
            uow.companies.add(full)
            uow.customers.add(buyer)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get(full.id) == full
            assert uow.companies.get(full.id).logo == PNG_LOGO
            assert uow.customers.get(full.id, "cu-full") == buyer
        cleared = Company(id=full.id, name="Nordlys ApS", document_template="classic-2")
        with store.unit_of_work() as uow:
            uow.companies.update(cleared)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get(full.id) == cleared
            assert uow.companies.get(full.id).logo is None

    def test_companies_are_listed_by_id(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.companies.add(company("co-0"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.list() == [company("co-0"), company("co-a"), company("co-b")]
