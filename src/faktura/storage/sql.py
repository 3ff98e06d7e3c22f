"""The repositories whose SQL is the same on SQLite and PostgreSQL, written once.

- A statement is written once with named parameters (``:name``), the style sqlite3
  takes as it is; the PostgreSQL side turns it into psycopg's (``%(name)s``) once per
  statement text (``postgres_style``). A JSON document is bound as its text: SQLite
  keeps text, PostgreSQL casts the untyped parameter psycopg sends to the column's
  ``jsonb``.
- What still differs is a hook of the database's side (``Dialect``, and the
  ``Statements`` a unit of work offers), not a second copy of the repository:
  - an instant is ISO text on SQLite and ``timestamptz`` on PostgreSQL
    (``Dialect.instant``; an archive link's in UTC, text that sorts as the instants do,
    ``Dialect.instant_utc`` and ``Dialect.read_instant``);
  - a stored document is read back as text on SQLite, as decoded JSON on PostgreSQL
    (``Dialect.decode``);
  - an event's sequence number is the invoice's next one on SQLite (its writers are
    serialised) and a ``bigserial`` on PostgreSQL (``Dialect.append_event``);
  - the outbox's due messages are held for a writing unit of work by a row lock that
    other writers skip on PostgreSQL (``Dialect.skip_locked``); SQLite runs one writer at
    a time, so a writer's read is held already;
  - a write naming a company that does not exist: SQLite's foreign key answers it;
    PostgreSQL looks first, since a failed statement spoils its whole transaction
    (``Statements.require_company``). The outbox, webhook endpoints, schedules,
    reminders (and policies), account entries and bank entries insert only where the
    company exists (``INSERT ... SELECT ... WHERE EXISTS``), on both: no read before the
    write (an outbox message is written with every event), and a row not written is then
    told apart as a taken key or a missing company;
  - a day is bound as ISO text: SQLite keeps it so (it sorts as the days do), PostgreSQL
    casts the untyped parameter to the column's ``date``;
  - driver errors are translated by each unit of work (``Statements.write``,
    ``Statements.rows``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

import attrs

from faktura.apikeys import ApiKey
from faktura.delivery.log import DeliveryAttempt
from faktura.dunning import Reminder, ReminderPolicy
from faktura.errors import ConflictError, NotFoundError
from faktura.issued import ArchivedDocument, ArchiveKind, sha256
from faktura.outbox import OutboxMessage, WebhookEndpoint
from faktura.receivables import AccountEntry, BankEntry, BankOutcome
from faktura.records import InvoiceEvent
from faktura.schedules import Schedule
from faktura.storage.codec import dumps

T = TypeVar("T")

Params = Mapping[str, object]


@attrs.frozen
class Dialect:
    """What differs between the databases in the shared repositories' statements."""

    #: an instant as the database keeps it
    instant: Callable[[datetime], object]
    #: an instant as the database keeps it, in UTC (archive links)
    instant_utc: Callable[[datetime], object]
    #: an instant as ``instant_utc`` kept it, read back
    read_instant: Callable[[Any], datetime]
    #: a stored document (as the driver reads it) as a domain value; a damaged one is a
    #: non-retryable StorageError naming the row by ``key``
    decode: Callable[[Any, type[Any], str], Any]
    #: appends an event: parameters ``company_id``, ``invoice_id``, ``doc``
    append_event: str
    #: what ends a writing unit of work's query of due outbox messages, so that
    #: concurrent writers take disjoint ones ("" where writers run one at a time)
    skip_locked: str = ""
    #: appends an event and adds its outbox message in one statement (parameters those
    #: of ``append_event`` and ``message_id``, ``next_at``, ``message_doc``): a booking
    #: then writes them in one round trip, inside the lock of its number's counter; ""
    #: where two statements cost nothing more (SQLite runs in the process)
    append_event_with_message: str = ""


class Statements(Protocol):
    """What a unit of work offers the shared repositories."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def readonly(self) -> bool:
        """Whether the unit of work only reads."""
        ...

    def check_writable(self) -> None:
        """StorageError unless the unit of work is open for writing."""

    def require_company(self, company_id: str) -> None:
        """NotFoundError when a write would name a company that does not exist and the
        database would not answer it by itself (a foreign key)."""

    def write(self, statement: str, params: Params, /, *, action: str, company_id: str) -> int:
        """Run a writing statement; the number of rows it changed. Driver errors are
        translated; a missing company (a foreign key) is NotFoundError."""
        ...

    def rows(self, statement: str, params: Params, /, *, action: str) -> list[tuple[Any, ...]]:
        """The rows of a query, driver errors translated."""
        ...


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.cache
def postgres_style(sql: str) -> str:
    """``sql`` with psycopg's named parameters (``%(name)s``) for ``:name``."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


