"""MemoryStore: the reference store, in process, copy-on-commit and thread-safe.

Writers take the store's write lock when their unit of work begins (as SQLite's BEGIN
IMMEDIATE does) and work on copies of the tables they touch; commit swaps the new
tables in with one assignment. Readers work on the snapshot that was current when
their unit of work began and never wait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from faktura.apikeys import ApiKey
from faktura.delivery.log import AttemptState, DeliveryAttempt
from faktura.dunning import Reminder, ReminderPolicy
from faktura.errors import ConflictError, NotFoundError, StorageError
from faktura.invoice import Invoice
from faktura.issued import ArchivedDocument, ArchiveKind, sha256
from faktura.numbering import next_number
from faktura.outbox import OutboxMessage, WebhookEndpoint
from faktura.parties import Company, Customer
from faktura.ports import InvoiceQuery, ListResult
from faktura.receivables import AccountEntry, BankEntry, BankOutcome
from faktura.records import InvoiceEvent
from faktura.schedules import Schedule
from faktura.storage.query import matches, newest_first
from faktura.summary import InvoiceSummary

__all__ = ["MemoryStore"]

V = TypeVar("V")


@attrs.frozen
class _Tables:
    companies: dict[str, Company] = attrs.Factory(dict)
    customers: dict[tuple[str, str], Customer] = attrs.Factory(dict)
    invoices: dict[tuple[str, str], Invoice] = attrs.Factory(dict)
    numbers: dict[tuple[str, str, str], int] = attrs.Factory(dict)
    series_dates: dict[tuple[str, str], date] = attrs.Factory(dict)
    events: dict[tuple[str, str], tuple[InvoiceEvent, ...]] = attrs.Factory(dict)
    deliveries: dict[tuple[str, str], DeliveryAttempt] = attrs.Factory(dict)
    api_keys: dict[str, ApiKey] = attrs.Factory(dict)
    # (company, sha256) → (content, media type); (company, invoice, kind, sha256) → when
    archive_blobs: dict[tuple[str, str], tuple[bytes, str]] = attrs.Factory(dict)
    archive_links: dict[tuple[str, str, str, str], datetime] = attrs.Factory(dict)
    # (company, id) → message, in the order they were added (a dict keeps it; an update
    # keeps a message's place)
    outbox: dict[tuple[str, str], OutboxMessage] = attrs.Factory(dict)
    webhooks: dict[tuple[str, str], WebhookEndpoint] = attrs.Factory(dict)
    schedules: dict[tuple[str, str], Schedule] = attrs.Factory(dict)
    reminder_policies: dict[str, ReminderPolicy] = attrs.Factory(dict)
    reminders: dict[tuple[str, str], Reminder] = attrs.Factory(dict)
    account_entries: dict[tuple[str, str], AccountEntry] = attrs.Factory(dict)
    bank_entries: dict[tuple[str, str], BankEntry] = attrs.Factory(dict)


class MemoryStore:
    """Documents in process memory: for tests, demos and hosts that persist elsewhere."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self._write_lock = threading.Lock()

    def unit_of_work(self, readonly: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, readonly)

    def close(self) -> None:
        """Nothing to release."""


