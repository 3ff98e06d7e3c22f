"""The HTTP error envelope: every faktura error (and every surprise) as the reference API's JSON.

The envelope is ``{statusCode, timestamp, path, message, code, details}``. faktura's
own errors are answered as ``faktura.problems.http_problem`` says (the table is there,
for every web framework); this module adds the answers the HTTP layer decides itself
and logs what a server is to blame for. Anything unmapped answers 500
``INTERNAL_ERROR`` without a word about its cause (the traceback goes to the log).

No code is spelled twice: a bad parameter is answered as a ``ValidationError``
(``invalid``), a path that names nothing with ``NotFoundError``'s code (``not_found``,
through ``faktura.problems.code_of``); the codes only this layer answers are spelled
where it answers them.

================================  ======  ==========================
the HTTP layer's own answers      status  code
================================  ======  ==========================
bad query or path parameter       400     SHARED_VALIDATION_FAILED
malformed JSON                    400     MALFORMED_JSON
missing scope                     403     INSUFFICIENT_PERMISSIONS
unknown route, a path that names  404     NOT_FOUND
nothing
wrong method                      405     METHOD_NOT_ALLOWED
If-Match does not hold            412     PRECONDITION_FAILED
body above the limit              413     PAYLOAD_TOO_LARGE
body not JSON (Content-Type) or   415     UNSUPPORTED_MEDIA_TYPE
encoded (Content-Encoding)
client gone mid-request (logged)  499     CLIENT_DISCONNECTED
================================  ======  ==========================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse

from faktura.errors import (
    ConfigurationError,
    FakturaError,
    FieldError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from faktura.problems import (
    RETRY_AFTER_SECONDS,
    HttpProblem,
    code_of,
    http_problem,
    problem_body,
    validation_details,
)

__all__ = [
    "RETRY_AFTER_SECONDS",
    "ApiError",
    "envelope",
    "error_response",
    "invalid",
    "not_found",
    "translate",
    "validation_details",
]

logger = logging.getLogger("faktura.http")


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


#: How a bad property is answered: faktura.problems' answer to a ValidationError.
_INVALID = http_problem(ValidationError("invalid"))


def invalid(path: str, rule: str, message: str) -> ApiError:
    """A 400 for one offending property of the request (query, path or body), as a
    ``ValidationError`` naming it is answered."""
    return ApiError(
        _INVALID.status,
        _INVALID.code,
        f"{path}: {message}" if path else message,
        validation_details([FieldError(path, rule, message)]),
    )


#: The HTTP layer's own 404s (no route, a path that names nothing, Starlette's 404).
_NOT_FOUND = code_of(NotFoundError)


def not_found(message: str = "Not Found", headers: Mapping[str, str] | None = None) -> ApiError:
    """A 404 the HTTP layer decides: nothing is there (``NotFoundError``'s code)."""
    return ApiError(404, _NOT_FOUND, message, headers=headers)


def translate(exc: BaseException) -> ApiError:
    """The answer to an exception raised while serving a request; what a server is to
    blame for is logged with its cause."""
    if isinstance(exc, ApiError):
        return exc
    problem = http_problem(exc)
    if isinstance(exc, StorageError) and exc.retryable:
        logger.warning("storage unavailable: %s", exc.message)
    elif isinstance(exc, StorageError):
        logger.error("storage failed (not retryable): %s", exc.message, exc_info=exc)
    elif isinstance(exc, ConfigurationError):
        logger.error("faktura is configured wrongly", exc_info=exc)
    elif problem.status == 500:  # not storage, not configuration: unmapped
        what = "unmapped faktura error" if isinstance(exc, FakturaError) else "unexpected error"
        logger.error(what, exc_info=exc)
    return ApiError(problem.status, problem.code, problem.message, problem.details, problem.headers)


def envelope(error: ApiError, path: str, now: datetime) -> dict[str, Any]:
    """The reference API's error body."""
    problem = HttpProblem(error.status, error.code, error.message, error.details, error.headers)
    return problem_body(problem, path, now)


def error_response(error: ApiError, path: str, now: datetime) -> JSONResponse:
    """The JSON answer of an error."""
    return JSONResponse(envelope(error, path, now), error.status, headers=error.headers)
