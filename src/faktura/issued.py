"""What a booked document was issued with, and what left faktura (pure).

``IssuedParties`` is taken in the unit of work that books a document and stored with
it: the seller and the buyer as they were (the buyer with only the department and
contact the document names), the language it is written in, the PDF template and the
sha256 of the logo (whose bytes are archived, content-addressed). Rendering or
serialising a booked document reads these, never the live company, customer or
template records, so later changes to them leave what was issued as it was.

``ArchivedDocument`` describes one file of the archive of what was issued (the PDF,
the UBL e-invoice with or without the PDF embedded, the email as sent, the logo):
``faktura.ports.DocumentArchive``.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
from datetime import datetime

import attrs

from faktura.errors import ValidationError
from faktura.parties import Company, Customer

__all__ = [
    "MEDIA_TYPES",
    "ArchiveKind",
    "ArchivedDocument",
    "IssuedParties",
    "logo_media_type",
    "sha256",
]

_DIGEST = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)


def sha256(content: bytes) -> str:
    """The lower-case hex sha256 of ``content``: its address in the archive."""
    return hashlib.sha256(content).hexdigest()


class ArchiveKind(enum.StrEnum):
    """What an archived file is to its document."""

    PDF = "pdf"
    UBL = "ubl"
    #: The UBL e-invoice with the document's PDF embedded (BG-24): the archived PDF's
    #: very bytes, in base64.
    UBL_PDF = "ubl_pdf"
    #: The email as sent (RFC 5322 bytes, attachments included).
    EMAIL = "email"
    #: The seller's logo the document was issued with.
    LOGO = "logo"
    #: A supporting document the host kept with the document (BG-24, BT-125), archived
    #: with its own MIME code when given to the draft (``Invoice.attachments``).
    ATTACHMENT = "attachment"


#: The media type each kind is archived with.
MEDIA_TYPES = {
    ArchiveKind.PDF: "application/pdf",
    ArchiveKind.UBL: "application/xml",
    ArchiveKind.UBL_PDF: "application/xml",
    ArchiveKind.EMAIL: "message/rfc822",
}


def logo_media_type(logo: bytes) -> str:
    """The media type of a logo (PNG or JPEG, by its first bytes)."""
    return "image/png" if logo.startswith(b"\x89PNG") else "image/jpeg"


@attrs.frozen
class ArchivedDocument:
    """One archived file of a document: its kind, sha256, size, media type and when it
    was first archived for the document."""

    invoice_id: str
    kind: ArchiveKind
    sha256: str
    size: int
    media_type: str
    created_at: datetime


@attrs.frozen(cache_hash=True)  # a key of the caches of booking
class IssuedParties:
    """The parties, language, template and logo a booked document was issued with.

    ``seller`` is the Company as it was (without its logo bytes: ``logo_sha256`` names
    them in the archive); ``buyer`` the Customer as it was, keeping only the department
    and the contact the document names; ``language`` the resolved document locale
    ("da", "en_GB", ...); ``template_id`` the PDF template.
    """

    seller: Company
    buyer: Customer
    language: str
    template_id: str
    logo_sha256: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.logo_sha256 is not None and not _DIGEST.match(self.logo_sha256):
            raise ValidationError("must be a hex sha256", field="logo_sha256", rule="digest")

    @classmethod
    def take(
        cls,
        company: Company,
        customer: Customer,
        *,
        department_id: str | None,
        contact_id: str | None,
        language: str,
        template_id: str,
        logo_sha256: str | None = None,
    ) -> IssuedParties:
        """The snapshot of a document's parties at booking (``department_id`` and
        ``contact_id``: the customer's department and contact the document names)."""
        buyer = _buyer(customer, department_id, contact_id)
        seller = company if company.logo is None else _without_logo(company)
        return cls(seller, buyer, language, template_id, logo_sha256)


# A company books many documents for the same parties, which are frozen values: their
# snapshots are made (and checked) once.


@functools.lru_cache(maxsize=256)
def _buyer(customer: Customer, department_id: str | None, contact_id: str | None) -> Customer:
    """The customer with only the department and contact the document names."""
    department = customer.department(department_id) if department_id is not None else None
    contact = customer.contact(contact_id) if contact_id is not None else None
    return attrs.evolve(
        customer,
        departments=() if department is None else (department,),
        contacts=() if contact is None else (contact,),
    )


@functools.lru_cache(maxsize=64)
def _without_logo(company: Company) -> Company:
    return attrs.evolve(company, logo=None)
