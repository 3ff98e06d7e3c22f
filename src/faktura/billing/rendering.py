"""Rendering: a document's files (its PDF and its UBL e-invoice) and the archive that
keeps them final.

A booked document's files are made from what it was issued with (``Invoice.issued``),
never from the company and customer as they are now, and archived the first time they
are made: every later send and read answers the archived bytes, so what a customer
received can be reproduced byte for byte whatever changes later. A draft's PDF is a
render of the live company and customer (with the watermark when asked), never archived;
a draft has no e-invoice.
"""

from __future__ import annotations

import attrs

from faktura.attachments import Attachment
from faktura.billing.work import Work, first_archived
from faktura.documents.source import DocumentSource, attaches_pdf
from faktura.errors import InvoiceStateError
from faktura.invoice import Invoice
from faktura.issued import MEDIA_TYPES, ArchiveKind
from faktura.ports import UnitOfWork

__all__ = ["Documents"]


@attrs.frozen
class Documents:
    """The rendering use case of one Billing (see the module)."""

    work: Work

    def file(
        self,
        company_id: str,
        invoice_id: str,
        kind: ArchiveKind,
        draft: bool = False,
        attach_pdf: bool | None = None,
    ) -> bytes:
        """A file of the document (``Billing.render_pdf``, ``Billing.render_ubl``):
        ``kind`` UBL is made UBL_PDF when the e-invoice embeds the PDF
        (``attaches_pdf``); ``draft`` stamps the PDF's watermark (never archived)."""
        with self.work.store.unit_of_work(readonly=True) as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            if kind is ArchiveKind.UBL and attaches_pdf(invoice, attach_pdf):
                kind = ArchiveKind.UBL_PDF
            archived = invoice.is_booked and not draft
            if archived:
                found = first_archived(uow.archive.for_invoice(company_id, invoice_id), kind)
                if found is not None:
                    return uow.archive.get(company_id, found.sha256)
            elif kind is not ArchiveKind.PDF:
                raise InvoiceStateError(
                    "only booked documents have an e-invoice",
                    invoice_id=invoice.id,
                    status=invoice.status.value,
                    action="make the e-invoice of",
                )
            source = self.source(uow, invoice)
        if kind is ArchiveKind.PDF:
            content = source.pdf(draft=draft)
        elif kind is ArchiveKind.UBL_PDF:  # the archived PDF, made (and archived) if need be
            content = source.ubl(self.file(company_id, invoice_id, ArchiveKind.PDF))
        else:
            content = source.ubl()
        if not archived:
            return content
        return self.archive(company_id, invoice_id, kind, content, first=True)

    def source(self, uow: UnitOfWork, invoice: Invoice) -> DocumentSource:
        """What the files of ``invoice`` are made of, read in ``uow``: for a booked
        document what it was issued with (its logo from the archive), for a draft the
        live company and customer."""
        issued = invoice.issued
        if issued is not None:
            logo = (
                uow.archive.get(invoice.company_id, issued.logo_sha256)
                if issued.logo_sha256 is not None
                else None
            )
            return DocumentSource.issued(invoice, issued, logo, self.supporting(uow, invoice))
        company = uow.companies.get(invoice.company_id)
        customer = self.work.directory(uow).get(invoice.company_id, invoice.customer_id)
        return DocumentSource.live(
            invoice, company, customer, attachments=self.supporting(uow, invoice)
        )

    def supporting(self, uow: UnitOfWork, invoice: Invoice) -> tuple[Attachment, ...]:
        """The supporting documents kept with ``invoice``, their bytes read from the
        archive in ``uow``."""
        return tuple(
            item.attachment(
                None if item.sha256 is None else uow.archive.get(invoice.company_id, item.sha256)
            )
            for item in invoice.attachments
        )

    def archive(
        self,
        company_id: str,
        invoice_id: str,
        kind: ArchiveKind,
        content: bytes,
        *,
        first: bool = False,
    ) -> bytes:
        """Archive ``content`` as a ``kind`` file of the document, in a unit of work of
        its own; the content. ``first``: answer the oldest archived file of that kind
        instead (the one a concurrent render archived first, if any)."""
        media_type = MEDIA_TYPES[kind]
        with self.work.store.unit_of_work() as uow:
            uow.archive.put(
                company_id, invoice_id, kind, content, media_type, self.work.clock.now()
            )
            if first:
                found = first_archived(uow.archive.for_invoice(company_id, invoice_id), kind)
                if found is not None:
                    content = uow.archive.get(company_id, found.sha256)
            uow.commit()
        return content
