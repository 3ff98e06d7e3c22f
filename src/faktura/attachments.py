"""Supporting documents carried in an e-invoice (EN 16931 BG-24).

An ``Attachment`` is one additional supporting document: UBL
``cac:AdditionalDocumentReference``. EN 16931 business terms:

* ``id``: BT-122, the supporting document reference; ``cbc:ID``.
* ``description``: BT-123; ``cbc:DocumentDescription``.
* ``content`` with ``mime_code`` and ``filename``: BT-125, the attached document;
  ``cac:Attachment/cbc:EmbeddedDocumentBinaryObject`` (base64) with its ``mimeCode``
  (a code of ``faktura.codelists.MIME_CODES``, BR-CL-24) and ``filename`` attributes.
* ``uri``: BT-124, the external document location;
  ``cac:Attachment/cac:ExternalReference/cbc:URI``.

The most common one is the document's own PDF (``Attachment.document_pdf``), which
Peppol allows as the invoice's visual representation and many public buyers (Danish
ones in particular) ask for. The core only carries bytes it is given: the PDF is
rendered (and archived) by ``faktura.billing.Billing``.

>>> pdf = Attachment.document_pdf("2026-0042", b"%PDF-1.7 ...")
>>> pdf.id, pdf.filename, pdf.mime_code
('2026-0042', '2026-0042.pdf', 'application/pdf')
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from faktura import codelists
from faktura.checks import check_text
from faktura.errors import FieldError, ValidationError

__all__ = ["PDF_DESCRIPTION", "Attachment", "check_attachments"]

#: The longest id, description, file name and URI kept.
MAX_ID = 200
MAX_DESCRIPTION = 1000
MAX_FILENAME = 200
MAX_URI = 2000

#: The description (BT-123) of the document's own PDF.
PDF_DESCRIPTION = "The document as PDF"


@attrs.frozen
class Attachment:
    """One supporting document (BG-24): its reference (BT-122), an optional description
    (BT-123) and either the document itself (``content``, with ``mime_code`` and
    ``filename``: BT-125) or where it is (``uri``: BT-124), or neither. ValidationError
    naming every bad field at once (wire names: ``id``, ``description``, ``content``,
    ``mimeCode``, ``filename``, ``uri``)."""

    id: str
    description: str | None = None
    content: bytes | None = attrs.field(default=None, repr=False)
    mime_code: str | None = None
    filename: str | None = None
    uri: str | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        errors += _text_errors(self.id, "id", required=True, limit=MAX_ID, one_line=True)
        if self.description is not None:
            errors += _text_errors(self.description, "description", limit=MAX_DESCRIPTION)
        if self.uri is not None:
            errors += _text_errors(self.uri, "uri", required=True, limit=MAX_URI, one_line=True)
        if self.content is None:
            for name, wire in (("mime_code", "mimeCode"), ("filename", "filename")):
                if getattr(self, name) is not None:
                    errors.append(
                        FieldError(wire, "requires_content", "is only given with the content")
                    )
            self._raise(errors)
            return
        if not isinstance(self.content, bytes) or not self.content:
            errors.append(FieldError("content", "type", "must be the file's bytes, not empty"))
        if not isinstance(self.mime_code, str) or self.mime_code not in codelists.MIME_CODES:
            known = ", ".join(codelists.MIME_CODES)
            errors.append(FieldError("mimeCode", "BR-CL-24", f"must be a MIME code of {known}"))
        if self.filename is None:
            errors.append(FieldError("filename", "required", "is required with the content"))
        else:
            found = _text_errors(
                self.filename, "filename", required=True, limit=MAX_FILENAME, one_line=True
            )
            if not found and any(c in self.filename for c in "/\\"):
                found.append(FieldError("filename", "filename", "must be a file name, not a path"))
            errors += found
        self._raise(errors)

    @staticmethod
    def _raise(errors: list[FieldError]) -> None:
        if errors:
            raise ValidationError._from_errors(errors)

    @classmethod
    def document_pdf(cls, number: str, pdf: bytes) -> Attachment:
        """The document's own PDF (its visual representation): id the document number,
        file name ``<number>.pdf`` (characters a file name cannot hold become ``-``)."""
        safe = "".join("-" if c in '/\\:*?"<>|' else c for c in number)
        return cls(
            id=number,
            description=PDF_DESCRIPTION,
            content=pdf,
            mime_code="application/pdf",
            filename=f"{safe}.pdf",
        )


def _text_errors(
    value: object, field: str, *, required: bool = False, limit: int, one_line: bool = False
) -> list[FieldError]:
    """What ``faktura.checks.check_text`` finds wrong with ``value``, as a list."""
    try:
        check_text(value, field, required=required, limit=limit, one_line=one_line)
    except ValidationError as exc:
        return list(exc.errors)
    return []


def check_attachments(attachments: Iterable[Attachment], field: str) -> tuple[Attachment, ...]:
    """``attachments`` as a tuple, each an Attachment with a file name of its own
    (compared without case: XRechnung's DE-R-022); ValidationError naming
    ``<field>.<index>`` otherwise."""
    if isinstance(attachments, str | bytes) or not isinstance(attachments, Iterable):
        raise ValidationError("must be a list of attachments", field=field, rule="type")
    items = tuple(attachments)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Attachment):
            errors.append(FieldError(f"{field}.{index}", "type", "must be an Attachment"))
            continue
        if item.filename is not None:
            key = item.filename.casefold()
            if key in seen:
                errors.append(
                    FieldError(
                        f"{field}.{index}.filename", "DE-R-022", "is the name of another file"
                    )
                )
            seen.add(key)
    if errors:
        raise ValidationError._from_errors(errors)
    return items
