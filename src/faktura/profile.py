"""A company's profile changed in part, by every entry point (Python, CLI, HTTP).

``patch_company`` applies a partial change: a field left out keeps its value; the nested
values (``address``, ``bank``, ``invoice_series``, ``credit_note_series``) may be given as
mappings of some of their fields, merged into the current value; ``None`` clears an
optional value (``bank``, ``logo``, ...; ``address: None`` is an empty address).
``payment_terms`` may be days net. Every bad field is named at once, by its path
(``address.postal_code``, ``bank.iban``, ``invoice_series.pattern``).

>>> from datetime import date
>>> from faktura.parties import Company
>>> company = Company(id="k1", name="Nordlys ApS")
>>> changed = patch_company(company, {"address": {"street": "Havnegade 1", "city": "Aarhus C"},
...                                   "invoice_series": {"pattern": "{year}-{seq:04}",
...                                                      "reset": "yearly"}})
>>> changed.address.city, changed.invoice_series.format(7, date(2026, 11, 25))
('Aarhus C', '2026-0007')
>>> try:
...     patch_company(company, {"bank": {"iban": "DK00"}, "locale": "Danish", "colour": 1})
... except ValidationError as err:
...     print(sorted(err.fields))
['bank.iban', 'colour', 'locale']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from faktura.errors import ConfigurationError, FieldError, ValidationError
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Address, BankAccount, Company, Payee, check_template_id
from faktura.terms import PaymentTerms

__all__ = ["PROFILE_FIELDS", "check_registered_template", "patch_company"]

#: The fields of a company a patch may name (everything but its id).
PROFILE_FIELDS = tuple(a.name for a in attrs.fields(Company) if a.name != "id")
# nested value → its class
_NESTED: dict[str, type] = {
    "address": Address,
    "bank": BankAccount,
    "payee": Payee,
    "invoice_series": NumberSeries,
    "credit_note_series": NumberSeries,
}


def _under(prefix: str, path: str) -> str:
    """``path`` (an error of a nested value) under the company field ``prefix``."""
    if not path:
        return prefix
    return path if path == prefix or path.startswith(f"{prefix}.") else f"{prefix}.{path}"


def patch_company(company: Company, patch: Mapping[str, Any]) -> Company:
    """``company`` with ``patch`` applied (see the module); a ValidationError naming
    every bad field otherwise."""
    errors: list[FieldError] = []
    changes: dict[str, Any] = {}
    for name, value in patch.items():
        if name == "id" or name not in PROFILE_FIELDS:
            rule = "immutable" if name == "id" else "unknown_field"
            message = "cannot be changed" if name == "id" else "is not a field of a company"
            errors.append(FieldError(name, rule, message))
        elif name in _NESTED:
            nested = _nested(getattr(company, name), name, value, errors)
            if nested is not _FAILED:
                changes[name] = nested
        elif name == "other_banks":
            banks = _banks(value, errors)
            if banks is not _FAILED:
                changes[name] = banks
        elif name == "payment_terms" and not isinstance(value, PaymentTerms):
            try:
                changes[name] = PaymentTerms.net(value)
            except ValidationError as exc:
                errors.extend(FieldError("payment_terms", e.rule, e.message) for e in exc.errors)
        else:
            changes[name] = value
    try:
        updated = _checked(company, changes)
    except ValidationError as exc:
        errors.extend(exc.errors)
    if isinstance(changes.get("document_template"), str) and "document_template" not in {
        e.path for e in errors
    }:
        try:
            check_registered_template(changes["document_template"])
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError._from_errors(errors)
    return updated


_FAILED: Any = object()


def _nested(current: Any, name: str, value: Any, errors: list[FieldError]) -> Any:
    cls, path = _NESTED[name], name
    if value is None:
        if name in ("bank", "payee"):
            return None
        if name == "address":
            return Address()
        errors.append(FieldError(path, "type", "must not be null"))
        return _FAILED
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        errors.append(FieldError(path, "type", "must be an object"))
        return _FAILED
    known = {a.name for a in attrs.fields(cls)}
    unknown = [key for key in value if key not in known]
    for key in unknown:
        errors.append(FieldError(f"{path}.{key}", "unknown_field", "is unknown"))
    if unknown:
        return _FAILED
    merged = {**(attrs.asdict(current, recurse=False) if current is not None else {}), **value}
    if cls is Payee and merged.get("name") is None:
        errors.append(FieldError("payee.name", "required", "is required"))
        return _FAILED
    if cls is NumberSeries and "reset" in value:
        try:
            merged["reset"] = Reset(value["reset"])
        except ValueError:
            choices = ", ".join(r.value for r in Reset)
            errors.append(FieldError(f"{path}.reset", "enum", f"must be one of: {choices}"))
            return _FAILED
    try:
        return cls(**merged)
    except ValidationError as exc:
        found = _each(cls, merged, value, path) or [
            FieldError(_under(path, e.path), e.rule, e.message) for e in exc.errors
        ]
        errors.extend(found)
    except TypeError as exc:
        errors.append(FieldError(path, "type", str(exc)))
    return _FAILED


def _banks(value: Any, errors: list[FieldError]) -> Any:
    """The company's other accounts from a list of BankAccounts or mappings of their
    fields (the whole list is replaced; None clears it); errors name ``other_banks.N``."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        errors.append(FieldError("other_banks", "type", "must be a list"))
        return _FAILED
    banks: list[BankAccount] = []
    failed = False
    for index, item in enumerate(value):
        path = f"other_banks.{index}"
        if isinstance(item, BankAccount):
            banks.append(item)
            continue
        if not isinstance(item, Mapping):
            errors.append(FieldError(path, "type", "must be an object"))
            failed = True
            continue
        try:
            banks.append(BankAccount(**item))
        except ValidationError as exc:
            errors.extend(
                FieldError(f"{path}.{e.path.removeprefix('bank.')}", e.rule, e.message)
                for e in exc.errors
            )
            failed = True
        except TypeError as exc:
            errors.append(FieldError(path, "type", str(exc)))
            failed = True
    return _FAILED if failed else tuple(banks)


