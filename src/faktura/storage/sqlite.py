"""SqliteStore: documents in one SQLite file through the standard library, the embedded
default store.

- A file is never created implicitly: it must exist and carry faktura's schema unless
  ``create=True``. A faktura file of an older schema version is migrated when opened, one
  from a newer faktura refused (``faktura.storage.sqlite_schema``).
- Each unit of work has a connection of its own (idle ones are kept for the next), so a
  reader works while a writer of the same thread is open. Write-ahead logging lets
  readers (``BEGIN``, on ``query_only`` connections) read the last commit without waiting
  for writers; writers line up in a fair queue across threads and processes
  (``WriterQueue``, sidecar file ``<path>-writers``) and then take SQLite's write lock
  with ``BEGIN IMMEDIATE``, so the counters they read stay theirs until they end.
- ``synchronous=FULL``: a booked invoice is a legal record, so a commit that returned
  survives a power cut, not only a crash of the process.
- Driver errors never leak: a taken key becomes ConflictError, a missing company
  NotFoundError, anything else of sqlite3 StorageError, always ``from`` the driver's
  error: retryable for a lock or a transient failure, not for a damaged file, one that
  is not a database or cannot be opened (``SqliteStore._error``). A stored row that
  cannot be decoded is a non-retryable StorageError naming it; in a list it fails the
  whole page.
- A document's header (``codec.dumps_header``) is its row's ``doc``; its lines are a row
  of ``invoice_lines``, read with it as ``StoredLines`` (decoded when used) and written
  only when a write brings other lines than those read (``SqliteUnitOfWork._lines``).
- ``SqliteStore.on_connection(conn)`` is a store on the host's own connection instead
  (``SqliteHostStore``): its units of work are savepoints in the host's transaction, its
  schema version is kept in ``faktura_schema`` beside the host's tables, and a
  SqliteStore opens such a database too (docs/host-transaction.md).
- A store must not cross ``fork()``: SQLite keeps per-process state about open files that
  a forked child inherits but cannot use. Open stores after forking (or close them
  before), or start processes with "spawn" or "forkserver".
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs

from faktura.errors import (
    ConfigurationError,
    ConflictError,
    FakturaError,
    NotFoundError,
    StorageError,
)
from faktura.invoice import Invoice
from faktura.numbering import next_number
from faktura.parties import Company, Customer
from faktura.ports import OVERDUE, InvoiceQuery, ListResult
from faktura.status import DocumentKind
from faktura.storage import codec
from faktura.storage import sql as shared
from faktura.storage.query import OVERDUE_STATUSES, escape_like, search_text
from faktura.storage.sqlite_schema import (
    APPLICATION_ID,
    LATEST,
    MIGRATIONS,
    _use_wal,
    list_key,
    list_key_band,
    list_key_day,
    list_key_day_end,
    list_key_day_of,
    prepare,
)
from faktura.storage.writer_queue import WriterQueue
from faktura.summary import InvoiceSummary

__all__ = [
    "DEFAULT_TIMEOUT",
    "HOSTED_SCHEMA_TABLE",
    "SqliteHostStore",
    "SqliteStore",
    "SqliteUnitOfWork",
]

#: Seconds a writer waits for the writers before it, then StorageError.
DEFAULT_TIMEOUT = 5.0
# Idle connections kept per kind (readers, writers); more are closed when returned.
_MAX_IDLE = 8
# Trigrams: shorter search text cannot use the search index.
_MIN_INDEXED_SEARCH = 3

Row = tuple[Any, ...]
Params = Sequence[object] | Mapping[str, object]


class _OpenFiles:
    """The database files this process has stores open on, and those a forked child must
    leave alone because its parent had them open when it forked."""

    def __init__(self, inherited: frozenset[str] = frozenset()) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.inherited = inherited

    def current(self) -> _OpenFiles:
        if self.pid == os.getpid():
            return self
        return _OpenFiles(self.inherited | {key for key, n in self.counts.items() if n})


_open_files = _OpenFiles()
# Connections a forked child inherited: never used, and never closed either (closing
# would release locks and files SQLite believes the parent's connections hold).
_inherited_connections: list[sqlite3.Connection] = []


def _open_file(key: str, path: Path) -> None:
    global _open_files
    files = _open_files = _open_files.current()
    if key in files.inherited:
        raise ConfigurationError(
            f"{path} was open in the parent process when it forked; SQLite files cannot be "
            "used across fork(): close stores before forking, or start processes with "
            "'spawn' or 'forkserver'"
        )
    with files.lock:
        files.counts[key] = files.counts.get(key, 0) + 1


def _close_file(key: str) -> None:
    files = _open_files
    if files.pid == os.getpid():
        with files.lock:
            files.counts[key] -= 1


class SqliteStore:
    """Documents in the SQLite file at ``path`` (see the module docstring).

    ``create`` lets it create the file and its schema; ``timeout`` is how many seconds a
    writer waits for others before StorageError. Raises ConfigurationError when the file
    is missing or not faktura's (without ``create``) or from a newer faktura,
    StorageError when it cannot be opened or read.
    """

    def __init__(
        self, path: str | Path, *, create: bool = False, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        if not create and not self.path.is_file():
            raise ConfigurationError(
                f"no SQLite database at {self.path}: pass create=True "
                "(open_store(url, create=True)) to create one"
            )
        self._key = os.path.realpath(self.path)
        _open_file(self._key, self.path)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._idle: dict[bool, list[sqlite3.Connection]] = {False: [], True: []}
        self._closed = False
        try:
            conn = self._connect(readonly=False, create=create)
            try:
                own, version = _schema_of(conn)
                if own or version is None:
                    prepare(conn, self.path, create=create)
                else:  # faktura's schema beside a host's tables (SqliteStore.on_connection)
                    _prepare_shared(conn, self.path, create)
            except BaseException as exc:
                conn.close()
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc) from exc
                raise
        except BaseException:
            _close_file(self._key)
            raise
        self._idle[False].append(conn)
        self._queue = WriterQueue(Path(f"{self.path}-writers"))

    @classmethod
    def on_connection(cls, conn: sqlite3.Connection, *, create: bool = False) -> SqliteHostStore:
        """A store whose units of work run inside the host's transaction on ``conn``, the
        host's own connection: each is a savepoint there, its commit a release, its
        rollback a rollback to it. faktura never commits, rolls back or closes the
        host's transaction or connection; when ``conn`` has no transaction open, a
        writing unit of work opens one with ``BEGIN IMMEDIATE`` and leaves it open for
        the host to end (a connection in autocommit mode must have one open).

        ``create`` creates or migrates faktura's tables in the host's database (in the
        host's transaction). Raises ConfigurationError when the database has no faktura
        schema or an outdated one (without ``create``), or one from a newer faktura, or
        when the connection does not enforce foreign keys.
        """
        return SqliteHostStore(conn, create=create)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def unit_of_work(self, readonly: bool = False) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self, readonly)

    def close(self) -> None:
        """Close the idle connections (busy ones close when their unit of work ends)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle = [conn for pool in self._idle.values() for conn in pool]
            self._idle = {False: [], True: []}
            ours = self._pid == os.getpid()
        if not ours:
            _inherited_connections.extend(idle)
            return
        _close_file(self._key)
        self._queue.close()
        for conn in idle:
            conn.close()

    # -- connections ---------------------------------------------------------------------

    def _connect(self, readonly: bool, create: bool = False) -> sqlite3.Connection:
        mode = "rwc" if create else "rw"
        uri = f"file:{urllib.parse.quote(os.path.abspath(self.path))}?mode={mode}"
        try:
            conn = sqlite3.connect(
                uri,
                uri=True,
                timeout=self.timeout,
                isolation_level=None,  # transactions are begun and ended explicitly
                check_same_thread=False,  # pooled: a unit of work may end in another thread
            )
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            if readonly:
                conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            conn.close()
            raise self._error(exc) from exc
        return conn

    def _checkout(self, readonly: bool) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise StorageError(f"the store of {self.path} is closed", retryable=False)
            if self._pid != os.getpid():
                raise StorageError(
                    f"the store of {self.path} was opened in another process (before a "
                    "fork); open a new SqliteStore in this one",
                    retryable=False,
                )
            idle = self._idle[readonly]
            if idle:
                return idle.pop()
        return self._connect(readonly)

    def _checkin(self, conn: sqlite3.Connection, readonly: bool) -> None:
        try:
            reusable = not conn.in_transaction
        except sqlite3.Error:
            reusable = False
        with self._lock:
            if self._pid != os.getpid():
                _inherited_connections.append(conn)
                return
            idle = self._idle[readonly]
            if reusable and not self._closed and len(idle) < _MAX_IDLE:
                idle.append(conn)
                return
        conn.close()

    def _begin(self, readonly: bool) -> tuple[sqlite3.Connection, int | None]:
        ticket = None
        if not readonly:
            try:
                ticket = self._queue.acquire(self.timeout)
            except OSError as exc:
                raise StorageError(f"the writer queue of {self.path} failed: {exc}") from exc
            if ticket is None:
                raise StorageError(
                    f"{self.path}: other writers held it for more than {self.timeout} s; try again"
                )
        try:
            conn = self._checkout(readonly)
            try:
                conn.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._checkin(conn, readonly)
                raise self._error(exc) from exc
        except BaseException:
            if ticket is not None:
                self._queue.release(ticket)
            raise
        return conn, ticket

    def _commit(self, conn: sqlite3.Connection, ticket: int | None) -> None:
        conn.execute("COMMIT")

    def _end(self, conn: sqlite3.Connection, readonly: bool, ticket: int | None) -> None:
        """Roll back what is left of the unit of work, give the connection back."""
        try:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the connection is dropped instead of pooled: closing rolls back
            self._checkin(conn, readonly)
        finally:
            if ticket is not None:
                self._queue.release(ticket)

    def _error(self, exc: sqlite3.Error) -> StorageError:
        """The StorageError for a driver error: retryable only when a retry may cure it
        (see ``_RETRYABLE``)."""
        return _storage_error(exc, self.path, self.timeout)


def _storage_error(exc: sqlite3.Error, where: object, timeout: float) -> StorageError:
    """The StorageError for a driver error on the database ``where``, whose writers wait
    ``timeout`` seconds for a lock."""
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageError(
            f"{where} is locked by another connection for more than {timeout} s ({exc}); try again"
        )
    if name in _DAMAGED or name.startswith("SQLITE_CORRUPT"):
        return StorageError(
            f"{where} is damaged or not an SQLite database ({name}): {exc}; "
            "restore it from a backup",
            retryable=False,
        )
    if name.startswith(_RETRYABLE):
        return StorageError(f"SQLite failed on {where} ({name}): {exc}; try again")
    return StorageError(f"SQLite failed on {where} ({name}): {exc}", retryable=False)


#: The SQLite result codes a retry may cure: a lock, a transient I/O or memory failure,
#: an interrupted statement, a schema another connection changed meanwhile. Anything
#: else (a damaged file, one that cannot be opened, a full disk, a read-only file, an
#: SQL error) fails the same way until someone repairs it.
_RETRYABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_NOMEM",
    "SQLITE_INTERRUPT",
    "SQLITE_PROTOCOL",
    "SQLITE_SCHEMA",
    "SQLITE_READONLY_RECOVERY",
)
#: A damaged file (beside SQLITE_CORRUPT*): not a database, or corrupt as the OS says.
_DAMAGED = frozenset({"SQLITE_NOTADB", "SQLITE_IOERR_CORRUPTFS"})


