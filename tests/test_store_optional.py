"""A store that keeps neither customers nor API keys (both optional, ports.UnitOfWork)
passes the store contract, their tests skipped as not applicable by its declaration;
Billing works on it with the host's own customer directory and refuses what needs the
missing repositories with ConfigurationError. And the contract's guarantees fail a
store that breaks them: they can tell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from faktura import Billing, CompanyProfile, NewCustomer
from faktura.apikeys import ApiKey
from faktura.errors import ConfigurationError
from faktura.invoice import Status
from faktura.storage.memory import MemoryStore, MemoryUnitOfWork
from faktura.testing.clock import ManualClock
from faktura.testing.contract import (
    DAY,
    StoreContract,
    add,
    book,
    check_bookings,
    draft,
    lacks,
    seeded,
)
from faktura.testing.contract.guarantees import GuaranteesContract
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS, HostDirectory
from faktura.wire import new_draft


class LeanUnitOfWork(MemoryUnitOfWork):
    """A unit of work that declares it keeps no customers and no API keys."""

    @property
    def customers(self) -> None:  # type: ignore[override]
        return None

    @property
    def api_keys(self) -> None:  # type: ignore[override]
        return None


class LeanStore(MemoryStore):
    """MemoryStore without the optional repositories."""

    def unit_of_work(self, readonly: bool = False) -> MemoryUnitOfWork:
        return LeanUnitOfWork(self, readonly)


class TestLeanStore(StoreContract):
    @pytest.fixture
    def make_store(self) -> type[LeanStore]:
        return LeanStore


class _OnlyTheCore(StoreContract):
    """A test class that runs StoreContract alone, whatever its store keeps."""


@pytest.mark.parametrize(
    ("store", "location", "missing"),
    [
        (MemoryStore, None, "CustomersContract, ApiKeysContract"),
        (LeanStore, lambda: None, "DurableStoreContract"),
    ],
)
def test_the_contract_fails_a_class_that_leaves_out_a_part_its_store_needs(
    store: type[MemoryStore], location: Any, missing: str
) -> None:
    with pytest.raises(pytest.fail.Exception, match=missing):
        _OnlyTheCore().test_runs_every_part_its_store_declares(store(), location)
    TestLeanStore().test_runs_every_part_its_store_declares(LeanStore(), None)


def test_the_lean_store_declares_what_it_lacks() -> None:
    assert lacks(LeanStore(), "customers")
    assert lacks(LeanStore(), "api_keys")
    assert not lacks(MemoryStore(), "customers")
    assert not lacks(MemoryStore(), "api_keys")
    with pytest.raises(ValueError, match="not optional"):
        lacks(MemoryStore(), "invoices")


CLOCK = ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
DRAFT = {
    "customerId": "cu-1",
    "date": DAY.isoformat(),
    "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
}


def company_of(billing: Billing) -> str:
    profile = CompanyProfile(name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
    return billing.create_company(profile).id


def test_billing_books_on_a_lean_store_with_the_hosts_customers() -> None:
    directory = HostDirectory()
    billing = Billing(LeanStore(), CLOCK, customers=directory)
    company_id = company_of(billing)
    billing.create_customer(
        company_id, NewCustomer(id="cu-1", name="Fjord A/S", address=BUYER_ADDRESS)
    )
    assert directory.get(company_id, "cu-1").name == "Fjord A/S"
    invoice = billing.create_draft(company_id, new_draft(DRAFT))
    booked = billing.book(company_id, invoice.id)
    assert (booked.status, booked.number) == (Status.SENDING, "1")
    assert billing.get_invoice(company_id, invoice.id) == booked


def test_billing_refuses_api_keys_on_a_store_without_them() -> None:
    billing = Billing(LeanStore(), CLOCK, customers=HostDirectory())
    company_id = company_of(billing)
    _, secret = ApiKey.issue(
        "00000000000000a1",
        company_id,
        "ci",
        ["invoices-read"],
        created_at=CLOCK.now(),
        token=b"x" * 32,
    )
    refusals: list[Callable[[], object]] = [
        lambda: billing.create_api_key(company_id, "ci", ["invoices-read"]),
        lambda: billing.list_api_keys(company_id),
        lambda: billing.revoke_api_key(company_id, "00000000000000a1"),
        lambda: billing.authenticate(secret),  # well-formed: it reaches the store
    ]
    for use in refusals:
        with pytest.raises(ConfigurationError, match="keeps no API keys"):
            use()


def test_billing_refuses_customers_on_a_store_without_them_and_no_directory() -> None:
    billing = Billing(LeanStore(), CLOCK)
    company_id = company_of(billing)
    with pytest.raises(ConfigurationError, match="keeps no customers"):
        billing.create_customer(company_id, NewCustomer(id="cu-1", name="Fjord A/S"))
    with pytest.raises(ConfigurationError, match="keeps no customers"):
        billing.list_customers(company_id)
    with pytest.raises(ConfigurationError, match="keeps no customers"):
        billing.create_draft(company_id, new_draft(DRAFT))


# -- the guarantees can fail ----------------------------------------------------------------


class LeakyStore(MemoryStore):
    """Numbers taken outside the unit of work: an aborted booking leaves a gap."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    def unit_of_work(self, readonly: bool = False) -> MemoryUnitOfWork:
        store = self

        class Leaky(MemoryUnitOfWork):
            @property
            def numbers(self) -> Any:
                class Numbers:
                    def allocate(self, *args: object) -> int:
                        store.taken += 1
                        return store.taken

                    def last(self, *args: object) -> int | None:
                        return store.taken or None

                return Numbers()

        return Leaky(self, readonly)