# -- statements of the databases' own repositories ----------------------------------------
#
# The companies, customers, invoices and counters repositories are each database's own:
# they write differently (a violated constraint is an answer on SQLite; PostgreSQL, where a
# failed statement spoils the transaction, writes with ON CONFLICT or looks first). These
# statements of theirs are the same on both, written once here with named parameters.

#: A company's document: ``id``.
COMPANY = "SELECT doc FROM companies WHERE id = :id"
#: Every company's id and document, by id.
COMPANIES = "SELECT id, doc FROM companies ORDER BY id"
#: A customer's document: ``company_id``, ``id``.
CUSTOMER = "SELECT doc FROM customers WHERE company_id = :company_id AND id = :id"
#: A document's version: ``company_id``, ``id``.
INVOICE_VERSION = "SELECT version FROM invoices WHERE company_id = :company_id AND id = :id"
#: The last number counted in a series and period: ``company_id``, ``series``, ``period``.
LAST_NUMBER = (
    "SELECT last_seq FROM counters "
    "WHERE company_id = :company_id AND series = :series AND period = :period"
)
#: Count ``last_seq`` as the last number of a series and period (``company_id``,
#: ``series``, ``period``).
SET_LAST_NUMBER = (
    "INSERT INTO counters (company_id, series, period, last_seq) "
    "VALUES (:company_id, :series, :period, :last_seq) "
    "ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = excluded.last_seq"
)


def _decode(uow: Statements, data: Any, cls: type[T], key: str) -> T:
    value: T = uow.dialect.decode(data, cls, key)
    return value


@attrs.frozen
class Events:
    uow: Statements

    def append(self, company_id: str, event: InvoiceEvent) -> None:
        self.uow.check_writable()
        self.uow.write(
            self.uow.dialect.append_event,
            {"company_id": company_id, "invoice_id": event.invoice_id, "doc": dumps(event)},
            action="append an event",
            company_id=company_id,
        )

    def append_with_message(
        self, company_id: str, event: InvoiceEvent, message: OutboxMessage
    ) -> None:
        """``append`` and ``Outbox.add`` of its message, in one statement where the
        dialect has one (see ``faktura.billing.work.Work.record``)."""
        statement = self.uow.dialect.append_event_with_message
        if not statement:
            self.append(company_id, event)
            Outbox(self.uow).add(message)
            return
        self.uow.check_writable()
        added = self.uow.write(
            statement,
            {
                "company_id": company_id,
                "invoice_id": event.invoice_id,
                "doc": dumps(event),
                "message_id": message.id,
                "next_at": Outbox(self.uow)._instant(message),
                "message_doc": dumps(message),
            },
            action="append an event",
            company_id=company_id,
        )
        _check_added(self.uow, added, company_id, f"outbox message {message.id!r} exists")

    def for_invoice(self, company_id: str, invoice_id: str) -> list[InvoiceEvent]:
        rows = self.uow.rows(
            "SELECT doc FROM events WHERE company_id = :company_id AND invoice_id = :invoice_id "
            "ORDER BY seq",
            {"company_id": company_id, "invoice_id": invoice_id},
            action="read events",
        )
        return [_decode(self.uow, row[0], InvoiceEvent, invoice_id) for row in rows]


#: ``Dialect.append_event_with_message`` of a server database: the event, then its outbox
#: message where the company exists (no row written: a taken id or an unknown company).
APPEND_EVENT_WITH_MESSAGE = (
    "WITH event AS (INSERT INTO events (company_id, invoice_id, doc) "
    "VALUES (:company_id, :invoice_id, :doc)) "
    "INSERT INTO outbox (company_id, id, next_at, doc) "
    "SELECT :company_id, :message_id, :next_at, :message_doc "
    "WHERE EXISTS (SELECT 1 FROM companies WHERE id = :company_id) ON CONFLICT DO NOTHING"
)


