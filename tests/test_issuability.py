"""The issuability rules: what a document must say before it may be issued, per jurisdiction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import Invoice, PaymentTerms, ProductLine, VatCategory
from faktura.errors import ValidationError
from faktura.issuability import (
    DENMARK,
    EN16931,
    JURISDICTIONS,
    Parties,
    Requirement,
    check_issuable,
    issuability_errors,
    rules_for,
)
from faktura.lines import TextLine
from faktura.parties import Address, Company, Customer, Department

SELLER = Company(
    id="co",
    name="Nordlys ApS",
    address=Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
    cvr="13585628",
    vat_id="DK13585628",
)
BUYER = Customer(
    id="cu",
    company_id="co",
    name="Fjord A/S",
    address=Address(street="Nørregade 7", city="København K", postal_code="1165"),
)
ADDRESS_FIELDS = (("street", "street"), ("postal_code", "postal_code"), ("city", "city"))


def invoice(category: VatCategory = VatCategory.S, *, text_only: bool = False) -> Invoice:
    rate = Decimal(25) if category is VatCategory.S else Decimal(0)
    lines = (
        [TextLine("Thank you")]
        if text_only
        else [ProductLine("Consulting", Decimal(2), Decimal(500), category, rate)]
    )
    return Invoice.draft(
        id="inv",
        company_id="co",
        customer_id="cu",
        issue_date=date(2026, 12, 7),
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=datetime(2026, 12, 7, tzinfo=UTC),
        lines=lines,
    ).invoice


def errors(parties: Parties) -> dict[str, str]:
    return {e.path: e.rule for e in issuability_errors(parties, rules_for(parties.seller))}


def test_a_complete_danish_invoice_may_be_issued() -> None:
    parties = Parties(SELLER, BUYER, invoice())
    assert errors(parties) == {}
    check_issuable(parties, rules_for(SELLER))  # raises nothing


@pytest.mark.parametrize(
    ("party", "name", "wire"), [(p, *f) for p in ("company", "customer") for f in ADDRESS_FIELDS]
)
def test_each_missing_address_part_is_named(party: str, name: str, wire: str) -> None:
    seller, buyer = SELLER, BUYER
    if party == "company":
        seller = attrs.evolve(SELLER, address=attrs.evolve(SELLER.address, **{name: None}))
    else:
        buyer = attrs.evolve(BUYER, address=attrs.evolve(BUYER.address, **{name: None}))
    assert errors(Parties(seller, buyer, invoice())) == {
        f"{party}.address.{wire}": "DK-MBEK-58-1-4"
    }


def test_every_failure_is_reported_at_once() -> None:
    bare_seller = Company(id="co", name="Nordlys ApS")
    bare_buyer = Customer(id="cu", company_id="co", name="Fjord A/S")
    with pytest.raises(ValidationError) as caught:
        check_issuable(Parties(bare_seller, bare_buyer, invoice()), rules_for(bare_seller))
    paths = [e.path for e in caught.value.errors]
    assert paths == [
        "company.vat_id",
        "company.cvr",
        *(f"company.address.{wire}" for _, wire in ADDRESS_FIELDS),
        *(f"customer.address.{wire}" for _, wire in ADDRESS_FIELDS),
    ]
    assert caught.value.errors[0].rule == "EN16931-BR-CO-26"


@pytest.mark.parametrize(
    ("category", "rule"),
    [(VatCategory.AE, "EN16931-BR-AE-02"), (VatCategory.K, "EN16931-BR-IC-02")],
)
def test_reverse_charge_and_intra_community_supply_need_the_buyers_vat_number(
    category: VatCategory, rule: str
) -> None:
    assert errors(Parties(SELLER, BUYER, invoice(category))) == {"customer.vat_id": rule}
    with_vat = attrs.evolve(BUYER, vat_id="DE136695976")
    assert errors(Parties(SELLER, with_vat, invoice(category))) == {}
    # the same buyer without a VAT number is fine for a domestic, standard-rated sale
    assert errors(Parties(SELLER, BUYER, invoice(VatCategory.S))) == {}


def test_reverse_charge_needs_the_sellers_vat_number_not_just_its_cvr() -> None:
    cvr_only = attrs.evolve(SELLER, vat_id=None)
    buyer = attrs.evolve(BUYER, vat_id="DE136695976")
    assert errors(Parties(cvr_only, buyer, invoice(VatCategory.AE))) == {
        "company.vat_id": "EN16931-BR-AE-02"
    }


def test_a_department_with_an_address_is_the_buyers_address() -> None:
    department = Department(
        id="dep",
        name="Indkøb",
        address=Address(street="Havnen 2", city="Vejle", postal_code="7100"),
    )
    buyer = attrs.evolve(BUYER, address=Address(), departments=(department,))
    assert "customer.address.street" in errors(Parties(SELLER, buyer, invoice()))
    assert errors(Parties(SELLER, buyer, invoice(), department_id="dep")) == {}


def test_an_invoice_states_what_was_supplied() -> None:
    assert errors(Parties(SELLER, BUYER, invoice(text_only=True))) == {"lines": "DK-MBEK-58-1-5"}


def test_a_seller_outside_denmark_is_held_to_the_norm_and_its_own_rules_only() -> None:
    swedish = attrs.evolve(SELLER, address=Address(country="SE"), cvr=None, vat_id="SE556036079301")
    assert rules_for(swedish) == tuple(EN16931)
    assert errors(Parties(swedish, attrs.evolve(BUYER, address=Address()), invoice())) == {}


def test_a_host_adds_a_jurisdiction_as_data() -> None:
    swedish = attrs.evolve(SELLER, address=Address(country="SE"), vat_id="SE556036079301")
    phone = Requirement(
        "SE-EXAMPLE-1",
        "company.phone",
        "our Swedish sales need a phone number",
        lambda p: bool(p.seller.phone),
    )
    rules = rules_for(swedish, {**JURISDICTIONS, "SE": (phone,)})
    assert [e.path for e in issuability_errors(Parties(swedish, BUYER, invoice()), rules)] == [
        "company.phone"
    ]
    assert DENMARK[0] not in rules


@given(
    blank=st.sets(
        st.sampled_from([(p, n) for p in ("company", "customer") for n in ADDRESS_FIELDS])
    )
)
def test_exactly_the_missing_parts_are_named(blank: set[tuple[str, tuple[str, str]]]) -> None:
    seller_address, buyer_address = SELLER.address, BUYER.address
    for party, (name, _) in blank:
        if party == "company":
            seller_address = attrs.evolve(
                seller_address, **{name: "  " if len(blank) % 2 else None}
            )
        else:
            buyer_address = attrs.evolve(buyer_address, **{name: None})
    parties = Parties(
        attrs.evolve(SELLER, address=seller_address),
        attrs.evolve(BUYER, address=buyer_address),
        invoice(),
    )
    assert set(errors(parties)) == {f"{party}.address.{wire}" for party, (_, wire) in blank}
