"""The wire format's converter: JSON (camelCase, decimal strings) to and from the attrs
wire classes, with the field names their declarations give (``faktura.fields``).

Requests are structured strictly (text is text, a number is not a string, unknown fields
are refused) and every input error becomes a WireFormatError naming the field by its wire
path. Responses are written by one function per class, generated from its fields.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from faktura.checks import check_text
from faktura.errors import FieldError, ValidationError, WireFormatError
from faktura.fields import camel, wire_names
from faktura.lines import LineType
from faktura.money import parse_decimal
from faktura.schedules import Proration, Timing, Unit
from faktura.status import DocumentKind, Status
from faktura.vat import UNSUPPORTED_CATEGORIES, VatCategory, vat_category

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

# -- the converter ---------------------------------------------------------------------


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_MAX_ID = 200


def _strict_str(value: object, _: type) -> str:
    """Text is text: a string without NUL, other control characters (line breaks and tab
    aside) or lone surrogates (JSON's ``\\ud800`` escapes decode to one)."""
    if type(value) is str and value.isprintable():
        return value  # check_text's own fast path, without the call: nothing to refuse
    if not isinstance(value, str):
        raise ValidationError("must be a string", field="", rule="type")
    return check_text(value, "", limit=sys.maxsize)  # lengths are the fields' own rules


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("must be a whole number", field="", rule="type")
    return value


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false", field="", rule="type")
    return value


# The common decimal strings, that parse_decimal accepts as they are: at most 12 digits
# before the point (below 10^12) and 6 after (MAX_PLACES), ASCII digits, no blanks.
_SHORT_DECIMAL = re.compile(r"[+-]?\d{1,12}(?:\.\d{0,6})?\Z", re.ASCII)


def _decimal(value: object, _: type) -> Decimal:
    """``parse_decimal(value, "")``, with a fast path for the common decimal strings
    (the same Decimal, -0 made 0 as parse_decimal does; tests/test_wire.py checks both
    agree); everything else goes through parse_decimal and its checks."""
    if type(value) is str and _SHORT_DECIMAL.match(value):
        number = Decimal(value)
        return number if number or not number.is_signed() else number.copy_negate()
    return parse_decimal(value, "")


def _optional_decimal(value: object, _: type) -> Decimal | None:
    """``Decimal | None``: ``_decimal`` inlined (the hot field type of every line)."""
    if value is None:
        return None
    if type(value) is str and _SHORT_DECIMAL.match(value):
        number = Decimal(value)
        return number if number or not number.is_signed() else number.copy_negate()
    return parse_decimal(value, "")


def _date(value: object, _: type) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValidationError("must be an ISO date (YYYY-MM-DD)", field="", rule="date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"is not a calendar date ({exc})", field="", rule="date") from exc


def _timestamp(value: object, _: type) -> dt.datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise ValidationError(
            "must be an ISO timestamp with a time zone", field="", rule="timestamp"
        )
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(
            f"is not a valid timestamp ({exc})", field="", rule="timestamp"
        ) from exc


def _format_timestamp(value: dt.datetime) -> str:
    # "2026-11-25T09:00:00.000Z": milliseconds, UTC
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _enum_hook(enum_type: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    allowed = ", ".join(str(member.value) for member in enum_type)
    # The members by value, as Enum's own lookup starts (the exact value, hashed); a miss
    # or an unhashable value goes on to enum_type(value), which decides as it always did.
    by_value: dict[object, enum.Enum] = {member.value: member for member in enum_type}

    def structure_enum(value: object, _: type) -> enum.Enum:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            pass
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            raise ValidationError(f"must be one of: {allowed}", field="", rule="enum") from None

    return structure_enum


def _list_hook(conv: cattrs.Converter) -> Callable[[type], Callable[[object, type], list[Any]]]:
    def factory(list_type: type) -> Callable[[object, type], list[Any]]:
        (item_type,) = list_type.__args__  # type: ignore[attr-defined]
        handler = conv.get_structure_hook(item_type)
        maximum = 10_000

        def structure_list(value: object, _: type) -> list[Any]:
            if not isinstance(value, list):
                raise ValidationError("must be a list", field="", rule="type")
            if len(value) > maximum:
                raise ValidationError(f"must have at most {maximum} items", field="", rule="length")
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(handler(item, item_type))
                except Exception as exc:  # collected with its index, translated below
                    exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, item_type)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid items", errors, list_type)
            return items

        return structure_list

    return factory


def _is_optional(type_: object) -> bool:
    args = getattr(type_, "__args__", ())
    return (
        typing.get_origin(type_) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _optional_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[object, type], Any]]:
    """``X | None``: None, else X's own hook, looked up once (cattrs' own Optional hook
    dispatches on X for every value; the results and errors are the same)."""

    def factory(union: Any) -> Callable[[object, type], Any]:
        (inner,) = (arg for arg in union.__args__ if arg is not type(None))
        handler = conv.get_structure_hook(inner)
        if handler is _decimal:
            return _optional_decimal

        def structure_optional(value: object, _: type) -> Any:
            return None if value is None else handler(value, inner)

        return structure_optional

    return factory


def _mapping_guard(
    structure: Callable[[Mapping[str, Any], Any], T],
) -> Callable[[object, type], T]:
    def guarded(value: object, cls: type) -> T:
        if type(value) is not dict and not isinstance(value, Mapping):
            raise ValidationError("must be an object", field="", rule="type")
        return structure(value, cls)

    return guarded


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_unstructure_hook(Decimal, lambda d: format(d, "f"))
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.datetime, _timestamp)
    conv.register_unstructure_hook(dt.datetime, _format_timestamp)
    for enum_type in (VatCategory, LineType, Status, DocumentKind, Unit, Timing, Proration):
        conv.register_structure_hook(enum_type, _enum_hook(enum_type))
        conv.register_unstructure_hook(enum_type, lambda e: e.value)
    # EN 16931's categories faktura does not issue are refused by name (faktura.vat)
    known = _enum_hook(VatCategory)
    conv.register_structure_hook(
        VatCategory,
        lambda value, tp: (
            vat_category(value, "")
            if isinstance(value, str) and value in UNSUPPORTED_CATEGORIES
            else known(value, tp)
        ),
    )
    conv.register_structure_hook_factory(
        lambda t: getattr(t, "__origin__", None) is list, _list_hook(conv)
    )
    conv.register_structure_hook_factory(_is_optional, _optional_hook(conv))

    def structure_factory(cls: type) -> Callable[[object, type], Any]:
        renames = {name: override(rename=wire) for name, wire in wire_names(cls).items()}
        return _mapping_guard(make_dict_structure_fn(cls, conv, **renames))  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, lambda cls: _unstructure_fn(cls, conv))
    return conv


