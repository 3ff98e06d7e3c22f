"""EmailChannel: a booked document as a localized email with its PDF, sent over SMTP.

The message (``email.message.EmailMessage``) has

- From: the company's name (or ``SmtpSettings.sender_name``) and ``SmtpSettings.sender``;
  Reply-To: ``SmtpSettings.reply_to``, else the company's own email when it has one;
- To: the recipient; Subject and a plain-text body in the document's language (company,
  invoice or credit note, number, amount and due date: ``faktura.delivery.texts``);
- the PDF attached as ``<document>-<number>.pdf``, named in the message's language
  (``faktura-7.pdf``, ``credit-note-8.pdf``), and the UBL e-invoice as
  ``<document>-<number>.xml`` when ``attach_ubl`` is set;
- a Message-ID in the sender's domain, which is the Receipt's provider reference: made
  from the message's ``dedup_id`` when it has one (``<faktura.<dedup_id>@<domain>>``, the
  same for every retry after an unknown outcome), else a fresh one.

A reminder (``deliver_reminder``, given an ``OutgoingReminder``) goes the same way: the
same From, To and Reply-To, a subject and body in the reminder's language (its level,
the overdue invoices, what it charges, the total to pay and the day to pay by:
``faktura.delivery.texts.reminder_email_text``), its PDF attached as "<reminder>
<number>.pdf" ("Rykker R-2026-0001.pdf"), the Message-ID from its ``dedup_id``, the same
header checks, size limit, SMTP path and errors; ``check_reminder`` is its pre-flight.

Header safety, on every Python version: every address is checked with
``faktura.parties.check_email`` and may not contain ``=?``; a header value (company,
sender, recipient name, document number, subject) containing a control character (CR,
LF, any other), a Unicode line or paragraph separator, or ``=?`` (the start of an RFC
2047 encoded word, which Python's folder may decode into a line break) is refused with
DeliveryRejected before anything is sent. Then the message as flattened is read back:
its header lines must be exactly the headers the channel set, one line each (folded
continuations aside), or it is refused. ``check(message)`` does all of it, and the size
limit, on a preview before anything is booked.

Errors (nothing else leaves the channel)::

    SMTP reply 5xx (recipient, sender, data, 535 auth)      DeliveryRejected
    STARTTLS/AUTH not offered, other SMTP protocol refusal  DeliveryRejected
    a header or address that cannot be sent, too large    DeliveryRejected
    SMTP reply 4xx, e.g. 421, 450, 451, 452, 454            DeliveryUnavailable
    connection refused, dropped before the end of DATA,     DeliveryUnavailable
    timeout before the end of DATA, TLS failure               (nothing arrived)
    connection dropped or no reply in time after the whole  DeliveryOutcomeUnknown
    message and its final "." were sent                       (it may have arrived)

smtplib, ssl and email.utils (which imports socket) are imported when a message is
built or sent, so importing this module stays free of I/O modules.

The channel is here; building the message and its header safety are in
``faktura.delivery.email_message``, the SMTP settings and transport (with the error
mapping above) in ``faktura.delivery.email_smtp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    OutgoingReminder,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.delivery.email_message import (
    attachment_name,
    build_email,
    build_reminder_email,
    flatten_with,
    refuse_unsafe,
    verify_headers,
)
from faktura.delivery.email_smtp import SmtpSettings, send_smtp
from faktura.errors import DeliveryRejected, ValidationError
from faktura.parties import check_email

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = ["EmailChannel", "SmtpSettings", "attachment_name"]


class EmailChannel:
    """Delivers documents and reminders by email over SMTP (``deliveryType`` "email")."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @property
    def delivery_type(self) -> DeliveryType:
        return DeliveryType.EMAIL

    @property
    def recipient_kind(self) -> RecipientKind:
        return RecipientKind.EMAIL

    def prepare(self, recipient: Recipient) -> None:
        """Re-check the address and the name that goes into the To header; no network.

        Raises DeliveryRejected for a recipient that is not an email address, or whose
        address or name could not be sent safely.
        """
        if recipient.kind is not RecipientKind.EMAIL:
            raise DeliveryRejected(
                f"the email channel cannot deliver to a {recipient.kind.value} recipient"
            )
        try:
            check_email(recipient.address, "recipient")
        except ValidationError as err:
            raise DeliveryRejected(f"refused email address: {err.message}") from err
        if "=?" in recipient.address:
            raise DeliveryRejected(f"refused email address (contains '=?'): {recipient.address!r}")
        refuse_unsafe("recipient name", recipient.name)

    def check(self, message: OutgoingDocument) -> None:
        """Everything ``deliver`` checks before it connects, on ``message`` (a send
        gives it a preview of the booked document before booking): the recipient, the
        whole email built and flattened (its headers read back), its size against
        ``max_size``. Nothing is sent. Raises DeliveryRejected.
        """
        self.prepare(message.recipient)
        email = self.build(message)
        sender, to = self.settings.sender, message.recipient.address
        self._checked(email, flatten_with(email, utf8=not (sender + to).isascii()))

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Build the email and send it; the Receipt's reference is its Message-ID, its
        ``message`` the bytes sent (as the SMTP DATA, without the dot-stuffing).

        Raises DeliveryRejected (refused for good: a 5xx reply, a bad header, a document
        that cannot be rendered, too large), DeliveryUnavailable (4xx, connection,
        timeout, TLS: nothing arrived) or DeliveryOutcomeUnknown (the whole message was
        sent and the server's answer never came: it may have arrived).
        """
        self.prepare(message.recipient)
        email = self.build(message)
        sent = self._send(email, message.recipient.address)
        return Receipt(provider_reference=str(email["Message-ID"]), message=sent)

    def check_reminder(self, message: OutgoingReminder) -> None:
        """What ``deliver_reminder`` checks before it connects, as ``check`` does for a
        document. Nothing is sent. Raises DeliveryRejected."""
        self.prepare(message.recipient)
        email = self.build_reminder(message)
        sender, to = self.settings.sender, message.recipient.address
        self._checked(email, flatten_with(email, utf8=not (sender + to).isascii()))

    def deliver_reminder(self, message: OutgoingReminder) -> Receipt:
        """Build the reminder's email and send it, as ``deliver`` does a document's: the
        Receipt's reference is its Message-ID, its ``message`` the bytes sent.

        Raises DeliveryRejected, DeliveryUnavailable or DeliveryOutcomeUnknown, as
        ``deliver`` does.
        """
        self.prepare(message.recipient)
        email = self.build_reminder(message)
        sent = self._send(email, message.recipient.address)
        return Receipt(provider_reference=str(email["Message-ID"]), message=sent)

    def build_reminder(self, message: OutgoingReminder) -> EmailMessage:
        """The email that ``deliver_reminder`` sends for ``message``, without sending it.

        Raises DeliveryRejected as ``deliver_reminder`` does for a message that cannot
        be built.
        """
        settings = self.settings
        return build_reminder_email(
            message,
            sender=settings.sender,
            sender_name=settings.sender_name,
            reply_to=settings.reply_to,
        )

    def _checked(self, email: EmailMessage, raw: bytes) -> bytes:
        """``raw`` (the flattened ``email``) when its headers are the ones set and its
        size within ``max_size``; else DeliveryRejected."""
        verify_headers(email, raw)
        limit = self.settings.max_size
        if limit is not None and len(raw) > limit:
            raise DeliveryRejected(
                f"the email is {len(raw)} bytes, more than max_size {limit} bytes allows"
            )
        return raw

    def build(self, message: OutgoingDocument) -> EmailMessage:
        """The email that ``deliver`` sends for ``message``, without sending it.

        Raises DeliveryRejected as ``deliver`` does for a message that cannot be built.
        """
        settings = self.settings
        return build_email(
            message,
            sender=settings.sender,
            sender_name=settings.sender_name,
            reply_to=settings.reply_to,
            attach_ubl=settings.attach_ubl,
        )

    def _send(self, email: EmailMessage, to: str) -> bytes:
        return send_smtp(self.settings, email, to, self._checked)
