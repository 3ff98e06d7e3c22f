"""A field is declared once (faktura.fields): the names the wire, the errors and the
OpenAPI document use are all derived from the attrs declaration."""

from __future__ import annotations

import typing
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import wire
from faktura.commands import LineInput
from faktura.delivery import wire as delivery_wire
from faktura.errors import WireFormatError
from faktura.fields import camel, describe, editable, wire_name, wire_path
from faktura.http import schemas
from faktura.http.openapi import schema_of

WIRE_CLASSES = sorted(
    {
        value
        for module in (wire, schemas, delivery_wire)
        for value in vars(module).values()
        if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__
    },
    key=lambda cls: cls.__qualname__,
)


@pytest.mark.parametrize("cls", WIRE_CLASSES, ids=lambda cls: cls.__qualname__)
def test_wire_names_are_unique_per_class(cls: type) -> None:
    names = [wire_name(a) for a in attrs.fields(cls)]
    assert len(names) == len(set(names))


@given(st.from_regex(r"[a-z]{1,8}(_[a-z]{1,8}){0,3}", fullmatch=True))
def test_camel_case_joins_the_words(name: str) -> None:
    head, *rest = name.split("_")
    assert camel(name) == head + "".join(word[:1].upper() + word[1:] for word in rest)
    assert "_" not in camel(name)


def test_a_declared_wire_name_wins_over_camel_case() -> None:
    @attrs.frozen
    class Body:
        issue_date: str = attrs.field(metadata=describe("When", wire="date"))
        due_date: str = attrs.field(metadata=describe(editable=True))

    assert [wire_name(a) for a in attrs.fields(Body)] == ["date", "dueDate"]
    assert editable(Body) == {"due_date"}
    assert attrs.fields(Body).issue_date.metadata["description"] == "When"


def _scalar_paths(cls: type, prefix: str = "") -> list[str]:
    """The Python path of every field of ``cls`` that holds one value, the fields of
    its lines (index 0) included."""
    paths = []
    for name, tp in typing.get_type_hints(cls).items():
        path = f"{prefix}{name}"
        if typing.get_origin(tp) is list and typing.get_args(tp)[0] is LineInput:
            paths += _scalar_paths(LineInput, f"{path}.0.")
        elif typing.get_origin(tp) is not list:
            paths.append(path)
    return paths


def _body_with(path: str, value: object) -> dict[str, Any]:
    """A create-draft body, in wire names, with ``value`` at the Python ``path``."""
    body: dict[str, Any] = {"customerId": "c1", "lines": [{"description": "x"}]}
    wire_steps = wire_path(wire.CreateDraftRequest, path).split(".")
    here: Any = body
    for step in wire_steps[:-1]:
        here = here[int(step)] if step.isdigit() else here.setdefault(step, {})
    here[wire_steps[-1]] = value
    return body


@pytest.mark.parametrize("path", _scalar_paths(wire.CreateDraftRequest))
def test_the_converter_names_a_bad_field_by_its_derived_wire_path(path: str) -> None:
    """The converter's error paths and ``wire_path`` come from the same declaration."""
    with pytest.raises(WireFormatError) as caught:
        wire.parse_create_draft(_body_with(path, 7.5))
    assert wire_path(wire.CreateDraftRequest, path) in caught.value.fields


@pytest.mark.parametrize("cls", [wire.CreateDraftRequest, wire.InvoiceResponse])
def test_the_openapi_properties_are_the_derived_wire_names(cls: type) -> None:
    name = cls.__name__
    properties = schema_of(cls)["components"]["schemas"][name]["properties"]
    assert list(properties) == [wire_name(a) for a in attrs.fields(cls)]
    described = {
        wire_name(a): a.metadata["description"]
        for a in attrs.fields(cls)
        if "description" in a.metadata
    }
    assert {key: properties[key]["description"] for key in described} == described


def test_the_edit_body_is_the_create_body_each_optional() -> None:
    create = attrs.fields(wire.CreateDraftRequest)
    edit = attrs.fields(schemas.UpdateDraftRequest)
    assert [a.name for a in edit] == [a.name for a in create]
    assert all(a.default is None for a in edit)
    assert [wire_name(a) for a in edit] == [wire_name(a) for a in create]
    never_null = {a.name for a in edit if a.metadata.get("nullable") is False}
    assert {"customer_id", "issue_date", "lines", "currency"} <= never_null
    assert {"due_date", "deliver_to", "our_reference"}.isdisjoint(never_null)


def test_the_editable_fields_are_the_draft_commands_and_the_create_body() -> None:
    """``EDITABLE_FIELDS`` comes from the Invoice's own declaration; the typed command
    and the wire's create body name the same fields, by the same Python names."""
    from faktura.commands import DraftChanges
    from faktura.invoice import EDITABLE_FIELDS, Invoice

    assert {a.name for a in attrs.fields(DraftChanges)} == EDITABLE_FIELDS
    assert {a.name for a in attrs.fields(wire.CreateDraftRequest)} == EDITABLE_FIELDS
    declared = {a.alias: wire_name(a) for a in attrs.fields(Invoice) if a.alias in EDITABLE_FIELDS}
    assert declared == {a.name: wire_name(a) for a in attrs.fields(wire.CreateDraftRequest)}
