"""The HTTP error envelope: every faktura error (and every surprise) as the reference API's JSON.

The envelope is ``{statusCode, timestamp, path, message, code, details}``. The table
below is the whole mapping; anything not in it is a bug and answers 500
``INTERNAL_ERROR`` without a word about its cause (the traceback goes to the log).

================================  ======  ==========================
error                             status  code
================================  ======  ==========================
ValidationError (+ WireFormat,    400     SHARED_VALIDATION_FAILED
NumberingError), bad query/path
malformed JSON                    400     MALFORMED_JSON
AuthenticationError               401     UNAUTHORIZED
missing scope                     403     INSUFFICIENT_PERMISSIONS
NotFoundError, unknown route,     404     NOT_FOUND
a path that names nothing
wrong method                      405     METHOD_NOT_ALLOWED
InvoiceStateError                 409     INVALID_STATE
ConflictError                     409     CONFLICT
If-Match does not hold            412     PRECONDITION_FAILED
body above the limit              413     PAYLOAD_TOO_LARGE
body not JSON (Content-Type) or   415     UNSUPPORTED_MEDIA_TYPE
encoded (Content-Encoding)
DeliveryRejected                  422     DELIVERY_REJECTED
RenderError                       422     RENDER_FAILED
DeliveryError (other)             502     DELIVERY_FAILED
DeliveryUnavailable               503     DELIVERY_UNAVAILABLE
StorageError, retryable           503     STORAGE_UNAVAILABLE
StorageError, not retryable       500     STORAGE_FAILED
(corrupt, unopenable, a row that
cannot be read)
ConfigurationError                500     CONFIGURATION_ERROR
anything else                     500     INTERNAL_ERROR
client gone mid-request (logged)  499     CLIENT_DISCONNECTED
================================  ======  ==========================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

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
    "ApiError",
    "envelope",
    "error_response",
    "translate",
    "validation_details",
]

logger = logging.getLogger("faktura.http")

#: Retry-After (seconds) sent with 503 answers: a channel or the store is busy for now.
RETRY_AFTER_SECONDS = {"DELIVERY_UNAVAILABLE": 30, "STORAGE_UNAVAILABLE": 2}


class ApiError(Exception):
    """An error answer decided by the HTTP layer itself (auth, scopes, limits, JSON)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})


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


def invalid(path: str, rule: str, message: str) -> ApiError:
    """A 400 for one offending property of the request (query, path or body)."""
    return ApiError(
        400,
        "SHARED_VALIDATION_FAILED",
        f"{path}: {message}" if path else message,
        validation_details([FieldError(path, rule, message)]),
    )


def translate(exc: BaseException) -> ApiError:
    """The answer to an exception raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        return ApiError(
            400,
            "SHARED_VALIDATION_FAILED",
            exc.message or "the request is not valid",
            validation_details(exc.errors),
        )
    if isinstance(exc, AuthenticationError):
        return ApiError(401, "UNAUTHORIZED", exc.message)
    if isinstance(exc, NotFoundError):
        return ApiError(404, "NOT_FOUND", exc.message, {"entity": exc.entity, "id": exc.entity_id})
    if isinstance(exc, InvoiceStateError):
        return ApiError(
            409,
            "INVALID_STATE",
            exc.message,
            {"invoiceId": exc.invoice_id, "status": exc.status, "action": exc.action},
        )
    if isinstance(exc, ConflictError):
        return ApiError(409, "CONFLICT", exc.message, {"retryable": True})
    if isinstance(exc, DeliveryRejected):
        return ApiError(422, "DELIVERY_REJECTED", exc.message)
    if isinstance(exc, DeliveryUnavailable):
        return _unavailable("DELIVERY_UNAVAILABLE", exc.message)
    if isinstance(exc, DeliveryError):
        return ApiError(502, "DELIVERY_FAILED", exc.message)
    if isinstance(exc, RenderError):
        return ApiError(422, "RENDER_FAILED", exc.message)
    if isinstance(exc, StorageError):
        if exc.retryable:
            logger.warning("storage unavailable: %s", exc.message)
            return _unavailable("STORAGE_UNAVAILABLE", "the store is unavailable; try again")
        return _storage_failed(exc)
    if isinstance(exc, ConfigurationError):
        logger.error("faktura is configured wrongly", exc_info=exc)
        return ApiError(500, "CONFIGURATION_ERROR", "the server is configured wrongly")
    if isinstance(exc, FakturaError):
        logger.error("unmapped faktura error", exc_info=exc)
    else:
        logger.error("unexpected error", exc_info=exc)
    return ApiError(500, "INTERNAL_ERROR", "an unexpected error occurred")


def _storage_failed(exc: StorageError) -> ApiError:
    """500 for a store no retry cures: the log has the cause; the answer names the row
    that cannot be read (the caller's own document), nothing about files or drivers."""
    logger.error("storage failed (not retryable): %s", exc.message, exc_info=exc)
    details: dict[str, Any] = {"retryable": False}
    if exc.entity is not None and exc.entity_id is not None:
        details.update(entity=exc.entity, id=exc.entity_id)
        message = f"the stored {exc.entity} {exc.entity_id!r} cannot be read; it needs repair"
    else:
        message = "the store failed in a way a retry does not cure; it needs repair"
    return ApiError(500, "STORAGE_FAILED", message, details)


def _unavailable(code: str, message: str) -> ApiError:
    seconds = RETRY_AFTER_SECONDS[code]
    return ApiError(
        503,
        code,
        message,
        {"retryable": True, "retryAfterSeconds": seconds},
        {"Retry-After": str(seconds)},
    )


def _timestamp(now: datetime) -> str:
    utc = now.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def envelope(error: ApiError, path: str, now: datetime) -> dict[str, Any]:
    """The reference API's error body."""
    return {
        "statusCode": error.status,
        "timestamp": _timestamp(now),
        "path": path,
        "message": error.message,
        "code": error.code,
        "details": error.details,
    }


def error_response(error: ApiError, path: str, now: datetime) -> JSONResponse:
    """The JSON answer of an error."""
    return JSONResponse(envelope(error, path, now), error.status, headers=error.headers)
