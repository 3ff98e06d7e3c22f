"""MemoryStore against the store contract (its writers share the one store; not durable,
so the contract's kill test does not apply), and opening it by URL."""

from __future__ import annotations

import pytest

from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.testing.contract import ApiKeysContract, CustomersContract, StoreContract


class TestMemoryStore(StoreContract, CustomersContract, ApiKeysContract):
    @pytest.fixture
    def make_store(self) -> type[MemoryStore]:
        return MemoryStore


def test_open_store_picks_memory() -> None:
    assert isinstance(open_store("memory://"), MemoryStore)
