"""Getting paid: the part of ``Billing``'s public surface that collects what invoices
are owed. ``Billing`` inherits it; the work is done by ``reminders.Dunning`` (the
policy, reminder runs, sending a reminder again) and ``receipts.Receipts`` (payments by
reference, bank statements, reversals, refunds, the credit balance, statements).

Kept apart from ``service`` because it is a whole subject of its own with its own
documents (reminders, statements); each method's docstring is its contract, as there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from faktura.billing.receipts import BankImport, Receipts
from faktura.billing.reminders import Dunning, ReminderOutcome, ReminderRun
from faktura.billing.work import check_actor, check_ids
from faktura.checks import check_date, check_enum, check_int, check_text
from faktura.delivery.log import DeliveryStatus
from faktura.dunning import Reminder, ReminderPlan, ReminderPolicy
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.money import Currency
from faktura.ports import Clock, Store
from faktura.receivables import AccountEntry, BankEntry, BankOutcome, Statement

__all__ = ["Collecting"]

_MAX_STATEMENT = 100 * 1024 * 1024  # bytes of a bank statement file


class Collecting:
    """Billing's use cases of getting paid (see the module)."""

    store: Store
    clock: Clock
    _dunning: Dunning
    _receipts: Receipts

    # -- reminders ---------------------------------------------------------------------------

    def reminder_policy(self, company_id: str) -> ReminderPolicy:
        """The company's reminder policy (``faktura.dunning``); renteloven's defaults
        (``ReminderPolicy.danish()``) until it sets one. Raises NotFoundError."""
        check_ids(company_id=company_id)
        return self._dunning.policy(company_id)

    def set_reminder_policy(self, company_id: str, policy: ReminderPolicy) -> ReminderPolicy:
        """Keep ``policy`` as the company's. Raises NotFoundError, ValidationError."""
        check_ids(company_id=company_id)
        return self._dunning.set_policy(company_id, policy)

    def reminders_due(self, company_id: str, *, today: date | None = None) -> list[ReminderPlan]:
        """What ``run_reminders`` would make on ``today`` (the clock's by default),
        without making it. Raises NotFoundError, ConfigurationError (interest without
        reference rates)."""
        check_ids(company_id=company_id)
        return self._dunning.due(company_id, self._day(today))

    def run_reminders(
        self,
        company_id: str,
        *,
        today: date | None = None,
        deliver: bool = True,
        actor: str | None = None,
    ) -> ReminderRun:
        """Make every reminder due on ``today`` (the clock's by default): one per
        customer and level, numbered, rendered and archived, and with ``deliver`` send
        each by email or by hand (``faktura.billing.reminders``). Running it again the
        same day makes nothing. Raises NotFoundError, ConfigurationError, ValidationError
        (a reminder that cannot be rendered: nothing of that customer is written)."""
        check_ids(company_id=company_id)
        check_actor(actor)
        if not isinstance(deliver, bool):
            raise ValidationError("must be true or false", field="deliver", rule="type")
        return self._dunning.run(company_id, self._day(today), deliver=deliver, actor=actor)

    def get_reminder(self, company_id: str, reminder_id: str) -> Reminder:
        """The reminder. Raises NotFoundError."""
        check_ids(company_id=company_id, reminder_id=reminder_id)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.reminders.get(company_id, reminder_id)

    def list_reminders(
        self,
        company_id: str,
        *,
        customer_id: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Reminder]:
        """The company's reminders by id, or one customer's: at most ``limit``, those
        after the id ``after`` when given. Raises NotFoundError (company)."""
        check_ids(company_id=company_id)
        check_int(limit, "limit", 1, 1000)
        if after is not None:
            check_ids(after=after)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
            if customer_id is None:
                return uow.reminders.list(company_id, after, limit)
            check_ids(customer_id=customer_id)
            mine = sorted(uow.reminders.for_customer(company_id, customer_id), key=_id)
            return [r for r in mine if after is None or r.id > after][:limit]

    def send_reminder(
        self, company_id: str, reminder_id: str, *, actor: str | None = None
    ) -> ReminderOutcome:
        """Deliver a reminder again after a failed or interrupted attempt (the same PDF).
        Raises NotFoundError."""
        check_ids(company_id=company_id, reminder_id=reminder_id)
        check_actor(actor)
        return self._dunning.send(company_id, reminder_id, actor=actor)

    def reminder_deliveries(self, company_id: str, reminder_id: str) -> DeliveryStatus:
        """The reminder's delivery attempts, oldest first. Raises NotFoundError."""
        check_ids(company_id=company_id, reminder_id=reminder_id)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.reminders.get(company_id, reminder_id)
            return DeliveryStatus.of(
                reminder_id, uow.deliveries.for_invoice(company_id, reminder_id)
            )

    def reminder_pdf(self, company_id: str, reminder_id: str) -> bytes:
        """The reminder's PDF as it was sent, byte for byte. Raises NotFoundError."""
        check_ids(company_id=company_id, reminder_id=reminder_id)
        return self._dunning.pdf(company_id, reminder_id)

    # -- payments ----------------------------------------------------------------------------

    def receive_payment(
        self,
        company_id: str,
        amount: Decimal | str | int,
        reference: str,
        *,
        currency: str | None = None,
        paid_on: date | None = None,
        key: str | None = None,
        actor: str | None = None,
    ) -> BankEntry:
        """A payment matched by the reference it was paid with (a reminder's number or
        FIK id, a FIK line or payment id, an invoice number, or free text holding one):
        it pays the reminder's charges, then its invoices, or the invoice; what is left
        becomes the customer's credit balance; a payment that matches nothing is kept as
        unmatched (``bank_entries``). ``key`` makes it idempotent: the same key again
        changes nothing and returns the entry kept the first time. ``currency`` is the
        company's by default.

        Raises ValidationError (``amount``, ``reference``, ``currency``), NotFoundError.
        """
        check_ids(company_id=company_id)
        check_actor(actor)
        check_text(reference, "reference", required=True, limit=500)
        if key is not None:
            check_text(key, "key", required=True, limit=300, one_line=True)
        day = self._day(paid_on, "paid_on")
        chosen = self._currency(company_id, currency)
        entry, _ = self._receipts.receive(
            company_id, amount, chosen, (reference,), day, key=key, actor=actor
        )
        return entry

    def import_bank_statement(
        self, company_id: str, data: bytes, *, actor: str | None = None
    ) -> BankImport:
        """Import an ISO 20022 camt.053 (statement) or camt.054 (notification) file:
        each credit is matched and applied as ``receive_payment`` does, under the
        bank's reference as key, so importing the same file again changes nothing.
        Raises ValidationError (field ``camt``: not a readable statement), NotFoundError.
        """
        check_ids(company_id=company_id)
        check_actor(actor)
        if not isinstance(data, bytes | bytearray):
            raise ValidationError("must be the file's bytes", field="camt", rule="type")
        if len(data) > _MAX_STATEMENT:
            raise ValidationError(
                f"is larger than {_MAX_STATEMENT} bytes", field="camt", rule="size"
            )
        with self.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
        return self._receipts.import_statement(company_id, bytes(data), actor)

    def bank_entries(
        self,
        company_id: str,
        *,
        outcome: BankOutcome | str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[BankEntry]:
        """The payments received (imported or by reference) by key, those with
        ``outcome`` ("unmatched": the ones for a person to assign) when given."""
        check_ids(company_id=company_id)
        check_int(limit, "limit", 1, 1000)
        chosen = None if outcome is None else check_enum(outcome, BankOutcome, "outcome")
        if after is not None:
            check_text(after, "after", required=True, limit=300, one_line=True)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
            return uow.accounts.bank_entries(company_id, chosen, after, limit)

    def reverse_payment(
        self,
        company_id: str,
        document_id: str,
        payment_id: str,
        *,
        reason: str | None = None,
        actor: str | None = None,
    ) -> Invoice | Reminder:
        """Take back a payment that bounced or was recorded in error, with every part
        of it (on other documents it paid, on the customer's credit balance): each
        document returns to the status its other payments give it. Returns
        ``document_id`` as it is now. Raises NotFoundError, InvoiceStateError,
        ValidationError."""
        check_ids(company_id=company_id, document_id=document_id, payment_id=payment_id)
        check_actor(actor)
        if reason is not None:
            check_text(reason, "reason", limit=500)
        return self._receipts.reverse(company_id, document_id, payment_id, reason, actor)

    # -- the credit balance and refunds ---------------------------------------------------------

    def credit_balance(
        self, company_id: str, customer_id: str, *, currency: str | None = None
    ) -> Decimal:
        """What the customer has to its credit (over-payments less what was used or paid
        back), in ``currency`` (the company's by default). Raises NotFoundError."""
        check_ids(company_id=company_id, customer_id=customer_id)
        return self._receipts.balance(company_id, customer_id, self._currency(company_id, currency))

    def account_entries(self, company_id: str, customer_id: str) -> list[AccountEntry]:
        """The movements of the customer's credit balance, oldest first."""
        check_ids(company_id=company_id, customer_id=customer_id)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.companies.get(company_id)
            return uow.accounts.for_customer(company_id, customer_id)

    def apply_credit_balance(
        self,
        company_id: str,
        invoice_id: str,
        *,
        amount: Decimal | str | int | None = None,
        actor: str | None = None,
    ) -> Invoice:
        """Pay an invoice from its customer's credit balance (``amount`` None: as much as
        both allow). Raises ValidationError (``amount``), InvoiceStateError,
        NotFoundError."""
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        return self._receipts.apply_balance(company_id, invoice_id, amount, actor)

    def refund_credit_balance(
        self,
        company_id: str,
        customer_id: str,
        amount: Decimal | str | int,
        *,
        currency: str | None = None,
        paid_on: date | None = None,
        reference: str | None = None,
        actor: str | None = None,
    ) -> AccountEntry:
        """Pay (part of) the customer's credit balance back. Raises ValidationError
        (``amount`` above the balance), NotFoundError."""
        check_ids(company_id=company_id, customer_id=customer_id)
        check_actor(actor)
        if reference is not None:
            check_text(reference, "reference", limit=200)
        return self._receipts.refund_balance(
            company_id,
            customer_id,
            self._currency(company_id, currency),
            amount,
            None if paid_on is None else self._day(paid_on, "paid_on"),
            reference,
            actor,
        )

    def refund_credit_note(
        self,
        company_id: str,
        credit_note_id: str,
        *,
        amount: Decimal | str | int | None = None,
        paid_on: date | None = None,
        reference: str | None = None,
        actor: str | None = None,
    ) -> Invoice:
        """Pay a booked credit note out to the customer (``amount`` None: all that is
        left of it). Raises ValidationError, InvoiceStateError, NotFoundError."""
        check_ids(company_id=company_id, credit_note_id=credit_note_id)
        check_actor(actor)
        if reference is not None:
            check_text(reference, "reference", limit=200)
        return self._receipts.refund_credit_note(
            company_id,
            credit_note_id,
            amount,
            None if paid_on is None else self._day(paid_on, "paid_on"),
            reference,
            actor,
        )

    # -- statements ----------------------------------------------------------------------------

    def statement(
        self,
        company_id: str,
        customer_id: str,
        start: date,
        *,
        end: date | None = None,
        currency: str | None = None,
    ) -> Statement:
        """The customer's statement of account (kontoudtog) from ``start`` to ``end``
        (today by default) in ``currency`` (the company's by default): the balance
        before, each movement, the balance after, and what is open now. Raises
        ValidationError (``end`` before ``start``), NotFoundError."""
        check_ids(company_id=company_id, customer_id=customer_id)
        first = check_date(start, "start")
        last = self._day(end, "end")
        return self._receipts.statement(
            company_id, customer_id, first, last, self._currency(company_id, currency)
        )

    def statement_pdf(
        self,
        company_id: str,
        customer_id: str,
        start: date,
        *,
        end: date | None = None,
        currency: str | None = None,
        language: str | None = None,
    ) -> bytes:
        """The statement as a PDF in ``language`` (the customer's by default)."""
        made = self.statement(company_id, customer_id, start, end=end, currency=currency)
        from faktura.documents.language import document_locale
        from faktura.documents.statement_pdf import render_statement

        with self.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(company_id)
            customer = self._receipts.work.directory(uow).get(company_id, customer_id)
        if language is not None:
            check_text(language, "language", required=True, limit=16, one_line=True)
        chosen = language or document_locale(customer.language, company.locale)
        return render_statement(made, company, customer, today=self.clock.today(), language=chosen)

    # -- helpers -------------------------------------------------------------------------------

    def _day(self, day: date | None, field: str = "today") -> date:
        return self.clock.today() if day is None else check_date(day, field)

    def _currency(self, company_id: str, currency: str | None) -> str:
        if currency is not None:
            return Currency.of(currency).code
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.companies.get(company_id).currency


def _id(reminder: Reminder) -> str:
    return reminder.id
