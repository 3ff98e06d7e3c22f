"""SqliteStore: documents in one SQLite file through the standard library, the embedded
default store.

- A file is never created implicitly: it must exist and carry faktura's schema unless
  ``create=True``. A faktura file of an older schema version is migrated when opened, one
  from a newer faktura refused (``schema``, ``migrations``).
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
  is not a database or cannot be opened (``errors``). A stored row that
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

One job per module, the same cut as ``faktura.storage.postgres``:

- ``store``: SqliteStore on its own file: opening it, pooled connections, transactions;
- ``host``: SqliteHostStore, savepoints in the host's transaction on its connection;
- ``unit_of_work``: SqliteUnitOfWork, its statements and repositories;
- ``errors``: driver errors as faktura's;
- ``schema``, ``migrations``, ``list_keys``: the schema, its versions and steps, and the
  list key the search index orders by;
- ``parties``, ``invoices``, ``invoice_lists``, ``numbering``, ``lists``: the
  repositories of this database (the others are shared: ``faktura.storage.sql``);
- ``statements``: what the repositories need of their unit of work (a Protocol below
  both: the unit of work imports the repositories, never the other way round).
"""

from faktura.storage.sqlite.host import SqliteHostStore
from faktura.storage.sqlite.schema import HOSTED_SCHEMA_TABLE
from faktura.storage.sqlite.store import DEFAULT_TIMEOUT, SqliteStore
from faktura.storage.sqlite.unit_of_work import SqliteUnitOfWork

__all__ = [
    "DEFAULT_TIMEOUT",
    "HOSTED_SCHEMA_TABLE",
    "SqliteHostStore",
    "SqliteStore",
    "SqliteUnitOfWork",
]
