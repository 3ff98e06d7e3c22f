"""Webhooks: signing a webhook's body, verifying a signature (for the host's receiver),
and POSTing a webhook over HTTP.

Every webhook faktura sends (``faktura.billing.dispatch.Dispatcher``) is a POST of the
event's JSON body (``faktura.outbox.OutboxMessage.wire``) with these headers:

``Content-Type: application/json``
``Faktura-Event-Id: <the event's id>``
    The same on every redelivery of the event: a receiver de-duplicates by it.
``Faktura-Signature: t=<unix seconds>,v1=<hex>``
    ``<hex>`` is the HMAC-SHA256 of ``f"{t}.{body}"`` keyed with the endpoint's secret
    (``sign``), as Stripe signs its webhooks. A receiver checks it with ``verify`` before
    it trusts the body::

        from faktura.webhooks import SignatureError, verify

        def receive(body: bytes, headers) -> int:   # in the host's web framework
            try:
                verify(SECRET, body, headers.get("Faktura-Signature"), now=int(time.time()))
            except SignatureError:
                return 400
            event = json.loads(body)
            if already_seen(event["id"]):            # at least once: de-duplicate
                return 200
            ...
            return 200

    ``verify`` needs the body exactly as received (the raw bytes, before any JSON
    parsing). Several ``v1=`` values are accepted (any one matching will do), and
    ``verify`` takes several secrets, so a receiver can accept the old and the new secret
    while a secret is rotated.
``User-Agent: faktura/<version>``

A 2xx answer is a delivery; anything else (another status, a refused connection, a
timeout, a TLS failure, a dropped connection) a failed attempt that the dispatcher
retries (``faktura.outbox.BACKOFF``). Redirects are not followed.

``sign``, ``verify`` and ``webhook_headers`` are pure (the time is an argument);
``new_secret`` and ``post`` are the module's I/O (the random source, HTTP).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from typing import Protocol

import attrs

from faktura.errors import FakturaError, ValidationError

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TOLERANCE",
    "PostOutcome",
    "Sender",
    "SignatureError",
    "new_secret",
    "post",
    "sign",
    "verify",
    "webhook_headers",
]

#: The header carrying the signature (``sign``).
SIGNATURE_HEADER = "Faktura-Signature"
#: The header carrying the event's id (the same on every redelivery).
EVENT_ID_HEADER = "Faktura-Event-Id"
#: How far (in seconds) a signature's timestamp may lie from the receiver's clock.
TOLERANCE = 300
#: How a webhook secret starts.
SECRET_PREFIX = "whsec_"

_MAX_ERROR = 200


class SignatureError(FakturaError):
    """A webhook's signature is missing, malformed, too old (or too far ahead), or
    matches none of the secrets: the body is not to be trusted. ``reason`` says which:
    "missing", "malformed", "expired" or "mismatch"."""

    code = "signature_invalid"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["reason"] = self.reason
        return data


def _check_secret(secret: object, field: str = "secret") -> str:
    if not isinstance(secret, str) or not secret:
        raise ValidationError("must be a non-empty text", field=field, rule="required")
    return secret


def _as_bytes(body: object) -> bytes:
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise ValidationError("must be bytes (the raw body)", field="body", rule="type")


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Faktura-Signature`` header of ``body`` sent at ``timestamp`` (Unix seconds):
    ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with secret>``.

    >>> sign("whsec_test", b'{"id":"1"}', 1700000000)[:40]
    't=1700000000,v1=11bf4466ea17c3df3fd743af'

    Raises ValidationError for an empty secret, a body that is no bytes, a timestamp
    that is no whole number of seconds."""
    _check_secret(secret)
    data = _as_bytes(body)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValidationError("must be whole seconds since 1970", field="timestamp", rule="type")
    return f"t={timestamp},v1={_digest(secret, data, timestamp)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamps.append(value.strip())
        elif key == "v1":
            signatures.append(value.strip())
    if (
        len(timestamps) != 1
        or not (timestamps[0].isascii() and timestamps[0].isdigit())
        or len(timestamps[0]) > 15
    ):
        raise SignatureError(f"{SIGNATURE_HEADER} needs one t=<unix seconds>", reason="malformed")
    if not signatures:
        raise SignatureError(f"{SIGNATURE_HEADER} has no v1= signature", reason="malformed")
    return int(timestamps[0]), signatures


