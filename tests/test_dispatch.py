"""The dispatcher (faktura.billing.dispatch) and the webhook sender (faktura.webhooks.post)
against a real local HTTP receiver (tests/webhook_receiver.py), over real stores: the
events of real use cases reach the callback and the endpoints, signed; failures are
retried on the backoff schedule (time driven by a ManualClock) until given up; a
dispatcher killed mid-flight loses nothing; and the webhook endpoints' use cases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from faktura.billing import Billing
from faktura.billing.dispatch import Dispatcher, DispatchReport
from faktura.commands import CompanyProfile, NewCustomer
from faktura.errors import ConfigurationError, NotFoundError, ValidationError
from faktura.outbox import BACKOFF, OutboxMessage, WebhookEndpoint
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.webhooks import SIGNATURE_HEADER, post, sign, verify
from faktura.wire import new_draft
from webhook_receiver import Receiver

pytest_plugins = ["pg_fixture"]

SRC = Path(__file__).parents[1] / "src"
TIMEOUT = 1.0  # seconds a POST may wait here: the hanging receiver waits longer


def unix(clock: ManualClock) -> int:
    return int(clock.now().timestamp())


@attrs.define
class World:
    billing: Billing
    store: Store
    clock: ManualClock
    company_id: str
    customer_id: str
    receiver: Receiver
    calls: list[dict[str, object]] = attrs.field(factory=list)

    def draft(self) -> str:
        data = {
            "customerId": self.customer_id,
            "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
        }
        return self.billing.create_draft(self.company_id, new_draft(data)).id

    def booked(self) -> str:
        invoice_id = self.draft()
        self.billing.book(self.company_id, invoice_id)
        return invoice_id

    def endpoint(self, path: str = "/hook", events: tuple[str, ...] = ()) -> WebhookEndpoint:
        endpoint, secret = self.billing.create_webhook_endpoint(
            self.company_id, self.receiver.url + path, events
        )
        self.receiver.secrets.append(secret)
        return endpoint

    def dispatcher(self, callback: bool = False, **options: Any) -> Dispatcher:
        options.setdefault("timeout", TIMEOUT)
        return self.billing.dispatcher(self.calls.append if callback else None, **options)

    def pending(self) -> list[OutboxMessage]:
        """Every message still in the outbox that is due some time."""
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.outbox.due(self.clock.now() + timedelta(days=400), 10_000)

    def finished(self) -> list[OutboxMessage]:
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.outbox.finished(self.company_id)


def make_world(store: Store, receiver: Receiver, clock: ManualClock | None = None) -> World:
    clock = clock or ManualClock()
    billing = Billing(store, clock)
    company = billing.create_company(
        CompanyProfile(name="Nordlys ApS", address=SELLER_ADDRESS, cvr="13585628")
    )
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS, number="1001")
    )
    return World(billing, store, clock, company.id, customer.id, receiver)


def open_kind(kind: str, request: pytest.FixtureRequest, path: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(path / "f.db", create=True)
    return open_store(request.getfixturevalue("pg_url"), create=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([], lambda: 0) as server:
        yield server


def _world(store: Store, receiver: Receiver) -> World:
    w = make_world(store, receiver)
    receiver.now = lambda: unix(w.clock)  # signatures are made at the ManualClock's time
    return w


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def w(request: pytest.FixtureRequest, tmp_path: Path, receiver: Receiver) -> Iterator[World]:
    store = open_kind(request.param, request, tmp_path)
    yield _world(store, receiver)
    store.close()


@pytest.fixture
def mw(receiver: Receiver) -> Iterator[World]:
    """On the memory store alone: what does not depend on the store."""
    store = MemoryStore()
    yield _world(store, receiver)
    store.close()


def run_until_quiet(w: World, dispatcher: Dispatcher) -> list[DispatchReport]:
    """Dispatch, moving the clock to each next retry, until nothing is due any more."""
    reports = []
    for _ in range(100):
        reports.append(dispatcher.dispatch_once())
        pending = [m.next_at for m in w.pending() if m.next_at is not None]
        if not pending:
            return reports
        w.clock.current = max(w.clock.current, min(pending))
    raise AssertionError("the outbox never became quiet")


# -- the sender, against the real receiver ---------------------------------------------------


def _send(receiver: Receiver, secret: str = "whsec_s") -> Any:
    receiver.secrets[:] = [secret]
    body = b'{"id":"m-1"}'
    headers = {
        "Content-Type": "application/json",
        "Faktura-Event-Id": "m-1",
        SIGNATURE_HEADER: sign(secret, body, receiver.now()),
    }
    return post(receiver.url + "/hook", body, headers, TIMEOUT)


def test_post_is_delivered_on_2xx(mw: World) -> None:
    outcome = _send(mw.receiver)
    assert (outcome.delivered, outcome.status, outcome.error) == (True, 200, None)
    [got] = mw.receiver.received
    assert got.verified
    assert got.event_id == "m-1"
    assert got.body == b'{"id":"m-1"}'


def test_post_failures_are_outcomes_never_exceptions(mw: World) -> None:
    receiver = mw.receiver
    receiver.fail_next(1, 503)
    assert _send(receiver).error == "HTTP 503 Service Unavailable"
    receiver.fail_next(1, 404)
    assert _send(receiver).status == 404
    receiver.hang_next(1, seconds=TIMEOUT * 3)
    outcome = _send(receiver)
    assert not outcome.delivered
    assert outcome.error == f"timed out after {TIMEOUT:g} s"
    receiver.slow_next(1, seconds=TIMEOUT / 4)
    assert _send(receiver).delivered  # slow, but within the timeout
    receiver.drop_next(1)
    outcome = _send(receiver)
    assert not outcome.delivered
    assert outcome.status is None
    assert outcome.error is not None
    assert outcome.error.startswith("connection closed")
    receiver.fail_next(1, 302)
    assert _send(receiver).status == 302  # a redirect is not followed
    # TLS to a server that speaks plain HTTP
    tls = post(receiver.url.replace("http://", "https://") + "/hook", b"{}", {}, TIMEOUT)
    assert tls.error is not None
    assert tls.error.startswith("TLS: ")
    # a port nobody listens on
    closed = post("http://127.0.0.1:9/hook", b"{}", {}, TIMEOUT)
    assert (closed.delivered, closed.error) == (False, "connection refused")
    assert [r.answer for r in receiver.received] == ["503", "404", "hang", "slow", "drop", "302"]


# -- events of real use cases, on every store ------------------------------------------------


def test_the_events_of_use_cases_reach_the_callback_and_the_endpoint(w: World) -> None:
    w.endpoint()
    invoice_id = w.booked()
    queued = w.pending()
    assert [m.event.type for m in queued] == ["created", "booked"]
    report = w.dispatcher(callback=True).dispatch_once()
    assert report == DispatchReport(taken=2, handed=2, delivered=2, removed=2)
    got = w.receiver.received
    assert all(r.verified for r in got)
    assert [r.event_id for r in got] == [m.id for m in queued]
    assert [r.event["type"] for r in got] == ["created", "booked"]
    assert all(r.event["invoiceId"] == invoice_id for r in got)
    assert [r.event for r in got] == w.calls == [m.wire() for m in queued]
    assert all(r.headers["user-agent"].startswith("faktura/") for r in got)
    assert all(r.headers["content-type"] == "application/json" for r in got)
    assert w.pending() == []
    assert w.finished() == []
    assert w.dispatcher().dispatch_once() == DispatchReport()


def test_retries_follow_the_backoff_and_keep_the_id(w: World) -> None:
    w.endpoint(events=("booked",))
    w.booked()
    w.receiver.fail_next(3, 500)
    dispatcher = w.dispatcher()
    start = w.clock.now()
    reports = run_until_quiet(w, dispatcher)
    assert [(r.delivered, r.retried) for r in reports if r.taken] == [(0, 1)] * 3 + [(1, 0)]
    got = w.receiver.received
    assert [r.answer for r in got] == ["500", "500", "500", "200"]
    assert len({r.event_id for r in got}) == 1
    # each retry came when its wait was over, and not before (the signatures' times)
    times = [int(r.headers[SIGNATURE_HEADER.lower()].split(",")[0][2:]) for r in got]
    waits = [int(b.total_seconds()) for b in BACKOFF[:3]]
    start_s = int(start.timestamp())
    assert times == [start_s, start_s + waits[0], start_s + sum(waits[:2]), start_s + sum(waits)]
    assert w.pending() == []


def test_nothing_is_attempted_before_the_wait_is_over(w: World) -> None:
    w.endpoint()
    w.draft()
    w.receiver.fail_next(1, 500)
    dispatcher = w.dispatcher()
    assert dispatcher.dispatch_once().retried == 1
    w.clock.advance(seconds=BACKOFF[0].total_seconds() - 1)
    assert dispatcher.dispatch_once() == DispatchReport()
    w.clock.advance(seconds=1)
    assert dispatcher.dispatch_once().delivered == 1


def test_a_receiver_down_for_good_is_given_up_and_listed_as_finished(w: World) -> None:
    endpoint = w.endpoint()
    w.draft()
    w.receiver.fail_next(len(BACKOFF) + 5, 500)
    start = w.clock.now()
    reports = run_until_quiet(w, w.dispatcher())
    assert sum(r.retried for r in reports) == len(BACKOFF)
    assert sum(r.given_up for r in reports) == 1
    assert len(w.receiver.received) == len(BACKOFF) + 1
    assert w.clock.now() - start == sum(BACKOFF, timedelta(0)) >= timedelta(hours=24)
    [finished] = w.finished()
    [handoff] = finished.handoffs
    assert handoff.subscriber == endpoint.id
    assert not handoff.open
    assert handoff.attempts == len(BACKOFF) + 1
    assert handoff.failed_at == w.clock.now()
    assert handoff.last_error is not None
    assert "500" in handoff.last_error
    assert finished.next_at is None
    w.clock.advance(days=30)
    assert w.dispatcher().dispatch_once() == DispatchReport()


def test_an_endpoint_gets_only_the_types_it_asked_for(w: World) -> None:
    w.endpoint("/booked", ("booked",))
    w.endpoint("/all")
    w.booked()
    w.draft()
    report = w.dispatcher(callback=True).dispatch_once()
    assert (report.handed, report.delivered) == (3, 4)
    by_path = Counter((r.path, r.event["type"]) for r in w.receiver.received)
    assert by_path == {("/booked", "booked"): 1, ("/all", "created"): 2, ("/all", "booked"): 1}
    assert [c["type"] for c in w.calls] == ["created", "booked", "created"]


def test_a_raising_callback_is_retried_with_the_same_event(w: World) -> None:
    seen: list[dict[str, object]] = []

    def flaky(event: dict[str, object]) -> None:
        seen.append(event)
        if len(seen) <= 2:
            raise RuntimeError("the host's queue is full")

    w.draft()
    dispatcher = w.billing.dispatcher(flaky)
    assert dispatcher.dispatch_once().retried == 1
    [message] = w.pending()
    assert message.handoffs[0].last_error == "RuntimeError: the host's queue is full"
    reports = run_until_quiet(w, dispatcher)
    assert sum(r.handed for r in reports) == 1
    assert len(seen) == 3
    assert all(e == seen[0] for e in seen)
    assert w.pending() == []


def test_messages_without_subscribers_are_dropped(w: World) -> None:
    w.draft()
    assert w.dispatcher().dispatch_once() == DispatchReport(removed=1)
    assert w.pending() == []
    assert w.receiver.received == []


def test_an_expired_lease_redelivers_with_the_same_id(w: World) -> None:
    """A dispatcher that dies after the POST and before writing the outcome (here: its
    sender raises once the receiver has the request)."""

    class Killed(BaseException):
        pass

    def dying(*args: Any) -> Any:
        post(*args)
        raise Killed

    w.endpoint()
    w.draft()
    with pytest.raises(Killed):
        w.dispatcher(sender=dying, lease=timedelta(minutes=5)).dispatch_once()
    dispatcher = w.dispatcher()
    assert dispatcher.dispatch_once() == DispatchReport()  # leased: not yet
    w.clock.advance(minutes=5)
    assert dispatcher.dispatch_once().delivered == 1
    ids = w.receiver.ids()
    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert w.pending() == []


def test_a_dispatcher_whose_lease_ran_out_does_not_undo_anothers_work(w: World) -> None:
    """Dispatcher A is slow: its lease runs out while it POSTs, B takes the message up,
    delivers it and removes it; A's late outcome is skipped, not raised, not written."""
    w.endpoint()
    w.draft()
    other = w.dispatcher()
    reports: list[DispatchReport] = []

    def slow(*args: Any) -> Any:
        w.clock.advance(minutes=6)  # A's lease is over
        reports.append(other.dispatch_once())
        return post(*args)  # signed 6 minutes ago: the receiver refuses it as expired

    report = w.dispatcher(sender=slow).dispatch_once()
    assert report.retried == 1
    assert [(r.taken, r.delivered, r.removed) for r in reports] == [(1, 1, 1)]
    assert w.pending() == []  # B's removal stands
    assert w.finished() == []
    assert [r.answer for r in w.receiver.received] == ["200", "400"]


