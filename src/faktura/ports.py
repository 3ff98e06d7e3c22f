"""The ports faktura's service layer talks to: Store, UnitOfWork, repositories, Clock.

Hosts implement these to plug in their own storage; faktura ships memory, SQLite and
PostgreSQL implementations (``faktura.storage``) and one contract suite every
implementation passes (``faktura.testing.contract.StoreContract``).

Rules every implementation keeps:

- Tenancy: every read and write is scoped to a company. Another company's document is
  indistinguishable from a missing one (NotFoundError), never listed, never counted.
- A unit of work rolls back unless ``commit()`` was called; nothing of it is visible to
  other units of work before the commit.
- Driver errors never leak: they become StorageError (retryable), ConflictError or
  NotFoundError.
- Two repositories are optional: a unit of work whose ``customers`` or ``api_keys`` is
  None declares that the store keeps none (the contract skips their tests as not
  applicable; Billing needs its own CustomerDirectory, or refuses API key use cases with
  ConfigurationError).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

import attrs

from faktura.apikeys import ApiKey
from faktura.delivery.log import DeliveryAttempt
from faktura.dunning import Reminder, ReminderPolicy
from faktura.invoice import Invoice
from faktura.issued import ArchivedDocument, ArchiveKind
from faktura.outbox import OutboxMessage, WebhookEndpoint
from faktura.parties import Company, Customer
from faktura.receivables import AccountEntry, BankEntry, BankOutcome
from faktura.records import InvoiceEvent
from faktura.schedules import Schedule
from faktura.status import DocumentKind, Status
from faktura.summary import InvoiceSummary

__all__ = [
    "COUNT_BOUND",
    "MAX_PAGE_SIZE",
    "MIN_SEARCH_LENGTH",
    "OVERDUE",
    "ApiKeyRepository",
    "Clock",
    "CompanyRepository",
    "CustomerAccounts",
    "CustomerDirectory",
    "DeliveryLog",
    "DocumentArchive",
    "EventLog",
    "InvoiceQuery",
    "InvoiceRepository",
    "ListResult",
    "NumberRepository",
    "Outbox",
    "ReminderRepository",
    "ScheduleRepository",
    "Store",
    "SystemClock",
    "UnitOfWork",
    "WebhookEndpoints",
]

T = TypeVar("T")

#: The derived status filter: booked, still owed, past its due date.
OVERDUE = "overdue"
#: The largest page a list returns (the reference API's limit).
MAX_PAGE_SIZE = 100
#: The shortest search text (in characters, lower-cased): the search indexes are made of
#: trigrams, so a shorter fragment could only be found by reading every document.
MIN_SEARCH_LENGTH = 3
#: How many matches past the end of the page a list counts at most when its total
#: cannot be kept up to date as documents are written (a search, "overdue"): counting
#: stops at ``offset + limit + COUNT_BOUND + 1`` matches (see ``ListResult``; the
#: default of ``InvoiceQuery.count_bound``).
COUNT_BOUND = 1000


class Clock(Protocol):
    """Where "now" comes from; the core never reads the clock itself."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def today(self) -> date:
        """Today's date where the business is (the default invoice date)."""
        ...


@attrs.frozen
class SystemClock:
    """The wall clock; ``tz`` decides which day "today" is (UTC unless told)."""

    tz: tzinfo = UTC

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.tz).date()


@attrs.frozen
class InvoiceQuery:
    """One page of a company's documents, newest first (date desc, id desc).

    ``search`` matches a fragment of the number or the description, case-insensitively
    and literally (no wildcards); ``status`` is a Status or "overdue" (booked, owed and
    due before ``today``).
    """

    page: int = 1
    limit: int = 20
    search: str | None = None
    status: Status | str | None = None
    customer_id: str | None = None
    kind: DocumentKind | None = DocumentKind.INVOICE
    today: date | None = None
    #: How many matches past the end of the page a ``counted`` total counts at most.
    count_bound: int = COUNT_BOUND

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    @property
    def counted(self) -> bool:
        """True when the total of this query is counted at read time (and so bounded,
        see ``ListResult``): a search, or "overdue" (which depends on ``today``). Every
        other total is kept by the store as documents are written and is exact."""
        return bool(self.search) or self.status == OVERDUE

    @property
    def count_limit(self) -> int:
        """Where counting stops for a ``counted`` query: one past the bound, so that
        reaching it says "more than ``offset + limit + count_bound``"."""
        return self.offset + self.limit + self.count_bound + 1


