"""The migrations of faktura's SQLite schema, step by step (version 1 up to ``LATEST``).

A file's ``user_version`` says how many steps of ``MIGRATIONS`` it has had (``schema``
runs the missing ones in one transaction, so a crash leaves the old version intact).

Documents are JSON (``faktura.storage.codec``) beside the columns queries need. Text that
is searched or sorted case-insensitively is lower-cased by Python (``str.lower``, the
reference semantics of ``faktura.storage.query``) before it is stored, because SQLite's
``lower()``, ``LIKE`` and FTS5 fold ASCII, or an older Unicode table, only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from faktura.storage.sqlite.list_keys import MAX_COMPANY_CODE, index_search

Migration = Callable[[sqlite3.Connection], None]


def search_key(number: str | None, description: str | None) -> str:
    """What a search looks in, as ``faktura.storage.query.search_text``."""
    return f"{number or ''}\n{description or ''}".lower()


def _run(*statements: str) -> Migration:
    def step(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return step


# Version 1: the documents, their events and the number counters.
#
# invoices has an explicit INTEGER PRIMARY KEY: the search index (version 2) refers to
# rows by rowid, and VACUUM may renumber the implicit rowids of a table without one.
_DOCUMENTS = _run(
    """CREATE TABLE companies (
        id TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE customers (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        number TEXT,
        name_key TEXT NOT NULL,
        number_key TEXT,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id)
    )""",
    "CREATE INDEX customers_by_name ON customers (company_id, name_key, id)",
    """CREATE TABLE invoices (
        row_id INTEGER PRIMARY KEY,
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        issue_date TEXT NOT NULL,
        due_date TEXT NOT NULL,
        number TEXT,
        description TEXT,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (company_id, id),
        UNIQUE (company_id, number)
    )""",
    """CREATE TABLE events (
        company_id TEXT NOT NULL REFERENCES companies (id),
        invoice_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, invoice_id, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE counters (
        company_id TEXT NOT NULL REFERENCES companies (id),
        series TEXT NOT NULL,
        period TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        PRIMARY KEY (company_id, series, period)
    ) WITHOUT ROWID""",
    """CREATE TABLE series (
        company_id TEXT NOT NULL REFERENCES companies (id),
        series TEXT NOT NULL,
        last_date TEXT NOT NULL,
        PRIMARY KEY (company_id, series)
    ) WITHOUT ROWID""",
)


def _search_and_list_indexes(conn: sqlite3.Connection) -> None:
    """Version 2: the list indexes and the search index over number and description.

    ``search`` holds ``search_key`` (computed here by Python for the rows already there);
    ``invoices_fts`` indexes it by trigrams, so any fragment of 3 or more characters is
    found through the index. The text is lower-cased already, so the tokenizer keeps
    case (``case_sensitive 1``): a match is then exactly a substring of ``search``.
    """
    conn.execute("ALTER TABLE invoices ADD COLUMN search TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT row_id, number, description FROM invoices").fetchall()
    conn.executemany(
        "UPDATE invoices SET search = ? WHERE row_id = ?",
        [(search_key(number, description), row_id) for row_id, number, description in rows],
    )
    # One index per filter combination of the list, each ending in its order (date, id
    # newest first), so a page is read in order and never sorted.
    for name, columns in (
        ("invoices_by_date", "company_id, issue_date DESC, id DESC"),
        ("invoices_by_kind", "company_id, kind, issue_date DESC, id DESC"),
        ("invoices_by_status", "company_id, kind, status, issue_date DESC, id DESC"),
        ("invoices_by_customer", "company_id, kind, customer_id, issue_date DESC, id DESC"),
        (
            "invoices_by_status_customer",
            "company_id, kind, status, customer_id, issue_date DESC, id DESC",
        ),
    ):
        conn.execute(f"CREATE INDEX {name} ON invoices ({columns})")
    for statement in (
        """CREATE VIRTUAL TABLE invoices_fts USING fts5 (
            search, content = 'invoices', content_rowid = 'row_id',
            tokenize = 'trigram case_sensitive 1'
        )""",
        """CREATE TRIGGER invoices_fts_insert AFTER INSERT ON invoices BEGIN
            INSERT INTO invoices_fts (rowid, search) VALUES (new.row_id, new.search);
        END""",
        """CREATE TRIGGER invoices_fts_delete AFTER DELETE ON invoices BEGIN
            INSERT INTO invoices_fts (invoices_fts, rowid, search)
            VALUES ('delete', old.row_id, old.search);
        END""",
        """CREATE TRIGGER invoices_fts_update AFTER UPDATE OF search ON invoices
        WHEN old.search IS NOT new.search BEGIN
            INSERT INTO invoices_fts (invoices_fts, rowid, search)
            VALUES ('delete', old.row_id, old.search);
            INSERT INTO invoices_fts (rowid, search) VALUES (new.row_id, new.search);
        END""",
        "INSERT INTO invoices_fts (invoices_fts) VALUES ('rebuild')",
    ):
        conn.execute(statement)


def _summaries_and_list_positions(conn: sqlite3.Connection) -> None:
    """Version 3: what makes a page of a long list cheap at any depth.

    ``summary`` holds the document's list form (``InvoiceSummary``), so a page is read
    without decoding lines. ``list_pos`` numbers each (company, kind)'s documents in list
    order from the oldest (1) up: the page at any offset is then a range of positions
    found through an index, where OFFSET would step over every row before it.
    """
    # Imported here: the schema module must not need the domain to open a file.
    from faktura.invoice import Invoice
    from faktura.storage import codec
    from faktura.summary import InvoiceSummary

    conn.execute("ALTER TABLE invoices ADD COLUMN summary TEXT NOT NULL DEFAULT '{}'")
    conn.execute("ALTER TABLE invoices ADD COLUMN list_pos INTEGER")
    rows = conn.execute(
        "SELECT row_id, doc FROM invoices ORDER BY company_id, kind, issue_date, id"
    ).fetchall()
    conn.executemany(
        "UPDATE invoices SET summary = ? WHERE row_id = ?",
        [
            (codec.dumps(InvoiceSummary.of(codec.loads(doc, Invoice))), row_id)
            for row_id, doc in rows
        ],
    )
    conn.execute(
        """UPDATE invoices SET list_pos = ranked.pos FROM (
            SELECT row_id, row_number() OVER (
                PARTITION BY company_id, kind ORDER BY issue_date, id
            ) AS pos FROM invoices
        ) AS ranked WHERE invoices.row_id = ranked.row_id"""
    )
    conn.execute("CREATE INDEX invoices_by_position ON invoices (company_id, kind, list_pos)")


# Version 4: the delivery log (one row per attempt) and API keys (stored hashed).
_DELIVERIES_AND_KEYS = _run(
    """CREATE TABLE deliveries (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        idempotency_key TEXT,
        provider_reference TEXT,
        started_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id),
        UNIQUE (company_id, invoice_id, seq),
        UNIQUE (company_id, idempotency_key)
    ) WITHOUT ROWID""",
    "CREATE INDEX deliveries_by_reference ON deliveries (company_id, provider_reference)",
    """CREATE INDEX deliveries_pending ON deliveries (company_id, started_at, id)
        WHERE state = 'pending'""",
    """CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        company_id TEXT NOT NULL REFERENCES companies (id),
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX api_keys_by_company ON api_keys (company_id, created_at, id)",
)