class MemoryUnitOfWork:
    """A transaction over a MemoryStore (see the module docstring)."""

    def __init__(self, store: MemoryStore, readonly: bool) -> None:
        self._store = store
        self._readonly = readonly
        self._open = False
        self._base = store._tables
        self._changed: dict[str, dict[Any, Any]] = {}

    def __enter__(self) -> Self:
        if not self._readonly:
            self._store._write_lock.acquire()
        self._open = True
        self._base = self._store._tables
        self._changed = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._open:
            self.rollback()

    def commit(self) -> None:
        self._check_open()
        if self._changed:
            self._store._tables = attrs.evolve(self._base, **self._changed)
        self._close()

    def rollback(self) -> None:
        if self._open:
            self._close()

    def _close(self) -> None:
        self._changed = {}
        self._open = False
        if not self._readonly:
            self._store._write_lock.release()

    def _check_open(self) -> None:
        if not self._open:
            raise StorageError(
                "the unit of work is not open (use it in a with block)", retryable=False
            )

    def read(self, table: str) -> dict[Any, Any]:
        self._check_open()
        if table in self._changed:
            return self._changed[table]
        result: dict[Any, Any] = getattr(self._base, table)
        return result

    def write(self, table: str) -> dict[Any, Any]:
        self._check_open()
        if self._readonly:
            raise StorageError("this unit of work is read-only", retryable=False)
        if table not in self._changed:
            self._changed[table] = dict(getattr(self._base, table))
        return self._changed[table]

    @property
    def companies(self) -> _Companies:
        return _Companies(self)

    @property
    def customers(self) -> _Customers:
        return _Customers(self)

    @property
    def invoices(self) -> _Invoices:
        return _Invoices(self)

    @property
    def numbers(self) -> _Numbers:
        return _Numbers(self)

    @property
    def events(self) -> _Events:
        return _Events(self)

    @property
    def deliveries(self) -> _Deliveries:
        return _Deliveries(self)

    @property
    def api_keys(self) -> _ApiKeys:
        return _ApiKeys(self)

    @property
    def archive(self) -> _Archive:
        return _Archive(self)

    @property
    def outbox(self) -> _Outbox:
        return _Outbox(self)

    @property
    def webhooks(self) -> _Webhooks:
        return _Webhooks(self)

    @property
    def schedules(self) -> _Schedules:
        return _Schedules(self)

    @property
    def reminders(self) -> _Reminders:
        return _Reminders(self)

    @property
    def accounts(self) -> _Accounts:
        return _Accounts(self)

    def require_company(self, company_id: str) -> None:
        """NotFoundError unless the company exists."""
        if company_id not in self.read("companies"):
            raise NotFoundError("company", company_id)


def _page(items: Iterable[V], page: int, limit: int) -> ListResult[V]:
    everything = list(items)
    start = (page - 1) * limit
    return ListResult(tuple(everything[start : start + limit]), len(everything))


@attrs.frozen
class _Companies:
    uow: MemoryUnitOfWork

    def get(self, company_id: str) -> Company:
        try:
            company: Company = self.uow.read("companies")[company_id]
        except KeyError:
            raise NotFoundError("company", company_id) from None
        return company

    def add(self, company: Company) -> None:
        if company.id in self.uow.read("companies"):
            raise ConflictError(f"company {company.id!r} exists")
        self.uow.write("companies")[company.id] = company

    def update(self, company: Company) -> None:
        self.get(company.id)
        self.uow.write("companies")[company.id] = company

    def list(self) -> list[Company]:
        companies: dict[str, Company] = self.uow.read("companies")
        return [companies[key] for key in sorted(companies)]


@attrs.frozen
class _Customers:
    uow: MemoryUnitOfWork

    def get(self, company_id: str, customer_id: str) -> Customer:
        try:
            customer: Customer = self.uow.read("customers")[company_id, customer_id]
        except KeyError:
            raise NotFoundError("customer", customer_id) from None
        return customer

    def add(self, customer: Customer) -> None:
        key = (customer.company_id, customer.id)
        if key in self.uow.read("customers"):
            raise ConflictError(f"customer {customer.id!r} exists")
        self.uow.write("customers")[key] = customer

    def update(self, customer: Customer) -> None:
        self.get(customer.company_id, customer.id)
        self.uow.write("customers")[customer.company_id, customer.id] = customer

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        needle = search.lower() if search else None
        found = [
            c
            for (cid, _), c in self.uow.read("customers").items()
            if cid == company_id
            and (
                needle is None
                or needle in c.name.lower()
                or (c.number is not None and needle in c.number.lower())
            )
        ]
        found.sort(key=lambda c: (c.name.lower(), c.id))
        return _page(found, page, limit)


