"""What a document must say before it may be issued, written as data a host can extend.

A number is a promise that the document under it is a legal invoice. The rules here say
what that takes, per jurisdiction: each ``Requirement`` names the rule it comes from,
the field it is about (the path a caller fixes: ``company.address.street``), a message,
when it applies, and when it holds. ``check_issuable`` reports every requirement that
does not hold at once, as one ValidationError with a FieldError per field, so a caller
fixes everything in one go.

``EN16931`` holds for every seller (the European norm's business rules that depend on
the parties, not on the arithmetic, which ``compute_totals`` already guarantees).
``JURISDICTIONS`` adds a country's own rules by the seller's country: Denmark's
momsbekendtgørelsen §58 (the content of a full invoice). A host that sells elsewhere
passes its own mapping.

Pure: no I/O, no clock.

>>> from faktura.parties import Address, Company, Customer
>>> seller = Company(id="co", name="Nordlys ApS")
>>> buyer = Customer(id="cu", company_id="co", name="Fjord A/S")
>>> [e.path for e in issuability_errors(Parties(seller, buyer), rules_for(seller))]
... # doctest: +NORMALIZE_WHITESPACE
['company.vatId', 'company.cvr', 'company.address.street', 'company.address.postalCode',
 'company.address.city', 'customer.address.street', 'customer.address.postalCode',
 'customer.address.city']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from faktura.errors import FieldError, ValidationError
from faktura.invoice import Invoice
from faktura.parties import Address, Company, Customer
from faktura.vat import VatCategory

__all__ = [
    "DENMARK",
    "EN16931",
    "JURISDICTIONS",
    "Parties",
    "Requirement",
    "check_issuable",
    "issuability_errors",
    "rules_for",
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


def _uses(*categories: VatCategory) -> Callable[[Parties], bool]:
    def applies(parties: Parties) -> bool:
        return not parties.categories.isdisjoint(categories)

    return applies


def _present(value: str | None) -> bool:
    return value is not None and value.strip() != ""


#: The norm's rules that depend on the parties (the arithmetic holds by construction).
EN16931: RuleSet = (
    Requirement(
        "EN16931-BR-CO-26",
        "company.vatId",
        "the seller needs a VAT number or a company registration number (CVR)",
        lambda p: p.seller.vat_id is not None or p.seller.cvr is not None,
    ),
    Requirement(
        "EN16931-BR-AE-02",
        "company.vatId",
        "reverse charge (AE) needs the seller's VAT number",
        lambda p: p.seller.vat_id is not None,
        _uses(VatCategory.AE),
    ),
    Requirement(
        "EN16931-BR-AE-02",
        "customer.vatId",
        "reverse charge (AE) needs the buyer's VAT number",
        lambda p: p.buyer.vat_id is not None,
        _uses(VatCategory.AE),
    ),
    Requirement(
        "EN16931-BR-IC-02",
        "company.vatId",
        "an intra-community supply (K) needs the seller's VAT number",
        lambda p: p.seller.vat_id is not None,
        _uses(VatCategory.K),
    ),
    Requirement(
        "EN16931-BR-IC-02",
        "customer.vatId",
        "an intra-community supply (K) needs the buyer's VAT number",
        lambda p: p.buyer.vat_id is not None,
        _uses(VatCategory.K),
    ),
)


def _address_part(address: Callable[[Parties], Address], name: str) -> Callable[[Parties], bool]:
    def holds(parties: Parties) -> bool:
        value: str | None = getattr(address(parties), name)
        return _present(value)

    return holds


def _address(
    rule: str, party: str, what: str, address: Callable[[Parties], Address]
) -> list[Requirement]:
    return [
        Requirement(
            rule,
            f"{party}.address.{wire}",
            f"a full invoice names the {what}'s address: {word} is missing",
            _address_part(address, name),
        )
        for name, wire, word in (
            ("street", "street", "street"),
            ("postal_code", "postalCode", "postal code"),
            ("city", "city", "city"),
        )
    ]


def _has_product_line(parties: Parties) -> bool:
    invoice = parties.invoice
    return invoice is None or invoice.line_facts.product_lines > 0


#: Denmark: momsbekendtgørelsen §58, stk. 1 (what a full invoice states).
DENMARK: RuleSet = (
    Requirement(
        "DK-MBEK-58-1-3",
        "company.cvr",
        "a Danish invoice names the seller's CVR/SE number",
        lambda p: (
            p.seller.cvr is not None
            or (p.seller.vat_id is not None and p.seller.vat_id.startswith("DK"))
        ),
    ),
    *_address("DK-MBEK-58-1-4", "company", "seller", lambda p: p.seller.address),
    *_address("DK-MBEK-58-1-4", "customer", "buyer", lambda p: p.buyer_address),
    Requirement(
        "DK-MBEK-58-1-5",
        "lines",
        "an invoice states the quantity and kind of what was supplied: add a product line",
        _has_product_line,
    ),
)

#: A country's own rules, by the seller's country (ISO 3166-1 alpha-2).
JURISDICTIONS: Mapping[str, RuleSet] = {"DK": DENMARK}


def rules_for(
    seller: Company, jurisdictions: Mapping[str, RuleSet] = JURISDICTIONS
) -> tuple[Requirement, ...]:
    """EN 16931's rules and those of the seller's country."""
    return (*EN16931, *jurisdictions.get(seller.address.country, ()))


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
