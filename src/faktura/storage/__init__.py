"""Stores: where documents live. ``open_store(url)`` picks the implementation.

- ``memory://``: in process (MemoryStore), the reference implementation;
- ``sqlite:///path/to/file.db``: stdlib sqlite3, the embedded default (SqliteStore);
- ``postgresql://user@host:port/db``: psycopg 3, extra ``postgres`` (PostgresStore).

The library never creates a database implicitly: a SQLite file must exist and carry
faktura's schema unless ``create=True`` is passed (the CLI does that for its own file).

``SqliteStore.on_connection(conn)`` and ``PostgresStore.on_connection(conn)`` make a
store on the host's own connection instead: its units of work are savepoints in the
host's transaction, which the host commits (docs/host-transaction.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from faktura.errors import ConfigurationError

if TYPE_CHECKING:
    from faktura.ports import Store
    from faktura.storage.memory import MemoryStore
    from faktura.storage.postgres import PostgresStore
    from faktura.storage.sqlite import SqliteStore

__all__ = ["MemoryStore", "PostgresStore", "SqliteStore", "open_store"]

#: The stores by name and module, imported on first use (each module imports its driver
#: only when a store is made: PostgresStore names the missing extra then).
_STORES = {
    "MemoryStore": "faktura.storage.memory",
    "PostgresStore": "faktura.storage.postgres",
    "SqliteStore": "faktura.storage.sqlite",
}


def __getattr__(name: str) -> object:
    """A store class by name, its module imported on first use."""
    if name not in _STORES:
        raise AttributeError(f"module 'faktura.storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(_STORES[name]), name)
    globals()[name] = value
    return value


def open_store(url: str, *, create: bool = False) -> Store:
    """The store behind ``url`` (see the module docstring).

    ``create`` lets a SQLite store create its file and schema, or PostgreSQL create its
    tables, when they do not exist yet. Raises ConfigurationError for an unknown scheme
    or a missing extra, StorageError when the database cannot be opened.
    """
    if not isinstance(url, str):
        raise ConfigurationError("a store URL is a string such as 'sqlite:///faktura.db'")
    if url == "memory://":
        from faktura.storage.memory import MemoryStore

        return MemoryStore()
    if url.startswith("sqlite:///"):
        from faktura.storage.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"), create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from faktura.storage.postgres import PostgresStore

        return PostgresStore(url, create=create)
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise ConfigurationError(
        f"unknown store URL scheme {scheme[:20]!r}: use memory://, sqlite:///path or "
        "postgresql://..."
    )