def test_an_endpoint_without_an_answer_is_not_tried_again_in_the_round(mw: World) -> None:
    mw.endpoint()
    for _ in range(3):
        mw.draft()
    mw.receiver.hang_next(1, seconds=TIMEOUT * 3)
    report = mw.dispatcher().dispatch_once()
    assert (report.taken, report.retried) == (3, 3)
    assert len(mw.receiver.received) == 1  # one timeout, not three
    errors = [m.handoffs[0].last_error for m in mw.pending()]
    assert errors[0] == f"timed out after {TIMEOUT:g} s"
    assert errors[1:] == [f"not tried: no answer earlier in this round ({errors[0]})"] * 2
    reports = run_until_quiet(mw, mw.dispatcher())
    assert sum(r.delivered for r in reports) == 3


def test_dispatchers_running_at_once_hand_each_event_over_once(w: World) -> None:
    """Several dispatchers in threads, each taking small batches: every event is handed
    over, and (no crash, a long lease) none twice."""
    w.endpoint()
    for _ in range(10):
        w.draft()
    expected = {m.id for m in w.pending()}
    dispatchers = [w.dispatcher(callback=True, batch=3) for _ in range(4)]
    errors: list[BaseException] = []

    def drain(dispatcher: Dispatcher) -> None:
        try:
            while dispatcher.dispatch_once().taken:
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(w.receiver.ids()) == sorted(expected)
    assert sorted(str(c["id"]) for c in w.calls) == sorted(expected)
    assert w.pending() == []


