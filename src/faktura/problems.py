"""faktura's errors as HTTP answers, for any web framework: one table, used by the bundled
HTTP adapter and by a host's own (FastAPI, Django, Flask).

``http_problem(exc)`` is the answer to an exception raised while serving a request: its
status, the reference API's error ``code``, a message fit for the caller, ``details``
and headers; ``problem_body(problem, path, now)`` the reference API's JSON body
``{statusCode, timestamp, path, message, code, details}``. The table is the whole
mapping; anything not in it answers 500 ``INTERNAL_ERROR`` with nothing about its cause
(the adapter logs the exception):

================================  ======  ==========================
error                             status  code
================================  ======  ==========================
ValidationError (+ WireFormat,    400     SHARED_VALIDATION_FAILED
NumberingError)
AuthenticationError               401     UNAUTHORIZED
NotFoundError                     404     NOT_FOUND
InvoiceStateError                 409     INVALID_STATE
ConflictError                     409     CONFLICT
DeliveryRejected                  422     DELIVERY_REJECTED
RenderError                       422     RENDER_FAILED
DeliveryError (other)             502     DELIVERY_FAILED
DeliveryUnavailable               503     DELIVERY_UNAVAILABLE
StorageError, retryable           503     STORAGE_UNAVAILABLE
StorageError, not retryable       500     STORAGE_FAILED
ConfigurationError                500     CONFIGURATION_ERROR
anything else                     500     INTERNAL_ERROR
================================  ======  ==========================

>>> from faktura import NotFoundError, ValidationError
>>> problem = http_problem(ValidationError("must be above 0", field="lines.0.quantity"))
>>> problem.status, problem.code, problem.details["validationErrors"][0]["property"]
(400, 'SHARED_VALIDATION_FAILED', 'lines.0.quantity')
>>> http_problem(NotFoundError("invoice", "inv-1")).status
404
>>> http_problem(KeyError("a bug")).message
'an unexpected error occurred'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from faktura.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeliveryError,
    DeliveryRejected,
    DeliveryUnavailable,
    FakturaError,
    FieldError,
    InvoiceStateError,
    NotFoundError,
    RenderError,
    StorageError,
    ValidationError,
)

__all__ = [
    "RETRY_AFTER_SECONDS",
    "HttpProblem",
    "code_of",
    "http_problem",
    "problem_body",
    "validation_details",
]


def code_of(error: type[FakturaError]) -> str:
    """The reference API's code of a faktura error class: its ``code``, upper-case
    (``NotFoundError``: ``NOT_FOUND``). Validation and storage errors, and anything
    unmapped, answer codes of their own (the table above)."""
    return error.code.upper()


#: Retry-After (seconds) sent with 503 answers: a channel or the store is busy for now.
RETRY_AFTER_SECONDS = {code_of(DeliveryUnavailable): 30, "STORAGE_UNAVAILABLE": 2}


@attrs.frozen
class HttpProblem:
    """An error answer: status, the reference API's ``code``, message, details, headers."""

    status: int
    code: str
    message: str
    details: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def server_fault(self) -> bool:
        """A 5xx the server is to blame for (the adapter logs its cause), not a 503 that
        says to try again."""
        return self.status >= 500 and self.status != 503


def validation_details(errors: Iterable[FieldError]) -> dict[str, Any]:
    """``details`` of a 400: one entry per offending property, its rules and messages."""
    merged: dict[str, dict[str, str]] = {}
    for error in errors:
        constraints = merged.setdefault(error.path, {})
        rule = error.rule
        if rule in constraints:  # two messages for one rule: keep both
            constraints[rule] = f"{constraints[rule]}; {error.message}"
        else:
            constraints[rule] = error.message
    return {
        "validationErrors": [
            {"property": path, "constraints": constraints} for path, constraints in merged.items()
        ]
    }


def http_problem(exc: BaseException) -> HttpProblem:
    """The answer to ``exc``, raised while serving a request (the table above)."""
    if isinstance(exc, ValidationError):
        return HttpProblem(
            400,
            "SHARED_VALIDATION_FAILED",
            exc.message or "the request is not valid",
            validation_details(exc.errors),
        )
    if isinstance(exc, AuthenticationError):
        return HttpProblem(401, code_of(AuthenticationError), exc.message)
    if isinstance(exc, NotFoundError):
        return HttpProblem(
            404, code_of(NotFoundError), exc.message, {"entity": exc.entity, "id": exc.entity_id}
        )
    if isinstance(exc, InvoiceStateError):
        return HttpProblem(
            409,
            code_of(InvoiceStateError),
            exc.message,
            {"invoiceId": exc.invoice_id, "status": exc.status, "action": exc.action},
        )
    if isinstance(exc, ConflictError):
        return HttpProblem(409, code_of(ConflictError), exc.message, {"retryable": True})
    if isinstance(exc, DeliveryRejected):
        return HttpProblem(422, code_of(DeliveryRejected), exc.message)
    if isinstance(exc, DeliveryUnavailable):
        return _unavailable(code_of(DeliveryUnavailable), exc.message)
    if isinstance(exc, DeliveryError):
        return HttpProblem(502, code_of(DeliveryError), exc.message)
    if isinstance(exc, RenderError):
        return HttpProblem(422, code_of(RenderError), exc.message)
    if isinstance(exc, StorageError):
        if exc.retryable:
            return _unavailable("STORAGE_UNAVAILABLE", "the store is unavailable; try again")
        return _storage_failed(exc)
    if isinstance(exc, ConfigurationError):
        return HttpProblem(500, code_of(ConfigurationError), "the server is configured wrongly")
    return HttpProblem(500, "INTERNAL_ERROR", "an unexpected error occurred")


def _storage_failed(exc: StorageError) -> HttpProblem:
    """500 for a store no retry cures: the answer names the row that cannot be read (the
    caller's own document), nothing about files or drivers."""
    details: dict[str, Any] = {"retryable": False}
    if exc.entity is not None and exc.entity_id is not None:
        details.update(entity=exc.entity, id=exc.entity_id)
        message = f"the stored {exc.entity} {exc.entity_id!r} cannot be read; it needs repair"
    else:
        message = "the store failed in a way a retry does not cure; it needs repair"
    return HttpProblem(500, "STORAGE_FAILED", message, details)


def _unavailable(code: str, message: str) -> HttpProblem:
    seconds = RETRY_AFTER_SECONDS[code]
    return HttpProblem(
        503,
        code,
        message,
        {"retryable": True, "retryAfterSeconds": seconds},
        {"Retry-After": str(seconds)},
    )


def _timestamp(now: datetime) -> str:
    utc = now.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def problem_body(problem: HttpProblem, path: str, now: datetime) -> dict[str, Any]:
    """The reference API's error body for ``problem``, answered at ``now`` to ``path``."""
    return {
        "statusCode": problem.status,
        "timestamp": _timestamp(now),
        "path": path,
        "message": problem.message,
        "code": problem.code,
        "details": dict(problem.details),
    }
