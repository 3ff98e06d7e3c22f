"""What a credit note credits: the lines and quantities chosen from an invoice, the
allowances and charges that go with them, and the rounding adjustment that brings the
completing credit note to exactly what is left to credit.

``faktura.invoice.Invoice.credit`` makes the credit note; the functions here are handed
the invoice's parts (or the credit note) and import nothing from ``faktura.invoice``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import attrs

from faktura.errors import ValidationError
from faktura.lines import AllowanceCharge, Line, ProductLine
from faktura.money import ZERO, parse_decimal
from faktura.records import CreditRecord
from faktura.totals import amount_places

if TYPE_CHECKING:  # faktura.invoice imports this module: imported the other way round
    from faktura.invoice import Invoice

__all__ = ["ROUNDING_ADJUSTMENT", "CreditSelection", "select_credit", "settle_rounding"]

#: The reason text of the allowance that keeps a completing credit within the invoice.
ROUNDING_ADJUSTMENT = "Rounding adjustment"
_MAX_ADJUSTMENT_STEPS = 100


class CreditSelection(NamedTuple):
    """What one credit note credits of an invoice.

    ``quantities`` holds the credited quantity per invoice line (None for lines it leaves
    alone); ``includes_fixed`` says whether it credits the fixed allowances and charges.
    """

    lines: tuple[Line, ...]
    quantities: tuple[Decimal | None, ...]
    includes_fixed: bool
    allowance_charges: tuple[AllowanceCharge, ...]


def select_credit(
    lines: tuple[Line, ...],
    allowance_charges: tuple[AllowanceCharge, ...],
    credits: tuple[CreditRecord, ...],
    remaining: tuple[Decimal | None, ...],
    selection: Sequence[tuple[int, Decimal]] | None,
) -> CreditSelection:
    """The lines, quantities and allowances/charges a credit note of an invoice credits.

    ``lines``, ``allowance_charges`` and ``credits`` are the invoice's, ``remaining`` its
    quantities not credited yet (``Invoice.remaining_quantities``). ``selection`` None
    credits everything not credited yet; otherwise ``(line index, quantity)`` pairs
    credit part of product lines (see ``Invoice.credit``). Raises ValidationError naming
    ``lines`` (or ``lines.<position>...``) when the selection is wrong or nothing is left.
    """
    fixed_open = not any(c.includes_fixed for c in credits)
    quantities: list[Decimal | None] = [None] * len(lines)
    credit_lines: list[Line] = []
    if selection is None:
        for index, line in enumerate(lines):
            left = remaining[index]
            if isinstance(line, ProductLine):
                if left:
                    quantities[index] = left
                    credit_lines.append(attrs.evolve(line, quantity=left))
                elif not line.quantity and not credits:
                    # A line of quantity 0 is credited as it was invoiced, so that an
                    # invoice of only such lines can be credited too (an e-invoice
                    # needs a product line: BR-16).
                    quantities[index] = line.quantity
                    credit_lines.append(line)
            elif not credits:
                credit_lines.append(line)
        includes_fixed = fixed_open
    else:
        credit_lines = _partial_lines(lines, selection, remaining, quantities)
        # A selection that takes every quantity left completes the credit: it also
        # credits the fixed allowances and charges, which partial credits leave alone.
        includes_fixed = fixed_open and all(
            left == (quantities[index] or ZERO)
            for index, left in enumerate(remaining)
            if left is not None
        )
    if not any(isinstance(line, ProductLine) for line in credit_lines) and not (
        includes_fixed and allowance_charges
    ):
        raise ValidationError(
            "nothing is left to credit on this invoice", field="lines", rule="nothing_left"
        )
    groups = {(ln.vat_category, ln.vat_rate) for ln in credit_lines if isinstance(ln, ProductLine)}
    credited_allowance_charges = tuple(
        item
        for item in allowance_charges
        if (includes_fixed and (item.amount is not None or item.base is not None))
        or (
            item.percent is not None
            and item.base is None
            and (item.vat_category, item.vat_rate) in groups
        )
    )
    return CreditSelection(
        tuple(credit_lines), tuple(quantities), includes_fixed, credited_allowance_charges
    )


def _partial_lines(
    lines: tuple[Line, ...],
    selection: Sequence[tuple[int, Decimal]],
    remaining: tuple[Decimal | None, ...],
    quantities: list[Decimal | None],
) -> list[Line]:
    if not selection:
        raise ValidationError("select at least one line", field="lines", rule="required")
    if isinstance(selection, str | bytes) or not isinstance(selection, Sequence):
        raise ValidationError(
            "must be a list of (line index, quantity) pairs", field="lines", rule="type"
        )
    chosen: dict[int, Decimal] = {}
    for position, pair in enumerate(selection):
        field = f"lines.{position}"
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValidationError("must be a (line index, quantity) pair", field=field, rule="type")
        index, quantity = pair
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValidationError("must be a line index", field=f"{field}.line", rule="type")
        if not 0 <= index < len(lines) or not isinstance(lines[index], ProductLine):
            raise ValidationError(
                "is not a product line of the invoice", field=f"{field}.line", rule="line"
            )
        if index in chosen:
            raise ValidationError("is selected twice", field=f"{field}.line", rule="duplicate")
        value = parse_decimal(quantity, f"{field}.quantity")
        left = remaining[index]
        assert left is not None  # product line, checked above
        if not value or (value < 0) != (left < 0) or abs(value) > abs(left):
            raise ValidationError(
                f"must be non-zero, of the line's sign and at most the {left} left",
                field=f"{field}.quantity",
                rule="quantity",
            )
        chosen[index] = value
    result: list[Line] = []
    for index in sorted(chosen):
        line = lines[index]
        assert isinstance(line, ProductLine)
        quantities[index] = chosen[index]
        result.append(attrs.evolve(line, quantity=chosen[index]))
    return result


def settle_rounding(credit_note: Invoice, limit: Decimal) -> Invoice:
    """The completing credit note, brought to exactly ``limit`` (what is left to credit)
    where EN 16931's arithmetic allows it, and never above it.

    Crediting an invoice in parts rounds each part on its own (VAT is rounded per
    document), so the last part can come out a few minor units off what is left. The
    difference is stated openly as a "Rounding adjustment" allowance or charge in one VAT
    group of the credit note: the smallest that lands exactly on ``limit``, else the
    smallest allowance that brings the credit below it.
    """
    totals = credit_note.totals
    if totals.amount == limit or not totals.vat_breakdown:
        return credit_note
    charge = totals.amount < limit
    unit = Decimal(1).scaleb(-amount_places(totals.currency, credit_note.amount_rule))
    best = credit_note if totals.amount <= limit else None
    groups = sorted(totals.vat_breakdown, key=lambda g: g.taxable, reverse=True)
    for steps in range(1, _MAX_ADJUSTMENT_STEPS + 1):
        for group in groups:
            adjustment = AllowanceCharge(
                charge=charge,
                reason=ROUNDING_ADJUSTMENT,
                vat_category=group.category,
                vat_rate=group.rate,
                amount=unit * steps,
            )
            candidate = attrs.evolve(
                credit_note, allowance_charges=(*credit_note.allowance_charges, adjustment)
            )
            amount = candidate.totals.amount
            if amount == limit:
                return candidate
            if best is None and amount < limit:
                best = candidate
        if best is not None and not charge:
            return best
    return best if best is not None else credit_note
