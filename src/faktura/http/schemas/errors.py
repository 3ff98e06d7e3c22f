"""The error envelope every 4xx and 5xx answer carries."""

from __future__ import annotations

import datetime as dt

import attrs

from faktura.http.schemas.common import (
    _NN,
)

# -- errors --------------------------------------------------------------------------


@attrs.frozen
class ValidationErrorEntry:
    """One offending property and the rules it breaks (rule → message)."""

    property: str = attrs.field(metadata={"description": 'The wire path, e.g. "lines.0.quantity"'})
    constraints: dict[str, str] = attrs.field()


@attrs.frozen
class ErrorDetails:
    """What an error adds, by kind of error."""

    validation_errors: list[ValidationErrorEntry] | None = attrs.field(default=None, metadata=_NN)
    required_scopes: list[str] | None = attrs.field(default=None, metadata=_NN)
    entity: str | None = attrs.field(default=None, metadata=_NN)
    id: str | None = attrs.field(default=None, metadata=_NN)
    invoice_id: str | None = attrs.field(default=None, metadata=_NN)
    status: str | None = attrs.field(default=None, metadata=_NN)
    action: str | None = attrs.field(default=None, metadata=_NN)
    retryable: bool | None = attrs.field(default=None, metadata=_NN)
    retry_after_seconds: int | None = attrs.field(default=None, metadata=_NN)
    max_bytes: int | None = attrs.field(default=None, metadata=_NN)


@attrs.frozen
class ErrorResponse:
    """The error envelope of every non-2xx answer."""

    status_code: int
    timestamp: dt.datetime
    path: str
    message: str
    code: str
    details: ErrorDetails
