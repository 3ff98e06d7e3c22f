"""The reminder (rykker) as a PDF (``faktura.documents.reminder_pdf``): its title by
level and language, the opening text, the overdue invoices, the charges and the total
written the way each language writes money, the FIK line only when it applies, the EPC
QR code for EUR, and many invoices over several pages (text by pypdf, per page)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from faktura.documents import l10n
from faktura.documents.fik import fik_line, payment_id
from faktura.documents.reminder_pdf import render_reminder
from faktura.documents.typeface import default_font
from faktura.dunning import DANISH_COMPENSATION, Reminder, ReminderItem
from faktura.errors import RenderError
from faktura.parties import Address, BankAccount, Company, Customer

LANGUAGES = ("da", "en", "de", "sv", "nb")
ISSUED = date(2026, 12, 1)
PAY_BY = date(2026, 12, 11)
CREDITOR = "87654321"
#: The title of a first and of a second reminder in each language.
TITLES = {
    "da": ("1. rykker", "2. rykker"),
    "en": ("Payment reminder", "Reminder 2"),
    "de": ("Zahlungserinnerung", "2. Mahnung"),
    "sv": ("Betalningspåminnelse", "Påminnelse 2"),
    "nb": ("Betalingspåminnelse", "Purring 2"),
}
#: 30.169,31 as each language writes it (the whitespace of sv and nb squashed away).
TOTALS = {
    "da": "30.169,31",
    "en": "30,169.31",
    "de": "30.169,31",
    "sv": "30169,31",
    "nb": "30169,31",
}
#: A Danish reminder's words for the charges.
DANISH = ("Rykkergebyr", "Kompensationsbeløb", "Renter", "At betale i alt", "renteloven")


def seller(**changes: object) -> Company:
    company = Company(
        id="co",
        name="Nordlys ApS",
        address=Address("Åboulevarden 7, 2. sal", "Aarhus C", "8000", "DK"),
        cvr="13585628",
        vat_id="DK13585628",
        email="regnskab@nordlys.dk",
        fik_creditor=CREDITOR,
        bank=BankAccount(
            reg_no="1234", account_no="0012345678", iban="DK5000400440116243", bic="DABADKKK"
        ),
    )
    return attrs.evolve(company, **changes)


def customer(language: str | None = "da") -> Customer:
    return Customer(
        id="cu",
        company_id="co",
        name="Fjord Økologi A/S",
        number="1001",
        address=Address("Havnegade 12", "Aarhus C", "8000", "DK"),
        language=language,
    )


def item(n: int, level: int = 1, **changes: object) -> ReminderItem:
    due = date(2026, 10, 9) + timedelta(days=n % 20)
    made = ReminderItem(
        invoice_id=f"inv{n}",
        number=f"2026-{42 + n:04d}",
        issue_date=due - timedelta(days=8),
        due_date=due,
        amount=Decimal("12500.00") + n,
        outstanding=Decimal("9875.50") + n,
        level=level,
        interest=Decimal("43.27"),
        interest_from=due,
        interest_to=ISSUED,
        compensation=DANISH_COMPENSATION if level == 1 and n == 0 else Decimal("0.00"),
    )
    return attrs.evolve(made, **changes)


def reminder(level: int = 1, count: int = 3, **changes: object) -> Reminder:
    made = Reminder(
        id="r1",
        company_id="co",
        customer_id="cu",
        number="R-2026-0007",
        issue_date=ISSUED,
        currency="DKK",
        level=level,
        items=tuple(item(n, level) for n in range(count)),
        created_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        fee=Decimal("100.00"),
        payment_id=payment_id("2026-0007"),
    )
    return attrs.evolve(made, **changes)


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without the (no-break) spaces extraction puts in varying places."""
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    return squashed("\n".join(pages_of(pdf)))


# -- the content in every language ---------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_first_reminder_says_what_is_owed_in_the_customers_language(language: str) -> None:
    sent = reminder()
    text = text_of(render_reminder(sent, seller(), customer(language), pay_by=PAY_BY))
    assert squashed(TITLES[language][0]) in text
    assert "R-2026-0007" in text
    for listed in sent.items:
        assert listed.number in text
        assert squashed(l10n.format_date(listed.due_date, language)) in text
        assert squashed(l10n.format_number(listed.outstanding, language, 2)) in text
    assert sent.to_pay == Decimal("30169.31")
    assert TOTALS[language] in text
    assert squashed(l10n.format_money(sent.to_pay, "DKK", language)) in text
    assert squashed(l10n.format_date(PAY_BY, language)) in text
    assert fik_line(sent.payment_id or "", CREDITOR) in text
    assert "DK5000400440116243" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_later_reminder_has_its_levels_title(language: str) -> None:
    pdf = render_reminder(reminder(level=2), seller(), customer(language), pay_by=PAY_BY)
    title = TITLES[language][1]
    assert squashed(title) in text_of(pdf)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == f"{title} R-2026-0007"


