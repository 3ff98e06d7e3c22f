"""Which faktura schema a file holds; bringing it up to date, in its own file or a host's."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from faktura.errors import ConfigurationError
from faktura.storage.sqlite.migrations import LATEST, MIGRATIONS, Migration

#: "FKTR": marks a SQLite file as faktura's (``PRAGMA application_id``).
APPLICATION_ID = 0x464B5452


#: The table holding the version of faktura's schema in a database shared with a host,
#: whose ``application_id`` and ``user_version`` are the host's, not faktura's.
HOSTED_SCHEMA_TABLE = "faktura_schema"
_TAKEN = re.compile(r"(table|index|trigger|view) (\S+) already exists")


def prepare(
    conn: sqlite3.Connection,
    path: Path,
    *,
    create: bool,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> None:
    """Check that ``conn``'s file is faktura's and bring its schema up to date.

    An empty file gets the schema only when ``create`` is true. Raises
    ConfigurationError for a file without faktura's schema, another application's file
    or one from a newer faktura; sqlite3.Error for the driver's failures (the store
    translates them).
    """
    latest = len(migrations)
    version = _check(conn, path, create, latest)
    if version == latest:
        _use_wal(conn, path)
        return
    _use_wal(conn, path)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated the file since we looked.
        version = _check(conn, path, create, latest)
        for step in migrations[version:]:
            step(conn)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {latest}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _check(conn: sqlite3.Connection, path: Path, create: bool, latest: int) -> int:
    """The schema version of the file, after refusing what faktura cannot open."""
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if application_id == APPLICATION_ID:
        if version > latest:
            raise ConfigurationError(
                f"{path} has schema version {version}, written by a newer faktura; this "
                f"one knows versions up to {latest}: upgrade faktura"
            )
        return int(version)
    (objects,) = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    if application_id != 0 or version != 0 or objects:
        raise ConfigurationError(
            f"{path} is an SQLite database of another application, not faktura's"
        )
    if not create:
        raise ConfigurationError(
            f"{path} has no faktura schema: pass create=True "
            "(open_store(url, create=True)) to create it"
        )
    return 0


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if str(mode).lower() != "wal":
        raise ConfigurationError(
            f"{path} cannot use write-ahead logging (journal mode {mode!r}); faktura needs "
            "a local file system"
        )


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
    opened: the same steps as faktura's own files (``migrations.MIGRATIONS``), its
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
    """``prepare`` for a SqliteStore on a database shared with a host
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