@attrs.frozen
class _Invoices:
    uow: MemoryUnitOfWork

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        # one writer at a time (the store's write lock): a writer's read is always locked
        try:
            invoice: Invoice = self.uow.read("invoices")[company_id, invoice_id]
        except KeyError:
            raise NotFoundError("invoice", invoice_id) from None
        return invoice

    def _check_number(self, invoice: Invoice) -> None:
        if invoice.number is None:
            return
        for (cid, iid), other in self.uow.read("invoices").items():
            if cid == invoice.company_id and iid != invoice.id and other.number == invoice.number:
                raise ConflictError(f"number {invoice.number!r} is taken")

    def add(self, invoice: Invoice) -> None:
        key = (invoice.company_id, invoice.id)
        if key in self.uow.read("invoices"):
            raise ConflictError(f"invoice {invoice.id!r} exists")
        self._check_number(invoice)
        self.uow.write("invoices")[key] = invoice

    def update(self, invoice: Invoice, expected_version: int) -> None:
        stored = self.get(invoice.company_id, invoice.id)
        if stored.version != expected_version:
            raise ConflictError(
                f"invoice {invoice.id!r} changed meanwhile "
                f"(version {stored.version}, expected {expected_version})"
            )
        self._check_number(invoice)
        self.uow.write("invoices")[invoice.company_id, invoice.id] = invoice

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        found = [
            invoice
            for (cid, _), invoice in self.uow.read("invoices").items()
            if cid == company_id and matches(invoice, query)
        ]
        page = _page(newest_first(found), query.page, query.limit)
        # the bound of a counted total is part of the reference semantics: every store
        # shows the same total, and says alike whether it is exact
        return ListResult.bounded(
            tuple(InvoiceSummary.of(i) for i in page.items), page.total, query
        )


@attrs.frozen
class _Numbers:
    uow: MemoryUnitOfWork

    def allocate(
        self,
        company_id: str,
        series: str,
        period: str,
        start: int,
        booking_date: date,
        allow_backdating: bool,
    ) -> int:
        key = (company_id, series, period)
        last_date = self.uow.read("series_dates").get((company_id, series))
        step = next_number(
            self.uow.read("numbers").get(key),
            last_date,
            start=start,
            booking_date=booking_date,
            allow_backdating=allow_backdating,
        )
        self.uow.write("numbers")[key] = step.seq
        if step.date_moved:
            self.uow.write("series_dates")[company_id, series] = step.last_date
        return step.seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        last: int | None = self.uow.read("numbers").get((company_id, series, period))
        return last


@attrs.frozen
class _Events:
    uow: MemoryUnitOfWork

    def append(self, company_id: str, event: InvoiceEvent) -> None:
        key = (company_id, event.invoice_id)
        events = self.uow.write("events")
        events[key] = (*events.get(key, ()), event)

    def for_invoice(self, company_id: str, invoice_id: str) -> list[InvoiceEvent]:
        return list(self.uow.read("events").get((company_id, invoice_id), ()))


@attrs.frozen
class _Deliveries:
    uow: MemoryUnitOfWork

    def _of(self, company_id: str) -> list[DeliveryAttempt]:
        return [a for (cid, _), a in self.uow.read("deliveries").items() if cid == company_id]

    def add(self, attempt: DeliveryAttempt) -> None:
        for other in self._of(attempt.company_id):
            if (
                other.id == attempt.id
                or (other.invoice_id, other.sequence) == (attempt.invoice_id, attempt.sequence)
                or (
                    attempt.idempotency_key is not None
                    and other.idempotency_key == attempt.idempotency_key
                )
            ):
                raise ConflictError(f"delivery attempt {attempt.id!r} collides with {other.id!r}")
        self.uow.write("deliveries")[attempt.company_id, attempt.id] = attempt

    def update(self, attempt: DeliveryAttempt) -> None:
        if (attempt.company_id, attempt.id) not in self.uow.read("deliveries"):
            raise NotFoundError("delivery attempt", attempt.id)
        self.uow.write("deliveries")[attempt.company_id, attempt.id] = attempt

    def for_invoice(self, company_id: str, invoice_id: str) -> list[DeliveryAttempt]:
        found = [a for a in self._of(company_id) if a.invoice_id == invoice_id]
        return sorted(found, key=lambda a: a.sequence)

    def by_key(self, company_id: str, idempotency_key: str) -> DeliveryAttempt | None:
        return next((a for a in self._of(company_id) if a.idempotency_key == idempotency_key), None)

    def by_reference(self, company_id: str, provider_reference: str) -> DeliveryAttempt | None:
        return next(
            (a for a in self._of(company_id) if a.provider_reference == provider_reference),
            None,
        )

    def pending(self, company_id: str) -> list[DeliveryAttempt]:
        found = [a for a in self._of(company_id) if a.state is AttemptState.PENDING]
        return sorted(found, key=lambda a: (a.started_at, a.id))


