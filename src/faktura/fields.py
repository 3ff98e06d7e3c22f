"""A field is declared once: its Python name, its wire name, its description.

A class's attrs fields are the one declaration of its shape. What the rest of faktura
needs to know about a field beyond its name and type travels as attrs metadata under
the keys below, and everything else is derived from it: the wire converter's names
(``faktura.wire``), the OpenAPI document's properties and descriptions
(``faktura.http.openapi``), the set of fields a draft edit may change
(``faktura.invoice.EDITABLE_FIELDS``).

The core names fields in Python; the wire names them at the edge. A field's wire name
is its Python name in camelCase (``due_date`` → ``dueDate``) unless its declaration
gives another (the reference API calls the issue date ``date``)::

    issue_date: dt.date = attrs.field(metadata=describe("Invoice date", wire="date"))

>>> import attrs
>>> @attrs.frozen
... class Example:
...     issue_date: str = attrs.field(metadata=describe(wire="date"))
...     due_date: str = attrs.field(metadata=describe("When it is due"))
>>> [wire_name(a) for a in attrs.fields(Example)]
['date', 'dueDate']
>>> description(attrs.fields(Example).due_date)
'When it is due'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "DESCRIPTION",
    "EDITABLE",
    "WIRE",
    "camel",
    "describe",
    "description",
    "editable",
    "wire_name",
    "wire_names",
]

#: Metadata key: the field's name on the wire, when it is not its camelCase name.
WIRE = "wire"
#: Metadata key: what the field means, for the OpenAPI document and readers.
DESCRIPTION = "description"
#: Metadata key: a draft edit may change the field (``Invoice.update``).
EDITABLE = "editable"


def describe(
    description: str | None = None,
    *,
    wire: str | None = None,
    editable: bool = False,
    **metadata: Any,
) -> dict[str, Any]:
    """The metadata of a field's declaration, for ``attrs.field(metadata=...)``: its
    description, its wire name (when not the camelCase of its Python name), whether a
    draft edit may change it, and any OpenAPI keys it carries (``pattern``, ``maxLength``,
    ...)."""
    merged: dict[str, Any] = dict(metadata)
    if description is not None:
        merged[DESCRIPTION] = description
    if wire is not None:
        merged[WIRE] = wire
    if editable:
        merged[EDITABLE] = True
    return merged


def camel(name: str) -> str:
    """The camelCase of a Python name: ``postal_code`` → ``postalCode``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    """The field's name on the wire: its declared one, else its camelCase."""
    declared: str | None = attribute.metadata.get(WIRE)
    return declared if declared is not None else camel(attribute.name)


_WIRE_NAMES: dict[type, Mapping[str, str]] = {}


def wire_names(cls: type) -> Mapping[str, str]:
    """The wire name of each field of an attrs class, by Python name, in field order."""
    names = _WIRE_NAMES.get(cls)
    if names is None:
        names = _WIRE_NAMES[cls] = {a.name: wire_name(a) for a in attrs.fields(cls)}
    return names


def description(attribute: attrs.Attribute[Any]) -> str | None:
    """The field's declared description, if any."""
    text: str | None = attribute.metadata.get(DESCRIPTION)
    return text


def editable(cls: type) -> frozenset[str]:
    """The Python names of the fields of ``cls`` declared editable."""
    return frozenset(a.name for a in attrs.fields(cls) if a.metadata.get(EDITABLE))