# -- the host's connection ----------------------------------------------------------------

#: The table holding the version of faktura's schema in a database shared with a host,
#: whose ``application_id`` and ``user_version`` are the host's, not faktura's.
HOSTED_SCHEMA_TABLE = "faktura_schema"
# A write that changes nothing but takes SQLite's write lock (see SqliteHostStore._begin).
_TAKE_WRITE_LOCK = "UPDATE counters SET last_seq = last_seq WHERE 0"
_TAKEN = re.compile(r"(table|index|trigger|view) (\S+) already exists")
_savepoints = itertools.count(1)


def _autocommits(conn: sqlite3.Connection) -> bool:
    """True when the connection never opens a transaction by itself: sqlite3's
    ``isolation_level=None`` or, from Python 3.12 on, ``autocommit=True``."""
    autocommit = getattr(conn, "autocommit", None)  # 3.12+: True, False or -1 (legacy)
    if isinstance(autocommit, bool):
        return autocommit
    return conn.isolation_level is None


def _schema_of(conn: sqlite3.Connection) -> tuple[bool, int | None]:
    """(own, version) of faktura's schema in ``conn``'s main database: ``own`` when the
    file is faktura's own (its ``user_version`` is the schema version), otherwise the
    version in HOSTED_SCHEMA_TABLE; None when the database has no faktura schema."""
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    if application_id == APPLICATION_ID:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        return True, int(version)
    found = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (HOSTED_SCHEMA_TABLE,)
    ).fetchone()
    if found is None:
        return False, None
    (version,) = conn.execute(
        f"SELECT coalesce(max(version), 0) FROM {HOSTED_SCHEMA_TABLE}"
    ).fetchone()
    return False, int(version)