@attrs.frozen
class ApiKeys:
    uow: Statements

    def add(self, key: ApiKey) -> None:
        self.uow.check_writable()
        self.uow.require_company(key.company_id)
        added = self.uow.write(
            "INSERT INTO api_keys (id, company_id, created_at, doc) "
            "VALUES (:id, :company_id, :created_at, :doc) ON CONFLICT DO NOTHING",
            {
                "id": key.id,
                "company_id": key.company_id,
                "created_at": self.uow.dialect.instant(key.created_at),
                "doc": dumps(key),
            },
            action="add an api key",
            company_id=key.company_id,
        )
        if added == 0:
            raise ConflictError(f"api key {key.id!r} exists")

    def get(self, key_id: str) -> ApiKey:
        rows = self.uow.rows(
            "SELECT doc FROM api_keys WHERE id = :id", {"id": key_id}, action="read an api key"
        )
        if not rows:
            raise NotFoundError("api key", key_id)
        return _decode(self.uow, rows[0][0], ApiKey, key_id)

    def update(self, key: ApiKey) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            "UPDATE api_keys SET doc = :doc WHERE id = :id",
            {"doc": dumps(key), "id": key.id},
            action="update an api key",
            company_id=key.company_id,
        )
        if updated == 0:
            raise NotFoundError("api key", key.id)

    def for_company(self, company_id: str) -> list[ApiKey]:
        rows = self.uow.rows(
            "SELECT id, doc FROM api_keys WHERE company_id = :company_id ORDER BY created_at, id",
            {"company_id": company_id},
            action="read api keys",
        )
        return [_decode(self.uow, doc, ApiKey, key) for key, doc in rows]


_ATTEMPTS = "SELECT id, doc FROM deliveries WHERE company_id = :company_id AND "


@attrs.frozen
class Deliveries:
    uow: Statements

    def add(self, attempt: DeliveryAttempt) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            "INSERT INTO deliveries (company_id, id, invoice_id, seq, state, idempotency_key, "
            "provider_reference, started_at, doc) VALUES (:company_id, :id, :invoice_id, "
            ":seq, :state, :idempotency_key, :provider_reference, :started_at, :doc) "
            "ON CONFLICT DO NOTHING",
            {
                "company_id": attempt.company_id,
                "id": attempt.id,
                "invoice_id": attempt.invoice_id,
                "seq": attempt.sequence,
                "state": attempt.state.value,
                "idempotency_key": attempt.idempotency_key,
                "provider_reference": attempt.provider_reference,
                "started_at": self.uow.dialect.instant(attempt.started_at),
                "doc": dumps(attempt),
            },
            action="record a delivery attempt",
            company_id=attempt.company_id,
        )
        if added == 0:
            raise ConflictError(f"delivery attempt {attempt.id!r} collides with a recorded one")

    def update(self, attempt: DeliveryAttempt) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            "UPDATE deliveries SET state = :state, idempotency_key = :idempotency_key, "
            "provider_reference = :provider_reference, doc = :doc "
            "WHERE company_id = :company_id AND id = :id",
            {
                "state": attempt.state.value,
                "idempotency_key": attempt.idempotency_key,
                "provider_reference": attempt.provider_reference,
                "doc": dumps(attempt),
                "company_id": attempt.company_id,
                "id": attempt.id,
            },
            action="update a delivery attempt",
            company_id=attempt.company_id,
        )
        if updated == 0:
            raise NotFoundError("delivery attempt", attempt.id)

    def _select(self, where: str, params: Params) -> list[DeliveryAttempt]:
        rows = self.uow.rows(_ATTEMPTS + where, params, action="read deliveries")
        return [_decode(self.uow, doc, DeliveryAttempt, key) for key, doc in rows]

    def for_invoice(self, company_id: str, invoice_id: str) -> list[DeliveryAttempt]:
        return self._select(
            "invoice_id = :invoice_id ORDER BY seq",
            {"company_id": company_id, "invoice_id": invoice_id},
        )

    def by_key(self, company_id: str, idempotency_key: str) -> DeliveryAttempt | None:
        found = self._select(
            "idempotency_key = :idempotency_key",
            {"company_id": company_id, "idempotency_key": idempotency_key},
        )
        return found[0] if found else None

    def by_reference(self, company_id: str, provider_reference: str) -> DeliveryAttempt | None:
        found = self._select(
            "provider_reference = :provider_reference ORDER BY started_at LIMIT 1",
            {"company_id": company_id, "provider_reference": provider_reference},
        )
        return found[0] if found else None

    def pending(self, company_id: str) -> list[DeliveryAttempt]:
        return self._select("state = 'pending' ORDER BY started_at, id", {"company_id": company_id})


