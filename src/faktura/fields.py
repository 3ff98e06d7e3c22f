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

import types
import typing
from collections.abc import Mapping, Sequence
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
    "wire_path",
    "wire_path_in",
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
    """The names of the fields of ``cls`` declared editable (as its ``__init__`` takes
    them: a private attribute by its alias)."""
    return frozenset(a.alias or a.name for a in attrs.fields(cls) if a.metadata.get(EDITABLE))


def wire_path(cls: type, path: str) -> str:
    """A field path in Python names (``lines.0.unit_price``), as the fields of ``cls``
    and the classes it holds name it on the wire (``lines.0.unitPrice``).

    Each step is looked up in the class the path has reached (an attrs class, or the
    items of a list of them); a step past what the classes declare is written in
    camelCase. This is how an error the core raises in Python names reaches a client
    in the names of the request it sent.

    >>> from faktura.wire import CreateDraftRequest
    >>> wire_path(CreateDraftRequest, "issue_date")
    'date'
    >>> wire_path(CreateDraftRequest, "lines.0.unit_price")
    'lines.0.unitPrice'
    >>> wire_path(CreateDraftRequest, "deliver_to.address.postal_code")
    'deliverTo.address.postalCode'
    """
    steps: list[str] = []
    here: Any = cls
    for step in path.split("."):
        if step.isdigit() or not step:
            steps.append(step)
            here = _item_type(here)
            continue
        attribute = _attribute(here, step)
        if attribute is None:
            steps.append(camel(step))
            here = None
        else:
            steps.append(wire_name(attribute))
            here = _field_types(here).get(step)
    return ".".join(steps)


_HINTS: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    """The field types of an attrs class, Optional and Union unwrapped to the attrs
    class or list they hold (what a path can step into)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = {name: _unwrap(tp) for name, tp in typing.get_type_hints(cls).items()}
    return hints


def _unwrap(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return inner[0] if len(inner) == 1 else None
    return tp


def _attribute(here: Any, name: str) -> attrs.Attribute[Any] | None:
    if isinstance(here, type) and attrs.has(here):
        # by name, not getattr: the fields are a tuple, whose count and index are methods
        return attrs.fields_dict(here).get(name)
    return None


def _item_type(here: Any) -> Any:
    args = typing.get_args(here)
    return _unwrap(args[0]) if args and typing.get_origin(here) in (list, tuple) else None


def wire_path_in(classes: Sequence[type], path: str) -> str:
    """``wire_path`` in the first of ``classes`` that declares the path's first step (a
    request's body, then its answer); camelCase where none does.

    >>> from faktura.wire import CreateDraftRequest, InvoiceResponse
    >>> wire_path_in([InvoiceResponse], "issue_date"), wire_path_in([], "due_date")
    ('date', 'dueDate')
    """
    head = path.split(".", 1)[0]
    for cls in classes:
        if _attribute(cls, head) is not None:
            return wire_path(cls, path)
    return ".".join(step if step.isdigit() else camel(step) for step in path.split("."))
