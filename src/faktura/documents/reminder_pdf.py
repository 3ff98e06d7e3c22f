"""The reminder (rykker) as a PDF: ``render_reminder``.

A letter in the customer's language (else the seller's): the seller and the customer,
the title by level ("1. rykker", "Payment reminder", "Zahlungserinnerung", ...), the
reminder's number and date, its opening text (the reminder's own, else the catalog's
for its level: friendly first, firm last), the overdue invoices (number, dates, days
overdue, amount, outstanding, interest; the header repeats on every page), the fee,
compensation and interest, the total to pay and the date to pay by, and how to pay:
the bank accounts, the FIK line for a DKK reminder with a FIK payment id of a seller
with a FIK creditor number, the EPC QR code for EUR.

The letter's machinery (``Letter``: page, fonts, the parties, the paged table, the
payment block, the metadata) is shared with the statement of account
(``faktura.documents.statement_pdf``). Only imported when a PDF is rendered (it imports
reportlab, through ``faktura.documents.paging``); rendering without the ``pdf`` extra is
a ConfigurationError from ``render_reminder``, which imports it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from faktura import locales
from faktura.documents import l10n
from faktura.errors import RenderError, ValidationError

if TYPE_CHECKING:
    from reportlab.platypus import Flowable, Table

    from faktura.dunning import Reminder
    from faktura.parties import Address, Company, Customer

__all__ = ["render_reminder"]

#: A table cell's left plus right padding in the letters' tables.
_PAD = 3


def letter_language(language: str | None, seller: Company, customer: Customer) -> str:
    """The locale a letter is written in: ``language`` when given, else the customer's,
    else the seller's (English for one faktura has no texts in), as invoices do it."""
    if language is not None:
        return l10n.document_locale(language, seller.locale)
    return l10n.document_locale(customer.language, seller.locale)


def texts(locale: str, table: str) -> Mapping[str, str]:
    """The catalog's ``table`` (``reminder``, ``statement``) in ``locale``'s language."""
    language = locale.split("_")[0]
    found: Mapping[str, str] = locales.catalog(
        language if language in l10n.SUPPORTED else l10n.FALLBACK
    )[table]
    return found


