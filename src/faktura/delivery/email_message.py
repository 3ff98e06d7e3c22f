"""The email of a booked document or a reminder, built and checked, without sending it: the
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

from faktura.delivery.channel import OutgoingDocument, OutgoingReminder, Recipient
from faktura.delivery.texts import EmailText, email_text, reminder_email_text, reminder_title
from faktura.documents import l10n
from faktura.documents.fik import fik_line
from faktura.documents.payment import payment_lines
from faktura.errors import DeliveryRejected, FakturaError, ValidationError

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = [
    "attachment_name",
    "build_email",
    "build_reminder_email",
    "flatten_with",
    "refuse_unsafe",
    "reminder_attachment_name",
    "unsafe",
    "verify_headers",
]

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
#: Control characters, Unicode line/paragraph separators and the start of an RFC 2047
#: encoded word: nothing of these goes into a header.
_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|=\?")
_DEDUP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LOCALE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")
#: Letters NFKD does not take apart, spelled in ASCII for a file name.
_SPELLED = {"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ł": "l"}


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
    locale = _locale_of(message.locale, company.locale)
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
    attachments = [(pdf, "pdf", attachment_name(message, "pdf"))]
    if ubl is not None:
        attachments.append((ubl, "xml", attachment_name(message, "xml")))
    return _compose(
        sender=sender,
        sender_name=sender_name,
        reply_to=reply_to,
        recipient=message.recipient,
        dedup_id=message.dedup_id,
        locale=locale,
        text=text,
        attachments=attachments,
    )


def _compose(
    *,
    sender: str,
    sender_name: str,
    reply_to: str | None,
    recipient: Recipient,
    dedup_id: str | None,
    locale: str,
    text: EmailText,
    attachments: list[tuple[bytes, str, str]],
) -> EmailMessage:
    """The email itself, of values already checked: (content, application subtype, file
    name) attached in order."""
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    sender_domain = sender.rpartition("@")[2]
    try:
        email = EmailMessage()
        email["From"] = Address(display_name=sender_name, addr_spec=sender)
        email["To"] = Address(display_name=recipient.name, addr_spec=recipient.address)
        if reply_to:
            email["Reply-To"] = Address(addr_spec=reply_to)
        email["Subject"] = text.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = _message_id(dedup_id, sender_domain) or make_msgid(
            domain=sender_domain
        )
        email.set_content(text.body)
        for content, subtype, filename in attachments:
            email.add_attachment(
                content, maintype="application", subtype=subtype, filename=filename
            )
        email["Content-Language"] = locale.replace("_", "-")
    except (ValueError, TypeError) as err:  # email.errors.HeaderParseError is a ValueError
        raise DeliveryRejected(f"the email cannot be built: {err}") from err
    return email


def reminder_attachment_name(message: OutgoingReminder) -> str:
    """The file name of a reminder's PDF, in the message's language: "Rykker
    R-2026-0001.pdf", "Reminder R-2026-0001.pdf"; the word spelled in ASCII
    ("Betalningspaminnelse"), and characters of the number other than ASCII letters,
    digits, ".", "_" and "-" made "-", so the name needs no encoding in a header."""
    word = _ascii(reminder_title(_locale_of(message.locale, message.company.locale)))
    number = _UNSAFE_FILE_CHARS.sub("-", message.reminder.number).strip("-") or "reminder"
    return f"{word or 'Reminder'} {number}.pdf"


def _ascii(text: str) -> str:
    import unicodedata

    spelled = "".join(_SPELLED.get(char, char) for char in text)
    plain = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE_FILE_CHARS.sub("-", plain).strip("-")


def _locale_of(locale: str, company_locale: str) -> str:
    chosen = l10n.document_locale(locale, company_locale)
    if not _LOCALE.fullmatch(chosen):
        raise DeliveryRejected(f"the language {chosen!r} cannot go into a header")
    return chosen


def build_reminder_email(
    message: OutgoingReminder,
    *,
    sender: str,
    sender_name: str | None,
    reply_to: str | None,
) -> EmailMessage:
    """The email for the reminder ``message`` from ``sender`` (named ``sender_name``,
    else the company's name), with Reply-To ``reply_to`` (else the company's email): the
    localized text (``faktura.delivery.texts.reminder_email_text``, with the FIK line
    when the reminder has a FIK payment id and the company a FIK creditor number) and the
    reminder's PDF attached (``reminder_attachment_name``). The same header checks as
    ``build_email``.

    Raises DeliveryRejected for a message that cannot be built.
    """
    reminder, company = message.reminder, message.company
    sender_name = sender_name or company.name
    refuse_unsafe("company name", company.name)
    refuse_unsafe("sender name", sender_name)
    refuse_unsafe("recipient name", message.recipient.name)
    refuse_unsafe("reminder number", reminder.number)
    for item in reminder.items:
        refuse_unsafe("invoice number", item.number)
    for what, address in (
        ("recipient", message.recipient.address),
        ("sender", sender),
    ):
        if unsafe(address):
            raise DeliveryRejected(f"the {what} address cannot go into a header: {address!r}")
    locale = _locale_of(message.locale, company.locale)
    try:
        text = reminder_email_text(
            locale,
            reminder,
            company.name,
            message.recipient.name,
            message.pay_by,
            _reminder_payment(message, locale),
        )
        pdf = message.pdf()
    except FakturaError as err:
        raise DeliveryRejected(f"the reminder cannot be rendered: {err.message}") from err
    if not isinstance(pdf, bytes):
        raise DeliveryRejected("the reminder's PDF is not bytes")
    refuse_unsafe("subject", text.subject)
    reply_to = reply_to or company.email
    if reply_to and unsafe(reply_to):
        raise DeliveryRejected(f"the Reply-To address cannot go into a header: {reply_to!r}")
    return _compose(
        sender=sender,
        sender_name=sender_name,
        reply_to=reply_to,
        recipient=message.recipient,
        dedup_id=message.dedup_id,
        locale=locale,
        text=text,
        attachments=[(pdf, "pdf", reminder_attachment_name(message))],
    )


def _reminder_payment(message: OutgoingReminder, locale: str) -> list[str]:
    """The FIK line of a DKK reminder with a FIK payment id, from a company with a FIK
    creditor number; nothing otherwise (a payment id that is not a FIK one included)."""
    reminder, creditor = message.reminder, message.company.fik_creditor
    if not (reminder.payment_id and creditor and reminder.currency == "DKK"):
        return []
    try:
        line = fik_line(reminder.payment_id, creditor)
    except ValidationError:
        return []
    return [f"{l10n.labels(locale).fik}: {line}"]


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
