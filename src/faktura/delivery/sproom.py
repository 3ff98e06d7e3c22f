"""The Sproom access point over HTTP: ``SproomAccessPoint``, an AccessPoint
(``faktura.delivery.einvoice``) for the e-invoice channel to hand documents to.

The channel itself is vendor-neutral and lives in ``faktura.delivery.einvoice``
(``EInvoiceChannel``, ``AccessPoint``, ``PROVIDER_STATUSES``, ``FAILED_STATUSES``); this
module still answers those names (``from faktura.delivery.sproom import
EInvoiceChannel`` keeps working), without a warning: they are the same objects.

The HTTP shape ``SproomAccessPoint`` speaks (JSON answers; ``Authorization: Bearer
<api_token>`` on every request). The recipient lookup follows Sproom's published API
guide (``GET /api/recipients/GLN:5790002041488``); the submission and status resources
are faktura's model of the rest, kept small:

``GET /api/recipients/{id}``
    ``{id}`` is ``<scheme>:<identifier>``, URL-encoded, with Sproom's scheme names:
    ``GLN`` for ICD 0088, ``DK:CVR`` for ICD 0184 (another ICD is sent as the ICD).
    200: registered for e-invoices; 404: not registered.
``POST /api/documents?recipient={id}``
    The UBL XML as the body (``Content-Type: application/xml``) and an
    ``Idempotency-Key`` header: the sha256 of the recipient and the document, so a
    retried POST (after a timeout, a 5xx) returns the document the first one created
    instead of creating a second. 201 (or 200 for a repeated key)
    ``{"documentId": "..."}``; 4xx ``{"message": "...", "errors": ["..."]}``.
``GET /api/documents/{documentId}``
    200 ``{"documentId": "...", "status": "...", "message": "...", "updatedAt": "..."}``,
    the same body as the ``documentStatusChanged`` webhook (see ``parse_status_event``).

Retries: connect errors, timeouts, dropped connections, 408, 429 and 5xx are retried
``retries`` times with exponential backoff (``backoff``, 2×, 4×, ...), the POST too
(thanks to the idempotency key); then DeliveryUnavailable. Any other 4xx is
DeliveryRejected at once, 401 and 403 included: a refused API token is a configuration
error that a retry will not fix, and the message says to check ``api_token``.

httpx is imported when the first request is made (the ``einvoice`` extra); without it
that request raises ConfigurationError.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from faktura.delivery.channel import ProviderEvent, Recipient

# The e-invoice channel's names, answered where they were before it got a module of its
# own (re-exported: ``X as X``).
from faktura.delivery.einvoice import FAILED_STATUSES as FAILED_STATUSES
from faktura.delivery.einvoice import PROVIDER_STATUSES as PROVIDER_STATUSES
from faktura.delivery.einvoice import AccessPoint as AccessPoint
from faktura.delivery.einvoice import EInvoiceChannel as EInvoiceChannel
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    ValidationError,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "SPROOM_SCHEMES",
    "SproomAccessPoint",
    "idempotency_key",
    "parse_status_event",
    "participant_id",
]

#: Sproom's names of the ISO 6523 ICD schemes faktura addresses.
SPROOM_SCHEMES: Mapping[str, str] = {"0088": "GLN", "0184": "DK:CVR"}

_RETRYABLE_STATUS = frozenset({408, 429})


def participant_id(recipient: Recipient) -> str:
    """The recipient as Sproom names a participant: "GLN:5790000435951",
    "DK:CVR:13585628"."""
    scheme = recipient.scheme or ""
    return f"{SPROOM_SCHEMES.get(scheme, scheme)}:{recipient.address}"


def idempotency_key(ubl: bytes, recipient: Recipient) -> str:
    """The Idempotency-Key of a submission: sha256 of the recipient and the document, so
    the same document to the same recipient is one document at the access point."""
    digest = hashlib.sha256(participant_id(recipient).encode("utf-8") + b"\n" + ubl)
    return digest.hexdigest()


def parse_status_event(payload: Mapping[str, object], received_at: datetime) -> ProviderEvent:
    """A provider's status report (a ``GET /api/documents/{id}`` answer or a
    ``documentStatusChanged`` webhook body) as a ProviderEvent.

    ``status`` is mapped with ``PROVIDER_STATUSES``; ``message`` (or ``reason``) becomes
    the event's message; ``updatedAt`` (ISO 8601 with offset) its time, else
    ``received_at``. ``details`` keeps ``providerStatus`` and ``documentId``.
    Raises ValidationError when the payload has no status.

    >>> at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    >>> event = parse_status_event({"documentId": "d-1", "status": "Rejected",
    ...                             "reason": "wrong EAN"}, at)
    >>> event.status, event.message, dict(event.details)
    ('rejected', 'wrong EAN', {'providerStatus': 'Rejected', 'documentId': 'd-1'})
    """
    raw = payload.get("status")
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("a status report needs a status", field="status", rule="required")
    status = PROVIDER_STATUSES.get(raw.strip().lower(), "unknown")
    message = payload.get("message", payload.get("reason"))
    details = {"providerStatus": raw}
    document_id = payload.get("documentId")
    if isinstance(document_id, str):
        details["documentId"] = document_id
    at = received_at
    updated = payload.get("updatedAt")
    if isinstance(updated, str):
        try:
            parsed = datetime.fromisoformat(updated)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            at = parsed
    return ProviderEvent(
        status, at, message if isinstance(message, str) and message else None, details
    )


class SproomAccessPoint:
    """The Sproom access point over HTTP (httpx); see the module docstring for the API.

    ``transport`` replaces httpx's network transport (e.g. ``httpx.MockTransport``).
    ``retries`` is how many times a failed request is retried (so at most
    ``retries + 1`` attempts); the n-th retry waits ``backoff * 2**(n-1)`` seconds.
    Close it (or use it as a context manager) to release its connections.
    """

    def __init__(
        self,
        base_url: str,
        api_token: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"SproomAccessPoint needs an http(s) base_url: {base_url!r}")
        if not isinstance(api_token, str) or not api_token or "\n" in api_token:
            raise ConfigurationError("SproomAccessPoint needs an api_token")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigurationError(f"retries must be 0 or more: {retries!r}")
        if not timeout > 0 or backoff < 0:
            raise ConfigurationError("timeout must be positive and backoff not negative")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._token = api_token
        self._transport = transport
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"SproomAccessPoint({self.base_url!r})"

    def __enter__(self) -> SproomAccessPoint:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections (a later request opens new ones)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def lookup(self, recipient: Recipient) -> bool:
        """Whether Sproom knows ``recipient`` as a receiver (200) or not (404)."""
        who = participant_id(recipient)
        response = self._request("GET", f"/api/recipients/{quote(who, safe='')}", ok=(200, 404))
        return response.status_code == 200

    def submit(self, ubl: bytes, recipient: Recipient) -> str:
        """POST the document; its Sproom document id. Retried safely (Idempotency-Key)."""
        response = self._request(
            "POST",
            "/api/documents",
            ok=(200, 201),
            params={"recipient": participant_id(recipient)},
            content=ubl,
            headers={
                "Content-Type": "application/xml",
                "Idempotency-Key": idempotency_key(ubl, recipient),
            },
        )
        document_id = _json(response).get("documentId")
        if not isinstance(document_id, str) or not document_id:
            raise DeliveryUnavailable(
                f"the access point accepted the document but sent no documentId "
                f"(HTTP {response.status_code}); retrying returns the same document"
            )
        return document_id

    def status(self, document_id: str) -> ProviderEvent:
        """The document's status as Sproom reports it, mapped by ``parse_status_event``."""
        response = self._request("GET", f"/api/documents/{quote(document_id, safe='')}")
        payload = _json(response)
        try:
            return parse_status_event(payload, datetime.now(UTC))
        except ValidationError as err:
            raise DeliveryUnavailable(
                f"the access point sent an unreadable status for {document_id!r}: {err.message}"
            ) from err

    # -- HTTP ----------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            try:
                import httpx
            except ImportError as exc:
                raise ConfigurationError(
                    "the Sproom access point needs httpx: pip install 'faktura[einvoice]'"
                ) from exc
            self._client = httpx.Client(
                base_url=self.base_url,
                timeout=self.timeout,
                transport=self._transport,
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._client

    def _request(
        self, method: str, path: str, ok: tuple[int, ...] = (200,), **options: Any
    ) -> httpx.Response:
        client = self._http()  # first: without httpx it raises the ConfigurationError
        import httpx

        what = f"{method} {self.base_url}{path}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = client.request(method, path, **options)
            except httpx.TimeoutException as err:
                problem = f"timed out after {self.timeout} s ({type(err).__name__})"
                continue
            except httpx.TransportError as err:  # connect errors, dropped connections
                problem = f"could not be reached: {err or type(err).__name__}"
                continue
            except httpx.HTTPError as err:
                raise DeliveryUnavailable(f"{what} failed: {err}") from err
            if response.status_code in ok:
                return response
            if response.status_code >= 500 or response.status_code in _RETRYABLE_STATUS:
                problem = f"answered HTTP {response.status_code}{_explain(response)}"
                continue
            raise _rejected(what, response)
        raise DeliveryUnavailable(f"{what} {problem} (tried {self.retries + 1} times)")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise DeliveryUnavailable(
            f"the access point answered HTTP {response.status_code} without a JSON object"
        )
    return payload


def _explain(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        text = response.text.strip()[:200]
        return f": {text}" if text else ""
    if not isinstance(payload, dict):
        return ""
    parts = []
    if isinstance(payload.get("message"), str):
        parts.append(payload["message"])
    errors = payload.get("errors")
    if isinstance(errors, list):
        parts += [str(e) for e in errors]
    return ": " + "; ".join(parts) if parts else ""


def _rejected(what: str, response: httpx.Response) -> DeliveryRejected:
    code = response.status_code
    if code in (401, 403):
        return DeliveryRejected(
            f"{what}: the access point refused the API token (HTTP {code}{_explain(response)});"
            " check api_token: retrying will not help"
        )
    return DeliveryRejected(f"{what}: refused with HTTP {code}{_explain(response)}")
