"""The wire classes of the HTTP API beyond ``faktura.wire`` and ``faktura.delivery.wire``.

Bodies are parsed with the one wire converter (``faktura.wire.structure``: camelCase,
decimal strings, unknown fields refused, every bad field named), then turned into the
domain's arguments here; responses are built from these classes, and the OpenAPI
document is generated from the same classes (``faktura.http.openapi``).

Field metadata the OpenAPI generator reads: ``description``, ``enum``, ``pattern``,
``maxLength``, ``minimum``, ``maximum`` and ``nullable`` (False: the field may be left
out but not sent as null).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from faktura import codelists, wire
from faktura.attachments import (
    MAX_ATTACHMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    Attachment,
    SupportingDocument,
)
from faktura.billing import new_id
from faktura.commands import (
    CustomerChanges,
    DraftChanges,
    NewCustomer,
)
from faktura.delivery.wire import AttemptWire
from faktura.errors import FieldError, ValidationError, WireFormatError
from faktura.fields import camel, describe, wire_name, wire_names
from faktura.numbering import MAX_START, NumberSeries, Reset
from faktura.parties import Address, Company, Contact, Customer, Department
from faktura.terms import PaymentTerms, TermsKind
from faktura.vat import VatZone
from faktura.wire import structure

__all__ = [
    "AccessPointStatusRequest",
    "AccessPointStatusResponse",
    "AddressWire",
    "BankWire",
    "CompanyResponse",
    "ContactInput",
    "ContactWire",
    "CreateCreditNoteRequest",
    "CreateCustomerRequest",
    "CreditLineRequest",
    "CustomerPage",
    "CustomerResponse",
    "DepartmentInput",
    "DepartmentWire",
    "ErrorDetails",
    "ErrorResponse",
    "InvoicePage",
    "NumberSeriesPatch",
    "NumberSeriesWire",
    "PayeeWire",
    "PaymentRequest",
    "UpdateCompanyRequest",
    "UpdateCustomerRequest",
    "UpdateDraftRequest",
    "ValidationErrorEntry",
    "company_changes",
    "company_wire",
    "customer_changes",
    "customer_fields",
    "customer_wire",
    "draft_changes",
    "parse_body",
]

T = TypeVar("T")
#: Metadata of a field that may be left out but not be null.
_NN = {"nullable": False}
_VAT_ZONES = [zone.value for zone in VatZone]


# -- invoices ------------------------------------------------------------------------


def _each_optional(cls: type, name: str, doc: str) -> type:
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
    made.__module__ = __name__
    return made


def _clearable(attribute: attrs.Attribute[Any], hints: Mapping[str, Any]) -> bool:
    """An edit may set the field to null: it is optional, and not declared otherwise."""
    optional = type(None) in typing.get_args(hints[attribute.name])
    return optional and attribute.metadata.get("clearable", True) is not False


#: The body of "Edit a draft": the create-draft fields (``faktura.wire.CreateDraftRequest``),
#: each optional; a field left out keeps its value, ``null`` clears an optional one
#: (``dueDate: null`` derives the due date from the terms again).
UpdateDraftRequest: type[Any] = _each_optional(
    wire.CreateDraftRequest,
    "UpdateDraftRequest",
    """The body of "Edit a draft": the create-draft fields, each optional; a field left
    out keeps its value, ``null`` clears an optional one (``dueDate: null`` derives the
    due date from the terms again).""",
)


@attrs.frozen
class PaymentRequest:
    """The body of "Record a payment": the amount (decimal string, in the invoice's
    currency), when it was paid (default today) and the payer's reference."""

    amount: Decimal
    paid_on: dt.date | None = None
    reference: str | None = None


@attrs.frozen
class CreditLineRequest:
    """Credit part of one invoice line: its index on the invoice and the quantity."""

    line_index: int = attrs.field(metadata={"minimum": 0})
    quantity: Decimal = attrs.field()


@attrs.frozen
class CreateCreditNoteRequest:
    """The body of "Create a credit note": the booked invoice to credit, the lines to
    credit (all of what is left when omitted), the credit note's date (default
    today) and why it is made (``reason``, up to 500 characters, printed on it)."""

    invoice_id: str
    lines: list[CreditLineRequest] | None = None
    date: dt.date | None = None
    reason: str | None = None


# -- customers -----------------------------------------------------------------------


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


_TOTAL_IS_EXACT = {
    "description": "False when total is a lower bound: a search or the overdue filter "
    "counts its matches up to 1,000 past the end of the page, and then at least total "
    "match (totalPages is then at least the page after this one); every other total is "
    "exact"
}


