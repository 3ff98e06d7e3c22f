"""The API's query, path and header parameters, each declared once with its parser.

A ``Parameter`` is one name, where it is sent, its ``Kind`` (the JSON Schema the OpenAPI
document shows and the parser that reads it, made together so they cannot drift),
its description and the value when it is not given. ``Parameter.param`` is its OpenAPI
declaration; ``Parameter.of(values)`` its value in the request's query (after
``query``), path parameters or headers. A bad value is a 400 naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Generic, Literal, TypeVar

import attrs
from starlette.requests import Request

from faktura.lines import check_text
from faktura.ports import MAX_PAGE_SIZE, OVERDUE
from faktura.status import Status

from .errors import invalid
from .openapi import ID_PATTERN, Param

__all__ = [
    "AFTER",
    "ATTACHMENT_ID",
    "CUSTOMER_FILTER",
    "CUSTOMER_ID",
    "DRAFT",
    "ID",
    "IDEMPOTENCY_KEY",
    "IF_MATCH",
    "LIMIT",
    "PAGE",
    "SCHEDULE_ID",
    "SEARCH_CUSTOMERS",
    "SEARCH_INVOICES",
    "STATUS",
    "WEBHOOK_ENDPOINT_ID",
    "Kind",
    "Parameter",
    "check_id",
    "day",
    "query",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_ID = re.compile(ID_PATTERN)
_WHOLE = re.compile(r"\d{1,10}\Z", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_VERSION = re.compile(r'\s*(?:W/)?"?(\d{1,18})"?\s*\Z', re.ASCII)


@attrs.frozen
class Kind(Generic[T_co]):
    """What a parameter's value is: its JSON Schema, and ``parse(name, text)``."""

    schema: Mapping[str, Any]
    parse: Callable[[str, str], T_co]


def _as_is(name: str, value: str) -> str:
    return value


def check_id(value: str, name: str) -> str:
    """``value`` when it is an id (``ID_PATTERN``); ApiError 400 naming ``name`` otherwise."""
    if not _ID.match(value):
        raise invalid(name, "id", "is not a valid id")
    return value


def whole(minimum: int, maximum: int) -> Kind[int]:
    """A whole number (digits only: ``Billing`` checks the bounds and names them)."""

    def parse(name: str, value: str) -> int:
        if not _WHOLE.match(value):
            raise invalid(name, "type", "must be a whole number")
        return int(value)

    return Kind({"type": "integer", "minimum": minimum, "maximum": maximum}, parse)


def text(max_length: int) -> Kind[str | None]:
    """Free text of at most ``max_length`` characters; empty is not given."""

    def parse(name: str, value: str) -> str | None:
        check_text(value, name, limit=max_length)
        return value or None

    return Kind({"type": "string", "maxLength": max_length}, parse)


def identifier() -> Kind[str]:
    """An id (``ID_PATTERN``)."""
    return Kind(
        {"type": "string", "pattern": ID_PATTERN}, lambda name, value: check_id(value, name)
    )


def choice(values: Sequence[str]) -> Kind[str]:
    """One of ``values`` (``Billing`` checks it and names the allowed ones)."""
    return Kind({"type": "string", "enum": list(values)}, _as_is)


def flag() -> Kind[bool]:
    """true or false (also 1 or 0), any case."""

    def parse(name: str, value: str) -> bool:
        value = value.lower()
        if value not in ("true", "false", "1", "0"):
            raise invalid(name, "type", "must be true or false")
        return value in ("true", "1")

    return Kind({"type": "boolean"}, parse)


def string(**schema: Any) -> Kind[str]:
    """Any string; ``schema`` documents it (``Billing`` checks it)."""
    return Kind({"type": "string", **schema}, _as_is)


def day() -> Kind[date | None]:
    """An ISO date (YYYY-MM-DD)."""

    def parse(name: str, value: str) -> date | None:
        try:
            return date.fromisoformat(value) if _DAY.match(value) else _bad_day(name)
        except ValueError:
            return _bad_day(name)

    return Kind({"type": "string", "format": "date"}, parse)


def _bad_day(name: str) -> date:
    raise invalid(name, "date", "must be an ISO date (YYYY-MM-DD)")


def _version(name: str, value: str) -> int | None:
    if value.strip() == "*":
        return None
    match = _VERSION.match(value)
    if match is None:
        raise invalid(name, "format", 'must be the ETag of the draft, e.g. "3"')
    return int(match.group(1))


@attrs.frozen
class Parameter(Generic[T]):
    """One parameter: declared once, parsed and documented from that declaration."""

    name: str
    location: Literal["query", "path", "header"]
    kind: Kind[T]
    description: str
    #: the value when the parameter is not given; documented unless None (or a path's)
    default: T
    param: Param = attrs.field(init=False)

    @param.default
    def _param(self) -> Param:
        schema = dict(self.kind.schema)
        if self.default is not None and self.location != "path":
            schema["default"] = self.default
        return Param(self.name, self.location, schema, self.description, self.location == "path")

    def of(self, values: Mapping[str, Any]) -> T:
        """The value in ``values`` (the query, path parameters or headers)."""
        given = values.get(self.name)
        return self.default if given is None else self.kind.parse(self.name, str(given))


