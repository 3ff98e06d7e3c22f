"""SqliteHostStore: faktura's units of work as savepoints in the host's own transaction."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from pathlib import Path
from typing import Any

from faktura.errors import ConfigurationError, StorageError
from faktura.storage.sqlite.errors import _storage_error
from faktura.storage.sqlite.schema import _migrate_shared, _outdated, _schema_of
from faktura.storage.sqlite.unit_of_work import SqliteUnitOfWork

# A write that changes nothing but takes SQLite's write lock (see SqliteHostStore._begin).
_TAKE_WRITE_LOCK = "UPDATE counters SET last_seq = last_seq WHERE 0"
_savepoints = itertools.count(1)


def _autocommits(conn: sqlite3.Connection) -> bool:
    """True when the connection never opens a transaction by itself: sqlite3's
    ``isolation_level=None`` or, from Python 3.12 on, ``autocommit=True``."""
    autocommit = getattr(conn, "autocommit", None)  # 3.12+: True, False or -1 (legacy)
    if isinstance(autocommit, bool):
        return autocommit
    return conn.isolation_level is None


class SqliteHostStore:
    """faktura's units of work inside the host's transaction, on the host's own SQLite
    connection: made by ``SqliteStore.on_connection`` (see there).

    A unit of work is a savepoint: its commit releases it (the host's commit makes it
    durable), its rollback rolls back to it. faktura never commits or rolls back the
    host's transaction. While a unit of work is open, the connection's ``row_factory``
    and ``text_factory`` are faktura's (tuples, str); they are given back at its end.
    """

    #: Units of work join the host's transaction: nothing is durable before the host
    #: commits, so nothing may be delivered before (``Billing.send`` refuses this store).
    joins_host_transaction = True

    def __init__(self, conn: sqlite3.Connection, *, create: bool = False) -> None:
        if not isinstance(conn, sqlite3.Connection):
            raise ConfigurationError(
                f"SqliteStore.on_connection takes a sqlite3.Connection, not {type(conn).__name__}"
            )
        self._conn = conn
        self._closed = False
        # the numbers of the savepoints open (0: the store's own reads), and the host's
        # (row_factory, text_factory) while any is
        self._open: set[int] = set()
        self._factories: tuple[Any, Any] = (None, str)
        self.path: object = "the host's SQLite database"
        self.timeout = 0.0
        number = self._swap_factories()
        try:
            (_, _, file), *_ = conn.execute("PRAGMA database_list").fetchall()
            (busy_ms,) = conn.execute("PRAGMA busy_timeout").fetchone()
            (foreign_keys,) = conn.execute("PRAGMA foreign_keys").fetchone()
            _, version = _schema_of(conn)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            self._restore_factories(number)
        self.path = Path(file) if file else "the host's in-memory SQLite database"
        self.timeout = int(busy_ms) / 1000
        if not foreign_keys:
            raise ConfigurationError(
                f"{self.path}: faktura's tables rely on foreign keys, which this connection "
                "does not enforce: run PRAGMA foreign_keys = ON on it (outside a "
                "transaction) before SqliteStore.on_connection"
            )
        how = "SqliteStore.on_connection(conn, create=True)"
        if _outdated(version, self.path, create, how):
            self._create()

    def __repr__(self) -> str:
        return f"SqliteHostStore({str(self.path)!r})"

    def unit_of_work(self, readonly: bool = False) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self, readonly)

    def close(self) -> None:
        """Refuse further units of work; the connection stays open (it is the host's)."""
        self._closed = True

    def _create(self) -> None:
        conn, number = self._begin(readonly=False, lock=None)
        try:
            _migrate_shared(conn, self.path)
            self._commit(conn, number)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            self._end(conn, False, number)

    # -- transactions: SqliteUnitOfWork's --------------------------------------------------

    def _begin(
        self, readonly: bool, lock: str | None = _TAKE_WRITE_LOCK
    ) -> tuple[sqlite3.Connection, int]:
        """Open a unit of work: a savepoint in the host's transaction.

        A writer needs SQLite's write lock before it reads what it will write (the
        counters above all): a deferred transaction that read first and writes later
        fails (SQLITE_BUSY) when another connection wrote meanwhile. So a writer takes
        the lock first: it opens the host's transaction with ``BEGIN IMMEDIATE`` when none
        is open (as the driver would open one before the host's own next write; it is
        left open for the host to commit), or takes the lock in the host's open one with
        a write that changes nothing (which still fails if the host's transaction read
        before another connection wrote: a host that books begins with BEGIN IMMEDIATE).
        A reader without a host transaction reads in a transaction of its own that its
        end closes.
        """
        conn = self._conn
        if self._closed:
            raise StorageError(f"the store on {self.path} is closed", retryable=False)
        try:
            if conn.in_transaction:
                if not readonly and lock:
                    conn.execute(lock)
            elif not readonly:
                if _autocommits(conn):
                    raise ConfigurationError(
                        f"{self.path}: the connection is in autocommit mode and has no "
                        "transaction open: faktura writes in the host's transaction only; "
                        "open one (BEGIN IMMEDIATE; Django: transaction.atomic()) first"
                    )
                exclusive = str(conn.isolation_level).upper() == "EXCLUSIVE"
                conn.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
            number = next(_savepoints)
            conn.execute(f"SAVEPOINT faktura_{number}")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        self._swap_factories(number)
        return conn, number

    def _commit(self, conn: sqlite3.Connection, ticket: int | None) -> None:
        conn.execute(f"RELEASE faktura_{ticket}")
        self._restore_factories(ticket)

    def _end(self, conn: sqlite3.Connection, readonly: bool, ticket: int | None) -> None:
        """Roll back to the savepoint of a unit of work not committed, and remove it."""
        if ticket not in self._open:
            return  # committed
        try:
            if conn.in_transaction:  # else SQLite rolled back the whole transaction
                conn.execute(f"ROLLBACK TO faktura_{ticket}")
                conn.execute(f"RELEASE faktura_{ticket}")
        except sqlite3.Error as exc:
            # faktura's writes must not stay for the host to commit
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
            raise StorageError(
                f"{self.path}: could not roll back to faktura's savepoint ({exc}); the "
                "whole transaction was rolled back, the host's work with it",
                retryable=False,
            ) from exc
        finally:
            self._restore_factories(ticket)

    def _swap_factories(self, number: int = 0) -> int:
        """Give the connection faktura's row and text factories while ``number`` is open."""
        if not self._open:
            conn = self._conn
            self._factories = (conn.row_factory, conn.text_factory)
            conn.row_factory = None
            conn.text_factory = str
        self._open.add(number)
        return number

    def _restore_factories(self, number: int | None) -> None:
        """Close ``number``; the last one closed gives the host its factories back."""
        if number not in self._open:
            return
        self._open.discard(number)
        if not self._open:
            self._conn.row_factory, self._conn.text_factory = self._factories

    def _error(self, exc: sqlite3.Error) -> StorageError:
        error = _storage_error(exc, self.path, self.timeout)
        if self._open and not self._conn.in_transaction:
            return StorageError(
                f"{error.message}; SQLite rolled back the whole transaction, the host's "
                "work with it",
                retryable=error.retryable,
            )
        return error
