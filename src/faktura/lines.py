"""Invoice lines (product, text, separator) and document-level allowances and charges.

Every value here is valid by construction: ``__attrs_post_init__`` checks the rules and
raises a ValidationError naming the field relative to the line ("quantity"); callers
that hold a list move the path under it (``err.prefixed("lines.3")``). The ``parse``
constructors take raw wire values (strings) and do the same.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple, TypeAlias, final

import attrs

from faktura import codelists
from faktura.checks import (
    check_bool,
    check_instance,
    check_optional_date,
    check_text,
    normalize,
)
from faktura.errors import ValidationError
from faktura.items import NO_ITEM_DETAILS, ItemDetails
from faktura.money import ZERO, parse_decimal
from faktura.vat import VatCategory, check_rate, vat_category

__all__ = [
    "DEFAULT_UNIT",
    "AllowanceCharge",
    "Line",
    "LineFacts",
    "LineType",
    "ProductLine",
    "SeparatorLine",
    "StoredLines",
    "TextLine",
    "check_reason_code",
    "check_text",
    "check_unit",  # faktura.checks.check_text, re-exported
]

#: UN/ECE Recommendation 20 "one" (piece): the unit when none is given.
DEFAULT_UNIT = "H87"
#: The longest line note (BT-127).
MAX_LINE_NOTE = 1000
_HUNDRED = Decimal(100)
_SHOWN = 20


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def check_unit(value: object, field: str) -> str:
    """``value`` as a unit of quantity: a code of UN/ECE Recommendation 20 or 21 as
    Peppol lists them (``faktura.codelists.UNITS``, BR-CL-23); ValidationError naming
    ``field`` otherwise."""
    if not isinstance(value, str) or value not in codelists.UNITS:
        shown = _shown(value) if isinstance(value, str) else "this"
        raise ValidationError(
            f"{shown} is not a UN/ECE Recommendation 20 or 21 unit code: for example "
            f"'H87' (piece), 'C62' (one), 'HUR' (hour), 'KGM' (kilogram)",
            field=field,
            rule="BR-CL-23",
        )
    return value


def check_reason_code(value: object, charge: bool, field: str) -> str:
    """``value`` as the reason code of an allowance (UNCL 5189 as Peppol restricts it,
    ``faktura.codelists.ALLOWANCE_REASONS``, BR-CL-19) or of a charge (UNCL 7161,
    ``faktura.codelists.CHARGE_REASONS``, BR-CL-20); ValidationError naming ``field``
    otherwise."""
    if charge:
        codes, rule, what = codelists.CHARGE_REASONS, "BR-CL-20", "a UNCL 7161 charge"
    else:
        codes, rule, what = codelists.ALLOWANCE_REASONS, "BR-CL-19", "a UNCL 5189 allowance"
    if not isinstance(value, str) or value not in codes:
        shown = _shown(value) if isinstance(value, str) else "this"
        hint = (
            "such as 'FC' (freight service) or 'ABK' (miscellaneous)"
            if charge
            else "one of " + ", ".join(codes)
        )
        raise ValidationError(f"{shown} is not {what} reason code: {hint}", field=field, rule=rule)
    return value


class LineType(enum.StrEnum):
    """The kinds of line the reference API knows: a priced product line, text, separator."""

    PRODUCT = "product"
    TEXT = "text"
    SEPARATOR = "separator"


@attrs.frozen
class ProductLine:
    """A priced line: quantity × unit price, less a discount percent, in one VAT group.

    ``product_number`` is the seller's item id (BT-155). Optional EN 16931 line terms:
    ``note`` (BT-127, up to 1000 characters), the line period ``period_start`` and
    ``period_end`` (BG-26: BT-134, BT-135; both or neither, the start not after the
    end) and the item's ``item`` details (``faktura.items.ItemDetails``, BT-156 to
    BT-161)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_category: VatCategory
    vat_rate: Decimal
    unit: str = DEFAULT_UNIT
    discount_percent: Decimal = ZERO
    product_number: str | None = None
    note: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    item: ItemDetails = NO_ITEM_DETAILS

    @property
    def line_type(self) -> LineType:
        return LineType.PRODUCT

    def __attrs_post_init__(self) -> None:
        check_text(self.description, "description", required=True)
        normalize(self, "quantity", parse_decimal(self.quantity, "quantity"))
        normalize(self, "unit_price", parse_decimal(self.unit_price, "unit_price", minimum=ZERO))
        normalize(
            self,
            "discount_percent",
            parse_decimal(
                self.discount_percent, "discount_percent", minimum=ZERO, maximum=_HUNDRED
            ),
        )
        normalize(self, "vat_category", vat_category(self.vat_category, "vat_category"))
        normalize(self, "vat_rate", parse_decimal(self.vat_rate, "vat_rate", places=4))
        check_rate(self.vat_category, self.vat_rate, "vat_rate")
        check_unit(self.unit, "unit")
        if self.product_number is not None:
            check_text(self.product_number, "product_number", required=True, limit=200)
        if self.note is not None:
            check_text(self.note, "note", required=True, limit=MAX_LINE_NOTE)
        if self.period_start is not None or self.period_end is not None:
            _check_line_period(self.period_start, self.period_end)
        if self.item is not NO_ITEM_DETAILS:
            check_instance(self.item, ItemDetails, "item")


