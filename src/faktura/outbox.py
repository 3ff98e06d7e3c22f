"""The outbox: every event of a document, written in the unit of work of its change, kept
until each subscriber of the company has been handed it; and the webhook endpoints a
company subscribes with.

A use case that changes a document appends its events to the audit trail and, in the same
unit of work, an ``OutboxMessage`` per event (``faktura.billing.work.Work.record``): the
change and the news of it commit together or not at all. The dispatcher
(``faktura.billing.dispatch``) hands each message to the host's callback and to each of
the company's enabled ``WebhookEndpoint`` s that asked for its type, retrying a failed
hand-off with backoff (``BACKOFF``, about 30 hours in all) until it succeeds or gives up.
Delivery is at least once: a subscriber de-duplicates by the message's ``id``, which never
changes.

Everything here is pure data; the store keeps it (``faktura.ports.Outbox``,
``faktura.ports.WebhookEndpoints``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from faktura.checks import check_bool, check_id, check_text, check_timestamp
from faktura.errors import ValidationError
from faktura.records import InvoiceEvent

__all__ = [
    "BACKOFF",
    "CALLBACK",
    "EVENT_TYPES",
    "Handoff",
    "OutboxMessage",
    "WebhookEndpoint",
    "next_attempt",
]

#: The subscriber name of the host's in-process callback (``Dispatcher(callback=...)``).
CALLBACK = "callback"

#: The waits before each retry of a failed hand-off: the n-th failure waits
#: ``BACKOFF[n - 1]``; after the last one the hand-off is given up. About 30 hours in
#: all, so a receiver that is down for a day still gets every event.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=8),
    timedelta(hours=8),
)

#: The event types a document's changes write (what a webhook endpoint may ask for).
EVENT_TYPES: frozenset[str] = frozenset(
    {
        "created",
        "updated",
        "attachments_changed",
        "scheduled",
        "unscheduled",
        "booked",
        "delivered",
        "delivery_failed",
        "delivery_unknown",
        "delivery_status",
        "delivery_rejected",
        "paid",
        "partially_paid",
        "payment_recorded",
        "payment_reversed",
        "refunded",
        "overdue",
        "reminder_created",
        "reminder_sent",
        "credited",
        "credit_released",
        "cancelled",
        "marked_uncollectible",
    }
)


def next_attempt(failures: int, at: datetime) -> datetime | None:
    """When to try again after the ``failures``-th failed hand-off at ``at``; None when
    it is given up (after ``len(BACKOFF)`` failures)."""
    if failures < 1:
        raise ValueError("failures counts from 1")
    if failures > len(BACKOFF):
        return None
    return at + BACKOFF[failures - 1]


@attrs.frozen
class Handoff:
    """Where one message stands with one subscriber (the callback or an endpoint id)."""

    subscriber: str
    attempts: int = 0
    next_at: datetime | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str | None = None

    @property
    def open(self) -> bool:
        """Neither handed over nor given up."""
        return self.delivered_at is None and self.failed_at is None

    def delivered(self, at: datetime) -> Handoff:
        return attrs.evolve(self, attempts=self.attempts + 1, delivered_at=at, next_at=None)

    def failed(self, at: datetime, error: str) -> Handoff:
        """One more failed attempt at ``at``: retried later, or given up after the last
        wait of ``BACKOFF``."""
        attempts = self.attempts + 1
        retry = next_attempt(attempts, at)
        return attrs.evolve(
            self,
            attempts=attempts,
            next_at=retry,
            failed_at=at if retry is None else None,
            last_error=error[:500],
        )


@attrs.frozen
class OutboxMessage:
    """An event waiting to be handed to the company's subscribers.

    ``next_at``: when the dispatcher takes it up next (the earliest retry of its open
    hand-offs); None once every hand-off is delivered or given up. ``handoffs`` is empty
    until the dispatcher first takes the message up and fans it out to the subscribers of
    that moment.
    """

    id: str
    company_id: str
    event: InvoiceEvent
    next_at: datetime | None
    handoffs: tuple[Handoff, ...] = ()
    fanned_out: bool = False

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        if self.next_at is not None:
            check_timestamp(self.next_at, "next_at")

    @classmethod
    def of(cls, id: str, company_id: str, event: InvoiceEvent) -> OutboxMessage:
        """A new message for ``event``, due at once."""
        return cls(id, company_id, event, event.at)

    def with_handoffs(self, handoffs: Sequence[Handoff]) -> OutboxMessage:
        """The message with ``handoffs``; due at the earliest open one's retry, finished
        (``next_at`` None) when none is open."""
        due = [h.next_at for h in handoffs if h.open and h.next_at is not None]
        return attrs.evolve(
            self, handoffs=tuple(handoffs), fanned_out=True, next_at=min(due) if due else None
        )

    @property
    def delivered(self) -> bool:
        """Fanned out and handed to every subscriber."""
        return self.fanned_out and all(h.delivered_at is not None for h in self.handoffs)

    def wire(self) -> dict[str, object]:
        """What a subscriber receives: the JSON body of a webhook, the callback's
        argument."""
        event = self.event
        return {
            "id": self.id,
            "type": event.type,
            "companyId": self.company_id,
            "invoiceId": event.invoice_id,
            "createdAt": event.at.isoformat(),
            "actor": event.actor,
            "data": dict(event.data),
        }


@attrs.frozen
class WebhookEndpoint:
    """A company's webhook: where its events are POSTed, signed with ``secret``
    (``faktura.webhooks.sign``). ``events`` empty: every type."""

    id: str
    company_id: str
    url: str
    secret: str = attrs.field(repr=False)
    created_at: datetime
    events: frozenset[str] = frozenset()
    enabled: bool = True
    description: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        check_text(self.url, "url", required=True, limit=2000, one_line=True)
        if not self.url.startswith(("https://", "http://")):
            raise ValidationError("must be an http(s) URL", field="url", rule="url")
        check_text(self.secret, "secret", required=True, limit=200, one_line=True)
        check_timestamp(self.created_at, "created_at")
        if not isinstance(self.events, frozenset):
            object.__setattr__(self, "events", frozenset(self.events))
        unknown = sorted(set(self.events) - EVENT_TYPES)
        if unknown:
            raise ValidationError(
                f"unknown event types {unknown} (known: {', '.join(sorted(EVENT_TYPES))})",
                field="events",
                rule="event_type",
            )
        check_bool(self.enabled, "enabled")
        if self.description is not None:
            check_text(self.description, "description", limit=200, one_line=True)

    def wants(self, event_type: str) -> bool:
        return self.enabled and (not self.events or event_type in self.events)
