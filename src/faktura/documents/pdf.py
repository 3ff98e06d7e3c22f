"""PDF invoices and credit notes: templates, the draft watermark, metadata, attachments.

``render_pdf`` is the one entry point: it lets a ``DocumentTemplate`` lay the document
out (reportlab), then post-processes it with pypdf: the localized draft watermark on
every page when asked, the document's metadata (dated from the document, never the
wall clock, so identical input gives identical bytes) and embedded files such as the
UBL e-invoice. reportlab, pypdf and segno are imported on first use: importing
faktura works without the ``pdf`` extra, rendering without it is a ConfigurationError.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any, Protocol

from faktura.documents import l10n
from faktura.documents.data import DocumentData
from faktura.documents.typeface import CORE, FontSpec
from faktura.errors import ConfigurationError, ValidationError
from faktura.invoice import Invoice

__all__ = [
    "DocumentData",
    "DocumentTemplate",
    "register_template",
    "render_pdf",
    "template",
    "template_ids",
]

_INSTALL = "rendering PDFs needs the pdf extra: pip install 'faktura[pdf]'"


def require_pdf_extra() -> None:
    """A ConfigurationError naming the extra unless reportlab and pypdf import."""
    try:
        import pypdf  # noqa: F401
        import reportlab  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(_INSTALL) from exc


class DocumentTemplate(Protocol):
    """A PDF layout, chosen by id (the send operation's documentTemplateId)."""

    @property
    def id(self) -> str:
        """The template's id in the registry."""
        ...

    def render(self, data: DocumentData) -> bytes:
        """The document as PDF bytes, without watermark or attachments.

        Raises RenderError when the document cannot be drawn (a character the font has
        no glyph for, a broken logo).
        """
        ...


_TEMPLATES: dict[str, DocumentTemplate] = {}


def register_template(layout: DocumentTemplate) -> None:
    """Make ``layout`` available under its id (replacing one of the same id)."""
    _TEMPLATES[layout.id] = layout


def template(template_id: str) -> DocumentTemplate:
    """The registered template ``template_id``; ValidationError (document_template_id)
    naming the known ids otherwise."""
    _register_builtins()
    try:
        return _TEMPLATES[template_id]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_TEMPLATES))
        raise ValidationError(
            f"is not a document template (known: {known})",
            field="document_template_id",
            rule="unknown_template",
        ) from None


def template_ids() -> tuple[str, ...]:
    """The ids of every registered template."""
    _register_builtins()
    return tuple(sorted(_TEMPLATES))


def _register_builtins() -> None:
    # on every lookup, not once: the built-in ids are always there, even after a host
    # (or a test) replaced or restored the registry
    from faktura.documents.layout import CLASSIC, MODERN

    for layout in (CLASSIC, MODERN):
        _TEMPLATES.setdefault(layout.id, layout)


def render_pdf(
    data: DocumentData,
    *,
    template_id: str = "default",
    draft: bool = False,
    attachments: Mapping[str, bytes] | None = None,
) -> bytes:
    """The document as PDF bytes.

    ``draft`` stamps a diagonal, localized watermark under every page ("KLADDE", "DRAFT",
    ...; the text is drawn over it), also on a booked document (a preview).
    ``attachments`` maps file names to contents embedded in the PDF (e.g. "invoice.xml":
    the UBL e-invoice).

    Raises ConfigurationError without the pdf extra, ValidationError for an unknown
    template, RenderError when the document cannot be drawn.
    """
    require_pdf_extra()
    layout = template(template_id)
    words = l10n.labels(data.language)
    # One render at a time per process: reportlab keeps per-document state on the shared
    # TrueType font objects (the subsets being made) and is not thread-safe, and the
    # cached watermark page is shared too. Threads of a server render in turn.
    with _RENDERING:
        pdf = layout.render(data)
        return _post_process(
            pdf,
            watermark=words.draft if draft else None,
            title=_title(data, words),
            author=data.company.name,
            subject=words.title(data.invoice.kind),
            created=_document_time(data.invoice),
            attachments=attachments or {},
        )


_RENDERING = threading.Lock()


def _title(data: DocumentData, words: l10n.Labels) -> str:
    number = data.invoice.number or words.draft_number
    return f"{words.title(data.invoice.kind)} {number}"


def _document_time(invoice: Invoice) -> datetime:
    """When the document was made, by the document: booked, else its date at midnight."""
    if invoice.booked_at is not None:
        return invoice.booked_at.astimezone(UTC)
    return datetime.combine(invoice.issue_date, time(0), UTC)


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _post_process(
    pdf: bytes,
    *,
    watermark: str | None,
    title: str,
    author: str,
    subject: str,
    created: datetime,
    attachments: Mapping[str, bytes],
) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    if watermark is not None:
        from faktura.documents.typeface import default_font

        font = default_font()
        if font.first_missing(watermark) is not None:  # a host's family without the word
            font = CORE
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            # under the page's content: the text is drawn over the watermark, never the
            # watermark over an amount
            mark = _watermark_page(watermark, round(width), round(height), font)
            page.merge_page(mark, over=False)
    stamp = _pdf_date(created)
    writer.add_metadata(
        {
            "/Title": title,
            "/Author": author,
            "/Subject": subject,
            "/Creator": "faktura",
            "/Producer": "faktura (reportlab, pypdf)",
            "/CreationDate": stamp,
            "/ModDate": stamp,
        }
    )
    for name, content in sorted(attachments.items()):
        if not isinstance(content, bytes | bytearray):
            raise ValidationError("must be bytes", field=f"attachments.{name}", rule="type")
        writer.add_attachment(name, bytes(content))
    # The file identifier is derived from the content, not from the clock or chance.
    identifier = ByteStringObject(
        _digest(pdf + title.encode() + stamp.encode() + (watermark or "").encode())
    )
    writer._ID = ArrayObject([identifier, identifier])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _digest(data: bytes) -> bytes:
    import hashlib

    return hashlib.md5(data, usedforsecurity=False).digest()


@functools.lru_cache(maxsize=32)
def _watermark_page(word: str, width: int, height: int, font: FontSpec) -> Any:
    """A transparent page with ``word`` written diagonally in light grey (made once),
    stamped under a page's content."""
    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(  # the stub types initialFontName as a float: it is a font name
        buffer,
        pagesize=(width, height),
        invariant=1,
        initialFontName=font.bold,  # type: ignore[arg-type]
    )
    canvas.saveState()
    canvas.setFillColorRGB(0.82, 0.82, 0.82, alpha=0.45)
    size = min(width, height) / max(len(word), 4) * 1.6
    canvas.setFont(font.bold, size)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(45)
    canvas.drawCentredString(0, -size / 3, word)
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
