"""PostgresStore: documents in PostgreSQL through psycopg 3 (extra ``postgres``).

Each document is one row: the codec's JSON of its header in a ``doc`` column and of its
lines in a ``lines`` column (together the truth; an update that leaves the lines alone
does not set theirs) beside the columns lists filter and sort on (kind, status,
customer, dates, number, version) and a ``search`` column holding ``query.search_text``
computed in Python, so a search means exactly what the memory store's does whatever the
database's collation. Text keys are
``COLLATE "C"`` so that ids sort by code point, as Python sorts them.

A unit of work is one transaction on one connection of the store's small pool. Writers
run at READ COMMITTED; readers at REPEATABLE READ READ ONLY (one snapshot for a list's
count and page, and they never wait for writers). Numbers are gap-free because the
counter moves in the booking transaction under a row lock on the series: a concurrent
booking of the same series waits for the commit or rollback of the first.

The schema is versioned (table ``schema_version``) and only created or migrated when the
store is opened with ``create=True``, in one transaction under an advisory lock.

``PostgresStore.on_connection(conn)`` is a store on the host's own psycopg connection
instead (``PostgresHostStore``): its units of work are savepoints in the host's
transaction, at the host's isolation level (docs/host-transaction.md).
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, NoReturn, Self

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
from faktura.status import PAYABLE_STATUSES, DocumentKind
from faktura.storage import sql as shared
from faktura.storage.codec import dumps, dumps_header, dumps_lines, load, loads_invoice
from faktura.storage.query import OVERDUE_STATUSES, escape_like, search_text
from faktura.summary import InvoiceSummary

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]
    Cursor = psycopg.Cursor[tuple[Any, ...]]

__all__ = ["SCHEMA_VERSION", "PostgresHostStore", "PostgresStore", "PostgresUnitOfWork"]

#: The schema version this faktura reads and writes.
SCHEMA_VERSION = 6
INSTALL_HINT = "pip install 'faktura[postgres]'"
# Two int4 keys for pg_advisory_xact_lock: faktura's, and the schema being migrated.
_MIGRATION_LOCK = 0x66616B74  # "fakt"


def _psycopg() -> Any:
    """The psycopg module, or ConfigurationError naming the extra to install."""
    try:
        import psycopg
    except ImportError as exc:
        raise ConfigurationError(f"PostgreSQL storage needs psycopg 3: {INSTALL_HINT}") from exc
    return psycopg


def _translate(exc: Exception, action: str) -> FakturaError:
    """A psycopg error as faktura's: the caller raises it ``from exc``."""
    from psycopg import errors

    if isinstance(exc, errors.UniqueViolation):
        constraint = exc.diag.constraint_name or "a unique key"
        return ConflictError(f"{action}: {constraint} is taken")
    if isinstance(exc, errors.SerializationFailure | errors.DeadlockDetected):
        return ConflictError(f"{action}: a concurrent transaction won; try again")
    if isinstance(exc, errors.InsufficientPrivilege):
        return ConfigurationError(f"{action}: the database role lacks a privilege: {exc}")
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return StorageError(f"{action}: this unit of work is read-only", retryable=False)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    state = getattr(exc, "sqlstate", None) or ""
    if state.startswith("XX"):  # internal error, data or index corrupted
        return StorageError(
            f"PostgreSQL failed to {action}, its data is damaged ({state}): {detail}",
            retryable=False,
        )
    if _retryable(exc, state):
        return StorageError(f"PostgreSQL failed to {action}: {detail}; try again")
    return StorageError(
        f"PostgreSQL failed to {action} ({state or 'no SQLSTATE'}): {detail}", retryable=False
    )


#: SQLSTATE classes a retry may cure: the connection (08), a transaction rolled back
#: (40), insufficient resources (53), an operator intervention such as a shutdown or a
#: statement timeout (57), the system (58, I/O); and a lock not available (55P03).
#: Anything else (a missing table or a schema that does not match, bad data, a broken
#: constraint, a privilege) fails the same way until someone repairs it.
_RETRYABLE_CLASSES = ("08", "40", "53", "57", "58")


def _retryable(exc: Exception, state: str) -> bool:
    from psycopg import InterfaceError, OperationalError

    if state:
        return state.startswith(_RETRYABLE_CLASSES) or state == "55P03"
    # no SQLSTATE: the client side; a lost or closed connection is retried on a new one
    return isinstance(exc, OperationalError | InterfaceError)


# -- schema ---------------------------------------------------------------------------


