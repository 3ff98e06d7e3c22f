"""Email header injection (issue 13, point 4), checked on the bytes an SMTP server got.

On Python 3.11.7 a display name holding an RFC 2047 encoded word such as
``=?utf-8?q?Fjord=0D=0AReply-To:_attacker@evil.example?=`` has no CR or LF, yet the
email package's folder decodes it into a line of its own: a ``Reply-To:`` of the
attacker's choosing. The email channel refuses such a value (and every control
character) in names, subjects and addresses, before anything is booked, and reads every
message back before sending: its header lines must be exactly the ones it set.

The fuzzed variants put encoded words (q and b, several charsets) carrying CR/LF and a
header name into the customer's name, the company's name, ``sender_name`` and the
subject's document number; every variant either is refused (the server gets nothing) or
arrives with exactly the expected header lines, one Reply-To (the configured one), no
Bcc/Cc, and the one expected address in From and To. A value with nothing unsafe in it
is never refused.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
from email.message import EmailMessage

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura import DeliveryRejected, Status, ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyChanges, CompanyProfile, NewCustomer
from faktura.delivery.channel import OutgoingDocument
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.errors import ConfigurationError
from faktura.storage.memory import MemoryStore
from faktura.testing.channels import sample_document
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.wire import new_draft
from test_delivery_email import SENDER, TO, SmtpServer, smtp_server  # noqa: F401

PAYLOAD = "=?utf-8?q?Fjord=0D=0AReply-To:_attacker@evil.example?="
ATTACKER = "attacker@evil.example"
#: What ``re`` must find for a value to be refused: a control character, a Unicode line
#: or paragraph separator, or the start of an encoded word.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|=\?")

_MESSAGE: list[OutgoingDocument] = []


def message() -> OutgoingDocument:
    """The sample invoice (its PDF drawn once for the module)."""
    if not _MESSAGE:
        _MESSAGE.append(sample_document(TO))
        _MESSAGE[0].pdf()
    return _MESSAGE[0]


def header_names(raw: bytes) -> list[str]:
    """The top-level header names of a message as it went over the wire, in order, one
    per header line (folded continuations belong to the line before)."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode("ascii", "replace").lower()
        for line in head.split(b"\n")
        if line[:1] not in (b" ", b"\t")
    ]


def parsed(raw: bytes) -> EmailMessage:
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


@pytest.fixture
def baseline(smtp_server: SmtpServer) -> list[str]:  # noqa: F811
    """The header lines of a clean message, as the server got them."""
    EmailChannel(smtp_server.settings()).deliver(message())
    names = header_names(smtp_server.recorder.envelopes[-1].content)
    assert names == [
        "from",
        "to",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-language",
    ]
    return names


def assert_arrived_clean(server: SmtpServer, baseline: list[str], before: int) -> None:
    envelopes = server.recorder.envelopes
    assert len(envelopes) == before + 1
    raw = envelopes[-1].content
    assert header_names(raw) == baseline  # no header added, none doubled
    mail = parsed(raw)
    assert mail.get_all("Reply-To") == ["faktura@example.dk"]
    assert mail.get_all("Bcc") is None
    assert mail.get_all("Cc") is None
    assert [a.addr_spec for a in mail["From"].addresses] == [SENDER]
    assert [a.addr_spec for a in mail["To"].addresses] == [TO.address]


# -- the reported payload ----------------------------------------------------------------


def with_value(where: str, value: str) -> tuple[SmtpSettings | None, OutgoingDocument]:
    """The sample message with ``value`` put ``where``; the settings change it needs."""
    sample = message()
    if where == "customer name":
        return None, attrs.evolve(sample, recipient=attrs.evolve(sample.recipient, name=value))
    if where == "company name":
        return None, attrs.evolve(sample, company=attrs.evolve(sample.company, name=value))
    if where == "number":  # the subject's document number
        invoice = attrs.evolve(sample.invoice, number=value)
        return None, attrs.evolve(sample, invoice=invoice)
    raise AssertionError(where)


@pytest.mark.parametrize("where", ["customer name", "company name", "number"])
def test_the_reported_payload_is_refused_before_anything_is_sent(
    smtp_server: SmtpServer,  # noqa: F811
    where: str,
) -> None:
    _, evil = with_value(where, f"Fjord {PAYLOAD}")
    channel = EmailChannel(smtp_server.settings())
    try:
        channel.deliver(evil)
    except DeliveryRejected:
        pass
    else:
        raw = smtp_server.recorder.envelopes[-1].content
        pytest.fail(f"sent, with the header lines {header_names(raw)}")
    assert smtp_server.recorder.envelopes == []
    with pytest.raises(DeliveryRejected, match="=\\?"):
        channel.check(evil)  # the pre-flight a send runs before booking


def test_the_reported_payload_as_sender_name_or_address_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="sender_name"):
        SmtpSettings("127.0.0.1", 25, SENDER, sender_name=PAYLOAD)
    with pytest.raises(ConfigurationError):
        SmtpSettings("127.0.0.1", 25, "=?utf-8?q?x?=@saelger.example")
    with pytest.raises(ConfigurationError):
        SmtpSettings("127.0.0.1", 25, SENDER, reply_to="=?utf-8?q?x?=@saelger.example")