def test_disabled_endpoints_wait_and_deleted_ones_are_given_up(w: World) -> None:
    kept = w.endpoint("/kept")
    gone = w.endpoint("/gone")
    w.draft()
    w.receiver.fail_next(2, 500)
    dispatcher = w.dispatcher()
    assert dispatcher.dispatch_once().retried == 2  # fanned out to both, both failed
    w.billing.update_webhook_endpoint(w.company_id, kept.id, enabled=False)
    w.billing.delete_webhook_endpoint(w.company_id, gone.id)
    w.clock.advance(seconds=BACKOFF[0].total_seconds())
    report = dispatcher.dispatch_once()
    assert (report.retried, report.given_up) == (1, 1)  # the disabled one waits
    [message] = w.pending()
    states = {h.subscriber: h for h in message.handoffs}
    assert states[kept.id].last_error == "the endpoint is disabled"
    assert states[gone.id].last_error == "the endpoint was deleted"
    assert not states[gone.id].open
    w.billing.update_webhook_endpoint(w.company_id, kept.id, enabled=True)
    reports = run_until_quiet(w, dispatcher)
    assert sum(r.delivered for r in reports) == 1
    assert Counter(r.path for r in w.receiver.received) == {"/kept": 2, "/gone": 1}
    [finished] = w.finished()  # given up for the deleted endpoint: listed
    assert {h.subscriber: h.delivered_at is not None for h in finished.handoffs} == {
        kept.id: True,
        gone.id: False,
    }