# Responses: one function per wire class, generated from its fields, that writes the JSON
# dict straight from the attributes (decimals, dates and enums formatted inline, nested
# classes by their own generated function). The wire classes are the one declaration of
# every response; nothing is written by hand beside them.

_PASS_THROUGH = (str, int, bool)


def _value_code(tp: Any, expr: str, conv: cattrs.Converter, names: dict[str, Any]) -> str:
    """Python source that turns ``expr`` (a value of type ``tp``) into JSON-ready data."""
    if _is_optional(tp):
        (inner,) = (arg for arg in tp.__args__ if arg is not type(None))
        var = f"v{len(names)}"
        names[var] = None  # reserves the name
        return f"(None if ({var} := {expr}) is None else {_value_code(inner, var, conv, names)})"
    origin = typing.get_origin(tp)
    if origin in (list, tuple, Sequence):
        (item_type, *_) = typing.get_args(tp)
        if item_type in _PASS_THROUGH:
            return f"list({expr})"
        return f"[{_value_code(item_type, 'i', conv, names)} for i in {expr}]"
    if tp in _PASS_THROUGH:
        return expr
    if tp is Decimal:
        return f'format({expr}, "f")'
    if tp is dt.date:
        return f"{expr}.isoformat()"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return f"{expr}.value"
    handler = f"h{len(names)}"
    names[handler] = conv.get_unstructure_hook(tp)
    return f"{handler}({expr})"


def _unstructure_fn(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {}
    items = [
        f"{wire!r}: {_value_code(hints[name], f'o.{name}', conv, names)}"
        for name, wire in wire_names(cls).items()
    ]
    source = f"def unstructure(o):\n    return {{{', '.join(items)}}}\n"
    namespace = {key: value for key, value in names.items() if value is not None}
    exec(compile(source, f"<unstructure {cls.__qualname__}>", "exec"), namespace)
    unstructure: Callable[[Any], dict[str, Any]] = namespace["unstructure"]
    return unstructure


#: The one converter of the wire format.
converter = _make_converter()


def _errors(exc: BaseException, path: tuple[str, ...]) -> Iterable[FieldError]:
    """Flatten a cattrs error tree into FieldErrors with wire paths."""
    here = ".".join(path)
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                step = _wire_step(exc, note.name)
            else:
                step = str(note.index) if isinstance(note, IterableValidationNote) else ""
            yield from _errors(inner, (*path, step) if step else path)
        for inner in without:
            yield from _errors(inner, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield FieldError(".".join((*path, key)), "unknown_field", "is not a known field")
    elif isinstance(exc, ValidationError):
        for error in exc.errors:
            full = ".".join(p for p in (here, error.path) if p)
            yield FieldError(full, error.rule, error.message)
    elif isinstance(exc, KeyError):
        yield FieldError(here, "required", "is required")
    else:
        yield FieldError(here, "type", "has the wrong type or shape")


def _wire_step(exc: BaseException, name: str) -> str:
    """The wire name of the attribute ``name`` of the class that failed to structure."""
    cls = getattr(exc, "cl", None)
    if cls is not None and attrs.has(cls):
        return wire_names(cls).get(name) or camel(name)
    return camel(name)


def structure(data: object, cls: type[T]) -> T:
    """``data`` (parsed JSON) as a wire class; WireFormatError listing every bad field."""
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ValidationError) as exc:
        raise WireFormatError._from_errors(_errors(exc, ())) from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise WireFormatError(
            f"is not a valid {cls.__name__} ({type(exc).__name__})", field=""
        ) from None


def unstructure(value: object) -> Any:
    """A wire class as plain JSON-ready data (dicts, lists, strings, numbers, None)."""
    return converter.unstructure(value)
