"""What every use case of the service layer shares: the store, the clock, the ids, and
the few steps each unit of work takes the same way.

A use case opens a unit of work on ``store``, reads what it needs (customers through
``directory``: the host's own CustomerDirectory when it plugged one in), applies a
transition of the aggregate, and writes the result with ``save`` (the document and its
events, each stamped with the actor by ``stamp``) before it commits, or changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from faktura.checks import check_id, check_text
from faktura.invoice import Invoice
from faktura.issued import ArchivedDocument, ArchiveKind
from faktura.ports import Clock, CustomerDirectory, Store, UnitOfWork
from faktura.records import InvoiceEvent

__all__ = ["Work", "check_actor", "check_ids", "first_archived"]


@attrs.frozen
class Work:
    """The store, clock and id factory of one Billing, and the steps its units of work
    share (see the module)."""

    store: Store
    clock: Clock
    ids: Callable[[], str]
    customers: CustomerDirectory | None = None

    def directory(self, uow: UnitOfWork) -> CustomerDirectory:
        """Where customers are read and written in ``uow``."""
        return self.customers if self.customers is not None else uow.customers

    def save(
        self, uow: UnitOfWork, before: Invoice | None, after: Invoice, *events: InvoiceEvent
    ) -> None:
        """Write ``after`` (new when ``before`` is None, else over the version read) and
        its ``events`` in ``uow``."""
        if before is None:
            uow.invoices.add(after)
        else:
            uow.invoices.update(after, before.version)
        for event in events:
            uow.events.append(after.company_id, event)

    def stamp(self, event: InvoiceEvent, actor: str | None) -> InvoiceEvent:
        """``event`` with the actor who caused it (unchanged for None)."""
        return event if actor is None else attrs.evolve(event, actor=actor)


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
