"""Which faktura schema the database holds; creating or migrating it under an advisory lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faktura.errors import ConfigurationError
from faktura.storage.postgres.migrations import _MIGRATIONS

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


#: The schema version this faktura reads and writes.
SCHEMA_VERSION = 8
# Two int4 keys for pg_advisory_xact_lock: faktura's, and the schema being migrated.
_MIGRATION_LOCK = 0x66616B74  # "fakt"


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
