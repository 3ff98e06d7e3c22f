"""EmailChannel: a booked document as a localized email with its PDF, sent over SMTP.

The message (``email.message.EmailMessage``) has

- From: the company's name (or ``SmtpSettings.sender_name``) and ``SmtpSettings.sender``;
  Reply-To: ``SmtpSettings.reply_to``, else the company's own email when it has one;
- To: the recipient; Subject and a plain-text body in the document's language (company,
  invoice or credit note, number, amount and due date: ``faktura.delivery.texts``);
- the PDF attached as ``<document>-<number>.pdf``, named in the message's language
  (``faktura-7.pdf``, ``credit-note-8.pdf``), and the UBL e-invoice as
  ``<document>-<number>.xml`` when ``attach_ubl`` is set;
- a Message-ID made in the sender's domain, which is the Receipt's provider reference.

Header safety: every address is checked with ``faktura.parties.check_email``, and a
header value containing CR or LF (a company or customer name with a line break) is
refused with DeliveryRejected before anything is sent: such a name cannot be put into a
header without changing it, and retrying will not make it fit.

Errors (nothing else leaves the channel)::

    SMTP reply 5xx (recipient, sender, data, 535 auth)      DeliveryRejected
    STARTTLS/AUTH not offered, other SMTP protocol refusal  DeliveryRejected
    a header or address that cannot be sent                DeliveryRejected
    SMTP reply 4xx, e.g. 421, 450, 451, 452, 454            DeliveryUnavailable
    connection refused/dropped, timeout, TLS failure        DeliveryUnavailable

smtplib, ssl and email.utils (which imports socket) are imported when a message is
built or sent, so importing this module stays free of I/O modules.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Literal, NoReturn

import attrs

from faktura.delivery.channel import (
    DeliveryType,
    OutgoingDocument,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.delivery.texts import email_text
from faktura.documents import l10n
from faktura.documents.payment import payment_lines
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    FakturaError,
    ValidationError,
)
from faktura.parties import check_email

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

__all__ = ["EmailChannel", "SmtpSettings", "attachment_name"]

Security = Literal["ssl", "starttls", "none"]
_SECURITY = ("ssl", "starttls", "none")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@attrs.frozen
class SmtpSettings:
    """How to reach the SMTP server, and who the mail is from.

    ``security``: "ssl" (implicit TLS, usually port 465), "starttls" (usually 587) or
    "none" (plain, for a local relay). ``cafile`` names a PEM file of certificates to
    trust instead of the system's (a private CA, a test server). ``timeout`` bounds every
    socket operation. Raises ConfigurationError for a setting that cannot work.
    """

    host: str
    port: int
    sender: str
    security: Security = "starttls"
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0
    sender_name: str | None = None
    reply_to: str | None = None
    attach_ubl: bool = False
    cafile: str | None = None

    def __attrs_post_init__(self) -> None:
        def bad(message: str) -> ConfigurationError:
            return ConfigurationError(f"SmtpSettings.{message}")

        if not isinstance(self.host, str) or not self.host or _unsafe(self.host):
            raise bad(f"host must be a host name: {self.host!r}")
        port: object = self.port
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise bad(f"port must be 1 to 65535: {port!r}")
        if self.security not in _SECURITY:
            raise bad(f"security must be one of {_SECURITY}: {self.security!r}")
        timeout: object = self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise bad(f"timeout must be positive seconds: {timeout!r}")
        for name in ("sender", "reply_to"):
            value = getattr(self, name)
            if value is None and name != "sender":
                continue
            try:
                check_email(value, name)
            except ValidationError as err:
                raise bad(err.message) from None
        if self.sender_name is not None and (
            not isinstance(self.sender_name, str) or _unsafe(self.sender_name)
        ):
            raise bad(f"sender_name must be text without line breaks: {self.sender_name!r}")
        if (self.username is None) != (self.password is None):
            raise bad("username and password go together: give both, or neither")


def attachment_name(message: OutgoingDocument, extension: str) -> str:
    """The file name of an attached document, in the message's language: "faktura-
    2026-0042.pdf", "invoice-2026-0042.pdf", "kreditnota-7.xml"; characters other than
    ASCII letters, digits, ".", "_" and "-" become "-"."""
    title = l10n.labels(message.locale).title(message.invoice.kind).lower()
    kind = _UNSAFE_FILE_CHARS.sub("-", title).strip("-") or "document"
    number = _UNSAFE_FILE_CHARS.sub("-", message.invoice.number or "draft")
    return f"{kind}-{number}.{extension}"


class EmailChannel:
    """Delivers documents by email over SMTP (``deliveryType`` "email")."""

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
        _refuse_unsafe("recipient name", recipient.name)

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Build the email and send it; the Receipt's reference is its Message-ID, its
        ``message`` the bytes sent (as the SMTP DATA, without the dot-stuffing).

        Raises DeliveryRejected (refused for good: a 5xx reply, a bad header, a document
        that cannot be rendered) or DeliveryUnavailable (4xx, connection, timeout, TLS).
        """
        self.prepare(message.recipient)
        email = self.build(message)
        sent = self._send(email, message.recipient.address)
        return Receipt(provider_reference=str(email["Message-ID"]), message=sent)

    def build(self, message: OutgoingDocument) -> EmailMessage:
        """The email that ``deliver`` sends for ``message``, without sending it.

        Raises DeliveryRejected as ``deliver`` does for a message that cannot be built.
        """
        from email.headerregistry import Address
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        settings = self.settings
        invoice, company = message.invoice, message.company
        if invoice.number is None:
            raise DeliveryRejected(
                f"invoice {invoice.id!r} is a draft: only booked documents go out"
            )
        sender_name = settings.sender_name or company.name
        _refuse_unsafe("company name", company.name)
        _refuse_unsafe("sender name", sender_name)
        _refuse_unsafe("recipient name", message.recipient.name)
        _refuse_unsafe("document number", invoice.number)
        locale = l10n.document_locale(message.locale, company.locale)
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
            ubl = message.ubl() if settings.attach_ubl else None
        except FakturaError as err:
            raise DeliveryRejected(f"the document cannot be rendered: {err.message}") from err
        reply_to = settings.reply_to or company.email
        sender_domain = settings.sender.rpartition("@")[2]
        try:
            email = EmailMessage()
            email["From"] = Address(display_name=sender_name, addr_spec=settings.sender)
            email["To"] = Address(
                display_name=message.recipient.name, addr_spec=message.recipient.address
            )
            if reply_to:
                email["Reply-To"] = Address(addr_spec=reply_to)
            email["Subject"] = text.subject
            email["Date"] = formatdate(usegmt=True)
            email["Message-ID"] = make_msgid(domain=sender_domain)
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

    def _send(self, email: EmailMessage, to: str) -> bytes:
        import smtplib
        import ssl

        settings = self.settings
        where = f"{settings.host}:{settings.port}"
        client: smtplib.SMTP | None = None
        try:
            context = (
                ssl.create_default_context(cafile=settings.cafile)
                if settings.security != "none"
                else None
            )
        except (OSError, ValueError) as err:
            raise DeliveryRejected(
                f"cannot set up TLS (cafile {settings.cafile!r}): {err}"
            ) from err
        try:
            if settings.security == "ssl":
                client = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username is not None and settings.password is not None:
                client.login(settings.username, settings.password)
            raw, options = _flatten(email, client, settings.sender, to)
            refused = client.sendmail(settings.sender, [to], raw, options)
            if refused:  # only possible with several recipients; kept for safety
                _recipients_refused(where, refused)
            _quit(client)
            return raw
        except smtplib.SMTPRecipientsRefused as err:
            _recipients_refused(where, err.recipients)
        except smtplib.SMTPServerDisconnected as err:
            raise DeliveryUnavailable(f"SMTP server {where} closed the connection: {err}") from err
        except smtplib.SMTPConnectError as err:
            raise DeliveryUnavailable(
                f"SMTP server {where} refused the session: {_reply(err)}"
            ) from err
        except smtplib.SMTPResponseException as err:
            # SMTPSenderRefused, SMTPDataError, SMTPAuthenticationError, SMTPHeloError
            what = _response_what(err)
            if 400 <= err.smtp_code < 500:
                raise DeliveryUnavailable(
                    f"SMTP server {where} deferred {what}: {_reply(err)}"
                ) from err
            if err.smtp_code >= 500:
                raise DeliveryRejected(
                    f"SMTP server {where} refused {what}: {_reply(err)}"
                ) from err
            raise DeliveryUnavailable(f"SMTP server {where} answered {_reply(err)}") from err
        except smtplib.SMTPException as err:
            # STARTTLS or AUTH not offered, no usable AUTH mechanism, SMTPUTF8 needed:
            # the server and the settings do not fit; a retry meets the same server.
            raise DeliveryRejected(f"SMTP server {where}: {err}") from err
        except ssl.SSLError as err:
            raise DeliveryUnavailable(f"TLS with SMTP server {where} failed: {err}") from err
        except TimeoutError as err:
            raise DeliveryUnavailable(f"SMTP server {where} timed out: {err}") from err
        except OSError as err:
            raise DeliveryUnavailable(f"SMTP server {where} unreachable: {err}") from err
        except (ValueError, UnicodeError) as err:
            raise DeliveryRejected(f"the email cannot be sent: {err}") from err
        finally:
            if client is not None:
                client.close()


