"""The optional parts of the contract, each a class a store's test class adds when the
store keeps what it tests: ``CustomersContract`` (the customer directory) and
``ApiKeysContract`` (the HTTP API keys). ``StoreContract`` checks that a store keeping
one runs its part (see ``base.ContractBase``)."""

from __future__ import annotations

import pytest

from faktura.errors import (
    ConflictError,
    NotFoundError,
)
from faktura.ports import (
    ApiKeyRepository,
    CustomerDirectory,
    Store,
    UnitOfWork,
)
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import (
    AT,
    api_key,
    customer,
)

__all__ = ["ApiKeysContract", "CustomersContract"]


def directory(uow: UnitOfWork) -> CustomerDirectory:
    """The unit of work's customers, which the store keeps."""
    assert uow.customers is not None
    return uow.customers


def keys(uow: UnitOfWork) -> ApiKeyRepository:
    """The unit of work's API keys, which the store keeps."""
    assert uow.api_keys is not None
    return uow.api_keys


class CustomersContract(ContractBase):
    """The customer directory of a store that keeps one (``uow.customers``)."""

    def test_customers_round_trip_conflict_and_are_scoped(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            directory(uow).add(customer("co-b", "cu-b", "Only B's"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert directory(uow).get("co-a", "cu-1") == customer("co-a")
            assert directory(uow).get("co-b", "cu-b") == customer("co-b", "cu-b", "Only B's")
            for missing in ("nope", "cu-b"):  # unknown, and another company's
                with pytest.raises(NotFoundError):
                    directory(uow).get("co-a", missing)
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            directory(uow).add(customer("co-a"))

    def test_customers_list_by_name_with_search_and_paging(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for n in range(5):
                directory(uow).add(customer("co-a", f"cx-{n}", f"Zeta {n}"))
            directory(uow).add(customer("co-b", "cx-b", "Zeta b"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            everything = directory(uow).list("co-a", 1, 100)
            names = [c.name for c in everything.items]
            assert names == sorted(names, key=str.lower)
            assert everything.total == 7
            page = directory(uow).list("co-a", 2, 2, search="zeta")
            assert [c.id for c in page.items] == ["cx-2", "cx-3"]
            assert page.total == 5
            assert directory(uow).list("co-a", 1, 10, search="cx-4").total == 1

    def test_updates_of_customers(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            directory(uow).update(customer("co-a", "cu-1", "Renamed"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert directory(uow).get("co-a", "cu-1").name == "Renamed"
            with pytest.raises(NotFoundError):
                directory(uow).update(customer("co-b", "cu-missing"))


class ApiKeysContract(ContractBase):
    """The API keys of a store that keeps them (``uow.api_keys``)."""

    def test_api_keys_round_trip_and_revoke(self, store: Store) -> None:
        later, first = api_key("00000000000000b2", minutes=1), api_key("00000000000000a1")
        with store.unit_of_work() as uow:
            keys(uow).add(later)
            keys(uow).add(first)
            keys(uow).add(api_key("00000000000000c3", company_id="co-b"))
            uow.commit()
        with store.unit_of_work() as uow:
            keys(uow).update(first.revoked(AT))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert keys(uow).get("00000000000000b2") == later
            assert keys(uow).for_company("co-a") == [first.revoked(AT), later]
            assert not keys(uow).get("00000000000000a1").active
            with pytest.raises(NotFoundError):
                keys(uow).get("00000000000000ff")

    def test_api_keys_need_a_company_and_a_free_id(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            keys(uow).add(api_key("00000000000000a1"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            keys(uow).add(api_key("00000000000000a1", company_id="co-b"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            keys(uow).add(api_key("00000000000000d4", company_id="co-x"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            keys(uow).update(api_key("00000000000000e5"))
