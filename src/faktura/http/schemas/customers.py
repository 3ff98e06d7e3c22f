"""The customer endpoints' bodies and answers, and their mapping to the domain's
``NewCustomer`` and ``CustomerChanges``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from faktura import wire
from faktura.billing import new_id
from faktura.commands import (
    CustomerChanges,
    NewCustomer,
)
from faktura.errors import FieldError, ValidationError
from faktura.fields import describe
from faktura.http.schemas.common import (
    _NN,
    _TOTAL_IS_EXACT,
    AddressWire,
    _collect,
    _each_optional,
    _present,
    _raise,
)
from faktura.parties import Address, Contact, Customer, Department
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatZone

_VAT_ZONES = [zone.value for zone in VatZone]

# -- customers -----------------------------------------------------------------------


@attrs.frozen
class DepartmentInput:
    """A department in a request; ``id`` is made when left out."""

    name: str
    id: str | None = None
    ean: str | None = attrs.field(
        default=None, metadata={"description": "EAN/GLN (13 digits) for e-invoicing"}
    )
    address: AddressWire | None = None


@attrs.frozen
class DepartmentWire:
    """A customer's department: its own EAN (public-sector e-invoicing) and address."""

    id: str
    name: str
    ean: str | None
    address: AddressWire | None


@attrs.frozen
class ContactInput:
    """A contact in a request; ``id`` is made when left out."""

    name: str
    id: str | None = None
    email: str | None = None


@attrs.frozen
class ContactWire:
    """A person at the customer who receives invoices."""

    id: str
    name: str
    email: str | None


_ATTACH_PDF = {
    "description": "Whether the customer's e-invoices embed the document's own PDF "
    "(EN 16931 BG-24; many public buyers ask for it); taken when a document is booked. "
    "Default false"
}


@attrs.frozen
class CreateCustomerRequest:
    """The body of "Create a customer". ``paymentTerms`` are days net; ``vatZone`` picks
    the default VAT category of the customer's invoice lines."""

    name: str
    number: str | None = None
    address: AddressWire | None = None
    vat_zone: str | None = attrs.field(
        default=None, metadata={"enum": _VAT_ZONES, "nullable": False}
    )
    cvr: str | None = None
    vat_id: str | None = None
    ean: str | None = None
    email: str | None = None
    language: str | None = None
    payment_terms: int | None = None
    departments: list[DepartmentInput] = attrs.Factory(list)
    contacts: list[ContactInput] = attrs.Factory(list)
    attach_pdf: bool | None = attrs.field(default=None, metadata={**_ATTACH_PDF, **_NN})


UpdateCustomerRequest: type[Any] = _each_optional(
    CreateCustomerRequest,
    "UpdateCustomerRequest",
    """The body of "Edit a customer": any field of the create body; ``departments`` and
    ``contacts`` replace the lists (keep an entry by sending its ``id``).""",
    __name__,
)


@attrs.frozen
class CustomerResponse:
    """A customer as the API answers it."""

    id: str
    name: str
    number: str | None
    address: AddressWire
    vat_zone: str = attrs.field(metadata={"enum": _VAT_ZONES})
    cvr: str | None = attrs.field()
    vat_id: str | None = attrs.field()
    ean: str | None = attrs.field()
    email: str | None = attrs.field()
    language: str | None = attrs.field()
    payment_terms: int | None = attrs.field(
        metadata={"description": "Days net; null when the company's default applies"}
    )
    departments: list[DepartmentWire] = attrs.field()
    contacts: list[ContactWire] = attrs.field()
    attach_pdf: bool = attrs.field(default=False, metadata=_ATTACH_PDF)


@attrs.frozen
class CustomerPage:
    """A page of "List customers"."""

    items: list[CustomerResponse] = attrs.field(metadata=describe("Customers on this page"))
    total: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["total"]))
    page: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["page"]))
    limit: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["limit"]))
    total_pages: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["total_pages"]))
    total_is_exact: bool = attrs.field(default=True, metadata=_TOTAL_IS_EXACT)


# -- customers -----------------------------------------------------------------------


