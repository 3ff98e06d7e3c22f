"""Fault injection for stores: prove that failed bookings leave no gap in the numbers.

``FailingStore`` wraps any Store; with probability ``rate`` a unit of work fails with
``InjectedFailure`` right after ``numbers.allocate`` gave it a number — the worst moment
for a booking. faktura's concurrency tests use it; hosts can run their own stores
through it the same way.
"""

from __future__ import annotations

import random
from types import TracebackType
from typing import Any, Self

from faktura.ports import NumberRepository, Store, UnitOfWork

__all__ = ["FailingNumbers", "FailingStore", "FailingUnitOfWork", "InjectedFailure"]


class InjectedFailure(RuntimeError):
    """The booking fails on purpose, after its number was taken."""


class FailingNumbers:
    """Numbers that, now and then, fail right after the real allocation."""

    def __init__(self, numbers: NumberRepository, rng: random.Random, rate: float) -> None:
        self._numbers = numbers
        self._rng = rng
        self._rate = rate

    def allocate(self, *args: Any) -> int:
        seq = self._numbers.allocate(*args)
        if self._rng.random() < self._rate:
            raise InjectedFailure(f"failing after number {seq} was taken")
        return seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        return self._numbers.last(company_id, series, period)


class FailingUnitOfWork:
    """A unit of work whose ``numbers`` fail now and then (see FailingNumbers)."""

    def __init__(self, inner: UnitOfWork, rng: random.Random, rate: float) -> None:
        self._inner = inner
        self._rng = rng
        self._rate = rate

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    @property
    def numbers(self) -> FailingNumbers:
        return FailingNumbers(self._inner.numbers, self._rng, self._rate)

    def __getattr__(self, name: str) -> Any:  # companies, customers, invoices, events
        return getattr(self._inner, name)


class FailingStore:
    """A store whose units of work fail with probability ``rate`` right after a number
    was allocated (``seed`` makes the failures repeatable)."""

    def __init__(self, inner: Store, rate: float, seed: int = 0) -> None:
        self._inner = inner
        self._rng = random.Random(seed)
        self._rate = rate

    def unit_of_work(self, readonly: bool = False) -> FailingUnitOfWork:
        return FailingUnitOfWork(self._inner.unit_of_work(readonly), self._rng, self._rate)

    def close(self) -> None:
        self._inner.close()
