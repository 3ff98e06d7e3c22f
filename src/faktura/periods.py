"""When a document's goods or services were delivered: the delivery date (BT-72), the
invoicing period (BG-14) and the lines' periods (BG-26) checked against it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from faktura.checks import check_optional_date
from faktura.errors import ValidationError
from faktura.lines import Line, ProductLine

__all__ = ["check_delivery", "check_line_periods"]


def check_delivery(delivery_date: date | None, start: date | None, end: date | None) -> None:
    """BT-72 is a date; BG-14 has both ends or neither, the start not after the end."""
    check_optional_date(delivery_date, "delivery_date")
    check_optional_date(start, "period_start")
    check_optional_date(end, "period_end")
    if (start is None) != (end is None):
        raise ValidationError(
            "an invoicing period needs both its start and its end",
            field="period_end" if end is None else "period_start",
            rule="required",
        )
    if start is not None and end is not None and start > end:
        raise ValidationError(
            "must not be before the period's start", field="period_end", rule="minimum"
        )


def check_line_periods(lines: Sequence[Line], start: date | None, end: date | None) -> None:
    """A line period (BG-26) lies within the invoicing period (BG-14) when both are
    given (Peppol PEPPOL-EN16931-R110, R111)."""
    if start is None or end is None:
        return
    for index, line in enumerate(lines):
        if not isinstance(line, ProductLine) or line.period_start is None:
            continue
        if line.period_start < start:
            raise ValidationError(
                "must not be before the start of the invoice's period",
                field=f"lines.{index}.period_start",
                rule="PEPPOL-EN16931-R110",
            )
        if line.period_end is not None and line.period_end > end:
            raise ValidationError(
                "must not be after the end of the invoice's period",
                field=f"lines.{index}.period_end",
                rule="PEPPOL-EN16931-R111",
            )
