"""The store contract's records: round trips, not found, tenancy, units of work,
customers and companies, the delivery log, API keys, what was issued and the archive."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from faktura.errors import (
    ConflictError,
    NotFoundError,
    StorageError,
)
from faktura.issued import ArchivedDocument, ArchiveKind, IssuedParties
from faktura.parties import Address, Company, Contact, Customer, Department
from faktura.ports import (
    InvoiceQuery,
    Store,
)
from faktura.records import InvoiceEvent
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import (
    AT,
    DAY,
    PNG_LOGO,
    add,
    company,
    draft,
    full_company,
)

__all__ = ["RecordsContract"]


class RecordsContract(ContractBase):
    """What a store keeps and gives back (see StoreContract)."""

    # -- round trips and not found -------------------------------------------------------

    def test_round_trip(self, store: Store) -> None:
        invoice = draft("inv-1", description="Workshop")
        add(store, invoice)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.invoices.get("co-a", "inv-1") == invoice
            assert uow.companies.get("co-a") == company("co-a")

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
                uow.companies.get("nope")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.invoices.update(draft("nope"), 1)

    def test_duplicates_conflict(self, store: Store) -> None:
        add(store, draft("inv-1"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.invoices.add(draft("inv-1"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.companies.add(company("co-a"))

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

    # -- companies -----------------------------------------------------------------------

    def test_updates_of_companies(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.companies.update(Company(id="co-a", name="Renamed"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get("co-a").name == "Renamed"
            with pytest.raises(NotFoundError):
                uow.companies.update(Company(id="co-x", name="Missing"))

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
            seller,
            buyer,
            department_id=invoice.customer_department_id,
            contact_id=invoice.customer_contact_id,
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

    # -- company profiles ----------------------------------------------------------------

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
            if uow.customers is not None:
                uow.customers.add(buyer)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.companies.get(full.id) == full
            assert uow.companies.get(full.id).logo == PNG_LOGO
            if uow.customers is not None:
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