def test_an_aborted_booking_that_leaves_a_gap_fails_the_contract() -> None:
    store = seeded(LeakyStore())
    with pytest.raises(AssertionError, match=r"last number 2, not 1|not 1\.\.N"):
        GuaranteesContract().test_an_aborted_booking_leaves_no_number_and_no_half_booked_document(
            store
        )


def test_check_bookings_finds_gaps_lost_commits_and_half_bookings() -> None:
    store = seeded(MemoryStore())
    add(store, *(draft(f"inv-{n}") for n in range(3)))
    assert book(store, "co-a", "inv-0") == "1"
    check_bookings(store, "co-a", ["inv-0", "inv-1", "inv-2"], {"inv-0": "1"})
    with pytest.raises(AssertionError, match="lost"):
        check_bookings(store, "co-a", ["inv-0", "inv-1"], {"inv-0": "1", "inv-1": "2"})
    with pytest.raises(AssertionError, match="did not commit"):
        check_bookings(store, "co-a", ["inv-0"], {})
    # a number taken and committed without its document: the series runs ahead
    with store.unit_of_work() as uow:
        uow.numbers.allocate("co-a", "invoice", "", 1, DAY, False)
        uow.commit()
    with pytest.raises(AssertionError, match="last number 2, not 1"):
        check_bookings(store, "co-a", ["inv-0", "inv-1", "inv-2"], {"inv-0": "1"})
    # a document booked under a number past a gap
    with store.unit_of_work() as uow:
        stored = uow.invoices.get("co-a", "inv-2")
        uow.invoices.update(stored.book("3", CLOCK.now()).invoice, stored.version)
        uow.commit()
    with pytest.raises(AssertionError, match=r"not 1\.\.N"):
        check_bookings(store, "co-a", ["inv-0", "inv-2"], {"inv-0": "1"}, exact=False)


def test_check_bookings_finds_a_booking_whose_event_missed_the_outbox() -> None:
    store = seeded(MemoryStore())
    add(store, *(draft(f"inv-{n}") for n in range(2)))
    assert book(store, "co-a", "inv-0") == "1"
    # booked as Billing did before the outbox: the document and its event, no message
    with store.unit_of_work() as uow:
        stored = uow.invoices.get("co-a", "inv-1")
        uow.numbers.allocate("co-a", "invoice", "", 1, DAY, False)
        booked = stored.book("2", CLOCK.now())
        uow.invoices.update(booked.invoice, stored.version)
        uow.events.append("co-a", booked.event)
        uow.commit()
    with pytest.raises(AssertionError, match="inv-1: outbox messages"):
        check_bookings(store, "co-a", ["inv-0", "inv-1"], {"inv-0": "1", "inv-1": "2"})
