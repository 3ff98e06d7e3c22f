"""The one exception tree of faktura; every error a caller can see is drawn here.

::

    FakturaError                     code            retryable
    ├── ValidationError(ValueError)  validation_failed
    │   ├── WireFormatError          wire_format_invalid
    │   └── NumberingError           numbering_refused
    ├── NotFoundError(LookupError)   not_found
    ├── InvoiceStateError            invalid_state
    ├── ConflictError                conflict        yes
    ├── AuthenticationError          unauthorized
    ├── ConfigurationError           configuration_error
    ├── StorageError                 storage_error   per error (see below)
    ├── RenderError                  render_failed
    └── DeliveryError                delivery_failed
        ├── DeliveryRejected         delivery_rejected
        └── DeliveryUnavailable      delivery_unavailable  yes

Every error has a stable machine ``code`` and structured fields, so an adapter (HTTP,
CLI, a host's own API) can translate it without parsing messages. Adapters translate
driver errors (sqlite3, psycopg, smtplib, ...) into these with ``raise ... from exc``.

``retryable`` is true only when trying the same thing again may succeed. A StorageError
says so per error: a store that is locked, busy, unreachable or lost its connection is
retryable; one whose file is corrupt or not a database, that cannot be opened, whose
schema does not match, or a stored row that cannot be decoded (``entity`` and
``entity_id`` name the row) is not: retrying fails the same way until someone repairs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DeliveryError",
    "DeliveryRejected",
    "DeliveryUnavailable",
    "FakturaError",
    "FieldError",
    "InvoiceStateError",
    "NotFoundError",
    "NumberingError",
    "RenderError",
    "StorageError",
    "ValidationError",
    "WireFormatError",
]


class FakturaError(Exception):
    """Root of every error faktura raises on purpose."""

    code: str = "faktura_error"
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """The structured fields of this error, for adapters."""
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


@attrs.frozen
class FieldError:
    """One offending field: its path on the wire ("lines.0.quantity") and the broken rule."""

    path: str
    rule: str
    message: str


class ValidationError(FakturaError, ValueError):
    """Input breaks a rule; ``errors`` lists every offending field with its path."""

    code = "validation_failed"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str = "invalid",
        errors: Iterable[FieldError] = (),
    ) -> None:
        collected = tuple(errors)
        if field is not None:
            collected = (FieldError(field, rule, message), *collected)
        if field is None and collected:
            message = "; ".join(
                f"{e.path}: {e.message}" if e.path else e.message for e in collected
            )
        elif field is not None:
            message = f"{field}: {message}"
        super().__init__(message)
        self.errors: tuple[FieldError, ...] = collected

    @property
    def field(self) -> str | None:
        """The path of the first offending field, if the error names one."""
        return self.errors[0].path if self.errors else None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every offending path, in order."""
        return tuple(e.path for e in self.errors)

    def prefixed(self, prefix: str) -> ValidationError:
        """The same error with every path moved under ``prefix`` (e.g. "lines.0")."""
        moved = [
            FieldError(f"{prefix}.{e.path}" if e.path else prefix, e.rule, e.message)
            for e in self.errors
        ]
        return type(self)._from_errors(moved)

    def renamed(self, rename: Callable[[str], str]) -> ValidationError:
        """The same error with every path renamed (e.g. a Python path to its wire name,
        ``faktura.fields.wire_path``); the message is written anew from the paths."""
        moved = [
            FieldError(rename(e.path) if e.path else "", e.rule, e.message) for e in self.errors
        ]
        return type(self)._from_errors(moved)

    @classmethod
    def _from_errors(cls, errors: Iterable[FieldError]) -> ValidationError:
        err = cls.__new__(cls)
        ValidationError.__init__(err, "", errors=errors)
        return err

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["errors"] = [attrs.asdict(e) for e in self.errors]
        return data


class WireFormatError(ValidationError):
    """A wire document (JSON) does not have the shape of faktura's wire format."""

    code = "wire_format_invalid"


class NumberingError(ValidationError):
    """A number series refuses the booking (e.g. back-dating before the last booked date)."""

    code = "numbering_refused"


class NotFoundError(FakturaError, LookupError):
    """The entity does not exist in the caller's company (another company's is the same)."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"{entity} {entity_id!r} not found")
        self.entity = entity
        self.entity_id = entity_id

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data.update(entity=self.entity, id=self.entity_id)
        return data


class InvoiceStateError(FakturaError):
    """The document's status does not allow the operation (e.g. editing a booked invoice)."""

    code = "invalid_state"

    def __init__(self, message: str, *, invoice_id: str, status: str, action: str) -> None:
        super().__init__(message)
        self.invoice_id = invoice_id
        self.status = status
        self.action = action

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data.update(invoiceId=self.invoice_id, status=self.status, action=self.action)
        return data


class ConflictError(FakturaError):
    """A concurrent change won (optimistic concurrency); reload and try again."""

    code = "conflict"
    retryable = True


class AuthenticationError(FakturaError):
    """An API key is missing, malformed, unknown or revoked (never says which)."""

    code = "unauthorized"


class ConfigurationError(FakturaError):
    """faktura is set up wrongly: a missing extra, an unknown store URL, a bad setting."""

    code = "configuration_error"


class StorageError(FakturaError):
    """The store failed for a reason outside the caller's input (I/O, lock, driver).

    ``retryable`` (default true) is false when no retry can cure it: a corrupt or
    unopenable store, a schema that does not match, a stored row that cannot be read
    (then ``entity`` and ``entity_id`` name that row, e.g. "invoice", "inv-7").
    """

    code = "storage_error"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        entity: str | None = None,
        entity_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.entity = entity
        self.entity_id = entity_id

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.entity is not None:
            data.update(entity=self.entity, id=self.entity_id)
        return data


class RenderError(FakturaError):
    """A document cannot be rendered (e.g. a character the active font cannot draw)."""

    code = "render_failed"


class DeliveryError(FakturaError):
    """A delivery channel failed to hand over the document."""

    code = "delivery_failed"


class DeliveryRejected(DeliveryError):
    """The recipient side refused the document for good; retrying will not help."""

    code = "delivery_rejected"


class DeliveryUnavailable(DeliveryError):
    """The channel is unreachable or busy for now; a retry may succeed."""

    code = "delivery_unavailable"
    retryable = True
