"""StoreContract: every part of the store contract in one class (see the package)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from faktura.ports import Store
from faktura.testing.contract.collections import CollectionsContract
from faktura.testing.contract.data import StoreLocation, lacks
from faktura.testing.contract.guarantees import DurableStoreContract, GuaranteesContract
from faktura.testing.contract.lists import ListsContract
from faktura.testing.contract.numbers import NumbersContract
from faktura.testing.contract.optional import ApiKeysContract, CustomersContract
from faktura.testing.contract.outbox import OutboxContract, WebhooksContract
from faktura.testing.contract.records import RecordsContract
from faktura.testing.contract.schedules import SchedulesContract

__all__ = [
    "ApiKeysContract",
    "CollectionsContract",
    "CustomersContract",
    "DurableStoreContract",
    "FullStoreContract",
    "OutboxContract",
    "SchedulesContract",
    "StoreContract",
    "WebhooksContract",
]


class StoreContract(
    RecordsContract,
    ListsContract,
    NumbersContract,
    GuaranteesContract,
    OutboxContract,
    WebhooksContract,
    SchedulesContract,
    CollectionsContract,
):
    """The contract every store passes, run against the store built by the subclass's
    ``make_store`` (and, for a durable store, ``store_location``); the parts a store
    adds when they apply to it are CustomersContract, ApiKeysContract and
    DurableStoreContract (see ``faktura.testing.contract``)."""

    def test_runs_every_part_its_store_declares(
        self, store: Store, store_location: Callable[[], StoreLocation] | None
    ) -> None:
        """A store is held to every part of the contract that applies to it: one that
        keeps customers runs CustomersContract, one that keeps API keys ApiKeysContract,
        a durable one (``store_location`` given) DurableStoreContract. A part is left out
        only for what the store declares it does without."""
        parts = {
            CustomersContract: not lacks(store, "customers"),
            ApiKeysContract: not lacks(store, "api_keys"),
            DurableStoreContract: store_location is not None,
        }
        missing = [p.__name__ for p, due in parts.items() if due and not isinstance(self, p)]
        if missing:
            pytest.fail(
                f"{type(self).__name__} leaves out {', '.join(missing)}: its store keeps "
                "what those parts test; add them to the class's bases (or FullStoreContract)"
            )


class FullStoreContract(StoreContract, CustomersContract, ApiKeysContract, DurableStoreContract):
    """Every part: for a durable store that keeps customers and API keys (SqliteStore,
    PostgresStore); it provides ``make_store`` and ``store_location``."""
