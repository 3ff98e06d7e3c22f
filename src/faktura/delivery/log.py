"""The per-attempt delivery log and the delivery status summary (pure).

Every send writes one DeliveryAttempt: ``pending`` in the transaction that books the
document (so a crash between booking and delivery leaves a trace), then ``delivered``,
``failed`` (nothing arrived, or the peer refused it) or ``unknown`` (the document may or
may not have arrived: the connection dropped after the whole message was handed over,
the answer did not come in time, the process stopped mid-delivery). Provider events
(an access point's "accepted", "rejected") are appended to the attempt they concern; a provider's
rejection turns a delivered attempt into a failed one.

The summary a user sees (DeliveryStatus) is derived from the attempts, never stored:

- ``not_sent``: no attempt;
- ``pending``: the newest attempt has no outcome yet;
- ``delivered``: an attempt was delivered (and not rejected by the provider since);
- ``unknown``: none was delivered and the newest one's outcome is unknown;
- ``failed``: attempts were made, none delivered.

``dedup_id`` names the document's copy on the wire (the email's Message-ID is made from
it). A retry after an ``unknown`` attempt of the same channel and recipient inherits it,
so a second copy is recognisably the same message.

An attempt's ``delivery_type`` is any delivery type key (a host's own channels' too); an
attempt an earlier version recorded as "sproom" reads back as ``DeliveryType.EINVOICE``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import attrs

from faktura.delivery.channel import DeliveryType, ProviderEvent, Recipient, RecipientKind
from faktura.issued import ArchiveKind

__all__ = [
    "AttemptState",
    "DeliveryAttempt",
    "DeliveryState",
    "DeliveryStatus",
    "SendResult",
    "SentDocument",
]


class AttemptState(enum.StrEnum):
    """Where one attempt stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    #: The outcome is not known: the document may or may not have arrived.
    UNKNOWN = "unknown"


class DeliveryState(enum.StrEnum):
    """The summary state of a document's deliveries."""

    NOT_SENT = "not_sent"
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"


@attrs.frozen
class SentDocument:
    """A file an attempt carried: its kind and its sha256 in the archive."""

    kind: ArchiveKind
    sha256: str


@attrs.frozen
class DeliveryAttempt:
    """One try to deliver one document over one channel.

    ``request`` is a fingerprint of the send's parameters: an idempotency key reused
    with different parameters is a conflict, not a repeat.
    """

    id: str
    company_id: str
    invoice_id: str
    sequence: int
    #: Checked and read as a DeliveryType ("sproom", as earlier versions stored the
    #: e-invoice type, is EINVOICE).
    delivery_type: DeliveryType = attrs.field(converter=DeliveryType)
    recipient: Recipient
    started_at: datetime
    state: AttemptState = AttemptState.PENDING
    finished_at: datetime | None = None
    provider_reference: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool = False
    events: tuple[ProviderEvent, ...] = ()
    idempotency_key: str | None = None
    request: str = ""
    template_id: str | None = None
    update_customer_record: bool = False
    #: The send's ``attach_pdf`` (None: as the document was issued), so that a retry
    #: carries the same e-invoice.
    attach_pdf: bool | None = None
    #: The files the attempt carried (PDF, UBL, the email as sent), by archive digest.
    documents: tuple[SentDocument, ...] = ()
    #: What identifies this copy at the receiving end (the email's Message-ID is made
    #: from it); shared with the attempt before it when that one's outcome was unknown.
    dedup_id: str | None = None

    def delivered(self, at: datetime, provider_reference: str | None) -> DeliveryAttempt:
        """The attempt, delivered."""
        return attrs.evolve(
            self,
            state=AttemptState.DELIVERED,
            finished_at=at,
            provider_reference=provider_reference,
            error_code=None,
            error_message=None,
            retryable=False,
        )

    def failed(self, at: datetime, code: str, message: str, retryable: bool) -> DeliveryAttempt:
        """The attempt, failed with a typed error."""
        return attrs.evolve(
            self,
            state=AttemptState.FAILED,
            finished_at=at,
            error_code=code,
            error_message=message,
            retryable=retryable,
        )

    def unknown(self, at: datetime, code: str, message: str) -> DeliveryAttempt:
        """The attempt, its outcome unknown: the document may or may not have arrived.
        A retry is allowed (and carries the same ``dedup_id``)."""
        return attrs.evolve(self.failed(at, code, message, True), state=AttemptState.UNKNOWN)

    def with_event(self, event: ProviderEvent, rejected: bool) -> DeliveryAttempt:
        """The attempt with a provider event appended; ``rejected`` fails it."""
        changed = attrs.evolve(self, events=(*self.events, event))
        if rejected:
            return attrs.evolve(
                changed,
                state=AttemptState.FAILED,
                error_code="provider_rejected",
                error_message=event.message or f"the provider reported {event.status!r}",
                retryable=False,
            )
        return changed


@attrs.frozen
class DeliveryStatus:
    """A document's deliveries: the summary and every attempt, oldest first."""

    invoice_id: str
    attempts: tuple[DeliveryAttempt, ...]

    @classmethod
    def of(cls, invoice_id: str, attempts: Sequence[DeliveryAttempt]) -> DeliveryStatus:
        return cls(invoice_id, tuple(sorted(attempts, key=lambda a: a.sequence)))

    @property
    def last(self) -> DeliveryAttempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def state(self) -> DeliveryState:
        last = self.last
        if last is None:
            return DeliveryState.NOT_SENT
        if last.state is AttemptState.PENDING:
            return DeliveryState.PENDING
        if self.delivered_at is not None:
            return DeliveryState.DELIVERED
        if last.state is AttemptState.UNKNOWN:
            return DeliveryState.UNKNOWN
        return DeliveryState.FAILED

    @property
    def delivered_at(self) -> datetime | None:
        """When the document was first delivered (by an attempt still standing)."""
        times = [
            a.finished_at
            for a in self.attempts
            if a.state is AttemptState.DELIVERED and a.finished_at is not None
        ]
        return min(times) if times else None

    @property
    def last_error(self) -> str | None:
        failed = [
            a for a in self.attempts if a.state in (AttemptState.FAILED, AttemptState.UNKNOWN)
        ]
        return failed[-1].error_message if failed else None


@attrs.frozen
class SendResult:
    """What a send answers (the reference API's success, deliveryType, sproomDocumentId), with
    the attempt it made (or, for a repeated idempotency key, the stored one)."""

    success: bool
    delivery_type: DeliveryType = attrs.field(converter=DeliveryType)
    attempt: DeliveryAttempt
    number: str | None

    @property
    def outcome_unknown(self) -> bool:
        """Whether the document may or may not have arrived (see ``AttemptState.UNKNOWN``)."""
        return self.attempt.state is AttemptState.UNKNOWN

    @property
    def access_point_document_id(self) -> str | None:
        """The access point's id of the document when it went out as a Peppol e-invoice
        (the reference API's ``sproomDocumentId``), else None; every channel's reference
        is ``attempt.provider_reference``."""
        if self.attempt.recipient.kind is RecipientKind.PEPPOL:
            return self.attempt.provider_reference
        return None

    @property
    def sproom_document_id(self) -> str | None:
        """``access_point_document_id`` by the reference API's name."""
        return self.access_point_document_id
