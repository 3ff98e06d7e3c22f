"""What the HTTP API's body classes share: parsing a body (``parse_body``: a field may be
left out but not be null where its metadata says ``nullable: False``), the fields a body
named, errors collected under a prefix, and an edit body derived from a create body."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from faktura.errors import FieldError, ValidationError, WireFormatError
from faktura.fields import camel, wire_name
from faktura.wire import structure

T = TypeVar("T")
#: Metadata of a field that may be left out but not be null.
_NN = {"nullable": False}


def _each_optional(cls: type, name: str, doc: str, module: str) -> type:
    """An attrs class with the fields of ``cls`` (the same wire names, descriptions and
    metadata), each optional and None by default; a field ``cls`` requires, or declares
    ``"clearable": False``, may be left out but not be null (``nullable: False``)."""
    hints = typing.get_type_hints(cls)
    these = {
        a.name: attrs.field(
            default=None,
            type=hints[a.name] | None,
            metadata={
                **a.metadata,
                **(_NN if a.default is attrs.NOTHING or not _clearable(a, hints) else {}),
            },
        )
        for a in attrs.fields(cls)
    }
    made = attrs.make_class(name, these, frozen=True, slots=True)
    made.__doc__ = doc
    made.__module__ = module
    return made


def _clearable(attribute: attrs.Attribute[Any], hints: Mapping[str, Any]) -> bool:
    """An edit may set the field to null: it is optional, and not declared otherwise."""
    optional = type(None) in typing.get_args(hints[attribute.name])
    return optional and attribute.metadata.get("clearable", True) is not False


_TOTAL_IS_EXACT = {
    "description": "False when total is a lower bound: a search or the overdue filter "
    "counts its matches up to 1,000 past the end of the page, and then at least total "
    "match (totalPages is then at least the page after this one); every other total is "
    "exact"
}


# -- parsing -------------------------------------------------------------------------


def parse_body(data: Mapping[str, Any], cls: type[T]) -> T:
    """``data`` as ``cls``; fields whose metadata says ``nullable: False`` may be left
    out but not be null. Raises WireFormatError naming every bad field."""
    nulls = [
        FieldError(wire_name(a), "type", "must not be null")
        for a in attrs.fields(cls)  # type: ignore[arg-type]
        if a.metadata.get("nullable") is False
        and wire_name(a) in data
        and data[wire_name(a)] is None
    ]
    try:
        value = structure(data, cls)
    except WireFormatError as exc:
        raise WireFormatError._from_errors([*exc.errors, *nulls]) from None
    if nulls:
        raise WireFormatError._from_errors(nulls)
    return value


def _present(data: Mapping[str, Any], request: attrs.AttrsInstance) -> dict[str, Any]:
    """The fields of ``request`` the body named (snake_case name → value)."""
    return {
        a.name: getattr(request, a.name)
        for a in attrs.fields(type(request))
        if wire_name(a) in data
    }


def _collect(
    errors: list[FieldError], prefix: str, build: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """``build(*args, **kwargs)``, or None with its errors moved under ``prefix`` (names
    in camelCase)."""
    try:
        return build(*args, **kwargs)
    except ValidationError as exc:
        for error in exc.errors:
            path = ".".join(camel(part) for part in error.path.split(".") if part)
            full = ".".join(p for p in (prefix, path) if p)
            errors.append(FieldError(full, error.rule, error.message))
        return None


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError._from_errors(errors)


@attrs.frozen
class AddressWire:
    """A postal address; ``country`` is ISO 3166-1 alpha-2."""

    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str = attrs.field(
        default="DK", metadata={"pattern": "^[A-Z0-9]{2}$", "nullable": False}
    )
    additional: str | None = None