class Letter:
    """One letter being laid out: the page, the styles, the parties block, tables whose
    header repeats on every page, the payment block, "page X of Y" and the footer with
    the seller's identifiers. A subclass gives ``title``, ``facts`` and ``body``."""

    def __init__(self, seller: Company, customer: Customer, locale: str, currency: str) -> None:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        from faktura.documents.paging import MARGIN, WIDTH
        from faktura.documents.typeface import default_font

        self.seller, self.customer, self.locale, self.currency = seller, customer, locale, currency
        #: the width of the page's frame: the page less its margins and the frame's own
        #: padding (reportlab's 6 points a side), where paragraphs start and end
        self.usable = WIDTH - 2 * MARGIN - 12
        self.words = l10n.labels(locale)
        self.font = font = default_font()
        self.normal = ParagraphStyle("n", fontName=font.regular, fontSize=9, leading=11.5)
        self.small = ParagraphStyle("s", parent=self.normal, fontSize=7.5, leading=9.5)
        self.bold = ParagraphStyle("b", parent=self.normal, fontName=font.bold)
        self.right = ParagraphStyle("r", parent=self.normal, alignment=TA_RIGHT)
        self.right_bold = ParagraphStyle("rb", parent=self.bold, alignment=TA_RIGHT)
        self.ink = colors.HexColor("#222222")
        # a fact's label: as large as its value, so the two stand on one line, in grey
        self.label = ParagraphStyle("l", parent=self.normal, textColor=colors.HexColor("#666666"))
        self.small_label = ParagraphStyle("sl", parent=self.small, textColor=self.label.textColor)
        self.head = ParagraphStyle("h", parent=self.small, fontName=font.bold)
        self.head_right = ParagraphStyle("hr", parent=self.head, alignment=TA_RIGHT)
        self.title_style = ParagraphStyle(
            "t", parent=self.bold, fontSize=20, leading=24, textColor=self.ink
        )

    # -- what a letter says --------------------------------------------------------------

    def title(self) -> str:
        raise NotImplementedError

    def number(self) -> str:
        """What the continuation header names after the title (a number or a date)."""
        raise NotImplementedError

    def facts(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def body(self) -> list[Flowable]:
        raise NotImplementedError

    # -- text ----------------------------------------------------------------------------

    def drawable(self, value: str, field: str) -> str:
        """``value`` when the font draws every character of it, else a RenderError."""
        char = self.font.first_missing(value)
        if char is not None:
            raise RenderError(f"{field}: {self.font.refusal(char)}; register a font that can")
        return value

    def para(self, value: str, style: Any = None, field: str = "text") -> Flowable:
        from reportlab.platypus import Paragraph

        self.drawable(value, field)
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped.replace("\n", "<br/>"), style or self.normal)

    def money(self, amount: Decimal) -> str:
        return l10n.format_money(amount, self.currency, self.locale)

    def figure(self, amount: Decimal) -> str:
        """An amount in a table column: the number alone (the column names the currency)."""
        return l10n.format_number(amount, self.locale, 2)

    def day(self, value: date | None) -> str:
        return "" if value is None else l10n.format_date(value, self.locale)

    # -- blocks --------------------------------------------------------------------------

    def header(self) -> Flowable:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, Table

        rows = [
            [self.para(label, self.label, "label"), self.para(value, self.right, "header")]
            for label, value in self.facts()
        ]
        meta = Table(rows, colWidths=[34 * mm, 46 * mm])
        meta.setStyle(
            self.style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("PADDING", (0, 0), (-1, -1), 1)])
        )
        left: list[Flowable] = [self.para(self.title(), self.title_style, "title")]
        if self.seller.logo:
            try:
                image = Image(io.BytesIO(self.seller.logo))
            except Exception as exc:  # reportlab/PIL raise several kinds for a bad image
                raise RenderError(f"the logo is not a readable image: {exc}") from exc
            scale = min(40 * mm / image.imageWidth, 18 * mm / image.imageHeight, 1)
            image.drawWidth = image.imageWidth * scale
            image.drawHeight = image.imageHeight * scale
            image.hAlign = "LEFT"
            left.insert(0, image)
        table = Table([[left, meta]], colWidths=[self.usable - 80 * mm, 80 * mm])
        table.setStyle(self.style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return table

    def address(self, name: str, address: Address, extra: Sequence[str], party: str) -> list[Any]:
        lines = [name, *(v for v in (address.street, address.additional) if v)]
        city = " ".join(v for v in (address.postal_code, address.city) if v)
        if city:
            lines.append(city)
        if address.country != "DK":
            lines.append(l10n.country_name(address.country, self.locale))
        lines += extra
        return [
            self.para(lines[0], self.bold, f"{party}.name"),
            *(self.para(x, field=party) for x in lines[1:]),
        ]

    def parties(self) -> Flowable:
        from reportlab.lib.units import mm
        from reportlab.platypus import Table

        seller, customer, words = self.seller, self.customer, self.words
        seller_extra = []
        if seller.cvr:
            seller_extra.append(f"{words.registration_number} {seller.cvr}")
        if seller.vat_id:
            seller_extra.append(f"{words.vat_number} {seller.vat_id}")
        if seller.email:
            seller_extra.append(seller.email)
        buyer_extra = []  # the customer's number is one of the facts at the top
        if customer.vat_id:
            buyer_extra.append(f"{words.vat_number} {customer.vat_id}")
        buyer = [self.para(words.customer, self.small_label, "label")]
        buyer += self.address(customer.name, customer.address, buyer_extra, "customer")
        own = self.address(seller.name, seller.address, seller_extra, "company")
        # the seller's block lines up with the facts of the header above it
        table = Table([[buyer, own]], colWidths=[self.usable - 80 * mm, 80 * mm])
        table.setStyle(self.style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return table

    def style(self, commands: list[Any]) -> Any:
        """A TableStyle: the family's font for string cells, then ``commands``, then no
        padding on the outer sides, so that a table's text lines up with the paragraphs
        at the left margin and its figures end at the right one."""
        from reportlab.platypus import TableStyle

        return TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), self.normal.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), self.normal.fontSize),
                ("LEADING", (0, 0), (-1, -1), self.normal.leading),
                *commands,
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )

    def paged_table(
        self,
        labels: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        left_columns: int,
    ) -> Flowable:
        """A table of ``rows`` under a header of ``labels`` repeated on every page; the
        first ``left_columns`` columns are left-aligned, the others (figures) right."""
        from reportlab.lib import colors
        from reportlab.platypus import Table

        from faktura.documents.paging import PagedTable

        header = [
            self.para(label, self.head if n < left_columns else self.head_right, "label")
            for n, label in enumerate(labels)
        ]
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, self.ink),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
            ("ALIGN", (left_columns, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ]

        def make(start: int, end: int, heights: list[float | None]) -> Table:
            part = Table(
                [header, *(list(row) for row in rows[start:end])],
                colWidths=list(widths),
                repeatRows=1,
                rowHeights=heights,
            )
            part.setStyle(self.style(commands))
            return part

        return PagedTable(make, len(rows), self.normal.leading + 5)

    def sums(self, rows: Sequence[tuple[str, str, bool]]) -> Flowable:
        """Label and amount rows, right-aligned under a table; bold rows have a rule
        above them."""
        from reportlab.lib.units import mm
        from reportlab.pdfbase.pdfmetrics import stringWidth
        from reportlab.platypus import Table

        body = [
            [
                self.para(label, self.right_bold if strong else self.right, "totals"),
                self.drawable(value, "totals"),
            ]
            for label, value, strong in rows
        ]
        commands: list[Any] = [
            ("PADDING", (0, 0), (-1, -1), 2),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for n, (_, _, strong) in enumerate(rows):
            if strong:
                commands.append(("FONTNAME", (1, n), (1, n), self.font.bold))
                commands.append(("LINEABOVE", (0, n), (-1, n), 0.8, self.ink))
        # as wide as the labels need (at most the page), against the right margin: the
        # rule over a total spans the label and the amount, not the empty page beside
        label = max(stringWidth(label, self.font.bold, 9) for label, _, _ in rows) + 8
        widths = [min(max(label, 60 * mm), self.usable - 40 * mm), 40 * mm]
        table = Table(body, colWidths=widths, hAlign="RIGHT")
        table.setStyle(self.style(commands))
        return table

    def payment(self, lines: Sequence[str], qr: list[Flowable] | None) -> list[Flowable]:
        """The payment block: its heading and ``lines``, the QR code beside them."""
        from reportlab.lib.units import mm
        from reportlab.platypus import Table

        block: list[Flowable] = [self.para(self.words.payment, self.bold)]
        block += [self.para(line, field="payment") for line in lines]
        if qr is None:
            return block
        table = Table([[block, qr]], colWidths=[self.usable - 34 * mm, 34 * mm])
        table.setStyle(self.style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [table]

    def epc_qr(self, amount: Decimal, text: str) -> list[Flowable] | None:
        """The EPC/SEPA QR code paying ``amount``, for EUR with an IBAN, else None."""
        from reportlab.lib.units import mm
        from reportlab.platypus import Image

        bank = self.seller.bank
        if self.currency != "EUR" or bank is None or not bank.iban or amount <= 0:
            return None
        from faktura.documents.qr import epc_payload, epc_qr_png

        payload = epc_payload(
            name=self.seller.name[:70], iban=bank.iban, bic=bank.bic, amount=amount, text=text
        )
        image = Image(io.BytesIO(epc_qr_png(payload, 4)), width=30 * mm, height=30 * mm)
        return [image, self.para(self.words.scan_to_pay, self.small)]

    # -- the document --------------------------------------------------------------------

    def pdf(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate, Spacer

        from faktura.documents.paging import MARGIN, numbered_canvas

        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 8 * mm,
            invariant=1,
            title="",
            initialFontName=self.font.regular,
        )
        story = [self.header(), Spacer(1, 8 * mm), self.parties(), Spacer(1, 7 * mm)]
        story += self.body()
        document.build(
            story,
            onFirstPage=self.decorate,
            onLaterPages=self.decorate,
            canvasmaker=numbered_canvas(self.words.page, self.font.regular),
        )
        return buffer.getvalue()

    def decorate(self, canvas: Any, _: Any) -> None:
        """The footer with the seller's identifiers on every page; on every page after
        the first, the title and number at the top."""
        from reportlab.lib import colors
        from reportlab.lib.units import mm

        from faktura.documents.paging import HEIGHT, MARGIN

        seller, words = self.seller, self.words
        canvas.saveState()
        if canvas.getPageNumber() > 1:
            canvas.setFillColor(self.ink)
            canvas.setFont(self.font.bold, 10)
            header = self.drawable(f"{self.title()} {self.number()}", "header")
            canvas.drawString(MARGIN, HEIGHT - 12 * mm, header)
        parts = [seller.name]
        if seller.cvr:
            parts.append(f"{words.registration_number} {seller.cvr}")
        if seller.vat_id:
            parts.append(f"{words.vat_number} {seller.vat_id}")
        if seller.email:
            parts.append(seller.email)
        canvas.setFont(self.font.regular, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 10 * mm, self.drawable(" · ".join(parts), "company"))
        canvas.restoreState()


def render_letter(
    make: Callable[[], Letter], *, title: str, author: str, subject: str, created: datetime
) -> bytes:
    """The letter ``make`` lays out, as PDF bytes with its metadata (dated ``created``,
    never the wall clock: the same input gives the same bytes). A failure of the layout
    is a RenderError, never reportlab's own exception."""
    from faktura.documents import pdf

    pdf.require_pdf_extra()
    with pdf._RENDERING:
        try:
            raw = make().pdf()
        except (RenderError, ValidationError):
            raise
        except Exception as exc:
            raise RenderError(f"the document could not be laid out: {exc}") from exc
        return pdf._post_process(
            raw,
            watermark=None,
            title=title,
            author=author,
            subject=subject,
            created=created,
            attachments={},
        )


# -- the reminder ------------------------------------------------------------------------


def reminder_title(level: int, locale: str) -> str:
    """The title of a reminder of ``level`` in ``locale``'s language."""
    words = texts(locale, "reminder")
    return words["title_first"] if level == 1 else words["title"].format(level=level)


class _ReminderLetter(Letter):
    def __init__(
        self,
        reminder: Reminder,
        seller: Company,
        customer: Customer,
        locale: str,
        pay_by: date,
        last: bool,
    ) -> None:
        super().__init__(seller, customer, locale, reminder.currency)
        self.reminder, self.pay_by, self.last = reminder, pay_by, last
        self.own = texts(locale, "reminder")

    def title(self) -> str:
        return reminder_title(self.reminder.level, self.locale)

    def number(self) -> str:
        return f"{self.reminder.number} · {self.day(self.reminder.issue_date)}"

    def facts(self) -> list[tuple[str, str]]:
        reminder, words = self.reminder, self.words
        facts = [
            (self.own["number"], reminder.number),
            (words.date, self.day(reminder.issue_date)),
        ]
        if self.customer.number:
            facts.append((words.customer_number, self.customer.number))
        facts.append((words.currency, reminder.currency))
        return facts

    def intro(self) -> str:
        if self.reminder.text:
            return self.reminder.text
        if self.last:
            key = "intro_final"
        elif self.reminder.level == 1:
            key = "intro_first"
        else:
            key = "intro_second"
        return self.own[key].format(date=self.day(self.pay_by))

    def body(self) -> list[Flowable]:
        from reportlab.lib.units import mm
        from reportlab.platypus import KeepTogether, Spacer

        reminder, own = self.reminder, self.own
        intro = [self.para(self.intro(), field="text")]
        if not reminder.text:  # a reminder's own text says what it wants to say
            intro += [Spacer(1, 2 * mm), self.para(own["already_paid"])]
        story: list[Flowable] = [*intro, Spacer(1, 6 * mm), self.items(), Spacer(1, 4 * mm)]
        sums = [(own["owed"], self.money(reminder.owed_on_invoices), False)]
        if reminder.fee:
            sums.append((own["fee"], self.money(reminder.fee), False))
        if reminder.compensation:
            sums.append((own["compensation"], self.money(reminder.compensation), False))
        if reminder.interest:
            sums.append((own["interest"], self.money(reminder.interest), False))
        sums.append((own["to_pay"], self.money(reminder.to_pay), True))
        closing: list[Flowable] = [self.sums(sums), Spacer(1, 2 * mm)]
        pay_by = own["pay_by"].format(date=self.day(self.pay_by))
        closing.append(self.para(pay_by, self.right_bold))
        if reminder.charges:
            closing += [Spacer(1, 2 * mm), self.para(own["law"], self.small)]
        story.append(KeepTogether(closing))
        story.append(Spacer(1, 6 * mm))
        qr = self.epc_qr(reminder.to_pay, f"{self.title()} {reminder.number}")
        story.append(KeepTogether(self.payment(self.payment_lines(), qr)))
        return story

    def items(self) -> Flowable:
        from reportlab.lib.units import mm

        words, own, reminder = self.words, self.own, self.reminder
        labels = [
            words.invoice_number,
            own["invoice_date"],
            words.due_date,
            own["days_overdue"],
            f"{words.amount} ({reminder.currency})",
            own["outstanding"],
            own["interest"],
        ]
        dates, days, figure = 22 * mm, 15 * mm, 25 * mm
        first = self.usable - 2 * dates - days - 3 * figure
        rows = []
        for n, item in enumerate(reminder.items):
            overdue = (
                item.days_overdue
                if item.interest_to is not None
                else max((reminder.issue_date - item.due_date).days, 0)
            )
            rows.append(
                [
                    self.para(item.number, field=f"items.{n}.number"),
                    self.day(item.issue_date),
                    self.day(item.due_date),
                    l10n.format_number(Decimal(overdue), self.locale),
                    self.figure(item.amount),
                    self.figure(item.outstanding),
                    self.figure(item.interest),
                ]
            )
        widths = [first, dates, dates, days, figure, figure, figure]
        return self.paged_table(labels, rows, widths, 3)

    def payment_lines(self) -> list[str]:
        from faktura.documents.fik import fik_line
        from faktura.documents.payment import bank_lines

        reminder, seller, words = self.reminder, self.seller, self.words
        lines = bank_lines(seller, self.locale)
        fik = None
        if reminder.payment_id and seller.fik_creditor and reminder.currency == "DKK":
            try:
                fik = fik_line(reminder.payment_id, seller.fik_creditor)
            except ValidationError:
                fik = None  # not a FIK payment id: shown as the reference below
        if fik is not None:
            lines.append(f"{words.fik}: {fik}")
        elif reminder.payment_id:
            lines.append(f"{self.own['payment_reference']}: {reminder.payment_id}")
        if seller.payee is not None:
            lines.insert(0, f"{words.payee}: {seller.payee.name}")
        lines.append(self.own["payment_instruction"].format(number=reminder.number))
        return lines


def render_reminder(
    reminder: Reminder,
    seller: Company,
    customer: Customer,
    *,
    pay_by: date,
    language: str | None = None,
    last: bool | None = None,
) -> bytes:
    """The reminder as PDF bytes, in ``language`` (None: the reminder's own language,
    else the customer's, else the seller's; English for a language faktura has no texts
    in), asking to be paid by ``pay_by``.

    ``last`` says that this is the policy's last reminder, which opens firmly (the
    matter goes to debt collection); None: from level 3 on, as renteloven's three
    reminders with a fee. A reminder with its own ``text`` opens with that instead.

    Raises ConfigurationError without the pdf extra, RenderError when a text holds a
    character the font cannot draw.
    """
    locale = letter_language(language or reminder.language, seller, customer)
    final = reminder.level >= 3 if last is None else last
    title = f"{reminder_title(reminder.level, locale)} {reminder.number}"
    return render_letter(
        lambda: _ReminderLetter(reminder, seller, customer, locale, pay_by, final),
        title=title,
        author=seller.name,
        subject=reminder_title(reminder.level, locale),
        created=reminder.created_at.astimezone(UTC),
    )


def midnight(day: date) -> datetime:
    """``day`` at midnight UTC: a document's time when it has no other."""
    return datetime.combine(day, time(0), UTC)