# Version 5: the archive of what was issued. A file is stored once per company under its
# sha256 (``archive_blobs``) and linked to each document that carried it, with its kind
# (``archive_links``).
_ARCHIVE = _run(
    """CREATE TABLE archive_blobs (
        company_id TEXT NOT NULL REFERENCES companies (id),
        sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        content BLOB NOT NULL,
        UNIQUE (company_id, sha256)
    )""",
    """CREATE TABLE archive_links (
        company_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (company_id, invoice_id, kind, sha256),
        FOREIGN KEY (company_id, sha256) REFERENCES archive_blobs (company_id, sha256)
    ) WITHOUT ROWID""",
)


def _count_change(sign: str, row: str) -> tuple[str, str]:
    """The statements adding ``sign`` 1 to the counts of trigger row ``row`` (new, old)."""
    return (
        f"""INSERT INTO invoice_counts (company_id, kind, status, n)
        VALUES ({row}.company_id, {row}.kind, {row}.status, {sign}1)
        ON CONFLICT (company_id, kind, status) DO UPDATE SET n = n {sign} 1;""",
        f"""INSERT INTO invoice_customer_counts (company_id, kind, customer_id, status, n)
        VALUES ({row}.company_id, {row}.kind, {row}.customer_id, {row}.status, {sign}1)
        ON CONFLICT (company_id, kind, customer_id, status) DO UPDATE SET n = n {sign} 1;""",
    )


