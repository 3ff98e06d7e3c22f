"""Driver errors as faktura's: sqlite3's failures, violated constraints, unstorable text."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from faktura.errors import FakturaError, NotFoundError, StorageError


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
