"""Webhook signatures (faktura.webhooks.sign / verify), the retry schedule
(faktura.outbox.BACKOFF, next_attempt) and a hand-off's states: pure, as properties."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.errors import ValidationError
from faktura.outbox import BACKOFF, CALLBACK, Handoff, OutboxMessage, next_attempt
from faktura.records import InvoiceEvent
from faktura.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TOLERANCE,
    SignatureError,
    new_secret,
    sign,
    verify,
    webhook_headers,
)

secrets_ = st.text(min_size=1, max_size=60)
bodies = st.binary(max_size=2000)
timestamps = st.integers(min_value=0, max_value=2**40)
skews = st.integers(min_value=-TOLERANCE, max_value=TOLERANCE)


def _reasons(secret: object, body: bytes, header: object, now: int, **kw: int) -> str:
    with pytest.raises(SignatureError) as caught:
        verify(secret, body, header, now, **kw)  # type: ignore[arg-type]
    return caught.value.reason


# -- sign and verify -------------------------------------------------------------------------


@given(secrets_, bodies, timestamps, skews)
def test_a_signed_body_verifies_within_the_tolerance(
    secret: str, body: bytes, t: int, skew: int
) -> None:
    verify(secret, body, sign(secret, body, t), now=t + skew)


@given(secrets_, bodies, timestamps)
def test_the_signature_is_stripes_scheme(secret: str, body: bytes, t: int) -> None:
    """Computed independently: HMAC-SHA256 of "<t>.<body>", hex, in t=...,v1=..."""
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert sign(secret, body, t) == f"t={t},v1={expected}"


@given(secrets_, bodies, timestamps, st.binary(min_size=1, max_size=50))
def test_a_tampered_body_is_refused(secret: str, body: bytes, t: int, extra: bytes) -> None:
    header = sign(secret, body, t)
    for tampered in (body + extra, extra + body):
        assert _reasons(secret, tampered, header, t) == "mismatch"


@given(secrets_, secrets_, bodies, timestamps)
def test_another_secret_is_refused(secret: str, other: str, body: bytes, t: int) -> None:
    if other == secret:
        return
    assert _reasons(other, body, sign(secret, body, t), t) == "mismatch"


@given(secrets_, bodies, timestamps, st.integers(min_value=1, max_value=TOLERANCE))
def test_a_tampered_timestamp_is_refused(secret: str, body: bytes, t: int, shift: int) -> None:
    signature = sign(secret, body, t).split(",")[1]
    moved = f"t={t + shift},{signature}"
    assert _reasons(secret, body, moved, t + shift) == "mismatch"


@given(secrets_, bodies, timestamps, st.integers(min_value=TOLERANCE + 1, max_value=10**6))
def test_a_signature_outside_the_tolerance_is_refused(
    secret: str, body: bytes, t: int, late: int
) -> None:
    header = sign(secret, body, t)
    assert _reasons(secret, body, header, t + late) == "expired"  # replayed later
    assert _reasons(secret, body, header, t - late) == "expired"  # from the future
    verify(secret, body, header, t + late, tolerance=late)  # a wider tolerance takes it


@given(st.lists(secrets_, min_size=1, max_size=4), bodies, timestamps, st.data())
def test_any_of_several_v1_values_will_do(
    others: list[str], body: bytes, t: int, data: st.DataObject
) -> None:
    """The secret being rotated: the header may carry a signature per secret."""
    secret = data.draw(secrets_.filter(lambda s: s not in others))
    values = [sign(key, body, t).split(",")[1] for key in [*others, secret]]
    order = data.draw(st.permutations(values))
    verify(secret, body, f"t={t}," + ",".join(order), t)
    if secret not in others:
        assert _reasons(secret, body, f"t={t}," + ",".join(values[:-1]), t) == "mismatch"


@given(st.lists(secrets_, min_size=1, max_size=4), bodies, timestamps, st.data())
def test_any_of_several_secrets_will_do(
    keys: list[str], body: bytes, t: int, data: st.DataObject
) -> None:
    """A receiver accepting the old and the new secret while rotating."""
    signer = data.draw(st.sampled_from(keys))
    verify(keys, body, sign(signer, body, t), t)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("v1=abc", "malformed"),
        ("t=123", "malformed"),
        ("t=abc,v1=00", "malformed"),
        ("t=1,t=2,v1=00", "malformed"),
        ("t=-5,v1=00", "malformed"),
        ("t=\u00b2,v1=00", "malformed"),
        ("garbage", "malformed"),
        ("t=100,v1=zz\u00e9", "mismatch"),
        ("t=100,v0=" + "0" * 64, "malformed"),
    ],
)
def test_bad_headers_are_refused_with_a_reason(header: str | None, reason: str) -> None:
    assert _reasons("whsec_x", b"{}", header, 100) == reason


def test_bad_arguments_are_validation_errors_naming_the_field() -> None:
    for secret, field in (("", "secret"), ([], "secret"), (["a", ""], "secret.1")):
        with pytest.raises(ValidationError) as caught:
            verify(secret, b"{}", "t=1,v1=00", 1)
        assert caught.value.field == field
    with pytest.raises(ValidationError, match="body"):
        verify("s", 5, "t=1,v1=00", 1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="timestamp"):
        sign("s", b"", -1)
    with pytest.raises(ValidationError, match="timestamp"):
        sign("s", b"", True)


def test_the_error_is_typed_and_structured() -> None:
    with pytest.raises(SignatureError) as caught:
        verify("s", b"{}", None, 1)
    assert caught.value.to_dict() == {
        "code": "signature_invalid",
        "message": f"no {SIGNATURE_HEADER} header",
        "retryable": False,
        "reason": "missing",
    }


def test_new_secrets_are_fresh_and_marked() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    assert all(s.startswith("whsec_") and len(s) > 40 for s in made)


@given(secrets_, bodies, timestamps, st.text(min_size=1, max_size=40))
def test_the_headers_carry_the_id_and_a_verifiable_signature(
    secret: str, body: bytes, t: int, event_id: str
) -> None:
    headers = webhook_headers(secret, event_id, body, t, "faktura/1.0")
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "faktura/1.0"
    assert headers[EVENT_ID_HEADER] == event_id
    verify(secret, body, headers[SIGNATURE_HEADER], t)


# -- the retry schedule ----------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_backoff_lasts_at_least_a_day_and_grows() -> None:
    assert sum(BACKOFF, timedelta(0)) >= timedelta(hours=24)
    assert list(BACKOFF) == sorted(BACKOFF)
    assert all(wait > timedelta(0) for wait in BACKOFF)


@given(st.integers(min_value=1, max_value=len(BACKOFF) + 5))
def test_next_attempt_follows_the_backoff_then_gives_up(failures: int) -> None:
    retry = next_attempt(failures, T0)
    if failures <= len(BACKOFF):
        assert retry == T0 + BACKOFF[failures - 1]
    else:
        assert retry is None
    with pytest.raises(ValueError, match="failures counts from 1"):
        next_attempt(0, T0)


# -- a hand-off's states ---------------------------------------------------------------------

outcomes = st.lists(st.booleans(), max_size=len(BACKOFF) + 3)


@given(outcomes)
def test_a_handoff_fails_with_backoff_until_delivered_or_given_up(outcome: list[bool]) -> None:
    """A run of attempts (True: delivered) at the times the hand-off asks for."""
    handoff = Handoff("ep-1", next_at=T0)
    at = T0
    for index, delivered in enumerate(outcome):
        if not handoff.open:
            break
        assert handoff.next_at is not None
        at = handoff.next_at
        handoff = handoff.delivered(at) if delivered else handoff.failed(at, f"HTTP 500 #{index}")
        assert handoff.attempts == index + 1
        if delivered:
            assert (handoff.delivered_at, handoff.next_at, handoff.open) == (at, None, False)
        elif handoff.attempts > len(BACKOFF):
            assert (handoff.failed_at, handoff.next_at, handoff.open) == (at, None, False)
        else:
            assert handoff.next_at == at + BACKOFF[handoff.attempts - 1]
            assert handoff.open
            assert handoff.last_error == f"HTTP 500 #{index}"
    # given up exactly after len(BACKOFF) + 1 failed attempts in a row
    failures = 0
    for delivered in outcome:
        if delivered:
            break
        failures += 1
    if failures > len(BACKOFF):
        assert handoff.failed_at is not None
        assert handoff.delivered_at is None


def _message() -> OutboxMessage:
    return OutboxMessage.of("m-1", "c-1", InvoiceEvent("inv-1", "booked", T0))


@given(st.lists(st.tuples(st.sampled_from(["open", "delivered", "given_up"]), st.integers(0, 99))))
def test_a_message_is_due_at_its_earliest_open_handoff(states: list[tuple[str, int]]) -> None:
    handoffs = []
    for index, (state, minutes) in enumerate(states):
        handoff = Handoff(f"s-{index}", next_at=T0 + timedelta(minutes=minutes))
        if state == "delivered":
            handoff = handoff.delivered(T0)
        elif state == "given_up":
            for _ in range(len(BACKOFF) + 1):
                handoff = handoff.failed(T0, "down")
        handoffs.append(handoff)
    message = _message().with_handoffs(handoffs)
    open_at = [T0 + timedelta(minutes=m) for s, m in states if s == "open"]
    assert message.next_at == (min(open_at) if open_at else None)
    assert message.delivered == all(s == "delivered" for s, _ in states)
    assert message.fanned_out


def test_the_wire_form_names_the_event() -> None:
    event = InvoiceEvent("inv-1", "booked", T0, {"number": "7"}, actor="ida")
    wire = OutboxMessage.of("m-1", "c-1", event).wire()
    assert wire == {
        "id": "m-1",
        "type": "booked",
        "companyId": "c-1",
        "invoiceId": "inv-1",
        "createdAt": T0.isoformat(),
        "actor": "ida",
        "data": {"number": "7"},
    }
    assert CALLBACK == "callback"
