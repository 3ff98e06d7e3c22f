"""The service layer: Billing, the use cases of invoicing over a Store, a Clock and ids.

Every use case runs in one unit of work: it loads what it needs, applies a transition
of the aggregate, writes the result and its event, and commits, or changes nothing.
Booking allocates the document number in the same unit of work that writes the booked
document, so a failed or crashed booking leaves no gap and no number without its
document.

The package holds the facade (``service``: ``Billing``) and a module per use case that
is more than a read and a transition: ``parties`` (companies and customers), ``drafts``,
``api_keys``, ``booking``, ``sending``, ``rendering``, ``recurring`` (schedules),
``runs`` (batch booking and billing runs), ``overdue``, ``webhook_endpoints`` and
``dispatch`` (the outbox's events handed to the host), which share the steps of ``work``
(the store, the clock, the ids, saving a document with its events and their outbox
messages, the input checks several of them make). ``faktura.delivery`` holds the
channels, recipients and the delivery log the send uses; no module calls another's
private members.

>>> from decimal import Decimal
>>> from faktura import Address, CompanyProfile, LineInput, MemoryStore, NewCustomer, NewDraft
>>> billing = Billing(MemoryStore())
>>> company = billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628",
...     address=Address(street="Vestergade 1", postal_code="8000", city="Aarhus C")))
>>> customer = billing.create_customer(company.id, NewCustomer(name="Fjord A/S",
...     address=Address(street="Nørregade 7", postal_code="1165", city="København K")))
>>> hours = LineInput(description="Hours", quantity=Decimal(2), unit_price=Decimal(500))
>>> draft = billing.create_draft(company.id, NewDraft(customer_id=customer.id, lines=[hours]))
>>> draft.number is None, str(draft.totals.amount)
(True, '1250.00')
>>> billing.book(company.id, draft.id).number
'1'
"""

from faktura.billing.service import Billing, InvoiceList, new_id

__all__ = ["Billing", "InvoiceList", "new_id"]
