"""PostgresHostStore: faktura's units of work as savepoints in the host's own transaction."""

from __future__ import annotations

import contextlib
import functools
import itertools
from typing import TYPE_CHECKING, Any, LiteralString

from faktura.errors import ConfigurationError, StorageError
from faktura.storage.postgres.errors import _psycopg, _translate
from faktura.storage.postgres.schema import _check_schema, _migrate
from faktura.storage.postgres.unit_of_work import PostgresUnitOfWork

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]
    Cursor = psycopg.Cursor[tuple[Any, ...]]


class PostgresHostStore:
    """faktura's units of work inside the host's transaction, on the host's own psycopg
    connection: made by ``PostgresStore.on_connection`` (see there).

    A unit of work is a savepoint (``SAVEPOINT faktura_<n>``): its commit releases it,
    its rollback rolls back to it, so a failed one leaves the host's transaction usable
    and holding nothing of faktura's. faktura never commits or rolls back the host's
    transaction. While a unit of work is open, the connection's ``row_factory`` and
    ``cursor_factory`` are faktura's (tuples, a plain ``psycopg.Cursor`` reading JSON and
    timestamps with psycopg's own loaders); they are given back at its end.
    """

    #: Units of work join the host's transaction: nothing is durable before the host
    #: commits, so nothing may be delivered before (``Billing.send`` refuses this store).
    joins_host_transaction = True

    def __init__(self, conn: Connection, *, create: bool = False) -> None:
        self._psycopg = _psycopg()
        if not isinstance(conn, self._psycopg.Connection):
            raise ConfigurationError(
                "PostgresStore.on_connection takes a psycopg (3) Connection, not "
                f"{type(conn).__name__}"
            )
        self._conn = conn
        self._closed = False
        # open savepoint number → whether it is a read-only transaction of faktura's own
        # (no host transaction on an autocommit connection); the host's (row_factory,
        # cursor_factory) while any is open
        self._open: dict[int, bool] = {}
        self._factories: tuple[Any, Any] = (None, None)
        info = conn.info
        self._where = f"{info.host}:{info.port}/{info.dbname}"
        from psycopg.pq import TransactionStatus

        # psycopg begins a transaction before the check's first statement when none is
        # open: holding nothing of the host's, it is ended again (create leaves the new
        # tables in the host's transaction for the host to commit)
        began = conn.info.transaction_status == TransactionStatus.IDLE and not create
        try:
            self._prepare(create)
        finally:
            if began and conn.info.transaction_status != TransactionStatus.IDLE:
                with contextlib.suppress(self._psycopg.Error):
                    conn.rollback()

    def _prepare(self, create: bool) -> None:
        """Check faktura's schema, or create or migrate it, in a unit of work."""
        conn, token = self._begin(readonly=not create)
        try:
            if create:
                _migrate(conn)
            else:
                _check_schema(conn)
        except BaseException as exc:
            with contextlib.suppress(self._psycopg.Error):
                self._rollback(conn, token)
            self._release(conn, token, broken=False)
            if isinstance(exc, self._psycopg.errors.DuplicateTable):
                raise ConfigurationError(
                    f"{self._where}: {str(exc).strip().splitlines()[0]}: faktura's tables "
                    "cannot share a schema with one of the same name; put faktura's in a "
                    "schema of their own (first in the connection's search_path)"
                ) from exc
            if isinstance(exc, self._psycopg.Error):
                raise _translate(exc, "prepare the schema") from exc
            raise
        try:
            self._commit(conn, token)
        except self._psycopg.Error as exc:
            raise _translate(exc, "prepare the schema") from exc
        finally:
            self._release(conn, token, broken=False)

    def unit_of_work(self, readonly: bool = False) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self, readonly)

    def close(self) -> None:
        """Refuse further units of work; the connection stays open (it is the host's)."""
        self._closed = True

    def __repr__(self) -> str:
        return f"PostgresHostStore({self._where!r})"

    # -- transactions: PostgresUnitOfWork's ----------------------------------------------

    def _begin(self, readonly: bool) -> tuple[Connection, int | None]:
        """Open a unit of work: a savepoint in the host's transaction (psycopg begins one
        first when the connection has none and is not in autocommit mode; the host ends
        it). Without a host transaction on an autocommit connection a reader has a
        transaction of its own, which its end closes, and a writer is refused."""
        from psycopg.pq import TransactionStatus

        conn = self._conn
        if self._closed:
            raise StorageError(f"the store on {self._where} is closed", retryable=False)
        if conn.closed or conn.broken:
            raise StorageError(f"the host's connection to {self._where} is closed", retryable=False)
        status = conn.info.transaction_status
        if status == TransactionStatus.INERROR:
            raise StorageError(
                f"the host's transaction on {self._where} failed before: roll it back first",
                retryable=False,
            )
        own = status == TransactionStatus.IDLE and conn.autocommit
        if own and not readonly:
            raise ConfigurationError(
                f"{self._where}: the connection is in autocommit mode and has no transaction "
                "open: faktura writes in the host's transaction only; open one "
                "(with conn.transaction(); Django: transaction.atomic()) first"
            )
        number = next(_savepoints)
        self._swap_factories(number, own)
        begin: LiteralString = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        try:
            conn.execute(begin if own else _savepoint("SAVEPOINT", number))
        except self._psycopg.Error as exc:
            self._restore_factories(number)
            raise _translate(exc, "begin a unit of work") from exc
        return conn, number

    def _commit(self, conn: Connection, token: int | None) -> str | None:
        if self._open.get(token or 0):
            status = conn.execute("COMMIT").statusmessage
            return None if status == "COMMIT" else status
        conn.execute(_savepoint("RELEASE SAVEPOINT", token))
        return None

    def _rollback(self, conn: Connection, token: int | None) -> None:
        if self._open.get(token or 0):
            conn.execute("ROLLBACK")
        else:
            conn.execute(_savepoint("ROLLBACK TO SAVEPOINT", token))
            conn.execute(_savepoint("RELEASE SAVEPOINT", token))

    def _release(self, conn: Connection, token: int | None, *, broken: bool) -> None:
        """The unit of work has ended; the connection stays the host's, broken or not."""
        self._restore_factories(token)

    def _swap_factories(self, number: int, own: bool) -> None:
        """Give the connection faktura's row and cursor factories while ``number`` is open."""
        if not self._open:
            from psycopg.rows import tuple_row

            conn = self._conn
            self._factories = (conn.row_factory, conn.cursor_factory)
            conn.row_factory = tuple_row
            conn.cursor_factory = _host_cursor()
        self._open[number] = own

    def _restore_factories(self, number: int | None) -> None:
        """Close ``number``; the last one closed gives the host its factories back."""
        if self._open.pop(number or 0, None) is not None and not self._open:
            self._conn.row_factory, self._conn.cursor_factory = self._factories


