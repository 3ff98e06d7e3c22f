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

One job per module, the same cut as ``faktura.storage.sqlite``:

- ``store``: PostgresStore on its own connections: opening, transactions; ``pool``: the
  connections it keeps;
- ``host``: PostgresHostStore, savepoints in the host's transaction on its connection;
- ``unit_of_work``: PostgresUnitOfWork, its statements and repositories;
- ``errors``: psycopg missing or failing, as faktura's errors;
- ``schema``, ``migrations``: the schema, its versions and steps;
- ``parties``, ``invoices``, ``invoice_lists``, ``numbering``, ``lists``: the
  repositories of this database (the others are shared: ``faktura.storage.sql``);
- ``statements``: what the repositories need of their unit of work (a Protocol below
  both: the unit of work imports the repositories, never the other way round).
"""

from faktura.storage.postgres.errors import INSTALL_HINT as INSTALL_HINT
from faktura.storage.postgres.host import PostgresHostStore
from faktura.storage.postgres.schema import SCHEMA_VERSION
from faktura.storage.postgres.store import PostgresStore
from faktura.storage.postgres.unit_of_work import PostgresUnitOfWork

__all__ = [
    "SCHEMA_VERSION",
    "PostgresHostStore",
    "PostgresStore",
    "PostgresUnitOfWork",
]
