"""Payment terms and the due dates they give: a closed set of pure date functions.

>>> from datetime import date
>>> PaymentTerms.net(8).due_date(date(2024, 1, 25))
datetime.date(2024, 2, 2)
>>> PaymentTerms.end_of_month(30).due_date(date(2024, 1, 15))
datetime.date(2024, 3, 1)
>>> PaymentTerms.day_of_next_month(31).due_date(date(2024, 1, 15))
datetime.date(2024, 2, 29)
"""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta

import attrs

from faktura.errors import ValidationError

__all__ = ["MAX_TERM_DAYS", "PaymentTerms", "TermsKind", "check_due_date"]

#: Longer terms than ten years are a typing mistake, not a business agreement.
MAX_TERM_DAYS = 3650


class TermsKind(enum.StrEnum):
    """The kinds of payment terms faktura knows."""

    NET = "net"
    END_OF_MONTH = "end_of_month"
    END_OF_NEXT_MONTH = "end_of_next_month"
    DAY_OF_NEXT_MONTH = "day_of_next_month"
    INVOICE_WEEK = "invoice_week"
    CASH = "cash"
    PREPAID = "prepaid"
    FIXED = "fixed"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def _days(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("must be a whole number of days", field=field, rule="type")
    if not 0 <= value <= MAX_TERM_DAYS:
        raise ValidationError(
            f"must be between 0 and {MAX_TERM_DAYS} days", field=field, rule="range"
        )
    return value


@attrs.frozen
class PaymentTerms:
    """When an invoice falls due, relative to its date. Build with the named constructors.

    ``days`` is used by net, end_of_month, end_of_next_month and invoice_week; ``day`` by
    day_of_next_month; ``week_starts`` (0 = Monday) by invoice_week; ``fixed_date`` by fixed.
    """

    kind: TermsKind
    days: int = 0
    day: int = 0
    week_starts: int = 0
    fixed_date: date | None = None

    @classmethod
    def net(cls, days: int, field: str = "payment_terms") -> PaymentTerms:
        """Due ``days`` after the invoice date ("Netto 8 dage"); the wire's paymentTerms."""
        return cls(TermsKind.NET, days=_days(days, field))

    @classmethod
    def end_of_month(cls, days: int, field: str = "payment_terms") -> PaymentTerms:
        """Due ``days`` after the last day of the invoice month ("Løbende måned + 30")."""
        return cls(TermsKind.END_OF_MONTH, days=_days(days, field))

    @classmethod
    def end_of_next_month(cls, days: int, field: str = "payment_terms") -> PaymentTerms:
        """Due ``days`` after the last day of the month after the invoice month."""
        return cls(TermsKind.END_OF_NEXT_MONTH, days=_days(days, field))

    @classmethod
    def day_of_next_month(cls, day: int, field: str = "payment_terms") -> PaymentTerms:
        """Due on ``day`` of the next month, clamped to that month's length."""
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise ValidationError("must be a day of the month (1-31)", field=field, rule="range")
        return cls(TermsKind.DAY_OF_NEXT_MONTH, day=day)

    @classmethod
    def invoice_week(
        cls, days: int, week_starts: int = 0, field: str = "payment_terms"
    ) -> PaymentTerms:
        """Due ``days`` after the last day of the invoice's week (weeks start on
        ``week_starts``, 0 = Monday ... 6 = Sunday)."""
        if isinstance(week_starts, bool) or not isinstance(week_starts, int):
            raise ValidationError("must be a weekday 0-6", field=field, rule="type")
        if not 0 <= week_starts <= 6:
            raise ValidationError("must be a weekday 0-6", field=field, rule="range")
        return cls(TermsKind.INVOICE_WEEK, days=_days(days, field), week_starts=week_starts)

    @classmethod
    def cash(cls) -> PaymentTerms:
        """Paid on the spot: due on the invoice date."""
        return cls(TermsKind.CASH)

    @classmethod
    def prepaid(cls) -> PaymentTerms:
        """Paid in advance: due on the invoice date."""
        return cls(TermsKind.PREPAID)

    @classmethod
    def fixed(cls, due: date) -> PaymentTerms:
        """Due on one agreed date, whatever the invoice date."""
        return cls(TermsKind.FIXED, fixed_date=due)

    def due_date(self, invoice_date: date) -> date:
        """The due date of an invoice dated ``invoice_date`` under these terms.

        Raises ValidationError (field dueDate) when it would fall after the year 9999.
        """
        try:
            return self._due_date(invoice_date)
        except (OverflowError, ValueError):
            raise ValidationError(
                "falls after the last representable date", field="due_date", rule="range"
            ) from None

    def _due_date(self, invoice_date: date) -> date:
        kind = self.kind
        if kind is TermsKind.NET:
            return invoice_date + timedelta(days=self.days)
        if kind is TermsKind.END_OF_MONTH:
            return _month_end(invoice_date.year, invoice_date.month) + timedelta(days=self.days)
        if kind is TermsKind.END_OF_NEXT_MONTH:
            return _month_end(*_next_month(invoice_date)) + timedelta(days=self.days)
        if kind is TermsKind.DAY_OF_NEXT_MONTH:
            year, month = _next_month(invoice_date)
            return date(year, month, min(self.day, calendar.monthrange(year, month)[1]))
        if kind is TermsKind.INVOICE_WEEK:
            days_left_in_week = (self.week_starts - invoice_date.weekday() - 1) % 7
            return invoice_date + timedelta(days=days_left_in_week + self.days)
        if kind is TermsKind.FIXED:
            assert self.fixed_date is not None  # set by the only constructor of FIXED
            return self.fixed_date
        return invoice_date  # cash, prepaid

    def describe(self) -> str:
        """A short English description ("net 8 days"); documents localize their own."""
        kind = self.kind
        if kind is TermsKind.NET:
            return f"net {self.days} days"
        if kind is TermsKind.END_OF_MONTH:
            return f"end of month + {self.days} days"
        if kind is TermsKind.END_OF_NEXT_MONTH:
            return f"end of next month + {self.days} days"
        if kind is TermsKind.DAY_OF_NEXT_MONTH:
            return f"day {self.day} of next month"
        if kind is TermsKind.INVOICE_WEEK:
            return f"end of week + {self.days} days"
        if kind is TermsKind.FIXED:
            return f"due {self.fixed_date}"
        return kind.value


def check_due_date(invoice_date: date, due: date, field: str = "due_date") -> None:
    """A ValidationError naming ``field`` when ``due`` is before ``invoice_date``."""
    if due < invoice_date:
        raise ValidationError(
            "must not be before the invoice date", field=field, rule="due_before_date"
        )
