"""The national rules of Peppol BIS Billing 3.0, by the seller's country (DK, SE, NO, DE,
NL, IT, GR), each under its official rule id: ``PEPPOL_NATIONAL``, which
``faktura.issuability.einvoice_rules_for`` adds to EN 16931's for ``to_ubl``.

Rules that a document always meets by construction (the formats of identifiers
python-stdnum has checked, payment means faktura never writes) are not repeated here;
docs/einvoicing.md lists them all. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from faktura.documents.fik import payment_id
from faktura.errors import ValidationError
from faktura.requirements import (
    Parties,
    Requirement,
    RuleSet,
    address_part,
    address_rules,
    names_danish_cvr,
    present,
)
from faktura.status import DocumentKind
from faktura.vat import VatCategory

__all__ = [
    "PEPPOL_DENMARK",
    "PEPPOL_GERMANY",
    "PEPPOL_GREECE",
    "PEPPOL_ITALY",
    "PEPPOL_NATIONAL",
    "PEPPOL_NETHERLANDS",
    "PEPPOL_SWEDEN",
]


def _deliver_to_part(parties: Parties, name: str) -> bool:
    """The document's deliver-to address (BG-15), if it has one, gives ``name``."""
    invoice = parties.invoice
    if invoice is None or invoice.deliver_to is None or invoice.deliver_to.address is None:
        return True
    value: str | None = getattr(invoice.deliver_to.address, name)
    return present(value)


def _buyer_in(country: str) -> Callable[[Parties], bool]:
    def applies(parties: Parties) -> bool:
        return parties.buyer_address.country == country

    return applies


def _is_credit_note(parties: Parties) -> bool:
    return parties.invoice is not None and parties.invoice.kind is DocumentKind.CREDIT_NOTE


def _is_invoice(parties: Parties) -> bool:
    return parties.invoice is not None and parties.invoice.kind is DocumentKind.INVOICE


def _payable(parties: Parties) -> Decimal:
    return parties.invoice.totals.payable if parties.invoice is not None else Decimal(0)


def _both(*tests: Callable[[Parties], bool]) -> Callable[[Parties], bool]:
    def applies(parties: Parties) -> bool:
        return all(test(parties) for test in tests)

    return applies


def _dk_allowance_reasons(parties: Parties) -> bool:
    """DK-R-004: a ZZZ allowance/charge names a non-VAT tax: its 4-digit tax category,
    or a text with a # that neither starts nor ends it."""
    invoice = parties.invoice
    if invoice is None:
        return True
    for item in invoice.allowance_charges:
        if item.reason_code != "ZZZ":
            continue
        reason = " ".join(item.reason.split())
        four_digits = len(reason) == 4 and reason.isascii() and reason.isdigit()
        hashed = "#" in reason and not reason.startswith("#") and not reason.endswith("#")
        if not (four_digits or hashed):
            return False
    return True


def _fik_usable(parties: Parties) -> bool:
    seller, invoice = parties.seller, parties.invoice
    if seller.fik_creditor is None or invoice is None or invoice.currency != "DKK":
        return False
    if invoice.number is None:
        return True
    try:
        payment_id(invoice.number)
    except ValidationError:
        return False
    return True


def _dk_branch(parties: Parties) -> bool:
    """DK-R-006: the account faktura would name (code 31/42) has a branch: a BIC, or the
    registration number of a Danish account (in a Danish IBAN)."""
    invoice, bank = parties.invoice, parties.seller.bank
    if invoice is None or bank is None or bank.iban is None or bank.bic is not None:
        return True
    if invoice.currency == "EUR" or bank.reg_no is not None or _fik_usable(parties):
        return True
    return bank.iban.startswith("DK")


def _se_rates(parties: Parties) -> bool:
    invoice = parties.invoice
    if invoice is None:
        return True
    return all(
        group.rate in _SE_RATES
        for group in invoice.amounts.vat_breakdown
        if group.category is VatCategory.S
    )


