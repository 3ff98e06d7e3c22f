"""MemoryStore against the store contract, plus what only an in-process store can show."""

from __future__ import annotations

import threading

import pytest

from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.testing.contract import DAY, StoreContract, seeded


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def make_store(self) -> type[MemoryStore]:
        return MemoryStore


def test_open_store_picks_memory() -> None:
    assert isinstance(open_store("memory://"), MemoryStore)


def test_threads_allocate_gap_free_numbers() -> None:
    store: Store = seeded(MemoryStore())
    taken: list[int] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        for _ in range(n):
            with store.unit_of_work() as uow:
                seq = uow.numbers.allocate("co-a", "invoice", "", 1, DAY, False)
                uow.commit()
            with lock:
                taken.append(seq)

    threads = [threading.Thread(target=book, args=(200,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 801))