def _outdated(version: int | None, where: object, create: bool, how: str) -> bool:
    """Whether faktura's schema at ``version`` must be created or migrated; raises
    ConfigurationError when it cannot be used as it is and ``create`` is false, or is
    from a newer faktura. ``how`` says how to pass ``create``."""
    if version is not None and version > LATEST:
        raise ConfigurationError(
            f"{where} has faktura schema version {version}, written by a newer faktura; "
            f"this one knows versions up to {LATEST}: upgrade faktura"
        )
    if version == LATEST:
        return False
    if create:
        return True
    if version is None:
        raise ConfigurationError(
            f"{where} has no faktura schema: pass create=True ({how}) to create faktura's "
            "tables beside the database's own"
        )
    raise ConfigurationError(
        f"{where} has faktura schema version {version}, this faktura needs {LATEST}: "
        f"pass create=True ({how}) once to migrate it"
    )


def _migrate_shared(conn: sqlite3.Connection, where: object) -> None:
    """Create or migrate faktura's schema in a transaction (or savepoint) the caller has
    opened: the same steps as faktura's own files (``sqlite_schema.MIGRATIONS``), its
    version kept in HOSTED_SCHEMA_TABLE unless the file is faktura's own."""
    own, _ = _schema_of(conn)
    if not own:  # a write: the lock is taken before the version is read again
        conn.execute(f"CREATE TABLE IF NOT EXISTS {HOSTED_SCHEMA_TABLE} (version INTEGER NOT NULL)")
    own, version = _schema_of(conn)
    if not _outdated(version, where, True, ""):
        return  # another connection migrated it meanwhile
    try:
        for step in MIGRATIONS[version or 0 :]:
            step(conn)
    except sqlite3.OperationalError as exc:
        taken = _TAKEN.match(str(exc))
        if taken is None:
            raise
        raise ConfigurationError(
            f"{where} has a {taken[1]} {taken[2]} of its own: faktura's tables cannot share "
            "a database with one of the same name; rename it, or keep faktura in a "
            "database of its own"
        ) from exc
    if own:
        conn.execute(f"PRAGMA user_version = {LATEST}")
    else:
        conn.execute(f"DELETE FROM {HOSTED_SCHEMA_TABLE}")
        conn.execute(f"INSERT INTO {HOSTED_SCHEMA_TABLE} (version) VALUES ({LATEST})")


def _prepare_shared(conn: sqlite3.Connection, path: Path, create: bool) -> None:
    """``sqlite_schema.prepare`` for a SqliteStore on a database shared with a host
    (one with HOSTED_SCHEMA_TABLE): checked, and migrated when ``create``."""
    _, version = _schema_of(conn)
    _use_wal(conn, path)
    if not _outdated(version, path, create, "open_store(url, create=True)"):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        _migrate_shared(conn, path)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


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