@attrs.frozen
class _ApiKeys:
    uow: MemoryUnitOfWork

    def add(self, key: ApiKey) -> None:
        if key.id in self.uow.read("api_keys"):
            raise ConflictError(f"api key {key.id!r} exists")
        if key.company_id not in self.uow.read("companies"):
            raise NotFoundError("company", key.company_id)
        self.uow.write("api_keys")[key.id] = key

    def get(self, key_id: str) -> ApiKey:
        try:
            key: ApiKey = self.uow.read("api_keys")[key_id]
        except KeyError:
            raise NotFoundError("api key", key_id) from None
        return key

    def update(self, key: ApiKey) -> None:
        self.get(key.id)
        self.uow.write("api_keys")[key.id] = key

    def for_company(self, company_id: str) -> list[ApiKey]:
        found = [k for k in self.uow.read("api_keys").values() if k.company_id == company_id]
        return sorted(found, key=lambda k: (k.created_at, k.id))


@attrs.frozen
class _Archive:
    uow: MemoryUnitOfWork

    def put(
        self,
        company_id: str,
        invoice_id: str,
        kind: ArchiveKind,
        content: bytes,
        media_type: str,
        at: datetime,
    ) -> str:
        if company_id not in self.uow.read("companies"):
            raise NotFoundError("company", company_id)
        digest = sha256(content)
        if (company_id, digest) not in self.uow.read("archive_blobs"):
            self.uow.write("archive_blobs")[company_id, digest] = (bytes(content), media_type)
        link = (company_id, invoice_id, ArchiveKind(kind).value, digest)
        if link not in self.uow.read("archive_links"):
            self.uow.write("archive_links")[link] = at
        return digest

    def get(self, company_id: str, digest: str) -> bytes:
        try:
            content: bytes = self.uow.read("archive_blobs")[company_id, digest][0]
        except (KeyError, TypeError):
            raise NotFoundError("archived document", digest) from None
        return content

    def for_invoice(self, company_id: str, invoice_id: str) -> list[ArchivedDocument]:
        blobs = self.uow.read("archive_blobs")
        found = [
            ArchivedDocument(
                invoice_id,
                ArchiveKind(kind),
                digest,
                len(blobs[cid, digest][0]),
                blobs[cid, digest][1],
                at,
            )
            for (cid, iid, kind, digest), at in self.uow.read("archive_links").items()
            if cid == company_id and iid == invoice_id
        ]
        return sorted(found, key=lambda d: (d.created_at, d.kind.value, d.sha256))


@attrs.frozen
class _Outbox:
    uow: MemoryUnitOfWork

    def add(self, message: OutboxMessage) -> None:
        self.uow.require_company(message.company_id)
        key = (message.company_id, message.id)
        if key in self.uow.read("outbox"):
            raise ConflictError(f"outbox message {message.id!r} exists")
        self.uow.write("outbox")[key] = message

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        # one writer at a time (the store's write lock): what a writer reads is held
        messages: dict[tuple[str, str], OutboxMessage] = self.uow.read("outbox")
        found = [m for m in messages.values() if m.next_at is not None and m.next_at <= now]
        # a stable sort: messages due at the same instant stay in the order they were added
        found.sort(key=lambda m: m.next_at or now)
        return found[: max(limit, 0)]

    def get(self, company_id: str, message_id: str) -> OutboxMessage:
        try:
            message: OutboxMessage = self.uow.read("outbox")[company_id, message_id]
        except KeyError:
            raise NotFoundError("outbox message", message_id) from None
        return message

    def update(self, message: OutboxMessage) -> None:
        self.get(message.company_id, message.id)
        self.uow.write("outbox")[message.company_id, message.id] = message

    def remove(self, company_id: str, message_id: str) -> None:
        self.get(company_id, message_id)
        del self.uow.write("outbox")[company_id, message_id]

    def finished(self, company_id: str, limit: int = 100) -> list[OutboxMessage]:
        messages: dict[tuple[str, str], OutboxMessage] = self.uow.read("outbox")
        found = [m for (cid, _), m in messages.items() if cid == company_id and m.next_at is None]
        return found[: max(limit, 0)]


