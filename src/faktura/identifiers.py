"""Business identifiers (CVR, EAN/GLN, EU VAT, IBAN, BIC) validated through python-stdnum.

Check digits are python-stdnum's, never hand-written here. Each function returns the
compact form and turns any stdnum error into a faktura ValidationError naming the field.

>>> cvr("13 58 56 28", "company.cvr")
'13585628'
>>> ean("5790000435951", "customer.ean")
'5790000435951'
>>> try:
...     cvr("12345678", "company.cvr")
... except ValidationError as err:
...     print(err.field, err.errors[0].rule)
company.cvr cvr
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from faktura.errors import ValidationError

__all__ = [
    "bic",
    "creditor_reference",
    "cvr",
    "ean",
    "ean13",
    "iban",
    "luhn_check_digit",
    "vat_id",
]

_MAX_TEXT = 64


def _validator(module: str) -> Callable[[str], str]:
    # python-stdnum's util module imports ssl and socket (for its online checks), so it is
    # imported on first use: importing faktura's core stays free of network modules.
    validate: Callable[[str], str] = importlib.import_module(f"stdnum.{module}").validate
    return validate


def _stdnum_error() -> type[Exception]:
    error: type[Exception] = importlib.import_module("stdnum.exceptions").ValidationError
    return error


def _checked(module: str, what: str, rule: str) -> Callable[[object, str], str]:
    def check(value: object, field: str) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"must be a {what} as text", field=field, rule="type")
        if len(value) > _MAX_TEXT:
            raise ValidationError(f"is too long for a {what}", field=field, rule=rule)
        validate = _validator(module)
        try:
            return validate(value)
        except _stdnum_error() as exc:
            raise ValidationError(
                f"{value!r} is not a valid {what} ({exc})", field=field, rule=rule
            ) from exc

    check.__name__ = rule
    check.__doc__ = f"``value`` as a compact, valid {what}; ValidationError naming ``field``."
    return check


cvr = _checked("dk.cvr", "Danish CVR number", "cvr")
ean = _checked("ean", "EAN/GLN number", "ean")
vat_id = _checked("eu.vat", "EU VAT number", "vat_id")
iban = _checked("iban", "IBAN", "iban")
bic = _checked("bic", "BIC", "bic")
creditor_reference = _checked("iso11649", "ISO 11649 creditor reference", "iso11649")


def ean13(value: object, field: str) -> str:
    """A 13-digit EAN/GLN (what Peppol and NemHandel address by), else ValidationError."""
    number = ean(value, field)
    if len(number) != 13:
        raise ValidationError("an EAN/GLN location number has 13 digits", field=field, rule="ean")
    return number


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit for a string of digits (FIK payment ids)."""
    calc: Callable[[str], str] = importlib.import_module("stdnum.luhn").calc_check_digit
    return str(calc(digits))
