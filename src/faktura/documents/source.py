"""Where a document's files come from: the one rule for parties, language and template.

- A booked document is drawn from what it was issued with (``Invoice.issued``): the
  seller and buyer as they were at booking, its language, its template and its logo
  (read back from the archive by the caller). Live company, customer and template
  choices are not read.
- A draft (and a preview of one) is drawn from the live records: the customer's
  document template, else the company's; the customer's language, else the company's
  locale; the company's logo.
- Its e-invoice embeds its PDF (BG-24) when the caller asks for it, else when the buyer
  it was issued to asked for it (``Customer.attach_pdf`` in the snapshot).
- Its e-invoice carries the supporting documents the host kept with it
  (``Invoice.attachments``, their bytes read from the archive by
  ``faktura.billing.Billing``), after its own PDF.

A document booked before faktura kept snapshots has none: it is drawn from the live
records, as it always was.
"""

from __future__ import annotations

import attrs

from faktura.attachments import Attachment, with_supporting
from faktura.documents.l10n import document_locale
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.issued import IssuedParties
from faktura.parties import Company, Customer

__all__ = ["DocumentSource", "attaches_pdf", "check_attach_pdf", "issue", "template_for"]


def template_for(company: Company, customer: Customer, requested: str | None = None) -> str:
    """The PDF template of a document: ``requested`` (a send's documentTemplateId),
    else the customer's, else the company's."""
    return requested or customer.document_template or company.document_template


def attaches_pdf(invoice: Invoice, attach_pdf: bool | None) -> bool:
    """Whether ``invoice``'s e-invoice embeds its PDF: ``attach_pdf`` when given, else
    the buyer's ``attach_pdf`` as the document was issued (a document without a
    snapshot, and a draft, never by default)."""
    if attach_pdf is not None:
        return attach_pdf
    return invoice.issued is not None and invoice.issued.buyer.attach_pdf


def check_attach_pdf(attach_pdf: object) -> None:
    """ValidationError naming ``attachPdf`` unless it is true, false or None."""
    if attach_pdf is not None and not isinstance(attach_pdf, bool):
        raise ValidationError("must be true, false or null", field="attach_pdf", rule="type")


def issue(
    invoice: Invoice,
    company: Company,
    customer: Customer,
    *,
    template_id: str | None = None,
    logo_sha256: str | None = None,
) -> IssuedParties:
    """What ``invoice`` is issued with when booked now (``template_id``: a send's
    documentTemplateId, else the rule of ``template_for``)."""
    return IssuedParties.take(
        company,
        customer,
        department_id=invoice.customer_department_id,
        contact_id=invoice.customer_contact_id,
        language=document_locale(customer.language, company.locale),
        template_id=template_for(company, customer, template_id),
        logo_sha256=logo_sha256,
    )


@attrs.frozen
class DocumentSource:
    """Everything the files of one document are made of (see the module docstring)."""

    invoice: Invoice
    company: Company
    customer: Customer
    language: str
    template_id: str
    logo: bytes | None = None
    #: The supporting documents of ``invoice.attachments``, with their archived bytes.
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def issued(
        cls,
        invoice: Invoice,
        issued: IssuedParties,
        logo: bytes | None,
        attachments: tuple[Attachment, ...] = (),
    ) -> DocumentSource:
        """A booked document, from its snapshot; ``logo`` the archived bytes of
        ``issued.logo_sha256``; ``attachments`` its supporting documents."""
        return cls(
            invoice,
            issued.seller,
            issued.buyer,
            issued.language,
            issued.template_id,
            logo,
            attachments,
        )

    @classmethod
    def live(
        cls,
        invoice: Invoice,
        company: Company,
        customer: Customer,
        template_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> DocumentSource:
        """A draft (or a document without a snapshot), from the live records."""
        return cls(
            invoice,
            company,
            customer,
            document_locale(customer.language, company.locale),
            template_for(company, customer, template_id),
            company.logo,
            attachments,
        )

    def pdf(self, *, draft: bool = False) -> bytes:
        """The PDF (``draft``: with the watermark). Raises ConfigurationError without
        the pdf extra, ValidationError for an unknown template, RenderError."""
        from faktura.documents.pdf import DocumentData, render_pdf

        data = DocumentData(self.invoice, self.company, self.customer, self.language, self.logo)
        return render_pdf(data, template_id=self.template_id, draft=draft)

    def ubl(self, pdf: bytes | None = None) -> bytes:
        """The UBL e-invoice of a booked document; ``pdf``: the document's PDF, embedded
        as a supporting document (BG-24) before the host's (``attachments``). Raises
        ValidationError."""
        from faktura.documents.ubl import to_ubl

        number = self.invoice.number
        own = None
        if pdf is not None and number is not None:  # (a draft is refused by to_ubl)
            own = Attachment.document_pdf(number, pdf)
        attachments = with_supporting(own, self.attachments)
        return to_ubl(self.invoice, self.company, self.customer, attachments=attachments)