def test_an_endpoint_disabled_when_the_event_is_taken_up_is_not_subscribed(w: World) -> None:
    endpoint = w.endpoint()
    w.billing.update_webhook_endpoint(w.company_id, endpoint.id, enabled=False)
    w.draft()
    assert w.dispatcher().dispatch_once() == DispatchReport(removed=1)
    assert w.receiver.received == []


# -- the webhook endpoints' use cases ----------------------------------------------------------


def test_endpoints_are_created_listed_changed_rotated_and_deleted(w: World) -> None:
    billing, company = w.billing, w.company_id
    endpoint, secret = billing.create_webhook_endpoint(
        company, "https://example.com/hook", ["booked", "credited"], "ERP"
    )
    assert endpoint.secret == secret
    assert secret.startswith("whsec_")
    assert secret not in repr(endpoint)
    assert endpoint.events == {"booked", "credited"}
    assert endpoint.enabled
    assert billing.webhook_endpoints(company) == [endpoint]
    assert billing.get_webhook_endpoint(company, endpoint.id) == endpoint
    changed = billing.update_webhook_endpoint(
        company, endpoint.id, events=[], description=None, enabled=False
    )
    assert (changed.events, changed.description, changed.enabled) == (frozenset(), None, False)
    assert changed.url == endpoint.url
    assert changed.secret == secret
    rotated, new = billing.rotate_webhook_secret(company, endpoint.id)
    assert new != secret
    assert rotated.secret == new
    assert billing.get_webhook_endpoint(company, endpoint.id) == rotated
    other = billing.create_company(CompanyProfile(name="Andet ApS", address=SELLER_ADDRESS))
    with pytest.raises(NotFoundError):
        billing.get_webhook_endpoint(other.id, endpoint.id)
    with pytest.raises(NotFoundError):
        billing.delete_webhook_endpoint(other.id, endpoint.id)
    billing.delete_webhook_endpoint(company, endpoint.id)
    assert billing.webhook_endpoints(company) == []
    with pytest.raises(NotFoundError):
        billing.rotate_webhook_secret(company, endpoint.id)
    with pytest.raises(NotFoundError):
        billing.create_webhook_endpoint("no-such-company", "https://example.com/")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"url": "ftp://example.com"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://x\n.example"}, "url"),
        ({"events": ["booked", "nonsense"]}, "events"),
        ({"events": "booked"}, "events"),
        ({"events": [5]}, "events.0"),
        ({"events": 5}, "events"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(
    mw: World, arguments: dict[str, Any], field: str
) -> None:
    args = {"url": "https://example.com/hook", **arguments}
    with pytest.raises(ValidationError) as caught:
        mw.billing.create_webhook_endpoint(mw.company_id, **args)
    assert caught.value.field == field
    assert mw.billing.webhook_endpoints(mw.company_id) == []
    endpoint = mw.endpoint()
    with pytest.raises(ValidationError) as caught:
        mw.billing.update_webhook_endpoint(mw.company_id, endpoint.id, **arguments)
    assert caught.value.field == field
    assert mw.billing.get_webhook_endpoint(mw.company_id, endpoint.id) == endpoint
    with pytest.raises(ValidationError) as caught:
        mw.billing.update_webhook_endpoint(mw.company_id, endpoint.id, enabled="no")
    assert caught.value.field == "enabled"


def test_a_rotated_secret_signs_from_then_on(mw: World) -> None:
    endpoint = mw.endpoint()
    old = list(mw.receiver.secrets)
    _, new = mw.billing.rotate_webhook_secret(mw.company_id, endpoint.id)
    mw.draft()
    dispatcher = mw.dispatcher()
    assert dispatcher.dispatch_once().retried == 1  # the receiver knows only the old one
    assert mw.receiver.received[-1].answer == "400"
    mw.receiver.secrets[:] = [*old, new]  # the receiver takes both while rotating
    mw.clock.advance(seconds=BACKOFF[0].total_seconds())
    assert dispatcher.dispatch_once().delivered == 1
    body = mw.receiver.received[-1].body
    header = mw.receiver.received[-1].headers[SIGNATURE_HEADER.lower()]
    verify(new, body, header, unix(mw.clock))


def test_dispatcher_arguments_are_checked(mw: World) -> None:
    for options, field in (
        ({"batch": 0}, "batch"),
        ({"batch": True}, "batch"),
        ({"lease": timedelta(0)}, "lease"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "10"}, "timeout"),
    ):
        with pytest.raises(ValidationError) as caught:
            mw.billing.dispatcher(**options)
        assert caught.value.field == field
    with pytest.raises(ValidationError):
        mw.billing.dispatcher("not callable")  # type: ignore[arg-type]