@attrs.frozen
class CustomerPage:
    """A page of "List customers"."""

    items: list[CustomerResponse]
    total: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["total"]))
    page: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["page"]))
    limit: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["limit"]))
    total_pages: int = attrs.field(metadata=describe(wire.PAGE_DESCRIPTIONS["total_pages"]))
    total_is_exact: bool = attrs.field(default=True, metadata=_TOTAL_IS_EXACT)


@attrs.frozen
class InvoicePage(wire.InvoicePage):
    """A page of "List invoices" (``faktura.wire.InvoicePage``) with ``totalIsExact``.

    The wire module writes the page (``page_to_wire``); the handler adds the flag of
    ``faktura.ports.ListResult``.
    """

    total_is_exact: bool = attrs.field(default=True, metadata=_TOTAL_IS_EXACT)


# -- the caller's company ------------------------------------------------------------

_TEMPLATE = {
    "pattern": "^[a-z][a-z0-9_-]{0,39}$",
    "description": "The PDF template of the company's documents (e.g. default, modern)",
}
_LOGO = {
    "description": "PNG or JPEG image (at most 1 MiB), base64; within the request body "
    "limit (1 MB by default, so about 700 KB of image)"
}
_RESETS = [reset.value for reset in Reset]


@attrs.frozen
class BankWire:
    """Where the company is paid: Danish reg. no. (4 digits) and account no. (up to 10
    digits), and/or IBAN with BIC."""

    reg_no: str | None = attrs.field(default=None, metadata={"pattern": "^[0-9]{4}$"})
    account_no: str | None = attrs.field(default=None, metadata={"pattern": "^[0-9]{1,10}$"})
    iban: str | None = None
    bic: str | None = None


@attrs.frozen
class PayeeWire:
    """Who is paid when it is not the company (factoring, EN 16931 BG-10): the name
    (BT-59, required), an identifier (BT-60) and a legal registration id (BT-61), each
    with its ISO 6523 ICD scheme (e.g. 0088 GLN, 0184 CVR)."""

    name: str | None = attrs.field(
        default=None,
        metadata={"description": "The payee's name (BT-59); not the company's", **_NN},
    )
    identifier: str | None = None
    identifier_scheme: str | None = attrs.field(default=None, metadata={"pattern": "^[0-9]{4}$"})
    legal_id: str | None = None
    legal_id_scheme: str | None = attrs.field(default=None, metadata={"pattern": "^[0-9]{4}$"})


_OTHER_BANKS = {
    "description": "Further accounts the company is paid to, after bank (EN 16931 BG-17 "
    "is 0..n): shown on the PDF, and in the e-invoice each one the payment means of bank "
    "can name"
}


@attrs.frozen
class NumberSeriesWire:
    """How a document kind is numbered: ``pattern`` holds {seq} (or {seq:0N}) once and
    any of {year}, {yy}, {month}; ``start`` is the first number ever given; ``reset``
    starts counting again every year or month."""

    pattern: str = attrs.field(metadata={"maxLength": 60})
    start: int = attrs.field(metadata={"minimum": 1, "maximum": MAX_START})
    reset: str = attrs.field(metadata={"enum": _RESETS})


@attrs.frozen
class NumberSeriesPatch:
    """A change of a number series: the fields named change, the others stay."""

    pattern: str | None = attrs.field(default=None, metadata={"maxLength": 60, **_NN})
    start: int | None = attrs.field(
        default=None, metadata={"minimum": 1, "maximum": MAX_START, **_NN}
    )
    reset: str | None = attrs.field(default=None, metadata={"enum": _RESETS, **_NN})


@attrs.frozen
class CompanyResponse:
    """The caller's company: the seller on its documents."""

    id: str
    name: str
    address: AddressWire
    cvr: str | None = attrs.field()
    vat_id: str | None = attrs.field()
    ean: str | None = attrs.field()
    bank: BankWire | None = attrs.field()
    fik_creditor: str | None = attrs.field(
        metadata={"description": "FIK creditor number (8 digits) for +71 payment slips"}
    )
    currency: str = attrs.field()
    payment_terms: int | None = attrs.field(
        metadata={"description": "Days net; null when the terms are not net days"}
    )
    locale: str = attrs.field(metadata={"description": "Language of documents, e.g. da, en"})
    email: str | None = attrs.field()
    phone: str | None = attrs.field()
    invoice_series: NumberSeriesWire = attrs.field()
    credit_note_series: NumberSeriesWire = attrs.field()
    document_template: str = attrs.field(metadata=_TEMPLATE)
    logo: str | None = attrs.field(metadata=_LOGO)
    payee: PayeeWire | None = attrs.field()
    other_banks: list[BankWire] = attrs.field(metadata=_OTHER_BANKS)


