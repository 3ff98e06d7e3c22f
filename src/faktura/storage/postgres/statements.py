"""What a repository runs its statements through, and the shared statements
(``faktura.storage.sql``) as psycopg runs them.

``Statements`` is the part of ``PostgresUnitOfWork`` the repositories (``parties``,
``invoices``, ``invoice_lists``, ``numbering``) use. It sits below both, so the unit of
work imports its repositories and none of them imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, LiteralString, Protocol

from faktura.storage.sql import postgres_style

if TYPE_CHECKING:
    import psycopg

    Cursor = psycopg.Cursor[tuple[Any, ...]]

__all__ = ["Statements", "shared_statement"]


class Statements(Protocol):
    """A unit of work's statements (psycopg errors translated) and what it remembers of
    the documents it read or wrote (``PostgresUnitOfWork``)."""

    #: (company, id) → the lines (``Invoice.line_source``) as stored.
    _lines: dict[tuple[str, str], object]

    @property
    def readonly(self) -> bool:
        """Whether the unit of work only reads."""
        ...

    def run(
        self, query: LiteralString, params: Sequence[Any] | Mapping[str, Any] = (), *, action: str
    ) -> Cursor:
        """Execute one statement in this transaction; psycopg errors translated."""
        ...

    def check_writable(self) -> None:
        """StorageError unless this unit of work is open for writing."""
        ...


def shared_statement(statement: str) -> LiteralString:
    """A statement faktura wrote (in ``faktura.storage.sql``), only turned into psycopg's
    parameter style: no value is ever formatted into it."""
    return postgres_style(statement)
