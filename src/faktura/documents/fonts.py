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
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from faktura.errors import FieldError, RenderError, ValidationError

if TYPE_CHECKING:
    from faktura.documents.pdf import DocumentData
    from faktura.invoice import Invoice
    from faktura.parties import Address, Company, Customer

__all__ = [
    "CORE",
    "FontSpec",
    "check_before_booking",
    "check_drawable",
    "default_font",
    "font_files",
    "register_font",
    "register_ttf",
]

#: Where Debian's fonts-dejavu-core puts DejaVu Sans (the fallback to the package).
SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_ALWAYS_DRAWN = frozenset("\n\t")  # line breaks and tabs are layout, not glyphs


@attrs.frozen
class FontSpec:
    """The regular and bold face a layout writes with (reportlab font names), and the
    family's name for messages."""

    regular: str = "Helvetica"
    bold: str = "Helvetica-Bold"
    family: str = "Helvetica"

    def charset(self) -> frozenset[str]:
        """Every character both faces draw (cached per pair of faces)."""
        return _both(self.regular, self.bold)

    def covers(self, char: str) -> bool:
        """True when both faces have a glyph for ``char``."""
        return char in self.charset()

    def first_missing(self, text: str) -> str | None:
        """The first character of ``text`` the faces cannot draw, else None."""
        chars = self.charset()
        missing = set(text).difference(chars)
        if not missing:
            return None
        return next(char for char in text if char in missing)

    def refusal(self, char: str) -> str:
        """What is said about ``char``, which this family cannot draw."""
        return f"{char!r} (U+{ord(char):04X}) cannot be drawn by the font {self.family}"


#: The PDF core fonts: not embedded, WinAnsi only; used when no TrueType family is found.
CORE = FontSpec()


@functools.cache
def _charset(font_name: str) -> frozenset[str]:
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(font_name)
    glyphs = getattr(getattr(font, "face", None), "charToGlyph", None)
    if isinstance(glyphs, dict):  # a TrueType font: its own character map
        return frozenset(chr(code) for code, glyph in glyphs.items() if glyph) | _ALWAYS_DRAWN
    # a standard Type 1 font, drawn with WinAnsi encoding (cp1252)
    winansi = bytes(range(32, 256)).decode("cp1252", errors="ignore")
    return frozenset(winansi) | _ALWAYS_DRAWN


@functools.cache
def _both(regular: str, bold: str) -> frozenset[str]:
    return _charset(regular) & _charset(bold)


_LOCK = threading.Lock()
_REGISTERED: dict[str, str] = {}  # reportlab font name -> the file it was read from
_HOST_DEFAULT: list[FontSpec] = []  # the family a host chose with register_font


def register_ttf(
    name: str, path: str | os.PathLike[str], bold_path: str | os.PathLike[str] | None = None
) -> FontSpec:
    """Register a TrueType font (regular, optional bold; once per process) and the FontSpec
    writing with it. The regular face is used as bold when there is no bold file.

    Raises RenderError when a file is missing or not a usable TrueType font.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    bold_name = f"{name}-Bold"
    family = name
    with _LOCK:
        for index, (font_name, font_path) in enumerate(
            ((name, os.fspath(path)), (bold_name, os.fspath(bold_path or path)))
        ):
            if _REGISTERED.get(font_name) != font_path:
                try:
                    font = TTFont(font_name, font_path)
                except Exception as exc:  # reportlab raises several kinds for a bad file
                    raise RenderError(f"{font_path} is not a usable TrueType font: {exc}") from exc
                pdfmetrics.registerFont(font)
                _REGISTERED[font_name] = font_path
                _charset.cache_clear()
                _both.cache_clear()
            if index == 0:
                face = getattr(pdfmetrics.getFont(font_name), "face", None)
                family_name = getattr(face, "familyName", b"")
                if isinstance(family_name, bytes) and family_name:
                    family = family_name.decode("latin-1")
    return FontSpec(name, bold_name, family)


def register_font(
    regular: str | os.PathLike[str],
    bold: str | os.PathLike[str] | None = None,
    *,
    name: str = "HostFont",
) -> FontSpec:
    """Make the TrueType family at ``regular`` (and ``bold``) the one the built-in
    templates ("default", "modern") write with from now on, in this process, and the one
    ``check_drawable`` checks their documents against. Returns its FontSpec (for
    ``CLASSIC.with_font(spec, "my-id")`` too).

    Raises RenderError when a file is missing or not a usable TrueType font.
    """
    spec = register_ttf(name, regular, bold)
    with _LOCK:
        _HOST_DEFAULT[:] = [spec]
    return spec


def font_files() -> tuple[str, Path, Path] | None:
    """The default family's name, regular and bold file: Fira Sans from the
    ``fontpkg-fira-sans`` package, else DejaVu Sans from the system, else None."""
    package = importlib.util.find_spec("fontpkg_fira_sans")  # found, not imported
    for folder in (package.submodule_search_locations or []) if package else []:
        files = Path(folder) / "files"
        regular, bold = files / "FiraSans-Regular.ttf", files / "FiraSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return "Fira Sans", regular, bold
    regular, bold = SYSTEM_DEJAVU / "DejaVuSans.ttf", SYSTEM_DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return "DejaVu Sans", regular, bold
    return None


@functools.cache
def _builtin_default() -> FontSpec:
    found = font_files()
    if found is None:
        return CORE
    _, regular, bold = found
    return register_ttf("FakturaSans", regular, bold)


def default_font() -> FontSpec:
    """The family the built-in templates write with (registered on first use)."""
    if _HOST_DEFAULT:
        return _HOST_DEFAULT[0]
    return _builtin_default()


# -- the check before booking -------------------------------------------------------------


def _address(path: str, address: Address | None) -> Iterator[tuple[str, str | None]]:
    if address is None:
        return
    yield f"{path}.street", address.street
    yield f"{path}.additional", address.additional
    yield f"{path}.postalCode", address.postal_code
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
    yield "ourReference", invoice.our_reference
    for name, text in invoice.references.texts():
        yield f"references.{name}", text
    deliver_to = invoice.deliver_to
    if deliver_to is not None:
        yield "deliverTo.name", deliver_to.name
        yield "deliverTo.locationId", deliver_to.location_id
        yield from _address("deliverTo.address", deliver_to.address)
    if font.first_missing(invoice.line_facts.characters) is not None:
        from faktura.lines import ProductLine  # (the core's lines, when there is work)

        for index, line in enumerate(invoice.lines):
            yield f"lines.{index}.description", line.description
            if isinstance(line, ProductLine):
                yield f"lines.{index}.note", line.note
                for name, text in line.item.texts():
                    yield f"lines.{index}.{name}", text
    for index, item in enumerate(invoice.allowance_charges):
        yield f"allowanceCharges.{index}.reason", item.reason
    yield "vatExemptionReason", invoice.vat_exemption_reason
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
    from faktura.documents.pdf import DocumentData
    from faktura.documents.source import template_for

    if not _pdf_extra_installed():  # without the pdf extra there is no PDF to protect
        return
    template_id = template_for(company, customer, template_id)
    check_drawable(DocumentData(invoice, company, customer), template_id)
