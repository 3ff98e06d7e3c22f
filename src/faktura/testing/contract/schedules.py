"""The store contract's recurring-invoice schedules (``faktura.ports.ScheduleRepository``):
round trips, optimistic updates, tenancy and keyset pages."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.errors import ConflictError, NotFoundError
from faktura.ports import Store
from faktura.schedules import Cadence
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import AT, StoreFactory, schedule, seeded

__all__ = ["SchedulesContract"]

#: Schedule ids: ASCII and beyond, so that "by id" is the order of the code points.
IDS = st.text(alphabet="aAzZ09-_.éøÅ€", min_size=1, max_size=6)


class SchedulesContract(ContractBase):
    """Recurring-invoice schedules (see StoreContract)."""

    def test_schedule_round_trip_and_optimistic_update(self, store: Store) -> None:
        made = schedule("sc-1")
        with store.unit_of_work() as uow:
            uow.schedules.add(made)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.get("co-a", "sc-1") == made
        # as invoices: the caller passes the new version on the schedule, and the
        # version it read as ``expected_version``
        changed = attrs.evolve(
            made, cadence=Cadence.quarterly(), active=False, version=made.version + 1
        )
        with store.unit_of_work() as uow:
            uow.schedules.update(changed, made.version)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.get("co-a", "sc-1") == changed
        stale = attrs.evolve(made, description="lost update", version=made.version + 1)
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.schedules.update(stale, made.version)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.get("co-a", "sc-1") == changed

    def test_schedules_not_found_conflicts_and_tenancy(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.schedules.add(schedule("sc-1"))
            uow.schedules.add(schedule("sc-1", "co-b"))  # an id is unique per company
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.schedules.add(schedule("sc-1", price="5.00"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.schedules.add(schedule("sc-2", "co-nope"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.schedules.update(schedule("sc-2"), 1)
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.schedules.update(schedule("sc-1", "co-c"), 1)
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.schedules.get("co-a", "sc-2")
            with pytest.raises(NotFoundError):
                uow.schedules.get("co-c", "sc-1")
            assert uow.schedules.list("co-a") == [schedule("sc-1")]
            assert uow.schedules.list("co-b") == [schedule("sc-1", "co-b")]
            assert uow.schedules.list("co-c") == []

    def test_schedules_roll_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.schedules.add(schedule("sc-1"))
            assert uow.schedules.list("co-a") == [schedule("sc-1")]
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.list("co-a") == []
        with store.unit_of_work() as uow:
            uow.schedules.add(schedule("sc-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.schedules.update(attrs.evolve(schedule("sc-1"), version=2, active=False), 1)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.get("co-a", "sc-1") == schedule("sc-1")

    def test_keyset_pages_visit_every_schedule_once(self, make_store: StoreFactory) -> None:
        """Page after page (``after`` the last id of the one before), the company's
        schedules by id, each exactly once, none of another company's."""

        @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(
            st.sets(IDS, max_size=12),
            st.sets(IDS, max_size=4),
            st.integers(1, 5),
        )
        def check(ids: set[str], others: set[str], limit: int) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                with store.unit_of_work() as uow:
                    for schedule_id in ids:
                        uow.schedules.add(schedule(schedule_id))
                    for schedule_id in others:
                        uow.schedules.add(schedule(schedule_id, "co-b"))
                    uow.commit()
                seen: list[str] = []
                after: str | None = None
                with store.unit_of_work(readonly=True) as uow:
                    for _ in range(len(ids) + 2):
                        page = uow.schedules.list("co-a", after, limit)
                        assert len(page) <= limit
                        assert all(s.company_id == "co-a" for s in page)
                        assert page == [schedule(s.id) for s in page]
                        seen += [s.id for s in page]
                        if len(page) < limit:
                            break
                        after = page[-1].id
                    if ids:
                        assert uow.schedules.list("co-a", max(ids), limit) == []
                assert seen == sorted(ids)
            finally:
                store.close()

        check()

    def test_a_schedule_keeps_its_times(self, store: Store) -> None:
        made = attrs.evolve(schedule("sc-1"), updated_at=AT.replace(microsecond=5))
        with store.unit_of_work() as uow:
            uow.schedules.add(made)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.schedules.get("co-a", "sc-1").updated_at == made.updated_at
