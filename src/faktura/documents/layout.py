"""The built-in PDF layouts, on reportlab: "default" (classic) and "modern".

Both lay the same content out in a different style: seller and buyer blocks, the
document's facts, the line table (descriptions wrap; the header repeats on every
page), allowances and charges, the VAT breakdown with exemption texts, totals on the
last page, the payment block (bank, IBAN/BIC, FIK line, EPC QR for EUR), notes and a
footer with the company's identifiers; every page says "page X of Y". Only imported
when a PDF is rendered (it imports reportlab).

Why one file of more than 500 lines: it has one job, laying a document out.
``_Renderer`` draws it top to bottom, a method per block in the order the blocks
appear on the page (header, parties, line table, totals, payment, notes), and every
block draws with the same texts, paragraph styles and formatting helpers the renderer
holds; split into modules, each block would need all of them handed over, and the page
would no longer read in its order. What does not depend on the document, the page and
its mechanics (the repeated table header, "page X of Y"), is ``faktura.documents.paging``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from faktura.documents import l10n
from faktura.documents.data import DocumentData
from faktura.documents.paging import HEIGHT as _HEIGHT
from faktura.documents.paging import MARGIN as _MARGIN
from faktura.documents.paging import WIDTH as _WIDTH
from faktura.documents.paging import PagedTable as _PagedTable
from faktura.documents.paging import numbered_canvas as _numbered_canvas
from faktura.documents.payment import payment_lines
from faktura.documents.typeface import FontSpec, default_font, register_ttf
from faktura.errors import RenderError, ValidationError
from faktura.items import GTIN_SCHEME
from faktura.lines import ProductLine, SeparatorLine
from faktura.status import DocumentKind
from faktura.vat import VatCategory

__all__ = ["CLASSIC", "MODERN", "FontSpec", "Layout", "register_ttf"]

#: reportlab's default LEFTPADDING plus RIGHTPADDING of a table cell, which the line
#: table keeps: a cell's text is that much narrower than its column.
_CELL_PADDING = 6 + 6
#: The line table's TOPPADDING and BOTTOMPADDING.
_ROW_PADDING = 3


@attrs.frozen
class Style:
    """What makes a layout look like itself."""

    accent: Any
    header_band: bool
    grid: bool
    title_size: float


class Layout:
    """A built-in template: the shared content, drawn in one ``Style``, written with
    ``font`` or, without one, the default family (``faktura.documents.fonts``)."""

    def __init__(self, template_id: str, style: Style, font: FontSpec | None = None) -> None:
        self._id = template_id
        self.style = style
        self._font = font

    @property
    def id(self) -> str:
        return self._id

    @property
    def font(self) -> FontSpec:
        """The family this layout writes with now."""
        return self._font or default_font()

    def with_font(self, font: FontSpec, template_id: str | None = None) -> Layout:
        """The same layout writing with ``font`` (e.g. one from ``register_ttf``)."""
        return Layout(template_id or self._id, self.style, font)

    def render(self, data: DocumentData) -> bytes:
        try:
            return _Renderer(data, self).pdf()
        except (RenderError, ValidationError):
            raise
        except Exception as exc:  # a layout failure must not surface as reportlab's
            raise RenderError(f"the document could not be laid out: {exc}") from exc


class _Renderer:
    """One document being laid out (holds the texts, styles and formatting helpers)."""

    def __init__(self, data: DocumentData, layout: Layout) -> None:
        self.data = data
        self.layout = layout
        self.invoice = data.invoice
        self.locale = data.language
        self.words = l10n.labels(self.locale)
        self.font = font = layout.font
        self.normal = ParagraphStyle("n", fontName=font.regular, fontSize=9, leading=11.5)
        self.small = ParagraphStyle("s", parent=self.normal, fontSize=7.5, leading=9.5)
        self.bold = ParagraphStyle("b", parent=self.normal, fontName=font.bold)
        self.right = ParagraphStyle("r", parent=self.normal, alignment=TA_RIGHT)
        self.right_bold = ParagraphStyle("rb", parent=self.bold, alignment=TA_RIGHT)
        self.title = ParagraphStyle(
            "t",
            parent=self.bold,
            fontSize=layout.style.title_size,
            leading=layout.style.title_size * 1.2,
            textColor=layout.style.accent,
        )

    # -- text ------------------------------------------------------------------------------

    def drawable(self, value: str, field: str) -> str:
        """``value`` unchanged when the font draws every character of it, else a
        RenderError naming the field and the first one it cannot (never a silently
        missing glyph)."""
        char = self.font.first_missing(value)
        if char is not None:
            raise RenderError(f"{field}: {self.font.refusal(char)}; register a font that can")
        return value

    def text(self, value: str, field: str) -> str:
        """``value`` escaped for a Paragraph, after checking the font can draw it."""
        self.drawable(value, field)
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return escaped.replace("\n", "<br/>")

    def table_style(self, commands: list[Any]) -> TableStyle:
        """``commands`` after the family's font for string cells, in the normal
        paragraph's size: a figure is drawn as a string (no paragraph to parse and wrap),
        looking as a paragraph would; no unembedded core font is ever referenced."""
        normal = self.normal
        return TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), normal.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), normal.fontSize),
                ("LEADING", (0, 0), (-1, -1), normal.leading),
                *commands,
            ]
        )

    def cell(self, value: str, field: str = "text") -> str:
        """A one-line figure for a table cell, after checking the font can draw it."""
        return self.drawable(value, field)

    def para(self, value: str, style: ParagraphStyle | None = None, field: str = "text") -> Any:
        return Paragraph(self.text(value, field), style or self.normal)

    def fitted(self, value: str, width: float, field: str = "text") -> Any:
        """A table cell of ``value`` in the normal style, in a column ``width`` wide: the
        plain string when a paragraph would draw it as it is on one line (printable, no
        space to collapse, narrower than the column less its padding), drawn in the same
        font, size and place without a paragraph to parse, wrap and draw; else the
        paragraph, which wraps it."""
        normal = self.normal
        if (
            value.isprintable()
            and value == value.strip()
            and "  " not in value
            # a hundredth of a point to spare: a paragraph measures word by word
            and stringWidth(value, normal.fontName, normal.fontSize) < width - _CELL_PADDING - 0.01
        ):
            return self.drawable(value, field)
        return self.para(value, field=field)

    def money(self, amount: Decimal) -> str:
        sign = -1 if self.invoice.kind is DocumentKind.CREDIT_NOTE and amount else 1
        return l10n.format_money(amount * sign, self.invoice.currency, self.locale)

    # -- blocks ----------------------------------------------------------------------------

    def pdf(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN + (14 * mm if self.layout.style.header_band else 0),
            bottomMargin=_MARGIN + 8 * mm,
            invariant=1,
            title="",
            initialFontName=self.font.regular,  # no unembedded core font on the page
        )
        story: list[Flowable] = [
            self.header(),
            Spacer(1, 8 * mm),
            self.parties(),
            Spacer(1, 6 * mm),
            self.lines_table(),
            Spacer(1, 4 * mm),
            # Only the totals stay together: when the payment block does not fit under
            # them, it follows on the next page rather than taking the totals with it.
            KeepTogether([*self.prices_note(), self.totals()]),
            Spacer(1, 5 * mm),
            *[KeepTogether(block) for block in [self.payment()] if block],
            *self.notes(),
        ]
        document.build(
            story,
            onFirstPage=self.decorate,
            onLaterPages=self.decorate,
            canvasmaker=_numbered_canvas(self.words.page, self.font.regular),
        )
        return buffer.getvalue()

    def decorate(self, canvas: Canvas, _: Any) -> None:
        """Band (modern) and footer with the company's identifiers, on every page; on
        every page after the first, the document's title, number and date at the top."""
        company = self.data.company
        canvas.saveState()
        if self.layout.style.header_band:
            canvas.setFillColor(self.layout.style.accent)
            canvas.rect(0, _HEIGHT - 16 * mm, _WIDTH, 16 * mm, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            canvas.setFont(self.font.bold, 13)
            canvas.drawString(
                _MARGIN, _HEIGHT - 10.5 * mm, self.drawable(company.name, "company.name")
            )
        if canvas.getPageNumber() > 1:
            self.continuation(canvas)
        parts = [company.name]
        if company.cvr:
            parts.append(f"{self.words.registration_number} {company.cvr}")
        if company.vat_id:
            parts.append(f"{self.words.vat_number} {company.vat_id}")
        if company.email:
            parts.append(company.email)
        footer = " · ".join(parts)
        self.drawable(footer, "company")
        canvas.setFont(self.font.regular, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(_MARGIN, 10 * mm, footer)
        canvas.restoreState()

    def continuation(self, canvas: Canvas) -> None:
        """The small header of a continuation page: "Faktura 12 · 25. nov. 2026"."""
        words, invoice = self.words, self.invoice
        number = invoice.number or words.draft_number
        date = l10n.format_date(invoice.issue_date, self.locale)
        text = self.drawable(f"{words.title(invoice.kind)} {number} · {date}", "header")
        if self.layout.style.header_band:  # in the band, opposite the company's name
            canvas.setFillColor(colors.white)
            canvas.setFont(self.font.bold, 10)
            canvas.drawRightString(_WIDTH - _MARGIN, _HEIGHT - 10 * mm, text)
        else:
            canvas.setFillColor(self.layout.style.accent)
            canvas.setFont(self.font.bold, 10)
            canvas.drawString(_MARGIN, _HEIGHT - 12 * mm, text)

    def header(self) -> Flowable:
        words, invoice = self.words, self.invoice
        title = self.para(words.title(invoice.kind), self.title, "title")
        facts: list[tuple[str, str]] = [
            (words.number_label(invoice.kind), invoice.number or words.draft_number),
            (words.date, l10n.format_date(invoice.issue_date, self.locale)),
        ]
        delivered = invoice.effective_delivery_date
        if delivered is not None:
            facts.append((words.delivery_date, l10n.format_date(delivered, self.locale)))
        if invoice.period_start is not None and invoice.period_end is not None:
            start = l10n.format_date(invoice.period_start, self.locale)
            end = l10n.format_date(invoice.period_end, self.locale)
            facts.append((words.delivery_period, f"{start} – {end}"))
        if invoice.kind is DocumentKind.INVOICE:
            facts.append((words.due_date, l10n.format_date(invoice.due_date, self.locale)))
        if self.data.customer.number:
            facts.append((words.customer_number, self.data.customer.number))
        if invoice.reference:
            facts.append((words.reference, invoice.reference))
        if invoice.our_reference:
            facts.append((words.our_reference, invoice.our_reference))
        references = invoice.references
        for label, value in (
            (words.order_reference, references.order),
            (words.sales_order, references.sales_order),
            (words.contract, references.contract),
            (words.project, references.project),
            (words.buyer_accounting, references.buyer_accounting),
        ):
            if value:
                facts.append((label, value))
        facts.append((words.currency, invoice.currency))
        rows = [
            [self.para(label, self.small, "label"), self.para(value, self.right, "header")]
            for label, value in facts
        ]
        # The value column fits the draft's "no number yet" on one line in every language.
        meta = Table(rows, colWidths=[30 * mm, 50 * mm])
        meta.setStyle(
            self.table_style(
                [("VALIGN", (0, 0), (-1, -1), "TOP"), ("PADDING", (0, 0), (-1, -1), 1)]
            )
        )
        left: list[Flowable] = [title]
        if invoice.credited_invoice_number:
            credited = (
                words.credit_note_for_dated.format(
                    number=invoice.credited_invoice_number,
                    date=l10n.format_date(invoice.credited_invoice_date, self.locale),
                )
                if invoice.credited_invoice_date is not None
                else words.credit_note_for.format(number=invoice.credited_invoice_number)
            )
            left.append(self.para(credited, self.bold))
        if invoice.credit_reason:
            reason = words.credit_reason.format(reason=invoice.credit_reason)
            left.append(self.para(reason, field="credit_reason"))
        if self.data.logo:
            left.insert(0, self.logo())
        table = Table([[left, meta]], colWidths=[_WIDTH - 2 * _MARGIN - 80 * mm, 80 * mm])
        table.setStyle(self.table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return table

    def logo(self) -> Flowable:
        try:
            image = Image(io.BytesIO(self.data.logo or b""))
        except Exception as exc:  # reportlab/PIL raise several kinds for a bad image
            raise RenderError(f"the logo is not a readable image: {exc}") from exc
        scale = min(40 * mm / image.imageWidth, 18 * mm / image.imageHeight, 1)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "LEFT"
        return image

    def address(self, name: str, address: Any, extra: Sequence[str], party: str) -> list[Flowable]:
        lines = [name]
        if address is not None:
            lines += [v for v in (address.street, address.additional) if v]
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
        company, customer, invoice, words = (
            self.data.company,
            self.data.customer,
            self.invoice,
            self.words,
        )
        seller_extra = []
        if company.cvr:
            seller_extra.append(f"{words.registration_number} {company.cvr}")
        if company.vat_id:
            seller_extra.append(f"{words.vat_number} {company.vat_id}")
        department = (
            customer.department(invoice.customer_department_id)
            if invoice.customer_department_id
            else None
        )
        buyer_extra = []
        if department is not None:
            buyer_extra.append(f"{words.department}: {department.name}")
        ean = department.ean if department is not None and department.ean else customer.ean
        if ean:
            buyer_extra.append(f"{words.ean} {ean}")
        if customer.vat_id:
            buyer_extra.append(f"{words.vat_number} {customer.vat_id}")
        contact = (
            customer.contact(invoice.customer_contact_id) if invoice.customer_contact_id else None
        )
        if contact is not None:
            buyer_extra.append(f"{words.contact}: {contact.name}")
        address = department.address if department and department.address else customer.address
        buyer = [self.para(words.customer, self.small, "label")]
        buyer += self.address(customer.name, address, buyer_extra, "customer")
        buyer += self.deliver_to()
        seller = self.address(company.name, company.address, seller_extra, "company")
        half = (_WIDTH - 2 * _MARGIN) / 2
        table = Table([[buyer, seller]], colWidths=[half, half])
        table.setStyle(self.table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return table

    def deliver_to(self) -> list[Flowable]:
        """The deliver-to block (BG-13) under the buyer, when the document names one."""
        deliver_to, words = self.invoice.deliver_to, self.words
        if deliver_to is None:
            return []
        extra = []
        if deliver_to.location_id is not None:
            extra.append(f"{words.delivery_location} {deliver_to.location_id}")
        block = [Spacer(1, 3 * mm), self.para(words.delivery_address, self.small, "label")]
        if deliver_to.name is not None:
            return block + self.address(deliver_to.name, deliver_to.address, extra, "deliverTo")
        lines = self.address("", deliver_to.address, extra, "deliverTo")[1:]
        return block + lines

    def lines_table(self) -> Flowable:
        words, totals = self.words, self.invoice.totals
        labels = (
            words.description,
            words.quantity,
            words.unit,
            words.unit_price,
            words.discount,
            words.amount_incl_vat if self.invoice.prices_include_vat else words.amount,
        )
        usable = _WIDTH - 2 * _MARGIN
        widths = [usable - 118 * mm, 18 * mm, 18 * mm, 26 * mm, 20 * mm, 36 * mm]
        header: list[Any] = [self.cell(label, "label") for label in labels]
        body: list[list[Any]] = []
        spans: dict[int, int] = {}  # a body row whose first cell spans to a column
        for index, (line, amounts) in enumerate(zip(self.invoice.lines, totals.lines, strict=True)):
            field = f"lines.{index}.description"
            if isinstance(line, ProductLine) and amounts is not None:
                details = self.line_details(line, f"lines.{index}")
                body.append(
                    [
                        [self.para(line.description, field=field), *details]
                        if details
                        else self.fitted(line.description, widths[0], field),
                        self.cell(l10n.format_number(line.quantity, self.locale)),
                        self.fitted(l10n.unit_name(line.unit, self.locale), widths[2]),
                        self.cell(l10n.format_number(line.unit_price, self.locale, 2)),
                        self.cell(
                            l10n.format_percent(line.discount_percent, self.locale)
                            if line.discount_percent
                            else ""
                        ),
                        self.cell(self.money(amounts.net_incl or amounts.net)),
                    ]
                )
            else:
                style = self.bold if isinstance(line, SeparatorLine) else self.normal
                body.append([self.para(line.description, style, field), "", "", "", "", ""])
                spans[len(body) - 1] = -1
        for index, (item, amount) in enumerate(
            zip(self.invoice.allowance_charges, totals.allowance_charges, strict=True)
        ):
            label = words.charge if item.charge else words.allowance
            value = amount if item.charge else -amount
            reason = f"{label}: {item.reason}" if item.reason else label
            body.append(
                [
                    self.para(reason, field=f"allowanceCharges.{index}.reason"),
                    "",
                    "",
                    "",
                    "",
                    self.cell(self.money(value)),
                ]
            )
            spans[len(body) - 1] = -2
        accent = self.layout.style.accent
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, accent),
            ("BOTTOMPADDING", (0, 0), (-1, -1), _ROW_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), _ROW_PADDING),
            ("FONTNAME", (0, 0), (-1, 0), self.font.bold),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ]
        if self.layout.style.grid:
            commands.append(("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey))
        else:
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, colors.whitesmoke]))

        def table(start: int, end: int, heights: list[float | None]) -> Table:
            """The header and body rows ``start`` to ``end``; ``heights``: the header's and
            those rows' heights where measured before, else None."""
            rows = [header, *body[start:end]]
            part = Table(rows, colWidths=widths, repeatRows=1, rowHeights=heights)
            style: list[Any] = []
            for command in commands:
                if start and command[0] == "LINEBELOW" and command[1][1] > 0:
                    # as reportlab splits a table: a rule under every row is drawn
                    # again above the first row after a page break
                    style.append(
                        ("LINEABOVE", (command[1][0], 1), (command[2][0], 1), *command[3:])
                    )
                style.append(command)
            style += [
                ("SPAN", (0, row - start + 1), (spans[row], row - start + 1))
                for row in range(start, end)
                if row in spans
            ]
            part.setStyle(self.table_style(style))
            return part

        # every row is at least one line of the normal style high
        return _PagedTable(table, len(body), self.normal.leading + 2 * _ROW_PADDING)

    def line_details(self, line: ProductLine, path: str) -> list[Flowable]:
        """What a product line says beyond its description, in small text under it: its
        note (BT-127), its period (BG-26), and its item's identifiers, origin,
        classifications and attributes (BT-156 to BT-161); nothing for most lines."""
        words, locale = self.words, self.locale
        shown: list[Flowable] = []
        if line.note is not None:
            shown.append(self.para(line.note, self.small, f"{path}.note"))
        if line.period_start is not None and line.period_end is not None:
            start = l10n.format_date(line.period_start, locale)
            end = l10n.format_date(line.period_end, locale)
            shown.append(self.para(f"{words.delivery_period}: {start} – {end}", self.small))
        item = line.item
        if not item:
            return shown
        facts: list[str] = []
        if item.buyer_id is not None:
            facts.append(f"{words.buyer_item_id} {item.buyer_id}")
        if item.standard_id is not None:
            if item.standard_scheme == GTIN_SCHEME:
                facts.append(f"GTIN {item.standard_id}")
            else:
                scheme = item.standard_scheme
                facts.append(f"{words.standard_item_id} {item.standard_id} ({scheme})")
        if item.origin_country is not None:
            country = l10n.country_name(item.origin_country, locale)
            facts.append(f"{words.origin_country}: {country}")
        facts += [f"{words.item_classification} {c.list_id} {c.code}" for c in item.classifications]
        facts += [f"{a.name}: {a.value}" for a in item.attributes]
        if facts:
            shown.append(self.para(" · ".join(facts), self.small, f"{path}.item"))
        return shown

    def prices_note(self) -> list[Flowable]:
        """Above the totals, when the line amounts include VAT: they are not the net
        subtotal under them."""
        if not self.invoice.prices_include_vat:
            return []
        note = ParagraphStyle("pn", parent=self.small, alignment=TA_RIGHT)
        return [self.para(self.words.prices_include_vat, note), Spacer(1, 1 * mm)]

    def totals(self) -> Flowable:
        words, totals = self.words, self.invoice.totals
        rows: list[tuple[str, str, bool]] = [(words.subtotal, self.money(totals.subtotal), False)]
        for group in totals.vat_breakdown:
            rate = l10n.format_percent(group.rate, self.locale)
            base = self.money(group.taxable)
            if group.category is VatCategory.S:
                label = f"{words.vat} {rate} ({words.taxable_amount} {base})"
            else:
                reason = group.exemption.reason if group.exemption else None
                text = l10n.exemption_text(group.category, self.locale, reason)
                named = f"{words.vat} {rate}: {text}" if text else f"{words.vat} {rate}"
                label = f"{named} ({words.taxable_amount} {base})"
            rows.append((label, self.money(group.vat), False))
        rows.append((f"{words.total} {self.invoice.currency}", self.money(totals.amount), True))
        accounting = self.invoice.vat_accounting
        if accounting is not None:
            rate = l10n.format_number(accounting.rate, self.locale)
            named = words.vat_in.format(currency=accounting.currency)
            label = f"{named} ({words.exchange_rate} {rate})"
            vat = l10n.format_money(accounting.vat, accounting.currency, self.locale)
            rows.append((label, vat, False))
        if totals.prepaid:
            rows.append((words.prepaid, self.money(-totals.prepaid), False))
        if totals.rounding:
            rows.append((words.rounding, self.money(totals.rounding), False))
        credit = self.invoice.kind is DocumentKind.CREDIT_NOTE
        rows.append((words.credited if credit else words.payable, self.money(totals.payable), True))
        body = [
            [
                self.para(label, self.right_bold if strong else self.right, "totals"),
                self.cell(value),
            ]
            for label, value, strong in rows
        ]
        strong_rows = [
            ("FONTNAME", (1, row), (1, row), self.font.bold)
            for row, (_, _, strong) in enumerate(rows)
            if strong
        ]
        table = Table(body, colWidths=[_WIDTH - 2 * _MARGIN - 36 * mm, 36 * mm])
        table.setStyle(
            self.table_style(
                [
                    (
                        "LINEABOVE",
                        (0, len(body) - 1),
                        (-1, len(body) - 1),
                        0.8,
                        self.layout.style.accent,
                    ),
                    ("PADDING", (0, 0), (-1, -1), 2),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    *strong_rows,
                ]
            )
        )
        return table

    def payment(self) -> list[Flowable]:
        invoice, company, words = self.invoice, self.data.company, self.words
        if invoice.kind is not DocumentKind.INVOICE:
            return []
        lines = [
            f"{words.payment_terms}: {l10n.describe_terms(invoice.payment_terms, self.locale)}"
        ]
        lines.append(f"{words.due_date}: {l10n.format_date(invoice.due_date, self.locale)}")
        lines += payment_lines(invoice, company, self.locale)
        if invoice.number:
            lines.append(words.payment_instruction.format(number=invoice.number))
        block: list[Flowable] = [self.para(words.payment, self.bold)]
        block += [self.para(line, field="payment") for line in lines]
        qr = self.qr()
        if qr is None:
            return block
        table = Table([[block, qr]], colWidths=[_WIDTH - 2 * _MARGIN - 34 * mm, 34 * mm])
        table.setStyle(self.table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [table]

    def qr(self) -> list[Flowable] | None:
        """The EPC/SEPA QR code, for EUR invoices with an IBAN and something to pay."""
        invoice, company = self.invoice, self.data.company
        bank = company.bank
        payable = invoice.totals.payable
        if invoice.currency != "EUR" or bank is None or not bank.iban or payable <= 0:
            return None
        from faktura.documents.qr import epc_payload, epc_qr_png

        payload = epc_payload(
            name=company.name[:70],
            iban=bank.iban,
            bic=bank.bic,
            amount=payable,
            text=f"{self.words.title(invoice.kind)} {invoice.number or ''}".strip(),
        )
        image = Image(io.BytesIO(epc_qr_png(payload, 4)), width=30 * mm, height=30 * mm)
        return [image, self.para(self.words.scan_to_pay, self.small)]

    def notes(self) -> list[Flowable]:
        if not self.invoice.notes:
            return []
        return [
            Spacer(1, 4 * mm),
            KeepTogether(
                [
                    self.para(self.words.notes, self.bold),
                    self.para(self.invoice.notes, field="notes"),
                ]
            ),
        ]


CLASSIC = Layout(
    "default",
    Style(accent=colors.HexColor("#222222"), header_band=False, grid=True, title_size=20),
)
MODERN = Layout(
    "modern",
    Style(accent=colors.HexColor("#1f5f8b"), header_band=True, grid=False, title_size=24),
)