_SE_RATES = frozenset({Decimal(6), Decimal(12), Decimal(25)})


def _has_iban(parties: Parties) -> bool:
    return parties.seller.bank is not None and parties.seller.bank.iban is not None


def _swedish_vat(parties: Parties) -> bool:
    vat = parties.seller.vat_id
    return vat is not None and vat.startswith("SE")


_DK_BUYER = _buyer_in("DK")
_DE_BUYER = _buyer_in("DE")
_NL_BUYER = _buyer_in("NL")

#: Denmark (seller in DK): DK-R-002, -004, -006, -016. DK-R-005, -007 to -011, -013 and
#: -014 hold by construction (the means codes faktura writes, the FIK payment id, the
#: CVR's scheme); DK-R-003 is a warning (a UNSPSC classification without its version).
PEPPOL_DENMARK: RuleSet = (
    Requirement(
        "DK-R-002",
        "company.cvr",
        "a Danish seller's e-invoice names its CVR number: set the CVR or a Danish VAT number",
        names_danish_cvr,
    ),
    Requirement(
        "DK-R-004",
        "allowance_charges",
        "between Danish parties, reason code ZZZ names a non-VAT tax: its reason must be "
        "the 4-digit tax category or contain a # that neither starts nor ends it; use "
        "another UNCL 5189/7161 code otherwise",
        _dk_allowance_reasons,
        _DK_BUYER,
    ),
    Requirement(
        "DK-R-006",
        "company.bank.bic",
        "between Danish parties a payment to an account needs its branch: give the BIC of "
        "the IBAN, or a Danish reg. and account number",
        _dk_branch,
        _both(_DK_BUYER, _is_invoice),
    ),
    Requirement(
        "DK-R-016",
        "payable_amount",
        "a credit note between Danish parties cannot have a negative total: issue an "
        "invoice instead, with the credited lines' quantities negated, which charges the "
        "same amount with a positive total",
        lambda p: _payable(p) >= 0,
        _both(_DK_BUYER, _is_credit_note),
    ),
)

#: Sweden (seller in SE with a Swedish VAT number): SE-R-006. SE-R-001/002 hold for any
#: VAT number python-stdnum accepts; SE-R-003 to -005 and -013 concern identifiers
#: faktura does not write for a Swedish seller; SE-R-007 to -012 are warnings.
PEPPOL_SWEDEN: RuleSet = (
    Requirement(
        "SE-R-006",
        "lines.vat_rate",
        "a Swedish seller's standard-rated (S) VAT is 25, 12 or 6 %",
        _se_rates,
        _swedish_vat,
    ),
)