def recount_invoices(conn: sqlite3.Connection) -> None:
    """Fill the list counts (version 6) from the invoices there: after the migration
    adds them, or after rows were loaded with the triggers dropped (a bulk load)."""
    conn.execute("DELETE FROM invoice_counts")
    conn.execute("DELETE FROM invoice_customer_counts")
    conn.execute(
        "INSERT INTO invoice_counts (company_id, kind, status, n) "
        "SELECT company_id, kind, status, count(*) FROM invoices GROUP BY 1, 2, 3"
    )
    conn.execute(
        "INSERT INTO invoice_customer_counts (company_id, kind, customer_id, status, n) "
        "SELECT company_id, kind, customer_id, status, count(*) FROM invoices "
        "GROUP BY 1, 2, 3, 4"
    )


def _list_counts(conn: sqlite3.Connection) -> None:
    """Version 6: the totals of lists, kept as documents are written.

    ``invoice_counts`` holds how many documents each (company, kind, status) has,
    ``invoice_customer_counts`` the same per customer; triggers move them in the
    transaction of each write. A list's total is then a sum over at most one row per
    status, where counting its matches would read them all. (No index on due dates:
    where the file has statistics but none for a new index, SQLite would take it for
    every status filter and sort; "overdue" reads its statuses' ranges in list order.)
    """
    conn.execute(
        """CREATE TABLE invoice_counts (
            company_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (company_id, kind, status)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE invoice_customer_counts (
            company_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            status TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (company_id, kind, customer_id, status)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        "CREATE TRIGGER invoices_count_insert AFTER INSERT ON invoices BEGIN "
        + " ".join(_count_change("+", "new"))
        + " END"
    )
    conn.execute(
        "CREATE TRIGGER invoices_count_delete AFTER DELETE ON invoices BEGIN "
        + " ".join(_count_change("-", "old"))
        + " END"
    )
    conn.execute(
        "CREATE TRIGGER invoices_count_update "
        "AFTER UPDATE OF company_id, kind, status, customer_id ON invoices "
        "WHEN old.company_id IS NOT new.company_id OR old.kind IS NOT new.kind "
        "OR old.status IS NOT new.status OR old.customer_id IS NOT new.customer_id BEGIN "
        + " ".join((*_count_change("-", "old"), *_count_change("+", "new")))
        + " END"
    )
    recount_invoices(conn)


def _lines_apart(conn: sqlite3.Connection) -> None:
    """Version 7: a document's lines apart from its header.

    ``invoices.doc`` holds the header (``codec.dumps_header``: everything but the lines,
    with the amounts and line facts derived from them), ``invoice_lines`` the lines, one
    row per document under its ``row_id``. Booking, sending and paying read and rewrite
    the header only: their cost does not grow with the number of lines.
    """
    from faktura.invoice import Invoice
    from faktura.storage import codec

    conn.execute(
        """CREATE TABLE invoice_lines (
            row_id INTEGER PRIMARY KEY REFERENCES invoices (row_id),
            lines TEXT NOT NULL
        )"""
    )
    rows = conn.execute("SELECT row_id, id, doc FROM invoices").fetchall()
    for row_id, invoice_id, doc in rows:
        invoice = codec.loads(doc, Invoice, invoice_id)
        conn.execute(
            "UPDATE invoices SET doc = ? WHERE row_id = ?", (codec.dumps_header(invoice), row_id)
        )
        conn.execute(
            "INSERT INTO invoice_lines (row_id, lines) VALUES (?, ?)",
            (row_id, codec.dumps_lines(invoice)),
        )


def _search_in_list_order(conn: sqlite3.Connection) -> None:
    """The search index keyed by list key (see ``LIST_KEY_SLOT_BITS``), so that a search
    reads one company's matches in list order and stops after the page and the count
    bound; it replaces the index keyed by row_id (version 2).

    ``company_codes`` numbers the companies (a trigger numbers each new one); the
    ``list_key`` of a new document is given by the store (``SqliteStore``) as it writes.
    """
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER invoices_fts_{trigger}")
    conn.execute("DROP TABLE invoices_fts")
    conn.execute(
        """CREATE TABLE company_codes (
            company_id TEXT PRIMARY KEY REFERENCES companies (id),
            code INTEGER NOT NULL UNIQUE
        ) WITHOUT ROWID"""
    )
    conn.execute(
        f"""CREATE TRIGGER companies_code AFTER INSERT ON companies BEGIN
            SELECT RAISE(ABORT, 'the search index holds up to {MAX_COMPANY_CODE} companies')
            WHERE (SELECT max(code) FROM company_codes) >= {MAX_COMPANY_CODE};
            INSERT INTO company_codes (company_id, code)
            SELECT new.id, coalesce(max(code), 0) + 1 FROM company_codes;
        END"""
    )
    conn.execute("ALTER TABLE invoices ADD COLUMN list_key INTEGER")
    conn.execute(
        """CREATE VIRTUAL TABLE invoices_fts USING fts5 (
            search, content = 'invoices', content_rowid = 'list_key',
            tokenize = 'trigram case_sensitive 1'
        )"""
    )
    index_search(conn)
    conn.execute("CREATE UNIQUE INDEX invoices_by_list_key ON invoices (list_key)")
    for statement in (
        # a row without a key (none the store writes) stays out of the index
        """CREATE TRIGGER invoices_fts_insert AFTER INSERT ON invoices
        WHEN new.list_key IS NOT NULL BEGIN
            INSERT INTO invoices_fts (rowid, search) VALUES (new.list_key, new.search);
        END""",
        """CREATE TRIGGER invoices_fts_delete AFTER DELETE ON invoices
        WHEN old.list_key IS NOT NULL BEGIN
            INSERT INTO invoices_fts (invoices_fts, rowid, search)
            VALUES ('delete', old.list_key, old.search);
        END""",
        """CREATE TRIGGER invoices_fts_update AFTER UPDATE OF search, list_key ON invoices
        WHEN old.search IS NOT new.search OR old.list_key IS NOT new.list_key BEGIN
            INSERT INTO invoices_fts (invoices_fts, rowid, search)
            SELECT 'delete', old.list_key, old.search WHERE old.list_key IS NOT NULL;
            INSERT INTO invoices_fts (rowid, search)
            SELECT new.list_key, new.search WHERE new.list_key IS NOT NULL;
        END""",
    ):
        conn.execute(statement)


def mark_owed(conn: sqlite3.Connection) -> None:
    """Set every document's ``owed`` (version 9) from its stored header and payments:
    after the migration that adds it, or after documents were loaded without the store
    (a bulk load). A row that cannot be decoded is a StorageError naming it."""
    from faktura.status import PAYABLE_STATUSES
    from faktura.storage import codec

    conn.execute("UPDATE invoices SET owed = 0 WHERE owed != 0")
    statuses = [status.value for status in PAYABLE_STATUSES]
    rows = conn.execute(
        "SELECT row_id, id, doc, lines FROM invoices JOIN invoice_lines USING (row_id) "
        f"WHERE status IN ({', '.join('?' * len(statuses))})",
        statuses,
    )
    # the header keeps the amounts: the lines are passed on, not decoded
    owed = [
        (row_id,)
        for row_id, invoice_id, doc, lines in rows
        if codec.loads_invoice(doc, lines, invoice_id).is_owed
    ]
    conn.executemany("UPDATE invoices SET owed = 1 WHERE row_id = ?", owed)


def _owed(conn: sqlite3.Connection) -> None:
    """Version 9: whether each document is still owed, what an overdue list filters on.

    ``owed`` is ``Invoice.is_owed`` (1 or 0): booked in a payable status with something
    outstanding (payable − paid − credited, in the currency's minor units). The store
    writes it with every document, as booking, payments and credits change it; for the
    documents already there it is worked out here, by Python, since it is decimal
    arithmetic on the document. An overdue list reads its statuses' ranges of
    ``invoices_by_status`` and keeps the owed rows due before today: no new index.
    """
    conn.execute("ALTER TABLE invoices ADD COLUMN owed INTEGER NOT NULL DEFAULT 0")
    mark_owed(conn)


# Version 10: the outbox, webhook endpoints and recurring-invoice schedules.
#
# ``outbox.seq`` (the rowid) numbers the messages in the order they were added: a new
# rowid is one past the largest there, so the order holds while delivered messages are
# removed. ``next_at`` is UTC text (it sorts as the instants do), NULL once no hand-off is
# open; the dispatcher reads the due ones by ``outbox_due``, a company's finished ones by
# ``outbox_finished`` (both partial: a message is in one of them at a time).
_OUTBOX_AND_SCHEDULES = _run(
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        next_at TEXT,
        doc TEXT NOT NULL,
        UNIQUE (company_id, id)
    )""",
    "CREATE INDEX outbox_due ON outbox (next_at, seq) WHERE next_at IS NOT NULL",
    "CREATE INDEX outbox_finished ON outbox (company_id, seq) WHERE next_at IS NULL",
    """CREATE TABLE webhook_endpoints (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id)
    ) WITHOUT ROWID""",
    """CREATE INDEX webhook_endpoints_by_company
        ON webhook_endpoints (company_id, created_at, id)""",
    """CREATE TABLE schedules (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id)
    ) WITHOUT ROWID""",
)


# Version 11: reminders and their policies, customers' account entries, bank entries.
#
# A reminder's number is unique in its company; it is found by number or by the payment
# id it asks to be paid with, and a customer's are read by issue date. Days are ISO text
# and ``recorded_at`` UTC text: both sort as what they say. A bank entry is kept once per
# key (its primary key), read by key, or by outcome and key, or by a payment it made
# (``bank_entry_payments``, written with it: an entry never changes).
_COLLECTIONS = _run(
    """CREATE TABLE reminder_policies (
        company_id TEXT PRIMARY KEY REFERENCES companies (id),
        doc TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE reminders (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        number TEXT NOT NULL,
        payment_id TEXT,
        customer_id TEXT NOT NULL,
        issue_date TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id),
        UNIQUE (company_id, number)
    ) WITHOUT ROWID""",
    """CREATE INDEX reminders_by_payment_id ON reminders (company_id, payment_id, id)
        WHERE payment_id IS NOT NULL""",
    """CREATE INDEX reminders_by_customer
        ON reminders (company_id, customer_id, issue_date, id)""",
    """CREATE TABLE account_entries (
        company_id TEXT NOT NULL REFERENCES companies (id),
        id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        day TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, id)
    ) WITHOUT ROWID""",
    """CREATE INDEX account_entries_by_customer
        ON account_entries (company_id, customer_id, day, recorded_at, id)""",
    """CREATE TABLE bank_entries (
        company_id TEXT NOT NULL REFERENCES companies (id),
        key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (company_id, key)
    ) WITHOUT ROWID""",
    "CREATE INDEX bank_entries_by_outcome ON bank_entries (company_id, outcome, key)",
    """CREATE TABLE bank_entry_payments (
        company_id TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (company_id, payment_id, key),
        FOREIGN KEY (company_id, key) REFERENCES bank_entries (company_id, key)
    ) WITHOUT ROWID""",
)


#: The steps from an empty file to the current schema; step ``n`` makes version ``n + 1``.
MIGRATIONS: Sequence[Migration] = (
    _DOCUMENTS,
    _search_and_list_indexes,
    _summaries_and_list_positions,
    _DELIVERIES_AND_KEYS,
    _ARCHIVE,
    _list_counts,
    _lines_apart,
    _search_in_list_order,
    _owed,
    _OUTBOX_AND_SCHEDULES,
    _COLLECTIONS,
)
#: The schema version this faktura writes.
LATEST = len(MIGRATIONS)
