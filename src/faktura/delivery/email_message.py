"""The email of a booked document, built and checked, without sending it: the
headers (every value checked for what could break a header line, and read back once
flattened), the localized text, the PDF and UBL attachments, the Message-ID from the
``dedup_id``. ``faktura.delivery.email`` describes the message; the SMTP transport is
``faktura.delivery.email_smtp``.

email.utils (which imports socket) is imported when a message is built, so importing
this module stays free of I/O modules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from faktura.delivery.channel import OutgoingDocument
from faktura.delivery.texts import email_text
from faktura.documents import l10n
from faktura.documents.payment import payment_lines
from faktura.errors import DeliveryRejected, FakturaError

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = [
    "attachment_name",
    "build_email",
    "flatten_with",
    "refuse_unsafe",
    "unsafe",
    "verify_headers",
]

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
#: Control characters, Unicode line/paragraph separators and the start of an RFC 2047
#: encoded word: nothing of these goes into a header.
_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|=\?")
_DEDUP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LOCALE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


def attachment_name(message: OutgoingDocument, extension: str) -> str:
    """The file name of an attached document, in the message's language: "faktura-
    2026-0042.pdf", "invoice-2026-0042.pdf", "kreditnota-7.xml"; characters other than
    ASCII letters, digits, ".", "_" and "-" become "-"."""
    title = l10n.labels(message.locale).title(message.invoice.kind).lower()
    kind = _UNSAFE_FILE_CHARS.sub("-", title).strip("-") or "document"
    number = _UNSAFE_FILE_CHARS.sub("-", message.invoice.number or "draft")
    return f"{kind}-{number}.{extension}"


def build_email(
    message: OutgoingDocument,
    *,
    sender: str,
    sender_name: str | None,
    reply_to: str | None,
    attach_ubl: bool,
) -> EmailMessage:
    """The email for ``message`` from ``sender`` (named ``sender_name``, else the
    company's name), with Reply-To ``reply_to`` (else the company's email) and the UBL
    attached when ``attach_ubl``.

    Raises DeliveryRejected for a message that cannot be built.
    """
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    invoice, company = message.invoice, message.company
    if invoice.number is None:
        raise DeliveryRejected(f"invoice {invoice.id!r} is a draft: only booked documents go out")
    sender_name = sender_name or company.name
    refuse_unsafe("company name", company.name)
    refuse_unsafe("sender name", sender_name)
    refuse_unsafe("recipient name", message.recipient.name)
    refuse_unsafe("document number", invoice.number)
    for what, address in (
        ("recipient", message.recipient.address),
        ("sender", sender),
    ):
        if unsafe(address):
            raise DeliveryRejected(f"the {what} address cannot go into a header: {address!r}")
    locale = l10n.document_locale(message.locale, company.locale)
    if not _LOCALE.fullmatch(locale):
        raise DeliveryRejected(f"the language {locale!r} cannot go into a header")
    try:
        text = email_text(
            locale,
            invoice.kind,
            invoice.number,
            company.name,
            message.recipient.name,
            invoice.totals.payable,
            invoice.currency,
            invoice.due_date,
            payment_lines(invoice, company, locale),
        )
        pdf = message.pdf()
        ubl = message.ubl() if attach_ubl else None
    except FakturaError as err:
        raise DeliveryRejected(f"the document cannot be rendered: {err.message}") from err
    refuse_unsafe("subject", text.subject)
    reply_to = reply_to or company.email
    if reply_to and unsafe(reply_to):
        raise DeliveryRejected(f"the Reply-To address cannot go into a header: {reply_to!r}")
    sender_domain = sender.rpartition("@")[2]
    try:
        email = EmailMessage()
        email["From"] = Address(display_name=sender_name, addr_spec=sender)
        email["To"] = Address(
            display_name=message.recipient.name, addr_spec=message.recipient.address
        )
        if reply_to:
            email["Reply-To"] = Address(addr_spec=reply_to)
        email["Subject"] = text.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = _message_id(message.dedup_id, sender_domain) or make_msgid(
            domain=sender_domain
        )
        email.set_content(text.body)
        email.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=attachment_name(message, "pdf")
        )
        if ubl is not None:
            email.add_attachment(
                ubl,
                maintype="application",
                subtype="xml",
                filename=attachment_name(message, "xml"),
            )
        email["Content-Language"] = locale.replace("_", "-")
    except (ValueError, TypeError) as err:  # email.errors.HeaderParseError is a ValueError
        raise DeliveryRejected(f"the email cannot be built: {err}") from err
    return email


def flatten_with(message: EmailMessage, utf8: bool) -> bytes:
    import io
    from email.generator import BytesGenerator

    policy = message.policy.clone(utf8=True) if utf8 else message.policy  # type: ignore[call-arg]
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=policy).flatten(message, linesep="\r\n")
        return buffer.getvalue()


def _message_id(dedup_id: str | None, domain: str) -> str | None:
    """The Message-ID made from a ``dedup_id``: the same for every attempt sharing it."""
    if dedup_id is None:
        return None
    if not _DEDUP_ID.fullmatch(dedup_id):
        import hashlib

        dedup_id = hashlib.sha256(dedup_id.encode("utf-8")).hexdigest()[:40]
    return f"<faktura.{dedup_id}@{domain}>"


def verify_headers(email: EmailMessage, raw: bytes) -> None:
    """Read the flattened message's header block back: every line is a header the
    channel set (in order, each once as set) or a folded continuation. Anything else
    (a header line smuggled in through a name) is refused."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    found: list[str] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not found:
                raise DeliveryRejected("the email's header block starts with a continuation")
            continue
        name, colon, _ = line.partition(b":")
        if not colon or not re.fullmatch(rb"[!-9;-~]+", name):
            raise DeliveryRejected(f"the email would carry a malformed header line: {line[:80]!r}")
        found.append(name.decode("ascii").lower())
    expected = [key.lower() for key in email]
    if found != expected:
        raise DeliveryRejected(
            f"the email's headers would be {found}, not the {expected} set; refused"
        )


def unsafe(value: str) -> bool:
    return _UNSAFE_HEADER.search(value) is not None


def refuse_unsafe(what: str, value: str) -> None:
    if unsafe(value):
        raise DeliveryRejected(
            f"the {what} contains a line break, a control character or '=?' and cannot go "
            f"into a header: {value!r}"
        )
