"""The store contract's outbox and webhook endpoints: what the dispatcher reads and
writes (``faktura.ports.Outbox``, ``faktura.ports.WebhookEndpoints``), and the outbox
message every change of a document writes in its own unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.billing import Billing, new_id
from faktura.errors import ConflictError, FakturaError, NotFoundError
from faktura.outbox import Handoff, OutboxMessage
from faktura.ports import CustomerDirectory, Store
from faktura.testing.clock import ManualClock
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import (
    AT,
    DAY,
    StoreFactory,
    customer,
    endpoint,
    lacks,
    message,
    seeded,
)
from faktura.testing.parties import HostDirectory
from faktura.wire import new_draft

__all__ = ["OutboxContract", "WebhooksContract", "outbox_of"]

#: Long after every message the contract writes is due.
LATER = AT + timedelta(days=365)
#: Time zones an instant is written in: the same instant sorts the same in each.
ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))


def outbox_of(store: Store, company_id: str | None = None) -> list[OutboxMessage]:
    """Every due message of the store (of ``company_id`` when given), as ``due`` orders
    them, and the finished ones of ``company_id``."""
    with store.unit_of_work(readonly=True) as uow:
        due = uow.outbox.due(LATER, 10_000)
        if company_id is None:
            return due
        return [m for m in due if m.company_id == company_id] + uow.outbox.finished(
            company_id, 10_000
        )


def billing_on(store: Store, ids: Callable[[], str] = new_id) -> Billing:
    """Billing on the seeded ``store`` (the host's customers when it keeps none)."""
    directory: CustomerDirectory | None = None
    if lacks(store, "customers"):
        directory = HostDirectory()
        directory.add(customer("co-a"))
    return Billing(store, ManualClock(AT), customers=directory, ids=ids)


DRAFT = {
    "customerId": "cu-1",
    "date": DAY.isoformat(),
    "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
}


class OutboxContract(ContractBase):
    """The outbox (see StoreContract)."""

    def test_outbox_round_trip_update_and_remove(self, store: Store) -> None:
        added = message("m-1")
        with store.unit_of_work() as uow:
            uow.outbox.add(added)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.outbox.get("co-a", "m-1") == added
        handed = added.with_handoffs(
            [Handoff("callback").delivered(AT), Handoff("we-1").failed(AT, "HTTP 503")]
        )
        assert handed.next_at is not None
        with store.unit_of_work() as uow:
            uow.outbox.update(handed)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.outbox.get("co-a", "m-1") == handed
            assert uow.outbox.due(AT, 10) == []  # retried later
            assert uow.outbox.due(handed.next_at, 10) == [handed]
        with store.unit_of_work() as uow:
            uow.outbox.remove("co-a", "m-1")
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.outbox.get("co-a", "m-1")
            assert uow.outbox.due(LATER, 10) == []

    def test_outbox_not_found_conflicts_and_tenancy(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.outbox.add(message("m-1"))
            uow.outbox.add(message("m-1", "co-b"))  # an id is unique per company
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.outbox.add(message("m-1", minutes=5))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.outbox.add(message("m-2", "co-nope"))
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.outbox.get("co-a", "m-2")
            with pytest.raises(NotFoundError):
                uow.outbox.get("co-c", "m-1")
            assert uow.outbox.get("co-b", "m-1") == message("m-1", "co-b")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.outbox.update(message("m-2"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.outbox.remove("co-a", "m-2")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.outbox.update(message("m-1", "co-c"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.outbox.remove("co-c", "m-1")
        # what failed changed nothing
        assert {(m.company_id, m.id) for m in outbox_of(store)} == {
            ("co-a", "m-1"),
            ("co-b", "m-1"),
        }
        assert outbox_of(store, "co-a") == [message("m-1")]

    def test_outbox_rolls_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.outbox.add(message("m-1"))
            uow.outbox.add(message("m-2", minutes=None))
            assert uow.outbox.get("co-a", "m-1") == message("m-1")  # its own writes
        with store.unit_of_work() as uow:
            uow.outbox.add(message("m-3"))
            uow.rollback()
        assert outbox_of(store, "co-a") == []
        with store.unit_of_work() as uow:
            uow.outbox.add(message("m-4"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.remove("co-a", "m-4")
        assert outbox_of(store, "co-a") == [message("m-4")]  # the removal rolled back

    def test_due_messages_in_order_across_companies(self, make_store: StoreFactory) -> None:
        """``due`` gives the messages of every company due at ``now``, earliest first,
        then in the order they were added, ``limit`` at most; finished ones never."""
        specs = st.lists(
            st.tuples(
                st.sampled_from(["co-a", "co-b"]),
                st.one_of(st.none(), st.integers(-3, 3)),
                st.sampled_from(ZONES),
                st.booleans(),  # a new unit of work before this one
            ),
            max_size=10,
        )

        @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(specs, st.integers(-2, 4), st.integers(0, 11))
        def check(spec: list[tuple[str, int | None, timezone, bool]], at: int, limit: int) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                added = [
                    message(f"m-{n}", company_id, minutes, tz=tz)
                    for n, (company_id, minutes, tz, _) in enumerate(spec)
                ]
                batches: list[list[OutboxMessage]] = []
                for made, (_, _, _, new) in zip(added, spec, strict=True):
                    if new or not batches:
                        batches.append([])
                    batches[-1].append(made)
                for batch in batches:
                    with store.unit_of_work() as uow:
                        for made in batch:
                            uow.outbox.add(made)
                        uow.commit()
                now = AT + timedelta(minutes=at)
                due = [m for m in added if m.next_at is not None and m.next_at <= now]
                due.sort(key=lambda m: m.next_at or now)  # stable: then as added
                with store.unit_of_work() as uow:
                    assert [m.id for m in uow.outbox.due(now, limit)] == [m.id for m in due[:limit]]
                    for company_id in ("co-a", "co-b"):
                        finished = [
                            m for m in added if m.company_id == company_id and m.next_at is None
                        ]
                        assert uow.outbox.finished(company_id) == finished
                        assert uow.outbox.finished(company_id, 1) == finished[:1]
            finally:
                store.close()

        check()

    def test_a_created_and_booked_document_writes_its_events_to_the_outbox(
        self, store: Store
    ) -> None:
        """Each event of a change reaches the outbox in the change's own unit of work:
        one message per event of the audit trail, due at the event's time."""
        billing = billing_on(store)
        drafted = billing.create_draft("co-a", new_draft(DRAFT))
        after_draft = outbox_of(store, "co-a")
        assert [m.event for m in after_draft] == billing.events("co-a", drafted.id)
        booked = billing.book("co-a", drafted.id, actor="clerk")
        messages = outbox_of(store, "co-a")
        events = billing.events("co-a", booked.id)
        assert sorted((m.event for m in messages), key=events.index) == events
        assert [m.event.type for m in messages if m not in after_draft] == ["booked"]
        for made in messages:
            assert made.id.startswith("evt_")
            assert made.company_id == "co-a"
            assert made.next_at == made.event.at
            assert made.handoffs == ()
        assert len({m.id for m in messages}) == len(messages)
        assert outbox_of(store, "co-b") == []

    def test_a_use_case_that_fails_writes_nothing_to_the_outbox(self, store: Store) -> None:
        billing = billing_on(store)
        with pytest.raises(FakturaError):
            billing.create_draft("co-a", new_draft({**DRAFT, "customerId": "cu-nope"}))
        drafted = billing.create_draft("co-a", new_draft(DRAFT))
        before = outbox_of(store)
        with pytest.raises(FakturaError):
            billing.book("co-b", drafted.id)  # another company's
        with pytest.raises(FakturaError):
            billing.record_payment("co-a", drafted.id, Decimal("10.00"))  # a draft owes nothing
        assert outbox_of(store) == before
        assert [m.event.type for m in before] == ["created"]

    def test_a_change_whose_event_cannot_reach_the_outbox_is_undone(self, store: Store) -> None:
        """The outbox message is written in the change's unit of work: when it cannot be
        (here the outbox refuses it), the change and its audit trail roll back with it."""
        ids = iter(["d-1", "d-2"])
        billing = billing_on(_RefusingOutbox(store), ids.__next__)
        with pytest.raises(ConflictError):
            billing.create_draft("co-a", new_draft(DRAFT))
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.invoices.get("co-a", "d-1")
            assert uow.events.for_invoice("co-a", "d-1") == []
        assert outbox_of(store, "co-a") == []
        billing_on(store, ids.__next__).create_draft("co-a", new_draft(DRAFT))
        assert [m.event.invoice_id for m in outbox_of(store, "co-a")] == ["d-2"]


@attrs.frozen
class _RefusingOutbox:
    """``store`` whose units of work write everything but refuse every outbox message
    (ConflictError, as a taken id is): a fault injected at the outbox port alone."""

    store: Store

    def unit_of_work(self, readonly: bool = False) -> Any:
        return _RefusingUnitOfWork(self.store.unit_of_work(readonly))

    def close(self) -> None:
        self.store.close()


class _RefusingUnitOfWork:
    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def __enter__(self) -> _RefusingUnitOfWork:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    @property
    def outbox(self) -> Any:
        return self

    @property
    def events(self) -> Any:
        return _RefusingEvents(self._uow.events)

    def add(self, message: OutboxMessage) -> None:
        raise ConflictError(f"outbox message {message.id!r} refused")


@attrs.frozen
class _RefusingEvents:
    """An event log whose events may be appended alone, but not with their message."""

    events: Any

    def append(self, company_id: str, event: Any) -> None:
        self.events.append(company_id, event)

    def for_invoice(self, company_id: str, invoice_id: str) -> Any:
        return self.events.for_invoice(company_id, invoice_id)

    def append_with_message(self, company_id: str, event: Any, message: OutboxMessage) -> None:
        self.append(company_id, event)
        raise ConflictError(f"outbox message {message.id!r} refused")


class WebhooksContract(ContractBase):
    """The webhook endpoints (see StoreContract)."""

    def test_endpoints_round_trip_update_and_remove(self, store: Store) -> None:
        first, second = endpoint("we-2", minutes=0), endpoint("we-1", minutes=5)
        third = endpoint("we-0", minutes=5)
        with store.unit_of_work() as uow:
            for made in (second, first, third):
                uow.webhooks.add(made)
            uow.webhooks.add(endpoint("we-1", "co-b"))  # an id is unique per company
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.webhooks.get("co-a", "we-1") == second
            assert uow.webhooks.for_company("co-a") == [first, third, second]
            assert uow.webhooks.for_company("co-b") == [endpoint("we-1", "co-b")]
            assert uow.webhooks.for_company("co-c") == []
        changed = attrs.evolve(second, enabled=False, events=frozenset(), description=None)
        with store.unit_of_work() as uow:
            uow.webhooks.update(changed)
            uow.webhooks.remove("co-a", "we-2")
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.webhooks.get("co-a", "we-1") == changed
            assert uow.webhooks.for_company("co-a") == [third, changed]
            with pytest.raises(NotFoundError):
                uow.webhooks.get("co-a", "we-2")

    def test_endpoints_not_found_conflicts_and_tenancy(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.webhooks.add(endpoint("we-1"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.webhooks.add(endpoint("we-1", minutes=3))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.webhooks.add(endpoint("we-2", "co-nope"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.webhooks.update(endpoint("we-1", "co-b"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.webhooks.remove("co-b", "we-1")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.webhooks.update(endpoint("we-2"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.webhooks.remove("co-a", "we-2")
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.webhooks.get("co-b", "we-1")
            assert uow.webhooks.for_company("co-a") == [endpoint("we-1")]
            assert uow.webhooks.for_company("co-b") == []

    def test_endpoints_roll_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.webhooks.add(endpoint("we-1"))
            assert uow.webhooks.for_company("co-a") == [endpoint("we-1")]
        with store.unit_of_work(readonly=True) as uow:
            assert uow.webhooks.for_company("co-a") == []
