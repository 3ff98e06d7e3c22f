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

from collections.abc import Iterable, Sequence

import attrs

from faktura import codelists
from faktura.checks import check_text
from faktura.errors import FieldError, ValidationError

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_DOCUMENT_BYTES",
    "MAX_FILE_BYTES",
    "PDF_DESCRIPTION",
    "Attachment",
    "AttachmentTooLarge",
    "SupportingDocument",
    "check_attachments",
    "check_supporting",
    "with_supporting",
]

#: The longest id, description, file name and URI kept.
MAX_ID = 200
MAX_DESCRIPTION = 1000
MAX_FILENAME = 200
MAX_URI = 2000

#: The limits on the supporting documents a host keeps with a document: the largest
#: embedded file, the most embedded bytes per document (base64 makes them a third more in
#: the e-invoice; Peppol access points commonly take messages of a few MB) and the most
#: supporting documents per document.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_ATTACHMENTS = 10

_DIGEST_CHARS = frozenset("0123456789abcdef")

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
            for name in ("mime_code", "filename"):
                if getattr(self, name) is not None:
                    errors.append(
                        FieldError(name, "requires_content", "is only given with the content")
                    )
            self._raise(errors)
            return
        if not isinstance(self.content, bytes) or not self.content:
            errors.append(FieldError("content", "type", "must be the file's bytes, not empty"))
        if not isinstance(self.mime_code, str) or self.mime_code not in codelists.MIME_CODES:
            known = ", ".join(codelists.MIME_CODES)
            errors.append(FieldError("mime_code", "BR-CL-24", f"must be a MIME code of {known}"))
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


class AttachmentTooLarge(ValidationError):
    """A supporting document above ``MAX_FILE_BYTES``, or one that would take the
    document above ``MAX_DOCUMENT_BYTES`` or ``MAX_ATTACHMENTS`` (HTTP 413)."""


@attrs.frozen
class SupportingDocument:
    """A supporting document kept with a document (``Invoice.attachments``): the
    Attachment's terms without its bytes, which the archive keeps under ``sha256``
    (``size`` bytes; both None for a document given by ``uri`` or by reference only)."""

    id: str
    description: str | None = None
    mime_code: str | None = None
    filename: str | None = None
    uri: str | None = None
    sha256: str | None = None
    size: int | None = None

    def __attrs_post_init__(self) -> None:
        if (self.sha256 is None) != (self.size is None):
            raise ValidationError("come together", field="sha256", rule="together")
        if self.sha256 is not None and (
            len(self.sha256) != 64 or not set(self.sha256) <= _DIGEST_CHARS
        ):
            raise ValidationError("must be a hex sha256", field="sha256", rule="digest")
        if self.size is not None and (
            isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1
        ):
            raise ValidationError("must be a positive whole number", field="size", rule="type")

    @classmethod
    def kept(cls, attachment: Attachment, sha256: str | None) -> SupportingDocument:
        """What is kept of ``attachment``, its content archived under ``sha256``."""
        content = attachment.content
        return cls(
            id=attachment.id,
            description=attachment.description,
            mime_code=attachment.mime_code,
            filename=attachment.filename,
            uri=attachment.uri,
            sha256=sha256 if content is not None else None,
            size=len(content) if content is not None else None,
        )

    def attachment(self, content: bytes | None) -> Attachment:
        """The Attachment again, with its archived ``content``."""
        return Attachment(
            id=self.id,
            description=self.description,
            content=content,
            mime_code=self.mime_code,
            filename=self.filename,
            uri=self.uri,
        )


def check_supporting(kept: Sequence[SupportingDocument], new: Attachment) -> None:
    """ValidationError unless ``new`` can join the supporting documents ``kept`` with a
    document: an Attachment whose ``id`` and file name (without case: XRechnung's
    DE-R-022) no kept one has; AttachmentTooLarge above the limits (``MAX_FILE_BYTES``,
    ``MAX_DOCUMENT_BYTES``, ``MAX_ATTACHMENTS``)."""
    if not isinstance(new, Attachment):
        raise ValidationError("must be an Attachment", field="attachment", rule="type")
    if any(item.id == new.id for item in kept):
        raise ValidationError(
            "is the reference of another supporting document", field="id", rule="unique"
        )
    if new.filename is not None and any(
        item.filename is not None and item.filename.casefold() == new.filename.casefold()
        for item in kept
    ):
        raise ValidationError("is the name of another file", field="filename", rule="DE-R-022")
    if len(kept) >= MAX_ATTACHMENTS:
        raise AttachmentTooLarge(
            f"a document keeps at most {MAX_ATTACHMENTS} supporting documents",
            field="attachments",
            rule="max_items",
        )
    size = len(new.content) if new.content is not None else 0
    if size > MAX_FILE_BYTES:
        raise AttachmentTooLarge(
            f"must be at most {MAX_FILE_BYTES} bytes", field="content", rule="max_bytes"
        )
    if size + sum(item.size or 0 for item in kept) > MAX_DOCUMENT_BYTES:
        raise AttachmentTooLarge(
            f"would take the document's supporting documents above {MAX_DOCUMENT_BYTES} bytes",
            field="content",
            rule="max_bytes",
        )


def with_supporting(
    pdf: Attachment | None, supporting: Sequence[Attachment]
) -> tuple[Attachment, ...]:
    """The attachments of an e-invoice: the document's own ``pdf`` first (named
    ``<number>-document.pdf``, or ``-document-2.pdf`` and on, when a supporting document
    is already called ``<number>.pdf``), then the ``supporting`` documents in the order
    they were added."""
    if pdf is None:
        return tuple(supporting)
    taken = {item.filename.casefold() for item in supporting if item.filename is not None}
    if pdf.filename is not None and pdf.filename.casefold() in taken:
        stem, count, name = pdf.filename.removesuffix(".pdf"), 1, ""
        while not name or name.casefold() in taken:
            name = f"{stem}-document{'' if count == 1 else f'-{count}'}.pdf"
            count += 1
        pdf = attrs.evolve(pdf, filename=name)
    return (pdf, *supporting)