#: Germany (seller and buyer in DE): XRechnung's rules in Peppol.
PEPPOL_GERMANY: RuleSet = (
    Requirement(
        "DE-R-001",
        "company.bank.iban",
        "between German parties an e-invoice states payment instructions: give the IBAN",
        _has_iban,
        _DE_BUYER,
    ),
    *(
        Requirement(
            rule,
            f"{party}.address.{name}",
            f"{what} (BT-{bt}) is needed ({rule})",
            address_part(address, name),
            _DE_BUYER,
        )
        for rule, party, name, what, bt, address in (
            (
                "DE-R-003",
                "company",
                "city",
                "the seller's city",
                37,
                lambda p: p.seller.address,
            ),
            (
                "DE-R-004",
                "company",
                "postal_code",
                "the seller's postal code",
                38,
                lambda p: p.seller.address,
            ),
            (
                "DE-R-008",
                "customer",
                "city",
                "the buyer's city",
                52,
                lambda p: p.buyer_address,
            ),
            (
                "DE-R-009",
                "customer",
                "postal_code",
                "the buyer's postal code",
                53,
                lambda p: p.buyer_address,
            ),
        )
    ),
    Requirement(
        "DE-R-006",
        "company.phone",
        "between German parties the seller contact has a telephone number (BT-42)",
        lambda p: present(p.seller.phone),
        _DE_BUYER,
    ),
    Requirement(
        "DE-R-007",
        "company.email",
        "between German parties the seller contact has an e-mail address (BT-43)",
        lambda p: present(p.seller.email),
        _DE_BUYER,
    ),
    Requirement(
        "DE-R-014",
        "lines",
        "between German parties every VAT breakdown has a rate, which outside the scope of "
        "VAT (O) has none",
        lambda p: VatCategory.O not in p.categories,
        _DE_BUYER,
    ),
    Requirement(
        "DE-R-010",
        "lines",
        "an intra-community supply (K) between German parties would need a full delivery address",
        lambda p: VatCategory.K not in p.categories,
        _DE_BUYER,
    ),
    Requirement(
        "DE-R-010",
        "deliver_to.address.city",
        "between German parties a deliver-to address names its city (BT-77)",
        lambda p: _deliver_to_part(p, "city"),
        _DE_BUYER,
    ),
    Requirement(
        "DE-R-011",
        "deliver_to.address.postal_code",
        "between German parties a deliver-to address names its postal code (BT-78)",
        lambda p: _deliver_to_part(p, "postal_code"),
        _DE_BUYER,
    ),
)

#: The Netherlands (seller in NL).
PEPPOL_NETHERLANDS: RuleSet = (
    *address_rules(
        "company",
        lambda p: p.seller.address,
        "a Dutch seller's address has its {word} ({rule})",
        dict.fromkeys(("street", "city", "postal_code"), "NL-R-002"),
    ),
    *address_rules(
        "customer",
        lambda p: p.buyer_address,
        "a Dutch seller names a Dutch buyer's {word} ({rule})",
        dict.fromkeys(("street", "city", "postal_code"), "NL-R-004"),
        _NL_BUYER,
    ),
    Requirement(
        "NL-R-007",
        "company.bank.iban",
        "a Dutch seller's document the buyer pays states how it is paid: give the IBAN",
        _has_iban,
        # the buyer pays an invoice of a positive total, a credit note of a negative one
        lambda p: _payable(p) > 0 if _is_invoice(p) else _payable(p) < 0,
    ),
)

#: Italy (seller in IT).
PEPPOL_ITALY: RuleSet = tuple(
    address_rules(
        "company",
        lambda p: p.seller.address,
        "an Italian seller's address has its {word} ({rule})",
        {"street": "IT-R-002", "city": "IT-R-003", "postal_code": "IT-R-004"},
    )
)

#: Greece (seller in GR or with an EL VAT number): the invoice number in the six
#: segments of GR-R-001 and the MARK number of the tax authority's myDATA (GR-R-004-1)
#: are not modelled, so a Greek seller's e-invoice is refused under those rule ids.
PEPPOL_GREECE: RuleSet = (
    Requirement(
        "GR-R-001-1",
        "number",
        "a Greek seller's invoice number has six segments (TIN|date|series|type|...): "
        "faktura's number series cannot write it",
        lambda p: False,
    ),
    Requirement(
        "GR-R-004-1",
        "company.address.country",
        "a Greek seller's e-invoice carries the MARK number of myDATA, which faktura does "
        "not obtain",
        lambda p: False,
    ),
)

#: The national rules of Peppol BIS Billing 3.0, by the seller's country. Norway's
#: (NO-R-001, the VAT number's form) holds for every VAT number faktura accepts; NO-R-002
#: is a warning.
PEPPOL_NATIONAL: Mapping[str, RuleSet] = {
    "DK": PEPPOL_DENMARK,
    "SE": PEPPOL_SWEDEN,
    "DE": PEPPOL_GERMANY,
    "NL": PEPPOL_NETHERLANDS,
    "IT": PEPPOL_ITALY,
    "GR": PEPPOL_GREECE,
}
