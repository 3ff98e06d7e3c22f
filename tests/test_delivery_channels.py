"""Every channel and fake through ChannelContract (a host's own delivery types too), and
the invariants of recipient resolution (faktura.delivery.recipients) as properties."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as stdnum_ean

from einvoice_rules import OfficialRules
from faktura import identifiers
from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryType,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.delivery.einvoice import EInvoiceChannel
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.delivery.manual import ManualChannel
from faktura.delivery.recipients import (
    CVR_SCHEME,
    GLN_SCHEME,
    einvoice_recipient,
    email_recipient,
    manual_recipient,
)
from faktura.delivery.sproom import SproomAccessPoint
from faktura.errors import ValidationError
from faktura.parties import Contact, Customer, Department, check_email
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.channels import (
    ChannelContract,
    MemoryAccessPoint,
    PeerChannelContract,
    RecordingChannel,
)
from test_delivery_email import TO, Recorder, SmtpServer, free_port, smtp_server  # noqa: F401
from test_delivery_sproom import GLN

STRANGER = attrs.evolve(GLN, address="5790000000012")


# -- the contract, for every channel -------------------------------------------------------


class TestEmailChannel(PeerChannelContract):
    @pytest.fixture
    def channel(self, smtp_server: SmtpServer) -> DeliveryChannel:  # noqa: F811
        return EmailChannel(smtp_server.settings())

    @pytest.fixture
    def recipient(self) -> Recipient:
        return TO

    @pytest.fixture
    def delivered(self, smtp_server: SmtpServer) -> Callable[[Receipt], bytes]:  # noqa: F811
        def find(receipt: Receipt) -> bytes:
            recorder = smtp_server.recorder
            for index in range(len(recorder.envelopes)):
                mail = recorder.message(index)
                if mail["Message-ID"] == receipt.provider_reference:
                    [pdf] = [a.get_content() for a in mail.iter_attachments()]
                    assert isinstance(pdf, bytes)
                    return pdf
            raise LookupError(receipt)

        return find

    @pytest.fixture
    def failing_permanently(self, smtp_server: SmtpServer) -> DeliveryChannel:  # noqa: F811
        smtp_server.recorder.rcpt_reply = "550 5.1.1 No such user"
        return EmailChannel(smtp_server.settings())

    @pytest.fixture
    def failing_temporarily(self) -> DeliveryChannel:
        nobody = SmtpSettings("127.0.0.1", free_port(), TO.address, security="none", timeout=1)
        return EmailChannel(nobody)

    @pytest.fixture
    def unreachable(self) -> Recipient:
        return attrs.evolve(TO, address="ap@jensen")


class TestEInvoiceChannelOverSproom(PeerChannelContract):
    @pytest.fixture
    def server(self, validator: OfficialRules) -> Iterator[LocalAccessPoint]:
        with LocalAccessPoint(participants={GLN.display()}, validate=validator.messages) as srv:
            yield srv

    @pytest.fixture
    def channel(self, server: LocalAccessPoint) -> Iterator[DeliveryChannel]:
        with SproomAccessPoint(server.url, server.token, timeout=0.3, backoff=0.01) as ap:
            yield EInvoiceChannel(ap)

    @pytest.fixture
    def recipient(self) -> Recipient:
        return GLN

    @pytest.fixture
    def delivered(self, server: LocalAccessPoint) -> Callable[[Receipt], bytes]:
        return lambda receipt: server.documents[str(receipt.provider_reference)].ubl

    @pytest.fixture
    def failing_permanently(
        self, server: LocalAccessPoint, channel: DeliveryChannel
    ) -> DeliveryChannel:
        server.reject_next(message="refused by the test")
        return channel

    @pytest.fixture
    def failing_temporarily(
        self, server: LocalAccessPoint, channel: DeliveryChannel
    ) -> DeliveryChannel:
        server.fail_next(10, 503)
        return channel

    @pytest.fixture
    def unreachable(self) -> Recipient:
        return STRANGER


class TestMemoryAccessPointChannel(PeerChannelContract):
    @pytest.fixture
    def access_point(self) -> MemoryAccessPoint:
        return MemoryAccessPoint(participants={GLN.display()})

    @pytest.fixture
    def channel(self, access_point: MemoryAccessPoint) -> DeliveryChannel:
        return EInvoiceChannel(access_point)

    @pytest.fixture
    def recipient(self) -> Recipient:
        return GLN

    @pytest.fixture
    def delivered(self, access_point: MemoryAccessPoint) -> Callable[[Receipt], bytes]:
        return lambda receipt: access_point.documents[str(receipt.provider_reference)]

    @pytest.fixture
    def failing_permanently(
        self, access_point: MemoryAccessPoint, channel: DeliveryChannel
    ) -> DeliveryChannel:
        access_point.fail_next("rejected")
        return channel

    @pytest.fixture
    def failing_temporarily(
        self, access_point: MemoryAccessPoint, channel: DeliveryChannel
    ) -> DeliveryChannel:
        access_point.fail_next("unavailable")
        return channel

    @pytest.fixture
    def unreachable(self) -> Recipient:
        return STRANGER


class TestHostChannelWithoutPeer(ChannelContract):
    """A host's own channel under its own key, delivering without an address (by fax
    from the customer record, say)."""

    @pytest.fixture
    def channel(self) -> DeliveryChannel:
        return RecordingChannel("fax", RecipientKind.NONE)

    @pytest.fixture
    def recipient(self) -> Recipient:
        return manual_recipient(Customer(id="c1", company_id="company-1", name="Fjord"))


def test_a_recording_channel_of_a_host_type_names_its_recipient_kind() -> None:
    with pytest.raises(ValueError, match="recipient_kind"):
        RecordingChannel("fax")
    with pytest.raises(ValidationError) as caught:
        RecordingChannel("Fax", RecipientKind.NONE)
    assert caught.value.field == "delivery_type"
    assert RecordingChannel("sproom").delivery_type is DeliveryType.EINVOICE


class TestManualChannel(ChannelContract):
    @pytest.fixture
    def channel(self) -> DeliveryChannel:
        return ManualChannel()

    @pytest.fixture
    def recipient(self) -> Recipient:
        return manual_recipient(Customer(id="c1", company_id="company-1", name="Fjord"))


class TestRecordingChannel(PeerChannelContract):
    # the built-in types, and a host's own type (its own email service) under its own key
    @pytest.fixture(
        params=[
            (DeliveryType.EMAIL, None),
            (DeliveryType.EINVOICE, None),
            ("postmark", RecipientKind.EMAIL),
        ]
    )
    def channel(self, request: pytest.FixtureRequest) -> RecordingChannel:
        delivery_type, kind = request.param
        unreachable = {"gone@example.dk", STRANGER.display()}
        return RecordingChannel(delivery_type, kind, unreachable=unreachable)

    @pytest.fixture
    def recipient(self, channel: RecordingChannel) -> Recipient:
        return TO if channel.recipient_kind is RecipientKind.EMAIL else GLN

    @pytest.fixture
    def delivered(self, channel: RecordingChannel) -> Callable[[Receipt], bytes]:
        return lambda receipt: channel.find(receipt).document

    @pytest.fixture
    def failing_permanently(self, channel: RecordingChannel) -> DeliveryChannel:
        channel.fail_next("rejected")
        return channel

    @pytest.fixture
    def failing_temporarily(self, channel: RecordingChannel) -> DeliveryChannel:
        channel.fail_next("unavailable")
        return channel

    @pytest.fixture
    def unreachable(self, recipient: Recipient) -> Recipient:
        if recipient.kind is RecipientKind.EMAIL:
            return attrs.evolve(recipient, address="gone@example.dk")
        return STRANGER


# -- recipients: properties ----------------------------------------------------------------

addresses = st.builds(
    "{}@{}.{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
    st.sampled_from(["dk", "com", "se", "no", "de"]),
)


def _with_check_digit(digits: str) -> str:
    return digits + stdnum_ean.calc_check_digit(digits)


eans = st.text("0123456789", min_size=12, max_size=12).map(_with_check_digit)
cvrs = st.sampled_from(["13585628", "29403473", "10150817"])


@given(
    before=st.text(max_size=20),
    brk=st.sampled_from(["\r", "\n", "\r\n", "\n\r"]),
    after=st.text(max_size=20),
)
def test_any_text_with_a_line_break_is_not_an_email(before: str, brk: str, after: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_email(before + brk + after, "override_email")
    assert caught.value.field == "override_email"


@given(address=addresses)
def test_plain_addresses_are_emails(address: str) -> None:
    assert check_email(address, "email") == address


@given(
    override=st.none() | addresses,
    contact_email=st.none() | addresses,
    pick_contact=st.booleans(),
    customer_email=st.none() | addresses,
)
def test_email_resolution_order(
    override: str | None, contact_email: str | None, pick_contact: bool, customer_email: str | None
) -> None:
    customer = Customer(
        id="c1",
        company_id="k1",
        name="Fjord",
        email=customer_email,
        contacts=(Contact("p1", "Pia", contact_email),),
    )
    contact_id = "p1" if pick_contact else None
    expected = [
        (override, "override"),
        (contact_email if pick_contact else None, "contact"),
        (customer_email, "customer"),
    ]
    found = next(((a, s) for a, s in expected if a is not None), None)
    if found is None:
        with pytest.raises(ValidationError) as caught:
            email_recipient(customer, contact_id, override)
        assert caught.value.field == "override_email"
        return
    recipient = email_recipient(customer, contact_id, override)
    assert (recipient.address, recipient.source) == found
    assert recipient.kind is RecipientKind.EMAIL


@given(
    override=st.none() | eans,
    department_ean=st.none() | eans,
    pick_department=st.booleans(),
    customer_ean=st.none() | eans,
    cvr=st.none() | cvrs,
)
def test_einvoice_resolution_order(
    override: str | None,
    department_ean: str | None,
    pick_department: bool,
    customer_ean: str | None,
    cvr: str | None,
) -> None:
    customer = Customer(
        id="c1",
        company_id="k1",
        name="Region",
        ean=customer_ean,
        cvr=cvr,
        departments=(Department("d1", "IT", ean=department_ean),),
    )
    department_id = "d1" if pick_department else None
    expected = [
        (override, GLN_SCHEME, "override"),
        (department_ean if pick_department else None, GLN_SCHEME, "department"),
        (customer_ean, GLN_SCHEME, "customer"),
        (cvr, CVR_SCHEME, "customer"),
    ]
    found = next(((a, sc, so) for a, sc, so in expected if a is not None), None)
    if found is None:
        with pytest.raises(ValidationError) as caught:
            einvoice_recipient(customer, department_id, override)
        assert caught.value.field == "override_ean_number"
        return
    recipient = einvoice_recipient(customer, department_id, override)
    assert (recipient.address, recipient.scheme, recipient.source) == found
    assert recipient.kind is RecipientKind.PEPPOL


@given(ean=eans, wrong=st.integers(1, 9))
def test_an_ean_with_a_wrong_check_digit_is_refused(ean: str, wrong: int) -> None:
    broken = ean[:-1] + str((int(ean[-1]) + wrong) % 10)
    customer = Customer(id="c1", company_id="k1", name="Region", cvr="13585628")
    with pytest.raises(ValidationError) as caught:
        einvoice_recipient(customer, None, broken)
    assert caught.value.field == "override_ean_number"
    with pytest.raises(ValidationError):
        identifiers.ean(broken, "ean")
    assert einvoice_recipient(customer, None, ean).address == ean