@attrs.frozen
class Archive:
    uow: Statements

    def put(
        self,
        company_id: str,
        invoice_id: str,
        kind: ArchiveKind,
        content: bytes,
        media_type: str,
        at: datetime,
    ) -> str:
        self.uow.require_company(company_id)
        self.uow.check_writable()
        digest = sha256(content)
        self.uow.write(
            "INSERT INTO archive_blobs (company_id, sha256, media_type, size, content) "
            "VALUES (:company_id, :sha256, :media_type, :size, :content) ON CONFLICT DO NOTHING",
            {
                "company_id": company_id,
                "sha256": digest,
                "media_type": media_type,
                "size": len(content),
                "content": bytes(content),
            },
            action="archive a document",
            company_id=company_id,
        )
        self.uow.write(
            "INSERT INTO archive_links (company_id, invoice_id, kind, sha256, created_at) "
            "VALUES (:company_id, :invoice_id, :kind, :sha256, :created_at) "
            "ON CONFLICT DO NOTHING",
            {
                "company_id": company_id,
                "invoice_id": invoice_id,
                "kind": ArchiveKind(kind).value,
                "sha256": digest,
                "created_at": self.uow.dialect.instant_utc(at),
            },
            action="archive a document",
            company_id=company_id,
        )
        return digest

    def get(self, company_id: str, digest: str) -> bytes:
        rows = self.uow.rows(
            "SELECT content FROM archive_blobs WHERE company_id = :company_id AND sha256 = :sha256",
            {"company_id": company_id, "sha256": digest},
            action="read an archived document",
        )
        if not rows:
            raise NotFoundError("archived document", digest)
        return bytes(rows[0][0])

    def for_invoice(self, company_id: str, invoice_id: str) -> list[ArchivedDocument]:
        rows = self.uow.rows(
            "SELECT l.kind, l.sha256, b.size, b.media_type, l.created_at FROM archive_links l "
            "JOIN archive_blobs b ON b.company_id = l.company_id AND b.sha256 = l.sha256 "
            "WHERE l.company_id = :company_id AND l.invoice_id = :invoice_id "
            "ORDER BY l.created_at, l.kind, l.sha256",
            {"company_id": company_id, "invoice_id": invoice_id},
            action="read archived documents",
        )
        read = self.uow.dialect.read_instant
        return [
            ArchivedDocument(
                invoice_id, ArchiveKind(kind), digest, int(size), media_type, read(created)
            )
            for kind, digest, size, media_type, created in rows
        ]


def _company_exists(uow: Statements, company_id: str) -> bool:
    return bool(uow.rows(COMPANY, {"id": company_id}, action="read a company"))


def _check_added(uow: Statements, added: int, company_id: str, taken: str) -> None:
    """After an ``INSERT ... SELECT ... WHERE EXISTS (the company) ON CONFLICT DO
    NOTHING``: nothing written is a taken id (ConflictError ``taken``) or a company that
    does not exist (NotFoundError)."""
    if added:
        return
    if _company_exists(uow, company_id):
        raise ConflictError(taken)
    raise NotFoundError("company", company_id)


#: ``INSERT INTO <table> (<columns>) SELECT <values> WHERE EXISTS (the company)
#: ON CONFLICT DO NOTHING``: a row of an existing company, unless its key is taken.
_INSERT_OF_COMPANY = (
    "INSERT INTO {table} ({columns}) SELECT {values} "
    "WHERE EXISTS (SELECT 1 FROM companies WHERE id = :company_id) ON CONFLICT DO NOTHING"
)


def _insert_of_company(table: str, *columns: str) -> str:
    return _INSERT_OF_COMPANY.format(
        table=table, columns=", ".join(columns), values=", ".join(f":{c}" for c in columns)
    )


_ADD_MESSAGE = _insert_of_company("outbox", "company_id", "id", "next_at", "doc")
#: Due messages of every company, earliest first, then in the order they were added.
_DUE_MESSAGES = (
    "SELECT id, doc FROM outbox WHERE next_at IS NOT NULL AND next_at <= :now "
    "ORDER BY next_at, seq LIMIT :limit"
)


