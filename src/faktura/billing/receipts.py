"""Money in and out: a payment matched by the reference it was paid with, bank
statements imported, payments reversed, refunds, the customer's credit balance, and the
statement of account.

Every payment received gets one id (``pay_…``) that each of its parts carries: on a
reminder's charges, on each invoice it paid, and on the customer's account for what was
left over; it is kept as a ``BankEntry`` under its key (the bank's reference for an
imported transaction, the payment id otherwise), written first in the unit of work that
applies it. A key seen before changes nothing: importing a statement twice pays nothing
twice, also when two imports run at once.

A reference is tried, in the order given, as: a reminder's number or payment id, a FIK
payment line or id (the invoice whose number gives it, among those still owed), an
invoice number; then each word of it the same way (a bank's free text: "Faktura 1001").
One that names nothing, or several documents at once, leaves the payment unmatched (kept,
with the reason, for a person to assign: ``record_payment`` on the right invoice).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from faktura.bank.camt import Skipped, read_statement
from faktura.billing.work import Work, new_id
from faktura.documents.fik import payment_id as fik_id_of
from faktura.dunning import Reminder
from faktura.errors import ConflictError, NotFoundError, ValidationError
from faktura.invoice import Invoice
from faktura.money import Currency, parse_decimal, total
from faktura.ports import MIN_SEARCH_LENGTH, InvoiceQuery, UnitOfWork
from faktura.receivables import (
    AccountEntry,
    BankEntry,
    BankOutcome,
    BankTransaction,
    EntryKind,
    Statement,
    allocate,
    build_statement,
    credit_balance,
    fik_payment_id,
)
from faktura.records import InvoiceEvent, Payment
from faktura.status import PAYABLE_STATUSES, DocumentKind, Status

__all__ = ["BankImport", "ImportedTransaction", "Receipts"]

_PAGE = 100
_WORD = re.compile(r"[^\s,;:()\[\]]+")
_DIGIT = re.compile(r"[0-9]")
#: How a reversal undoes a credit balance's entry made by the payment it takes back.
_UNDO = {EntryKind.OVERPAYMENT: EntryKind.REVERSAL, EntryKind.APPLIED: EntryKind.RESTORED}
#: The reference written on a payment made from the customer's credit balance.
CREDIT_BALANCE = "credit balance"


@attrs.frozen
class ImportedTransaction:
    """One transaction of an imported statement: what became of it, and whether this
    import applied it (False: a key imported before, or twice in the file)."""

    transaction: BankTransaction
    entry: BankEntry
    new: bool


@attrs.frozen
class BankImport:
    """What importing a bank statement did."""

    transactions: tuple[ImportedTransaction, ...]
    #: The entries of the file that are no payments to apply (debits, pending,
    #: reversals, repeated), each with why.
    skipped: tuple[Skipped, ...] = ()
    statement_id: str = ""
    account: str | None = None

    def count(self, outcome: BankOutcome) -> int:
        """How many transactions this import applied with ``outcome``."""
        return sum(t.new and t.entry.outcome is outcome for t in self.transactions)

    @property
    def duplicates(self) -> int:
        return sum(not t.new for t in self.transactions)


@attrs.frozen
class _Target:
    kind: str  # "invoice" | "reminder"
    id: str


class _OpenInvoices:
    """The company's owed invoices by number and by FIK payment id, read once when first
    needed (an import reads them once for all its transactions)."""

    def __init__(self) -> None:
        self.by_number: dict[str, list[str]] = {}
        self.by_fik: dict[str, list[str]] = {}
        self.read = False

    def find(self, uow: UnitOfWork, company_id: str, text: str, fik: str | None) -> list[str]:
        if not self.read:
            self.read = True
            for status in PAYABLE_STATUSES:
                page = 1
                while True:
                    query = InvoiceQuery(page=page, limit=_PAGE, status=status)
                    listed = uow.invoices.list(company_id, query)
                    for summary in listed.items:
                        if summary.number is None:
                            continue
                        self.by_number.setdefault(summary.number, []).append(summary.id)
                        key = _fik_or_none(summary.number)
                        if key is not None:
                            self.by_fik.setdefault(key, []).append(summary.id)
                    if len(listed.items) < _PAGE:
                        break
                    page += 1
        if fik is not None:
            return self.by_fik.get(fik, [])
        return self.by_number.get(text, [])


@attrs.frozen
class Receipts:
    """The payment use cases of one Billing (see the module)."""

    work: Work

    # -- receiving ---------------------------------------------------------------------------

    def receive(
        self,
        company_id: str,
        amount: object,
        currency: str,
        references: Sequence[str],
        paid_on: date,
        *,
        key: str | None = None,
        actor: str | None = None,
        _open: _OpenInvoices | None = None,
    ) -> tuple[BankEntry, bool]:
        """Apply a payment received by its references (see the module): the entry kept
        for it, and True when this call applied it (False: ``key`` was seen before)."""
        Currency.of(currency)
        value = parse_decimal(amount, "amount", places=Currency.of(currency).minor_units)
        if value <= 0:
            raise ValidationError("must be above 0", field="amount", rule="minimum")
        work = self.work
        pid = f"pay_{new_id()}"
        key = key or pid
        opened = _open or _OpenInvoices()
        with work.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            seen = uow.accounts.bank_entry(company_id, key)
            if seen is not None:
                return seen, False
            target, reason = self._match(uow, company_id, references, opened)
            now = work.clock.now()
            reference = next((r for r in references if r.strip()), None)
            shown = reference[:200] if reference else None
            base = BankEntry(
                company_id=company_id,
                key=key,
                amount=value,
                currency=currency,
                booked_on=paid_on,
                outcome=BankOutcome.UNMATCHED,
                recorded_at=now,
                reference=shown,
                reason=reason,
            )
            writes: list[Callable[[], None]] = []
            entry = base
            if target is not None:
                entry = self._apply(uow, company_id, target, base, pid, writes, actor)
            if not uow.accounts.add_bank_entry(entry):
                # another import took the key meanwhile (and committed: the store waited)
                again = uow.accounts.bank_entry(company_id, key)
                uow.rollback()
                if again is None:
                    raise ConflictError(f"the payment {key!r} is being received; try again")
                return again, False
            for write in writes:
                write()
            uow.commit()
        return entry, True

    def import_statement(self, company_id: str, data: bytes, actor: str | None) -> BankImport:
        """Import an ISO 20022 camt.053 or camt.054 statement (see the module)."""
        statement = read_statement(data)
        opened = _OpenInvoices()
        done: list[ImportedTransaction] = []
        for tx in statement.transactions:
            entry, new = self.receive(
                company_id,
                tx.amount,
                tx.currency,
                tx.references,
                tx.booked_on,
                key=tx.key,
                actor=actor,
                _open=opened,
            )
            done.append(ImportedTransaction(tx, entry, new))
        return BankImport(tuple(done), statement.skipped, statement.message_id, statement.account)

    def _match(
        self, uow: UnitOfWork, company_id: str, references: Sequence[str], opened: _OpenInvoices
    ) -> tuple[_Target | None, str | None]:
        tried: list[str] = []
        for reference in references:
            whole = reference.strip()
            # a word of free text is tried when it could be a number: 3 characters or
            # more, with a digit ("Faktura 2026-0042, tak"), so that "2 stk" pays nothing
            words = [w for w in _WORD.findall(reference) if len(w) >= 3 and _DIGIT.search(w)]
            for text in (whole, *words):
                if not text or text in tried:
                    continue
                tried.append(text)
                found = self._lookup(uow, company_id, text, opened)
                if len(found) == 1:
                    return found[0], None
                if len(found) > 1:
                    return None, f"{text!r} names {len(found)} documents"
        if not tried:
            return None, "the payment came without a reference"
        return None, "no open document has the reference " + ", ".join(map(repr, tried[:3]))

    def _lookup(
        self, uow: UnitOfWork, company_id: str, text: str, opened: _OpenInvoices
    ) -> list[_Target]:
        """The documents ``text`` names: a reminder (number or payment id), the owed
        invoices it is the number or FIK id of, else a settled invoice it numbers (a
        payment for it is on the customer's account)."""
        found: list[_Target] = []
        reminder = uow.reminders.by_reference(company_id, text[:200])
        fik = fik_payment_id(text)
        if reminder is None and fik is not None:
            reminder = uow.reminders.by_reference(company_id, fik)
        if reminder is not None:
            found.append(_Target("reminder", reminder.id))
        found += [_Target("invoice", i) for i in opened.find(uow, company_id, text, fik)]
        if found or fik is not None or not MIN_SEARCH_LENGTH <= len(text) <= 100:
            return found
        query = InvoiceQuery(limit=_PAGE, search=text, kind=DocumentKind.INVOICE)
        listed = uow.invoices.list(company_id, query)
        return [_Target("invoice", s.id) for s in listed.items if s.number == text]

    def _apply(
        self,
        uow: UnitOfWork,
        company_id: str,
        target: _Target,
        base: BankEntry,
        pid: str,
        writes: list[Callable[[], None]],
        actor: str | None,
    ) -> BankEntry:
        """The entry for paying ``target`` with ``base``'s amount; the writes that do it
        are appended to ``writes`` (run once the entry's key is taken)."""
        work = self.work
        now, paid_on = base.recorded_at, base.booked_on
        reminder: Reminder | None = None
        if target.kind == "reminder":
            reminder = uow.reminders.get(company_id, target.id)
            ids = [item.invoice_id for item in reminder.items]
            charges = reminder.charges_outstanding
            customer_id, currency = reminder.customer_id, reminder.currency
        else:
            invoice = uow.invoices.get(company_id, target.id)
            ids, charges = [target.id], Decimal(0)
            customer_id, currency = invoice.customer_id, invoice.currency
        if currency != base.currency:
            reason = f"the document is in {currency}, the payment in {base.currency}"
            return attrs.evolve(base, reason=reason)
        invoices = sorted(
            (uow.invoices.get(company_id, i, for_update=True) for i in ids),
            key=lambda inv: (inv.due_date, inv.id),
        )
        owed = [
            (inv.id, inv.outstanding if inv.status in PAYABLE_STATUSES else Decimal(0))
            for inv in invoices
        ]
        split = allocate(base.amount, charges, owed)
        documents: list[str] = []
        if reminder is not None and split.charges > 0:
            payment = Payment(split.charges, paid_on, now, base.reference, pid)
            writes.append(functools.partial(self._pay_reminder, uow, reminder, payment, actor))
            documents.append(reminder.id)
        by_id = {inv.id: inv for inv in invoices}
        for invoice_id, part in split.invoices:
            before = by_id[invoice_id]
            after, event = before.record_payment(part, paid_on, now, base.reference, pid)
            writes.append(
                functools.partial(work.save, uow, before, after, work.stamp(event, actor))
            )
            documents.append(invoice_id)
        left = total((charges, -split.charges, *(o for _, o in owed)))
        left = total((left, *(-part for _, part in split.invoices)))
        if split.surplus > 0:
            surplus = AccountEntry(
                id=work.ids(),
                company_id=company_id,
                customer_id=customer_id,
                currency=currency,
                kind=EntryKind.OVERPAYMENT,
                amount=split.surplus,
                date=paid_on,
                recorded_at=now,
                reference=base.reference,
                invoice_id=target.id,
                payment_id=pid,
            )
            writes.append(functools.partial(uow.accounts.add, surplus))
            outcome = BankOutcome.OVERPAID
        else:
            outcome = BankOutcome.PARTIAL if left > 0 else BankOutcome.MATCHED
        return attrs.evolve(
            base,
            outcome=outcome,
            customer_id=customer_id,
            document_ids=tuple(documents) or (target.id,),
            payment_ids=(pid,),
            reason=None,
        )

    def _pay_reminder(
        self, uow: UnitOfWork, reminder: Reminder, payment: Payment, actor: str | None
    ) -> None:
        work = self.work
        uow.reminders.update(reminder.pay_charges(payment), reminder.version)
        data = {"amount": str(payment.amount), "date": payment.date.isoformat()}
        data["payment_id"] = payment.id or ""
        event = InvoiceEvent(reminder.id, "payment_recorded", payment.recorded_at, data)
        work.record(uow, reminder.company_id, work.stamp(event, actor))

    # -- reversals ---------------------------------------------------------------------------

    def reverse(
        self,
        company_id: str,
        document_id: str,
        payment_id: str,
        reason: str | None,
        actor: str | None,
    ) -> Invoice | Reminder:
        """Take back the payment ``payment_id`` (it bounced): every part of it, on
        ``document_id`` and on the other documents and the customer's account it paid,
        is taken back, each document's status what its remaining payments make it, with a
        "payment_reversed" event on each. A payment that went wholly to the customer's
        account (its document was settled already) is taken back from the account.
        Returns ``document_id`` as it is now.

        Raises NotFoundError (the document; or a payment it, the documents paid with it
        and the account no longer hold: unknown, or reversed already),
        InvoiceStateError (a document holding it that is no longer paid or partially
        paid: credited, written off).
        """
        work = self.work
        with work.store.unit_of_work() as uow:
            now = work.clock.now()
            anchor = self._document(uow, company_id, document_id)
            documents = [document_id]
            receipt = uow.accounts.receipt(company_id, payment_id)
            if receipt is not None:
                documents += [d for d in receipt.document_ids if d not in documents]
            result: Invoice | Reminder = anchor
            taken = False
            for doc_id in documents:
                doc = anchor if doc_id == document_id else self._document(uow, company_id, doc_id)
                changed = self._reverse_on(uow, doc, payment_id, reason, actor, now)
                if changed is not None:
                    taken = True
                    if doc_id == document_id:
                        result = changed
            entries = uow.accounts.for_customer(company_id, anchor.customer_id)
            undone = {e.kind for e in entries if e.payment_id == payment_id}
            for entry in entries:
                undo = _UNDO.get(entry.kind)
                if entry.payment_id != payment_id or undo is None or undo in undone:
                    continue
                # the surplus it left is taken from the balance; the balance it used on
                # an invoice is given back
                uow.accounts.add(
                    attrs.evolve(
                        entry,
                        id=work.ids(),
                        kind=undo,
                        date=work.clock.today(),
                        recorded_at=now,
                    )
                )
                taken = True
            if not taken:
                raise NotFoundError("payment", payment_id)
            uow.commit()
        return result

    def _document(self, uow: UnitOfWork, company_id: str, doc_id: str) -> Invoice | Reminder:
        """The invoice or credit note ``doc_id``, else the reminder (NotFoundError)."""
        try:
            return uow.invoices.get(company_id, doc_id, for_update=True)
        except NotFoundError:
            return uow.reminders.get(company_id, doc_id)

    def _reverse_on(
        self,
        uow: UnitOfWork,
        doc: Invoice | Reminder,
        payment_id: str,
        reason: str | None,
        actor: str | None,
        now: datetime,
    ) -> Invoice | Reminder | None:
        """``doc`` with its part of the payment taken back, None when it holds none."""
        work = self.work
        taken = next((p for p in doc.payments if p.id == payment_id), None)
        if taken is None:
            return None
        if isinstance(doc, Invoice):
            after, event = doc.reverse_payment(payment_id, now, reason)
            work.save(uow, doc, after, work.stamp(event, actor))
            return after
        changed = doc.without_payment(payment_id)
        uow.reminders.update(changed, doc.version)
        data = {"payment_id": payment_id, "amount": str(taken.amount)}
        if reason:
            data["reason"] = reason
        event = InvoiceEvent(doc.id, "payment_reversed", now, data)
        work.record(uow, doc.company_id, work.stamp(event, actor))
        return changed

    # -- refunds and the credit balance -------------------------------------------------------

    def balance(self, company_id: str, customer_id: str, currency: str) -> Decimal:
        """The customer's credit balance in ``currency``."""
        with self.work.store.unit_of_work(readonly=True) as uow:
            self.work.directory(uow).get(company_id, customer_id)
            return credit_balance(uow.accounts.for_customer(company_id, customer_id), currency)

    def apply_balance(
        self, company_id: str, invoice_id: str, amount: object | None, actor: str | None
    ) -> Invoice:
        """Pay ``invoice_id`` from its customer's credit balance: ``amount`` (None: as
        much as the balance and the invoice allow). Raises ValidationError (field
        ``amount``: nothing to use, or more than the balance or the invoice's
        outstanding amount), InvoiceStateError, NotFoundError."""
        work = self.work
        with work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
            places = Currency.of(invoice.currency).minor_units
            balance = credit_balance(
                uow.accounts.for_customer(company_id, invoice.customer_id), invoice.currency
            )
            value = (
                min(balance, invoice.outstanding)
                if amount is None
                else parse_decimal(amount, "amount", places=places)
            )
            if value <= 0:
                raise ValidationError(
                    f"nothing to use: the credit balance is {balance} {invoice.currency}",
                    field="amount",
                    rule="minimum",
                )
            if value > balance:
                raise ValidationError(
                    f"exceeds the credit balance {balance} {invoice.currency}",
                    field="amount",
                    rule="balance",
                )
            now = work.clock.now()
            pid = f"pay_{new_id()}"
            after, event = invoice.record_payment(
                value, work.clock.today(), now, CREDIT_BALANCE, payment_id=pid
            )
            work.save(uow, invoice, after, work.stamp(event, actor))
            uow.accounts.add(
                AccountEntry(
                    id=work.ids(),
                    company_id=company_id,
                    customer_id=invoice.customer_id,
                    currency=invoice.currency,
                    kind=EntryKind.APPLIED,
                    amount=value,
                    date=work.clock.today(),
                    recorded_at=now,
                    reference=invoice.number,
                    invoice_id=invoice.id,
                    payment_id=pid,
                )
            )
            uow.commit()
        return after

    def refund_balance(
        self,
        company_id: str,
        customer_id: str,
        currency: str,
        amount: object,
        paid_on: date | None,
        reference: str | None,
        actor: str | None,
    ) -> AccountEntry:
        """Pay (part of) a customer's credit balance back. Raises ValidationError (field
        ``amount``: not above 0, or above the balance), NotFoundError."""
        work = self.work
        value = parse_decimal(amount, "amount", places=Currency.of(currency).minor_units)
        if value <= 0:
            raise ValidationError("must be above 0", field="amount", rule="minimum")
        with work.store.unit_of_work() as uow:
            work.directory(uow).get(company_id, customer_id)
            balance = credit_balance(uow.accounts.for_customer(company_id, customer_id), currency)
            if value > balance:
                raise ValidationError(
                    f"exceeds the credit balance {balance} {currency}",
                    field="amount",
                    rule="balance",
                )
            entry = AccountEntry(
                id=work.ids(),
                company_id=company_id,
                customer_id=customer_id,
                currency=currency,
                kind=EntryKind.REFUND,
                amount=value,
                date=paid_on or work.clock.today(),
                recorded_at=work.clock.now(),
                reference=reference,
            )
            uow.accounts.add(entry)
            uow.commit()
        return entry

    def refund_credit_note(
        self,
        company_id: str,
        credit_note_id: str,
        amount: object | None,
        paid_on: date | None,
        reference: str | None,
        actor: str | None,
    ) -> Invoice:
        """Pay a booked credit note out to the customer (``amount`` None: what is left of
        it): recorded as a payment on the credit note, with a "refunded" event. Raises
        ValidationError (not a credit note; amount), InvoiceStateError, NotFoundError."""
        work = self.work
        with work.store.unit_of_work() as uow:
            note = uow.invoices.get(company_id, credit_note_id, for_update=True)
            if note.kind is not DocumentKind.CREDIT_NOTE:
                raise ValidationError("is not a credit note", field="credit_note_id", rule="kind")
            value = note.outstanding if amount is None else amount
            now = work.clock.now()
            pid = f"pay_{new_id()}"
            after, event = note.record_payment(
                value,  # type: ignore[arg-type]
                paid_on or work.clock.today(),
                now,
                reference,
                payment_id=pid,
            )
            refunded = InvoiceEvent(
                note.id,
                "refunded",
                now,
                {"amount": str(after.payments[-1].amount), "payment_id": pid},
            )
            work.save(uow, note, after, work.stamp(event, actor), work.stamp(refunded, actor))
            uow.commit()
        return after

    # -- statements ---------------------------------------------------------------------------

    def statement(
        self,
        company_id: str,
        customer_id: str,
        start: date,
        end: date,
        currency: str | None,
    ) -> Statement:
        """The customer's statement of account (``faktura.receivables.build_statement``)
        in ``currency`` (None: the company's)."""
        with self.work.store.unit_of_work(readonly=True) as uow:
            company = uow.companies.get(company_id)
            self.work.directory(uow).get(company_id, customer_id)
            documents: list[Invoice] = []
            page = 1
            while True:
                query = InvoiceQuery(page=page, limit=_PAGE, customer_id=customer_id, kind=None)
                listed = uow.invoices.list(company_id, query)
                documents.extend(
                    uow.invoices.get(company_id, s.id)
                    for s in listed.items
                    if s.status is not Status.DRAFT and s.number is not None
                )
                if len(listed.items) < _PAGE:
                    break
                page += 1
            reminders = uow.reminders.for_customer(company_id, customer_id)
            entries = uow.accounts.for_customer(company_id, customer_id)
        return build_statement(
            company_id,
            customer_id,
            currency or company.currency,
            start,
            end,
            documents,
            reminders,
            entries,
        )


def _fik_or_none(number: str | None) -> str | None:
    if number is None:
        return None
    try:
        return fik_id_of(number)
    except ValidationError:
        return None
