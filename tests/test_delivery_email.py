"""EmailChannel against a real SMTP server (aiosmtpd) on 127.0.0.1, and against servers
that refuse, defer, drop the connection, hang or are not there.

Without aiosmtpd these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from pypdf import PdfReader

from faktura.delivery.channel import Recipient, RecipientKind
from faktura.delivery.email import EmailChannel, SmtpSettings, attachment_name
from faktura.documents.l10n import format_date, format_money
from faktura.documents.payment import payment_lines
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    ValidationError,
)
from faktura.invoice import DocumentKind
from faktura.parties import BankAccount, Company
from faktura.testing.channels import sample_document


def figures(locale: str) -> tuple[str, str]:
    """The sample invoice's payable amount and due date as faktura writes them in
    ``locale`` (spaces plain): CLDR's punctuation is babel's to test, not this module's."""
    amount = format_money(Decimal("2557.81"), "DKK", locale)
    return amount.replace("\xa0", " "), format_date(date(2026, 12, 3), locale)


SENDER = "faktura@saelger.example"
TO = Recipient(RecipientKind.EMAIL, "ap@jensen.example", "Købmand Jensen A/S")


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _need_aiosmtpd() -> Any:
    try:
        from aiosmtpd import controller
    except ImportError as err:
        if _ci():
            pytest.fail(f"CI=true needs aiosmtpd: {err} (pip install aiosmtpd)", pytrace=False)
        pytest.skip(f"aiosmtpd not installed: {err}")
    return controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Recorder:
    """An aiosmtpd handler: records accepted envelopes, or answers what it is told."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def message(self, index: int = -1) -> EmailMessage:
        parsed = email.message_from_bytes(
            self.envelopes[index].content, policy=email.policy.default
        )
        assert isinstance(parsed, EmailMessage)
        return parsed


@attrs.frozen
class SmtpServer:
    recorder: Recorder
    port: int

    def settings(self, **changes: Any) -> SmtpSettings:
        fields: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "sender": SENDER,
            "security": "none",
            "timeout": 2.0,
        }
        fields.update(changes)
        return SmtpSettings(**fields)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    controller = _need_aiosmtpd()
    recorder = Recorder()
    port = free_port()
    server = controller.Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield SmtpServer(recorder, port)
    finally:
        server.stop()


class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves: closes at once, or greets and then
    closes after EHLO ("drop"), or never answers ("hang")."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port: int = self.listener.getsockname()[1]
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            if self.mode == "drop":
                conn.sendall(b"220 raw.example ESMTP\r\n")
                conn.recv(1024)
            elif self.mode == "hang":
                self.done.wait(5)

    def close(self) -> None:
        self.done.set()
        self.listener.close()
        self.thread.join(timeout=5)


@pytest.fixture
def raw_server() -> Iterator[Any]:
    servers: list[RawServer] = []

    def start(mode: str) -> RawServer:
        server = RawServer(mode)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def channel_for(server: SmtpServer, **changes: Any) -> EmailChannel:
    return EmailChannel(server.settings(**changes))


# -- the message -----------------------------------------------------------------------


def test_headers_body_and_pdf(smtp_server: SmtpServer) -> None:
    message = sample_document(TO)
    receipt = channel_for(smtp_server).deliver(message)
    [envelope] = smtp_server.recorder.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [TO.address]
    mail = smtp_server.recorder.message()
    assert mail["From"].addresses[0].display_name == "Sælger & Søn ApS"
    assert mail["From"].addresses[0].addr_spec == SENDER
    assert mail["To"].addresses[0].addr_spec == TO.address
    assert mail["To"].addresses[0].display_name == TO.name
    assert mail["Reply-To"] == "faktura@example.dk"  # the company's own address
    assert mail["Subject"] == "Faktura 2026-0042 fra Sælger & Søn ApS"
    assert mail["Message-ID"] == receipt.provider_reference
    assert str(mail["Message-ID"]).endswith("@saelger.example>")
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\xa0", " ")
    assert "Kære Købmand Jensen A/S" in text
    assert "faktura 2026-0042 fra Sælger & Søn ApS" in text
    assert f"At betale: {figures('da')[0]}" in text
    assert f"Forfaldsdato: {figures('da')[1]}" in text
    assert "Reg.nr. 1234 · Kontonr. 0012345678" in text  # where to pay, as on the PDF
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["faktura-2026-0042.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == message.pdf()


def test_the_body_says_where_to_pay_as_the_pdf_does(smtp_server: SmtpServer) -> None:
    seller = Company(
        id="company-1",
        name="Sælger & Søn ApS",
        cvr="13585628",
        bank=BankAccount(
            reg_no="1234", account_no="0012345678", iban="DK5000400440116243", bic="DABADKKK"
        ),
        fik_creditor="12345678",
    )
    message = sample_document(TO, company=seller)
    channel_for(smtp_server).deliver(message)
    body = smtp_server.recorder.message().get_body(("plain",))
    assert body is not None
    text = body.get_content()
    expected = payment_lines(message.invoice, seller, "da")
    assert [line.split(":")[0] for line in expected] == [
        "Reg.nr. 1234 · Kontonr. 0012345678",
        "IBAN DK5000400440116243 · BIC DABADKKK",
        "Indbetalingskort (FIK)",
    ]
    for line in expected:
        assert line in text
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(message.pdf())).pages)
    assert expected[-1].split(": ")[1] in pdf_text  # the same FIK line as on the PDF


def test_english_body_and_ubl_attachment(smtp_server: SmtpServer) -> None:
    message = attrs.evolve(sample_document(TO), locale="en")
    channel_for(smtp_server, attach_ubl=True, reply_to="help@saelger.example").deliver(message)
    mail = smtp_server.recorder.message()
    assert mail["Subject"] == "Invoice 2026-0042 from Sælger & Søn ApS"
    assert mail["Reply-To"] == "help@saelger.example"
    assert mail["Content-Language"] == "en"
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\xa0", " ")
    assert "Dear Købmand Jensen A/S," in text
    assert "Please find attached invoice 2026-0042 from Sælger & Søn ApS." in text
    assert f"Amount due: {figures('en')[0]}" in text
    assert f"Due date: {figures('en')[1]}" in text
    files = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert set(files) == {"invoice-2026-0042.pdf", "invoice-2026-0042.xml"}
    assert files["invoice-2026-0042.pdf"] == message.pdf()
    xml = files["invoice-2026-0042.xml"]
    assert (xml if isinstance(xml, bytes) else xml.encode()) == message.ubl()


@pytest.mark.parametrize(
    ("locale", "subject", "phrase"),
    [
        ("de", "Rechnung 2026-0042 von Sælger & Søn ApS", f"Zahlbetrag: {figures('de')[0]}"),
        ("sv", "Faktura 2026-0042 från Sælger & Søn ApS", "Med vänliga hälsningar"),
        ("nb", "Faktura 2026-0042 fra Sælger & Søn ApS", "Med vennlig hilsen"),
    ],
)
def test_other_languages(smtp_server: SmtpServer, locale: str, subject: str, phrase: str) -> None:
    message = attrs.evolve(sample_document(TO), locale=locale)
    channel_for(smtp_server).deliver(message)
    mail = smtp_server.recorder.message()
    assert mail["Subject"] == subject
    body = mail.get_body(("plain",))
    assert body is not None
    assert phrase in body.get_content().replace("\xa0", " ")


def test_a_credit_note_says_so_and_names_no_due_date() -> None:
    message = sample_document(TO)
    invoice = attrs.evolve(message.invoice, kind=DocumentKind.CREDIT_NOTE)
    note = attrs.evolve(message, invoice=invoice)
    mail = EmailChannel(SmtpSettings("127.0.0.1", 25, SENDER)).build(note)
    assert mail["Subject"] == "Kreditnota 2026-0042 fra Sælger & Søn ApS"
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "kreditnota 2026-0042" in text
    assert "Krediteret beløb" in text
    assert "Forfaldsdato" not in text
    assert attachment_name(note, "pdf") == "kreditnota-2026-0042.pdf"
    english = attrs.evolve(note, locale="en")
    assert attachment_name(english, "xml") == "credit-note-2026-0042.xml"


def test_message_ids_are_unique(smtp_server: SmtpServer) -> None:
    channel = channel_for(smtp_server)
    message = sample_document(TO)
    first, second = channel.deliver(message), channel.deliver(message)
    assert first.provider_reference != second.provider_reference


# -- header injection --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Evil\r\nBcc: all@example.com", "Evil\nX: y", "Evil\rX"])
def test_a_company_name_with_a_line_break_is_refused(smtp_server: SmtpServer, name: str) -> None:
    message = sample_document(TO)
    with pytest.raises(ValidationError) as caught:  # the first defence: the value itself
        attrs.evolve(message.company, name=name)
    assert caught.value.field == "name"
    # the second: a company that got past it (built around the check) is refused anyway
    company = attrs.evolve(message.company)
    object.__setattr__(company, "name", name)
    evil = attrs.evolve(message, company=company)
    with pytest.raises(DeliveryRejected, match="line break"):
        channel_for(smtp_server).deliver(evil)
    assert smtp_server.recorder.envelopes == []


@pytest.mark.parametrize(
    "recipient",
    [
        attrs.evolve(TO, address="ap@jensen.example\r\nBcc: all@example.com"),
        attrs.evolve(TO, address="ap@jensen.example\n"),
        attrs.evolve(TO, name="Jensen\r\nBcc: all@example.com"),
        attrs.evolve(TO, address="not an address"),
    ],
)
def test_a_recipient_with_a_line_break_is_refused(
    smtp_server: SmtpServer, recipient: Recipient
) -> None:
    channel = channel_for(smtp_server)
    with pytest.raises(DeliveryRejected):
        channel.prepare(recipient)
    with pytest.raises(DeliveryRejected):
        channel.deliver(sample_document(recipient))
    assert smtp_server.recorder.envelopes == []


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="security"):
        SmtpSettings("smtp.example", 587, SENDER, security="tls")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="sender"):
        SmtpSettings("smtp.example", 587, "x@y\r\nBcc: z@example.com")
    with pytest.raises(ConfigurationError, match="sender_name"):
        SmtpSettings("smtp.example", 587, SENDER, sender_name="A\nB")
    with pytest.raises(ConfigurationError, match="port"):
        SmtpSettings("smtp.example", 0, SENDER)
    with pytest.raises(ConfigurationError, match="username and password"):
        SmtpSettings("smtp.example", 587, SENDER, username="me")
    assert "secret" not in repr(SmtpSettings("h", 1, SENDER, username="me", password="secret"))


# -- refusals and outages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "reply", "error"),
    [
        ("rcpt", "550 5.1.1 No such user", DeliveryRejected),
        ("rcpt", "450 4.2.1 Mailbox busy", DeliveryUnavailable),
        ("data", "554 5.7.1 Message refused", DeliveryRejected),
        ("data", "552 5.3.4 Message too big", DeliveryRejected),
        ("data", "451 4.3.0 Try again later", DeliveryUnavailable),
    ],
)
def test_smtp_replies_are_mapped(
    smtp_server: SmtpServer, where: str, reply: str, error: type[Exception]
) -> None:
    setattr(smtp_server.recorder, f"{where}_reply", reply)
    with pytest.raises(error) as caught:
        channel_for(smtp_server).deliver(sample_document(TO))
    assert reply.split()[0] in str(caught.value)
    assert smtp_server.recorder.envelopes == []


def test_starttls_not_offered_is_rejected(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryRejected, match="STARTTLS"):
        channel_for(smtp_server, security="starttls").deliver(sample_document(TO))


def test_connection_refused_is_unavailable() -> None:
    settings = SmtpSettings("127.0.0.1", free_port(), SENDER, security="none", timeout=1)
    with pytest.raises(DeliveryUnavailable, match="unreachable"):
        EmailChannel(settings).deliver(sample_document(TO))


@pytest.mark.parametrize("mode", ["close", "drop"])
def test_a_dropped_connection_is_unavailable(raw_server: Any, mode: str) -> None:
    server = raw_server(mode)
    settings = SmtpSettings("127.0.0.1", server.port, SENDER, security="none", timeout=2)
    with pytest.raises(DeliveryUnavailable, match="closed the connection"):
        EmailChannel(settings).deliver(sample_document(TO))


def test_a_server_that_hangs_times_out(raw_server: Any) -> None:
    server = raw_server("hang")
    settings = SmtpSettings("127.0.0.1", server.port, SENDER, security="none", timeout=0.3)
    with pytest.raises(DeliveryUnavailable, match="timed out"):
        EmailChannel(settings).deliver(sample_document(TO))


# -- TLS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the CA to trust, the server's key and certificate chain) for 127.0.0.1, made by
    trustme: a throwaway certificate authority."""
    try:
        import trustme
    except ImportError as err:
        if _ci():
            pytest.fail(f"CI=true needs trustme for the TLS tests: {err}")
        pytest.skip(f"trustme not installed: {err}")
    where = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    ca, chain = where / "ca.pem", where / "server.pem"
    authority.cert_pem.write_to_path(str(ca))
    authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(chain))
    return ca, chain


