"""The number counters: the next number of a series, gap-free under the write lock."""

from __future__ import annotations

from datetime import date

import attrs

from faktura.errors import StorageError
from faktura.numbering import next_number
from faktura.storage import sql as shared
from faktura.storage.sqlite.errors import _constraint
from faktura.storage.sqlite.statements import Statements


@attrs.frozen
class _Numbers:
    uow: Statements

    def allocate(
        self,
        company_id: str,
        series: str,
        period: str,
        start: int,
        booking_date: date,
        allow_backdating: bool,
    ) -> int:
        # one statement reads both: the writing unit of work holds the write lock
        # (BEGIN IMMEDIATE), so they stay this booking's until it ends
        row = self.uow._row(
            "SELECT (SELECT last_date FROM series WHERE company_id = ? AND series = ?),"
            " (SELECT last_seq FROM counters"
            " WHERE company_id = ? AND series = ? AND period = ?)",
            (company_id, series, company_id, series, period),
        )
        stored_date, stored_seq = row if row is not None else (None, None)
        step = next_number(
            int(stored_seq) if stored_seq is not None else None,
            date.fromisoformat(stored_date) if stored_date is not None else None,
            start=start,
            booking_date=booking_date,
            allow_backdating=allow_backdating,
        )
        no_company = _constraint(company_id, lambda m: StorageError(m))
        self.uow._execute(
            shared.SET_LAST_NUMBER,
            {"company_id": company_id, "series": series, "period": period, "last_seq": step.seq},
            on_integrity=no_company,
        )
        if step.date_moved:
            self.uow._execute(
                "INSERT INTO series (company_id, series, last_date) VALUES (?, ?, ?) "
                "ON CONFLICT (company_id, series) DO UPDATE SET last_date = excluded.last_date",
                (company_id, series, step.last_date.isoformat()),
                on_integrity=no_company,
            )
        return step.seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        row = self.uow._row(
            shared.LAST_NUMBER, {"company_id": company_id, "series": series, "period": period}
        )
        return int(row[0]) if row is not None else None
