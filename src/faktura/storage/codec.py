"""The storage codec: domain values ↔ JSON documents, for stores that keep documents.

Different from the wire format on purpose: it keeps every field of the aggregate
(payments, credit records, versions) under its Python name, and it is versioned by the
stores' schema migrations, not by the public API.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
from cattrs.strategies import configure_tagged_union

from faktura.errors import StorageError
from faktura.invoice import Invoice, InvoiceEvent, InvoiceSummary
from faktura.lines import Line
from faktura.parties import Company, Customer

__all__ = ["dump", "dumps", "load", "loads"]

T = TypeVar("T")
#: What stores keep as documents.
Stored = Company | Customer | Invoice | InvoiceEvent | InvoiceSummary


def _make() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(v))
    conv.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
    conv.register_structure_hook(dt.datetime, lambda v, _: dt.datetime.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    configure_tagged_union(Line, conv, tag_name="type")
    return conv


_converter = _make()


def dump(value: Stored) -> dict[str, Any]:
    """A domain value as plain data."""
    data: dict[str, Any] = _converter.unstructure(value)
    return data


def load(data: Any, cls: type[T]) -> T:
    """A domain value from plain data; StorageError when the data is damaged."""
    try:
        return _converter.structure(data, cls)
    except Exception as exc:  # a damaged row must surface as a storage error
        raise StorageError(f"a stored {cls.__name__} cannot be read: {exc}") from exc


def dumps(value: Stored) -> str:
    """A domain value as compact JSON text."""
    return json.dumps(dump(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes, cls: type[T]) -> T:
    """A domain value from JSON text; StorageError when the text is damaged."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StorageError(f"a stored {cls.__name__} is not valid JSON") from exc
    return load(data, cls)
