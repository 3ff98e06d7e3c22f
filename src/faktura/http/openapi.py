"""The OpenAPI 3.1 document of the HTTP API, generated from the attrs wire classes.

Nothing here is written by hand twice: every request and response schema comes from
walking the fields and type hints of the classes the app parses and answers with
(``faktura.wire``, ``faktura.delivery.wire``, ``faktura.http.schemas``), and every
operation from the app's route table. A renamed or added field shows up in the
document by itself; tests validate real responses against it.

Type mapping: ``str`` → string, ``int`` → integer, ``bool`` → boolean, ``Decimal`` →
decimal string (requests also take JSON integers), ``date`` / ``datetime`` → string
with format date / date-time, enums → string enum, ``X | None`` → X or null, lists →
array, ``dict[str, str]`` → object of strings, attrs classes → ``$ref``. Field metadata
adds ``description``, ``enum``, ``pattern``, ``minimum``, ``maximum``, ``maxLength``;
``nullable: False`` leaves null out (the property may be left out instead). Objects
refuse unknown properties (``additionalProperties: false``), as the converter does; in
responses every property is present (null when unset), so all are required, except
those marked ``nullable: False`` (error details: present when they apply).
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from faktura.apikeys import Scope
from faktura.fields import description as describe
from faktura.fields import wire_name

from .auth import API_KEY_HEADER

__all__ = ["ID_PATTERN", "Operation", "Param", "build_openapi", "schema_of"]

Mode = Literal["request", "response"]

#: Ids in paths and query strings: what ``new_id`` makes, and what hosts reasonably use.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$"
#: A decimal string as the converter takes it, and as responses carry it.
_DECIMAL_IN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"
_DECIMAL_OUT = r"^-?\d+(\.\d+)?$"
_METADATA_KEYS = ("description", "enum", "pattern", "minimum", "maximum", "maxLength")


def _first_line(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


class _Components:
    """The schemas of the document, each class once per mode."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}

    def name(self, cls: type, mode: Mode) -> str:
        base = cls.__name__
        if mode == "request" and not base.endswith(("Request", "Input")):
            return f"{base}Input"
        return base

    def ref(self, cls: type, mode: Mode) -> dict[str, Any]:
        name = self.name(cls, mode)
        if name not in self.schemas:
            self.schemas[name] = {}  # a placeholder: classes may refer to themselves
            self.schemas[name] = self.object_schema(cls, mode)
        return {"$ref": f"#/components/schemas/{name}"}

    def object_schema(self, cls: type, mode: Mode) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            name = wire_name(field)
            prop = self.field_schema(hints[field.name], field.metadata, mode)
            description = describe(field)
            if description:
                prop = {**prop, "description": description}
            properties[name] = prop
            may_be_left_out = field.metadata.get("nullable") is False
            if field.default is attrs.NOTHING or (mode == "response" and not may_be_left_out):
                required.append(name)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        doc = _first_line(cls.__doc__)
        if doc:
            schema["description"] = doc
        return schema

    def field_schema(self, tp: Any, metadata: Mapping[str, Any], mode: Mode) -> dict[str, Any]:
        nullable, inner_type = _unwrap_optional(tp)
        inner = self.type_schema(inner_type, mode)
        extra = {k: metadata[k] for k in _METADATA_KEYS if k in metadata and k != "description"}
        if extra:
            inner = {**inner, **extra}
        if nullable and metadata.get("nullable", True):
            return {"anyOf": [inner, {"type": "null"}]}
        return inner

    def type_schema(self, tp: Any, mode: Mode) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (list, Sequence, tuple):
            return {"type": "array", "items": self.type_schema(args[0], mode)}
        if origin in (dict, Mapping):
            values = args[1] if len(args) == 2 else Any
            if values is Any:
                return {"type": "object"}
            return {"type": "object", "additionalProperties": self.type_schema(values, mode)}
        if origin in (typing.Union, types.UnionType):
            nullable, inner = _unwrap_optional(tp)
            schema = self.type_schema(inner, mode)
            return {"anyOf": [schema, {"type": "null"}]} if nullable else schema
        if tp is Any:
            return {}
        if isinstance(tp, type):
            if issubclass(tp, enum.Enum):
                return {"type": "string", "enum": [str(member.value) for member in tp]}
            if attrs.has(tp):
                return self.ref(tp, mode)
            if tp is bool:
                return {"type": "boolean"}
            if tp is int:
                return {"type": "integer"}
            if tp is str:
                return {"type": "string"}
            if tp is Decimal:
                if mode == "request":
                    return {"type": ["string", "integer"], "pattern": _DECIMAL_IN}
                return {"type": "string", "pattern": _DECIMAL_OUT}
            if tp is dt.datetime:
                return {"type": "string", "format": "date-time"}
            if tp is dt.date:
                return {"type": "string", "format": "date"}
        raise TypeError(f"no JSON Schema for {tp!r}")