class SqliteUnitOfWork:
    """A transaction on its own connection of a SqliteStore; rolls back unless committed."""

    def __init__(self, store: SqliteStore | SqliteHostStore, readonly: bool) -> None:
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

    @property
    def events(self) -> shared.Events:
        return shared.Events(self)

    @property
    def deliveries(self) -> shared.Deliveries:
        return shared.Deliveries(self)

    @property
    def api_keys(self) -> shared.ApiKeys:
        return shared.ApiKeys(self)

    @property
    def archive(self) -> shared.Archive:
        return shared.Archive(self)


def _unstorable(exc: UnicodeEncodeError) -> StorageError:
    # SQLite keeps UTF-8, which has no unpaired surrogates (str allows them)
    return StorageError(f"text with unpaired surrogates cannot be stored: {exc}", retryable=False)


def _constraint(
    company_id: str, unique: Callable[[str], FakturaError]
) -> Callable[[str], FakturaError]:
    """Translate a violated constraint: a taken key (``unique(message)``) or a company
    that does not exist."""

    def translate(message: str) -> FakturaError:
        if message.startswith("UNIQUE"):
            return unique(message)
        if message.startswith("FOREIGN KEY"):
            return NotFoundError("company", company_id)
        return StorageError(f"a stored row breaks the schema: {message}", retryable=False)

    return translate


@attrs.frozen
class _Companies:
    uow: SqliteUnitOfWork

    def get(self, company_id: str) -> Company:
        row = self.uow._row("SELECT doc FROM companies WHERE id = ?", (company_id,))
        if row is None:
            raise NotFoundError("company", company_id)
        return codec.loads(row[0], Company, company_id)

    def add(self, company: Company) -> None:
        self.uow._execute(
            "INSERT INTO companies (id, doc) VALUES (?, ?)",
            (company.id, codec.dumps(company)),
            on_integrity=_constraint(
                company.id, lambda _: ConflictError(f"company {company.id!r} exists")
            ),
        )

    def update(self, company: Company) -> None:
        if self.uow.readonly:
            self.get(company.id)  # a missing one is not found before the write is refused
        changed = self.uow._execute(
            "UPDATE companies SET doc = ? WHERE id = ?", (codec.dumps(company), company.id)
        )
        if not changed:
            raise NotFoundError("company", company.id)

    def list(self) -> list[Company]:
        rows = self.uow._rows("SELECT id, doc FROM companies ORDER BY id")
        return [codec.loads(doc, Company, key) for key, doc in rows]


def _customer_columns(customer: Customer) -> tuple[object, ...]:
    """name, number, name_key, number_key, doc"""
    number_key = customer.number.lower() if customer.number is not None else None
    return (
        customer.name,
        customer.number,
        customer.name.lower(),
        number_key,
        codec.dumps(customer),
    )


def _contains(column: str) -> str:
    return f"{column} LIKE ? ESCAPE '\\'"


def _fragment(needle: str) -> str:
    return f"%{escape_like(needle)}%"


def _page(page: int, limit: int) -> tuple[int, int]:
    return limit, (page - 1) * limit


_COUNT_CUSTOMERS = "SELECT count(*) FROM customers WHERE {where}"
_PAGE_OF_CUSTOMERS = (
    "SELECT id, doc FROM customers WHERE {where} ORDER BY name_key, id LIMIT ? OFFSET ?"
)


def _customer_filter(company_id: str, search: str | None) -> tuple[str, list[object]]:
    """The WHERE clause of a customer list and its parameters."""
    if not search:
        return "company_id = ?", [company_id]
    # name and number are searched apart: a match never spans both
    fragment = _fragment(search.lower())
    return (
        f"company_id = ? AND ({_contains('name_key')} OR {_contains('number_key')})",
        [company_id, fragment, fragment],
    )


@attrs.frozen
class _Customers:
    uow: SqliteUnitOfWork

    def get(self, company_id: str, customer_id: str) -> Customer:
        row = self.uow._row(
            "SELECT doc FROM customers WHERE company_id = ? AND id = ?",
            (company_id, customer_id),
        )
        if row is None:
            raise NotFoundError("customer", customer_id)
        return codec.loads(row[0], Customer, customer_id)

    def add(self, customer: Customer) -> None:
        self.uow._execute(
            "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (customer.company_id, customer.id, *_customer_columns(customer)),
            on_integrity=_constraint(
                customer.company_id, lambda _: ConflictError(f"customer {customer.id!r} exists")
            ),
        )

    def update(self, customer: Customer) -> None:
        if self.uow.readonly:
            self.get(customer.company_id, customer.id)
        changed = self.uow._execute(
            "UPDATE customers SET name = ?, number = ?, name_key = ?, number_key = ?, doc = ? "
            "WHERE company_id = ? AND id = ?",
            (*_customer_columns(customer), customer.company_id, customer.id),
        )
        if not changed:
            raise NotFoundError("customer", customer.id)

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        where, params = _customer_filter(company_id, search)
        row = self.uow._row(_COUNT_CUSTOMERS.format(where=where), params)
        total = int(row[0]) if row else 0
        rows = self.uow._rows(
            _PAGE_OF_CUSTOMERS.format(where=where), [*params, *_page(page, limit)]
        )
        return ListResult(tuple(codec.loads(doc, Customer, key) for key, doc in rows), total)