def _mark_owed(conn: Connection) -> None:
    """Set the ``owed`` column (version 6) of the documents there: ``Invoice.is_owed``,
    worked out by Python from each document in a payable status (what is owed is decimal
    arithmetic on its amounts, payments and credits; headers moved apart in version 5
    keep no amounts, which are then added up from the lines)."""
    statuses = [status.value for status in PAYABLE_STATUSES]
    owed: list[tuple[str, str]] = []
    # a server-side cursor: the documents are read a batch at a time, not all at once
    with conn.cursor(name="faktura_owed") as cursor:
        cursor.execute(
            "SELECT company_id, id, doc, lines::text FROM invoices WHERE status = ANY(%s)",
            (statuses,),
        )
        for company_id, invoice_id, doc, lines in cursor:
            if loads_invoice(doc, lines, invoice_id).is_owed:
                owed.append((company_id, invoice_id))
    with conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE invoices SET owed = true WHERE company_id = %s AND id = %s", owed
        )


# A step of a migration: a statement, or a function that works out what SQL cannot.
_Step = LiteralString | Callable[["Connection"], None]
# Migration N brings the schema from version N-1 to N; ``{trgm}`` is the schema pg_trgm
# lives in (it may already be installed elsewhere in the database).
_MIGRATIONS: dict[int, tuple[_Step, ...]] = {
    1: (
        """CREATE TABLE companies (
            id text COLLATE "C" PRIMARY KEY,
            doc jsonb NOT NULL
        )""",
        """CREATE TABLE customers (
            company_id text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            name text NOT NULL,
            number text,
            name_key text COLLATE "C" NOT NULL,
            number_key text COLLATE "C",
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id)
        )""",
        "CREATE INDEX customers_by_name ON customers (company_id, name_key, id)",
        """CREATE TABLE invoices (
            company_id text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            status text COLLATE "C" NOT NULL,
            customer_id text COLLATE "C" NOT NULL,
            issue_date date NOT NULL,
            due_date date NOT NULL,
            number text COLLATE "C",
            description text,
            version integer NOT NULL,
            search text COLLATE "C" NOT NULL,
            doc jsonb NOT NULL,
            summary jsonb NOT NULL,
            PRIMARY KEY (company_id, id),
            CONSTRAINT invoices_number_key UNIQUE (company_id, number)
        )""",
        """CREATE INDEX invoices_list
            ON invoices (company_id, kind, issue_date DESC, id DESC)""",
        """CREATE INDEX invoices_by_status
            ON invoices (company_id, kind, status, issue_date DESC, id DESC)""",
        """CREATE INDEX invoices_by_customer
            ON invoices (company_id, kind, customer_id, issue_date DESC, id DESC)""",
        "CREATE INDEX invoices_search ON invoices USING gin (search {trgm}.gin_trgm_ops)",
        """CREATE TABLE events (
            company_id text COLLATE "C" NOT NULL,
            invoice_id text COLLATE "C" NOT NULL,
            seq bigserial,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, invoice_id, seq)
        )""",
        """CREATE TABLE series (
            company_id text COLLATE "C" NOT NULL,
            series text COLLATE "C" NOT NULL,
            last_date date,
            PRIMARY KEY (company_id, series)
        )""",
        """CREATE TABLE counters (
            company_id text COLLATE "C" NOT NULL,
            series text COLLATE "C" NOT NULL,
            period text COLLATE "C" NOT NULL,
            last_seq bigint NOT NULL,
            PRIMARY KEY (company_id, series, period)
        )""",
    ),
    2: (
        """CREATE TABLE deliveries (
            company_id text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            invoice_id text COLLATE "C" NOT NULL,
            seq integer NOT NULL,
            state text COLLATE "C" NOT NULL,
            idempotency_key text COLLATE "C",
            provider_reference text COLLATE "C",
            started_at timestamptz NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id),
            CONSTRAINT deliveries_sequence_key UNIQUE (company_id, invoice_id, seq),
            CONSTRAINT deliveries_idempotency_key UNIQUE (company_id, idempotency_key)
        )""",
        """CREATE INDEX deliveries_by_reference
            ON deliveries (company_id, provider_reference)""",
        """CREATE INDEX deliveries_pending ON deliveries (company_id, started_at, id)
            WHERE state = 'pending'""",
        """CREATE TABLE api_keys (
            id text COLLATE "C" PRIMARY KEY,
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            created_at timestamptz NOT NULL,
            doc jsonb NOT NULL
        )""",
        "CREATE INDEX api_keys_by_company ON api_keys (company_id, created_at, id)",
    ),
    # the archive of what was issued: each file once per company under its sha256,
    # linked to every document that carried it
    3: (
        """CREATE TABLE archive_blobs (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            sha256 text COLLATE "C" NOT NULL,
            media_type text NOT NULL,
            size integer NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (company_id, sha256)
        )""",
        """CREATE TABLE archive_links (
            company_id text COLLATE "C" NOT NULL,
            invoice_id text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            sha256 text COLLATE "C" NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (company_id, invoice_id, kind, sha256),
            FOREIGN KEY (company_id, sha256) REFERENCES archive_blobs (company_id, sha256)
        )""",
    ),
    # the totals of lists, kept by a trigger in the transaction of each write: how many
    # documents each (company, kind, status) has, and each customer's; a total is then a
    # sum over at most one row per status. invoices_by_due finds the overdue documents
    # for their bounded count; invoices_by_status_customer reads a page of a customer's
    # documents of one status in list order.
    4: (
        """CREATE TABLE invoice_counts (
            company_id text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            status text COLLATE "C" NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (company_id, kind, status)
        )""",
        """CREATE TABLE invoice_customer_counts (
            company_id text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            customer_id text COLLATE "C" NOT NULL,
            status text COLLATE "C" NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (company_id, kind, customer_id, status)
        )""",
        "CREATE INDEX invoices_by_due ON invoices (company_id, kind, status, due_date)",
        """CREATE INDEX invoices_by_status_customer
            ON invoices (company_id, kind, status, customer_id, issue_date DESC, id DESC)""",
        """CREATE FUNCTION faktura_count_invoices() RETURNS trigger
        LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE invoice_counts SET n = n - 1 WHERE company_id = OLD.company_id
                    AND kind = OLD.kind AND status = OLD.status;
                UPDATE invoice_customer_counts SET n = n - 1
                    WHERE company_id = OLD.company_id AND kind = OLD.kind
                    AND customer_id = OLD.customer_id AND status = OLD.status;
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                INSERT INTO invoice_counts AS c (company_id, kind, status, n)
                    VALUES (NEW.company_id, NEW.kind, NEW.status, 1)
                    ON CONFLICT (company_id, kind, status) DO UPDATE SET n = c.n + 1;
                INSERT INTO invoice_customer_counts AS c (company_id, kind, customer_id, status, n)
                    VALUES (NEW.company_id, NEW.kind, NEW.customer_id, NEW.status, 1)
                    ON CONFLICT (company_id, kind, customer_id, status)
                    DO UPDATE SET n = c.n + 1;
            END IF;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER invoices_count AFTER INSERT OR DELETE ON invoices
            FOR EACH ROW EXECUTE FUNCTION faktura_count_invoices()""",
        """CREATE TRIGGER invoices_count_update
            AFTER UPDATE OF company_id, kind, status, customer_id ON invoices FOR EACH ROW
            WHEN ((OLD.company_id, OLD.kind, OLD.status, OLD.customer_id)
                IS DISTINCT FROM (NEW.company_id, NEW.kind, NEW.status, NEW.customer_id))
            EXECUTE FUNCTION faktura_count_invoices()""",
        """INSERT INTO invoice_counts (company_id, kind, status, n)
            SELECT company_id, kind, status, count(*) FROM invoices GROUP BY 1, 2, 3""",
        """INSERT INTO invoice_customer_counts (company_id, kind, customer_id, status, n)
            SELECT company_id, kind, customer_id, status, count(*) FROM invoices
            GROUP BY 1, 2, 3, 4""",
    ),
    # a document's lines apart from its header: doc holds the header (the codec's
    # dumps_header), lines the lines. An update that leaves the lines alone does not set
    # the column, so the new row version keeps their stored (TOASTed) value: booking,
    # sending and paying do not grow with the number of lines. Headers moved here have
    # no stored amounts yet: they are worked out from the lines when read.
    5: (
        "ALTER TABLE invoices ADD COLUMN lines jsonb",
        "UPDATE invoices SET lines = doc -> 'lines', doc = doc - 'lines'",
        "ALTER TABLE invoices ALTER COLUMN lines SET NOT NULL",
    ),
    # whether each document is still owed (Invoice.is_owed: a payable status and an
    # outstanding amount above zero), written by the store with every document and
    # worked out by Python for those already there. invoices_overdue holds the owed
    # documents only, in list order per status, with their due date: an overdue list's
    # page and bounded count read its ranges in order and compare the due date in the
    # index (invoices_by_due, which the count read before, would make a page sort).
    6: (
        "ALTER TABLE invoices ADD COLUMN owed boolean NOT NULL DEFAULT false",
        _mark_owed,
        "DROP INDEX invoices_by_due",
        """CREATE INDEX invoices_overdue
            ON invoices (company_id, kind, status, issue_date DESC, id DESC)
            INCLUDE (due_date) WHERE owed""",
    ),
}


