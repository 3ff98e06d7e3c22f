"""The vocabulary of the issuability rules: what a document is issued between
(``Parties``), one rule (``Requirement``), the predicates several rule sets share, and
the evaluation of a rule set (``issuability_errors``, ``check_issuable``).

The rule sets themselves are in ``faktura.issuability`` (EN 16931's and a country's own)
and ``faktura.peppol_national`` (the national rules of Peppol BIS Billing 3.0). Pure: no
I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from faktura.errors import FieldError, ValidationError
from faktura.invoice import Invoice
from faktura.parties import Address, Company, Customer
from faktura.vat import VatCategory

__all__ = [
    "Parties",
    "Requirement",
    "RuleSet",
    "address_part",
    "address_rules",
    "check_issuable",
    "issuability_errors",
    "names_danish_cvr",
    "present",
]


@attrs.frozen
class Parties:
    """What a document is issued between, and the document when there is one.

    ``department_id`` is the buyer's department the document goes to: its address, when
    it has one, is the buyer's address on the document.
    """

    seller: Company
    buyer: Customer
    invoice: Invoice | None = None
    department_id: str | None = None

    @property
    def buyer_address(self) -> Address:
        """The address the document names for the buyer."""
        if self.department_id is not None:
            department = self.buyer.department(self.department_id)
            if department is not None and department.address is not None:
                return department.address
        return self.buyer.address

    #: The VAT categories of the document's lines and allowances/charges (computed once:
    #: several rules ask).
    categories: frozenset[VatCategory] = attrs.field(init=False)

    @categories.default
    def _categories(self) -> frozenset[VatCategory]:
        if self.invoice is None:
            return frozenset()
        return frozenset(group.category for group in self.invoice.amounts.vat_breakdown)


def _always(parties: Parties) -> bool:
    return True


@attrs.frozen
class Requirement:
    """One thing a document must say: ``holds`` whenever ``applies``."""

    rule: str  # where it comes from: "EN16931-BR-CO-26", "DK-MBEK-58-1-4"
    field: str  # the path a caller fixes: "company.address.street"
    message: str
    holds: Callable[[Parties], bool]
    applies: Callable[[Parties], bool] = _always


RuleSet = Sequence[Requirement]


def present(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def address_part(address: Callable[[Parties], Address], name: str) -> Callable[[Parties], bool]:
    def holds(parties: Parties) -> bool:
        value: str | None = getattr(address(parties), name)
        return present(value)

    return holds


#: An address's parts: its field name and the word for it.
_ADDRESS_PARTS = {"street": "street", "postal_code": "postal code", "city": "city"}


def address_rules(
    party: str,
    address: Callable[[Parties], Address],
    message: str,
    rules: Mapping[str, str],
    applies: Callable[[Parties], bool] = _always,
) -> list[Requirement]:
    """One requirement per address part in ``rules`` (Python name → rule id), in that
    order: ``message`` says it, with the part's ``{word}`` and its ``{rule}``."""
    return [
        Requirement(
            rule,
            f"{party}.address.{name}",
            message.format(word=_ADDRESS_PARTS[name], rule=rule),
            address_part(address, name),
            applies,
        )
        for name, rule in rules.items()
    ]


def names_danish_cvr(parties: Parties) -> bool:
    """The seller's CVR is given, or can be read from its Danish VAT number."""
    vat_id = parties.seller.vat_id
    return parties.seller.cvr is not None or (vat_id is not None and vat_id.startswith("DK"))


def issuability_errors(parties: Parties, rules: Iterable[Requirement]) -> list[FieldError]:
    """Every requirement of ``rules`` that applies and does not hold, one FieldError per
    field (the first rule that names it), in the rules' order."""
    errors: dict[str, FieldError] = {}
    for requirement in rules:
        if requirement.field in errors or not requirement.applies(parties):
            continue
        if not requirement.holds(parties):
            errors[requirement.field] = FieldError(
                requirement.field, requirement.rule, requirement.message
            )
    return list(errors.values())


def check_issuable(parties: Parties, rules: Iterable[Requirement]) -> None:
    """A ValidationError listing every requirement that does not hold; None when the
    document may be issued."""
    errors = issuability_errors(parties, rules)
    if errors:
        raise ValidationError._from_errors(errors)
