"""SqliteUnitOfWork: a transaction's statements (driver errors translated), repositories."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol, Self

from faktura.errors import FakturaError, StorageError
from faktura.storage import codec
from faktura.storage import sql as shared
from faktura.storage.sqlite.errors import _constraint, _unstorable
from faktura.storage.sqlite.invoices import _Invoices
from faktura.storage.sqlite.numbering import _Numbers
from faktura.storage.sqlite.parties import _Companies, _Customers
from faktura.storage.sqlite.statements import Params, Row


class _Transactions(Protocol):
    """What a unit of work needs of its store (``SqliteStore``, ``SqliteHostStore``):
    its transactions, and its translation of driver errors."""

    def _begin(self, readonly: bool) -> tuple[sqlite3.Connection, int | None]: ...

    def _commit(self, conn: sqlite3.Connection, ticket: int | None) -> None: ...

    def _end(self, conn: sqlite3.Connection, readonly: bool, ticket: int | None) -> None: ...

    def _error(self, exc: sqlite3.Error) -> StorageError: ...


class SqliteUnitOfWork(shared.SharedRepositories):
    """A transaction on its own connection of a SqliteStore; rolls back unless committed."""

    def __init__(self, store: _Transactions, readonly: bool) -> None:
        self._store = store
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None
        self._ticket: int | None = None
        # (company, id) → the queried columns and version of documents read or written
        # in this unit of work: an update then writes only what changed and knows
        # without asking whether the document moves in list order.
        self._loaded: dict[tuple[str, str], tuple[object, ...]] = {}
        # (company, id) → the lines (Invoice.line_source) as stored, read or written in
        # this unit of work: an update that passes the same object on leaves them alone.
        self._lines: dict[tuple[str, str], object] = {}

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise StorageError("this unit of work is open already", retryable=False)
        self._conn, self._ticket = self._store._begin(self.readonly)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        conn = self._connection(write=False)
        try:
            self._store._commit(conn, self._ticket)
        except sqlite3.Error as exc:
            self._finish()
            raise self._store._error(exc) from exc
        self._finish()

    def rollback(self) -> None:
        if self._conn is not None:
            self._finish()

    def _finish(self) -> None:
        conn, ticket = self._conn, self._ticket
        self._conn = self._ticket = None
        if conn is not None:
            self._store._end(conn, self.readonly, ticket)

    # -- statements ----------------------------------------------------------------------

    def _connection(self, write: bool) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(
                "the unit of work is not open (use it in a with block)", retryable=False
            )
        if write and self.readonly:
            raise StorageError("this unit of work is read-only", retryable=False)
        return self._conn

    def _execute(
        self,
        sql: str,
        params: Params = (),
        *,
        on_integrity: Callable[[str], FakturaError] | None = None,
    ) -> int:
        """Run a writing statement; the number of rows it changed. A violated constraint
        becomes ``on_integrity(message)``."""
        return self._write(sql, params, on_integrity).rowcount

    def _write_row(
        self,
        sql: str,
        params: Params = (),
        *,
        on_integrity: Callable[[str], FakturaError] | None = None,
    ) -> Row | None:
        """Run a writing statement with RETURNING; the row it returned."""
        cursor = self._write(sql, params, on_integrity)
        try:
            row: Row | None = cursor.fetchone()
        except sqlite3.Error as exc:
            raise self._store._error(exc) from exc
        return row

    def _write(
        self, sql: str, params: Params, on_integrity: Callable[[str], FakturaError] | None
    ) -> sqlite3.Cursor:
        conn = self._connection(write=True)
        try:
            return conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            if on_integrity is None:
                raise self._store._error(exc) from exc
            raise on_integrity(str(exc)) from exc
        except sqlite3.Error as exc:
            raise self._store._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable(exc) from exc

    def _rows(self, sql: str, params: Params = ()) -> list[Row]:
        """The rows of a query."""
        conn = self._connection(write=False)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._store._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable(exc) from exc

    def _row(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, None when there is none."""
        found = self._rows(sql, params)
        return found[0] if found else None

    # -- the shared repositories' statements (faktura.storage.sql) ---------------------

    dialect = shared.Dialect(
        instant=datetime.isoformat,
        instant_utc=lambda at: _utc(at),
        read_instant=datetime.fromisoformat,
        decode=codec.loads,
        append_event=(
            "INSERT INTO events (company_id, invoice_id, seq, doc) "
            "SELECT :company_id, :invoice_id, coalesce(max(seq), 0) + 1, :doc FROM events "
            "WHERE company_id = :company_id AND invoice_id = :invoice_id"
        ),
    )

    def check_writable(self) -> None:
        self._connection(write=True)

    def require_company(self, company_id: str) -> None:
        pass  # the foreign key answers it

    def write(self, statement: str, params: shared.Params, *, action: str, company_id: str) -> int:
        return self._execute(
            statement, params, on_integrity=_constraint(company_id, lambda m: StorageError(m))
        )

    def rows(self, statement: str, params: shared.Params, *, action: str) -> list[Row]:
        return self._rows(statement, params)

    # -- repositories --------------------------------------------------------------------

    @property
    def companies(self) -> _Companies:
        return _Companies(self)

    @property
    def customers(self) -> _Customers:
        return _Customers(self)

    @property
    def invoices(self) -> _Invoices:
        return _Invoices(self)

    @property
    def numbers(self) -> _Numbers:
        return _Numbers(self)


def _utc(at: datetime) -> str:
    """``at`` as ISO text in UTC: text that sorts as the instants do."""
    return at.astimezone(UTC).isoformat()
