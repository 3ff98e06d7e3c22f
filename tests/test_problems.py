"""faktura's errors as HTTP answers in one place (``faktura.problems``), for the bundled
adapter and a host's own: every faktura error has its status and code, nothing about a
server's fault leaks, and the bundled app answers exactly what the table says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import faktura.errors as errors
from faktura import (
    ConflictError,
    DeliveryRejected,
    DeliveryUnavailable,
    InvoiceStateError,
    NotFoundError,
    StorageError,
    ValidationError,
    http_problem,
    problem_body,
)
from faktura.http.errors import envelope, translate

AT = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)


def _sample(cls: type[errors.FakturaError]) -> errors.FakturaError:
    if issubclass(cls, ValidationError):
        return cls("must be above 0", field="quantity")
    if cls is NotFoundError:
        return cls("invoice", "inv-1")
    if cls is InvoiceStateError:
        return cls("cannot edit", invoice_id="inv-1", status="sent", action="edit")
    return cls("it failed")


@pytest.mark.parametrize(
    "cls", [getattr(errors, n) for n in errors.__all__ if n not in ("FieldError", "FakturaError")]
)
def test_every_faktura_error_has_its_own_answer(cls: type[errors.FakturaError]) -> None:
    problem = http_problem(_sample(cls))
    assert problem.code != "INTERNAL_ERROR", cls
    assert 400 <= problem.status < 600


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (
            ValidationError("must be above 0", field="lines.0.quantity"),
            400,
            "SHARED_VALIDATION_FAILED",
        ),
        (NotFoundError("invoice", "inv-1"), 404, "NOT_FOUND"),
        (
            InvoiceStateError("no", invoice_id="i", status="sent", action="edit"),
            409,
            "INVALID_STATE",
        ),
        (ConflictError("changed meanwhile"), 409, "CONFLICT"),
        (DeliveryRejected("no such participant"), 422, "DELIVERY_REJECTED"),
        (DeliveryUnavailable("busy"), 503, "DELIVERY_UNAVAILABLE"),
        (StorageError("locked", retryable=True), 503, "STORAGE_UNAVAILABLE"),
        (StorageError("corrupt", retryable=False), 500, "STORAGE_FAILED"),
        (KeyError("a bug"), 500, "INTERNAL_ERROR"),
    ],
)
def test_the_table(exc: BaseException, status: int, code: str) -> None:
    problem = http_problem(exc)
    assert (problem.status, problem.code) == (status, code)
    # the bundled adapter answers the same
    answered = translate(exc)
    assert (answered.status, answered.code, answered.details) == (
        status,
        code,
        dict(problem.details),
    )
    assert envelope(answered, "/v1/x", AT) == problem_body(problem, "/v1/x", AT)


def test_a_validation_error_names_every_property() -> None:
    exc = ValidationError._from_errors(
        [
            errors.FieldError("lines.0.quantity", "type", "must be a number"),
            errors.FieldError("currency", "BR-CL-04", "is not on the list"),
        ]
    )
    body = problem_body(http_problem(exc), "/v1/invoices", AT)
    assert body["statusCode"] == 400
    assert body["timestamp"] == "2026-12-07T12:00:00.123Z"
    assert [e["property"] for e in body["details"]["validationErrors"]] == [
        "lines.0.quantity",
        "currency",
    ]


def test_a_server_fault_says_nothing_of_its_cause() -> None:
    problem = http_problem(RuntimeError("password=hunter2 in /etc/faktura"))
    assert "hunter2" not in problem.message
    assert problem.server_fault
    assert not http_problem(StorageError("locked", retryable=True)).server_fault
    assert http_problem(StorageError("locked", retryable=True)).headers == {"Retry-After": "2"}
