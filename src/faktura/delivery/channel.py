"""The DeliveryChannel port: how a booked document reaches its recipient.

A channel is used in two steps:

1. ``prepare(recipient)`` before anything is booked: a channel that can know the
   recipient is unreachable (an e-invoicing endpoint that is not registered) says so
   here, so a refused send uses no number. A channel may also have a
   ``check(message)`` method (optional, see ``PreflightCheck``): it is given a preview
   of the booked document and refuses whatever ``deliver`` would refuse for it (headers,
   names, sizes, formats), also before anything is booked;
2. ``deliver(message)`` after the booking committed, outside any transaction, returning
   a Receipt with the provider's reference (SMTP Message-ID, access point document id).

A channel may also deliver reminders (``faktura.dunning.Reminder``): that is the optional
``deliver_reminder(message)`` of ``ReminderChannel``, given an ``OutgoingReminder``, with
the same typed failures as ``deliver``; ``reminder_capable(channel)`` tells whether a
channel has it. The email and manual channels do; the e-invoice channel does not (Peppol
BIS Billing 3 has no reminder document, and a reminder sent as an invoice would be a new
claim). A reminder channel may have ``check_reminder(message)`` too
(``ReminderPreflightCheck``), the reminder's counterpart of ``check``.

Failures are typed: DeliveryRejected is permanent (a bad address, a rejected document:
retrying the same thing will fail again), DeliveryUnavailable is retryable (connection
refused, timeouts, 4xx/5xx that mean "later": nothing arrived), and
DeliveryOutcomeUnknown (a DeliveryUnavailable) says the document may or may not have
arrived (the connection dropped after the whole message was handed over, the answer
did not come in time). Nothing else may escape a channel; every implementation passes
``faktura.testing.channels.ChannelContract``.

Delivery types are open keys: a channel serves one (``delivery_type``), a Billing is given
its channels by key, and a send names the key. faktura's own channels serve
``DeliveryType.EMAIL`` ("email"), ``DeliveryType.EINVOICE`` ("einvoice") and
``DeliveryType.MANUAL`` ("manual"); a host registers its own under keys of its own
(``Billing(store, channels={"fax": FaxChannel()})``). The reference API names the
e-invoice channel after its access point, "sproom": that key is read as "einvoice"
everywhere a delivery type enters (a send, a channel map, a stored attempt).

>>> DeliveryType("einvoice") is DeliveryType.EINVOICE, DeliveryType("fax")
(True, DeliveryType('fax'))
>>> DeliveryType("sproom") is DeliveryType.EINVOICE
True
>>> try:
...     DeliveryType("Fax machine")
... except ValidationError as err:
...     print(err.field, err.errors[0].rule)
delivery_type pattern
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import ClassVar, Protocol, TypeGuard

import attrs

from faktura.dunning import Reminder
from faktura.errors import ConfigurationError, DeliveryUnavailable, ValidationError
from faktura.invoice import Invoice
from faktura.parties import Company, Customer

__all__ = [
    "BUILT_IN_TYPES",
    "MAX_KEY_LENGTH",
    "DeliveryChannel",
    "DeliveryOutcomeUnknown",
    "DeliveryType",
    "OutgoingDocument",
    "OutgoingReminder",
    "PreflightCheck",
    "ProviderEvent",
    "Receipt",
    "Recipient",
    "RecipientKind",
    "ReminderChannel",
    "ReminderPreflightCheck",
    "channels_by_type",
    "reminder_capable",
]


class DeliveryOutcomeUnknown(DeliveryUnavailable):
    """The document may or may not have arrived: the whole message was handed over and
    the peer's answer never came (the connection dropped, the reply timed out).

    Retryable, but a retry may deliver a second copy: the attempt is recorded as
    ``unknown`` and the next attempt carries the same ``dedup_id`` (the same email
    Message-ID) so the receiving side can recognise the copy.
    """

    code = "delivery_outcome_unknown"


#: The longest delivery type key.
MAX_KEY_LENGTH = 32
_KEY = re.compile(rf"[a-z][a-z0-9_-]{{0,{MAX_KEY_LENGTH - 1}}}")


class DeliveryType(str):
    """A delivery type (``deliveryType``): the key a channel serves and a send names.

    A key is a lowercase ASCII identifier: a letter, then letters, digits, "_" or "-",
    at most ``MAX_KEY_LENGTH`` characters. ``DeliveryType(key)`` checks it: anything else
    is a ValidationError naming ``delivery_type`` (rule "pattern"; "type" for what is not
    text). It is a ``str``, equal to its key; the built-in keys are the very constants
    below (so ``is`` works for them; compare other keys with ``==``). "sproom", the
    reference API's name of the e-invoice channel, is ``EINVOICE``. ``value`` is the key
    as a plain ``str``.
    """

    __slots__ = ()

    #: Email over SMTP (``faktura.delivery.email.EmailChannel``).
    EMAIL: ClassVar[DeliveryType]
    #: A Peppol e-invoice through an access point (``faktura.delivery.einvoice``).
    EINVOICE: ClassVar[DeliveryType]
    #: Delivered by hand (``faktura.delivery.manual.ManualChannel``).
    MANUAL: ClassVar[DeliveryType]
    #: The reference API's name of ``EINVOICE`` (its "Sproom e-invoicing"): the same key.
    SPROOM: ClassVar[DeliveryType]

    def __new__(cls, key: object) -> DeliveryType:
        if isinstance(key, DeliveryType):
            return key
        if not isinstance(key, str):
            raise ValidationError("must be text", field="delivery_type", rule="type")
        known = _KNOWN.get(key)
        if known is not None:
            return known
        if _KEY.fullmatch(key) is None:
            raise ValidationError(
                f"must be a delivery type such as email, einvoice or manual: a lowercase "
                f"key (a letter, then letters, digits, _ or -, at most {MAX_KEY_LENGTH} "
                f"characters), not {key[: MAX_KEY_LENGTH + 8]!r}",
                field="delivery_type",
                rule="pattern",
            )
        return super().__new__(cls, key)

    def __repr__(self) -> str:
        return f"DeliveryType({str.__repr__(self)})"

    @property
    def value(self) -> str:
        """The key as a plain ``str``."""
        return str.__str__(self)


DeliveryType.EMAIL = str.__new__(DeliveryType, "email")
DeliveryType.EINVOICE = str.__new__(DeliveryType, "einvoice")
DeliveryType.MANUAL = str.__new__(DeliveryType, "manual")
DeliveryType.SPROOM = DeliveryType.EINVOICE
#: faktura's own delivery types, in the order they are listed.
BUILT_IN_TYPES: tuple[DeliveryType, ...] = (
    DeliveryType.EMAIL,
    DeliveryType.EINVOICE,
    DeliveryType.MANUAL,
)
_KNOWN: dict[str, DeliveryType] = {
    **{key.value: key for key in BUILT_IN_TYPES},
    "sproom": DeliveryType.EINVOICE,
}


class RecipientKind(enum.StrEnum):
    """What a recipient address is."""

    EMAIL = "email"
    #: A Peppol participant: ``address`` is the identifier, ``scheme`` its ISO 6523 ICD
    #: ("0088" GLN/EAN, "0184" Danish CVR).
    PEPPOL = "peppol"
    #: Delivered by hand: no address.
    NONE = "none"


@attrs.frozen
class Recipient:
    """Where one send goes, already validated (see ``faktura.delivery.recipients``).

    ``source`` says where the address came from ("override", "contact", "customer",
    "department"), so ``updateCustomerRecord`` knows what to persist where.
    """

    kind: RecipientKind
    address: str
    name: str
    scheme: str | None = None
    source: str = "customer"
    department_id: str | None = None

    def display(self) -> str:
        """The recipient as shown in the delivery log ("0088:5790000435951")."""
        return f"{self.scheme}:{self.address}" if self.scheme else self.address


@attrs.frozen
class OutgoingDocument:
    """One booked document on its way out, with its files rendered on demand.

    ``pdf`` and ``ubl`` are callables so a channel renders only what it sends (the
    e-invoice channel never draws a PDF); ``Billing`` caches them per send.

    ``dedup_id`` identifies this copy at the receiving end: the email channel makes the
    Message-ID from it. A retry after an attempt whose outcome is unknown passes the same
    one; None lets the channel make a fresh identity.
    """

    invoice: Invoice
    company: Company
    customer: Customer
    recipient: Recipient
    pdf: Callable[[], bytes]
    ubl: Callable[[], bytes]
    locale: str = "da"
    dedup_id: str | None = None


@attrs.frozen
class OutgoingReminder:
    """One reminder on its way out (``ReminderChannel.deliver_reminder``), its PDF rendered
    on demand.

    ``pay_by`` is the day the customer is asked to pay by (the sender decides it, e.g. the
    reminder's issue date plus the policy's days); ``locale`` the language of the
    message, as for ``OutgoingDocument`` (the company's when empty, English when faktura
    does not write it). ``dedup_id`` identifies this copy at the receiving end, as for
    ``OutgoingDocument``: a retry after an unknown outcome passes the same one.
    """

    reminder: Reminder
    company: Company
    customer: Customer
    recipient: Recipient
    pdf: Callable[[], bytes]
    locale: str = "da"
    dedup_id: str | None = None
    pay_by: date = attrs.field(kw_only=True)


@attrs.frozen
class ProviderEvent:
    """A status the provider reported about a delivered document (e.g. an access
    point's "accepted" or "rejected"), appended to the attempt's log."""

    status: str
    at: datetime
    message: str | None = None
    details: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Receipt:
    """What a channel answers for a delivered document."""

    #: The provider's reference: the SMTP Message-ID, the access point document id.
    provider_reference: str | None = None
    events: tuple[ProviderEvent, ...] = ()
    #: The message as it was handed over, when the channel wraps the documents in one of
    #: its own (the email channel: the RFC 5322 bytes it sent); archived by the sender.
    message: bytes | None = None


class DeliveryChannel(Protocol):
    """A way to deliver documents (email, an e-invoicing access point, by hand)."""

    @property
    def delivery_type(self) -> DeliveryType:
        """The delivery type (the key) this channel serves."""
        ...

    @property
    def recipient_kind(self) -> RecipientKind:
        """The kind of recipient address the channel needs: a send resolves the recipient
        by it (email: the override, the contact's, the customer's address; Peppol: the
        override EAN, the department's, the customer's EAN or CVR; none: the customer)."""
        ...

    def prepare(self, recipient: Recipient) -> None:
        """Check the recipient can be reached before anything is booked.

        Raises DeliveryRejected (unknown recipient, refused address) or
        DeliveryUnavailable (the check itself could not be made now).
        """
        ...

    def deliver(self, message: OutgoingDocument) -> Receipt:
        """Hand the document over. Raises DeliveryRejected or DeliveryUnavailable."""
        ...


class PreflightCheck(Protocol):
    """The optional pre-flight of a channel over the whole message: a send calls
    ``check`` (when the channel has one) on a preview of the booked document, before
    anything is booked."""

    def check(self, message: OutgoingDocument) -> None:
        """Refuse what ``deliver`` would refuse for ``message`` (headers, names, sizes,
        formats), without sending anything. Raises DeliveryRejected."""
        ...


class ReminderChannel(DeliveryChannel, Protocol):
    """A channel that delivers reminders too: the optional ``deliver_reminder``.

    A sender tests for it with ``reminder_capable(channel)`` (a channel without it, such
    as the e-invoice channel, cannot send a reminder). ``prepare(recipient)`` is the same
    check as for documents.
    """

    def deliver_reminder(self, message: OutgoingReminder) -> Receipt:
        """Hand the reminder over; a Receipt as ``deliver`` returns one.

        Raises DeliveryRejected (permanent), DeliveryUnavailable (retryable: nothing
        arrived) or DeliveryOutcomeUnknown (it may have arrived); nothing else.
        """
        ...


class ReminderPreflightCheck(Protocol):
    """The optional pre-flight of a reminder channel: ``check_reminder`` refuses what
    ``deliver_reminder`` would refuse for ``message``, without sending anything."""

    def check_reminder(self, message: OutgoingReminder) -> None:
        """Raises DeliveryRejected for what ``deliver_reminder`` would refuse."""
        ...


def reminder_capable(channel: DeliveryChannel) -> TypeGuard[ReminderChannel]:
    """Whether ``channel`` delivers reminders (has a callable ``deliver_reminder``).

    >>> from faktura.delivery.einvoice import EInvoiceChannel
    >>> from faktura.delivery.manual import ManualChannel
    >>> reminder_capable(ManualChannel()), hasattr(EInvoiceChannel, "deliver_reminder")
    (True, False)
    """
    return callable(getattr(channel, "deliver_reminder", None))


def channels_by_type(
    channels: Mapping[str, DeliveryChannel],
) -> dict[DeliveryType, DeliveryChannel]:
    """The channels a Billing is given, by delivery type: each key must be a delivery type
    (``DeliveryType``; "sproom" is "einvoice") and the one its channel serves, and no
    type given twice; ConfigurationError naming the key otherwise."""
    found: dict[DeliveryType, DeliveryChannel] = {}
    for name, channel in channels.items():
        try:
            key = DeliveryType(name)
        except ValidationError as err:
            raise ConfigurationError(
                f"channels: {name!r} is not a delivery type ({err.errors[0].message})"
            ) from None
        served = channel.delivery_type
        if served != key:
            raise ConfigurationError(f"channels: {name!r} maps to a channel for {str(served)!r}")
        if key in found:
            raise ConfigurationError(f"channels: {key.value!r} is given twice (as {name!r} too)")
        found[key] = channel
    return found
