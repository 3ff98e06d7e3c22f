"""The caller's company: its answer, its edit body and the changes it makes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import attrs

from faktura.errors import FieldError
from faktura.fields import wire_name, wire_names
from faktura.http.schemas.common import (
    _NN,
    AddressWire,
    _present,
    _raise,
)
from faktura.numbering import MAX_START, NumberSeries, Reset
from faktura.parties import Company
from faktura.terms import TermsKind

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
