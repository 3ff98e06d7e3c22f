"""What a repository runs its statements through: ``Statements``, the part of
``SqliteUnitOfWork`` the repositories (``parties``, ``invoices``, ``invoice_lists``,
``numbering``) use. It sits below both, so the unit of work imports its repositories
and none of them imports it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from faktura.errors import FakturaError

__all__ = ["Params", "Row", "Statements"]

Row = tuple[Any, ...]
Params = Sequence[object] | Mapping[str, object]


class Statements(Protocol):
    """A unit of work's statements (driver errors translated) and what it remembers of
    the documents it read or wrote (``SqliteUnitOfWork``)."""

    #: (company, id) → the queried columns and version of a document read or written.
    _loaded: dict[tuple[str, str], tuple[object, ...]]
    #: (company, id) → the lines (``Invoice.line_source``) as stored.
    _lines: dict[tuple[str, str], object]

    @property
    def readonly(self) -> bool:
        """Whether the unit of work only reads."""
        ...

    def _execute(
        self,
        sql: str,
        params: Params = (),
        *,
        on_integrity: Callable[[str], FakturaError] | None = None,
    ) -> int:
        """Run a writing statement; the number of rows it changed."""
        ...

    def _write_row(
        self,
        sql: str,
        params: Params = (),
        *,
        on_integrity: Callable[[str], FakturaError] | None = None,
    ) -> Row | None:
        """Run a writing statement with RETURNING; the row it returned."""
        ...

    def _rows(self, sql: str, params: Params = ()) -> list[Row]:
        """The rows of a query."""
        ...

    def _row(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, None when there is none."""
        ...