@attrs.frozen
class Outbox:
    uow: Statements

    def add(self, message: OutboxMessage) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_MESSAGE,
            {
                "company_id": message.company_id,
                "id": message.id,
                "next_at": self._instant(message),
                "doc": dumps(message),
            },
            action="add an outbox message",
            company_id=message.company_id,
        )
        _check_added(self.uow, added, message.company_id, f"outbox message {message.id!r} exists")

    def _instant(self, message: OutboxMessage) -> object:
        # in UTC: SQLite's text then sorts as the instants do
        return None if message.next_at is None else self.uow.dialect.instant_utc(message.next_at)

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        statement = _DUE_MESSAGES
        if not self.uow.readonly:
            statement += self.uow.dialect.skip_locked
        rows = self.uow.rows(
            statement,
            {"now": self.uow.dialect.instant_utc(now), "limit": max(limit, 0)},
            action="read due outbox messages",
        )
        return [_decode(self.uow, doc, OutboxMessage, key) for key, doc in rows]

    def get(self, company_id: str, message_id: str) -> OutboxMessage:
        rows = self.uow.rows(
            "SELECT doc FROM outbox WHERE company_id = :company_id AND id = :id",
            {"company_id": company_id, "id": message_id},
            action="read an outbox message",
        )
        if not rows:
            raise NotFoundError("outbox message", message_id)
        return _decode(self.uow, rows[0][0], OutboxMessage, message_id)

    def update(self, message: OutboxMessage) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            "UPDATE outbox SET next_at = :next_at, doc = :doc "
            "WHERE company_id = :company_id AND id = :id",
            {
                "next_at": self._instant(message),
                "doc": dumps(message),
                "company_id": message.company_id,
                "id": message.id,
            },
            action="update an outbox message",
            company_id=message.company_id,
        )
        if updated == 0:
            raise NotFoundError("outbox message", message.id)

    def remove(self, company_id: str, message_id: str) -> None:
        self.uow.check_writable()
        removed = self.uow.write(
            "DELETE FROM outbox WHERE company_id = :company_id AND id = :id",
            {"company_id": company_id, "id": message_id},
            action="remove an outbox message",
            company_id=company_id,
        )
        if removed == 0:
            raise NotFoundError("outbox message", message_id)

    def finished(self, company_id: str, limit: int = 100) -> list[OutboxMessage]:
        rows = self.uow.rows(
            "SELECT id, doc FROM outbox WHERE company_id = :company_id AND next_at IS NULL "
            "ORDER BY seq LIMIT :limit",
            {"company_id": company_id, "limit": max(limit, 0)},
            action="read finished outbox messages",
        )
        return [_decode(self.uow, doc, OutboxMessage, key) for key, doc in rows]


_ADD_ENDPOINT = _insert_of_company("webhook_endpoints", "company_id", "id", "created_at", "doc")


@attrs.frozen
class Webhooks:
    uow: Statements

    def add(self, endpoint: WebhookEndpoint) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_ENDPOINT,
            {
                "company_id": endpoint.company_id,
                "id": endpoint.id,
                "created_at": self.uow.dialect.instant_utc(endpoint.created_at),
                "doc": dumps(endpoint),
            },
            action="add a webhook endpoint",
            company_id=endpoint.company_id,
        )
        _check_added(
            self.uow, added, endpoint.company_id, f"webhook endpoint {endpoint.id!r} exists"
        )

    def get(self, company_id: str, endpoint_id: str) -> WebhookEndpoint:
        rows = self.uow.rows(
            "SELECT doc FROM webhook_endpoints WHERE company_id = :company_id AND id = :id",
            {"company_id": company_id, "id": endpoint_id},
            action="read a webhook endpoint",
        )
        if not rows:
            raise NotFoundError("webhook endpoint", endpoint_id)
        return _decode(self.uow, rows[0][0], WebhookEndpoint, endpoint_id)

    def update(self, endpoint: WebhookEndpoint) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            "UPDATE webhook_endpoints SET created_at = :created_at, doc = :doc "
            "WHERE company_id = :company_id AND id = :id",
            {
                "created_at": self.uow.dialect.instant_utc(endpoint.created_at),
                "doc": dumps(endpoint),
                "company_id": endpoint.company_id,
                "id": endpoint.id,
            },
            action="update a webhook endpoint",
            company_id=endpoint.company_id,
        )
        if updated == 0:
            raise NotFoundError("webhook endpoint", endpoint.id)

    def remove(self, company_id: str, endpoint_id: str) -> None:
        self.uow.check_writable()
        removed = self.uow.write(
            "DELETE FROM webhook_endpoints WHERE company_id = :company_id AND id = :id",
            {"company_id": company_id, "id": endpoint_id},
            action="remove a webhook endpoint",
            company_id=company_id,
        )
        if removed == 0:
            raise NotFoundError("webhook endpoint", endpoint_id)

    def for_company(self, company_id: str) -> list[WebhookEndpoint]:
        rows = self.uow.rows(
            "SELECT id, doc FROM webhook_endpoints WHERE company_id = :company_id "
            "ORDER BY created_at, id",
            {"company_id": company_id},
            action="read webhook endpoints",
        )
        return [_decode(self.uow, doc, WebhookEndpoint, key) for key, doc in rows]


