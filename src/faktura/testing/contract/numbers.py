"""The store contract's number series (counted from the start value, per company,
series and period, gap-free over rollbacks, back-dating refused) and delivery log."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from faktura.delivery.channel import ProviderEvent
from faktura.delivery.log import AttemptState, DeliveryAttempt
from faktura.errors import (
    ConflictError,
    NotFoundError,
    NumberingError,
)
from faktura.ports import Store
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import AT, DAY, attempt

__all__ = ["NumbersContract"]


class NumbersContract(ContractBase):
    """What a store counts and logs (see StoreContract)."""

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
        assert info.value.field == "issue_date"
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