def _address(wire: AddressWire | None, errors: list[FieldError], prefix: str) -> Address | None:
    if wire is None:
        return None
    return _collect(errors, prefix, Address, **attrs.asdict(wire))


def _departments(items: list[DepartmentInput], errors: list[FieldError]) -> tuple[Department, ...]:
    built: list[Department] = []
    for index, item in enumerate(items):
        prefix = f"departments.{index}"
        address = _address(item.address, errors, f"{prefix}.address")
        department = _collect(errors, prefix, _department, item, address)
        if department is not None:
            built.append(department)
    _unique([d.id for d in built], "departments", errors)
    return tuple(built)


def _contacts(items: list[ContactInput], errors: list[FieldError]) -> tuple[Contact, ...]:
    built: list[Contact] = []
    for index, item in enumerate(items):
        contact = _collect(errors, f"contacts.{index}", _contact, item)
        if contact is not None:
            built.append(contact)
    _unique([c.id for c in built], "contacts", errors)
    return tuple(built)


def _department(item: DepartmentInput, address: Address | None) -> Department:
    return Department(id=_id(item.id, "id"), name=item.name, ean=item.ean, address=address)


def _contact(item: ContactInput) -> Contact:
    return Contact(id=_id(item.id, "id"), name=item.name, email=item.email)


def _id(value: str | None, field: str) -> str:
    if value is None:
        return new_id()
    if not value.strip() or len(value) > 200:
        raise ValidationError("must be an id of 1-200 characters", field=field, rule="id")
    return value


def _unique(ids: list[str], field: str, errors: list[FieldError]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            errors.append(FieldError(f"{field}.{index}.id", "unique", "is used twice"))
        seen.add(item)


def _zone(value: str, errors: list[FieldError]) -> VatZone | None:
    try:
        return VatZone(value)
    except ValueError:
        errors.append(FieldError("vatZone", "enum", f"must be one of: {', '.join(_VAT_ZONES)}"))
        return None


def _customer_values(present: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in present.items():
        if name == "address":
            fields["address"] = _address(value, errors, "address") or Address()
        elif name == "vat_zone":
            fields["vat_zone"] = _zone(value, errors)
        elif name == "payment_terms":
            fields["payment_terms"] = (
                None if value is None else _collect(errors, "", PaymentTerms.net, value)
            )
        elif name == "departments":
            fields["departments"] = _departments(value, errors)
        elif name == "contacts":
            fields["contacts"] = _contacts(value, errors)
        else:
            fields[name] = value
    return fields


def customer_fields(data: Mapping[str, Any], request: CreateCustomerRequest) -> NewCustomer:
    """The ``Billing.create_customer`` command of a create body."""
    errors: list[FieldError] = []
    present = {k: v for k, v in _present(data, request).items() if v is not None}
    present.setdefault("name", request.name)
    fields = _customer_values(present, errors)
    _raise(errors)
    return NewCustomer(**fields)


def customer_changes(data: Mapping[str, Any], request: attrs.AttrsInstance) -> CustomerChanges:
    """The ``Billing.update_customer`` command of an edit body (an ``UpdateCustomerRequest``)."""
    errors: list[FieldError] = []
    fields = _customer_values(_present(data, request), errors)
    _raise(errors)
    return CustomerChanges(**fields)


def _address_wire(address: Address | None) -> AddressWire | None:
    return None if address is None else AddressWire(**attrs.asdict(address))


def customer_wire(customer: Customer) -> CustomerResponse:
    """The wire value of a customer."""
    terms = customer.payment_terms
    return CustomerResponse(
        id=customer.id,
        name=customer.name,
        number=customer.number,
        address=AddressWire(**attrs.asdict(customer.address)),
        vat_zone=customer.vat_zone.value,
        cvr=customer.cvr,
        vat_id=customer.vat_id,
        ean=customer.ean,
        email=customer.email,
        language=customer.language,
        payment_terms=terms.days if terms is not None and terms.kind is TermsKind.NET else None,
        departments=[
            DepartmentWire(d.id, d.name, d.ean, _address_wire(d.address))
            for d in customer.departments
        ],
        contacts=[ContactWire(c.id, c.name, c.email) for c in customer.contacts],
        attach_pdf=customer.attach_pdf,
    )
