"""``DocumentData``: everything a PDF template needs for one document (the lowest
module of the PDF documents: the templates, the font check and ``render_pdf`` read it;
``faktura.documents.pdf`` is its public home)."""

from __future__ import annotations

import attrs

from faktura.documents import l10n
from faktura.invoice import Invoice
from faktura.parties import Company, Customer

__all__ = ["DocumentData"]


@attrs.frozen
class DocumentData:
    """Everything a template needs for one document.

    ``locale`` defaults to the customer's language, else the company's locale (one of
    da, en, de, sv, nb; others fall back to en). ``logo`` is PNG or JPEG bytes.
    """

    invoice: Invoice
    company: Company
    customer: Customer
    locale: str | None = None
    logo: bytes | None = None

    @property
    def language(self) -> str:
        """The locale the document is written in."""
        if self.locale is not None:
            return l10n.document_locale(self.locale, self.company.locale)
        return l10n.document_locale(self.customer.language, self.company.locale)