def test_a_danish_reminder_names_its_charges_and_the_interest_act() -> None:
    text = text_of(render_reminder(reminder(), seller(), customer("da"), pay_by=PAY_BY))
    for word in DANISH:
        assert squashed(word) in text
    assert "310,00" in text
    assert "Betalessenest11.dec.2026" in text


def test_a_reminder_without_charges_shows_none_and_cites_no_law() -> None:
    free = reminder(
        level=2,
        fee=Decimal("0.00"),
        items=(item(1, 2, interest=Decimal("0.00"), interest_from=None, interest_to=None),),
    )
    text = text_of(render_reminder(free, seller(), customer("da"), pay_by=PAY_BY))
    for word in ("Rykkergebyr", "Kompensationsbeløb", "renteloven"):
        assert word not in text
    assert squashed(l10n.format_money(free.to_pay, "DKK", "da")) in text
    # without the day interest was counted to, the days overdue are the reminder's
    assert str((ISSUED - free.items[0].due_date).days) in text


def test_the_opening_is_friendly_first_and_firm_last() -> None:
    first = text_of(render_reminder(reminder(), seller(), customer("da"), pay_by=PAY_BY))
    last = text_of(render_reminder(reminder(level=3), seller(), customer("da"), pay_by=PAY_BY))
    assert "forglemmelse" in first
    assert "inkasso" not in first
    assert "sidsterykker" in last
    assert "inkasso" in last
    second = reminder(level=2)
    told = text_of(render_reminder(second, seller(), customer("da"), pay_by=PAY_BY, last=True))
    assert "inkasso" in told


def test_the_reminders_own_text_replaces_the_default_opening() -> None:
    own = "Kære Fjord, vi mangler stadig jeres betaling. Ring gerne på 12 34 56 78."
    sent = reminder(text=own)
    text = text_of(render_reminder(sent, seller(), customer("da"), pay_by=PAY_BY))
    assert squashed(own) in text
    assert "forglemmelse" not in text
    assert "alleredebetalt" not in text  # the default's closing line goes with it
    default = text_of(render_reminder(reminder(), seller(), customer("da"), pay_by=PAY_BY))
    assert "Hardualleredebetalt" in default


@pytest.mark.parametrize(
    ("why", "sent", "company"),
    [
        ("no payment id", reminder(payment_id=None), seller()),
        ("no FIK creditor", reminder(), seller(fik_creditor=None)),
        ("not DKK", reminder(currency="EUR"), seller()),
        ("not a FIK payment id", reminder(payment_id="RF18539007547034"), seller()),
    ],
)
def test_there_is_no_fik_line_when_it_does_not_apply(
    why: str, sent: Reminder, company: Company
) -> None:
    text = text_of(render_reminder(sent, company, customer("da"), pay_by=PAY_BY))
    assert "+71<" not in text, why
    assert "Indbetalingskort" not in text, why
    if sent.payment_id is not None:  # the reference to pay with is still there
        assert sent.payment_id in text, why


def test_a_euro_reminder_has_the_epc_qr_code_and_a_krone_reminder_not() -> None:
    euro = render_reminder(reminder(currency="EUR"), seller(), customer("en"), pay_by=PAY_BY)
    krone = render_reminder(reminder(), seller(), customer("en"), pay_by=PAY_BY)
    assert "Scantopay" in text_of(euro)
    assert "Scantopay" not in text_of(krone)
    assert "€30,169.31" in text_of(euro)
    images = [len(page.images) for page in PdfReader(io.BytesIO(euro)).pages]
    assert images == [1]
    assert [len(page.images) for page in PdfReader(io.BytesIO(krone)).pages] == [0]