_ADD_SCHEDULE = _insert_of_company("schedules", "company_id", "id", "version", "doc")


def _one(uow: Statements, table: str, kind: type[T], noun: str, company_id: str, doc_id: str) -> T:
    """The company's ``table`` document ``doc_id``; NotFoundError naming ``noun``."""
    rows = uow.rows(
        f"SELECT doc FROM {table} WHERE company_id = :company_id AND id = :id",
        {"company_id": company_id, "id": doc_id},
        action=f"read a {noun}",
    )
    if not rows:
        raise NotFoundError(noun, doc_id)
    return _decode(uow, rows[0][0], kind, doc_id)


def _page(
    uow: Statements,
    table: str,
    kind: type[T],
    company_id: str,
    after: str | None,
    limit: int,
    key: str = "id",
    **equal: object,
) -> list[T]:
    """Up to ``limit`` of the company's ``table`` documents by ``key``, after ``after``
    when given, those whose columns are ``equal`` to the values given."""
    params: dict[str, object] = {"company_id": company_id, "limit": max(limit, 0)}
    where = "".join(f"AND {column} = :{column} " for column in equal)
    params.update(equal)
    if after is not None:
        where += f"AND {key} > :after "
        params["after"] = after
    rows = uow.rows(
        f"SELECT {key}, doc FROM {table} WHERE company_id = :company_id "
        + where
        + f"ORDER BY {key} LIMIT :limit",
        params,
        action=f"read {table.replace('_', ' ')}",
    )
    return [_decode(uow, doc, kind, found) for found, doc in rows]


def _refuse_update(
    uow: Statements, table: str, noun: str, company_id: str, doc_id: str, expected: int
) -> None:
    """Why an update of a version ``expected`` changed no row: NotFoundError, or a
    ConflictError when another change won; returns when the version was the one
    expected (the caller's own condition refused it)."""
    rows = uow.rows(
        f"SELECT version FROM {table} WHERE company_id = :company_id AND id = :id",
        {"company_id": company_id, "id": doc_id},
        action=f"read a {noun}",
    )
    if not rows:
        raise NotFoundError(noun, doc_id)
    if rows[0][0] != expected:
        raise ConflictError(
            f"{noun} {doc_id!r} changed meanwhile (version {rows[0][0]}, expected {expected})"
        )


@attrs.frozen
class Schedules:
    uow: Statements

    def get(self, company_id: str, schedule_id: str) -> Schedule:
        return _one(self.uow, "schedules", Schedule, "schedule", company_id, schedule_id)

    def add(self, schedule: Schedule) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_SCHEDULE,
            {
                "company_id": schedule.company_id,
                "id": schedule.id,
                "version": schedule.version,
                "doc": dumps(schedule),
            },
            action="add a schedule",
            company_id=schedule.company_id,
        )
        _check_added(self.uow, added, schedule.company_id, f"schedule {schedule.id!r} exists")

    def update(self, schedule: Schedule, expected_version: int) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            "UPDATE schedules SET version = :version, doc = :doc "
            "WHERE company_id = :company_id AND id = :id AND version = :expected",
            {
                "version": schedule.version,
                "doc": dumps(schedule),
                "company_id": schedule.company_id,
                "id": schedule.id,
                "expected": expected_version,
            },
            action="update a schedule",
            company_id=schedule.company_id,
        )
        if not updated:
            company_id, doc_id = schedule.company_id, schedule.id
            _refuse_update(self.uow, "schedules", "schedule", company_id, doc_id, expected_version)
            raise ConflictError(f"schedule {doc_id!r} changed meanwhile")

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Schedule]:
        return _page(self.uow, "schedules", Schedule, company_id, after, limit)


_ADD_REMINDER = _insert_of_company(
    "reminders",
    "company_id",
    "id",
    "number",
    "payment_id",
    "customer_id",
    "issue_date",
    "version",
    "doc",
)
#: Replace a reminder of the version expected, unless another of the company has its number.
_UPDATE_REMINDER = (
    "UPDATE reminders SET number = :number, payment_id = :payment_id, "
    "customer_id = :customer_id, issue_date = :issue_date, version = :version, doc = :doc "
    "WHERE company_id = :company_id AND id = :id AND version = :expected AND NOT EXISTS ("
    "SELECT 1 FROM reminders AS other WHERE other.company_id = :company_id "
    "AND other.number = :number AND other.id <> :id)"
)
_SET_POLICY = (
    "INSERT INTO reminder_policies (company_id, doc) SELECT :company_id, :doc "
    "WHERE EXISTS (SELECT 1 FROM companies WHERE id = :company_id) "
    "ON CONFLICT (company_id) DO UPDATE SET doc = excluded.doc"
)
#: The company (one row, if it exists) and its policy (NULL when it has set none).
_POLICY = (
    "SELECT companies.id, reminder_policies.doc FROM companies "
    "LEFT JOIN reminder_policies ON reminder_policies.company_id = companies.id "
    "WHERE companies.id = :company_id"
)

