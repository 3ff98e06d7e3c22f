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

``PEPPOL_NATIONAL`` holds the national rules of the Peppol BIS Billing 3.0 set, by the
seller's country (DK, SE, NO, DE, NL, IT, GR), each under its official rule id:
``to_ubl`` checks them (with EN 16931's) before it writes an e-invoice, and the send
on the e-invoice channel runs ``to_ubl`` on a preview of the booked document, so what
they refuse is refused before a number is used. Rules that a document always meets by
construction (the formats of identifiers python-stdnum has checked, payment means faktura
never writes) are not repeated here; docs/einvoicing.md lists them all.

Three modules, one job each: ``faktura.requirements`` is the vocabulary (``Parties``,
``Requirement``) and the evaluation, ``faktura.peppol_national`` the Peppol national
rule sets, and this module EN 16931's and the jurisdictions' rules and which of them a
seller's documents meet; every name is importable from here.

Pure: no I/O, no clock.

>>> from faktura.parties import Address, Company, Customer
>>> seller = Company(id="co", name="Nordlys ApS")
>>> buyer = Customer(id="cu", company_id="co", name="Fjord A/S")
>>> [e.path for e in issuability_errors(Parties(seller, buyer), rules_for(seller))]
... # doctest: +NORMALIZE_WHITESPACE
['company.vat_id', 'company.cvr', 'company.address.street', 'company.address.postal_code',
 'company.address.city', 'customer.address.street', 'customer.address.postal_code',
 'customer.address.city']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from faktura.parties import Address, Company
from faktura.peppol_national import PEPPOL_NATIONAL
from faktura.requirements import (
    Parties,
    Requirement,
    RuleSet,
    address_rules,
    check_issuable,
    issuability_errors,
    names_danish_cvr,
)
from faktura.vat import VatCategory

__all__ = [
    "DENMARK",
    "EN16931",
    "JURISDICTIONS",
    "PEPPOL_NATIONAL",
    "Parties",
    "Requirement",
    "RuleSet",
    "check_issuable",
    "einvoice_rules_for",
    "issuability_errors",
    "rules_for",
]


def _uses(*categories: VatCategory) -> Callable[[Parties], bool]:
    def applies(parties: Parties) -> bool:
        return not parties.categories.isdisjoint(categories)

    return applies


#: The norm's rules that depend on the parties (the arithmetic holds by construction).
EN16931: RuleSet = (
    Requirement(
        "EN16931-BR-CO-26",
        "company.vat_id",
        "the seller needs a VAT number or a company registration number (CVR)",
        lambda p: p.seller.vat_id is not None or p.seller.cvr is not None,
    ),
    Requirement(
        "EN16931-BR-AE-02",
        "company.vat_id",
        "reverse charge (AE) needs the seller's VAT number",
        lambda p: p.seller.vat_id is not None,
        _uses(VatCategory.AE),
    ),
    Requirement(
        "EN16931-BR-AE-02",
        "customer.vat_id",
        "reverse charge (AE) needs the buyer's VAT number",
        lambda p: p.buyer.vat_id is not None,
        _uses(VatCategory.AE),
    ),
    Requirement(
        "EN16931-BR-IC-02",
        "company.vat_id",
        "an intra-community supply (K) needs the seller's VAT number",
        lambda p: p.seller.vat_id is not None,
        _uses(VatCategory.K),
    ),
    Requirement(
        "EN16931-BR-IC-02",
        "customer.vat_id",
        "an intra-community supply (K) needs the buyer's VAT number",
        lambda p: p.buyer.vat_id is not None,
        _uses(VatCategory.K),
    ),
)


def _address(
    rule: str, party: str, what: str, address: Callable[[Parties], Address]
) -> list[Requirement]:
    return address_rules(
        party,
        address,
        f"a full invoice names the {what}'s address: {{word}} is missing",
        dict.fromkeys(("street", "postal_code", "city"), rule),
    )


def _has_product_line(parties: Parties) -> bool:
    invoice = parties.invoice
    return invoice is None or invoice.line_facts.product_lines > 0


#: Denmark: momsbekendtgørelsen §58, stk. 1 (what a full invoice states).
DENMARK: RuleSet = (
    Requirement(
        "DK-MBEK-58-1-3",
        "company.cvr",
        "a Danish invoice names the seller's CVR/SE number",
        names_danish_cvr,
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


def einvoice_rules_for(
    seller: Company, national: Mapping[str, RuleSet] = PEPPOL_NATIONAL
) -> tuple[Requirement, ...]:
    """EN 16931's rules and the Peppol national rules of the seller's country (by its
    address; a Greek seller also by an EL VAT number): what ``to_ubl`` checks."""
    country = seller.address.country
    if seller.vat_id is not None and seller.vat_id.startswith("EL"):
        country = "GR"
    return (*EN16931, *national.get(country, ()))


def rules_for(
    seller: Company, jurisdictions: Mapping[str, RuleSet] = JURISDICTIONS
) -> tuple[Requirement, ...]:
    """EN 16931's rules and those of the seller's country."""
    return (*EN16931, *jurisdictions.get(seller.address.country, ()))