def _installed_version(conn: Connection) -> int | None:
    """The schema version of the database (as search_path resolves it), None if none."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row is not None else 0


def _check_schema(conn: Connection) -> None:
    version = _installed_version(conn)
    if version is None:
        raise ConfigurationError(
            "the database has no faktura schema; open the store with create=True "
            "(open_store(url, create=True)) to create its tables"
        )
    _check_version(version, migrate_hint=True)


def _check_version(version: int, *, migrate_hint: bool) -> None:
    if version > SCHEMA_VERSION:
        raise ConfigurationError(
            f"the database's faktura schema is version {version}, newer than this "
            f"faktura's ({SCHEMA_VERSION}); upgrade faktura"
        )
    if version < SCHEMA_VERSION and migrate_hint:
        raise ConfigurationError(
            f"the database's faktura schema is version {version}, this faktura needs "
            f"{SCHEMA_VERSION}; open the store once with create=True to migrate it"
        )


def _migrate(conn: Connection, upto: int = SCHEMA_VERSION) -> None:
    """Create or migrate the schema: one transaction, serialized by an advisory lock.
    ``upto`` is the version to stop at (a test builds an older schema with it)."""
    from psycopg import sql

    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (_MIGRATION_LOCK,)
        )
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )"""
        )
        version = _installed_version(conn) or 0
        _check_version(version, migrate_hint=False)
        if version >= upto:
            return
        trgm = _trigram_schema(conn)
        for target in range(version + 1, upto + 1):
            for step in _MIGRATIONS[target]:
                if callable(step):
                    step(conn)
                else:
                    conn.execute(sql.SQL(step).format(trgm=sql.Identifier(trgm)))
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (target,))