_REMINDER_BY_NUMBER = (
    "SELECT id, doc FROM reminders WHERE company_id = :company_id AND number = :reference"
)
#: The first (by id) with the payment id: its id found in ``reminders_by_payment_id``
#: alone (SQLite would rather search the primary key and filter, as it has no statistics).
_REMINDER_BY_PAYMENT_ID = (
    "SELECT id, doc FROM reminders WHERE company_id = :company_id AND id = ("
    "SELECT min(id) FROM reminders WHERE company_id = :company_id AND payment_id = :reference)"
)


def _reminder_columns(reminder: Reminder) -> dict[str, object]:
    return {
        "company_id": reminder.company_id,
        "id": reminder.id,
        "number": reminder.number,
        "payment_id": reminder.payment_id,
        "customer_id": reminder.customer_id,
        "issue_date": reminder.issue_date.isoformat(),
        "version": reminder.version,
        "doc": dumps(reminder),
    }


@attrs.frozen
class Reminders:
    uow: Statements

    def policy(self, company_id: str) -> ReminderPolicy | None:
        rows = self.uow.rows(_POLICY, {"company_id": company_id}, action="read a reminder policy")
        if not rows:
            raise NotFoundError("company", company_id)
        doc = rows[0][1]
        return None if doc is None else _decode(self.uow, doc, ReminderPolicy, company_id)

    def set_policy(self, company_id: str, policy: ReminderPolicy) -> None:
        self.uow.check_writable()
        written = self.uow.write(
            _SET_POLICY,
            {"company_id": company_id, "doc": dumps(policy)},
            action="set a reminder policy",
            company_id=company_id,
        )
        if not written:
            raise NotFoundError("company", company_id)

    def add(self, reminder: Reminder) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_REMINDER,
            _reminder_columns(reminder),
            action="add a reminder",
            company_id=reminder.company_id,
        )
        _check_added(
            self.uow,
            added,
            reminder.company_id,
            f"reminder {reminder.id!r} or its number {reminder.number!r} exists",
        )

    def get(self, company_id: str, reminder_id: str) -> Reminder:
        return _one(self.uow, "reminders", Reminder, "reminder", company_id, reminder_id)

    def by_reference(self, company_id: str, reference: str) -> Reminder | None:
        # a number first (numbers are unique), then the first payment id by reminder id
        params = {"company_id": company_id, "reference": reference}
        for statement in (_REMINDER_BY_NUMBER, _REMINDER_BY_PAYMENT_ID):
            rows = self.uow.rows(statement, params, action="find a reminder")
            if rows:
                return _decode(self.uow, rows[0][1], Reminder, rows[0][0])
        return None

    def update(self, reminder: Reminder, expected_version: int) -> None:
        self.uow.check_writable()
        updated = self.uow.write(
            _UPDATE_REMINDER,
            {**_reminder_columns(reminder), "expected": expected_version},
            action="update a reminder",
            company_id=reminder.company_id,
        )
        if not updated:
            company_id, doc_id = reminder.company_id, reminder.id
            _refuse_update(self.uow, "reminders", "reminder", company_id, doc_id, expected_version)
            raise ConflictError(f"reminder number {reminder.number!r} is taken")

    def for_customer(self, company_id: str, customer_id: str) -> list[Reminder]:
        rows = self.uow.rows(
            "SELECT id, doc FROM reminders "
            "WHERE company_id = :company_id AND customer_id = :customer_id "
            "ORDER BY issue_date, id",
            {"company_id": company_id, "customer_id": customer_id},
            action="read a customer's reminders",
        )
        return [_decode(self.uow, doc, Reminder, key) for key, doc in rows]

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Reminder]:
        return _page(self.uow, "reminders", Reminder, company_id, after, limit)


