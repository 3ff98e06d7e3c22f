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
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Literal, NoReturn

import attrs

from faktura.delivery.channel import (
    DeliveryOutcomeUnknown,
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
#: Control characters, Unicode line/paragraph separators and the start of an RFC 2047
#: encoded word: nothing of these goes into a header.
_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|=\?")
_DEDUP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LOCALE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


@attrs.frozen
class SmtpSettings:
    """How to reach the SMTP server, and who the mail is from.

    ``security``: "ssl" (implicit TLS, usually port 465), "starttls" (usually 587) or
    "none" (plain, for a local relay). ``cafile`` names a PEM file of certificates to
    trust instead of the system's (a private CA, a test server). ``timeout`` bounds every
    socket operation. ``max_size`` (bytes, None for no limit) refuses a larger message
    before anything is booked (e.g. the server's SIZE). Raises ConfigurationError for a
    setting that cannot work.
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
    max_size: int | None = None

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
            if "=?" in value:
                raise bad(f"{name} must not contain '=?': {value!r}")
        if self.sender_name is not None and (
            not isinstance(self.sender_name, str) or _unsafe(self.sender_name)
        ):
            raise bad(
                "sender_name must be text without line breaks, control characters or "
                f"'=?': {self.sender_name!r}"
            )
        size: object = self.max_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise bad(f"max_size must be a positive number of bytes: {size!r}")
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
        if "=?" in recipient.address:
            raise DeliveryRejected(f"refused email address (contains '=?'): {recipient.address!r}")
        _refuse_unsafe("recipient name", recipient.name)

    def check(self, message: OutgoingDocument) -> None:
        """Everything ``deliver`` checks before it connects, on ``message`` (a send
        gives it a preview of the booked document before booking): the recipient, the
        whole email built and flattened (its headers read back), its size against
        ``max_size``. Nothing is sent. Raises DeliveryRejected.
        """
        self.prepare(message.recipient)
        email = self.build(message)
        sender, to = self.settings.sender, message.recipient.address
        self._checked(email, _flatten_with(email, utf8=not (sender + to).isascii()))

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

    def _checked(self, email: EmailMessage, raw: bytes) -> bytes:
        """``raw`` (the flattened ``email``) when its headers are the ones set and its
        size within ``max_size``; else DeliveryRejected."""
        _verify_headers(email, raw)
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
        for what, address in (
            ("recipient", message.recipient.address),
            ("sender", settings.sender),
        ):
            if _unsafe(address):
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
            ubl = message.ubl() if settings.attach_ubl else None
        except FakturaError as err:
            raise DeliveryRejected(f"the document cannot be rendered: {err.message}") from err
        _refuse_unsafe("subject", text.subject)
        reply_to = settings.reply_to or company.email
        if reply_to and _unsafe(reply_to):
            raise DeliveryRejected(f"the Reply-To address cannot go into a header: {reply_to!r}")
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
            self._checked(email, raw)
            handed_over = _transaction(client, settings.sender, to, raw, options)
            try:
                code, reply = client.getreply()  # the answer to the message's final "."
            except smtplib.SMTPServerDisconnected as err:  # dropped, or no answer in time
                raise DeliveryOutcomeUnknown(
                    f"SMTP server {where} took the whole message ({handed_over} bytes) but "
                    f"did not confirm it: {err}; it may have arrived (a retry carries the "
                    f"same Message-ID {email['Message-ID']})"
                ) from err
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
            _quit(client)
            return raw
        except DeliveryOutcomeUnknown:
            raise
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
    import smtplib

    options: tuple[str, ...] = ()
    utf8 = not (sender + to).isascii()
    if utf8:
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "One or more source or delivery addresses require internationalized "
                "email support, but the server does not advertise the required SMTPUTF8 "
                "capability"
            )
        options = ("SMTPUTF8", "BODY=8BITMIME")
    return _flatten_with(message, utf8), options


def _flatten_with(message: EmailMessage, utf8: bool) -> bytes:
    import io
    from email.generator import BytesGenerator

    policy = message.policy.clone(utf8=True) if utf8 else message.policy  # type: ignore[call-arg]
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=policy).flatten(message, linesep="\r\n")
        return buffer.getvalue()


def _transaction(
    client: smtplib.SMTP, sender: str, to: str, raw: bytes, options: tuple[str, ...]
) -> int:
    """MAIL, RCPT, DATA and the message with its final ".", as ``smtplib.SMTP.sendmail``
    does, but without reading the answer to the final "." (the caller reads it: until it
    comes, whether the message arrived is unknown). The bytes handed over.

    Raises what sendmail raises before that point (SMTPSenderRefused,
    SMTPRecipientsRefused, SMTPDataError for the DATA command, SMTPServerDisconnected):
    in all of them the message was not complete at the server, so nothing arrived.
    """
    import smtplib

    client.ehlo_or_helo_if_needed()
    esmtp: list[str] = []
    if client.does_esmtp:
        if client.has_extn("size"):
            esmtp.append(f"size={len(raw)}")
        esmtp.extend(options)
    code, reply = client.mail(sender, esmtp)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(to)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    client.putcmd("data")
    code, reply = client.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    data = re.sub(rb"(?m)^\.", b"..", raw)  # dot-stuffing (RFC 5321 4.5.2)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    data += b".\r\n"
    client.send(data)
    return len(data)


def _message_id(dedup_id: str | None, domain: str) -> str | None:
    """The Message-ID made from a ``dedup_id``: the same for every attempt sharing it."""
    if dedup_id is None:
        return None
    if not _DEDUP_ID.fullmatch(dedup_id):
        import hashlib

        dedup_id = hashlib.sha256(dedup_id.encode("utf-8")).hexdigest()[:40]
    return f"<faktura.{dedup_id}@{domain}>"


def _verify_headers(email: EmailMessage, raw: bytes) -> None:
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


def _unsafe(value: str) -> bool:
    return _UNSAFE_HEADER.search(value) is not None


def _refuse_unsafe(what: str, value: str) -> None:
    if _unsafe(value):
        raise DeliveryRejected(
            f"the {what} contains a line break, a control character or '=?' and cannot go "
            f"into a header: {value!r}"
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
