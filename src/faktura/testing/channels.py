"""ChannelContract: the behaviour every DeliveryChannel shows, as a reusable pytest suite,
and the in-memory fakes ``RecordingChannel`` and ``MemoryAccessPoint`` that pass it.

Subclass the contract in a test module and provide the fixtures. A channel with a peer
(an SMTP server, an access point) passes ``PeerChannelContract``::

    class TestMyChannel(PeerChannelContract):
        @pytest.fixture
        def channel(self): ...              # a channel against a working peer
        @pytest.fixture
        def recipient(self): ...            # a Recipient the peer accepts
        @pytest.fixture
        def delivered(self): ...            # receipt -> the document bytes the peer holds
        @pytest.fixture
        def failing_permanently(self): ...  # a channel whose peer refuses for good
        @pytest.fixture
        def failing_temporarily(self): ...  # a channel whose peer is unavailable
        @pytest.fixture
        def unreachable(self): ...          # a Recipient that prepare refuses

A channel without a peer (delivery by hand) passes ``ChannelContract`` with ``channel``
and ``recipient`` only. A channel may serve any delivery type key, a host's own too
(``RecordingChannel("fax", RecipientKind.NONE)``); one that serves a built-in type needs
that type's kind of recipient (``KIND_OF``). ``sample_document(recipient)`` builds the
booked document the suite delivers: a Danish invoice, its PDF (needs the pdf extra) and
its UBL e-invoice.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryType,
    OutgoingDocument,
    ProviderEvent,
    Receipt,
    Recipient,
    RecipientKind,
)
from faktura.errors import DeliveryError, DeliveryRejected, DeliveryUnavailable
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.terms import PaymentTerms
from faktura.vat import VatCategory

__all__ = [
    "KIND_OF",
    "ChannelContract",
    "MemoryAccessPoint",
    "PeerChannelContract",
    "RecordingChannel",
    "sample_document",
]

#: The recipient kind each built-in delivery type needs (a host's own types choose theirs).
KIND_OF = {
    DeliveryType.EMAIL: RecipientKind.EMAIL,
    DeliveryType.EINVOICE: RecipientKind.PEPPOL,
    DeliveryType.MANUAL: RecipientKind.NONE,
}
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
Failure = Literal["rejected", "unavailable"]


# -- a booked document to deliver ------------------------------------------------------


def sample_document(
    recipient: Recipient,
    *,
    number: str = "2026-0042",
    locale: str = "da",
    company: Company | None = None,
    customer: Customer | None = None,
) -> OutgoingDocument:
    """A booked Danish invoice (two lines, 25 % VAT) on its way to ``recipient``; the PDF
    and the UBL are rendered on first use and cached."""
    from faktura.documents.pdf import DocumentData, render_pdf
    from faktura.documents.ubl import to_ubl

    seller = company or Company(
        id="company-1",
        name="Sælger & Søn ApS",
        address=Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
        cvr="13585628",
        vat_id="DK13585628",
        bank=BankAccount(reg_no="1234", account_no="0012345678"),
        email="faktura@example.dk",
    )
    buyer = customer or Customer(
        id="customer-1",
        company_id=seller.id,
        name="Købmand Jensen A/S",
        number="K-100",
        address=Address(street="Nørregade 7", city="København K", postal_code="1165"),
        cvr="13585628",
        email="ap@example.dk",
        ean=recipient.address if recipient.scheme == "0088" else None,
    )
    invoice = (
        Invoice.draft(
            id="inv-1",
            company_id=seller.id,
            customer_id=buyer.id,
            issue_date=date(2026, 11, 25),
            currency="DKK",
            payment_terms=PaymentTerms.net(8),
            at=AT,
            lines=[
                ProductLine(
                    "Konsulentbistand", Decimal(2), Decimal(1000), VatCategory.S, Decimal(25)
                ),
                ProductLine("Kørsel", Decimal("12.5"), Decimal("3.70"), VatCategory.S, Decimal(25)),
            ],
        )
        .invoice.book(number, AT)
        .invoice
    )
    data = DocumentData(invoice, seller, buyer, locale=locale)
    return OutgoingDocument(
        invoice=invoice,
        company=seller,
        customer=buyer,
        recipient=recipient,
        pdf=functools.cache(lambda: render_pdf(data)),
        ubl=functools.cache(lambda: to_ubl(invoice, seller, buyer)),
        locale=locale,
    )


# -- the contract ----------------------------------------------------------------------


class ChannelContract:
    """Run every test below against the channel the subclass's fixtures build."""

    @pytest.fixture
    def channel(self) -> DeliveryChannel:
        raise NotImplementedError("a ChannelContract subclass provides channel")

    @pytest.fixture
    def recipient(self) -> Recipient:
        raise NotImplementedError("a ChannelContract subclass provides recipient")

    @pytest.fixture
    def message(self, recipient: Recipient) -> OutgoingDocument:
        return sample_document(recipient)

    # -- identity ------------------------------------------------------------------------

    def test_types_are_consistent(self, channel: DeliveryChannel, recipient: Recipient) -> None:
        served = channel.delivery_type
        assert isinstance(served, str), "a channel serves a delivery type key"
        assert DeliveryType(served) == served, "in its one spelling"
        assert isinstance(channel.recipient_kind, RecipientKind)
        if served in KIND_OF:
            assert channel.recipient_kind is KIND_OF[DeliveryType(served)]
        assert recipient.kind is channel.recipient_kind

    # -- the happy path ------------------------------------------------------------------

    def test_preflight_of_a_valid_recipient_passes(
        self, channel: DeliveryChannel, recipient: Recipient
    ) -> None:
        channel.prepare(recipient)  # raises nothing

    def test_deliver_returns_a_receipt(
        self, channel: DeliveryChannel, message: OutgoingDocument
    ) -> None:
        receipt = channel.deliver(message)
        assert isinstance(receipt, Receipt)
        reference = receipt.provider_reference
        assert reference is None or (isinstance(reference, str) and reference.strip())
        assert all(isinstance(event, ProviderEvent) for event in receipt.events)