@attrs.frozen
class UpdateCompanyRequest:
    """The body of "Edit your company": the fields named change, the others stay;
    ``address``, ``bank`` and the series change in part (the fields they name);
    ``null`` clears an optional field (``address: null`` empties the address)."""

    name: str | None = attrs.field(default=None, metadata=_NN)
    address: AddressWire | None = None
    cvr: str | None = None
    vat_id: str | None = None
    ean: str | None = None
    bank: BankWire | None = None
    fik_creditor: str | None = None
    currency: str | None = attrs.field(default=None, metadata=_NN)
    payment_terms: int | None = attrs.field(default=None, metadata={"minimum": 0, **_NN})
    locale: str | None = attrs.field(default=None, metadata=_NN)
    email: str | None = None
    phone: str | None = None
    invoice_series: NumberSeriesPatch | None = attrs.field(default=None, metadata=_NN)
    credit_note_series: NumberSeriesPatch | None = attrs.field(default=None, metadata=_NN)
    document_template: str | None = attrs.field(default=None, metadata={**_TEMPLATE, **_NN})
    logo: str | None = attrs.field(default=None, metadata=_LOGO)
    payee: PayeeWire | None = None
    other_banks: list[BankWire] | None = attrs.field(default=None, metadata=_OTHER_BANKS)


def _series_wire(series: NumberSeries) -> NumberSeriesWire:
    return NumberSeriesWire(series.pattern, series.start, series.reset.value)


def company_wire(company: Company) -> CompanyResponse:
    """The wire value of a company."""
    terms, bank = company.payment_terms, company.bank
    return CompanyResponse(
        id=company.id,
        name=company.name,
        address=AddressWire(**attrs.asdict(company.address)),
        cvr=company.cvr,
        vat_id=company.vat_id,
        ean=company.ean,
        bank=None if bank is None else BankWire(**attrs.asdict(bank)),
        fik_creditor=company.fik_creditor,
        currency=company.currency,
        payment_terms=terms.days if terms.kind is TermsKind.NET else None,
        locale=company.locale,
        email=company.email,
        phone=company.phone,
        invoice_series=_series_wire(company.invoice_series),
        credit_note_series=_series_wire(company.credit_note_series),
        document_template=company.document_template,
        logo=None if company.logo is None else base64.b64encode(company.logo).decode("ascii"),
        payee=None if company.payee is None else PayeeWire(**attrs.asdict(company.payee)),
        other_banks=[BankWire(**attrs.asdict(other)) for other in company.other_banks],
    )


def company_changes(data: Mapping[str, Any], request: UpdateCompanyRequest) -> dict[str, Any]:
    """``Billing.update_company`` changes from an edit body: nested objects carry only
    the fields the body names (they merge into the company's); the logo is decoded."""
    errors: list[FieldError] = []
    changes: dict[str, Any] = {}
    for name, value in _present(data, request).items():
        raw = data[wire_names(type(request))[name]]
        if attrs.has(type(value)) and isinstance(raw, Mapping):
            changes[name] = {
                a.name: getattr(value, a.name)
                for a in attrs.fields(type(value))
                if wire_name(a) in raw
            }
        elif name == "logo" and value is not None:
            changes[name] = _logo(value, errors)
        elif name == "other_banks" and value is not None:  # the whole list is replaced
            changes[name] = [attrs.asdict(bank) for bank in value]
        else:
            changes[name] = value
    _raise(errors)
    return changes


def _logo(text: str, errors: list[FieldError]) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        errors.append(FieldError("logo", "base64", "must be base64 (a PNG or JPEG image)"))
        return None


# -- supporting documents ------------------------------------------------------------


