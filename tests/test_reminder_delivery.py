"""Reminders through the delivery channels: the email channel against a real SMTP server
(aiosmtpd on 127.0.0.1, as in test_delivery_email.py), its texts in every language, its
header safety; the manual channel; the e-invoice channel, which does not deliver them.

Without aiosmtpd the SMTP tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from faktura import locales
from faktura.delivery import texts
from faktura.delivery.channel import (
    OutgoingReminder,
    Receipt,
    Recipient,
    RecipientKind,
    reminder_capable,
)
from faktura.delivery.einvoice import EInvoiceChannel
from faktura.delivery.email import EmailChannel, SmtpSettings
from faktura.delivery.email_message import (
    flatten_with,
    reminder_attachment_name,
    unsafe,
    verify_headers,
)
from faktura.delivery.manual import ManualChannel
from faktura.delivery.recipients import manual_recipient
from faktura.documents.fik import fik_line, payment_id
from faktura.documents.l10n import SUPPORTED, format_date, format_money
from faktura.dunning import Reminder, ReminderItem
from faktura.errors import ConfigurationError, DeliveryRejected, DeliveryUnavailable
from faktura.parties import Company, Customer
from faktura.testing.channels import MemoryAccessPoint
from test_delivery_email import SENDER, SmtpServer, free_port, smtp_server  # noqa: F401

TO = Recipient(RecipientKind.EMAIL, "ap@jensen.example", "Købmand Jensen A/S")
SELLER = Company(id="company-1", name="Nordlys ApS", cvr="13585628", email="faktura@nordlys.dk")
BUYER = Customer(id="customer-1", company_id=SELLER.id, name="Købmand Jensen A/S")
PAY_BY = date(2026, 12, 18)
AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

#: The subject of a one-invoice and of a three-invoice reminder (level 1, invoice 1001),
#: by language: the texts the catalog is to give.
SUBJECTS = {
    "da": ("Rykker 1 for faktura 1001 – Nordlys ApS", "Rykker 1 – 3 forfaldne fakturaer"),
    "en": ("Reminder 1 for invoice 1001 – Nordlys ApS", "Reminder 1 – 3 overdue invoices"),
    "de": (
        "Zahlungserinnerung 1 zu Rechnung 1001 – Nordlys ApS",
        "Zahlungserinnerung 1 – 3 überfällige Rechnungen",
    ),
    "sv": (
        "Betalningspåminnelse 1 för faktura 1001 – Nordlys ApS",
        "Betalningspåminnelse 1 – 3 förfallna fakturor",
    ),
    "nb": ("Purring 1 for faktura 1001 – Nordlys ApS", "Purring 1 – 3 forfalte fakturaer"),
}
FILE_WORDS = {
    "da": "Rykker",
    "en": "Reminder",
    "de": "Zahlungserinnerung",
    "sv": "Betalningspaminnelse",
    "nb": "Purring",
}


def tiny_pdf(tag: str) -> bytes:
    """A small valid PDF (one blank page), its title ``tag`` so each is its own bytes."""
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Title": tag})
    with io.BytesIO() as buffer:
        writer.write(buffer)
        return buffer.getvalue()


def item(n: int, outstanding: Decimal = Decimal("1250.00")) -> ReminderItem:
    return ReminderItem(
        invoice_id=f"inv-{n}",
        number=str(1000 + n),
        issue_date=date(2026, 10, n),
        due_date=date(2026, 11, n),
        amount=outstanding,
        outstanding=outstanding,
        level=1,
        interest=Decimal("7.89"),
        interest_from=date(2026, 11, n),
        interest_to=date(2026, 12, 8),
    )


def reminder(count: int = 1, **changes: Any) -> Reminder:
    fields: dict[str, Any] = {
        "id": "rem-1",
        "company_id": SELLER.id,
        "customer_id": BUYER.id,
        "number": "R-2026-0001",
        "issue_date": date(2026, 12, 8),
        "currency": "DKK",
        "level": 1,
        "items": tuple(item(n) for n in range(1, count + 1)),
        "created_at": AT,
        "fee": Decimal("100.00"),
    }
    fields.update(changes)
    return Reminder(**fields)


def outgoing(
    recipient: Recipient = TO,
    *,
    count: int = 1,
    locale: str = "da",
    dedup_id: str | None = None,
    company: Company = SELLER,
    **changes: Any,
) -> OutgoingReminder:
    pdf = tiny_pdf(f"reminder {locale} {count}")
    return OutgoingReminder(
        reminder=reminder(count, **changes),
        company=company,
        customer=BUYER,
        recipient=recipient,
        pdf=lambda: pdf,
        locale=locale,
        dedup_id=dedup_id,
        pay_by=PAY_BY,
    )


def offline() -> EmailChannel:
    """An email channel whose server is not there: what it refuses, it refuses before
    connecting (a connection would be DeliveryUnavailable)."""
    return EmailChannel(SmtpSettings("127.0.0.1", free_port(), SENDER, security="none", timeout=1))


def body_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\xa0", " ").replace("\r\n", "\n")


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


# -- over SMTP -------------------------------------------------------------------------


def test_the_reminder_arrives_with_its_pdf(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    message = outgoing()
    receipt = EmailChannel(smtp_server.settings()).deliver_reminder(message)
    [envelope] = smtp_server.recorder.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [TO.address]
    mail = smtp_server.recorder.message()
    assert mail["From"].addresses[0].display_name == "Nordlys ApS"
    assert mail["To"].addresses[0].display_name == TO.name
    assert mail["Reply-To"] == "faktura@nordlys.dk"
    assert mail["Subject"] == "Rykker 1 for faktura 1001 – Nordlys ApS"
    assert mail["Content-Language"] == "da"
    assert mail["Message-ID"] == receipt.provider_reference
    assert receipt.message is not None
    assert b"Message-ID" in receipt.message
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "Rykker R-2026-0001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == message.pdf()
    assert len(PdfReader(io.BytesIO(attachment.get_content())).pages) == 1
    text = body_of(mail)
    total = plain(format_money(message.reminder.to_pay, "DKK", "da"))
    assert message.reminder.to_pay == Decimal("1357.89")
    assert f"At betale i alt: {total}" in text
    assert f"Betales senest: {format_date(PAY_BY, 'da')}" in text
    assert f"Rykkergebyr: {plain(format_money(Decimal('100.00'), 'DKK', 'da'))}" in text
    assert "Angiv venligst R-2026-0001 ved betaling" in text
    assert text.endswith("Med venlig hilsen\nNordlys ApS\n")


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("count", [1, 3])
def test_every_language_over_smtp(
    smtp_server: SmtpServer,  # noqa: F811
    language: str,
    count: int,
) -> None:
    message = outgoing(locale=language, count=count)
    EmailChannel(smtp_server.settings()).deliver_reminder(message)
    mail = smtp_server.recorder.message()
    assert mail["Subject"] == SUBJECTS[language][count > 1]
    assert mail["Content-Language"] == language
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{FILE_WORDS[language]} R-2026-0001.pdf"
    assert attachment.get_content() == message.pdf()
    text = body_of(mail)
    phrases = locales.catalog(language)["reminder_email"]
    closing = locales.catalog(language)["email"]["closing"]
    to_pay = plain(format_money(message.reminder.to_pay, "DKK", language))
    assert f"{phrases['to_pay']}: {to_pay}" in text
    assert f"{phrases['pay_by']}: {format_date(PAY_BY, language)}" in text
    assert text.endswith(f"{closing}\nNordlys ApS\n")
    for listed in message.reminder.items:
        assert listed.number in text


def test_the_message_id_comes_from_the_dedup_id(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    channel = EmailChannel(smtp_server.settings())
    first = channel.deliver_reminder(outgoing(dedup_id="rem-1-attempt"))
    again = channel.deliver_reminder(outgoing(dedup_id="rem-1-attempt"))
    assert first.provider_reference == again.provider_reference
    assert first.provider_reference == "<faktura.rem-1-attempt@saelger.example>"
    fresh = channel.deliver_reminder(outgoing()), channel.deliver_reminder(outgoing())
    assert fresh[0].provider_reference != fresh[1].provider_reference
    ids = [smtp_server.recorder.message(n)["Message-ID"] for n in range(4)]
    assert ids[0] == ids[1] == first.provider_reference


@pytest.mark.parametrize(
    ("where", "reply", "error"),
    [
        ("rcpt", "550 5.1.1 No such user", DeliveryRejected),
        ("rcpt", "450 4.2.1 Mailbox busy", DeliveryUnavailable),
        ("data", "554 5.7.1 Message refused", DeliveryRejected),
        ("data", "451 4.3.0 Try again later", DeliveryUnavailable),
    ],
)
def test_smtp_replies_are_mapped(
    smtp_server: SmtpServer,  # noqa: F811
    where: str,
    reply: str,
    error: type[Exception],
) -> None:
    setattr(smtp_server.recorder, f"{where}_reply", reply)
    with pytest.raises(error) as caught:
        EmailChannel(smtp_server.settings()).deliver_reminder(outgoing())
    assert type(caught.value) is error
    assert reply.split()[0] in str(caught.value)
    assert smtp_server.recorder.envelopes == []


def test_a_reminder_over_the_size_limit_is_not_sent(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    channel = EmailChannel(smtp_server.settings(max_size=len(tiny_pdf("x"))))
    with pytest.raises(DeliveryRejected, match="max_size"):
        channel.deliver_reminder(outgoing())
    assert smtp_server.recorder.envelopes == []


def test_no_server_is_unavailable() -> None:
    with pytest.raises(DeliveryUnavailable, match="unreachable"):
        offline().deliver_reminder(outgoing())


UNSAFE_RECIPIENTS = [
    attrs.evolve(TO, address="ap@jensen.example\r\nBcc: all@example.com"),
    attrs.evolve(TO, address="ap@jensen.example\n"),
    attrs.evolve(TO, address="=?utf-8?q?x?=@jensen.example"),
    attrs.evolve(TO, address="not an address"),
    attrs.evolve(TO, name="Jensen\r\nBcc: all@example.com"),
    attrs.evolve(TO, name="Jensen =?utf-8?q?=0ABcc:_x?="),
    attrs.evolve(TO, name="Jensen\u2028Bcc: all@example.com"),
    Recipient(RecipientKind.NONE, "", "Jensen"),
]


@pytest.mark.parametrize("recipient", UNSAFE_RECIPIENTS)
def test_an_unsafe_recipient_is_refused_before_connecting(
    smtp_server: SmtpServer,  # noqa: F811
    recipient: Recipient,
) -> None:
    message = outgoing(recipient)
    with pytest.raises(DeliveryRejected):
        offline().deliver_reminder(message)  # rejected, not "unreachable": never connected
    with pytest.raises(DeliveryRejected):
        offline().check_reminder(message)
    with pytest.raises(DeliveryRejected):
        EmailChannel(smtp_server.settings()).deliver_reminder(message)
    assert smtp_server.recorder.envelopes == []


@pytest.mark.parametrize("field", ["reminder number", "invoice number", "company name"])
def test_a_value_that_got_past_its_own_check_is_refused(field: str) -> None:
    message = outgoing()
    evil = "1001\r\nBcc: all@example.com"
    if field == "reminder number":
        target: Any = message.reminder
        object.__setattr__(target, "number", evil)
    elif field == "invoice number":
        target = message.reminder.items[0]
        object.__setattr__(target, "number", evil)
    else:
        target = attrs.evolve(SELLER)
        object.__setattr__(target, "name", evil)
        message = attrs.evolve(message, company=target)
    with pytest.raises(DeliveryRejected, match=field):
        offline().deliver_reminder(message)


# -- without a server ------------------------------------------------------------------------


def test_the_fik_line_when_the_reminder_has_a_fik_payment_id() -> None:
    fik = payment_id("2026-0001")
    company = attrs.evolve(SELLER, fik_creditor="12345678")
    text = body_of(offline().build_reminder(outgoing(company=company, payment_id=fik)))
    assert f"Indbetalingskort (FIK): {fik_line(fik, '12345678')}" in text
    other = body_of(offline().build_reminder(outgoing(company=company, payment_id="KID-7")))
    assert "FIK" not in other  # not a FIK payment id: no FIK line
    assert "FIK" not in body_of(offline().build_reminder(outgoing(payment_id=fik)))


def test_the_size_limit_is_checked_before_connecting() -> None:
    message = outgoing()
    size = len(flatten_with(offline().build_reminder(message), utf8=False))

    def limited(limit: int) -> EmailChannel:
        return EmailChannel(
            SmtpSettings(
                "127.0.0.1", free_port(), SENDER, security="none", timeout=1, max_size=limit
            )
        )

    limited(size + 200).check_reminder(message)  # the Date header's length may vary
    with pytest.raises(DeliveryRejected, match="max_size"):
        limited(size - 200).check_reminder(message)


def test_a_pdf_that_cannot_be_rendered_is_rejected() -> None:
    def fails() -> bytes:
        raise ConfigurationError("no fonts")

    message = attrs.evolve(outgoing(), pdf=fails)
    with pytest.raises(DeliveryRejected, match="no fonts"):
        offline().check_reminder(message)


def test_the_danish_email_reads_so() -> None:
    mail = offline().build_reminder(outgoing())
    money = {
        key: plain(format_money(Decimal(value), "DKK", "da"))
        for key, value in (("owed", "1250.00"), ("fee", "100.00"), ("int", "7.89"))
    }
    total = plain(format_money(Decimal("1357.89"), "DKK", "da"))
    assert body_of(mail) == (
        "Kære Købmand Jensen A/S\n"
        "\n"
        "Vi har endnu ikke modtaget betaling for faktura 1001, som forfaldt den "
        f"{format_date(date(2026, 11, 1), 'da')}.\n"
        "Vedhæftet finder du rykker R-2026-0001.\n"
        "\n"
        f"Skyldigt på fakturaer: {money['owed']}\n"
        f"Rykkergebyr: {money['fee']}\n"
        f"Morarenter: {money['int']}\n"
        f"At betale i alt: {total}\n"
        f"Betales senest: {format_date(PAY_BY, 'da')}\n"
        "Angiv venligst R-2026-0001 ved betaling\n"
        "\n"
        "Har du allerede betalt, kan du se bort fra denne rykker.\n"
        "\n"
        "Med venlig hilsen\n"
        "Nordlys ApS\n"
    )


def test_a_reminder_without_charges_shows_the_total_alone() -> None:
    bare = [attrs.evolve(i, interest=Decimal("0.00")) for i in reminder().items]
    text = body_of(offline().build_reminder(outgoing(fee=Decimal(0), items=tuple(bare))))
    for absent in ("Rykkergebyr", "Skyldigt", "Morarenter", "Kompensation"):
        assert absent not in text
    assert f"At betale i alt: {plain(format_money(Decimal('1250.00'), 'DKK', 'da'))}" in text


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)


@settings(max_examples=100)
@given(
    language=st.sampled_from(SUPPORTED),
    outstanding=st.lists(amounts, min_size=1, max_size=5),
    fee=st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2),
    level=st.integers(1, 10),
    number=st.from_regex(r"[A-Za-z0-9/ _.#-]{1,30}", fullmatch=True),
)
def test_every_reminder_email_names_what_it_asks(
    language: str, outstanding: list[Decimal], fee: Decimal, level: int, number: str
) -> None:
    """For any reminder: the subject names its level and its invoice (or their count),
    the body every invoice and the total to pay in the language's formatting, the headers
    read back as set, the PDF is attached as given under a file name safe in a header."""
    items = tuple(
        attrs.evolve(item(n + 1, amount), level=level) for n, amount in enumerate(outstanding)
    )
    message = outgoing(locale=language, fee=fee, level=level, items=items)
    message = attrs.evolve(message, reminder=attrs.evolve(message.reminder, number=number))
    mail = offline().build_reminder(message)
    verify_headers(mail, flatten_with(mail, utf8=False))
    phrases = texts._reminder_phrases(language)
    subject = str(mail["Subject"])
    assert subject.startswith(f"{phrases.title} {level} ")
    assert ("1001" in subject) is (len(items) == 1)
    assert (f" {len(items)} " in subject) or len(items) == 1
    text = body_of(mail)
    for listed in items:
        assert listed.number in text
    assert plain(format_money(message.reminder.to_pay, "DKK", language)) in text
    assert message.reminder.to_pay == sum(outstanding) + fee + Decimal("7.89") * len(items)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content() == message.pdf()
    name = attachment.get_filename()
    assert name == reminder_attachment_name(message)
    assert re.fullmatch(r"[A-Za-z]+ [A-Za-z0-9._-]+\.pdf", name)


@settings(max_examples=200)
@given(name=st.text(max_size=40), address=st.sampled_from([TO.address, "x@y.example"]))
def test_a_recipient_name_is_sent_as_given_or_refused(name: str, address: str) -> None:
    """Whatever the recipient's name, the channel either refuses it (DeliveryRejected:
    always when it holds a line break, a control character or '=?') or the To header
    reads back as that name and address; nothing else escapes."""
    message = outgoing(Recipient(RecipientKind.EMAIL, address, name))
    channel = offline()
    try:
        channel.check_reminder(message)
        mail = channel.build_reminder(message)
    except DeliveryRejected:
        return
    assert not unsafe(name)
    parsed = email.message_from_bytes(flatten_with(mail, utf8=False), policy=email.policy.default)
    [to] = parsed["To"].addresses
    assert to.addr_spec == address
    assert squeezed(to.display_name) == squeezed(name)  # folding may merge white space


def squeezed(text: str) -> str:
    return " ".join(text.split())


# -- the manual and e-invoice channels, the capability ------------------------------------


def test_the_manual_channel_records_a_hand_over() -> None:
    channel = ManualChannel()
    message = outgoing(manual_recipient(BUYER))
    channel.check_reminder(message)
    assert channel.deliver_reminder(message) == Receipt(provider_reference=None)


def test_which_channels_deliver_reminders() -> None:
    einvoice = EInvoiceChannel(MemoryAccessPoint())
    assert reminder_capable(ManualChannel())
    assert reminder_capable(EmailChannel(SmtpSettings("127.0.0.1", 25, SENDER)))
    assert not reminder_capable(einvoice)
    assert "no reminder\n    document" in (type(einvoice).__doc__ or "")


def test_the_reminder_email_table_is_the_reminder_phrases() -> None:
    names = [f.name for f in attrs.fields(texts._ReminderPhrases)]
    for language in SUPPORTED:
        assert list(locales.catalog(language)["reminder_email"]) == names
        assert texts._reminder_phrases(language).title == FILE_WORDS[language].replace(
            "paminnelse", "påminnelse"
        )


@pytest.mark.parametrize(("key", "value"), [("title", None), ("signature", "x"), ("fee", 1)])
def test_a_defective_reminder_email_table_is_refused(key: str, value: object | None) -> None:
    table = dict(locales.catalog("en")["reminder_email"])
    if value is None:
        del table[key]
    else:
        table[key] = value
    with pytest.raises(ConfigurationError, match="reminder email texts"):
        texts._reminder_phrases_of(table, "xx")


def test_another_language_falls_back_to_english() -> None:
    mail = offline().build_reminder(outgoing(locale="fr", company=attrs.evolve(SELLER)))
    assert mail["Subject"] == SUBJECTS["en"][0]
