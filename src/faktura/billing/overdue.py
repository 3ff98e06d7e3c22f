"""Overdue news: an "overdue" event for each document that has fallen past its due date.

Nothing about a document changes when its due date passes, so no use case writes an
event then; ``report_overdue`` does, once per document: it reads the company's overdue
list (owed and due before ``today``, ``faktura.ports.OVERDUE``) and, for each document
whose audit trail holds no "overdue" event yet, appends one with its due date and what is
still owed, in the same unit of work as its outbox message. A host runs it daily (the
CLI's ``faktura run`` does it after billing); running it again reports nothing twice.
"""

from __future__ import annotations

from datetime import date

import attrs

from faktura.billing.work import Work
from faktura.ports import OVERDUE, InvoiceQuery
from faktura.records import InvoiceEvent

__all__ = ["OverdueNews"]

#: The event a document's first day past due writes.
OVERDUE_EVENT = "overdue"


@attrs.frozen
class OverdueNews:
    """The overdue use case of one Billing (see the module)."""

    work: Work

    def report(self, company_id: str, today: date, actor: str | None) -> int:
        """Append an "overdue" event to each overdue document without one; how many."""
        reported = 0
        page = 1
        while True:
            query = InvoiceQuery(page=page, limit=100, status=OVERDUE, today=today, kind=None)
            with self.work.store.unit_of_work() as uow:
                listed = uow.invoices.list(company_id, query)
                at = self.work.clock.now()
                for summary in listed.items:
                    trail = uow.events.for_invoice(company_id, summary.id)
                    if any(event.type == OVERDUE_EVENT for event in trail):
                        continue
                    owed = summary.payable - summary.paid
                    event = InvoiceEvent(
                        summary.id,
                        OVERDUE_EVENT,
                        at,
                        {"dueDate": summary.due_date.isoformat(), "outstanding": str(owed)},
                    )
                    self.work.record(uow, company_id, self.work.stamp(event, actor))
                    reported += 1
                uow.commit()
            if len(listed.items) < query.limit:
                return reported
            page += 1
