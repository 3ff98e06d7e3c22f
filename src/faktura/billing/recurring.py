"""The schedule use cases: a customer's recurring invoice created, changed from a date,
paused or ended, listed. What a schedule bills when is ``faktura.schedules``; the run
that bills them is ``faktura.billing.runs``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Any

import attrs

from faktura.billing.drafts import vat_defaults
from faktura.billing.work import Work, as_terms, check_actor, check_ids, command
from faktura.checks import check_bool, check_date, check_id, check_text
from faktura.commands import (
    LineInput,
    NewSchedule,
    ScheduleChanges,
    given,
    resolve_lines,
)
from faktura.errors import ConflictError, NotFoundError, ValidationError
from faktura.lines import Line
from faktura.money import Currency
from faktura.parties import Company, Customer
from faktura.ports import UnitOfWork
from faktura.schedules import Schedule, ScheduleVersion

__all__ = ["Schedules"]


@attrs.frozen
class Schedules:
    """The schedule use cases of one Billing (each public method is the Billing method
    of its name: see its docstring there). ``channels``: the delivery types configured."""

    work: Work
    channels: Collection[str]

    def create(self, company_id: str, new: NewSchedule, actor: str | None) -> Schedule:
        check_ids(company_id=company_id)
        check_actor(actor)
        command(new, NewSchedule, "schedule")
        check_id(new.customer_id, "customer_id")
        self._check_channel(new.channel)
        with self.work.store.unit_of_work() as uow:
            company = uow.companies.get(company_id)
            customer = self._customer(uow, company_id, new.customer_id)
            lines = self._lines(company, customer, new.lines)
            now = self.work.clock.now()
            schedule = Schedule(
                id=self.work.ids(),
                company_id=company_id,
                customer_id=customer.id,
                cadence=new.cadence,
                timing=new.timing,
                start=check_date(new.start, "start"),
                versions=(ScheduleVersion(new.start, lines),),
                created_at=now,
                updated_at=now,
                currency=_currency(new.currency),
                payment_terms=None if new.payment_terms is None else as_terms(new.payment_terms),
                channel=new.channel,
                end=new.end,
                anchor_day=new.anchor_day,
                proration=new.proration,
                description=new.description,
            )
            uow.schedules.add(schedule)
            uow.commit()
        return schedule

    def get(self, company_id: str, schedule_id: str) -> Schedule:
        check_ids(company_id=company_id, schedule_id=schedule_id)
        with self.work.store.unit_of_work(readonly=True) as uow:
            return uow.schedules.get(company_id, schedule_id)

    def list(self, company_id: str, after: str | None, limit: int) -> list[Schedule]:
        check_ids(company_id=company_id)
        if after is not None:
            check_id(after, "after")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValidationError("must be a whole number 1-1000", field="limit", rule="range")
        with self.work.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
            return uow.schedules.list(company_id, after=after, limit=limit)

    def update(
        self,
        company_id: str,
        schedule_id: str,
        changes: ScheduleChanges,
        expected_version: int | None,
        actor: str | None,
    ) -> Schedule:
        check_ids(company_id=company_id, schedule_id=schedule_id)
        check_actor(actor)
        command(changes, ScheduleChanges, "changes")
        fields: dict[str, Any] = given(changes)
        if "active" in fields:
            check_bool(fields["active"], "active")
        if "channel" in fields:
            self._check_channel(fields["channel"])
        if fields.get("payment_terms") is not None:
            fields["payment_terms"] = as_terms(fields["payment_terms"])
        if fields.get("description") is not None:
            check_text(fields["description"], "description", limit=1000)
        return self._change(
            company_id, schedule_id, expected_version, lambda s, _uow: attrs.evolve(s, **fields)
        )

    def change_lines(
        self,
        company_id: str,
        schedule_id: str,
        effective: date,
        lines: Sequence[Line | LineInput],
        expected_version: int | None,
        actor: str | None,
    ) -> Schedule:
        check_ids(company_id=company_id, schedule_id=schedule_id)
        check_actor(actor)
        check_date(effective, "effective")

        def change(schedule: Schedule, uow: UnitOfWork) -> Schedule:
            company = uow.companies.get(company_id)
            customer = self._customer(uow, company_id, schedule.customer_id)
            return schedule.with_version(
                effective, self._lines(company, customer, lines), self.work.clock.now()
            )

        return self._change(company_id, schedule_id, expected_version, change)

    def _change(
        self,
        company_id: str,
        schedule_id: str,
        expected_version: int | None,
        change: Callable[[Schedule, UnitOfWork], Schedule],
    ) -> Schedule:
        if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)
        ):
            raise ValidationError("must be a whole number", field="expected_version")
        with self.work.store.unit_of_work() as uow:
            schedule = uow.schedules.get(company_id, schedule_id)
            if expected_version is not None and schedule.version != expected_version:
                raise ConflictError(
                    f"schedule {schedule_id} is at version {schedule.version}, "
                    f"not {expected_version}"
                )
            changed = change(schedule, uow)
            updated = attrs.evolve(
                changed, version=schedule.version + 1, updated_at=self.work.clock.now()
            )
            uow.schedules.update(updated, schedule.version)
            uow.commit()
        return updated

    def _check_channel(self, channel: object) -> None:
        if channel is None:
            return
        if not isinstance(channel, str) or channel not in self.channels:
            known = ", ".join(sorted(self.channels))
            raise ValidationError(
                f"is not a configured delivery channel (configured: {known})",
                field="channel",
                rule="channel",
            )

    def _customer(self, uow: UnitOfWork, company_id: str, customer_id: str) -> Customer:
        try:
            return self.work.directory(uow).get(company_id, customer_id)
        except NotFoundError:
            raise ValidationError(
                "is not a customer of this company", field="customer_id", rule="unknown_customer"
            ) from None

    def _lines(
        self, company: Company, customer: Customer, lines: Sequence[Line | LineInput]
    ) -> tuple[Line, ...]:
        if isinstance(lines, str) or not isinstance(lines, Sequence):
            raise ValidationError("must be a list of lines", field="lines", rule="type")
        return resolve_lines(lines, vat_defaults(company, customer))


def _currency(code: str | None) -> str | None:
    return None if code is None else Currency.of(code, "currency").code
