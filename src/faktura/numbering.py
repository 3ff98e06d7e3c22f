"""Number series: patterns, period keys and formatting of document numbers, pure.

A series turns a sequence number and the invoice date into a document number. Stores
keep one counter per (company, series, period); the period comes from the invoice date,
never from "now".

>>> series = NumberSeries("{year}-{seq:05}", reset=Reset.YEARLY)
>>> series.period(date(2026, 11, 25)), series.format(42, date(2026, 11, 25))
('2026', '2026-00042')
>>> NumberSeries("INV{yy}{month}-{seq}", reset=Reset.MONTHLY).format(7, date(2026, 3, 1))
'INV2603-7'

The rules of counting are here too, as a pure function: ``next_number`` takes what a
store keeps of a series (the last number of the period, the last booked date of the
series) and gives the next number and what to keep. A store only reads its counter
locked, calls it, and writes the result back in the same unit of work.

>>> next_number(None, None, start=100, booking_date=date(2026, 1, 5), allow_backdating=False)
NextNumber(seq=100, last_date=datetime.date(2026, 1, 5), date_moved=True)
>>> next_number(7, date(2026, 2, 1), start=100, booking_date=date(2026, 1, 9),
...             allow_backdating=True)
NextNumber(seq=8, last_date=datetime.date(2026, 2, 1), date_moved=False)
"""

from __future__ import annotations

import enum
import re
from datetime import date

import attrs

from faktura.checks import check_bool, check_enum, normalize
from faktura.errors import NumberingError, ValidationError

__all__ = [
    "DEFAULT_CREDIT_NOTE_SERIES",
    "DEFAULT_INVOICE_SERIES",
    "NextNumber",
    "NumberSeries",
    "Reset",
    "check_series_apart",
    "next_number",
]

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
        normalize(self, "reset", check_enum(self.reset, Reset, "reset"))
        check_bool(self.allow_backdating, "allow_backdating")
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

    def could_coincide(self, other: NumberSeries) -> bool:
        """Whether some number of this series could be written exactly like some number
        of ``other`` (e.g. ``{seq}`` and ``{year}{seq}``: "20261" is both), whatever the
        dates: the two patterns, read as sequences of literal characters and digit runs,
        have a text in common."""
        return _meet(_shape(self.pattern), _shape(other.pattern))


# -- can two patterns write the same number? ------------------------------------------------
# A pattern is read as a small automaton over character classes: a literal character, a
# digit (a token's digits) or a non-zero digit (the first digit of an unpadded {seq}). Two
# patterns can write the same text when the product of their automata reaches the end of
# both; the product is small (states = pattern lengths, {seq}'s digits loop in place).

_DIGIT = frozenset("0123456789")
_NONZERO = frozenset("123456789")
#: Per token: the classes of its fixed characters, and whether more digits may follow.
_TOKEN_SHAPE: dict[str, tuple[tuple[frozenset[str], ...], bool]] = {
    "year": ((_DIGIT,) * 4, False),
    "yy": ((_DIGIT,) * 2, False),
    "month": ((_DIGIT,) * 2, False),
    "seq": ((_NONZERO,), True),
}


def _shape(pattern: str) -> tuple[tuple[frozenset[str], bool], ...]:
    """The pattern as (character class, may repeat) steps."""
    steps: list[tuple[frozenset[str], bool]] = []
    at = 0
    for match in _TOKEN.finditer(pattern):
        steps.extend((frozenset(c), False) for c in pattern[at : match.start()])
        name, width = match.group(1).partition(":")[0], match.group(2)
        if name == "seq" and width:
            classes, repeats = (_DIGIT,) * int(width), True
        else:
            classes, repeats = _TOKEN_SHAPE[name]
        steps.extend((cls, False) for cls in classes)
        if repeats:
            steps.append((_DIGIT, True))  # zero or more further digits
        at = match.end()
    steps.extend((frozenset(c), False) for c in pattern[at:])
    return tuple(steps)


def _meet(
    a: tuple[tuple[frozenset[str], bool], ...], b: tuple[tuple[frozenset[str], bool], ...]
) -> bool:
    """Whether the step sequences ``a`` and ``b`` accept a common text."""

    def closure(i: int, j: int) -> set[tuple[int, int]]:
        # a repeating step may be skipped (zero repetitions)
        found = {(i, j)}
        stack = [(i, j)]
        while stack:
            x, y = stack.pop()
            for nxt in (
                (x + 1, y) if x < len(a) and a[x][1] else None,
                (x, y + 1) if y < len(b) and b[y][1] else None,
            ):
                if nxt is not None and nxt not in found:
                    found.add(nxt)
                    stack.append(nxt)
        return found

    seen: set[tuple[int, int]] = set()
    todo = list(closure(0, 0))
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i == len(a) or j == len(b) or not a[i][0] & b[j][0]:
            continue
        # consume one character: a repeating step stays where it is
        todo.extend(closure(i if a[i][1] else i + 1, j if b[j][1] else j + 1))
    return False


def check_series_apart(invoices: NumberSeries, credit_notes: NumberSeries) -> None:
    """A ValidationError (``creditNoteSeries.pattern``) when the two series of a company
    could give the same number: numbers are unique per company, so such a pair would
    refuse a booking some day, retry as it might."""
    if invoices.could_coincide(credit_notes):
        raise ValidationError(
            f"{credit_notes.pattern!r} could write the same number as the invoice series "
            f"{invoices.pattern!r}; give one of them a prefix of its own (e.g. 'CN-{{seq}}')",
            field="credit_note_series.pattern",
            rule="series_collision",
        )


DEFAULT_INVOICE_SERIES = NumberSeries("{seq}")
DEFAULT_CREDIT_NOTE_SERIES = NumberSeries("CN-{seq}")


@attrs.frozen
class NextNumber:
    """The number a booking gets and what the store keeps after it.

    ``seq`` is the new last number of the booking's period; ``last_date`` the series'
    last booked date after the booking; ``date_moved`` whether that date changed (the
    store writes it only then).
    """

    seq: int
    last_date: date
    date_moved: bool


def next_number(
    last_seq: int | None,
    last_date: date | None,
    *,
    start: int,
    booking_date: date,
    allow_backdating: bool,
) -> NextNumber:
    """The next number of a series' period, from the counter state a store keeps.

    ``last_seq`` is the last number given in the booking's period (None when none),
    ``last_date`` the last booked date of the series in any period (None when the series
    has never given a number). The first number of a series is ``start``; after that a
    new period starts at 1. The last booked date only moves forward.

    Raises NumberingError (field "issue_date", rule "backdating") when ``booking_date`` is
    before ``last_date`` and ``allow_backdating`` is false.
    """
    if last_date is not None and booking_date < last_date and not allow_backdating:
        raise NumberingError(
            f"is before {last_date}, the last booked date of the series",
            field="issue_date",
            rule="backdating",
        )
    seq = last_seq + 1 if last_seq is not None else (start if last_date is None else 1)
    if last_date is None or booking_date > last_date:
        return NextNumber(seq, booking_date, True)
    return NextNumber(seq, last_date, False)
