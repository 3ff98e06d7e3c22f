"""Invoice lines (product, text, separator) and document-level allowances and charges.

Every value here is valid by construction: ``__attrs_post_init__`` checks the rules and
raises a ValidationError naming the field relative to the line ("quantity"); callers
that hold a list move the path under it (``err.prefixed("lines.3")``). The ``parse``
constructors take raw wire values (strings) and do the same.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import TypeAlias

import attrs

from faktura.errors import ValidationError
from faktura.money import ZERO, parse_decimal
from faktura.vat import VatCategory, check_rate

__all__ = [
    "DEFAULT_UNIT",
    "AllowanceCharge",
    "Line",
    "LineType",
    "ProductLine",
    "SeparatorLine",
    "TextLine",
    "check_text",
]

#: UN/ECE Recommendation 20 "one" (piece): the unit when none is given.
DEFAULT_UNIT = "H87"
#: Longest description or reason faktura stores; longer text is an input error.
MAX_TEXT = 4000
_HUNDRED = Decimal(100)
_UNIT_CODE = re.compile(r"[A-Z0-9]{1,3}\Z", re.ASCII)
# C0 controls other than tab/newline/CR, the DEL/C1 range and non-characters break PDFs
# and XML; lone surrogates are not text at all (no UTF-8 encoding, no database takes them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class LineType(enum.StrEnum):
    """The kinds of line the reference API knows: a priced product line, text, separator."""

    PRODUCT = "product"
    TEXT = "text"
    SEPARATOR = "separator"


def check_text(value: object, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """``value`` as text fit for documents, else a ValidationError naming ``field``."""
    if not isinstance(value, str):
        raise ValidationError("must be text", field=field, rule="type")
    if len(value) > limit:
        raise ValidationError(f"must be at most {limit} characters", field=field, rule="length")
    if required and not value.strip():
        raise ValidationError("must not be empty", field=field, rule="required")
    if _CONTROL.search(value):
        raise ValidationError("must not contain control characters", field=field, rule="text")
    return value


@attrs.frozen
class ProductLine:
    """A priced line: quantity × unit price, less a discount percent, in one VAT group."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_category: VatCategory
    vat_rate: Decimal
    unit: str = DEFAULT_UNIT
    discount_percent: Decimal = ZERO
    product_number: str | None = None

    @property
    def line_type(self) -> LineType:
        return LineType.PRODUCT

    def __attrs_post_init__(self) -> None:
        check_text(self.description, "description", required=True)
        parse_decimal(self.quantity, "quantity")
        parse_decimal(self.unit_price, "unitPrice", minimum=ZERO)
        parse_decimal(self.discount_percent, "discountPercent", minimum=ZERO, maximum=_HUNDRED)
        if not isinstance(self.vat_category, VatCategory):
            raise ValidationError("must be a VAT category", field="vatCategory", rule="type")
        parse_decimal(self.vat_rate, "vatRate", places=4)
        check_rate(self.vat_category, self.vat_rate, "vatRate")
        if not isinstance(self.unit, str) or not _UNIT_CODE.match(self.unit):
            raise ValidationError(
                "must be a UN/ECE Recommendation 20 unit code such as 'H87'",
                field="unit",
                rule="unit_code",
            )
        if self.product_number is not None:
            check_text(self.product_number, "productNumber", required=True, limit=200)


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
        check_text(self.reason, "reason", required=self.reason_code is None, limit=1000)
        if not isinstance(self.vat_category, VatCategory):
            raise ValidationError("must be a VAT category", field="vatCategory", rule="type")
        parse_decimal(self.vat_rate, "vatRate", places=4)
        check_rate(self.vat_category, self.vat_rate, "vatRate")
        if (self.amount is None) == (self.percent is None):
            raise ValidationError(
                "give either an amount or a percent", field="amount", rule="amount_or_percent"
            )
        if self.amount is not None:
            parse_decimal(self.amount, "amount", minimum=ZERO)
        if self.percent is not None:
            parse_decimal(self.percent, "percent", minimum=ZERO, maximum=_HUNDRED)
        elif self.base is not None:
            raise ValidationError("a base goes with a percent", field="base", rule="base")
        if self.base is not None:
            parse_decimal(self.base, "base", minimum=ZERO)
        if self.reason_code is not None and not re.fullmatch(r"[A-Z0-9]{1,3}", self.reason_code):
            raise ValidationError(
                "must be a UNCL 5189/7161 code", field="reasonCode", rule="reason_code"
            )

    @property
    def kind(self) -> str:
        return "charge" if self.charge else "allowance"
