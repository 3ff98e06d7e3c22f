"""The delivery log as a send reads and writes it (``faktura.billing.sending``): what an
attempt answers, what a repeated idempotency key answers (the document's current
outcome over that channel and recipient), the ``dedup_id`` a retry after an unknown
outcome takes over, and the override address a delivered attempt writes onto the
customer. And what happens to the log outside a send: reading a document's attempts,
and a provider's later status (accepted, rejected, ...) applied to the attempt it
delivered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from faktura.billing.work import Work
from faktura.delivery.channel import DeliveryType, ProviderEvent, Recipient, RecipientKind
from faktura.delivery.einvoice import FAILED_STATUSES, PROVIDER_STATUSES
from faktura.delivery.log import AttemptState, DeliveryAttempt, DeliveryStatus, SendResult
from faktura.errors import NotFoundError
from faktura.invoice import Invoice
from faktura.lines import check_text
from faktura.ports import CustomerDirectory
from faktura.records import InvoiceEvent

__all__ = ["Deliveries", "current", "inherited_dedup_id", "persist_override", "result"]


@attrs.frozen
class Deliveries:
    """The delivery log of one Billing outside a send: a document's attempts, and the
    statuses a provider reports on an attempt after it delivered (an access point's
    webhook)."""

    _work: Work

    def status(self, company_id: str, invoice_id: str) -> DeliveryStatus:
        with self._work.store.unit_of_work(readonly=True) as uow:
            uow.invoices.get(company_id, invoice_id)
            return DeliveryStatus.of(invoice_id, uow.deliveries.for_invoice(company_id, invoice_id))

    def apply_provider_status(
        self,
        company_id: str,
        provider_reference: str,
        status: str,
        message: str | None,
        details: Mapping[str, str] | None,
    ) -> DeliveryAttempt:
        check_text(provider_reference, "document_id", required=True, limit=200)
        check_text(status, "status", required=True, limit=64)
        if message is not None:
            check_text(message, "message", limit=2000)
        # the provider's word in faktura's vocabulary; its own word stays in the details
        recorded = PROVIDER_STATUSES.get(status.strip().lower(), "unknown")
        event = ProviderEvent(
            recorded,
            self._work.clock.now(),
            message,
            {**(details or {}), "providerStatus": status},
        )
        rejected = recorded in FAILED_STATUSES
        with self._work.store.unit_of_work() as uow:
            attempt = uow.deliveries.by_reference(company_id, provider_reference)
            if attempt is None:
                raise NotFoundError("delivery", provider_reference)
            updated = attempt.with_event(event, rejected)
            uow.deliveries.update(updated)
            self._work.record(
                uow,
                company_id,
                InvoiceEvent(
                    attempt.invoice_id,
                    "delivery_rejected" if rejected else "delivery_status",
                    event.at,
                    {"status": event.status, "attempt": str(attempt.sequence)},
                ),
            )
            uow.commit()
        return updated


def result(attempt: DeliveryAttempt, invoice: Invoice) -> SendResult:
    """What a send answers for ``attempt`` of ``invoice``."""
    return SendResult(
        success=attempt.state is AttemptState.DELIVERED,
        delivery_type=attempt.delivery_type,
        attempt=attempt,
        number=invoice.number,
    )


def _same_route(
    attempts: Sequence[DeliveryAttempt], delivery_type: DeliveryType, recipient: Recipient
) -> list[DeliveryAttempt]:
    """The attempts over ``delivery_type`` to ``recipient``."""
    shown = recipient.display()
    return [
        a for a in attempts if a.delivery_type == delivery_type and a.recipient.display() == shown
    ]


def current(keyed: DeliveryAttempt, attempts: Sequence[DeliveryAttempt]) -> DeliveryAttempt:
    """What a repeated idempotency key answers: the document's current outcome over the
    keyed attempt's channel and recipient. The keyed attempt when it was delivered;
    else the newest later attempt of that channel and recipient that was delivered
    (e.g. recovered after a crash), else the newest later one still pending; else the
    keyed attempt itself (its failure, its unknown outcome)."""
    if keyed.state is AttemptState.DELIVERED:
        return keyed
    same = _same_route(attempts, keyed.delivery_type, keyed.recipient)
    later = [a for a in same if a.sequence > keyed.sequence]
    for state in (AttemptState.DELIVERED, AttemptState.PENDING):
        found = [a for a in later if a.state is state]
        if found:
            return max(found, key=lambda a: a.sequence)
    return keyed


def inherited_dedup_id(
    attempts: Sequence[DeliveryAttempt], delivery_type: DeliveryType, recipient: Recipient
) -> str | None:
    """The ``dedup_id`` a new attempt takes over: the newest earlier attempt's of the same
    channel and recipient, when that one's outcome is unknown."""
    same = _same_route(attempts, delivery_type, recipient)
    if not same:
        return None
    newest = max(same, key=lambda a: a.sequence)
    return newest.dedup_id if newest.state is AttemptState.UNKNOWN else None


def persist_override(
    directory: CustomerDirectory, attempt: DeliveryAttempt, customer_id: str
) -> None:
    """Write the override address of a delivered send onto the customer (onto the
    department when the EAN replaced a department's)."""
    recipient = attempt.recipient
    if recipient.source != "override":
        return
    customer = directory.get(attempt.company_id, customer_id)
    if recipient.kind is RecipientKind.EMAIL:
        changed = attrs.evolve(customer, email=recipient.address)
    elif recipient.department_id is not None:
        departments = tuple(
            attrs.evolve(d, ean=recipient.address) if d.id == recipient.department_id else d
            for d in customer.departments
        )
        changed = attrs.evolve(customer, departments=departments)
    else:
        changed = attrs.evolve(customer, ean=recipient.address)
    directory.update(changed)
