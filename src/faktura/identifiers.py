"""Business identifiers (CVR, EAN/GLN, VAT, IBAN, BIC) validated through python-stdnum.

Check digits are python-stdnum's, never hand-written here. Each function returns the
compact form and turns any stdnum error into a faktura ValidationError naming the field.

``vat_id`` takes the VAT numbers of the EU member states (and Northern Ireland's XI) and
those of Norway (``NO995525828MVA``), Switzerland (``CHE113690319MWST``, also TVA and
IVA) and the United Kingdom (``GB980780684``), always with their country prefix, in the
form EN 16931 writes them (BR-CO-09): Greece's is written ``EL`` (a ``GR`` prefix is
taken and rewritten), Norway's keeps its ``MVA`` suffix (Peppol NO-R-001).

>>> cvr("13 58 56 28", "company.cvr")
'13585628'
>>> ean("5790000435951", "customer.ean")
'5790000435951'
>>> vat_id("NO 995 525 828 MVA", "vatId"), vat_id("GR094259216", "vatId")
('NO995525828MVA', 'EL094259216')
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
_eu_vat_id = _checked("eu.vat", "EU VAT number", "vat_id")
_no_vat_id = _checked("no.mva", "Norwegian VAT number (NO…MVA)", "vat_id")
_ch_vat_id = _checked("ch.vat", "Swiss VAT number (CHE…MWST/TVA/IVA)", "vat_id")
_gb_vat_id = _checked("gb.vat", "UK VAT number", "vat_id")


def vat_id(value: object, field: str) -> str:
    """``value`` as a compact VAT number with its country prefix (EU, XI, NO, CH, GB);
    ValidationError naming ``field`` otherwise."""
    if not isinstance(value, str):
        raise ValidationError("must be a VAT number as text", field=field, rule="type")
    prefix = value.strip()[:2].upper()
    if prefix == "NO":
        # stdnum.no.mva's compact form drops the prefix; Peppol writes NO + 9 digits + MVA.
        return "NO" + _no_vat_id(value, field)
    if prefix == "CH":
        return _ch_vat_id(value, field)
    if prefix == "GB":
        return "GB" + _gb_vat_id(value, field).removeprefix("GB")
    number = _eu_vat_id(value, field)
    if number.startswith("GR"):  # EN 16931 (BR-CO-09) and Peppol GR-R-003 write EL
        return "EL" + number[2:]
    return number


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
