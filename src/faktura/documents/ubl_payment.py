"""The PaymentMeans of a UBL document: the means the company's bank details allow, in
the order ``faktura.documents.ubl``'s docstring gives, and one more PaymentMeans for
each of its other accounts the same means can name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from faktura.documents.fik import payment_id
from faktura.documents.ubl_elements import cac as _cac
from faktura.errors import ValidationError
from faktura.parties import Company

__all__ = ["payment_means"]


def payment_means(
    root: ET.Element,
    company: Company,
    number: str,
    currency: str,
    *,
    credit: bool,
    between_dk: bool,
) -> None:
    """The PaymentMeans of the company's bank, then one more for each of its other
    accounts the same means can name: EN 16931 allows a single payment id and one
    means code (UBL-SR-44/47). ``faktura.documents.ubl``'s docstring gives the order
    of the means."""
    chosen = _means(company, number, currency, credit=credit, between_dk=between_dk)
    if chosen is None:
        return
    code, reference, first, first_branch = chosen
    for account, branch in ((first, first_branch), *_other_accounts(company, code)):
        means = _cac(root, "PaymentMeans", PaymentMeansCode=code, PaymentID=reference)
        payee = _cac(means, "PayeeFinancialAccount", ID=account)
        if branch is not None:
            _cac(payee, "FinancialInstitutionBranch", ID=branch)


def _other_accounts(company: Company, code: str) -> list[tuple[str, str | None]]:
    """(account, branch) of each of the company's other accounts that means ``code``
    can name: an IBAN for a credit transfer (30, 58; with its BIC for 31, whose
    branch Peppol's DK-R-006 needs), a Danish reg. and account number for 42; none for
    a FIK payment (93), whose account is the creditor number."""
    found: list[tuple[str, str | None]] = []
    for bank in company.other_banks:
        if (code in ("30", "58") and bank.iban is not None) or (
            code == "31" and bank.iban is not None and bank.bic is not None
        ):
            found.append((bank.iban, bank.bic))
        elif code == "42" and bank.reg_no is not None and bank.account_no is not None:
            found.append((bank.account_no, bank.reg_no))
    return found


def _means(
    company: Company, number: str, currency: str, *, credit: bool, between_dk: bool
) -> tuple[str, str, str, str | None] | None:
    """(means code, payment id, account, branch) of the means the document names."""
    bank = company.bank
    iban = bank.iban if bank is not None else None
    bic = bank.bic if bank is not None else None
    danish = company.address.country == "DK"
    if iban is not None and currency == "EUR":
        return "58", number, iban, bic
    fik = danish and company.fik_creditor is not None and currency == "DKK"
    if fik and not credit:
        assert company.fik_creditor is not None
        try:
            return "93", f"71#{payment_id(number)}", company.fik_creditor, None
        except ValidationError:
            if iban is None and (bank is None or bank.reg_no is None):
                raise  # no other means: the number must give a FIK payment id
    if danish and bank is not None and bank.reg_no is not None and bank.account_no:
        return "42", number, bank.account_no, bank.reg_no
    if iban is None:
        return None
    if bic is None and iban.startswith("DK") and between_dk:
        # DK-R-006: a Danish account needs its registration number as branch; the
        # rule set refused any other IBAN without BIC between Danish parties.
        return "42", number, iban[8:], iban[4:8]
    return ("31" if danish else "30"), number, iban, bic