def _flatten(
    message: EmailMessage, client: smtplib.SMTP, sender: str, to: str
) -> tuple[bytes, tuple[str, ...]]:
    """The bytes ``smtplib.SMTP.send_message`` would send for ``message`` and the MAIL
    options it would give: flattened once here, so what is archived is what was sent.
    Raises SMTPNotSupportedError for non-ASCII addresses the server cannot take."""
    import io
    import smtplib
    from email.generator import BytesGenerator

    policy = message.policy
    options: tuple[str, ...] = ()
    if not (sender + to).isascii():
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "One or more source or delivery addresses require internationalized "
                "email support, but the server does not advertise the required SMTPUTF8 "
                "capability"
            )
        policy = policy.clone(utf8=True)  # type: ignore[call-arg]
        options = ("SMTPUTF8", "BODY=8BITMIME")
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=policy).flatten(message, linesep="\r\n")
        return buffer.getvalue(), options


def _unsafe(value: str) -> bool:
    return "\r" in value or "\n" in value


def _refuse_unsafe(what: str, value: str) -> None:
    if _unsafe(value):
        raise DeliveryRejected(
            f"the {what} contains a line break and cannot go into a header: {value!r}"
        )


def _reply(err: smtplib.SMTPResponseException) -> str:
    text = err.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{err.smtp_code} {text}".strip()


def _response_what(err: smtplib.SMTPResponseException) -> str:
    import smtplib

    if isinstance(err, smtplib.SMTPSenderRefused):
        return "the sender"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return "the login"
    if isinstance(err, smtplib.SMTPDataError):
        return "the message"
    if isinstance(err, smtplib.SMTPHeloError):
        return "the greeting"
    return "the request"


def _recipients_refused(where: str, refused: dict[str, tuple[int, bytes]]) -> NoReturn:
    replies = "; ".join(
        f"{address}: {code} {text.decode('utf-8', 'replace')}"
        for address, (code, text) in refused.items()
    )
    if refused and all(code >= 500 for code, _ in refused.values()):
        raise DeliveryRejected(f"SMTP server {where} refused the recipient: {replies}")
    raise DeliveryUnavailable(f"SMTP server {where} deferred the recipient: {replies}")


def _quit(client: smtplib.SMTP) -> None:
    # The message is handed over once DATA is accepted; a failing QUIT changes nothing.
    import smtplib

    with contextlib.suppress(smtplib.SMTPException, OSError):
        client.quit()