@attrs.frozen
class ListResult(Generic[T]):
    """A page of items and how many match in all.

    ``exact`` False: ``total`` is a lower bound, not a count. A store counts the matches
    of a search or of "overdue" only up to ``InvoiceQuery.count_limit`` (the end of the
    page + ``count_bound`` (``COUNT_BOUND``) + 1); reaching that limit gives ``total``
    = the limit and ``exact`` False: at least that many match, so the page after this
    one always counts as there. Every other total is exact.
    """

    items: tuple[T, ...]
    total: int
    exact: bool = True

    @classmethod
    def bounded(cls, items: tuple[T, ...], count: int, query: InvoiceQuery) -> ListResult[T]:
        """A page whose total is ``count`` matches counted up to ``query.count_limit``
        (or beyond it: the total shown is then the limit)."""
        if not query.counted or count < query.count_limit:
            return cls(items, count)
        return cls(items, query.count_limit, exact=False)


class CompanyRepository(Protocol):
    """The sellers (tenants) of a store."""

    def get(self, company_id: str) -> Company:
        """The company. Raises NotFoundError."""
        ...

    def add(self, company: Company) -> None:
        """Store a new company. Raises ConflictError when the id exists."""
        ...

    def update(self, company: Company) -> None:
        """Replace a company. Raises NotFoundError."""
        ...

    def list(self) -> list[Company]:
        """Every company of the store, by id (an operator's view: not tenant-scoped)."""
        ...


class CustomerDirectory(Protocol):
    """The customers of each company. A store may keep them (``UnitOfWork.customers``)
    or not (None); a host may plug in its own (``Billing(customers=...)``)."""

    def get(self, company_id: str, customer_id: str) -> Customer:
        """The customer of that company. Raises NotFoundError (also for another
        company's customer)."""
        ...

    def add(self, customer: Customer) -> None:
        """Store a new customer. Raises ConflictError when the id exists."""
        ...

    def update(self, customer: Customer) -> None:
        """Replace a customer of its company. Raises NotFoundError."""
        ...

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        """A page of the company's customers by name (then id); ``search`` matches a
        fragment of name or number."""
        ...


class InvoiceRepository(Protocol):
    """Invoices and credit notes, each with its lines, as one document."""

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        """The document. Raises NotFoundError (also for another company's).

        ``for_update`` in a writing unit of work: no other unit of work can change the
        document until this one ends (a row lock where writers run concurrently; the
        memory and SQLite stores run one writer at a time, so every write is that)."""
        ...

    def add(self, invoice: Invoice) -> None:
        """Store a new document. Raises ConflictError when the id (or, once booked, the
        number) exists in the company."""
        ...

    def update(self, invoice: Invoice, expected_version: int) -> None:
        """Replace a document whose stored version is ``expected_version``.

        Raises NotFoundError, ConflictError when another change won (optimistic
        concurrency) or the number is taken.
        """
        ...

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        """A page of the company's documents (as summaries: no lines) and the number
        matching ``query``: exact, except for a ``counted`` query (search, "overdue"),
        whose matches are counted up to ``query.count_limit`` (``ListResult.bounded``).
        No query reads more than the page, its offset and that bound, except a search:
        its index finds every match, which the page then takes in list order."""
        ...


class NumberRepository(Protocol):
    """The counters of the number series: gap-free because they move only in the unit
    of work that books the document."""

    def allocate(
        self,
        company_id: str,
        series: str,
        period: str,
        start: int,
        booking_date: date,
        allow_backdating: bool,
    ) -> int:
        """The next sequence number of (company, series, period), locked until the unit
        of work ends; ``start`` when the series has never given a number, 1 in a new
        period after that. Records ``booking_date`` as the series' last booked date.

        Raises NumberingError (field "date") when ``booking_date`` is before the last
        booked date of the series and ``allow_backdating`` is false.
        """
        ...

    def last(self, company_id: str, series: str, period: str) -> int | None:
        """The last number given in (company, series, period), None when none."""
        ...


class EventLog(Protocol):
    """The audit trail: every change of a document, in order."""

    def append(self, company_id: str, event: InvoiceEvent) -> None:
        """Record an event of a document of the company."""
        ...

    def for_invoice(self, company_id: str, invoice_id: str) -> list[InvoiceEvent]:
        """The events of one document, oldest first (empty for another company's)."""
        ...


