"""The statement of account (kontoudtog) as a PDF (``faktura.documents.statement_pdf``):
its title, period, balances and movements in every language, the closing balance in
words (owed, settled, or the customer's credit), the open items with what of them is
overdue, the bank details, and many movements over several pages (text by pypdf)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from faktura.documents import l10n
from faktura.documents.statement_pdf import render_statement
from faktura.receivables import LineKind, OpenItem, Statement, StatementLine
from test_reminder_pdf import customer, pages_of, seller, squashed, text_of

LANGUAGES = ("da", "en", "de", "sv", "nb")
START, END, TODAY = date(2026, 10, 1), date(2026, 11, 30), date(2026, 12, 8)
TITLES = {
    "da": "Kontoudtog",
    "en": "Statement of account",
    "de": "Kontoauszug",
    "sv": "Kontoutdrag",
    "nb": "Kontoutskrift",
}
#: A payment's text in each language.
PAYMENT = {
    "da": "Indbetaling",
    "en": "Payment",
    "de": "Zahlung",
    "sv": "Betalning",
    "nb": "Innbetaling",
}
#: 4.200,25 (the closing balance of ``owing()``) as each language writes it.
CLOSING = {"da": "4.200,25", "en": "4,200.25", "de": "4.200,25", "sv": "4200,25", "nb": "4200,25"}
#: The sentence of a customer in credit, up to the amount.
IN_CREDIT = {
    "da": "Duharettilgodehavendehosospå",
    "en": "Youhaveacreditbalanceof",
    "de": "SiehabeneinGuthabenvon",
    "sv": "Duharetttillgodohavandehososspå",
    "nb": "Duharettilgodehavendehososspå",
}


def statement(
    moves: list[tuple[date, LineKind, str, Decimal]],
    open_items: tuple[OpenItem, ...],
    opening: Decimal = Decimal("0.00"),
    currency: str = "DKK",
) -> Statement:
    """A statement of ``moves`` (day, kind, reference, change of what is owed), the
    balance running from ``opening``."""
    balance, lines = opening, []
    for day, kind, reference, change in moves:
        balance += change
        debit, credit = (change, Decimal("0.00")) if change > 0 else (Decimal("0.00"), -change)
        lines.append(StatementLine(day, kind, reference, debit, credit, balance))
    return Statement("co", "cu", currency, START, END, opening, tuple(lines), balance, open_items)


def owing() -> Statement:
    return statement(
        [
            (date(2026, 10, 1), LineKind.INVOICE, "2026-0042", Decimal("12500.00")),
            (date(2026, 10, 2), LineKind.INVOICE, "2026-0043", Decimal("3750.25")),
            (date(2026, 10, 20), LineKind.PAYMENT, "2026-0042", Decimal("-12500.00")),
            (date(2026, 11, 3), LineKind.CREDIT_NOTE, "K-2026-0004", Decimal("-750.00")),
            (date(2026, 11, 15), LineKind.REMINDER, "R-2026-0007", Decimal("410.00")),
            (date(2026, 11, 20), LineKind.REMINDER_PAYMENT, "R-2026-0007", Decimal("-410.00")),
        ],
        (
            OpenItem(
                "invoice", "2026-0043", Decimal("3000.25"), date(2026, 10, 2), date(2026, 10, 10)
            ),
            OpenItem(
                "invoice", "2026-0050", Decimal("1200.00"), date(2026, 12, 1), date(2026, 12, 9)
            ),
        ),
        opening=Decimal("1200.00"),
    )


def in_credit() -> Statement:
    return statement(
        [
            (date(2026, 10, 1), LineKind.INVOICE, "2026-0042", Decimal("1000.00")),
            (date(2026, 10, 20), LineKind.PAYMENT, "2026-0042", Decimal("-1000.00")),
            (date(2026, 10, 20), LineKind.ON_ACCOUNT, "Bank 4711", Decimal("-500.00")),
        ],
        (OpenItem("credit_balance", "", Decimal("-500.00")),),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_statement_lists_the_period_in_the_customers_language(language: str) -> None:
    account = owing()
    pdf = render_statement(account, seller(), customer(language), today=TODAY)
    text = text_of(pdf)
    assert squashed(TITLES[language]) in text
    for day in (START, END, TODAY):
        assert squashed(l10n.format_date(day, language)) in text
    assert squashed(l10n.format_number(account.opening, language, 2)) in text
    for line in account.lines:
        assert line.reference in text
        assert squashed(l10n.format_number(line.balance, language, 2)) in text
    assert squashed(PAYMENT[language] + " 2026-0042") in text
    assert CLOSING[language] in text
    assert squashed(l10n.format_money(account.closing, "DKK", language)) in text
    assert "DK5000400440116243" in text
    assert "+71<" not in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title == f"{TITLES[language]} Fjord Økologi A/S"


def test_the_open_items_show_their_total_and_what_of_it_is_overdue() -> None:
    account = owing()
    assert account.overdue(TODAY) == Decimal("3000.25")  # 2026-0050 is due tomorrow
    text = text_of(render_statement(account, seller(), customer("da"), today=TODAY))
    assert "Åbneposterialt4.200,25kr." in text
    assert "Herafforfaldent3.000,25kr." in text
    assert "Faktura2026-00501.dec.20269.dec.20261.200,00" in text
    later = text_of(render_statement(account, seller(), customer("da"), today=date(2026, 12, 10)))
    assert "Herafforfaldent4.200,25kr." in later


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_customer_in_credit_is_told_so_in_words(language: str) -> None:
    account = in_credit()
    assert account.closing == Decimal("-500.00")
    text = text_of(render_statement(account, seller(), customer(language), today=TODAY))
    credit = squashed(l10n.format_money(Decimal("500.00"), "DKK", language))
    assert IN_CREDIT[language] + credit in text


def test_a_settled_account_says_so_and_an_empty_period_says_it_had_no_movements() -> None:
    settled = statement([], (), opening=Decimal("0.00"))
    text = text_of(render_statement(settled, seller(), customer("da"), today=TODAY))
    assert "Dinkontoerudlignet." in text
    assert "Ingenbevægelseriperioden." in text
    assert "Åbneposter" not in text


def test_the_language_is_the_callers_else_the_customers_else_the_sellers() -> None:
    account = owing()
    assert "Kontoauszug" in text_of(
        render_statement(account, seller(), customer("de"), today=TODAY)
    )
    assert "Kontoudtog" in text_of(render_statement(account, seller(), customer(None), today=TODAY))
    chosen = render_statement(account, seller(), customer("de"), today=TODAY, language="sv")
    assert "Kontoutdrag" in text_of(chosen)


def test_eighty_movements_go_over_pages_with_the_header_on_each() -> None:
    moves = [
        (START + timedelta(days=n % 60), LineKind.INVOICE, f"2026-{100 + n:04d}", Decimal("99.95"))
        for n in range(80)
    ]
    account = statement(moves, ())
    pages = [
        squashed(page)
        for page in pages_of(render_statement(account, seller(), customer("en"), today=TODAY))
    ]
    assert len(pages) >= 2
    whole = "".join(pages)
    for line in account.lines:
        assert whole.count(f"Invoice{line.reference}") == 1
    for n, page in enumerate(pages, 1):
        assert "DateDescriptionDebit(DKK)CreditBalance" in page
        assert f"Page{n}of{len(pages)}" in page
    assert account.closing == Decimal("7996.00")
    assert "Balancedue:DKK7,996.00" in pages[-1]


_KINDS = st.sampled_from(list(LineKind))
_REFERENCE = st.text(
    alphabet=st.sampled_from("ABCDEFGHJKLMNPRSTUVXYZ0123456789-"), min_size=1, max_size=14
)
_CHANGE = st.decimals(Decimal("-99999.99"), Decimal("99999.99"), places=2).filter(bool)


@settings(max_examples=25)
@given(
    moves=st.lists(st.tuples(_KINDS, _REFERENCE, _CHANGE), max_size=60),
    opening=st.decimals(Decimal("-9999.99"), Decimal("9999.99"), places=2),
    language=st.sampled_from(LANGUAGES),
    currency=st.sampled_from(("DKK", "EUR")),
)
def test_any_statement_renders_with_every_movement_and_the_closing_balance(
    moves: list[tuple[LineKind, str, Decimal]], opening: Decimal, language: str, currency: str
) -> None:
    account = statement(
        [
            (START + timedelta(days=n % 60), kind, ref, change)
            for n, (kind, ref, change) in enumerate(moves)
        ],
        (),
        opening=opening,
        currency=currency,
    )
    text = text_of(render_statement(account, seller(), customer(language), today=TODAY))
    for line in account.lines:
        assert line.reference in text
    assert squashed(l10n.format_number(account.closing, language, 2)) in text
    if account.closing < 0:
        assert squashed(l10n.format_money(-account.closing, currency, language)) in text