@pytest.mark.parametrize(
    ("given_language", "reminder_language", "customer_language", "title"),
    [
        (None, None, "de", "Zahlungserinnerung"),
        (None, None, None, "1. rykker"),  # the seller's locale (da)
        ("sv", None, "de", "Betalningspåminnelse"),
        (None, "nb", "de", "Betalingspåminnelse"),
        (None, None, "fr", "Payment reminder"),  # a language without texts: English
    ],
)
def test_the_language_is_the_callers_else_the_reminders_else_the_customers(
    given_language: str | None,
    reminder_language: str | None,
    customer_language: str | None,
    title: str,
) -> None:
    sent = reminder(language=reminder_language)
    pdf = render_reminder(
        sent, seller(), customer(customer_language), pay_by=PAY_BY, language=given_language
    )
    assert squashed(title) in text_of(pdf)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == f"{title} R-2026-0007"


def test_the_same_reminder_gives_the_same_bytes() -> None:
    one = render_reminder(reminder(), seller(), customer("da"), pay_by=PAY_BY)
    assert render_reminder(reminder(), seller(), customer("da"), pay_by=PAY_BY) == one


def test_a_character_the_font_cannot_draw_is_a_render_error_naming_the_field() -> None:
    font = default_font()
    missing = next(chr(c) for c in range(0x4E00, 0x9FFF) if not font.covers(chr(c)))
    with pytest.raises(RenderError, match="text"):
        render_reminder(reminder(text=f"Betal {missing}"), seller(), customer(), pay_by=PAY_BY)


# -- many invoices -----------------------------------------------------------------------------


def test_eighty_invoices_go_over_pages_with_the_header_on_each_and_the_total_last() -> None:
    sent = reminder(count=80)
    pages = [
        squashed(page)
        for page in pages_of(render_reminder(sent, seller(), customer("en"), pay_by=PAY_BY))
    ]
    assert len(pages) >= 3
    whole = "".join(pages)
    for listed in sent.items:
        assert whole.count(listed.number) == 1, listed.number
    for n, page in enumerate(pages, 1):
        assert "Invoiceno." in page  # the table's header repeats
        assert f"Page{n}of{len(pages)}" in page
        if n > 1:
            assert "PaymentreminderR-2026-0007" in page
    total = squashed(l10n.format_money(sent.to_pay, "DKK", "en"))
    assert [total in page for page in pages] == [False] * (len(pages) - 1) + [True]
    assert sent.items[-1].number in pages[-1]


# -- any reminder ------------------------------------------------------------------------------


def _drawable(char: str) -> bool:
    return char.isprintable() and default_font().covers(char)


# Latin, Greek, Cyrillic and more: every character the default font draws
_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0x2FFF).filter(_drawable)
_NUMBER = st.text(
    alphabet=st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/"), min_size=1, max_size=14
)
_AMOUNT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)


@st.composite
def reminders(draw: st.DrawFn) -> Reminder:
    level = draw(st.integers(1, 5))
    numbers = draw(st.lists(_NUMBER, min_size=1, max_size=25, unique=True))
    items = []
    for n, number in enumerate(numbers):
        due = draw(st.dates(date(2020, 1, 1), ISSUED - timedelta(days=1)))
        amount = draw(_AMOUNT)
        items.append(
            ReminderItem(
                invoice_id=f"inv{n}",
                number=number,
                issue_date=due - timedelta(days=draw(st.integers(0, 60))),
                due_date=due,
                amount=amount,
                outstanding=draw(st.decimals(Decimal("0.01"), amount, places=2)),
                level=level,
                interest=draw(st.decimals(Decimal(0), Decimal(99999), places=2)),
                interest_to=draw(st.none() | st.just(ISSUED)),
                compensation=draw(st.sampled_from((Decimal(0), DANISH_COMPENSATION))),
            )
        )
    text = draw(st.none() | st.text(_TEXT, min_size=1, max_size=2000) | st.text(_TEXT, max_size=80))
    return reminder(
        level=level,
        items=tuple(items),
        fee=draw(st.decimals(Decimal(0), Decimal(100), places=2)),
        text=text,
        currency=draw(st.sampled_from(("DKK", "EUR", "SEK"))),
        payment_id=draw(st.none() | st.just(payment_id("2026-0007"))),
    )


@settings(max_examples=40)
@given(sent=reminders(), language=st.sampled_from(LANGUAGES))
def test_any_reminder_renders_with_every_invoice_and_the_total(
    sent: Reminder, language: str
) -> None:
    pdf = render_reminder(sent, seller(), customer(language), pay_by=PAY_BY)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for listed in sent.items:
        assert listed.number in text
    assert squashed(l10n.format_money(sent.to_pay, sent.currency, language)) in text