def _unwrap_optional(tp: Any) -> tuple[bool, Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return len(args) != len(typing.get_args(tp)), args[0]
    return False, tp


def schema_of(cls: type, mode: Mode = "response") -> dict[str, Any]:
    """The JSON Schema of one wire class, its nested classes under ``$defs``-style
    ``components`` (for tests and hosts that document their own APIs)."""
    components = _Components()
    root = components.ref(cls, mode)
    return {**root, "components": {"schemas": components.schemas}}


@attrs.frozen
class Param:
    """A query, path or header parameter."""

    name: str
    location: Literal["query", "path", "header"]
    schema: Mapping[str, Any]
    description: str
    required: bool = False


@attrs.frozen
class Operation:
    """One route of the API, as the OpenAPI document describes it."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    scope: Scope | None
    description: str = ""
    params: tuple[Param, ...] = ()
    request: type | None = None
    response: type | None = None
    status: int = 200
    media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    #: the media types of a body sent as a file (not JSON), e.g. XML
    raw_body: tuple[str, ...] = ()
    #: other statuses of success with the same body (200 for a repeated idempotent call)
    also: tuple[int, ...] = ()
    #: other media types the answer may have (with Accept), e.g. application/pdf
    also_media: tuple[str, ...] = ()


_ERROR_TEXT = {
    400: "Invalid input: details.validationErrors names each property (wire path) and "
    "the rules it breaks",
    401: "Missing, malformed, unknown or revoked API key",
    403: "The API key lacks the operation's scope (details.requiredScopes)",
    404: "Not found in your company",
    409: "The document's status does not allow this (INVALID_STATE), or a concurrent "
    "change won (CONFLICT)",
    412: "If-Match does not match the current version",
    413: "The request body is above the size limit",
    415: "The request body is not JSON (Content-Type) or is encoded (Content-Encoding)",
    422: "The recipient side refused the document, or it cannot be rendered",
    500: "A server problem (no details are given)",
    502: "The delivery channel failed",
    503: "The store or the delivery channel is unavailable for now (see Retry-After)",
}


def build_openapi(
    operations: Sequence[Operation], *, title: str = "faktura", version: str = "1"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    components = _Components()
    error_ref = components.ref(_error_class(), "response")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components, error_ref)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Invoices, credit notes, customers, schedules (recurring "
            "invoices), billing runs, webhook endpoints, reminders, payments, bank "
            "statements, refunds and statements of account of your company. "
            f"Authenticate with an API key in the {API_KEY_HEADER} header; each operation "
            "needs the scope named in its x-required-scopes.",
        },
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
            },
        },
    }


def _error_class() -> type:
    from .schemas import ErrorResponse

    return ErrorResponse


def _operation(op: Operation, components: _Components, error_ref: dict[str, Any]) -> Any:
    description = op.description
    if op.scope is not None:
        description = f"{description}\n\nRequired scope: `{op.scope.value}`".strip()
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": description,
        "tags": [op.tag],
    }
    if op.params:
        body["parameters"] = [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required or p.location == "path",
                "description": p.description,
                "schema": dict(p.schema),
            }
            for p in op.params
        ]
    if op.request is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": components.ref(op.request, "request")}},
        }
    if op.raw_body:
        raw = {"schema": {"type": "string", "contentMediaType": op.raw_body[0]}}
        body["requestBody"] = {
            "required": True,
            "content": dict.fromkeys(op.raw_body, raw),
        }
    if op.media_type == "application/json":
        if op.response is None:
            raise TypeError(f"{op.operation_id}: a JSON operation needs a response class")
        success: dict[str, Any] = {"schema": components.ref(op.response, "response")}
    else:
        success = {"schema": {"type": "string", "contentEncoding": "binary"}}
    binary = {"schema": {"type": "string", "contentEncoding": "binary"}}
    content = {op.media_type: success, **dict.fromkeys(op.also_media, binary)}
    description = _first_line(op.response.__doc__ if op.response else op.summary) or op.summary
    responses: dict[str, Any] = {
        str(status): {"description": description, "content": content}
        for status in sorted({op.status, *op.also})
    }
    codes = set(op.errors) | {400, 500, 503}
    if op.scope is not None:
        codes |= {401, 403}
        body["security"] = [{"apiKey": []}]
        body["x-required-scopes"] = [op.scope.value]
    if op.request is not None or op.raw_body:
        codes |= {413, 415}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _ERROR_TEXT[code],
            "content": {"application/json": {"schema": error_ref}},
        }
    body["responses"] = responses
    return body