def test_an_address_with_an_encoded_word_is_refused(smtp_server: SmtpServer) -> None:  # noqa: F811
    channel = EmailChannel(smtp_server.settings())
    recipient = attrs.evolve(TO, address="=?utf-8?q?a?=@jensen.example")
    with pytest.raises(DeliveryRejected):
        channel.prepare(recipient)
    with pytest.raises(DeliveryRejected):
        channel.deliver(attrs.evolve(message(), recipient=recipient))
    assert smtp_server.recorder.envelopes == []


def test_the_payload_as_a_customer_name_uses_no_number(smtp_server: SmtpServer) -> None:  # noqa: F811
    """The path the issue reports (a customer written over HTTP): the send is refused in
    its pre-flight, nothing is booked, and the next booking gets number 1."""
    billing = Billing(MemoryStore(), channels={"email": EmailChannel(smtp_server.settings())})
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id, NewCustomer(name=PAYLOAD, email="ap@fjord.dk", address=BUYER_ADDRESS)
    )
    draft = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
            }
        ),
    )
    with pytest.raises(DeliveryRejected, match="=\\?"):
        billing.send(company.id, draft.id, "email")
    after = billing.get_invoice(company.id, draft.id)
    assert (after.status, after.number) == (Status.DRAFT, None)
    assert billing.delivery_status(company.id, draft.id).attempts == ()
    assert smtp_server.recorder.envelopes == []
    assert billing.book(company.id, draft.id).number == "1"


# -- fuzzed ------------------------------------------------------------------------------

HEADERS = ["Reply-To", "Bcc", "Cc", "To", "From", "Subject", "Content-Type", "X-Evil"]


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    """An RFC 2047 encoded word whose decoded text starts a header line of its own."""
    charset = draw(st.sampled_from(["utf-8", "UTF-8", "us-ascii", "iso-8859-1"]))
    encoding = draw(st.sampled_from(["q", "Q", "b", "B"]))
    text = "".join(
        [
            draw(st.text(alphabet="Fjord AS", max_size=6)),
            draw(st.sampled_from(["\r\n", "\n", "\r", "\r\n\r\n", "\x85", "\u2028"])),
            draw(st.sampled_from(HEADERS)),
            draw(st.sampled_from([": ", ":", " : "])),
            ATTACKER,
        ]
    )
    data = text.encode("utf-8" if charset.lower() == "us-ascii" else charset, "replace")
    if encoding in "qQ":
        body = "".join(
            chr(byte) if chr(byte).isalnum() else "_" if byte == 32 else f"={byte:02X}"
            for byte in data
        )
    else:
        body = base64.b64encode(data).decode("ascii")
    return f"=?{charset}?{encoding}?{body}?="


names = st.builds(
    lambda before, word, after: f"{before}{word}{after}",
    st.text(max_size=6),
    encoded_words() | st.text(max_size=12),
    st.text(max_size=6),
)


@pytest.mark.parametrize("where", ["customer name", "company name", "sender_name", "number"])
def test_fuzzed_values_never_add_a_header(
    smtp_server: SmtpServer,  # noqa: F811
    baseline: list[str],
    where: str,
) -> None:
    # Defined inside the test and called: fixtures and @given do not mix on a method.
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=names)
    def check(value: str) -> None:
        before = len(smtp_server.recorder.envelopes)
        try:  # a name the parties refuse where they are made never gets this far
            outgoing = message() if where == "sender_name" else with_value(where, value)[1]
        except ValidationError:
            return
        refused: Exception | None = None
        try:
            settings = smtp_server.settings(
                sender_name=value or None if where == "sender_name" else None
            )
            channel = EmailChannel(settings)
            channel.deliver(outgoing)
        except (DeliveryRejected, ConfigurationError) as err:
            refused = err
        if refused is not None:
            assert len(smtp_server.recorder.envelopes) == before
            assert UNSAFE.search(value), f"a safe value was refused: {value!r}: {refused}"
            return
        assert_arrived_clean(smtp_server, baseline, before)
        assert not UNSAFE.search(value), f"an unsafe value went out: {value!r}"

    check()


def test_a_company_name_with_a_line_break_uses_no_number(smtp_server: SmtpServer) -> None:  # noqa: F811
    """Refused when the name is set, or else in the send's pre-flight: either way no
    number is used and nothing is sent."""
    billing = Billing(MemoryStore(), channels={"email": EmailChannel(smtp_server.settings())})
    company = billing.create_company(CompanyProfile(**SELLER))
    customer = billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", email="ap@fjord.dk", address=BUYER_ADDRESS)
    )
    draft = billing.create_draft(
        company.id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
            }
        ),
    )
    try:
        billing.update_company(
            company.id, CompanyChanges(name="Nordlys ApS\r\nBcc: all@evil.example")
        )
    except ValidationError:
        pass  # refused where it is written
    else:
        with pytest.raises(DeliveryRejected, match="line break"):
            billing.send(company.id, draft.id, "email")
    assert billing.get_invoice(company.id, draft.id).number is None
    assert smtp_server.recorder.envelopes == []
    assert billing.book(company.id, draft.id).number == "1"