@attrs.frozen
class _Webhooks:
    uow: MemoryUnitOfWork

    def add(self, endpoint: WebhookEndpoint) -> None:
        self.uow.require_company(endpoint.company_id)
        key = (endpoint.company_id, endpoint.id)
        if key in self.uow.read("webhooks"):
            raise ConflictError(f"webhook endpoint {endpoint.id!r} exists")
        self.uow.write("webhooks")[key] = endpoint

    def get(self, company_id: str, endpoint_id: str) -> WebhookEndpoint:
        try:
            endpoint: WebhookEndpoint = self.uow.read("webhooks")[company_id, endpoint_id]
        except KeyError:
            raise NotFoundError("webhook endpoint", endpoint_id) from None
        return endpoint

    def update(self, endpoint: WebhookEndpoint) -> None:
        self.get(endpoint.company_id, endpoint.id)
        self.uow.write("webhooks")[endpoint.company_id, endpoint.id] = endpoint

    def remove(self, company_id: str, endpoint_id: str) -> None:
        self.get(company_id, endpoint_id)
        del self.uow.write("webhooks")[company_id, endpoint_id]

    def for_company(self, company_id: str) -> list[WebhookEndpoint]:
        endpoints: dict[tuple[str, str], WebhookEndpoint] = self.uow.read("webhooks")
        found = [e for (cid, _), e in endpoints.items() if cid == company_id]
        return sorted(found, key=lambda e: (e.created_at, e.id))


@attrs.frozen
class _Schedules:
    uow: MemoryUnitOfWork

    def get(self, company_id: str, schedule_id: str) -> Schedule:
        try:
            schedule: Schedule = self.uow.read("schedules")[company_id, schedule_id]
        except KeyError:
            raise NotFoundError("schedule", schedule_id) from None
        return schedule

    def add(self, schedule: Schedule) -> None:
        self.uow.require_company(schedule.company_id)
        key = (schedule.company_id, schedule.id)
        if key in self.uow.read("schedules"):
            raise ConflictError(f"schedule {schedule.id!r} exists")
        self.uow.write("schedules")[key] = schedule

    def update(self, schedule: Schedule, expected_version: int) -> None:
        stored = self.get(schedule.company_id, schedule.id)
        if stored.version != expected_version:
            raise ConflictError(
                f"schedule {schedule.id!r} changed meanwhile "
                f"(version {stored.version}, expected {expected_version})"
            )
        self.uow.write("schedules")[schedule.company_id, schedule.id] = schedule

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Schedule]:
        schedules: dict[tuple[str, str], Schedule] = self.uow.read("schedules")
        found = [
            s
            for (cid, sid), s in schedules.items()
            if cid == company_id and (after is None or sid > after)
        ]
        found.sort(key=lambda s: s.id)
        return found[: max(limit, 0)]


