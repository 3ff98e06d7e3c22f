"""The supporting documents' bodies and answers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

import attrs

from faktura import codelists
from faktura.attachments import (
    MAX_ATTACHMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    Attachment,
    SupportingDocument,
)
from faktura.errors import ValidationError

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