#: The columns of an invoice row, in the order of ``_invoice_columns``.
_COLUMNS = (
    "kind",
    "status",
    "customer_id",
    "issue_date",
    "due_date",
    "owed",
    "number",
    "description",
    "search",
    "version",
    "doc",
    "summary",
)
#: The columns queries filter on (indexed, feeding the search index, or ``owed``).
_INDEXED = _COLUMNS[: _COLUMNS.index("search") + 1]
_ALWAYS_WRITTEN = ("version", "doc", "summary")
_KIND, _ISSUE_DATE = _COLUMNS.index("kind"), _COLUMNS.index("issue_date")


def _invoice_columns(invoice: Invoice) -> tuple[object, ...]:
    """kind, status, customer_id, issue_date, due_date, owed (``Invoice.is_owed``, 1 or
    0), number, description, search, version, doc (the header: its lines are kept in
    ``invoice_lines``), summary"""
    return (
        invoice.kind.value,
        invoice.status.value,
        invoice.customer_id,
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
        int(invoice.is_owed),
        invoice.number,
        invoice.description,
        search_text(invoice),
        invoice.version,
        codec.dumps_header(invoice),
        codec.dumps(InvoiceSummary.of(invoice)),
    )


def _fts_phrase(text: str) -> str:
    """``text`` as one FTS5 string: nothing in it is query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _storable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# A list is one or more "arms", each an index range read in list order: every filter
# combination has an index ending in that order (sqlite_schema, version 2), and a filter
# on several statuses ("overdue") or on all kinds is one arm per status and kind, which
# SQLite merges in order (MERGE (UNION ALL)) instead of sorting. The inner query steps
# over the offset in the indexes alone (row_id is in every index); only the page's rows
# are then read from the table, and put in order by Python (a page, not a sort in SQL).
_ARM = "SELECT row_id, issue_date, id FROM invoices WHERE {where}"
_ORDERED = " ORDER BY issue_date DESC, id DESC LIMIT ? OFFSET ?"
_PAGE_OF_INVOICES = (
    "SELECT id, summary, issue_date FROM invoices WHERE row_id IN (SELECT row_id FROM ({arms}))"
)
# The bounded count of a search or "overdue": at most ``InvoiceQuery.count_limit`` rows.
_COUNT_MATCHES = "SELECT count(*) FROM ({arms} LIMIT ?)"
_COUNT_ARM = "SELECT 1 FROM invoices WHERE {where}"
# A search with a status or customer filter: the matches of the company's range of the
# search index (sqlite_schema.list_key_band), each row then filtered and the rest sorted.
_IN_MATCHES = (
    "list_key IN (SELECT rowid FROM invoices_fts WHERE invoices_fts MATCH ? "
    "AND rowid BETWEEN ? AND ?)"
)
# A search without those filters reads the search index alone, in its rowid order, which
# is list order by day (sqlite_schema.list_key_band): the first matches of the company and
# kind, then (LIMIT ?) a bounded count of them; then the page's rows by list key.
_MATCH_KEYS = (
    "SELECT rowid FROM invoices_fts WHERE invoices_fts MATCH ? AND rowid BETWEEN ? AND ? "
    "ORDER BY rowid LIMIT ?"
)
_COUNT_KEYS = (
    "SELECT count(*) FROM (SELECT 1 FROM invoices_fts WHERE invoices_fts MATCH ? "
    "AND rowid BETWEEN ? AND ? LIMIT ?)"
)
_BY_KEYS = "SELECT list_key, id, summary FROM invoices WHERE list_key IN ({keys})"
# Keys bound to one statement at most (SQLite's limit is 32,766 in every supported version).
_KEYS_PER_STATEMENT = 500
_COMPANY_CODE = "SELECT code FROM company_codes WHERE company_id = ?"
# The newest key so far of a company's documents of one kind and day (slots count down).
_LOWEST_KEY = "SELECT min(list_key) FROM invoices WHERE list_key BETWEEN ? AND ?"
# The exact totals of every other list: a sum over one row per status (version 6).
_KEPT_COUNT = "SELECT coalesce(sum(n), 0) FROM {table} WHERE company_id = ? AND kind IN ({kinds})"
# An unfiltered list of one kind: positions (sqlite_schema, version 3) give any page
# through the index, however deep.
_LAST_POSITION = "SELECT max(list_pos) FROM invoices WHERE company_id = ? AND kind = ?"
_PAGE_BY_POSITION = (
    "SELECT id, summary FROM invoices WHERE company_id = ? AND kind = ? "
    "AND list_pos BETWEEN ? AND ? ORDER BY list_pos DESC"
)
# The position just below a document's place in list order (date, then id). A row value
# comparison, so that it is a range of invoices_by_kind: the same condition spelled with
# OR is a walk over all the company's earlier documents.
_POSITION_BELOW = (
    "SELECT list_pos FROM invoices WHERE company_id = ? AND kind = ? AND list_pos IS NOT NULL "
    "AND (issue_date, id) < (?, ?) "
    "ORDER BY issue_date DESC, id DESC LIMIT 1"
)
_SHIFT_POSITIONS = (
    "UPDATE invoices SET list_pos = list_pos + ? WHERE company_id = ? AND kind = ? AND list_pos > ?"
)


_Arm = tuple[str, list[object]]


def _invoice_arms(company_id: str, query: InvoiceQuery, code: int | None) -> list[_Arm] | None:
    """The WHERE clauses (and parameters) of ``query``, one per index range read (see
    ``_ARM``): together they are ``faktura.storage.query.matches``. None when nothing
    can match. ``code`` is the company's (``company_codes``), for a search."""
    kinds: list[str | None] = [query.kind.value] if query.kind is not None else [None]
    if query.kind is None and (query.status is not None or query.customer_id is not None):
        kinds = [kind.value for kind in DocumentKind]  # no index leaves the kind out
    statuses: list[str | None] = [None]
    due: list[str] = []
    if query.status == OVERDUE:
        if query.today is None:
            return None
        # Invoice.is_overdue: due before today and owed (a payable status, and the owed
        # column the store writes with every document). The unary + keeps SQLite on the
        # status index in list order (an index with the due date would find the rows,
        # then sort them all); the due date, early in the row, is compared first.
        statuses = [status.value for status in OVERDUE_STATUSES]
        due = ["+due_date < ? AND owed = 1", query.today.isoformat()]
    elif query.status is not None:
        statuses = [str(query.status)]
    needle = query.search.lower() if query.search else None
    if needle is not None and not _storable(needle):
        return None  # no stored text can hold it
    indexed = needle is not None and len(needle) >= _MIN_INDEXED_SEARCH
    if indexed and code is None:
        return None  # a company without a code has no documents
    arms: list[_Arm] = []
    for kind in kinds:
        search: list[object] = []
        if needle is not None and code is not None and indexed:
            # the matches of the company's (and kind's) range of the search index only
            search = [_IN_MATCHES, _fts_phrase(needle), *list_key_band(code, kind)]
        elif needle is not None:  # only for callers of the store itself: Billing refuses it
            search = [_contains("search"), _fragment(needle)]
        for status in statuses:
            where: list[str] = ["company_id = ?"]
            params: list[object] = [company_id]
            for column, value in (
                ("kind", kind),
                ("status", status),
                ("customer_id", query.customer_id),
            ):
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
            for condition in (due, search):
                if condition:
                    where.append(str(condition[0]))
                    params.extend(condition[1:])
            arms.append((" AND ".join(where), params))
    return arms


