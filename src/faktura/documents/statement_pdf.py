"""The statement of account (kontoudtog) as a PDF: ``render_statement``.

A letter in the customer's language (else the seller's): the seller and the customer,
the title, the statement's date, period and currency, the opening balance, every
movement of the period (date, what it was and its reference, debit, credit, the balance
after it; the header repeats on every page), the closing balance, said in words as well
(owed, settled, or the customer's credit), the items still open (reference, date, due
date, open amount) with their total and what of it is overdue, and how to pay (the
seller's bank accounts).

Laid out with the reminder's machinery (``faktura.documents.reminder_pdf.Letter``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from faktura.documents.reminder_pdf import Letter, letter_language, midnight, render_letter, texts

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from faktura.parties import Company, Customer
    from faktura.receivables import OpenItem, Statement

__all__ = ["render_statement"]


class _StatementLetter(Letter):
    def __init__(
        self, statement: Statement, seller: Company, customer: Customer, locale: str, today: date
    ) -> None:
        super().__init__(seller, customer, locale, statement.currency)
        self.statement, self.today = statement, today
        self.own = texts(locale, "statement")

    def title(self) -> str:
        return self.own["title"]

    def number(self) -> str:
        return f"· {self.day(self.today)}"

    def facts(self) -> list[tuple[str, str]]:
        statement, words = self.statement, self.words
        period = f"{self.day(statement.start)} – {self.day(statement.end)}"
        facts = [(words.date, self.day(self.today)), (self.own["period"], period)]
        if self.customer.number:
            facts.append((words.customer_number, self.customer.number))
        facts.append((words.currency, statement.currency))
        return facts

    def body(self) -> list[Flowable]:
        from reportlab.lib.units import mm
        from reportlab.platypus import KeepTogether, Spacer

        from faktura.documents.payment import bank_lines

        statement, own = self.statement, self.own
        story: list[Flowable] = [self.movements(), Spacer(1, 3 * mm)]
        if not statement.lines:
            story.insert(0, Spacer(1, 1 * mm))
            story.insert(1, self.para(own["no_movements"]))
        closing = statement.closing
        if closing > 0:
            words = own["balance_owed"].format(amount=self.money(closing))
        elif closing < 0:
            words = own["balance_credit"].format(amount=self.money(-closing))
        else:
            words = own["balance_settled"]
        story.append(self.para(words, self.bold, "closing"))
        story.append(Spacer(1, 7 * mm))
        if statement.open_items:
            story += [self.para(own["open_items"], self.bold), Spacer(1, 2 * mm)]
            story += [self.open_items(), Spacer(1, 3 * mm)]
            sums = [
                (own["open_total"], self.money(statement.open_total), True),
                (own["overdue"], self.money(statement.overdue(self.today)), False),
            ]
            story += [KeepTogether([self.sums(sums)]), Spacer(1, 7 * mm)]
        lines = bank_lines(self.seller, self.locale)
        if lines:
            story.append(KeepTogether(self.payment(lines, None)))
        return story

    def movements(self) -> Flowable:
        from reportlab.lib.units import mm

        statement, own, words = self.statement, self.own, self.words
        labels = [
            words.date,
            own["text"],
            f"{own['debit']} ({statement.currency})",
            own["credit"],
            own["balance"],
        ]
        day, figure = 26 * mm, 28 * mm
        widths = [day, self.usable - day - 3 * figure, figure, figure, figure]
        rows: list[list[Any]] = [
            [self.day(statement.start), self.para(own["opening"], self.bold), "", "", ""]
        ]
        rows[0][4] = self.figure(statement.opening)
        for n, line in enumerate(statement.lines):
            text = own[f"kind_{line.kind.value}"]
            if line.reference:
                text = f"{text} {line.reference}"
            rows.append(
                [
                    self.day(line.date),
                    self.para(text, field=f"lines.{n}.reference"),
                    self.figure(line.debit) if line.debit else "",
                    self.figure(line.credit) if line.credit else "",
                    self.figure(line.balance),
                ]
            )
        rows.append(
            [
                self.day(statement.end),
                self.para(own["closing"], self.bold),
                "",
                "",
                self.figure(statement.closing),
            ]
        )
        return self.paged_table(labels, rows, widths, 2)

    def open_item_text(self, item: OpenItem) -> str:
        own = self.own
        if item.kind == "credit_balance":
            return own["credit_balance"]
        kind = self.reminder_word() if item.kind == "reminder" else own["kind_invoice"]
        return f"{kind} {item.reference}".strip()

    def reminder_word(self) -> str:
        """ "Rykker", "Reminder", ...: the reminder's kind without its "(fee and
        interest)"."""
        return self.own["kind_reminder"].split(" (")[0]

    def open_items(self) -> Flowable:
        from reportlab.lib.units import mm

        statement, own, words = self.statement, self.own, self.words
        labels = [
            words.description,
            words.date,
            words.due_date,
            f"{own['open']} ({statement.currency})",
        ]
        day, figure = 30 * mm, 34 * mm
        widths = [self.usable - 2 * day - figure, day, day, figure]
        rows = [
            [
                self.para(self.open_item_text(item), field=f"open_items.{n}.reference"),
                self.day(item.issue_date),
                self.day(item.due_date),
                self.figure(item.open),
            ]
            for n, item in enumerate(statement.open_items)
        ]
        return self.paged_table(labels, rows, widths, 3)


def render_statement(
    statement: Statement,
    seller: Company,
    customer: Customer,
    *,
    today: date,
    language: str | None = None,
) -> bytes:
    """The statement of account as PDF bytes, dated ``today`` (which also decides what
    of the open items is overdue), in ``language`` (None: the customer's, else the
    seller's; English for a language faktura has no texts in).

    Raises ConfigurationError without the pdf extra, RenderError when a text holds a
    character the font cannot draw.
    """
    locale = letter_language(language, seller, customer)
    title = texts(locale, "statement")["title"]
    return render_letter(
        lambda: _StatementLetter(statement, seller, customer, locale, today),
        title=f"{title} {customer.name}",
        author=seller.name,
        subject=title,
        created=midnight(today),
    )
