"""ManualClock: a Clock that stands still until told to move (tests, demos, benchmarks).

>>> from datetime import UTC, datetime
>>> clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
>>> clock.advance(days=7)
>>> clock.today().isoformat(), clock.now().isoformat()
('2026-12-02', '2026-12-02T09:00:00+00:00')
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs

__all__ = ["ManualClock"]


@attrs.define
class ManualClock:
    """``now()`` is ``current`` (timezone-aware); ``today()`` its date in UTC."""

    current: datetime = attrs.field(default=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    @current.validator
    def _aware(self, _: attrs.Attribute[datetime], value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("a ManualClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(UTC).date()

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)``."""
        self.current += timedelta(**delta)
