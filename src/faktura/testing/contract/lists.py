"""The store contract's lists: order, paging, filters and search against the reference
semantics (``faktura.storage.query``), bounded counts, and "overdue" as
``Invoice.is_overdue`` says."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.errors import (
    InvoiceStateError,
    ValidationError,
)
from faktura.invoice import Invoice
from faktura.ports import COUNT_BOUND, OVERDUE, InvoiceQuery, ListResult, Store
from faktura.status import DocumentKind, Status
from faktura.storage.query import matches, newest_first
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import (
    AT,
    DAY,
    STEPS,
    StoreFactory,
    add,
    advance,
    draft,
    payable,
    seeded,
)

__all__ = ["ListsContract"]


class ListsContract(ContractBase):
    """What a store lists, and in which order (see StoreContract)."""

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