@attrs.frozen
class _Reminders:
    uow: MemoryUnitOfWork

    def policy(self, company_id: str) -> ReminderPolicy | None:
        self.uow.require_company(company_id)
        policy: ReminderPolicy | None = self.uow.read("reminder_policies").get(company_id)
        return policy

    def set_policy(self, company_id: str, policy: ReminderPolicy) -> None:
        self.uow.require_company(company_id)
        self.uow.write("reminder_policies")[company_id] = policy

    def _of(self, company_id: str) -> list[Reminder]:
        reminders: dict[tuple[str, str], Reminder] = self.uow.read("reminders")
        return [r for (cid, _), r in reminders.items() if cid == company_id]

    def _check_number(self, reminder: Reminder) -> None:
        for other in self._of(reminder.company_id):
            if other.id != reminder.id and other.number == reminder.number:
                raise ConflictError(f"reminder number {reminder.number!r} is taken")

    def add(self, reminder: Reminder) -> None:
        self.uow.require_company(reminder.company_id)
        key = (reminder.company_id, reminder.id)
        if key in self.uow.read("reminders"):
            raise ConflictError(f"reminder {reminder.id!r} exists")
        self._check_number(reminder)
        self.uow.write("reminders")[key] = reminder

    def get(self, company_id: str, reminder_id: str) -> Reminder:
        try:
            reminder: Reminder = self.uow.read("reminders")[company_id, reminder_id]
        except KeyError:
            raise NotFoundError("reminder", reminder_id) from None
        return reminder

    def by_reference(self, company_id: str, reference: str) -> Reminder | None:
        # a number first (numbers are unique), then the first payment id by reminder id
        found = self._of(company_id)
        by_number = [r for r in found if r.number == reference]
        if by_number:
            return by_number[0]
        by_payment_id = sorted((r for r in found if r.payment_id == reference), key=_by_id)
        return by_payment_id[0] if by_payment_id else None

    def update(self, reminder: Reminder, expected_version: int) -> None:
        stored = self.get(reminder.company_id, reminder.id)
        if stored.version != expected_version:
            raise ConflictError(
                f"reminder {reminder.id!r} changed meanwhile "
                f"(version {stored.version}, expected {expected_version})"
            )
        self._check_number(reminder)
        self.uow.write("reminders")[reminder.company_id, reminder.id] = reminder

    def for_customer(self, company_id: str, customer_id: str) -> list[Reminder]:
        found = [r for r in self._of(company_id) if r.customer_id == customer_id]
        return sorted(found, key=lambda r: (r.issue_date, r.id))

    def list(self, company_id: str, after: str | None = None, limit: int = 100) -> list[Reminder]:
        found = [r for r in self._of(company_id) if after is None or r.id > after]
        found.sort(key=_by_id)
        return found[: max(limit, 0)]


def _by_id(reminder: Reminder) -> str:
    return reminder.id


@attrs.frozen
class _Accounts:
    uow: MemoryUnitOfWork

    def add(self, entry: AccountEntry) -> None:
        self.uow.require_company(entry.company_id)
        key = (entry.company_id, entry.id)
        if key in self.uow.read("account_entries"):
            raise ConflictError(f"account entry {entry.id!r} exists")
        self.uow.write("account_entries")[key] = entry

    def for_customer(self, company_id: str, customer_id: str) -> list[AccountEntry]:
        entries: dict[tuple[str, str], AccountEntry] = self.uow.read("account_entries")
        found = [
            e
            for (cid, _), e in entries.items()
            if cid == company_id and e.customer_id == customer_id
        ]
        return sorted(found, key=lambda e: (e.date, e.recorded_at, e.id))

    def add_bank_entry(self, entry: BankEntry) -> bool:
        # one writer at a time (the store's write lock): a key is checked and taken at once
        self.uow.require_company(entry.company_id)
        entries = self.uow.write("bank_entries")  # a read-only unit of work refuses
        key = (entry.company_id, entry.key)
        if key in entries:
            return False
        entries[key] = entry
        return True

    def bank_entry(self, company_id: str, key: str) -> BankEntry | None:
        entry: BankEntry | None = self.uow.read("bank_entries").get((company_id, key))
        return entry

    def receipt(self, company_id: str, payment_id: str) -> BankEntry | None:
        # the first by key, should two entries name one payment
        entries: dict[tuple[str, str], BankEntry] = self.uow.read("bank_entries")
        found = [
            e
            for (cid, _), e in entries.items()
            if cid == company_id and payment_id in e.payment_ids
        ]
        return min(found, key=lambda e: e.key) if found else None

    def bank_entries(
        self,
        company_id: str,
        outcome: BankOutcome | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[BankEntry]:
        entries: dict[tuple[str, str], BankEntry] = self.uow.read("bank_entries")
        found = [
            e
            for (cid, key), e in entries.items()
            if cid == company_id
            and (outcome is None or e.outcome == outcome)
            and (after is None or key > after)
        ]
        found.sort(key=lambda e: e.key)
        return found[: max(limit, 0)]
