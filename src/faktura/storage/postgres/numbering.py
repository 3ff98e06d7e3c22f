"""The number counters: the next number of a series, gap-free under a row lock on it."""

from __future__ import annotations

from datetime import date
from typing import LiteralString

import attrs

from faktura.numbering import next_number
from faktura.storage import sql as shared
from faktura.storage.postgres.statements import Statements, shared_statement


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
        action = f"allocate a number of series {series!r}"
        if self.uow.readonly:
            lock: LiteralString = ""
        else:
            lock = " FOR UPDATE"
            # The series row is the lock every booking of the series queues on, whichever
            # period it counts in; it is held until this unit of work ends.
            self.uow.run(
                "INSERT INTO series (company_id, series, last_date) VALUES (%s, %s, NULL)"
                " ON CONFLICT DO NOTHING",
                (company_id, series),
                action=action,
            )
        row = self.uow.run(
            "SELECT last_date FROM series WHERE company_id = %s AND series = %s" + lock,
            (company_id, series),
            action=action,
        ).fetchone()
        last_date: date | None = row[0] if row is not None else None
        # the series row locked, the counter of the period is this booking's too
        step = next_number(
            self.last(company_id, series, period),
            last_date,
            start=start,
            booking_date=booking_date,
            allow_backdating=allow_backdating,
        )
        self.uow.check_writable()
        self.uow.run(
            shared_statement(shared.SET_LAST_NUMBER),
            {"company_id": company_id, "series": series, "period": period, "last_seq": step.seq},
            action=action,
        )
        if step.date_moved:
            self.uow.run(
                "UPDATE series SET last_date = %s WHERE company_id = %s AND series = %s",
                (step.last_date, company_id, series),
                action=action,
            )
        return step.seq

    def last(self, company_id: str, series: str, period: str) -> int | None:
        row = self.uow.run(
            shared_statement(shared.LAST_NUMBER),
            {"company_id": company_id, "series": series, "period": period},
            action=f"read the counter of series {series!r}",
        ).fetchone()
        return int(row[0]) if row is not None else None