class DeliveryLog(Protocol):
    """The delivery attempts of documents."""

    def add(self, attempt: DeliveryAttempt) -> None:
        """Record a new attempt. Raises ConflictError when its id, its (document,
        sequence) or its idempotency key is taken in the company."""
        ...

    def update(self, attempt: DeliveryAttempt) -> None:
        """Replace a recorded attempt (its outcome, provider events). Raises
        NotFoundError."""
        ...

    def for_invoice(self, company_id: str, invoice_id: str) -> list[DeliveryAttempt]:
        """The attempts of one document, oldest (sequence 1) first."""
        ...

    def by_key(self, company_id: str, idempotency_key: str) -> DeliveryAttempt | None:
        """The attempt a send with this idempotency key made, if any."""
        ...

    def by_reference(self, company_id: str, provider_reference: str) -> DeliveryAttempt | None:
        """The attempt the provider knows by this reference (an access point document
        id), if any."""
        ...

    def pending(self, company_id: str) -> list[DeliveryAttempt]:
        """The company's attempts without an outcome, oldest first."""
        ...


class ApiKeyRepository(Protocol):
    """API keys (stored hashed); looked up by key id before the company is known."""

    def add(self, key: ApiKey) -> None:
        """Store a new key. Raises ConflictError (id taken), NotFoundError (company)."""
        ...

    def get(self, key_id: str) -> ApiKey:
        """The key. Raises NotFoundError."""
        ...

    def update(self, key: ApiKey) -> None:
        """Replace a key (revocation). Raises NotFoundError."""
        ...

    def for_company(self, company_id: str) -> list[ApiKey]:
        """The company's keys, oldest first."""
        ...


class DocumentArchive(Protocol):
    """What left faktura (PDF, UBL, the email as sent, the logo), kept for good.

    Content-addressed per company: a file is stored once under its sha256 however many
    documents or attempts carried it, and linked to each document with its kind. Another
    company's digest is NotFoundError, like a missing one.
    """

    def put(
        self,
        company_id: str,
        invoice_id: str,
        kind: ArchiveKind,
        content: bytes,
        media_type: str,
        at: datetime,
    ) -> str:
        """Archive ``content`` as a ``kind`` file of the document; its sha256 (hex).
        Putting the same bytes again stores nothing new (the first ``at`` stays).
        Raises NotFoundError for an unknown company."""
        ...

    def get(self, company_id: str, digest: str) -> bytes:
        """The archived bytes with that sha256. Raises NotFoundError (also for another
        company's)."""
        ...

    def for_invoice(self, company_id: str, invoice_id: str) -> list[ArchivedDocument]:
        """The files archived for a document, oldest first (then by kind and digest)."""
        ...


class Outbox(Protocol):
    """The events waiting to be handed to subscribers (``faktura.outbox``): added in
    the unit of work of the change they record, read by the dispatcher."""

    def add(self, message: OutboxMessage) -> None:
        """Store a new message. Raises ConflictError when its id exists in the company,
        NotFoundError for an unknown company."""
        ...

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages of any company whose ``next_at`` is at or before
        ``now``, earliest ``next_at`` first (then in the order they were added). In a
        writing unit of work they are held for it: a concurrent unit of work's ``due``
        skips them (or waits, where writers run one at a time) until it ends. A
        read-only unit of work holds nothing."""
        ...

    def get(self, company_id: str, message_id: str) -> OutboxMessage:
        """The message. Raises NotFoundError (also for another company's)."""
        ...

    def update(self, message: OutboxMessage) -> None:
        """Replace a message (its hand-offs, ``next_at``). Raises NotFoundError."""
        ...

    def remove(self, company_id: str, message_id: str) -> None:
        """Drop a message handed to every subscriber. Raises NotFoundError."""
        ...

    def finished(self, company_id: str, limit: int = 100) -> list[OutboxMessage]:
        """The company's messages that are no longer due (``next_at`` None: some hand-off
        was given up), oldest first."""
        ...


class WebhookEndpoints(Protocol):
    """The companies' webhook endpoints (``faktura.outbox.WebhookEndpoint``)."""

    def add(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint. Raises ConflictError (id taken), NotFoundError
        (company)."""
        ...

    def get(self, company_id: str, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint. Raises NotFoundError (also for another company's)."""
        ...

    def update(self, endpoint: WebhookEndpoint) -> None:
        """Replace an endpoint. Raises NotFoundError."""
        ...

    def remove(self, company_id: str, endpoint_id: str) -> None:
        """Delete an endpoint. Raises NotFoundError."""
        ...

    def for_company(self, company_id: str) -> list[WebhookEndpoint]:
        """The company's endpoints, oldest first (then by id)."""
        ...


class ScheduleRepository(Protocol):
    """Recurring-invoice schedules (``faktura.schedules.Schedule``)."""

    def get(self, company_id: str, schedule_id: str) -> Schedule:
        """The schedule. Raises NotFoundError (also for another company's)."""
        ...

    def add(self, schedule: Schedule) -> None:
        """Store a new schedule. Raises ConflictError (id taken), NotFoundError
        (company)."""
        ...

    def update(self, schedule: Schedule, expected_version: int) -> None:
        """Replace a schedule whose stored version is ``expected_version``. As with
        ``InvoiceRepository.update``, the caller passes the schedule with its new version
        (``expected_version + 1``), which is stored as it is. Raises NotFoundError,
        ConflictError when another change won."""
        ...

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Schedule]:
        """Up to ``limit`` of the company's schedules by id, those after ``after`` (a
        schedule id) when given: a billing run reads them all, page by page, in
        constant memory."""
        ...


class ReminderRepository(Protocol):
    """Reminders (``faktura.dunning.Reminder``) and each company's reminder policy."""

    def policy(self, company_id: str) -> ReminderPolicy | None:
        """The company's policy; None when it has set none. Raises NotFoundError
        (company)."""
        ...

    def set_policy(self, company_id: str, policy: ReminderPolicy) -> None:
        """Keep ``policy`` as the company's (replacing the one before). Raises
        NotFoundError (company)."""
        ...

    def add(self, reminder: Reminder) -> None:
        """Store a new reminder. Raises ConflictError (id or number taken),
        NotFoundError (company)."""
        ...

    def get(self, company_id: str, reminder_id: str) -> Reminder:
        """The reminder. Raises NotFoundError (also for another company's)."""
        ...

    def by_reference(self, company_id: str, reference: str) -> Reminder | None:
        """The company's reminder whose number or ``payment_id`` is ``reference``
        (exactly), None when none is."""
        ...

    def update(self, reminder: Reminder, expected_version: int) -> None:
        """Replace a reminder whose stored version is ``expected_version`` with
        ``reminder`` (its version already the next). Raises NotFoundError,
        ConflictError when another change won."""
        ...

    def for_customer(self, company_id: str, customer_id: str) -> list[Reminder]:
        """The customer's reminders, oldest first (issue date, then id)."""
        ...

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Reminder]:
        """Up to ``limit`` of the company's reminders by id, after ``after`` when given."""
        ...


