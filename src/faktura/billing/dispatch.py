"""The dispatcher: hands the outbox's events to the host's callback and POSTs them to the
companies' webhook endpoints, retrying failed hand-offs with backoff.

One round (``Dispatcher.dispatch_once``) takes three steps:

1. In a short writing unit of work it takes up to ``batch`` due messages
   (``Outbox.due``), fans each new one out (a hand-off to the callback, when one is
   configured, and one per enabled endpoint of the company that wants the event's type)
   and *leases* them: their ``next_at`` moves ``lease`` ahead, and it commits. A
   dispatcher killed after this step leaves its messages to come due again once the
   lease is over, so nothing is lost.
2. Outside any transaction it calls the callback with each message's wire form
   (``OutboxMessage.wire``; an exception is a failed hand-off) and POSTs it, signed
   with the endpoint's secret (``faktura.webhooks``), to each endpoint whose hand-off is
   open and due.
3. In a second short unit of work it writes every hand-off's outcome: a message handed to
   every subscriber is removed; one with an open hand-off waits for its retry
   (``faktura.outbox.BACKOFF``); one whose hand-offs are all delivered or given up stays,
   no longer due, listed by ``Outbox.finished``. A message another dispatcher has
   finished meanwhile is skipped.

So delivery is at least once: a subscriber may see an event twice (after a crash
between 2 and 3, or when an answer is lost), always with the same id, and de-duplicates
by it. ``lease`` must be longer than a round takes (``batch`` × endpoints × ``timeout``
at the worst), or a second dispatcher may take a message still being handed over (a
duplicate, not a loss).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs

from faktura.errors import ConflictError, NotFoundError, StorageError, ValidationError
from faktura.outbox import CALLBACK, Handoff, OutboxMessage, WebhookEndpoint
from faktura.ports import Clock, Store, UnitOfWork
from faktura.webhooks import Sender, post, webhook_headers

__all__ = ["Callback", "DispatchReport", "Dispatcher"]

#: The host's in-process subscriber: called with an event's wire form
#: (``OutboxMessage.wire``); returning is a hand-off, raising a failed one (retried).
Callback = Callable[[dict[str, object]], object]


@attrs.frozen
class DispatchReport:
    """What one round did: ``taken`` messages; hand-offs ``handed`` to the callback,
    ``delivered`` to endpoints, failed and to be ``retried``, failed and ``given_up``;
    messages ``removed`` (handed to every subscriber)."""

    taken: int = 0
    handed: int = 0
    delivered: int = 0
    retried: int = 0
    given_up: int = 0
    removed: int = 0


@attrs.frozen
class _Taken:
    message: OutboxMessage  # fanned out, as leased
    endpoints: Mapping[str, WebhookEndpoint]  # the company's, by id


def body_of(message: OutboxMessage) -> bytes:
    """The webhook body of ``message``: its wire form as compact UTF-8 JSON."""
    return json.dumps(message.wire(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _given_up(handoff: Handoff, at: datetime, error: str) -> Handoff:
    """A hand-off that no retry can help (its endpoint was deleted)."""
    return attrs.evolve(
        handoff,
        attempts=handoff.attempts + 1,
        next_at=None,
        failed_at=at,
        last_error=error[:500],
    )


class Dispatcher:
    """Hands the outbox's messages to the subscribers; see the module.

    ``callback``: the host's in-process subscriber (``Callback``), or None. ``sender``
    POSTs a webhook (``faktura.webhooks.post`` by default). ``batch``: messages per
    round; ``lease``: how long a taken message is held before it comes due again;
    ``timeout``: seconds a POST may wait for each step. Raises ValidationError for a
    bad ``batch``, ``lease`` or ``timeout``.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        callback: Callback | None = None,
        *,
        sender: Sender = post,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=5),
        timeout: float = 10.0,
    ) -> None:
        if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 10_000:
            raise ValidationError("must be a whole number 1-10000", field="batch", rule="range")
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise ValidationError("must be a positive timedelta", field="lease", rule="range")
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= 600
        ):
            raise ValidationError("must be 0-600 seconds", field="timeout", rule="range")
        if callback is not None and not callable(callback):
            raise ValidationError("must be callable", field="callback", rule="type")
        from faktura import __version__

        self.store = store
        self.clock = clock
        self.callback = callback
        self.sender = sender
        self.batch = batch
        self.lease = lease
        self.timeout = float(timeout)
        self.user_agent = f"faktura/{__version__}"

    # -- one round ------------------------------------------------------------------------

    def dispatch_once(self) -> DispatchReport:
        """Take the due messages, hand them over, record the outcomes (see the module).
        Raises StorageError when the store fails (nothing is lost: leased messages come
        due again)."""
        now = self.clock.now()
        taken, removed = self._take(now)
        if not taken:
            return DispatchReport(removed=removed)
        down: dict[str, str] = {}  # endpoints that gave no answer in this round
        outcomes = [self._hand_over(item, now, down) for item in taken]
        counts = _count(outcomes)
        removed += self._record(outcomes)
        return attrs.evolve(counts, taken=len(taken), removed=removed)

    def _take(self, now: datetime) -> tuple[list[_Taken], int]:
        taken: list[_Taken] = []
        removed = 0
        with self.store.unit_of_work() as uow:
            endpoints: dict[str, dict[str, WebhookEndpoint]] = {}
            for message in uow.outbox.due(now, self.batch):
                company = endpoints.get(message.company_id)
                if company is None:
                    company = {e.id: e for e in uow.webhooks.for_company(message.company_id)}
                    endpoints[message.company_id] = company
                if not message.fanned_out:
                    message = message.with_handoffs(self._fan_out(message, company, now))
                    if message.delivered:  # nobody subscribes: nothing to hand over
                        uow.outbox.remove(message.company_id, message.id)
                        removed += 1
                        continue
                leased = attrs.evolve(message, next_at=now + self.lease)
                uow.outbox.update(leased)
                taken.append(_Taken(leased, company))
            uow.commit()
        return taken, removed

    def _fan_out(
        self, message: OutboxMessage, endpoints: Mapping[str, WebhookEndpoint], now: datetime
    ) -> list[Handoff]:
        handoffs = [Handoff(CALLBACK, next_at=now)] if self.callback is not None else []
        handoffs += [
            Handoff(endpoint.id, next_at=now)
            for endpoint in endpoints.values()
            if endpoint.wants(message.event.type)
        ]
        return handoffs

    def _hand_over(
        self, item: _Taken, now: datetime, down: dict[str, str]
    ) -> tuple[OutboxMessage, dict[str, Handoff]]:
        """The message as leased and the hand-offs attempted now, by subscriber, with
        their outcomes. An endpoint that gave no answer (a timeout, a refused or dropped
        connection) is not tried again in the same round: its later hand-offs fail with
        that error at once, so one endpoint that hangs cannot hold a round up for
        ``batch`` × ``timeout``."""
        message = item.message
        done: dict[str, Handoff] = {}
        body: bytes | None = None
        for handoff in message.handoffs:
            if not handoff.open or handoff.next_at is None or handoff.next_at > now:
                continue
            subscriber = handoff.subscriber
            if subscriber == CALLBACK:
                done[subscriber] = self._call(handoff, message)
                continue
            endpoint = item.endpoints.get(subscriber)
            if endpoint is None:
                done[subscriber] = _given_up(handoff, now, "the endpoint was deleted")
                continue
            if not endpoint.enabled:
                done[subscriber] = handoff.failed(now, "the endpoint is disabled")
                continue
            if subscriber in down:
                done[subscriber] = handoff.failed(now, down[subscriber])
                continue
            if body is None:
                body = body_of(message)
            at = self.clock.now()  # signed when sent: a long round signs no stale times
            headers = webhook_headers(
                endpoint.secret, message.id, body, int(at.timestamp()), self.user_agent
            )
            outcome = self.sender(endpoint.url, body, headers, self.timeout)
            if outcome.delivered:
                done[subscriber] = handoff.delivered(at)
                continue
            error = outcome.error or "not delivered"
            if outcome.status is None:
                down[subscriber] = f"not tried: no answer earlier in this round ({error})"
            done[subscriber] = handoff.failed(at, error)
        return message, done

    def _call(self, handoff: Handoff, message: OutboxMessage) -> Handoff:
        now = self.clock.now()
        if self.callback is None:
            return handoff.failed(now, "no callback is configured")
        try:
            self.callback(message.wire())
        except Exception as exc:  # the host's code: any failure is a failed hand-off
            return handoff.failed(now, f"{type(exc).__name__}: {exc}")
        return handoff.delivered(now)

    def _record(self, outcomes: list[tuple[OutboxMessage, dict[str, Handoff]]]) -> int:
        """Write the outcomes; the number of messages removed. Per message when the batch
        as a whole conflicts with another dispatcher."""
        try:
            with self.store.unit_of_work() as uow:
                removed = sum(_write(uow, message, done) for message, done in outcomes)
                uow.commit()
            return removed
        except ConflictError:
            pass
        removed = 0
        for message, done in outcomes:
            try:
                with self.store.unit_of_work() as uow:
                    gone = _write(uow, message, done)
                    uow.commit()
                removed += gone
            except ConflictError:
                continue
        return removed

    # -- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event, idle: float = 1.0) -> None:
        """Dispatch until ``stop`` is set: round after round while messages are due,
        waiting ``idle`` seconds when none is (or when the store is unreachable for a
        moment: a retryable StorageError). Raises a StorageError no retry can cure."""
        while not stop.is_set():
            try:
                report = self.dispatch_once()
            except StorageError as err:
                if not err.retryable:
                    raise
                stop.wait(idle)
                continue
            if report.taken + report.removed < self.batch:  # fewer were due than a batch
                stop.wait(idle)


