"""PostgresStore on its own connections: opening it, the pool's use, its transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, LiteralString

from faktura.errors import ConfigurationError, FakturaError, StorageError
from faktura.storage.postgres.errors import _psycopg, _translate
from faktura.storage.postgres.host import PostgresHostStore
from faktura.storage.postgres.pool import _close_quietly, _Pool
from faktura.storage.postgres.schema import _check_schema, _migrate
from faktura.storage.postgres.unit_of_work import PostgresUnitOfWork

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresStore:
    """Documents in a PostgreSQL database (see ``faktura.storage.postgres``).

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
