"""StoreContract: every part of the store contract in one class (see the package)."""

from __future__ import annotations

from faktura.testing.contract.guarantees import GuaranteesContract
from faktura.testing.contract.lists import ListsContract
from faktura.testing.contract.numbers import NumbersContract
from faktura.testing.contract.records import RecordsContract

__all__ = ["StoreContract"]


class StoreContract(RecordsContract, ListsContract, NumbersContract, GuaranteesContract):
    """Run every test of the contract against the store built by the subclass's
    ``make_store`` (and, for a durable store, ``store_location``); see
    ``faktura.testing.contract``."""