@attrs.frozen
class AttachmentRequest:
    """The body of "Add a supporting document": the document itself (``content`` in
    base64, with ``mimeCode`` and ``filename``), or where it is (``uri``), or only its
    reference (EN 16931 BG-24)."""

    id: str = attrs.field(
        metadata={"maxLength": 200, "description": "The supporting document reference (BT-122)"}
    )
    description: str | None = attrs.field(
        default=None, metadata={"maxLength": 1000, "description": "Its description (BT-123)"}
    )
    mime_code: str | None = attrs.field(
        default=None,
        metadata={
            "enum": sorted(codelists.MIME_CODES),
            "description": "The MIME code of the content (BT-125-1); required with it",
        },
    )
    filename: str | None = attrs.field(
        default=None,
        metadata={
            "maxLength": 200,
            "description": "The file name of the content (BT-125-2); required with it",
        },
    )
    content: str | None = attrs.field(
        default=None,
        metadata={
            "description": "The document itself, base64 (BT-125): at most "
            f"{MAX_FILE_BYTES} bytes decoded, {MAX_DOCUMENT_BYTES} bytes for all of a "
            f"document's supporting documents, at most {MAX_ATTACHMENTS} of them (413 above)"
        },
    )
    uri: str | None = attrs.field(
        default=None,
        metadata={"maxLength": 2000, "description": "Where the document is (BT-124)"},
    )


@attrs.frozen
class AttachmentWire:
    """A supporting document kept with a document (its bytes are not repeated)."""

    id: str
    description: str | None
    mime_code: str | None
    filename: str | None
    uri: str | None
    size: int | None = attrs.field(metadata={"description": "The content's size in bytes"})
    sha256: str | None = attrs.field(
        metadata={"description": "The content's sha256 (hex), as the archive keeps it"}
    )


@attrs.frozen
class AttachmentList:
    """A document's supporting documents, in the order its e-invoices carry them (after
    the document's own PDF, when that is embedded)."""

    items: list[AttachmentWire]


def attachment_from_wire(request: AttachmentRequest) -> Attachment:
    """The Attachment of an "Add a supporting document" body; ValidationError naming every
    bad property (``content`` when it is not base64)."""
    content = None
    if request.content is not None:
        try:
            content = base64.b64decode(request.content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                "must be the file's bytes in base64", field="content", rule="base64"
            ) from None
    return Attachment(
        id=request.id,
        description=request.description,
        content=content,
        mime_code=request.mime_code,
        filename=request.filename,
        uri=request.uri,
    )


def attachments_wire(kept: Iterable[SupportingDocument]) -> AttachmentList:
    """The wire list of a document's supporting documents."""
    return AttachmentList([attachment_wire(item) for item in kept])


def attachment_wire(item: SupportingDocument) -> AttachmentWire:
    """One supporting document on the wire."""
    return AttachmentWire(
        item.id, item.description, item.mime_code, item.filename, item.uri, item.size, item.sha256
    )


# -- webhooks ------------------------------------------------------------------------


@attrs.frozen
class AccessPointStatusRequest:
    """An access point's status callback about a document it delivered."""

    document_id: str = attrs.field(
        metadata={"description": "The access point's document id (sproomDocumentId)"}
    )
    status: str = attrs.field(metadata={"description": 'e.g. "accepted", "rejected"'})
    message: str | None = None
    details: dict[str, str] | None = None


@attrs.frozen
class AccessPointStatusResponse:
    """The attempt the status was appended to."""

    invoice_id: str
    attempt: AttemptWire


# -- errors --------------------------------------------------------------------------


@attrs.frozen
class ValidationErrorEntry:
    """One offending property and the rules it breaks (rule → message)."""

    property: str = attrs.field(metadata={"description": 'The wire path, e.g. "lines.0.quantity"'})
    constraints: dict[str, str] = attrs.field()


@attrs.frozen
class ErrorDetails:
    """What an error adds, by kind of error."""

    validation_errors: list[ValidationErrorEntry] | None = attrs.field(default=None, metadata=_NN)
    required_scopes: list[str] | None = attrs.field(default=None, metadata=_NN)
    entity: str | None = attrs.field(default=None, metadata=_NN)
    id: str | None = attrs.field(default=None, metadata=_NN)
    invoice_id: str | None = attrs.field(default=None, metadata=_NN)
    status: str | None = attrs.field(default=None, metadata=_NN)
    action: str | None = attrs.field(default=None, metadata=_NN)
    retryable: bool | None = attrs.field(default=None, metadata=_NN)
    retry_after_seconds: int | None = attrs.field(default=None, metadata=_NN)
    max_bytes: int | None = attrs.field(default=None, metadata=_NN)


@attrs.frozen
class ErrorResponse:
    """The error envelope of every non-2xx answer."""

    status_code: int
    timestamp: dt.datetime
    path: str
    message: str
    code: str
    details: ErrorDetails


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


def draft_changes(data: Mapping[str, Any], request: attrs.AttrsInstance) -> DraftChanges:
    """The ``Billing.update_draft`` command of an edit body (an ``UpdateDraftRequest``):
    the fields it names."""
    return DraftChanges(**_present(data, request))


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


# -- delivery ------------------------------------------------------------------------