class PeerChannelContract(ChannelContract):
    """The contract of a channel with a peer: what arrives there, and how it fails."""

    @pytest.fixture
    def delivered(self) -> Callable[[Receipt], bytes]:
        raise NotImplementedError("a PeerChannelContract subclass provides delivered")

    @pytest.fixture
    def failing_permanently(self) -> DeliveryChannel:
        raise NotImplementedError("a PeerChannelContract subclass provides failing_permanently")

    @pytest.fixture
    def failing_temporarily(self) -> DeliveryChannel:
        raise NotImplementedError("a PeerChannelContract subclass provides failing_temporarily")

    @pytest.fixture
    def unreachable(self) -> Recipient:
        raise NotImplementedError("a PeerChannelContract subclass provides unreachable")

    def test_a_delivered_document_is_at_the_peer(
        self,
        channel: DeliveryChannel,
        message: OutgoingDocument,
        delivered: Callable[[Receipt], bytes],
    ) -> None:
        receipt = channel.deliver(message)
        assert receipt.provider_reference, "a channel with a peer names what the peer made of it"
        assert delivered(receipt) in (message.pdf(), message.ubl())

    # -- failures ------------------------------------------------------------------------

    def test_a_permanent_failure_is_rejected(
        self, failing_permanently: DeliveryChannel, message: OutgoingDocument
    ) -> None:
        with pytest.raises(DeliveryError) as caught:
            failing_permanently.deliver(message)
        assert isinstance(caught.value, DeliveryRejected), caught.value
        assert not caught.value.retryable
        assert caught.value.message

    def test_a_temporary_failure_is_unavailable(
        self, failing_temporarily: DeliveryChannel, message: OutgoingDocument
    ) -> None:
        with pytest.raises(DeliveryError) as caught:
            failing_temporarily.deliver(message)
        assert isinstance(caught.value, DeliveryUnavailable), caught.value
        assert caught.value.retryable
        assert caught.value.message

    def test_preflight_refuses_an_unreachable_recipient(
        self, channel: DeliveryChannel, unreachable: Recipient
    ) -> None:
        with pytest.raises(DeliveryRejected):
            channel.prepare(unreachable)

    def test_preflight_refuses_another_kind_of_recipient(
        self, channel: DeliveryChannel, recipient: Recipient
    ) -> None:
        other = next(kind for kind in RecipientKind if kind is not channel.recipient_kind)
        with pytest.raises(DeliveryRejected):
            channel.prepare(attrs.evolve(recipient, kind=other))

    def test_addresses_with_line_breaks_are_refused(
        self, channel: DeliveryChannel, recipient: Recipient
    ) -> None:
        # Defined inside the test and called: an inherited @given trips hypothesis'
        # differing-executors health check.
        @settings(
            max_examples=15,
            deadline=None,
            # too_slow too: a verdict must not depend on the machine's load
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            before=st.text(max_size=8),
            brk=st.sampled_from(["\r", "\n", "\r\n"]),
            after=st.text(max_size=8),
        )
        def check(before: str, brk: str, after: str) -> None:
            address = f"{recipient.address}{before}{brk}{after}"
            with pytest.raises(DeliveryRejected):
                channel.prepare(attrs.evolve(recipient, address=address))

        check()


# -- fakes -----------------------------------------------------------------------------


@attrs.frozen
class Delivery:
    """What a RecordingChannel delivered: the message, its receipt, the document sent."""

    message: OutgoingDocument
    receipt: Receipt
    document: bytes


