"""Reminders: the company's policy, the run that makes and sends what is due, and sending
one again.

A run (``Dunning.run``) reads the company's overdue documents, and for each customer
that has some, in one unit of work: takes the policy's number series' lock (the
counter), reads the customer's earlier reminders, plans what is due on ``today``
(``faktura.dunning.plan_reminders``: one reminder per level), numbers each plan, renders
its PDF (a PDF that cannot be made rolls everything back, the number with it), archives
the PDF, and writes the reminder, a pending delivery attempt, and a "reminder_created"
event on each invoice it lists. Then, outside any transaction, it hands the reminder to
a channel (email when the customer has an address and an email channel is configured,
else by hand) and records the outcome on the attempt, with a "reminder_sent" event on
each invoice when it was delivered. A run that is repeated the same day finds nothing
due (the interval has not passed); one that crashed between the two steps leaves a
pending attempt, which ``send`` delivers again under the same identity.

The archived PDF is what the customer received, byte for byte (``pdf``).

E-invoices: Peppol BIS Billing 3 has no reminder document, and a reminder sent as an
invoice would be a new claim; a customer who receives e-invoices gets reminders by
email when an address is known, otherwise by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

import attrs

from faktura.billing.work import Work
from faktura.delivery.channel import (
    DeliveryChannel,
    DeliveryOutcomeUnknown,
    OutgoingReminder,
    Recipient,
    reminder_capable,
)
from faktura.delivery.log import AttemptState, DeliveryAttempt, SentDocument
from faktura.delivery.recipients import email_recipient, manual_recipient
from faktura.documents.fik import payment_id
from faktura.documents.fonts import check_texts_drawable
from faktura.documents.language import document_locale
from faktura.dunning import ReferenceRates, Reminder, ReminderPlan, ReminderPolicy, plan_reminders
from faktura.errors import ConfigurationError, DeliveryError, NotFoundError, ValidationError
from faktura.invoice import Invoice
from faktura.issued import ArchiveKind
from faktura.parties import Company, Customer
from faktura.ports import OVERDUE, InvoiceQuery, UnitOfWork
from faktura.records import InvoiceEvent

__all__ = ["Dunning", "ReminderOutcome", "ReminderRun"]

#: The series key reminders are numbered under (beside "invoice" and "credit_note").
SERIES_KEY = "reminder"
_PAGE = 100


@attrs.frozen
class ReminderOutcome:
    """A reminder made (or sent again) and its delivery attempt."""

    reminder: Reminder
    attempt: DeliveryAttempt

    @property
    def delivered(self) -> bool:
        return self.attempt.state is AttemptState.DELIVERED


@attrs.frozen
class ReminderRun:
    """What a run did on ``today``: the reminders it made, each with its delivery."""

    today: date
    reminders: tuple[ReminderOutcome, ...]

    @property
    def delivered(self) -> int:
        return sum(outcome.delivered for outcome in self.reminders)

    @property
    def failed(self) -> int:
        return len(self.reminders) - self.delivered


@attrs.frozen
class Dunning:
    """The reminder use cases of one Billing (see the module)."""

    work: Work
    channels: Mapping[str, DeliveryChannel]
    rates: ReferenceRates | None

    # -- the policy --------------------------------------------------------------------------

    def policy(self, company_id: str) -> ReminderPolicy:
        """The company's policy; renteloven's (``ReminderPolicy.danish()``) when it set
        none."""
        with self.work.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
            return uow.reminders.policy(company_id) or ReminderPolicy.danish()

    def set_policy(self, company_id: str, policy: ReminderPolicy) -> ReminderPolicy:
        if not isinstance(policy, ReminderPolicy):
            raise ValidationError("must be a reminder policy", field="policy", rule="type")
        # the letters' texts are drawn on every reminder: checked once, here
        check_texts_drawable(
            (f"levels[{n}].text", level.text) for n, level in enumerate(policy.levels)
        )
        with self.work.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            uow.reminders.set_policy(company_id, policy)
            uow.commit()
        return policy

    # -- the run -----------------------------------------------------------------------------

    def due(self, company_id: str, today: date) -> list[ReminderPlan]:
        """What a run on ``today`` would make, without making it (nothing is written)."""
        plans: list[ReminderPlan] = []
        with self.work.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(company_id)
            policy = uow.reminders.policy(company_id) or ReminderPolicy.danish()
            for customer_id in self._overdue_customers(uow, company_id, today):
                plans.extend(self._plan(uow, company, policy, customer_id, today))
        return plans

    def run(
        self, company_id: str, today: date, *, deliver: bool = True, actor: str | None = None
    ) -> ReminderRun:
        """Make every reminder due on ``today`` and, with ``deliver``, send each (see the
        module). Raises NotFoundError (company), ConfigurationError (interest without
        reference rates, no channel that delivers reminders), ValidationError (a
        reminder that cannot be rendered: nothing of its customer is written)."""
        # everything planned first, nothing written: what would refuse the run (interest
        # without a rate for a day it needs) refuses it before any reminder is made
        customers = sorted({plan.customer_id for plan in self.due(company_id, today)})
        outcomes: list[ReminderOutcome] = []
        for customer_id in customers:
            for made in self._make(company_id, customer_id, today, actor):
                outcomes.append(self._deliver(made, actor) if deliver else made)
        return ReminderRun(today, tuple(outcomes))

    def send(
        self, company_id: str, reminder_id: str, *, actor: str | None = None
    ) -> ReminderOutcome:
        """Deliver a reminder again (after a failed or interrupted attempt): a new
        attempt over the same channel and recipient, with the same identity (dedup id)
        when the last attempt's outcome is unknown. Raises NotFoundError."""
        with self.work.store.unit_of_work() as uow:
            reminder = uow.reminders.get(company_id, reminder_id)
            attempts = uow.deliveries.for_invoice(company_id, reminder_id)
            if not attempts:  # a reminder is written with its first attempt: a damaged store
                raise NotFoundError("delivery attempt of reminder", reminder_id)
            last = max(attempts, key=lambda a: a.sequence)
            now = self.work.clock.now()
            if last.state is AttemptState.PENDING:
                attempt = last  # interrupted: its outcome was never recorded
            else:
                attempt = attrs.evolve(
                    last,
                    id=self.work.ids(),
                    sequence=last.sequence + 1,
                    started_at=now,
                    state=AttemptState.PENDING,
                    finished_at=None,
                    provider_reference=None,
                    error_code=None,
                    error_message=None,
                    retryable=False,
                    events=(),
                    documents=(),
                    dedup_id=last.dedup_id
                    if last.state is AttemptState.UNKNOWN
                    else f"{reminder.id}.{last.sequence + 1}",
                )
                uow.deliveries.add(attempt)
            uow.commit()
        return self._deliver(ReminderOutcome(reminder, attempt), actor)

    def pdf(self, company_id: str, reminder_id: str) -> bytes:
        """The reminder's PDF as it was made and sent (archived), byte for byte."""
        with self.work.store.unit_of_work(readonly=True) as uow:
            uow.reminders.get(company_id, reminder_id)
            archived = [
                a
                for a in uow.archive.for_invoice(company_id, reminder_id)
                if a.kind is ArchiveKind.PDF
            ]
            if not archived:
                raise NotFoundError("reminder PDF", reminder_id)
            return uow.archive.get(company_id, archived[0].sha256)

    # -- steps -------------------------------------------------------------------------------

    def _overdue_customers(self, uow: UnitOfWork, company_id: str, today: date) -> Iterator[str]:
        """The customers with overdue invoices, each once, in order of id."""
        seen: set[str] = set()
        page = 1
        while True:
            query = InvoiceQuery(page=page, limit=_PAGE, status=OVERDUE, today=today)
            listed = uow.invoices.list(company_id, query)
            seen.update(summary.customer_id for summary in listed.items)
            if len(listed.items) < _PAGE:
                break
            page += 1
        yield from sorted(seen)

    def _plan(
        self,
        uow: UnitOfWork,
        company: Company,
        policy: ReminderPolicy,
        customer_id: str,
        today: date,
    ) -> list[ReminderPlan]:
        customer = self.work.directory(uow).get(company.id, customer_id)
        invoices: list[Invoice] = []
        page = 1
        while True:
            query = InvoiceQuery(
                page=page, limit=_PAGE, status=OVERDUE, today=today, customer_id=customer_id
            )
            listed = uow.invoices.list(company.id, query)
            invoices.extend(uow.invoices.get(company.id, s.id) for s in listed.items)
            if len(listed.items) < _PAGE:
                break
            page += 1
        earlier = uow.reminders.for_customer(company.id, customer_id)
        business = customer.cvr is not None or customer.vat_id is not None
        return plan_reminders(policy, customer_id, invoices, earlier, today, self.rates, business)

    def _make(
        self, company_id: str, customer_id: str, today: date, actor: str | None
    ) -> list[ReminderOutcome]:
        """The customer's reminders due on ``today``, made and committed (not sent)."""
        work = self.work
        with work.store.unit_of_work() as uow:
            company = uow.companies.get(company_id)
            policy = uow.reminders.policy(company_id) or ReminderPolicy.danish()
            series = policy.series
            # the series' counter first: it is locked until this unit of work ends, so
            # two runs at once make a customer's reminders one after the other, and the
            # second finds them made
            first = uow.numbers.allocate(
                company_id,
                SERIES_KEY,
                series.period(today),
                series.start,
                today,
                series.allow_backdating,
            )
            plans = self._plan(uow, company, policy, customer_id, today)
            if not plans:
                return []  # rolled back: the number is not used
            customer = work.directory(uow).get(company_id, customer_id)
            made: list[ReminderOutcome] = []
            for n, plan in enumerate(plans):
                seq = (
                    first
                    if n == 0
                    else uow.numbers.allocate(
                        company_id,
                        SERIES_KEY,
                        series.period(today),
                        series.start,
                        today,
                        series.allow_backdating,
                    )
                )
                number = series.format(seq, today)
                made.append(self._write(uow, company, customer, policy, plan, number, today, actor))
            uow.commit()
        return made

    def _write(
        self,
        uow: UnitOfWork,
        company: Company,
        customer: Customer,
        policy: ReminderPolicy,
        plan: ReminderPlan,
        number: str,
        today: date,
        actor: str | None,
    ) -> ReminderOutcome:
        work = self.work
        now = work.clock.now()
        language = document_locale(customer.language, company.locale)
        reminder = Reminder(
            id=work.ids(),
            company_id=company.id,
            customer_id=customer.id,
            number=number,
            issue_date=today,
            currency=policy.currency,
            level=plan.level,
            items=plan.items,
            created_at=now,
            fee=plan.fee,
            text=policy.levels[plan.level - 1].text,
            language=language,
            payment_id=_fik_id(company, number, policy.currency),
            pay_by=today + timedelta(days=max(policy.limits.min_interval_days, 1)),
        )
        from faktura.documents.reminder_pdf import render_reminder

        pdf = render_reminder(
            reminder,
            company,
            customer,
            pay_by=reminder.pay_by or today,
            language=language,
            last=plan.level == len(policy.levels),
        )
        digest = uow.archive.put(
            company.id, reminder.id, ArchiveKind.PDF, pdf, "application/pdf", now
        )
        uow.reminders.add(reminder)
        delivery_type, recipient = self._route(customer)
        attempt = DeliveryAttempt(
            id=work.ids(),
            company_id=company.id,
            invoice_id=reminder.id,
            sequence=1,
            delivery_type=delivery_type,
            recipient=recipient,
            started_at=now,
            documents=(SentDocument(ArchiveKind.PDF, digest),),
            dedup_id=reminder.id,
        )
        uow.deliveries.add(attempt)
        for item in reminder.items:
            event = InvoiceEvent(
                item.invoice_id,
                "reminder_created",
                now,
                {
                    "reminderId": reminder.id,
                    "number": reminder.number,
                    "level": str(item.level),
                    "interest": str(item.interest),
                    "compensation": str(item.compensation),
                },
            )
            work.record(uow, company.id, work.stamp(event, actor))
        return ReminderOutcome(reminder, attempt)

    def _route(self, customer: Customer) -> tuple[str, Recipient]:
        """Email when the customer has an address and a channel delivers reminders by
        email; else by hand."""
        email = self.channels.get("email")
        if email is not None and reminder_capable(email) and customer.email:
            return "email", email_recipient(customer, None, None)
        manual = self.channels.get("manual")
        if manual is None or not reminder_capable(manual):
            raise ConfigurationError(
                "no channel delivers this reminder: the customer has no email address (or "
                "no email channel is configured) and no manual channel is configured"
            )
        return "manual", manual_recipient(customer)

    def _deliver(self, made: ReminderOutcome, actor: str | None) -> ReminderOutcome:
        work = self.work
        reminder, attempt = made.reminder, made.attempt
        channel = self.channels.get(attempt.delivery_type.value)
        with work.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(reminder.company_id)
            customer = work.directory(uow).get(reminder.company_id, reminder.customer_id)
        pdf = self.pdf(reminder.company_id, reminder.id)
        if channel is None or not reminder_capable(channel):
            outcome = attempt.failed(
                work.clock.now(),
                "channel_unavailable",
                f"no channel {attempt.delivery_type.value!r} delivers reminders",
                True,
            )
        else:
            message = OutgoingReminder(
                reminder=reminder,
                company=company,
                customer=customer,
                recipient=attempt.recipient,
                pdf=lambda: pdf,
                locale=reminder.language or company.locale,
                dedup_id=attempt.dedup_id,
                pay_by=reminder.pay_by or reminder.issue_date,
            )
            try:
                receipt = channel.deliver_reminder(message)
            except DeliveryOutcomeUnknown as exc:
                outcome = attempt.unknown(work.clock.now(), exc.code, exc.message)
            except DeliveryError as exc:
                outcome = attempt.failed(work.clock.now(), exc.code, exc.message, exc.retryable)
            else:
                outcome = attempt.delivered(work.clock.now(), receipt.provider_reference)
        with work.store.unit_of_work() as uow:
            uow.deliveries.update(outcome)
            if outcome.state is AttemptState.DELIVERED:
                for item in reminder.items:
                    event = InvoiceEvent(
                        item.invoice_id,
                        "reminder_sent",
                        outcome.finished_at or work.clock.now(),
                        {
                            "reminderId": reminder.id,
                            "number": reminder.number,
                            "level": str(reminder.level),
                            "channel": outcome.delivery_type.value,
                        },
                    )
                    work.record(uow, reminder.company_id, work.stamp(event, actor))
            uow.commit()
        return ReminderOutcome(reminder, outcome)


def _fik_id(company: Company, number: str, currency: str) -> str | None:
    """The FIK payment id a reminder numbered ``number`` asks to be paid with, when the
    company takes FIK payments (a creditor number, DKK): a 9 and the number's digits
    padded to 13 (the digits of "R-2026-0001" are an invoice's "2026-0001" too: the 9
    keeps the two apart unless an invoice number has 14 digits starting with 9, and a
    payment that names two documents is left for a person, never guessed)."""
    digits = "".join(c for c in number if c.isascii() and c.isdigit())
    if company.fik_creditor is None or currency != "DKK" or not 0 < len(digits) <= 13:
        return None
    return payment_id("9" + digits.zfill(13))
