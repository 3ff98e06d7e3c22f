"""What every use case of the service layer shares: the store, the clock, the ids, and
the few steps each unit of work takes the same way.

A use case opens a unit of work on ``store``, reads what it needs (customers through
``directory``: the host's own CustomerDirectory when it plugged one in; API keys through
``api_keys``: either refuses with ConfigurationError when the store keeps none), applies a
transition of the aggregate, and writes the result with ``save`` (the document and its
events, each stamped with the actor by ``stamp``; ``record`` writes events, to the audit
trail and the outbox, where no document changes) before it commits, or changes nothing.
The checks of input that several use cases make alike (ids, the actor, a page and its
search, a command's type, payment terms) are here too.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from faktura.checks import check_id, check_text
from faktura.errors import ConfigurationError, ValidationError
from faktura.invoice import Invoice
from faktura.issued import ArchivedDocument, ArchiveKind
from faktura.outbox import OutboxMessage
from faktura.ports import (
    MAX_PAGE_SIZE,
    ApiKeyRepository,
    Clock,
    CustomerDirectory,
    Store,
    UnitOfWork,
)
from faktura.records import InvoiceEvent
from faktura.terms import PaymentTerms

__all__ = [
    "Work",
    "as_terms",
    "check_actor",
    "check_ids",
    "check_search",
    "command",
    "first_archived",
    "new_id",
    "page_args",
]


@attrs.frozen
class Work:
    """The store, clock and id factory of one Billing, and the steps its units of work
    share (see the module)."""

    store: Store
    clock: Clock
    ids: Callable[[], str]
    customers: CustomerDirectory | None = None

    def directory(self, uow: UnitOfWork) -> CustomerDirectory:
        """Where customers are read and written in ``uow``. Raises ConfigurationError
        when the store keeps no customers (``uow.customers`` None) and Billing was given
        no directory of its own."""
        directory = self.customers if self.customers is not None else uow.customers
        if directory is None:
            raise ConfigurationError(
                "the store keeps no customers (its unit of work's customers is None): "
                "give Billing a CustomerDirectory of the host's (Billing(customers=...))"
            )
        return directory

    def api_keys(self, uow: UnitOfWork) -> ApiKeyRepository:
        """The API keys of ``uow``. Raises ConfigurationError when the store keeps none
        (``uow.api_keys`` None): the host authenticates its users itself."""
        if uow.api_keys is None:
            raise ConfigurationError(
                "the store keeps no API keys (its unit of work's api_keys is None): "
                "API keys need a store that keeps them"
            )
        return uow.api_keys

    def save(
        self, uow: UnitOfWork, before: Invoice | None, after: Invoice, *events: InvoiceEvent
    ) -> None:
        """Write ``after`` (new when ``before`` is None, else over the version read) and
        its ``events`` in ``uow``."""
        if before is None:
            uow.invoices.add(after)
        else:
            uow.invoices.update(after, before.version)
        self.record(uow, after.company_id, *events)

    def record(self, uow: UnitOfWork, company_id: str, *events: InvoiceEvent) -> None:
        """Append ``events`` of a document of the company to the audit trail and, in the
        same unit of work, an outbox message for each (``faktura.outbox``): the change
        and the news of it commit together or not at all. Each message's id is new
        (``evt_`` and a ``new_id``, whatever ids the host gives its documents) and never
        changes: subscribers de-duplicate by it."""
        # an event log that can write both in one statement says so (faktura's SQL
        # stores: on PostgreSQL one round trip, inside the booking's lock)
        both = getattr(uow.events, "append_with_message", None)
        for event in events:
            message = OutboxMessage.of(f"evt_{new_id()}", company_id, event)
            if both is not None:
                both(company_id, event, message)
            else:
                uow.events.append(company_id, event)
                uow.outbox.add(message)

    def stamp(self, event: InvoiceEvent, actor: str | None) -> InvoiceEvent:
        """``event`` with the actor who caused it (unchanged for None)."""
        return event if actor is None else attrs.evolve(event, actor=actor)


def new_id() -> str:
    """A new id: 32 hex digits, the first 12 the milliseconds since 1970, the rest random.

    Ids in creation order keep lists cheap to maintain: within a day, documents are
    listed by id (newest first), so a new one goes on top instead of somewhere in the
    middle, where every later one would have to move down a place.
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def check_ids(**ids: object) -> None:
    """A ValidationError naming the first argument that is no id (text, one line, no
    control characters): checked before the store is asked."""
    for field, value in ids.items():
        check_id(value, field)


def check_actor(actor: object) -> None:
    """A ValidationError unless ``actor`` is None or one line of text."""
    if actor is not None:
        check_text(actor, "actor", required=True, limit=200, one_line=True)


def first_archived(
    documents: Iterable[ArchivedDocument], kind: ArchiveKind
) -> ArchivedDocument | None:
    """The oldest archived file of ``kind`` among ``documents`` (oldest first)."""
    return next((document for document in documents if document.kind is kind), None)


def command(value: Any, kind: type, name: str) -> Any:
    """``value`` when it is a ``kind``; a ValidationError naming ``name`` otherwise."""
    if not isinstance(value, kind):
        raise ValidationError(f"must be a {kind.__name__}", field=name, rule="type")
    return value


def as_terms(value: Any) -> PaymentTerms:
    """Payment terms given as terms or as whole days net."""
    return value if isinstance(value, PaymentTerms) else PaymentTerms.net(value)


def page_args(page: object, limit: object) -> tuple[int, int]:
    """``page`` and ``limit`` of a listed page, a ValidationError naming the bad one."""
    for name, value, high in (("page", page, 10**9), ("limit", limit, MAX_PAGE_SIZE)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise ValidationError(f"must be a whole number 1-{high}", field=name, rule="range")
    return page, limit  # type: ignore[return-value]


def check_search(search: object) -> None:
    """A ValidationError unless ``search`` is None or text of at most 200 characters."""
    if search is not None and (not isinstance(search, str) or len(search) > 200):
        raise ValidationError(
            "must be text of at most 200 characters", field="search", rule="length"
        )
