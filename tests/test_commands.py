"""The typed commands (faktura.commands): each names exactly the fields of what it
creates or changes, a LineInput becomes the same line as the domain line it describes,
and the typed path and the reference API's JSON path create the same draft."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import (
    Billing,
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    LineInput,
    MemoryStore,
    NewCustomer,
    NewDraft,
    ProductLine,
    TextLine,
    ValidationError,
    VatCategory,
)
from faktura.commands import UNSET, resolve_lines
from faktura.commands import given as given_fields
from faktura.invoice import EDITABLE_FIELDS
from faktura.lines import LineType, SeparatorLine
from faktura.parties import Company, Customer
from faktura.testing import strategies
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft

DEFAULTS = (VatCategory.S, Decimal(25))


def _names(cls: type) -> set[str]:
    return {a.name for a in attrs.fields(cls)}


@pytest.mark.parametrize(
    ("command", "shape", "left_out"),
    [
        (CompanyProfile, Company, set()),
        (CompanyChanges, Company, {"id"}),
        (NewCustomer, Customer, {"company_id"}),
        (CustomerChanges, Customer, {"id", "company_id"}),
    ],
)
def test_a_party_command_names_every_field_of_its_party(
    command: type, shape: type, left_out: set[str]
) -> None:
    """A field added to Company or Customer is a field of its commands too."""
    assert _names(command) == _names(shape) - left_out


@pytest.mark.parametrize("command", [NewDraft, DraftChanges])
def test_a_draft_command_names_every_editable_field(command: type) -> None:
    assert _names(command) == EDITABLE_FIELDS


def test_a_change_sets_only_what_it_names() -> None:
    changes = DraftChanges(notes="Thanks", due_date=None)
    assert given_fields(changes) == {"notes": "Thanks", "due_date": None}
    assert changes.currency is UNSET
    assert repr(UNSET) == "UNSET"


def _as_input(line: ProductLine | TextLine | SeparatorLine) -> LineInput:
    if isinstance(line, TextLine):
        return LineInput(description=line.description, line_type=LineType.TEXT)
    if isinstance(line, SeparatorLine):
        return LineInput(description=line.description, line_type=LineType.SEPARATOR)
    item = line.item
    return LineInput(
        description=line.description,
        quantity=line.quantity,
        unit=line.unit,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
        product_number=line.product_number,
        note=line.note,
        period_start=line.period_start,
        period_end=line.period_end,
        buyer_item_id=item.buyer_id,
        standard_item_id=item.standard_id,
        standard_item_scheme=item.standard_scheme,
        classifications=list(item.classifications) or None,
        origin_country=item.origin_country,
        attributes=list(item.attributes) or None,
    )


@given(strategies.document_lines())
def test_a_line_input_naming_everything_is_the_domain_line(lines: tuple[object, ...]) -> None:
    inputs = [_as_input(line) for line in lines]  # type: ignore[arg-type]
    assert resolve_lines(inputs, DEFAULTS) == lines
    assert resolve_lines(lines, DEFAULTS) == lines  # type: ignore[arg-type]


@given(st.sampled_from(list(VatCategory)), st.sampled_from([Decimal(25), Decimal(12)]))
def test_a_line_input_without_vat_takes_the_defaults(
    category: VatCategory, standard: Decimal
) -> None:
    hours = LineInput(description="Hours", quantity=Decimal(2), unit_price=Decimal(500))
    (line,) = resolve_lines([hours], (category, standard))
    assert isinstance(line, ProductLine)
    assert line.vat_category is category
    assert line.vat_rate == (standard if category.taxed else Decimal(0))


def test_every_bad_line_is_named_by_its_index() -> None:
    with pytest.raises(ValidationError) as info:
        resolve_lines(
            [
                LineInput(description="Hours", quantity=Decimal(2)),
                "not a line",  # type: ignore[list-item]
                LineInput(line_type=LineType.TEXT, quantity=Decimal(1)),
            ],
            DEFAULTS,
        )
    assert set(info.value.fields) == {"lines.0.unit_price", "lines.1", "lines.2.quantity"}


@given(strategies.document_lines(), st.sampled_from([None, 14, 30]))
def test_the_typed_and_the_json_path_create_the_same_draft(
    lines: tuple[object, ...], terms: int | None
) -> None:
    billing = Billing(MemoryStore(), ids=iter(f"id-{n}" for n in range(10)).__next__)
    company = billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628"))
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    )
    exempt = any(getattr(line, "vat_category", None) is VatCategory.E for line in lines)
    reason = "Exempt under the VAT Act" if exempt else None
    typed = billing.create_draft(
        company.id,
        NewDraft(
            customer_id=customer.id, lines=lines, payment_terms=terms, vat_exemption_reason=reason
        ),  # type: ignore[arg-type]
    )
    body = {"customerId": customer.id, "lines": [_json(line) for line in lines]}
    if terms is not None:
        body["paymentTerms"] = terms
    if reason is not None:
        body["vatExemptionReason"] = reason
    from_json = billing.create_draft(company.id, new_draft(body))
    assert from_json.lines == typed.lines
    assert (from_json.totals, from_json.due_date) == (typed.totals, typed.due_date)


def _json(line: object) -> dict[str, object]:
    from faktura.wire import unstructure

    data = unstructure(_as_input(line))  # type: ignore[arg-type]
    return {key: value for key, value in data.items() if value is not None}


def test_a_command_of_the_wrong_kind_is_refused_by_name() -> None:
    billing = Billing(MemoryStore())
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    with pytest.raises(ValidationError) as info:
        billing.create_customer(company.id, {"name": "Fjord"})  # type: ignore[arg-type]
    assert info.value.field == "customer"
    with pytest.raises(ValidationError) as info:
        billing.create_draft(company.id, {"customerId": "c1"})  # type: ignore[arg-type]
    assert info.value.field == "draft"