def test_a_store_in_the_hosts_transaction_refuses_to_dispatch(tmp_path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(tmp_path / "host.db")
    connection.execute("PRAGMA foreign_keys = ON")
    store = SqliteStore.on_connection(connection, create=True)
    with pytest.raises(ConfigurationError):
        Billing(store).dispatcher()
    connection.close()


def test_the_loop_dispatches_until_stopped(mw: World) -> None:
    mw.endpoint()
    mw.booked()
    stop = threading.Event()
    loop = threading.Thread(target=mw.dispatcher(callback=True).run, args=(stop, 0.01))
    loop.start()
    deadline = time.monotonic() + 10
    while len(mw.receiver.ids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    loop.join(5)
    assert not loop.is_alive()
    assert len(mw.receiver.ids()) == 2
    assert len(mw.calls) == 2
    assert mw.pending() == []


# -- killed processes ----------------------------------------------------------------------------

BOOK_AND_DIE = """
import os, signal, sys
from faktura.billing import Billing
from faktura.storage.sqlite import SqliteStore
from faktura.wire import new_draft

billing = Billing(SqliteStore(sys.argv[1]))
draft = billing.create_draft(sys.argv[2], new_draft(
    {"customerId": sys.argv[3], "lines": [{"description": "Hours", "quantity": "1",
     "unitPrice": "100.00"}]}))
billing.book(sys.argv[2], draft.id)
os.kill(os.getpid(), signal.SIGKILL)  # committed; nothing dispatched
"""

DISPATCH = """
import sys, time
from faktura.billing import Billing
from faktura.storage.sqlite import SqliteStore

Billing(SqliteStore(sys.argv[1])).dispatcher(timeout=30).dispatch_once()
time.sleep(30)  # never reached: the receiver kills this process mid-POST
"""


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        text=True,
    )


def test_killed_processes_lose_no_event(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    store = SqliteStore(path, create=True)
    # the receiver and the subprocesses read the real clock; this process's dispatcher
    # a ManualClock moved past the lease
    with Receiver([], lambda: int(time.time())) as receiver:
        w = make_world(store, receiver, ManualClock(datetime.now(UTC)))
        w.endpoint()
        for _ in range(2):
            booking = _python(BOOK_AND_DIE, str(path), w.company_id, w.customer_id)
            assert booking.wait(60) == -signal.SIGKILL
        queued = {(m.id, m.event.type) for m in w.pending()}
        assert Counter(t for _, t in queued) == {"created": 2, "booked": 2}
        assert receiver.received == []

        dispatching = _python(DISPATCH, str(path))
        receiver.on_request = lambda _: os.kill(dispatching.pid, signal.SIGKILL)
        assert dispatching.wait(60) == -signal.SIGKILL
        receiver.on_request = None
        assert len(receiver.received) == 1  # killed on the first POST
        receiver.now = lambda: unix(w.clock)

        dispatcher = w.dispatcher()
        w.clock.current = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
        dispatcher.dispatch_once()
        arrived = [(r.event_id, r.event["type"]) for r in receiver.received]
        assert set(arrived) == queued  # every event, none lost
        duplicates = [key for key, count in Counter(arrived).items() if count > 1]
        assert duplicates == [arrived[0]]  # the one in flight, again with its id
        assert all(r.verified for r in receiver.received)
        assert w.pending() == []
    store.close()