def _kept_count(company_id: str, query: InvoiceQuery) -> tuple[str, list[object]]:
    """The statement (and parameters) of an exact total kept by the store (version 6)."""
    kinds = [query.kind.value] if query.kind is not None else [kind.value for kind in DocumentKind]
    table = "invoice_counts"
    params: list[object] = [company_id, *kinds]
    where = ""
    if query.customer_id is not None:
        table = "invoice_customer_counts"
        where += " AND customer_id = ?"
        params.append(query.customer_id)
    if query.status is not None:
        where += " AND status = ?"
        params.append(str(query.status))
    sql = _KEPT_COUNT.format(table=table, kinds=", ".join("?" * len(kinds))) + where
    return sql, params


def _union(template: str, arms: list[_Arm]) -> tuple[str, list[object]]:
    return (
        " UNION ALL ".join(template.format(where=where) for where, _ in arms),
        [param for _, params in arms for param in params],
    )


@attrs.frozen
class _Invoices:
    uow: SqliteUnitOfWork

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        # one writer at a time (BEGIN IMMEDIATE): a writer's read is always locked
        row = self.uow._row(
            f"SELECT lines, doc, {', '.join(_INDEXED)}, version FROM invoices "
            "JOIN invoice_lines USING (row_id) WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        if row is None:
            raise NotFoundError("invoice", invoice_id)
        invoice = codec.loads_invoice(row[1], row[0], invoice_id)
        self.uow._loaded[company_id, invoice_id] = tuple(row[2:])
        self.uow._lines[company_id, invoice_id] = invoice.line_source
        return invoice

    def _taken(self, invoice: Invoice) -> Callable[[str], FakturaError]:
        def unique(message: str) -> FakturaError:
            if "invoices.number" in message:
                return ConflictError(f"number {invoice.number!r} is taken")
            return ConflictError(f"invoice {invoice.id!r} exists")

        return _constraint(invoice.company_id, unique)

    def add(self, invoice: Invoice) -> None:
        row = self.uow._write_row(
            "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date, "
            "due_date, owed, number, description, search, version, doc, summary, list_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING row_id",
            (invoice.company_id, invoice.id, *_invoice_columns(invoice), self._key(invoice)),
            on_integrity=self._taken(invoice),
        )
        if row is None:  # pragma: no cover - RETURNING always gives the row
            raise StorageError(f"invoice {invoice.id!r} was not stored")
        self.uow._execute(
            "INSERT INTO invoice_lines (row_id, lines) VALUES (?, ?)",
            (row[0], codec.dumps_lines(invoice)),
        )
        self.uow._lines[invoice.company_id, invoice.id] = invoice.line_source
        self._place(invoice)

    def _code(self, company_id: str) -> int | None:
        """The company's code (``company_codes``); None when there is no such company."""
        row = self.uow._row(_COMPANY_CODE, (company_id,))
        return int(row[0]) if row is not None else None

    def _key(self, invoice: Invoice) -> int | None:
        """The list key (``sqlite_schema.list_key``) of a document written to its
        company, kind and date: the newest of that day. None without such a company
        (writing the row then fails on its foreign key)."""
        code = self._code(invoice.company_id)
        if code is None:
            return None
        day = list_key_day(code, invoice.kind.value, invoice.issue_date)
        row = self.uow._row(_LOWEST_KEY, day)
        key = list_key(row[0] if row is not None else None, day)
        if key is None:
            raise StorageError(
                f"company {invoice.company_id!r} has too many documents of kind "
                f"{invoice.kind.value} dated {invoice.issue_date} for the search index",
                retryable=False,
            )
        return key

    def _place(self, invoice: Invoice) -> None:
        """Give a document without a position its place in list order: documents are
        mostly added newest first, so few positions above it move."""
        key = (invoice.company_id, invoice.kind.value)
        day = invoice.issue_date.isoformat()
        below = self.uow._row(_POSITION_BELOW, (*key, day, invoice.id))
        position = int(below[0]) if below is not None else 0
        self.uow._execute(_SHIFT_POSITIONS, (1, *key, position))
        self.uow._execute(
            "UPDATE invoices SET list_pos = ? WHERE company_id = ? AND id = ?",
            (position + 1, invoice.company_id, invoice.id),
        )

    def _unplace(self, company_id: str, invoice_id: str) -> None:
        """Take a document out of list order (its date is about to change)."""
        row = self.uow._row(
            "SELECT kind, list_pos FROM invoices WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        if row is None or row[1] is None:
            return
        self.uow._execute(
            "UPDATE invoices SET list_pos = NULL WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        self.uow._execute(_SHIFT_POSITIONS, (-1, company_id, row[0], int(row[1])))

    def update(self, invoice: Invoice, expected_version: int) -> None:
        if self.uow.readonly:
            self.get(invoice.company_id, invoice.id)
        key = (invoice.company_id, invoice.id)
        columns = _invoice_columns(invoice)
        seen = self.uow._loaded.get(key)
        if seen is not None and seen[-1] == expected_version:
            # Only the columns that changed are written: an index whose columns are all
            # left out of the UPDATE is not touched (booking rewrites 2 of 7, not 7).
            names = [n for n, old, new in zip(_INDEXED, seen, columns, strict=False) if old != new]
            moved = seen[_ISSUE_DATE] != columns[_ISSUE_DATE] or seen[_KIND] != columns[_KIND]
        else:
            names = list(_INDEXED)
            moved = (
                self.uow._row(
                    "SELECT 1 FROM invoices WHERE company_id = ? AND id = ? AND version = ? "
                    "AND (issue_date != ? OR kind != ?)",
                    (*key, expected_version, columns[_ISSUE_DATE], columns[_KIND]),
                )
                is not None
            )
        values: dict[str, object] = dict(zip(_COLUMNS, columns, strict=True))
        written = [*names, *_ALWAYS_WRITTEN]
        if moved:
            self._unplace(invoice.company_id, invoice.id)
            values["list_key"] = self._key(invoice)  # a new day or kind: a new key
            written.append("list_key")
        assignments = ", ".join(f"{name} = ?" for name in written)
        changed = self.uow._execute(
            f"UPDATE invoices SET {assignments} WHERE company_id = ? AND id = ? AND version = ?",
            (
                *(values[name] for name in written),
                invoice.company_id,
                invoice.id,
                expected_version,
            ),
            on_integrity=self._taken(invoice),
        )
        if changed:
            if self.uow._lines.get(key) is not invoice.line_source:
                self.uow._execute(
                    "UPDATE invoice_lines SET lines = ? WHERE row_id = "
                    "(SELECT row_id FROM invoices WHERE company_id = ? AND id = ?)",
                    (codec.dumps_lines(invoice), *key),
                )
                self.uow._lines[key] = invoice.line_source
            if moved:
                self._place(invoice)
            self.uow._loaded[key] = (*columns[: len(_INDEXED)], invoice.version)
            return
        row = self.uow._row(
            "SELECT version FROM invoices WHERE company_id = ? AND id = ?",
            (invoice.company_id, invoice.id),
        )
        if row is None:
            raise NotFoundError("invoice", invoice.id)
        raise ConflictError(
            f"invoice {invoice.id!r} changed meanwhile "
            f"(version {row[0]}, expected {expected_version})"
        )

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        if query.kind is not None and not (query.status or query.customer_id or query.search):
            return self._list_by_position(company_id, query.kind.value, query)
        code = None
        if query.search:
            needle = query.search.lower()
            if len(needle) >= _MIN_INDEXED_SEARCH and _storable(needle):
                code = self._code(company_id)
                if code is not None and query.status is None and query.customer_id is None:
                    return self._search(code, _fts_phrase(needle), query)
        arms = _invoice_arms(company_id, query, code)
        if arms is None:
            return ListResult((), 0)
        if query.counted:
            sql, params = _union(_COUNT_ARM, arms)
            row = self.uow._row(_COUNT_MATCHES.format(arms=sql), [*params, query.count_limit])
        else:
            row = self.uow._row(*_kept_count(company_id, query))
        count = int(row[0]) if row else 0
        if count <= query.offset:
            return ListResult.bounded((), count, query)
        sql, params = _union(_ARM, arms)
        rows = self.uow._rows(
            _PAGE_OF_INVOICES.format(arms=sql + _ORDERED),
            [*params, *_page(query.page, query.limit)],
        )
        rows.sort(key=lambda row: (row[2], row[0]), reverse=True)
        return ListResult.bounded(_summaries([row[:2] for row in rows]), count, query)

    def _search(self, code: int, match: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        """A search of one company (``code``) without a status or customer filter, read
        from the search index in list order by day: per kind, the first ``offset + limit
        + 1`` matches (and the rest of the day where the page ends), then, only when
        there are that many, the rest counted up to ``count_limit``. The days the page
        falls on are then read and put in order by id; no other row is read."""
        kinds = [query.kind.value] if query.kind is not None else [k.value for k in DocumentKind]
        end = query.offset + query.limit
        keys: list[int] = []
        count = 0
        for kind in kinds:
            low, high = list_key_band(code, kind)
            found = [
                int(key) for (key,) in self.uow._rows(_MATCH_KEYS, (match, low, high, end + 1))
            ]
            keys += found
            if len(found) <= end:
                count += len(found)
                continue
            # counted on from the last key read, up to the bound
            more = (match, found[-1] + 1, high, query.count_limit - len(found))
            (counted,) = self.uow._row(_COUNT_KEYS, more) or (0,)
            count += len(found) + int(counted)
            if list_key_day_of(found[-1]) == list_key_day_of(found[-2]):
                # the page may end inside that day: all of its matches, to order by id
                rest = (match, found[-1] + 1, list_key_day_end(found[-1]), -1)
                keys += [int(key) for (key,) in self.uow._rows(_MATCH_KEYS, rest)]
        if count <= query.offset:
            return ListResult.bounded((), count, query)
        days: dict[int, list[int]] = {}
        for key in keys:
            days.setdefault(list_key_day_of(key), []).append(key)
        window: list[int] = []
        before = 0  # matches on days before the window's
        for day in sorted(days):
            if before + len(window) >= end:
                break
            if not window and before + len(days[day]) <= query.offset:
                before += len(days[day])
                continue
            window += days[day]
        rows: list[Row] = []
        for start in range(0, len(window), _KEYS_PER_STATEMENT):
            chunk = window[start : start + _KEYS_PER_STATEMENT]
            rows += self.uow._rows(_BY_KEYS.format(keys=", ".join("?" * len(chunk))), chunk)
        rows.sort(key=lambda row: row[1], reverse=True)  # id, newest first
        rows.sort(key=lambda row: list_key_day_of(row[0]))  # then by day, newest first
        page = rows[query.offset - before : end - before]
        return ListResult.bounded(_summaries([row[1:] for row in page]), count, query)

    def _list_by_position(
        self, company_id: str, kind: str, query: InvoiceQuery
    ) -> ListResult[InvoiceSummary]:
        row = self.uow._row(_LAST_POSITION, (company_id, kind))
        total = int(row[0]) if row is not None and row[0] is not None else 0
        top = total - query.offset  # positions count from the oldest, pages from the newest
        if top <= 0:
            return ListResult((), total)
        rows = self.uow._rows(
            _PAGE_BY_POSITION, (company_id, kind, max(top - query.limit + 1, 1), top)
        )
        return ListResult(_summaries(rows), total)


def _summaries(rows: list[Row]) -> tuple[InvoiceSummary, ...]:
    """The summaries of (id, summary) rows; one that cannot be read fails them all."""
    return codec.load_summaries([doc for _, doc in rows], [key for key, _ in rows])


@attrs.frozen
class _Numbers:
    uow: SqliteUnitOfWork

    def allocate(
        self,
        company_id: str,
        series: str,
        period: str,
        start: int,
        booking_date: date,
        allow_backdating: bool,
    ) -> int:
        # one statement reads both: the writing unit of work holds the write lock
        # (BEGIN IMMEDIATE), so they stay this booking's until it ends
        row = self.uow._row(
            "SELECT (SELECT last_date FROM series WHERE company_id = ? AND series = ?),"
            " (SELECT last_seq FROM counters"
            " WHERE company_id = ? AND series = ? AND period = ?)",
            (company_id, series, company_id, series, period),
        )
        stored_date, stored_seq = row if row is not None else (None, None)
        step = next_number(
            int(stored_seq) if stored_seq is not None else None,
            date.fromisoformat(stored_date) if stored_date is not None else None,
            start=start,
            booking_date=booking_date,
            allow_backdating=allow_backdating,
        )
        no_company = _constraint(company_id, lambda m: StorageError(m))
        self.uow._execute(
            "INSERT INTO counters (company_id, series, period, last_seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = excluded.last_seq",
            (company_id, series, period, step.seq),
            on_integrity=no_company,
        )
        if step.date_moved:
            self.uow._execute(
                "INSERT INTO series (company_id, series, last_date) VALUES (?, ?, ?) "
                "ON CONFLICT (company_id, series) DO UPDATE SET last_date = excluded.last_date",
                (company_id, series, step.last_date.isoformat()),
                on_integrity=no_company,
            )
        return step.seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        row = self.uow._row(
            "SELECT last_seq FROM counters WHERE company_id = ? AND series = ? AND period = ?",
            (company_id, series, period),
        )
        return int(row[0]) if row is not None else None


def _utc(at: datetime) -> str:
    """``at`` as ISO text in UTC: text that sorts as the instants do."""
    return at.astimezone(UTC).isoformat()
