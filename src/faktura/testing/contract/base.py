"""The fixtures every part of the store contract shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from faktura.ports import Store
from faktura.testing.contract.data import StoreFactory, StoreLocation, seeded

__all__ = ["ContractBase"]


class ContractBase:
    """The hooks a StoreContract subclass provides: ``make_store`` always,
    ``store_location`` for a durable store (see StoreContract)."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("a StoreContract subclass provides make_store")

    @pytest.fixture
    def store_location(self) -> Callable[[], StoreLocation] | None:
        """None: the store is not durable (it lives in this process; nothing of it
        outlasts the process). A durable store's subclass returns a callable making a
        new, empty store (created, schema and all) and returning its StoreLocation."""
        return None

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> Iterator[Store]:
        built = seeded(make_store(), "co-a", "co-b")
        yield built
        built.close()
