"""PostgresUnitOfWork: a transaction's statements (psycopg errors translated), repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, Protocol, Self

from faktura.errors import FakturaError, NotFoundError, StorageError
from faktura.storage import sql as shared
from faktura.storage.codec import load
from faktura.storage.postgres.errors import _translate
from faktura.storage.postgres.invoices import _Invoices
from faktura.storage.postgres.numbering import _Numbers
from faktura.storage.postgres.parties import _Companies, _Customers
from faktura.storage.postgres.statements import shared_statement

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]
    Cursor = psycopg.Cursor[tuple[Any, ...]]


class _Transactions(Protocol):
    """What a unit of work needs of its store (``PostgresStore``, ``PostgresHostStore``):
    its transactions, and the psycopg module whose errors it translates."""

    _psycopg: Any

    def _begin(self, readonly: bool) -> tuple[Connection, int | None]: ...

    def _commit(self, conn: Connection, token: int | None) -> str | None: ...

    def _rollback(self, conn: Connection, token: int | None) -> None: ...

    def _release(self, conn: Connection, token: int | None, *, broken: bool) -> None: ...


class PostgresUnitOfWork(shared.SharedRepositories):
    """One transaction on one pooled connection; rolls back unless committed.

    After a statement failed (a conflict, a lost connection) PostgreSQL refuses the rest
    of the transaction: the unit of work can only be rolled back, and commit() says so.
    """

    def __init__(self, store: _Transactions, readonly: bool) -> None:
        self._store = store
        self._readonly = readonly
        self._conn: Connection | None = None
        self._token: int | None = None
        self._failed: FakturaError | None = None
        # (company, id) → the lines (Invoice.line_source) as stored, read or written in
        # this unit of work: an update that passes the same object on leaves them alone.
        self._lines: dict[tuple[str, str], object] = {}

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise StorageError("the unit of work is already open", retryable=False)
        conn, self._token = self._store._begin(self._readonly)
        self._conn = conn
        self._failed = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        if self._conn is None and self._failed is not None:
            # a statement failed and took the connection with it (a lost session)
            raise StorageError(
                f"the unit of work was rolled back, a statement of it failed: {self._failed}",
                retryable=self._failed.retryable,
            )
        conn = self._open_connection()
        if self._failed is not None:
            self.rollback()
            raise StorageError(
                f"the unit of work was rolled back, a statement of it failed: {self._failed}",
                retryable=self._failed.retryable,
            )
        try:
            status = self._store._commit(conn, self._token)
        except self._store._psycopg.Error as exc:
            self._release(broken=True)
            raise _translate(exc, "commit") from exc
        self._release()
        if status is not None:  # pragma: no cover -- the server turned it into a rollback
            raise StorageError(f"PostgreSQL did not commit ({status})")

    def rollback(self) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            self._store._rollback(conn, self._token)
        except self._store._psycopg.Error:
            self._release(broken=True)  # the server rolls back a lost session itself
            return
        self._release()

    def _release(self, *, broken: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._store._release(conn, self._token, broken=broken)

    def _open_connection(self) -> Connection:
        if self._conn is None:
            raise StorageError(
                "the unit of work is not open (use it in a with block)", retryable=False
            )
        return self._conn

    def run(
        self, query: LiteralString, params: Sequence[Any] | Mapping[str, Any] = (), *, action: str
    ) -> Cursor:
        """Execute one statement in this transaction; psycopg errors translated."""
        conn = self._open_connection()
        try:
            return conn.execute(query, params)
        except self._store._psycopg.Error as exc:
            error = _translate(exc, action)
            self._failed = error
            if conn.closed or conn.broken:
                self._release(broken=True)
            raise error from exc

    @property
    def readonly(self) -> bool:
        return self._readonly

    def check_writable(self) -> None:
        """StorageError unless this unit of work is open for writing. Writes check what
        the memory store checks first (existence, versions) and then this, so that a
        read-only unit of work answers a doomed write as the reference store does."""
        self._open_connection()
        if self._readonly:
            raise StorageError("this unit of work is read-only", retryable=False)

    # -- the shared repositories' statements (faktura.storage.sql) ---------------------

    dialect = shared.Dialect(
        instant=lambda at: at,
        instant_utc=lambda at: at,
        read_instant=lambda at: at,
        decode=load,
        append_event="INSERT INTO events (company_id, invoice_id, doc) "
        "VALUES (:company_id, :invoice_id, :doc)",
        skip_locked=" FOR UPDATE SKIP LOCKED",
        append_event_with_message=shared.APPEND_EVENT_WITH_MESSAGE,
    )

    def require_company(self, company_id: str) -> None:
        if not _Companies(self)._exists(company_id):
            raise NotFoundError("company", company_id)

    def write(self, statement: str, params: shared.Params, *, action: str, company_id: str) -> int:
        return self.run(shared_statement(statement), params, action=action).rowcount

    def rows(self, statement: str, params: shared.Params, *, action: str) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = self.run(
            shared_statement(statement), params, action=action
        ).fetchall()
        return found

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
