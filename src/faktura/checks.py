"""Field checks every public value runs when it is built: types, text, ids, dates, enums.

A value of faktura checks its own fields (``__attrs_post_init__``) with these, so a
value in hand is valid and anything a public call accepts can be stored and read back.
Each check names the field (its wire name, e.g. ``pricesIncludeVat``) in the
ValidationError it raises, and returns the value in its one accepted form: a member of
the enum for its value's text, a tuple for a list. ``normalize`` writes such a form back
onto a frozen value while it is being built.

Text is text: a lone surrogate (not encodable as UTF-8: no file, database or document
takes it), NUL and the other control characters are refused in every string field and
id. Names and other one-line fields refuse line breaks too (they end up in email
headers, PDF table cells and XML attributes).

>>> check_bool("false", "pricesIncludeVat")
Traceback (most recent call last):
...
faktura.errors.ValidationError: pricesIncludeVat: must be true or false
>>> import enum
>>> class Zone(enum.StrEnum):
...     EU = "eu"
>>> check_enum("eu", Zone, "vatZone")
<Zone.EU: 'eu'>
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from faktura.errors import FieldError, ValidationError

__all__ = [
    "MAX_ID",
    "MAX_TEXT",
    "check_bool",
    "check_date",
    "check_enum",
    "check_id",
    "check_instance",
    "check_int",
    "check_optional_date",
    "check_text",
    "check_timestamp",
    "check_tuple",
    "check_unique",
    "normalize",
]

#: Longest description or reason faktura stores; longer text is an input error.
MAX_TEXT = 4000
#: Longest id (of a company, customer, document, department, contact, key ...).
MAX_ID = 200
# C0 controls other than tab/newline/CR, the DEL/C1 range and non-characters break PDFs
# and XML; lone surrogates are not text at all (no UTF-8 encoding, no database takes them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What a one-line field may not hold on top: every line break Unicode knows, and tab.
_BREAK = re.compile(r"[\t\n\r\x85\u2028\u2029]")

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def check_text(
    value: object,
    field: str,
    *,
    required: bool = False,
    limit: int = MAX_TEXT,
    one_line: bool = False,
) -> str:
    """``value`` as text fit for documents, else a ValidationError naming ``field``:
    a ``str`` of at most ``limit`` characters, not blank when ``required``, without
    control characters or lone surrogates, and without line breaks when ``one_line``."""
    if not isinstance(value, str):
        raise ValidationError("must be text", field=field, rule="type")
    if len(value) > limit:
        raise ValidationError(f"must be at most {limit} characters", field=field, rule="length")
    if required and not value.strip():
        raise ValidationError("must not be empty", field=field, rule="required")
    if value.isprintable():
        # Fast path: printable text holds no control character (Cc), surrogate (Cs),
        # non-character (Cn) or line break (Zl, Zp, and the Cc ones): nothing below
        # would match. tests/test_wire.py checks it agrees with the expressions.
        return value
    if _CONTROL.search(value):
        raise ValidationError(
            "must not contain control characters or unpaired surrogates",
            field=field,
            rule="text",
        )
    if one_line and _BREAK.search(value):
        raise ValidationError("must be one line (no line breaks)", field=field, rule="one_line")
    return value


def check_id(value: object, field: str) -> str:
    """``value`` as an id: text of 1 to ``MAX_ID`` characters, one line, no control
    characters, no surrounding blanks."""
    check_text(value, field, required=True, limit=MAX_ID, one_line=True)
    assert isinstance(value, str)  # (for the type checker: check_text proved it)
    if value != value.strip():
        raise ValidationError("must not start or end with blanks", field=field, rule="id")
    return value


def check_bool(value: object, field: str) -> bool:
    """``value`` if it is a bool (``True``/``False``; not "false", not 0)."""
    if not isinstance(value, bool):
        raise ValidationError("must be true or false", field=field, rule="type")
    return value


def check_int(value: object, field: str, low: int, high: int) -> int:
    """``value`` if it is a whole number (not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("must be a whole number", field=field, rule="type")
    if not low <= value <= high:
        raise ValidationError(f"must be from {low} to {high}", field=field, rule="range")
    return value


def check_date(value: object, field: str) -> date:
    """``value`` if it is a calendar date (a ``date``, not a ``datetime``, not text)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError("must be a date", field=field, rule="type")
    return value


def check_optional_date(value: object, field: str) -> date | None:
    """None, or ``value`` if it is a calendar date."""
    return None if value is None else check_date(value, field)


def check_timestamp(value: object, field: str) -> datetime:
    """``value`` if it is a timezone-aware ``datetime``."""
    if not isinstance(value, datetime):
        raise ValidationError("must be a timestamp", field=field, rule="type")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError("must be a timezone-aware timestamp", field=field, rule="timezone")
    return value


def check_enum(value: object, kind: type[E], field: str) -> E:
    """The member of ``kind`` that ``value`` is, or whose value ``value`` is exactly
    (``"eu"`` is ``VatZone.EU``; ``"EU"`` is refused, naming the allowed values)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        for member in kind:
            if member.value == value:
                return member
    allowed = ", ".join(str(member.value) for member in kind)
    raise ValidationError(f"must be one of: {allowed}", field=field, rule="enum")


def check_instance(value: object, kind: type | types.UnionType, field: str) -> None:
    """A ValidationError naming ``field`` unless ``value`` is a ``kind`` (a class, or a
    union such as ``Address | None``)."""
    if not isinstance(value, kind):
        what = getattr(kind, "__name__", "value of the right kind")
        raise ValidationError(f"must be a {what}", field=field, rule="type")


def check_tuple(value: object, kind: type | types.UnionType, field: str) -> tuple[Any, ...]:
    """``value`` (a list or tuple of ``kind``) as a tuple; each wrong item is named by
    its index (``departments.1``)."""
    if not isinstance(value, list | tuple):
        raise ValidationError("must be a list", field=field, rule="type")
    what = getattr(kind, "__name__", "value of the right kind")
    errors = [
        FieldError(f"{field}.{index}", "type", f"must be a {what}")
        for index, item in enumerate(value)
        if not isinstance(item, kind)
    ]
    if errors:
        raise ValidationError._from_errors(errors)
    return tuple(value)


def check_unique(ids: Iterable[str], field: str) -> None:
    """A ValidationError naming ``field`` when an id is given twice."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            raise ValidationError(
                f"id {item!r} is given twice", field=f"{field}.{index}.id", rule="unique"
            )
        seen.add(item)


def normalize(value: Any, name: str, checked: object) -> None:
    """Write ``checked`` (the accepted form of a field) onto the frozen ``value`` being
    built, when it differs from what was given (e.g. ``"eu"`` → ``VatZone.EU``)."""
    if getattr(value, name) is not checked:
        object.__setattr__(value, name, checked)
