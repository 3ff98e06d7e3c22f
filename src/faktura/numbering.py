"""Number series: patterns, period keys and formatting of document numbers, pure.

A series turns a sequence number and the invoice date into a document number. Stores
keep one counter per (company, series, period); the period comes from the invoice date,
never from "now".

>>> series = NumberSeries("{year}-{seq:05}", reset=Reset.YEARLY)
>>> series.period(date(2026, 11, 25)), series.format(42, date(2026, 11, 25))
('2026', '2026-00042')
>>> NumberSeries("INV{yy}{month}-{seq}", reset=Reset.MONTHLY).format(7, date(2026, 3, 1))
'INV2603-7'
"""

from __future__ import annotations

import enum
import re
from datetime import date

import attrs

from faktura.errors import ValidationError

__all__ = ["DEFAULT_CREDIT_NOTE_SERIES", "DEFAULT_INVOICE_SERIES", "NumberSeries", "Reset"]

_TOKEN = re.compile(r"\{(seq(?::0(\d))?|year|yy|month)\}")
_MAX_PATTERN = 60
#: The highest first number a series may have (counters are 64-bit in every store).
MAX_START = 999_999_999


class Reset(enum.StrEnum):
    """When a series starts counting again: never, every year, every month."""

    NEVER = "never"
    YEARLY = "yearly"
    MONTHLY = "monthly"


@attrs.frozen
class NumberSeries:
    """How the numbers of one document kind look and count.

    ``pattern`` holds exactly one ``{seq}`` (or ``{seq:0N}``, zero-padded to N digits) and
    any of ``{year}``, ``{yy}``, ``{month}``; other text is kept as written. ``start`` is
    the first number the series ever gives (to continue from an old system); after a
    reset every period starts at 1. ``allow_backdating`` lets a booking be dated before
    the last booked date of the series (refused by default: numbers follow dates).
    """

    pattern: str = "{seq}"
    start: int = 1
    reset: Reset = Reset.NEVER
    allow_backdating: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.pattern, str) or not 0 < len(self.pattern) <= _MAX_PATTERN:
            raise ValidationError(
                f"must be 1-{_MAX_PATTERN} characters", field="pattern", rule="pattern"
            )
        seqs = [m for m in _TOKEN.finditer(self.pattern) if m.group(1).startswith("seq")]
        if len(seqs) != 1:
            raise ValidationError(
                "must contain {seq} (or {seq:0N}) exactly once", field="pattern", rule="pattern"
            )
        rest = _TOKEN.sub("", self.pattern)
        if "{" in rest or "}" in rest or any(not c.isprintable() for c in rest):
            raise ValidationError(
                "may only use the tokens {seq}, {seq:0N}, {year}, {yy} and {month}",
                field="pattern",
                rule="pattern",
            )
        if (
            isinstance(self.start, bool)
            or not isinstance(self.start, int)
            or not 1 <= self.start <= MAX_START
        ):
            raise ValidationError(
                f"must be a whole number from 1 to {MAX_START}", field="start", rule="range"
            )
        uses = {m.group(1) for m in _TOKEN.finditer(self.pattern)}
        if self.reset is Reset.YEARLY and not uses & {"year", "yy"}:
            raise ValidationError(
                "a yearly series needs {year} or {yy} to keep numbers unique",
                field="pattern",
                rule="pattern",
            )
        if self.reset is Reset.MONTHLY and not (uses & {"year", "yy"} and "month" in uses):
            raise ValidationError(
                "a monthly series needs {year} or {yy} and {month} to keep numbers unique",
                field="pattern",
                rule="pattern",
            )

    def period(self, day: date) -> str:
        """The counter period of an invoice dated ``day``: "", "2026" or "2026-11"."""
        if self.reset is Reset.YEARLY:
            return f"{day.year:04d}"
        if self.reset is Reset.MONTHLY:
            return f"{day.year:04d}-{day.month:02d}"
        return ""

    def format(self, seq: int, day: date) -> str:
        """The document number for sequence number ``seq`` of an invoice dated ``day``."""

        def token(match: re.Match[str]) -> str:
            name, width = match.group(1), match.group(2)
            if name.startswith("seq"):
                return f"{seq:0{width}d}" if width else str(seq)
            if name == "year":
                return f"{day.year:04d}"
            if name == "yy":
                return f"{day.year % 100:02d}"
            return f"{day.month:02d}"

        return _TOKEN.sub(token, self.pattern)


DEFAULT_INVOICE_SERIES = NumberSeries("{seq}")
DEFAULT_CREDIT_NOTE_SERIES = NumberSeries("CN-{seq}")