_savepoints = itertools.count(1)
#: The types faktura reads whose loaders a host may have replaced on its connection
#: (Django loads jsonb as text, timestamptz in its own time zone): its cursors use
#: psycopg's own.
_OWN_LOADERS = ("json", "jsonb", "timestamptz")


@functools.cache
def _host_cursor() -> Any:
    """The cursor class of faktura's statements on a host's connection: a plain
    ``psycopg.Cursor`` that reads the types of ``_OWN_LOADERS`` with psycopg's loaders."""
    import psycopg
    from psycopg.pq import Format

    loaders = []
    for name in _OWN_LOADERS:
        loader = psycopg.adapters.get_loader(psycopg.adapters.types[name].oid, Format.TEXT)
        if loader is not None:
            loaders.append((name, loader))

    class HostCursor(psycopg.Cursor[Any]):
        def __init__(self, connection: Connection, *, row_factory: Any = None) -> None:
            super().__init__(connection, row_factory=row_factory)
            for name, loader in loaders:
                self.adapters.register_loader(name, loader)

    return HostCursor


def _savepoint(command: LiteralString, number: int | None) -> Any:
    """``command faktura_<number>`` (SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT)."""
    from psycopg import sql

    return sql.SQL("{} {}").format(sql.SQL(command), sql.Identifier(f"faktura_{number}"))
