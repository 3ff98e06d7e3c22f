"""How the customer pays: the bank and FIK lines an invoice shows, on its PDF and in its
email alike, so the two never disagree.

>>> from datetime import UTC, date, datetime
>>> from decimal import Decimal
>>> from faktura import Invoice, PaymentTerms, ProductLine, VatCategory
>>> from faktura.parties import BankAccount, Company
>>> seller = Company(id="co", name="Nordlys ApS", fik_creditor="12345678",
...     bank=BankAccount(reg_no="1234", account_no="0012345678", iban="DK5000400440116243"))
>>> draft = Invoice.draft(id="i", company_id="co", customer_id="cu", currency="DKK",
...     issue_date=date(2026, 12, 7), payment_terms=PaymentTerms.net(8),
...     at=datetime(2026, 12, 7, tzinfo=UTC),
...     lines=[ProductLine("Hours", Decimal(1), Decimal(100), VatCategory.S, Decimal(25))],
... ).invoice
>>> for line in payment_lines(draft.book("7", datetime(2026, 12, 7, tzinfo=UTC)).invoice,
...                           seller, "da"):
...     print(line)
Reg.nr. 1234 · Kontonr. 0012345678
IBAN DK5000400440116243
Indbetalingskort (FIK): +71<000000000000075+12345678<
"""

from __future__ import annotations

from faktura.documents import l10n
from faktura.documents.fik import fik_line, payment_id
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.parties import Company

__all__ = ["bank_lines", "payment_lines"]


def payment_lines(invoice: Invoice, company: Company, locale: str) -> list[str]:
    """Where ``invoice`` is paid, in ``locale``'s words: the payee when it is not the
    seller (factoring, BG-10), the Danish reg. and account number and the IBAN with its
    BIC of the company's bank and of each of its other accounts, and the FIK payment
    line (a booked DKK invoice of a company with a FIK creditor number, whose number has
    the digits of a FIK payment id; ValidationError naming ``number`` when it has not and
    there is no bank account to pay instead). Empty when the company gave no bank details."""
    words = l10n.labels(locale)
    lines = bank_lines(company, locale)
    if company.fik_creditor and invoice.number and invoice.currency == "DKK":
        try:
            fik = fik_line(payment_id(invoice.number), company.fik_creditor)
        except ValidationError:
            if not lines:  # the number gives no FIK payment id and nothing else pays
                raise
        else:
            lines.append(f"{words.fik}: {fik}")
    if company.payee is not None:
        lines.insert(0, f"{words.payee}: {company.payee.name}")
    return lines


def bank_lines(company: Company, locale: str) -> list[str]:
    """The company's bank accounts in ``locale``'s words, its main bank first: the
    Danish reg. and account number and the IBAN with its BIC of each (the lines every
    document that asks for money shows: invoices, reminders, statements)."""
    words = l10n.labels(locale)
    lines = []
    banks = (company.bank, *company.other_banks) if company.bank else company.other_banks
    for bank in banks:
        if bank.reg_no and bank.account_no:
            lines.append(
                f"{words.bank_reg_no} {bank.reg_no} · {words.bank_account_no} {bank.account_no}"
            )
        if bank.iban:
            lines.append(
                f"{words.iban} {bank.iban}" + (f" · {words.bic} {bank.bic}" if bank.bic else "")
            )
    return lines
