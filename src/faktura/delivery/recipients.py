"""Recipient resolution and validation (the first step of a send), pure: no I/O.

Email: the override, else the invoice's contact, else the customer's address.
E-invoice: the override EAN, else the department's EAN, else the customer's EAN, else
its CVR. Every address is checked before anything is booked: email syntax without CR,
LF or anything else that could smuggle a header; EAN by its GS1 check digit; CVR by its
modulus 11 check. No recipient at all is a ValidationError naming the field to fill.

>>> from faktura.parties import Customer, check_email
>>> customer = Customer(id="c1", company_id="k1", name="Fjord A/S", email="ap@fjord.dk")
>>> email_recipient(customer, None, None).address
'ap@fjord.dk'
>>> try:
...     check_email("ap@fjord.dk\\r\\nBcc: all@example.com", "override_email")
... except ValidationError as err:
...     print(err.field, err.errors[0].rule)
override_email email
"""

from __future__ import annotations

from faktura import identifiers
from faktura.delivery.channel import Recipient, RecipientKind
from faktura.errors import ValidationError
from faktura.parties import Customer, Department, check_email

__all__ = [
    "CVR_SCHEME",
    "GLN_SCHEME",
    "einvoice_recipient",
    "email_recipient",
    "manual_recipient",
]

#: ISO 6523 ICD of GLN/EAN location numbers (Peppol scheme "0088").
GLN_SCHEME = "0088"
#: ISO 6523 ICD of the Danish CVR number (Peppol scheme "0184").
CVR_SCHEME = "0184"


def email_recipient(customer: Customer, contact_id: str | None, override: str | None) -> Recipient:
    """The email recipient of a send: ``override`` (field "override_email"), else the
    invoice's contact, else the customer's email."""
    if override is not None:
        return Recipient(
            RecipientKind.EMAIL,
            check_email(override, "override_email"),
            customer.name,
            source="override",
        )
    if contact_id is not None:
        contact = next((c for c in customer.contacts if c.id == contact_id), None)
        if contact is not None and contact.email:
            return Recipient(
                RecipientKind.EMAIL,
                check_email(contact.email, "customer_contact_id.email"),
                contact.name,
                source="contact",
            )
    if customer.email:
        return Recipient(
            RecipientKind.EMAIL, check_email(customer.email, "customer.email"), customer.name
        )
    raise ValidationError(
        "no email address: give an override email, or an email on the contact or customer",
        field="override_email",
        rule="required",
    )


def einvoice_recipient(
    customer: Customer, department_id: str | None, override_ean: str | None
) -> Recipient:
    """The Peppol recipient of an e-invoice: ``override_ean`` (field
    "override_ean_number"), else the department's EAN, else the customer's EAN, else its
    CVR."""
    if override_ean is not None:
        ean = identifiers.ean(override_ean, "override_ean_number")
        department = _department(customer, department_id)
        return Recipient(
            RecipientKind.PEPPOL,
            ean,
            customer.name,
            GLN_SCHEME,
            "override",
            department.id if department is not None and department.ean else None,
        )
    department = _department(customer, department_id)
    if department is not None and department.ean:
        ean = identifiers.ean(department.ean, "customerDepartmentId.ean")
        return Recipient(
            RecipientKind.PEPPOL,
            ean,
            f"{customer.name}, {department.name}",
            GLN_SCHEME,
            "department",
            department.id,
        )
    if customer.ean:
        return Recipient(
            RecipientKind.PEPPOL,
            identifiers.ean(customer.ean, "customer.ean"),
            customer.name,
            GLN_SCHEME,
        )
    if customer.cvr:
        return Recipient(
            RecipientKind.PEPPOL,
            identifiers.cvr(customer.cvr, "customer.cvr"),
            customer.name,
            CVR_SCHEME,
        )
    raise ValidationError(
        "no e-invoicing address: give an override EAN number, or an EAN or CVR on the customer",
        field="override_ean_number",
        rule="required",
    )


def manual_recipient(customer: Customer) -> Recipient:
    """A delivery by hand: to the customer, no address."""
    return Recipient(RecipientKind.NONE, "", customer.name, source="customer")


def _department(customer: Customer, department_id: str | None) -> Department | None:
    if department_id is None:
        return None
    return next((d for d in customer.departments if d.id == department_id), None)