def _write(uow: UnitOfWork, leased: OutboxMessage, done: Mapping[str, Handoff]) -> int:
    """Merge ``done`` into the stored message, then remove it (handed to everyone: 1)
    or update it (0). A hand-off another dispatcher has moved on meanwhile (this one's
    lease ran out) keeps what that one wrote; a message gone meanwhile is skipped."""
    try:
        current = uow.outbox.get(leased.company_id, leased.id)
    except NotFoundError:
        return 0
    as_leased = {h.subscriber: h for h in leased.handoffs}
    handoffs = [
        done[h.subscriber] if h.subscriber in done and h == as_leased.get(h.subscriber) else h
        for h in current.handoffs
    ]
    finished = current.with_handoffs(handoffs)
    try:
        if finished.delivered:
            uow.outbox.remove(finished.company_id, finished.id)
            return 1
        uow.outbox.update(finished)
    except NotFoundError:
        return 0
    return 0


def _count(outcomes: list[tuple[OutboxMessage, dict[str, Handoff]]]) -> DispatchReport:
    handed = delivered = retried = given_up = 0
    for _, done in outcomes:
        for subscriber, handoff in done.items():
            if handoff.delivered_at is not None:
                if subscriber == CALLBACK:
                    handed += 1
                else:
                    delivered += 1
            elif handoff.failed_at is not None:
                given_up += 1
            else:
                retried += 1
    return DispatchReport(handed=handed, delivered=delivered, retried=retried, given_up=given_up)