_ADD_ENTRY = _insert_of_company(
    "account_entries", "company_id", "id", "customer_id", "day", "recorded_at", "doc"
)
_ADD_BANK_ENTRY = _insert_of_company("bank_entries", "company_id", "key", "outcome", "doc")
#: A payment a bank entry made (written with the entry, which is never changed); an
#: entry naming one payment twice keeps it once.
_ADD_BANK_PAYMENT = (
    "INSERT INTO bank_entry_payments (company_id, payment_id, key) "
    "VALUES (:company_id, :payment_id, :key) ON CONFLICT DO NOTHING"
)
#: The bank entry that made a payment: the first by key, should two name it.
_RECEIPT = (
    "SELECT key, doc FROM bank_entries WHERE company_id = :company_id AND key = ("
    "SELECT min(key) FROM bank_entry_payments "
    "WHERE company_id = :company_id AND payment_id = :payment_id)"
)


@attrs.frozen
class Accounts:
    uow: Statements

    def add(self, entry: AccountEntry) -> None:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_ENTRY,
            {
                "company_id": entry.company_id,
                "id": entry.id,
                "customer_id": entry.customer_id,
                "day": entry.date.isoformat(),
                # in UTC: SQLite's text then sorts as the instants do
                "recorded_at": self.uow.dialect.instant_utc(entry.recorded_at),
                "doc": dumps(entry),
            },
            action="add an account entry",
            company_id=entry.company_id,
        )
        _check_added(self.uow, added, entry.company_id, f"account entry {entry.id!r} exists")

    def for_customer(self, company_id: str, customer_id: str) -> list[AccountEntry]:
        rows = self.uow.rows(
            "SELECT id, doc FROM account_entries "
            "WHERE company_id = :company_id AND customer_id = :customer_id "
            "ORDER BY day, recorded_at, id",
            {"company_id": company_id, "customer_id": customer_id},
            action="read a customer's account",
        )
        return [_decode(self.uow, doc, AccountEntry, key) for key, doc in rows]

    def add_bank_entry(self, entry: BankEntry) -> bool:
        self.uow.check_writable()
        added = self.uow.write(
            _ADD_BANK_ENTRY,
            {
                "company_id": entry.company_id,
                "key": entry.key,
                "outcome": entry.outcome.value,
                "doc": dumps(entry),
            },
            action="add a bank entry",
            company_id=entry.company_id,
        )
        if added:
            for payment_id in entry.payment_ids:
                self.uow.write(
                    _ADD_BANK_PAYMENT,
                    {"company_id": entry.company_id, "payment_id": payment_id, "key": entry.key},
                    action="add a bank entry",
                    company_id=entry.company_id,
                )
            return True
        if _company_exists(self.uow, entry.company_id):
            return False  # the key is kept already
        raise NotFoundError("company", entry.company_id)

    def bank_entry(self, company_id: str, key: str) -> BankEntry | None:
        rows = self.uow.rows(
            "SELECT doc FROM bank_entries WHERE company_id = :company_id AND key = :key",
            {"company_id": company_id, "key": key},
            action="read a bank entry",
        )
        return _decode(self.uow, rows[0][0], BankEntry, key) if rows else None

    def receipt(self, company_id: str, payment_id: str) -> BankEntry | None:
        rows = self.uow.rows(
            _RECEIPT,
            {"company_id": company_id, "payment_id": payment_id},
            action="read a bank entry",
        )
        return _decode(self.uow, rows[0][1], BankEntry, rows[0][0]) if rows else None

    def bank_entries(
        self,
        company_id: str,
        outcome: BankOutcome | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[BankEntry]:
        equal = {} if outcome is None else {"outcome": str(outcome)}
        return _page(self.uow, "bank_entries", BankEntry, company_id, after, limit, "key", **equal)


class SharedRepositories:
    """The repositories whose statements are written once here, as properties of a unit
    of work that runs them (a ``Statements``): both databases' units of work inherit them."""

    @property
    def events(self: Statements) -> Events:
        return Events(self)

    @property
    def deliveries(self: Statements) -> Deliveries:
        return Deliveries(self)

    @property
    def api_keys(self: Statements) -> ApiKeys:
        return ApiKeys(self)

    @property
    def archive(self: Statements) -> Archive:
        return Archive(self)

    @property
    def outbox(self: Statements) -> Outbox:
        return Outbox(self)

    @property
    def webhooks(self: Statements) -> Webhooks:
        return Webhooks(self)

    @property
    def schedules(self: Statements) -> Schedules:
        return Schedules(self)

    @property
    def reminders(self: Statements) -> Reminders:
        return Reminders(self)

    @property
    def accounts(self: Statements) -> Accounts:
        return Accounts(self)