def query(request: Request, names: frozenset[str]) -> dict[str, str]:
    """The query parameters, each one of ``names`` and given once; ApiError 400 otherwise."""
    values: dict[str, str] = {}
    for key in request.query_params:
        if key not in names:
            raise invalid(key, "unknown_field", "is not a known query parameter")
        given = request.query_params.getlist(key)
        if len(given) > 1:
            raise invalid(key, "repeated", "must be given once")
        values[key] = given[0]
    return values


# -- the parameters --------------------------------------------------------------------

ID: Parameter[str] = Parameter("id", "path", identifier(), "Document ID", "")
CUSTOMER_ID: Parameter[str] = Parameter("id", "path", identifier(), "Customer ID", "")
SCHEDULE_ID: Parameter[str] = Parameter("id", "path", identifier(), "Schedule ID", "")
WEBHOOK_ENDPOINT_ID: Parameter[str] = Parameter(
    "id", "path", identifier(), "Webhook endpoint ID", ""
)
AFTER: Parameter[str | None] = Parameter(
    "after",
    "query",
    identifier(),
    "The next page: the id a page answered as next (left out: the first page)",
    None,
)
ATTACHMENT_ID: Parameter[str] = Parameter(
    "attachmentId",
    "path",
    string(minLength=1, maxLength=200),
    "The supporting document's reference (its id, BT-122)",
    "",
)
PAGE: Parameter[int] = Parameter("page", "query", whole(1, 10**9), "Page number (1-indexed)", 1)
LIMIT: Parameter[int] = Parameter(
    "limit", "query", whole(1, MAX_PAGE_SIZE), "Number of items per page", 20
)
SEARCH_INVOICES: Parameter[str | None] = Parameter(
    "search", "query", text(200), "Free-text search (invoice number, description)", None
)
SEARCH_CUSTOMERS: Parameter[str | None] = Parameter(
    "search", "query", text(200), "Free-text search (name, number)", None
)
STATUS: Parameter[str | None] = Parameter(
    "status",
    "query",
    choice([*(s.value for s in Status), OVERDUE]),
    "Filter by status (overdue: booked, owed and past its due date)",
    None,
)
CUSTOMER_FILTER: Parameter[str | None] = Parameter(
    "customerId", "query", identifier(), "Filter for a specific customer", None
)
DRAFT: Parameter[bool] = Parameter(
    "draft", "query", flag(), "Render a draft watermark version", False
)
IF_MATCH: Parameter[int | None] = Parameter(
    "If-Match",
    "header",
    Kind({"type": "string", "maxLength": 64}, _version),
    'Only apply when it is still at this version (its ETag, e.g. "3")',
    None,
)
IDEMPOTENCY_KEY: Parameter[str | None] = Parameter(
    "Idempotency-Key",
    "header",
    string(minLength=1, maxLength=200),
    "Repeating a send with the same key returns the stored result without sending again",
    None,
)

# -- getting paid ----------------------------------------------------------------------

REMINDER_ID: Parameter[str] = Parameter("id", "path", identifier(), "Reminder ID", "")
PAYMENT_ID: Parameter[str] = Parameter(
    "paymentId", "path", identifier(), "The payment's id (payments[].id)", ""
)
TODAY: Parameter[date | None] = Parameter(
    "today", "query", day(), "The day reminders are due on (left out: today)", None
)
OUTCOME: Parameter[str | None] = Parameter(
    "outcome",
    "query",
    choice(["matched", "partial", "overpaid", "unmatched"]),
    "Only the payments with this outcome (unmatched: the ones for a person to assign)",
    None,
)
ENTRIES_AFTER: Parameter[str | None] = Parameter(
    "after",
    "query",
    string(minLength=1, maxLength=300),
    "The next page: the key a page answered as next (left out: the first page)",
    None,
)
FROM: Parameter[date | None] = Parameter(
    "from", "query", day(), "The statement's first day (required)", None
)
TO: Parameter[date | None] = Parameter(
    "to", "query", day(), "The statement's last day (left out: today)", None
)
CURRENCY: Parameter[str | None] = Parameter(
    "currency",
    "query",
    string(pattern="^[A-Z]{3}$"),
    "ISO 4217 currency (left out: the company's)",
    None,
)
LANGUAGE: Parameter[str | None] = Parameter(
    "language",
    "query",
    string(minLength=1, maxLength=16),
    "The PDF's language, e.g. da or en (left out: the customer's)",
    None,
)
