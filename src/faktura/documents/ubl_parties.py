"""The parties of a UBL document: the seller (BG-4), the buyer (BG-7) and the payee
(BG-10), as ``faktura.documents.ubl``'s docstring describes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from faktura.documents.ubl_elements import SCHEME_CVR as _SCHEME_CVR
from faktura.documents.ubl_elements import address as _address
from faktura.documents.ubl_elements import cac as _cac
from faktura.documents.ubl_elements import cbc as _cbc
from faktura.documents.ubl_elements import danish_cvr as _danish_cvr
from faktura.documents.ubl_elements import endpoint as _endpoint
from faktura.documents.ubl_elements import scheme as _scheme
from faktura.documents.ubl_elements import tax_scheme as _tax_scheme
from faktura.documents.ubl_elements import text as _text
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.parties import Company, Customer

__all__ = ["buyer", "payee", "seller"]


def seller(
    party: ET.Element, company: Company, invoice: Invoice, *, outside_scope: bool, between_de: bool
) -> None:
    """The seller (AccountingSupplierParty/Party): endpoint, name, address, VAT number,
    legal entity and contact."""
    cvr = company.cvr
    if cvr is None and company.address.country == "DK" and company.vat_id is not None:
        cvr = _danish_cvr(company.vat_id)  # DK-R-002
    legal_id = cvr if company.address.country != "NL" else None
    _endpoint(party, "company", company.ean, company.cvr, company.vat_id)
    if outside_scope and legal_id is None and company.vat_id is not None:
        # BR-CO-26 needs the seller identified, and BR-O-02 keeps its VAT number out
        # of PartyTaxScheme: the VAT number is then its seller identifier (BT-29)
        _cac(party, "PartyIdentification", ID=company.vat_id)
    _cac(party, "PartyName", Name=company.name)
    _address(party, "PostalAddress", company.address)
    if company.vat_id is not None and not outside_scope:
        _tax_scheme(party, company.vat_id)
    legal = _cac(party, "PartyLegalEntity", RegistrationName=company.name)
    if legal_id is not None:
        _cbc(legal, "CompanyID", legal_id, schemeID=_SCHEME_CVR)
    name = _text(invoice.our_reference)
    phone, email = _text(company.phone), _text(company.email)
    if name is None and (phone or email) and between_de:
        name = company.name  # DE-R-005: the contact point, the company itself
    if name or phone or email:
        contact = _cac(party, "Contact")
        _cbc(contact, "Name", name)
        _cbc(contact, "Telephone", phone)
        _cbc(contact, "ElectronicMail", email)


def buyer(
    party: ET.Element,
    company: Company,
    customer: Customer,
    invoice: Invoice,
    *,
    outside_scope: bool,
) -> None:
    """The buyer (AccountingCustomerParty/Party), its department's EAN and address
    when the document names one, and its contact."""
    department = None
    if invoice.customer_department_id is not None:
        department = customer.department(invoice.customer_department_id)
        if department is None:
            raise ValidationError(
                "is not a department of the customer",
                field="customer_department_id",
                rule="ubl_department",
            )
    ean = department.ean if department is not None and department.ean else customer.ean
    _endpoint(party, "customer", ean, customer.cvr, customer.vat_id)
    _cac(party, "PartyName", Name=customer.name)
    address = department.address if department is not None and department.address else None
    address = address or customer.address
    _address(party, "PostalAddress", address)
    if customer.vat_id is not None and not outside_scope:
        _tax_scheme(party, customer.vat_id)
    legal = _cac(party, "PartyLegalEntity", RegistrationName=customer.name)
    if customer.cvr is not None and not (
        address.country == "NL" == company.address.country  # NL-R-005
    ):
        _cbc(legal, "CompanyID", customer.cvr, schemeID=_SCHEME_CVR)
    contact = None
    if invoice.customer_contact_id is not None:
        contact = customer.contact(invoice.customer_contact_id)
        if contact is None:
            raise ValidationError(
                "is not a contact of the customer",
                field="customer_contact_id",
                rule="ubl_contact",
            )
    name = contact.name if contact is not None else (department.name if department else None)
    email = contact.email if contact is not None else None
    if name or email:
        element = _cac(party, "Contact")
        _cbc(element, "Name", name)
        _cbc(element, "ElectronicMail", email)


def payee(party: ET.Element, company: Company) -> None:
    """BG-10: who is paid when it is not the seller (BR-17: its name, which differs
    from the seller's, ``Company`` checks)."""
    payee = company.payee
    assert payee is not None
    if payee.identifier is not None:
        scheme = payee.identifier_scheme
        identification = _cac(party, "PartyIdentification")
        _cbc(identification, "ID", payee.identifier, **_scheme(scheme))
    _cac(party, "PartyName", Name=payee.name)
    if payee.legal_id is not None:
        legal = _cac(party, "PartyLegalEntity")
        _cbc(legal, "CompanyID", payee.legal_id, **_scheme(payee.legal_id_scheme))
