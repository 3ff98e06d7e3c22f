"""The migrations of faktura's PostgreSQL schema, step by step, up to ``SCHEMA_VERSION``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, LiteralString

from faktura.status import PAYABLE_STATUSES
from faktura.storage.codec import loads_invoice

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


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
    # the outbox, webhook endpoints and recurring-invoice schedules. outbox.seq numbers
    # the messages in the order they were added; next_at is NULL once no hand-off is
    # open. The dispatcher reads the due ones by outbox_due (FOR UPDATE SKIP LOCKED: two
    # dispatchers take disjoint messages), a company's finished ones by outbox_finished.
    # No foreign key on the outbox (a message is written with every event, as events
    # are): its insert names an existing company (sql.Outbox.add).
    7: (
        """CREATE TABLE outbox (
            company_id text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            seq bigserial NOT NULL,
            next_at timestamptz,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id)
        )""",
        "CREATE INDEX outbox_due ON outbox (next_at, seq) WHERE next_at IS NOT NULL",
        "CREATE INDEX outbox_finished ON outbox (company_id, seq) WHERE next_at IS NULL",
        """CREATE TABLE webhook_endpoints (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            id text COLLATE "C" NOT NULL,
            created_at timestamptz NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id)
        )""",
        """CREATE INDEX webhook_endpoints_by_company
            ON webhook_endpoints (company_id, created_at, id)""",
        """CREATE TABLE schedules (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            id text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id)
        )""",
    ),
    # reminders and their policies, customers' account entries, bank entries. A
    # reminder's number is unique in its company; it is found by number or by the
    # payment id it asks to be paid with, a customer's are read by issue date. A bank
    # entry is kept once per key (its primary key: a second import of the same
    # transaction inserts nothing), read by key, or by outcome and key, or by a payment
    # it made (bank_entry_payments, written with it: an entry never changes).
    8: (
        """CREATE TABLE reminder_policies (
            company_id text COLLATE "C" PRIMARY KEY REFERENCES companies (id),
            doc jsonb NOT NULL
        )""",
        """CREATE TABLE reminders (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            id text COLLATE "C" NOT NULL,
            number text COLLATE "C" NOT NULL,
            payment_id text COLLATE "C",
            customer_id text COLLATE "C" NOT NULL,
            issue_date date NOT NULL,
            version bigint NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id),
            UNIQUE (company_id, number)
        )""",
        """CREATE INDEX reminders_by_payment_id ON reminders (company_id, payment_id, id)
            WHERE payment_id IS NOT NULL""",
        """CREATE INDEX reminders_by_customer
            ON reminders (company_id, customer_id, issue_date, id)""",
        """CREATE TABLE account_entries (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            id text COLLATE "C" NOT NULL,
            customer_id text COLLATE "C" NOT NULL,
            day date NOT NULL,
            recorded_at timestamptz NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, id)
        )""",
        """CREATE INDEX account_entries_by_customer
            ON account_entries (company_id, customer_id, day, recorded_at, id)""",
        """CREATE TABLE bank_entries (
            company_id text COLLATE "C" NOT NULL REFERENCES companies (id),
            key text COLLATE "C" NOT NULL,
            outcome text COLLATE "C" NOT NULL,
            doc jsonb NOT NULL,
            PRIMARY KEY (company_id, key)
        )""",
        "CREATE INDEX bank_entries_by_outcome ON bank_entries (company_id, outcome, key)",
        """CREATE TABLE bank_entry_payments (
            company_id text COLLATE "C" NOT NULL,
            payment_id text COLLATE "C" NOT NULL,
            key text COLLATE "C" NOT NULL,
            PRIMARY KEY (company_id, payment_id, key),
            FOREIGN KEY (company_id, key) REFERENCES bank_entries (company_id, key)
        )""",
    ),
}
