"""The fonts of the PDF templates: the default family, fonts a host registers, and the
check that a document's text can be drawn before it is booked.

The built-in templates write with one embedded TrueType family (regular and bold; reportlab
embeds the subset a document uses). It is, in this order: the family a host registered
with ``register_font`` (``faktura serve --font``); Fira Sans from the ``fontpkg-fira-sans``
package (part of the ``pdf`` extra); DejaVu Sans from the system (Debian's
``fonts-dejavu-core``); else the PDF core fonts (Helvetica, WinAnsi only, not embedded).

``check_drawable`` lists every text field of a document holding a character the
template's fonts cannot draw (a ``ValidationError``, one ``FieldError`` per field), so a
document is refused before booking instead of booking one whose PDF can never be made.
Importing this module needs no PDF library; registering and checking need reportlab.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from faktura.documents.data import DocumentData
from faktura.documents.typeface import (
    CORE,
    SYSTEM_DEJAVU,
    FontSpec,
    default_font,
    font_files,
    register_font,
    register_ttf,
)
from faktura.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from faktura.invoice import Invoice
    from faktura.parties import Address, Company, Customer

__all__ = [
    "CORE",
    "SYSTEM_DEJAVU",
    "FontSpec",
    "check_before_booking",
    "check_drawable",
    "check_texts_drawable",
    "default_font",
    "font_files",
    "register_font",
    "register_ttf",
]


# -- the check before booking -------------------------------------------------------------


def _address(path: str, address: Address | None) -> Iterator[tuple[str, str | None]]:
    if address is None:
        return
    yield f"{path}.street", address.street
    yield f"{path}.additional", address.additional
    yield f"{path}.postal_code", address.postal_code
    yield f"{path}.city", address.city


def _party_texts(
    company: Company, customer: Customer, department_id: str | None, contact_id: str | None
) -> Iterator[tuple[str, str | None]]:
    """Every text of the parties a built-in template draws, with its field path."""
    yield "company.name", company.name
    yield from _address("company.address", company.address)
    yield "company.email", company.email
    if company.payee is not None:
        yield "company.payee.name", company.payee.name
    yield "customer.name", customer.name
    yield "customer.number", customer.number
    yield from _address("customer.address", customer.address)
    for index, department in enumerate(customer.departments):
        if department.id == department_id:
            yield f"customer.departments.{index}.name", department.name
            yield from _address(f"customer.departments.{index}.address", department.address)
    for index, contact in enumerate(customer.contacts):
        if contact.id == contact_id:
            yield f"customer.contacts.{index}.name", contact.name


def _document_texts(invoice: Invoice, font: FontSpec) -> Iterator[tuple[str, str | None]]:
    """Every text of the document itself a built-in template draws, with its field path.
    The lines are read one by one only when ``font`` misses a character of their
    descriptions (``Invoice.line_facts``): a stored document's lines are not decoded
    otherwise."""
    yield "reference", invoice.reference
    yield "our_reference", invoice.our_reference
    for name, text in invoice.references.texts():
        yield f"references.{name}", text
    deliver_to = invoice.deliver_to
    if deliver_to is not None:
        yield "deliver_to.name", deliver_to.name
        yield "deliver_to.location_id", deliver_to.location_id
        yield from _address("deliver_to.address", deliver_to.address)
    if font.first_missing(invoice.line_facts.characters) is not None:
        from faktura.lines import ProductLine  # (the core's lines, when there is work)

        for index, line in enumerate(invoice.lines):
            yield f"lines.{index}.description", line.description
            if isinstance(line, ProductLine):
                yield f"lines.{index}.note", line.note
                for name, text in line.item.texts():
                    yield f"lines.{index}.{name}", text
    for index, item in enumerate(invoice.allowance_charges):
        yield f"allowance_charges.{index}.reason", item.reason
    yield "vat_exemption_reason", invoice.vat_exemption_reason
    yield "notes", invoice.notes


def _undrawable(font: FontSpec, texts: Iterable[tuple[str, str | None]]) -> list[FieldError]:
    errors = []
    for field, value in texts:
        if not value:
            continue
        char = font.first_missing(value)
        if char is not None:
            errors.append(FieldError(field, "undrawable_character", font.refusal(char)))
    return errors


@functools.lru_cache(maxsize=256)
def _undrawable_party_texts(
    font: FontSpec,
    company: Company,
    customer: Customer,
    department_id: str | None,
    contact_id: str | None,
) -> tuple[FieldError, ...]:
    # a company books many documents for the same parties, which are frozen values
    return tuple(_undrawable(font, _party_texts(company, customer, department_id, contact_id)))


def check_drawable(data: DocumentData, template_id: str = "default") -> None:
    """Nothing when the template's fonts draw every character of the document's texts;
    else a ValidationError with one FieldError per offending field, naming the field and
    its first undrawable character ("'中' (U+4E2D) cannot be drawn by the font ...").

    A template that is not one of the built-in layouts (a host's own) is not checked
    here: it reports what it cannot draw when it renders. Raises ValidationError naming
    documentTemplateId for an unknown template; needs the pdf extra.
    """
    from faktura.documents.pdf import template

    font = getattr(template(template_id), "font", None)
    if not isinstance(font, FontSpec):
        return
    invoice = data.invoice
    errors = [
        *_undrawable_party_texts(
            font,
            data.company,
            data.customer,
            invoice.customer_department_id,
            invoice.customer_contact_id,
        ),
        *_undrawable(font, _document_texts(invoice, font)),
    ]
    if errors:
        raise ValidationError("cannot be drawn", errors=errors)


def check_texts_drawable(
    texts: Iterable[tuple[str, str | None]], template_id: str = "default"
) -> None:
    """Nothing when the template's font draws every character of ``texts`` ((field,
    text) pairs), or when the pdf extra is not installed; else a ValidationError with one
    FieldError per offending field (texts a document carries besides an invoice's: a
    reminder policy's letters)."""
    if not _pdf_extra_installed():
        return
    from faktura.documents.pdf import template

    font = getattr(template(template_id), "font", None)
    if not isinstance(font, FontSpec):
        return
    errors = _undrawable(font, texts)
    if errors:
        raise ValidationError("cannot be drawn", errors=errors)


@functools.cache
def _pdf_extra_installed() -> bool:
    """Whether reportlab and pypdf can be imported (found, not imported: a booking
    should not pay for importing pypdf, which only post-processes rendered PDFs)."""
    return all(importlib.util.find_spec(name) is not None for name in ("reportlab", "pypdf"))


def check_before_booking(
    invoice: Invoice, company: Company, customer: Customer, template_id: str | None = None
) -> None:
    """``check_drawable`` on the document when the pdf extra is installed (without it
    faktura renders no PDF and there is nothing to check), with the template it would be
    issued with (``template_for``: ``template_id``, else the customer's, else the
    company's); a template this process does not know is a ValidationError naming
    documentTemplateId, as the document could not be rendered."""
    from faktura.documents.source import template_for

    if not _pdf_extra_installed():  # without the pdf extra there is no PDF to protect
        return
    template_id = template_for(company, customer, template_id)
    check_drawable(DocumentData(invoice, company, customer), template_id)