class CustomerAccounts(Protocol):
    """Customers' credit balances (``faktura.receivables.AccountEntry``) and the bank
    transactions imported, each kept once by its key."""

    def add(self, entry: AccountEntry) -> None:
        """Store a movement of a credit balance. Raises ConflictError (id taken),
        NotFoundError (company)."""
        ...

    def for_customer(self, company_id: str, customer_id: str) -> list[AccountEntry]:
        """The customer's entries, in the order they were made (date, recorded_at, id)."""
        ...

    def add_bank_entry(self, entry: BankEntry) -> bool:
        """Keep an imported bank transaction under its key: True when it is new, False
        (and nothing changed) when the company has one with that key. Two units of
        work adding the same key at once: one gets True, the other False once the first
        committed (or True if it rolled back). Raises NotFoundError (company)."""
        ...

    def bank_entry(self, company_id: str, key: str) -> BankEntry | None:
        """The company's imported transaction with ``key``, None when there is none."""
        ...

    def receipt(self, company_id: str, payment_id: str) -> BankEntry | None:
        """The company's bank entry whose ``payment_ids`` holds ``payment_id``, None
        when none does (a payment recorded on one invoice directly)."""
        ...

    def bank_entries(
        self,
        company_id: str,
        outcome: BankOutcome | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[BankEntry]:
        """Up to ``limit`` of the company's imported transactions by key (those after
        ``after``), only those with ``outcome`` when given."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories; rolls back unless committed."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make the changes durable and visible. Raises StorageError, ConflictError."""
        ...

    def rollback(self) -> None:
        """Drop the changes."""
        ...

    @property
    def companies(self) -> CompanyRepository: ...

    @property
    def customers(self) -> CustomerDirectory | None:
        """The store's customers; None when it keeps none (optional: the host keeps
        them in its own system and gives Billing its own ``CustomerDirectory``)."""
        ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def numbers(self) -> NumberRepository: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def deliveries(self) -> DeliveryLog: ...

    @property
    def api_keys(self) -> ApiKeyRepository | None:
        """The store's API keys; None when it keeps none (optional: a host that
        authenticates its users itself; Billing's API key use cases then raise
        ConfigurationError)."""
        ...

    @property
    def archive(self) -> DocumentArchive: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def webhooks(self) -> WebhookEndpoints: ...

    @property
    def schedules(self) -> ScheduleRepository: ...

    @property
    def reminders(self) -> ReminderRepository: ...

    @property
    def accounts(self) -> CustomerAccounts: ...


class Store(Protocol):
    """A place documents live: hands out units of work."""

    def unit_of_work(self, readonly: bool = False) -> UnitOfWork:
        """A new unit of work; ``readonly`` ones may not write and never wait for
        writers. Raises StorageError when the store is unreachable."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