def verify(
    secret: str | Iterable[str],
    body: bytes,
    header: str | None,
    now: int,
    tolerance: int = TOLERANCE,
) -> None:
    """Check a webhook's ``Faktura-Signature`` ``header`` against the raw ``body`` and
    the endpoint's ``secret`` (or several: any one will do, e.g. the old and the new
    while a secret is rotated), at ``now`` (Unix seconds, the receiver's clock).

    Passes when some ``v1=`` value of the header is the signature of ``body`` at the
    header's ``t=`` under some secret (compared in constant time) and ``t`` lies within
    ``tolerance`` seconds of ``now`` (either way: a replayed old request is refused).

    >>> header = sign("whsec_test", b"{}", 1700000000)
    >>> verify("whsec_test", b"{}", header, now=1700000060)
    >>> verify("whsec_other", b"{}", header, now=1700000060)
    Traceback (most recent call last):
    ...
    faktura.webhooks.SignatureError: the signature matches no secret

    Raises SignatureError ("missing", "malformed", "expired", "mismatch"), and
    ValidationError for an empty secret or a body that is no bytes.
    """
    keys = [_check_secret(secret)] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValidationError("needs at least one secret", field="secret", rule="required")
    for index, key in enumerate(keys):
        _check_secret(key, "secret" if isinstance(secret, str) else f"secret.{index}")
    data = _as_bytes(body)
    if isinstance(now, bool) or not isinstance(now, int):
        raise ValidationError("must be whole seconds since 1970", field="now", rule="type")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise ValidationError("must be whole seconds, 0 or more", field="tolerance", rule="type")
    if not isinstance(header, str) or not header.strip():
        raise SignatureError(f"no {SIGNATURE_HEADER} header", reason="missing")
    timestamp, signatures = _parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"the signature's timestamp is more than {tolerance} s from now", reason="expired"
        )
    expected = [_digest(key, data, timestamp).encode("ascii") for key in keys]
    matched = False
    for value in signatures:
        given = value.encode("utf-8", "replace")
        for digest in expected:
            # every pair is compared: how long it takes says nothing about which matched
            matched |= hmac.compare_digest(digest, given)
    if not matched:
        raise SignatureError("the signature matches no secret", reason="mismatch")


def webhook_headers(
    secret: str, event_id: str, body: bytes, timestamp: int, user_agent: str
) -> dict[str, str]:
    """The headers of a webhook POST of ``body`` (see the module)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": user_agent,
        EVENT_ID_HEADER: event_id,
        SIGNATURE_HEADER: sign(secret, body, timestamp),
    }


def new_secret() -> str:
    """A new webhook signing secret: "whsec_" and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# -- sending ---------------------------------------------------------------------------------


@attrs.frozen
class PostOutcome:
    """What came of one POST: ``delivered`` on a 2xx answer; else ``error`` says why in
    a few words ("HTTP 500", "timed out after 10 s", "connection refused", ...).
    ``status`` is the answer's HTTP status, None when there was no answer."""

    delivered: bool
    status: int | None = None
    error: str | None = None


class Sender(Protocol):
    """Something that POSTs a webhook (``post``, or a test's own)."""

    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> PostOutcome: ...


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 3] + "..."


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> PostOutcome:
    """POST ``body`` with ``headers`` to ``url`` (the standard library's urllib), waiting
    at most ``timeout`` seconds for each step (connecting, each read). Never raises for
    what the receiver does: every failure is a PostOutcome with its error. Redirects are
    not followed (a 3xx is a failure: the endpoint's URL is to be corrected)."""
    import http.client
    import socket
    import ssl
    import urllib.error
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect())
    try:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    except ValueError as err:
        return PostOutcome(False, error=_short(f"bad URL: {err}"))
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            status = int(response.status)
    except urllib.error.HTTPError as err:
        err.close()
        return PostOutcome(False, status=err.code, error=_short(f"HTTP {err.code} {err.reason}"))
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            return PostOutcome(False, error=f"timed out after {timeout:g} s")
        if isinstance(reason, ConnectionRefusedError):
            return PostOutcome(False, error="connection refused")
        if isinstance(reason, ssl.SSLError | ssl.CertificateError):
            return PostOutcome(False, error=_short(f"TLS: {reason}"))
        return PostOutcome(False, error=_short(f"cannot connect: {reason}"))
    except TimeoutError:
        return PostOutcome(False, error=f"timed out after {timeout:g} s")
    except ssl.SSLError as err:
        return PostOutcome(False, error=_short(f"TLS: {err}"))
    except (http.client.HTTPException, ConnectionError) as err:
        what = str(err) or type(err).__name__
        return PostOutcome(False, error=_short(f"connection closed: {what}"))
    except (OSError, ValueError) as err:
        return PostOutcome(False, error=_short(f"{type(err).__name__}: {err}"))
    if 200 <= status < 300:
        return PostOutcome(True, status=status)
    return PostOutcome(False, status=status, error=f"HTTP {status}")