def _tls_server(
    certificate: tuple[Path, Path], implicit: bool, **extra: Any
) -> tuple[Any, Recorder, int]:
    controller = _need_aiosmtpd()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate[1])
    recorder, port = Recorder(), free_port()
    options: dict[str, Any] = (
        {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    )
    server = controller.Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        server_hostname="127.0.0.1",
        **options,
        **extra,
    )
    server.start()
    return server, recorder, port


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls(certificate: tuple[Path, Path], security: str) -> None:
    server, recorder, port = _tls_server(certificate, implicit=security == "ssl")
    try:
        trusted = SmtpServer(recorder, port).settings(security=security, cafile=str(certificate[0]))
        receipt = EmailChannel(trusted).deliver(sample_document(TO))
        assert recorder.message()["Message-ID"] == receipt.provider_reference
        untrusted = attrs.evolve(trusted, cafile=None)
        with pytest.raises(DeliveryUnavailable, match="TLS"):
            EmailChannel(untrusted).deliver(sample_document(TO))
        assert len(recorder.envelopes) == 1
    finally:
        server.stop()


def test_a_refused_login_is_rejected(certificate: tuple[Path, Path]) -> None:
    from aiosmtpd.smtp import AuthResult

    def authenticate(*args: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    server, recorder, port = _tls_server(certificate, False, authenticator=authenticate)
    try:
        settings = SmtpServer(recorder, port).settings(
            security="starttls", cafile=str(certificate[0]), username="me", password="wrong"
        )
        with pytest.raises(DeliveryRejected, match="535"):
            EmailChannel(settings).deliver(sample_document(TO))
    finally:
        server.stop()


# -- purity ------------------------------------------------------------------------------


def test_importing_the_channels_loads_no_transport() -> None:
    code = (
        "import sys\n"
        "import faktura.delivery.email, faktura.delivery.sproom, faktura.delivery.manual\n"
        "bad = [m for m in ('smtplib', 'socket', 'ssl', 'httpx', 'http.client') "
        "if m in sys.modules]\n"
        "print(bad)\n"
    )
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_another_kind_of_company_locale_falls_back_to_english(smtp_server: SmtpServer) -> None:
    message = attrs.evolve(sample_document(TO), locale="fr")
    company = attrs.evolve(message.company, locale="fr")
    assert isinstance(company, Company)
    channel_for(smtp_server).deliver(attrs.evolve(message, company=company))
    assert smtp_server.recorder.message()["Subject"].startswith("Invoice 2026-0042")