def _trigram_schema(conn: Connection) -> str:
    """Install pg_trgm unless present (it backs search); the schema it lives in."""
    from psycopg import errors

    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except (errors.UndefinedFile, errors.FeatureNotSupported, errors.InsufficientPrivilege) as exc:
        raise ConfigurationError(
            "faktura's search index needs the pg_trgm extension: install PostgreSQL's "
            "contrib modules, or have a superuser run CREATE EXTENSION pg_trgm in this "
            f"database ({str(exc).strip().splitlines()[0]})"
        ) from exc
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    if row is None:  # pragma: no cover -- created just above
        raise ConfigurationError("pg_trgm is not installed")
    return str(row[0])


# -- the connection pool --------------------------------------------------------------


class _Pool:
    """Up to ``size`` idle connections kept for reuse; more are opened when needed and
    closed after use.

    After a fork the child never touches the parent's connections (their sockets are
    shared: a query or a close from the child would garble or end the parent's session)
    and opens its own. It keeps them referenced so that they are not collected (psycopg
    would warn about connections deleted while open; it never closes another process's).

    Not ``psycopg_pool.ConnectionPool``: it opens connections in background threads (an
    unreachable server is a wait for its timeout, the driver's reason only in its log),
    makes callers wait beyond ``max_size``, and cannot cross a fork.
    """

    def __init__(self, connect: Callable[[], Connection], size: int) -> None:
        self._connect = connect
        self._size = size
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._inherited: list[Connection] = []

    def acquire(self, *, fresh: bool = False) -> tuple[Connection, bool]:
        """A connection and whether it was used before (it may have gone stale)."""
        with self._lock:
            if self._closed:
                raise StorageError("the store is closed", retryable=False)
            if self._pid != os.getpid():
                self._inherited += self._idle
                self._idle = []
                self._pid = os.getpid()
            while self._idle and not fresh:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn, True
        return self._connect(), False

    def discard_idle(self) -> None:
        """Close the idle connections (the server went away: they are all stale)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    def release(self, conn: Connection) -> None:
        from psycopg.pq import TransactionStatus

        reusable = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            ours = not self._closed and self._pid == os.getpid()
            if reusable and ours and len(self._idle) < self._size:
                self._idle.append(conn)
                return
        _close_quietly(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            ours = self._pid == os.getpid()
        if ours:
            for conn in idle:
                _close_quietly(conn)


def _close_quietly(conn: Connection) -> None:
    # a connection that cannot even close is gone anyway
    with contextlib.suppress(Exception):
        conn.close()


# -- the store ------------------------------------------------------------------------


class PostgresStore:
    """Documents in a PostgreSQL database (see the module docstring).

    ``url`` is a libpq URL or conninfo (``postgresql://user:pw@host:5432/db``; add
    ``?options=-csearch_path%3Dbilling`` to keep faktura's tables in a schema of their
    own). ``create`` creates or migrates faktura's tables; without it a database without
    them is a ConfigurationError. ``pool_size`` connections are kept open for reuse.

    Raises ConfigurationError (psycopg missing, no or an outdated schema, a bad URL),
    StorageError (the server cannot be reached).
    """

    def __init__(
        self,
        url: str,
        *,
        create: bool = False,
        pool_size: int = 4,
        connect_timeout: float = 10.0,
    ) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise ConfigurationError("pool_size is a whole number ≥ 0")
        self._psycopg = _psycopg()
        self._url = url
        self._connect_timeout = max(1, round(connect_timeout))
        self._where = _describe(url)
        self._pool = _Pool(self._connect, pool_size)
        conn, _ = self._pool.acquire()
        try:
            if create:
                _migrate(conn)
            else:
                _check_schema(conn)
        except FakturaError:
            _close_quietly(conn)
            self._pool.close()
            raise
        except self._psycopg.Error as exc:
            _close_quietly(conn)
            self._pool.close()
            raise _translate(exc, "prepare the schema") from exc
        self._pool.release(conn)

    @classmethod
    def on_connection(cls, conn: Connection, *, create: bool = False) -> PostgresHostStore:
        """A store whose units of work run inside the host's transaction on ``conn``, the
        host's own psycopg connection: each is a savepoint there, its commit a release,
        its rollback a rollback to it. faktura never commits, rolls back or closes the
        host's transaction or connection; when ``conn`` has no transaction open, psycopg
        opens one (the host ends it), unless the connection is in autocommit mode,
        where a writing unit of work is refused until the host opens one.

        Numbers stay gap-free at any isolation level the host's transaction has; at
        REPEATABLE READ or SERIALIZABLE a booking that meets a concurrent one of the same
        series fails with a retryable ConflictError (the host retries its transaction).
        ``create`` creates or migrates faktura's tables where the connection's
        search_path puts them (in the host's transaction). Raises ConfigurationError
        when the database has no faktura schema or an outdated one (without
        ``create``), or one from a newer faktura.
        """
        return PostgresHostStore(conn, create=create)

    def _connect(self) -> Connection:
        psycopg = self._psycopg
        try:
            conn: Connection = psycopg.connect(
                self._url, autocommit=True, connect_timeout=self._connect_timeout
            )
        except psycopg.ProgrammingError as exc:  # a malformed URL or unknown option
            raise ConfigurationError(f"not a usable PostgreSQL URL: {exc}") from exc
        except psycopg.Error as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise StorageError(f"cannot connect to PostgreSQL at {self._where}: {detail}") from exc
        return conn

    def unit_of_work(self, readonly: bool = False) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self, readonly)

    # -- transactions: PostgresUnitOfWork's ----------------------------------------------

    def _begin(self, readonly: bool) -> tuple[Connection, int | None]:
        """A pooled connection in a transaction begun for a unit of work."""
        begin: LiteralString = (
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            if readonly
            else "BEGIN ISOLATION LEVEL READ COMMITTED"
        )
        pool = self._pool
        conn, reused = pool.acquire()
        try:
            conn.execute(begin)
        except self._psycopg.Error as exc:
            lost = conn.broken or conn.closed
            _close_quietly(conn)
            if not (reused and lost):
                raise _translate(exc, "begin a transaction") from exc
            # A pooled connection the server dropped (a restart, an idle timeout): no
            # work was lost yet, so start over once on a new connection.
            pool.discard_idle()
            conn, _ = pool.acquire(fresh=True)
            try:
                conn.execute(begin)
            except self._psycopg.Error as exc:
                _close_quietly(conn)
                raise _translate(exc, "begin a transaction") from exc
        return conn, None

    def _commit(self, conn: Connection, token: int | None) -> str | None:
        """Commit; None, or the server's answer when it did not commit."""
        status = conn.execute("COMMIT").statusmessage
        return None if status == "COMMIT" else status

    def _rollback(self, conn: Connection, token: int | None) -> None:
        conn.execute("ROLLBACK")

    def _release(self, conn: Connection, token: int | None, *, broken: bool) -> None:
        if broken:
            _close_quietly(conn)
        else:
            self._pool.release(conn)

    def close(self) -> None:
        """Close the pooled connections; units of work still open close theirs at the end."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self._where!r})"


def _describe(url: str) -> str:
    """host:port/dbname of ``url`` for messages (never the password)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:
        return "<unparsable URL>"
    return (
        f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}/{info.get('dbname') or ''}"
    )


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


