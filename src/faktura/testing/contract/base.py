"""The fixtures every part of the store contract shares, and how a test finds a
repository the store declared it does without."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from faktura.ports import Store
from faktura.testing.contract.data import StoreFactory, StoreLocation, lacks, seeded

__all__ = ["ContractBase", "needs"]


def needs(store: Store, repository: str) -> None:
    """Skip the calling test as not applicable when ``store`` declares that it keeps no
    ``repository`` (its units of work give None, see ``OPTIONAL_REPOSITORIES``)."""
    if lacks(store, repository):
        pytest.skip(f"not applicable: the store declares no {repository} (None)")


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
