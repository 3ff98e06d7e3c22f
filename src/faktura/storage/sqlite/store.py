"""SqliteStore on its own file: opening it, pooled connections and their transactions."""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from pathlib import Path

from faktura.errors import ConfigurationError, StorageError
from faktura.storage.sqlite.errors import _storage_error
from faktura.storage.sqlite.host import SqliteHostStore
from faktura.storage.sqlite.schema import _prepare_shared, _schema_of, prepare
from faktura.storage.sqlite.unit_of_work import SqliteUnitOfWork
from faktura.storage.writer_queue import WriterQueue

#: Seconds a writer waits for the writers before it, then StorageError.
DEFAULT_TIMEOUT = 5.0
# Idle connections kept per kind (readers, writers); more are closed when returned.
_MAX_IDLE = 8


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
    """Documents in the SQLite file at ``path`` (see ``faktura.storage.sqlite``).

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
