"""psycopg missing or failing, as faktura's errors (retryable or not)."""

from __future__ import annotations

from typing import Any

from faktura.errors import ConfigurationError, ConflictError, FakturaError, StorageError

INSTALL_HINT = "pip install 'faktura[postgres]'"


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