class RecordingChannel:
    """An in-memory channel: records what it delivers, and fails when told to.

    It serves ``delivery_type`` (any key: "sproom" is "einvoice") with recipients of
    ``recipient_kind`` (by default the built-in type's, ``KIND_OF``; a host's own type
    names one). The document it "sends" is the UBL to a Peppol recipient and the PDF
    otherwise, rendered as a real channel would; a delivery to no address (a delivery by
    hand) has no provider reference. ``unreachable`` holds addresses that prepare
    refuses; ``fail_next`` makes the next deliveries raise.
    """

    def __init__(
        self,
        delivery_type: str = DeliveryType.EMAIL,
        recipient_kind: RecipientKind | None = None,
        *,
        unreachable: Iterable[str] = (),
    ) -> None:
        self._type = DeliveryType(delivery_type)
        if recipient_kind is None:
            if self._type not in KIND_OF:
                raise ValueError(f"a RecordingChannel for {delivery_type!r} needs recipient_kind")
            recipient_kind = KIND_OF[self._type]
        self._kind = recipient_kind
        self.unreachable = set(unreachable)
        self.deliveries: list[Delivery] = []
        self.prepared: list[Recipient] = []
        self._failures: list[tuple[Failure, str]] = []
        self._ids = itertools.count(1)

    @property
    def delivery_type(self) -> DeliveryType:
        return self._type

    @property
    def recipient_kind(self) -> RecipientKind:
        return self._kind

    def fail_next(self, failure: Failure, message: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` deliveries raise DeliveryRejected ("rejected") or
        DeliveryUnavailable ("unavailable")."""
        if failure not in ("rejected", "unavailable"):
            raise ValueError(f"failure must be 'rejected' or 'unavailable': {failure!r}")
        self._failures += [(failure, message or f"told to fail: {failure}")] * count

    def prepare(self, recipient: Recipient) -> None:
        if self.recipient_kind is RecipientKind.NONE:
            return
        if recipient.kind is not self.recipient_kind:
            raise DeliveryRejected(f"cannot deliver to a {recipient.kind.value} recipient")
        if "\r" in recipient.address or "\n" in recipient.address:
            raise DeliveryRejected(f"refused address {recipient.address!r}")
        if recipient.address in self.unreachable or recipient.display() in self.unreachable:
            raise DeliveryRejected(f"{recipient.display()} cannot be reached")
        self.prepared.append(recipient)

    def deliver(self, message: OutgoingDocument) -> Receipt:
        if self._failures:
            failure, text = self._failures.pop(0)
            raise DeliveryRejected(text) if failure == "rejected" else DeliveryUnavailable(text)
        self.prepare(message.recipient)
        peppol = self._kind is RecipientKind.PEPPOL
        document = message.ubl() if peppol else message.pdf()
        reference = None if self._kind is RecipientKind.NONE else f"recorded-{next(self._ids)}"
        receipt = Receipt(provider_reference=reference)
        self.deliveries.append(Delivery(message, receipt, document))
        return receipt

    def find(self, receipt: Receipt) -> Delivery:
        """The delivery that answered ``receipt``; LookupError if there is none."""
        for delivery in self.deliveries:
            if delivery.receipt == receipt:
                return delivery
        raise LookupError(f"nothing delivered with {receipt.provider_reference!r}")


class MemoryAccessPoint:
    """An in-memory AccessPoint: registered participants (``Recipient.display()``
    names), the documents submitted, their statuses; fails when told to. The same
    document submitted again to the same recipient is the document submitted first."""

    def __init__(self, participants: Iterable[str] = ()) -> None:
        self.participants = set(participants)
        self.documents: dict[str, bytes] = {}
        self.recipients: dict[str, str] = {}
        self.statuses: dict[str, tuple[str, str | None]] = {}
        self._keys: dict[str, str] = {}
        self._failures: list[tuple[Failure, str]] = []
        self._ids = itertools.count(1)

    def fail_next(self, failure: Failure, message: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` calls (any method) raise DeliveryRejected
        ("rejected") or DeliveryUnavailable ("unavailable")."""
        if failure not in ("rejected", "unavailable"):
            raise ValueError(f"failure must be 'rejected' or 'unavailable': {failure!r}")
        self._failures += [(failure, message or f"told to fail: {failure}")] * count

    def _maybe_fail(self) -> None:
        if self._failures:
            failure, text = self._failures.pop(0)
            raise DeliveryRejected(text) if failure == "rejected" else DeliveryUnavailable(text)

    def lookup(self, recipient: Recipient) -> bool:
        self._maybe_fail()
        return recipient.display() in self.participants

    def submit(self, ubl: bytes, recipient: Recipient) -> str:
        self._maybe_fail()
        if recipient.display() not in self.participants:
            raise DeliveryRejected(f"recipient {recipient.display()} is not registered")
        key = hashlib.sha256(recipient.display().encode("utf-8") + b"\n" + ubl).hexdigest()
        if key in self._keys:
            return self._keys[key]
        document_id = f"mem-{next(self._ids):06d}"
        self._keys[key] = document_id
        self.documents[document_id] = ubl
        self.recipients[document_id] = recipient.display()
        self.statuses[document_id] = ("pending", None)
        return document_id

    def status(self, document_id: str) -> ProviderEvent:
        self._maybe_fail()
        if document_id not in self.statuses:
            raise DeliveryRejected(f"no document {document_id!r}")
        status, message = self.statuses[document_id]
        return ProviderEvent(status, AT, message, {"documentId": document_id})

    def set_status(self, document_id: str, status: str, message: str | None = None) -> None:
        """What the recipient side reported about a document."""
        self.statuses[document_id] = (status, message)