class PostgresUnitOfWork:
    """One transaction on one pooled connection; rolls back unless committed.

    After a statement failed (a conflict, a lost connection) PostgreSQL refuses the rest
    of the transaction: the unit of work can only be rolled back, and commit() says so.
    """

    def __init__(self, store: PostgresStore | PostgresHostStore, readonly: bool) -> None:
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
    )

    def require_company(self, company_id: str) -> None:
        if not _Companies(self)._exists(company_id):
            raise NotFoundError("company", company_id)

    def write(self, statement: str, params: shared.Params, *, action: str, company_id: str) -> int:
        return self.run(_literal(shared.postgres_style(statement)), params, action=action).rowcount

    def rows(self, statement: str, params: shared.Params, *, action: str) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = self.run(
            _literal(shared.postgres_style(statement)), params, action=action
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


def _literal(statement: str) -> LiteralString:
    """A statement faktura wrote (in ``faktura.storage.sql``), only turned into psycopg's
    parameter style: no value is ever formatted into it."""
    return statement


# -- repositories ---------------------------------------------------------------------


def _like_fragment(text: str) -> str | None:
    """A LIKE pattern finding ``text`` (already lower-cased) literally anywhere; None when
    no stored text can hold it (PostgreSQL text holds neither NUL nor lone surrogates)."""
    if "\x00" in text:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return f"%{escape_like(text)}%"


def _count(cursor: Cursor) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row is not None else 0


@attrs.frozen
class _Companies:
    uow: PostgresUnitOfWork

    def get(self, company_id: str) -> Company:
        row = self.uow.run(
            "SELECT doc FROM companies WHERE id = %s", (company_id,), action="read a company"
        ).fetchone()
        if row is None:
            raise NotFoundError("company", company_id)
        return load(row[0], Company, company_id)

    def add(self, company: Company) -> None:
        if self.uow.readonly and self._exists(company.id):
            raise ConflictError(f"company {company.id!r} exists")
        self.uow.check_writable()
        added = self.uow.run(
            "INSERT INTO companies (id, doc) VALUES (%s, %s::jsonb) ON CONFLICT DO NOTHING",
            (company.id, dumps(company)),
            action="add a company",
        ).rowcount
        if added == 0:
            raise ConflictError(f"company {company.id!r} exists")

    def update(self, company: Company) -> None:
        if self.uow.readonly:
            self.get(company.id)
        self.uow.check_writable()
        updated = self.uow.run(
            "UPDATE companies SET doc = %s::jsonb WHERE id = %s",
            (dumps(company), company.id),
            action="update a company",
        ).rowcount
        if updated == 0:
            raise NotFoundError("company", company.id)

    def list(self) -> list[Company]:
        rows = self.uow.run(
            "SELECT id, doc FROM companies ORDER BY id", action="list the companies"
        ).fetchall()
        return [load(doc, Company, key) for key, doc in rows]

    def _exists(self, company_id: str) -> bool:
        found = self.uow.run(
            "SELECT 1 FROM companies WHERE id = %s", (company_id,), action="read a company"
        )
        return found.fetchone() is not None


def _customer_values(customer: Customer) -> tuple[Any, ...]:
    return (
        customer.name,
        customer.number,
        customer.name.lower(),
        customer.number.lower() if customer.number is not None else None,
        dumps(customer),
    )


@attrs.frozen
class _Customers:
    uow: PostgresUnitOfWork

    def get(self, company_id: str, customer_id: str) -> Customer:
        row = self.uow.run(
            "SELECT doc FROM customers WHERE company_id = %s AND id = %s",
            (company_id, customer_id),
            action="read a customer",
        ).fetchone()
        if row is None:
            raise NotFoundError("customer", customer_id)
        return load(row[0], Customer, customer_id)

    def add(self, customer: Customer) -> None:
        if self.uow.readonly:
            with contextlib.suppress(NotFoundError):
                self.get(customer.company_id, customer.id)
                raise ConflictError(f"customer {customer.id!r} exists")
        self.uow.check_writable()
        added = self.uow.run(
            "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
            (customer.company_id, customer.id, *_customer_values(customer)),
            action="add a customer",
        ).rowcount
        if added == 0:
            raise ConflictError(f"customer {customer.id!r} exists")

    def update(self, customer: Customer) -> None:
        if self.uow.readonly:
            self.get(customer.company_id, customer.id)
        self.uow.check_writable()
        updated = self.uow.run(
            "UPDATE customers SET name = %s, number = %s, name_key = %s, number_key = %s,"
            " doc = %s::jsonb WHERE company_id = %s AND id = %s",
            (*_customer_values(customer), customer.company_id, customer.id),
            action="update a customer",
        ).rowcount
        if updated == 0:
            raise NotFoundError("customer", customer.id)

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        where: LiteralString = "company_id = %s"
        params: list[Any] = [company_id]
        if search:
            pattern = _like_fragment(search.lower())
            if pattern is None:
                return ListResult((), 0)
            where += " AND (name_key LIKE %s OR number_key LIKE %s)"
            params += [pattern, pattern]
        total = _count(
            self.uow.run(
                "SELECT count(*) FROM customers WHERE " + where, params, action="count customers"
            )
        )
        rows = self.uow.run(
            "SELECT id, doc FROM customers WHERE " + where + " ORDER BY name_key, id"
            " LIMIT %s OFFSET %s",
            [*params, limit, (page - 1) * limit],
            action="list customers",
        ).fetchall()
        return ListResult(tuple(load(doc, Customer, key) for key, doc in rows), total)


def _invoice_values(invoice: Invoice) -> tuple[Any, ...]:
    return (
        invoice.kind.value,
        invoice.status.value,
        invoice.customer_id,
        invoice.issue_date,
        invoice.due_date,
        invoice.is_owed,
        invoice.number,
        invoice.description,
        invoice.version,
        search_text(invoice),
        dumps_header(invoice),
        dumps(InvoiceSummary.of(invoice)),
    )


def invoice_arms(
    company_id: str, query: InvoiceQuery
) -> list[tuple[LiteralString, list[Any]]] | None:
    """The WHERE clauses (and parameters) of ``query`` over the invoices table, one per
    kind and status it lists: each an index range in list order (``_Invoices.list``
    reads them one by one and merges them; PostgreSQL would sort a UNION ALL of them);
    together the SQL form of ``query.matches``. None when nothing can match."""
    kinds = [query.kind] if query.kind is not None else list(DocumentKind)
    statuses: list[str | None] = [None]
    due: tuple[LiteralString, Any] | None = None
    if query.status == OVERDUE:
        if query.today is None:
            return None
        # Invoice.is_overdue: owed (a payable status, and the owed column the store
        # writes with every document) and due before today
        statuses = [s.value for s in OVERDUE_STATUSES]
        due = (" AND owed AND due_date < %s", query.today)
    elif query.status is not None:
        statuses = [str(query.status)]
    search: tuple[LiteralString, Any] | None = None
    if query.search:
        pattern = _like_fragment(query.search.lower())
        if pattern is None:
            return None
        search = (" AND search LIKE %s", pattern)
    arms: list[tuple[LiteralString, list[Any]]] = []
    for kind in kinds:
        for status in statuses:
            where: LiteralString = "company_id = %s AND kind = %s"
            params: list[Any] = [company_id, kind.value]
            if status is not None:
                where += " AND status = %s"
                params.append(status)
            if query.customer_id is not None:
                where += " AND customer_id = %s"
                params.append(query.customer_id)
            for condition in (due, search):
                if condition is not None:
                    where += condition[0]
                    params.append(condition[1])
            arms.append((where, params))
    return arms


def _union(
    template: LiteralString, arms: list[tuple[LiteralString, list[Any]]]
) -> tuple[LiteralString, list[Any]]:
    sql: LiteralString = ""
    params: list[Any] = []
    for where, arm_params in arms:
        sql += (" UNION ALL " if sql else "") + template + where
        params += arm_params
    return sql, params


def _kept_count(company_id: str, query: InvoiceQuery) -> tuple[LiteralString, list[Any]]:
    """The statement (and parameters) of an exact total kept by the trigger (version 4)."""
    kinds = [query.kind.value] if query.kind is not None else [k.value for k in DocumentKind]
    sql: LiteralString = "SELECT coalesce(sum(n), 0) FROM invoice_counts"
    where: LiteralString = " WHERE company_id = %s AND kind = ANY(%s)"
    params: list[Any] = [company_id, kinds]
    if query.customer_id is not None:
        sql = "SELECT coalesce(sum(n), 0) FROM invoice_customer_counts"
        where += " AND customer_id = %s"
        params.append(query.customer_id)
    if query.status is not None:
        where += " AND status = %s"
        params.append(str(query.status))
    return sql + where, params


@attrs.frozen
class _Invoices:
    uow: PostgresUnitOfWork

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        # READ COMMITTED: FOR UPDATE waits for a concurrent writer and reads what it wrote
        lock: LiteralString = " FOR UPDATE" if for_update and not self.uow.readonly else ""
        row = self.uow.run(
            "SELECT doc, lines::text FROM invoices WHERE company_id = %s AND id = %s" + lock,
            (company_id, invoice_id),
            action="read an invoice",
        ).fetchone()
        if row is None:
            raise NotFoundError("invoice", invoice_id)
        invoice = loads_invoice(row[0], row[1], invoice_id)
        self.uow._lines[company_id, invoice_id] = invoice.line_source
        return invoice

    def add(self, invoice: Invoice) -> None:
        if self.uow.readonly and self._version(invoice.company_id, invoice.id) is not None:
            raise ConflictError(f"invoice {invoice.id!r} exists")
        self.uow.check_writable()
        # ON CONFLICT keeps the transaction usable: a duplicate is an answer, not a failure
        added = self.uow.run(
            "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date,"
            " due_date, owed, number, description, version, search, doc, summary, lines)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb,"
            " %s::jsonb) ON CONFLICT DO NOTHING",
            (invoice.company_id, invoice.id, *_invoice_values(invoice), dumps_lines(invoice)),
            action="add an invoice",
        ).rowcount
        if added:
            self.uow._lines[invoice.company_id, invoice.id] = invoice.line_source
            return
        if self._version(invoice.company_id, invoice.id) is not None:
            raise ConflictError(f"invoice {invoice.id!r} exists")
        raise ConflictError(f"number {invoice.number!r} is taken")

    def update(self, invoice: Invoice, expected_version: int) -> None:
        if self.uow.readonly:
            self._refuse_update(invoice, expected_version)
        key = (invoice.company_id, invoice.id)
        # lines as stored are left out of the row's new version (their TOAST is kept)
        lines_changed = self.uow._lines.get(key) is not invoice.line_source
        lines: LiteralString = ", lines = %s::jsonb" if lines_changed else ""
        updated = self.uow.run(
            "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
            " due_date = %s, owed = %s, number = %s, description = %s, version = %s,"
            " search = %s,"
            " doc = %s::jsonb, summary = %s::jsonb" + lines + " WHERE company_id = %s"
            " AND id = %s AND version = %s",
            (
                *_invoice_values(invoice),
                *([dumps_lines(invoice)] if lines_changed else []),
                *key,
                expected_version,
            ),
            action=f"update invoice {invoice.id!r}",
        ).rowcount
        if not updated:
            self._refuse_update(invoice, expected_version)
        self.uow._lines[key] = invoice.line_source

    def _refuse_update(self, invoice: Invoice, expected_version: int) -> NoReturn:
        """Why ``invoice`` cannot be written, in the memory store's order of checks."""
        stored = self._version(invoice.company_id, invoice.id)
        if stored is None:
            raise NotFoundError("invoice", invoice.id)
        if stored == expected_version:
            self.uow.check_writable()
        raise ConflictError(
            f"invoice {invoice.id!r} changed meanwhile "
            f"(version {stored}, expected {expected_version})"
        )

    def _version(self, company_id: str, invoice_id: str) -> int | None:
        row = self.uow.run(
            "SELECT version FROM invoices WHERE company_id = %s AND id = %s",
            (company_id, invoice_id),
            action="read an invoice",
        ).fetchone()
        return int(row[0]) if row is not None else None

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        arms = invoice_arms(company_id, query)
        if arms is None:
            return ListResult((), 0)
        if query.counted:
            # a search or "overdue": counted, up to the bound (ports.ListResult)
            sql, params = _union("SELECT 1 FROM invoices WHERE ", arms)
            cursor = self.uow.run(
                "SELECT count(*) FROM (" + sql + " LIMIT %s) AS matches",
                [*params, query.count_limit],
                action="count invoices",
            )
        else:
            cursor = self.uow.run(*_kept_count(company_id, query), action="count invoices")
        count = _count(cursor)
        if count <= query.offset:
            return ListResult.bounded((), count, query)
        # Each arm is read in list order through its index; several arms (overdue, all
        # kinds) are merged here: PostgreSQL sorts a UNION ALL of them instead of merging.
        single = len(arms) == 1
        reads = []
        for where, params in arms:
            reads.append(
                self.uow.run(
                    "SELECT id, summary, issue_date FROM invoices WHERE "
                    + where
                    + " ORDER BY issue_date DESC, id DESC LIMIT %s OFFSET %s",
                    [
                        *params,
                        query.limit if single else query.offset + query.limit,
                        query.offset if single else 0,
                    ],
                    action="list invoices",
                ).fetchall()
            )
        merged = heapq.merge(*reads, key=lambda row: (row[2], row[0]), reverse=True)
        rows = list(itertools.islice(merged, 0 if single else query.offset, None))
        rows = rows[: query.limit]
        # one row that cannot be read fails the page, naming it
        summaries = tuple(load(doc, InvoiceSummary, key) for key, doc, _ in rows)
        return ListResult.bounded(summaries, count, query)


@attrs.frozen
class _Numbers:
    uow: PostgresUnitOfWork

    def allocate(
        self,
        company_id: str,
        series: str,
        period: str,
        start: int,
        booking_date: date,
        allow_backdating: bool,
    ) -> int:
        action = f"allocate a number of series {series!r}"
        if self.uow.readonly:
            lock: LiteralString = ""
        else:
            lock = " FOR UPDATE"
            # The series row is the lock every booking of the series queues on, whichever
            # period it counts in; it is held until this unit of work ends.
            self.uow.run(
                "INSERT INTO series (company_id, series, last_date) VALUES (%s, %s, NULL)"
                " ON CONFLICT DO NOTHING",
                (company_id, series),
                action=action,
            )
        row = self.uow.run(
            "SELECT last_date FROM series WHERE company_id = %s AND series = %s" + lock,
            (company_id, series),
            action=action,
        ).fetchone()
        last_date: date | None = row[0] if row is not None else None
        # the series row locked, the counter of the period is this booking's too
        step = next_number(
            self.last(company_id, series, period),
            last_date,
            start=start,
            booking_date=booking_date,
            allow_backdating=allow_backdating,
        )
        self.uow.check_writable()
        self.uow.run(
            "INSERT INTO counters (company_id, series, period, last_seq) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = EXCLUDED.last_seq",
            (company_id, series, period, step.seq),
            action=action,
        )
        if step.date_moved:
            self.uow.run(
                "UPDATE series SET last_date = %s WHERE company_id = %s AND series = %s",
                (step.last_date, company_id, series),
                action=action,
            )
        return step.seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        row = self.uow.run(
            "SELECT last_seq FROM counters WHERE company_id = %s AND series = %s AND period = %s",
            (company_id, series, period),
            action=f"read the counter of series {series!r}",
        ).fetchone()
        return int(row[0]) if row is not None else None
