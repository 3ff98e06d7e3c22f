"""Parties that may be issued to: a seller and buyer complete enough for the issuability
gate (a Danish invoice names the seller's CVR and both addresses), for tests and demos.

>>> from decimal import Decimal
>>> from faktura import Billing, LineInput, MemoryStore, NewDraft
>>> billing = Billing(MemoryStore())
>>> company = billing.create_company(CompanyProfile(**SELLER))
>>> customer = billing.create_customer(
...     company.id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS))
>>> hours = LineInput(description="Hours", quantity=Decimal(2), unit_price=Decimal(500))
>>> draft = billing.create_draft(company.id, NewDraft(customer_id=customer.id, lines=[hours]))
>>> billing.book(company.id, draft.id).number
'1'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from faktura.commands import CompanyProfile, NewCustomer
from faktura.errors import NotFoundError
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.ports import ListResult

if TYPE_CHECKING:
    from faktura.billing import Billing

__all__ = ["BUYER_ADDRESS", "SELLER", "SELLER_ADDRESS", "HostDirectory", "seller_and_buyer"]

SELLER_ADDRESS = Address(street="Vestergade 1", city="Aarhus C", postal_code="8000")
BUYER_ADDRESS = Address(street="Nørregade 7", city="København K", postal_code="1165")
#: ``Billing.create_company(CompanyProfile(**SELLER))``: a Danish seller with its CVR, VAT
#: number and address.
SELLER: dict[str, Any] = {
    "name": "Nordlys ApS",
    "cvr": "13585628",
    "vat_id": "DK13585628",
    "address": SELLER_ADDRESS,
}


def seller_and_buyer(billing: Billing) -> tuple[Company, Customer]:
    """A Danish seller with its bank account and a Danish business customer, created in
    ``billing``: enough to issue, pay and e-invoice (by the customer's CVR)."""
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            address=Address("Vesterbrogade 1", "København V", "1620", "DK"),
            cvr="13585628",
            vat_id="DK13585628",
            bank=BankAccount(reg_no="1234", account_no="0012345678", iban="DK5000400440116243"),
            email="faktura@nordlys.example",
        ),
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord Consulting A/S",
            number="1001",
            address=Address("Havnegade 12", "Aarhus C", "8000", "DK"),
            cvr="13585628",
            email="ap@fjord.example",
        ),
    )
    return company, customer


@attrs.define
class HostDirectory:
    """A host's own customer directory (its CRM, say) in memory, for ``Billing(customers=
    ...)``: what a store that keeps no customers is used with."""

    customers: dict[tuple[str, str], Customer] = attrs.Factory(dict)

    def get(self, company_id: str, customer_id: str) -> Customer:
        try:
            return self.customers[company_id, customer_id]
        except KeyError:
            raise NotFoundError("customer", customer_id) from None

    def add(self, customer: Customer) -> None:
        self.customers[customer.company_id, customer.id] = customer

    def update(self, customer: Customer) -> None:
        self.customers[customer.company_id, customer.id] = customer

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        found = [c for (cid, _), c in sorted(self.customers.items()) if cid == company_id]
        return ListResult(tuple(found[(page - 1) * limit : page * limit]), len(found))