def _check_line_period(start: date | None, end: date | None) -> None:
    """BG-26 has both ends or neither (faktura's rule, within BR-CO-20), the start not
    after the end (BR-30)."""
    check_optional_date(start, "period_start")
    check_optional_date(end, "period_end")
    if start is None or end is None:
        raise ValidationError(
            "a line period needs both its start and its end",
            field="period_end" if end is None else "period_start",
            rule="required",
        )
    if start > end:
        raise ValidationError(
            "must not be before the period's start", field="period_end", rule="BR-30"
        )


@attrs.frozen
class TextLine:
    """A line of text between product lines: no quantity, no amount."""

    description: str

    @property
    def line_type(self) -> LineType:
        return LineType.TEXT

    def __attrs_post_init__(self) -> None:
        check_text(self.description, "description")


@attrs.frozen
class SeparatorLine:
    """A visual break in the line table, optionally with a heading: no amount."""

    description: str = ""

    @property
    def line_type(self) -> LineType:
        return LineType.SEPARATOR

    def __attrs_post_init__(self) -> None:
        check_text(self.description, "description")


Line: TypeAlias = ProductLine | TextLine | SeparatorLine


@attrs.frozen
class AllowanceCharge:
    """A document-level allowance (discount) or charge (fee) in one VAT group.

    Either a fixed ``amount`` or a ``percent`` of a ``base``; without an explicit base the
    percent applies to the sum of the line nets of the same VAT group (category, rate).
    Amounts follow the document's price mode (excluding or including VAT).
    """

    charge: bool
    reason: str
    vat_category: VatCategory
    vat_rate: Decimal
    amount: Decimal | None = None
    percent: Decimal | None = None
    base: Decimal | None = None
    reason_code: str | None = None

    def __attrs_post_init__(self) -> None:
        check_bool(self.charge, "charge")
        if self.reason_code is not None:
            check_reason_code(self.reason_code, self.charge, "reason_code")
        check_text(self.reason, "reason", required=self.reason_code is None, limit=1000)
        normalize(self, "vat_category", vat_category(self.vat_category, "vat_category"))
        normalize(self, "vat_rate", parse_decimal(self.vat_rate, "vat_rate", places=4))
        check_rate(self.vat_category, self.vat_rate, "vat_rate")
        if (self.amount is None) == (self.percent is None):
            raise ValidationError(
                "give either an amount or a percent", field="amount", rule="amount_or_percent"
            )
        if self.amount is not None:
            normalize(self, "amount", parse_decimal(self.amount, "amount", minimum=ZERO))
        if self.percent is not None:
            normalize(
                self,
                "percent",
                parse_decimal(self.percent, "percent", minimum=ZERO, maximum=_HUNDRED),
            )
        elif self.base is not None:
            raise ValidationError("a base goes with a percent", field="base", rule="base")
        if self.base is not None:
            normalize(self, "base", parse_decimal(self.base, "base", minimum=ZERO))

    @property
    def kind(self) -> str:
        return "charge" if self.charge else "allowance"


class LineFacts(NamedTuple):
    """What booking needs to know of a document's lines without reading them: how many
    are product lines, and every character their descriptions (and product lines' notes
    and item texts) use (once each, in code point order: the PDF font's check reads
    these, not each line)."""

    product_lines: int
    characters: str

    @classmethod
    def of(cls, lines: Iterable[Line]) -> LineFacts:
        products = 0
        characters: set[str] = set()
        for line in lines:
            characters.update(line.description)
            if isinstance(line, ProductLine):
                products += 1
                if line.note is not None:
                    characters.update(line.note)
                if line.item is not NO_ITEM_DETAILS:
                    for _, text in line.item.texts():
                        characters.update(text)
        return cls(products, "".join(sorted(characters)))


@final
class StoredLines:
    """A document's lines in their stored form, decoded the first time they are read.

    A store that keeps lines apart from the document's header hands one to each invoice
    it reads (``Invoice(lines=StoredLines(text, decode))``): booking, sending and paying
    never read the lines, so a document of a thousand lines is not decoded for them, and
    as transitions pass the same StoredLines on, the store sees that the lines were not
    changed and leaves them unwritten. ``decode`` must be pure (text in, lines out).
    """

    __slots__ = ("_decode", "_lines", "source")

    def __init__(self, source: str, decode: Callable[[str], tuple[Line, ...]]) -> None:
        self.source = source
        self._decode = decode
        self._lines: tuple[Line, ...] | None = None

    def __call__(self) -> tuple[Line, ...]:
        """The lines, decoded on the first call."""
        lines = self._lines
        if lines is None:
            lines = self._lines = self._decode(self.source)
        return lines

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredLines):
            return other is self or other.source == self.source or other() == self()
        if isinstance(other, tuple):
            return self() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self())

    def __repr__(self) -> str:
        return repr(self())