def _each(
    cls: type, merged: Mapping[str, Any], value: Mapping[str, Any], path: str
) -> list[FieldError]:
    """The errors of each changed field of a nested value on its own (the checks of a
    value stop at its first bad field)."""
    found: dict[str, FieldError] = {}
    for key in value:
        alone = {k: v for k, v in merged.items() if k not in value or k == key}
        try:
            cls(**alone)
        except ValidationError as exc:
            for e in exc.errors:
                error = FieldError(_under(path, e.path), e.rule, e.message)
                found.setdefault(error.path, error)
        except TypeError:
            continue
    return list(found.values())


def _checked(base: Company, changes: Mapping[str, Any]) -> Company:
    """``base`` with ``changes``; each change is checked on its own first, so one bad
    field does not hide another."""
    errors: list[FieldError] = []
    for name, value in changes.items():
        alone = {name: value}
        if name == "other_banks" and "bank" in changes:  # they come after the bank
            alone["bank"] = changes["bank"]
        try:
            attrs.evolve(base, **alone)
        except ValidationError as exc:
            prefix = name
            for error in exc.errors:
                path = error.path
                if name in _NESTED or name == "payment_terms":
                    path = _under(prefix, path)
                errors.append(FieldError(path, error.rule, error.message))
        except (TypeError, AttributeError) as exc:  # a value of the wrong kind
            errors.append(FieldError(name, "type", str(exc)))
    if errors:
        raise ValidationError._from_errors(errors)
    return attrs.evolve(base, **changes)


def check_registered_template(template_id: object) -> None:
    """A ValidationError (document_template) unless ``template_id`` is None or the id of a
    registered PDF template; without the pdf extra only its form is checked."""
    if template_id is None:
        return
    template_id = check_template_id(template_id)
    try:
        from faktura.documents.pdf import require_pdf_extra, template

        require_pdf_extra()
    except (ImportError, ConfigurationError):
        return
    try:
        template(template_id)
    except ValidationError as exc:
        message = exc.errors[0].message if exc.errors else "is not a document template"
        raise ValidationError(message, field="document_template", rule="unknown_template") from None
