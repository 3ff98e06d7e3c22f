"""The SMTP side of the email channel: ``SmtpSettings`` (how to reach the server, who
the mail is from) and ``send_smtp``, which hands a built email over and maps every
failure onto DeliveryRejected, DeliveryUnavailable or DeliveryOutcomeUnknown (the table
in ``faktura.delivery.email``).

smtplib and ssl are imported when a message is sent, so importing this module stays
free of I/O modules.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NoReturn

import attrs

from faktura.delivery.channel import DeliveryOutcomeUnknown
from faktura.delivery.email_message import flatten_with, unsafe
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    ValidationError,
)
from faktura.parties import check_email

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

__all__ = ["Security", "SmtpSettings", "flatten", "send_smtp"]

Security = Literal["ssl", "starttls", "none"]
_SECURITY = ("ssl", "starttls", "none")


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

        if not isinstance(self.host, str) or not self.host or unsafe(self.host):
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
            not isinstance(self.sender_name, str) or unsafe(self.sender_name)
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


def send_smtp(
    settings: SmtpSettings,
    email: EmailMessage,
    to: str,
    checked: Callable[[EmailMessage, bytes], bytes],
) -> bytes:
    """Send ``email`` to ``to`` as ``settings`` say; the bytes sent (as the SMTP DATA,
    without the dot-stuffing), once ``checked`` has passed them (it raises to refuse).

    Raises DeliveryRejected, DeliveryUnavailable or DeliveryOutcomeUnknown.
    """
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    client: smtplib.SMTP | None = None
    try:
        context = (
            ssl.create_default_context(cafile=settings.cafile)
            if settings.security != "none"
            else None
        )
    except (OSError, ValueError) as err:
        raise DeliveryRejected(f"cannot set up TLS (cafile {settings.cafile!r}): {err}") from err
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
        raw, options = flatten(email, client, settings.sender, to)
        checked(email, raw)
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
            raise DeliveryRejected(f"SMTP server {where} refused {what}: {_reply(err)}") from err
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


def flatten(
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
    return flatten_with(message, utf8), options


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
