"""UBL 2.1 e-invoices: Peppol BIS Billing 3.0 Invoice (380) and CreditNote (381).

``to_ubl(invoice, company, customer)`` returns the document as UTF-8 bytes, pretty-printed
and deterministic (the same input gives the same bytes). It is built with the standard
library's ``xml.etree.ElementTree``, which escapes every text and attribute, so faktura's
core needs nothing new; the tests check the output against the UBL 2.1 XSD and CEN's
EN 16931 rules.

Mapping (EN 16931 business terms):

* number → ID (BT-1), issue date (BT-2), due date (BT-9, invoices only: a UBL 2.1
  CreditNote has no DueDate), currency (BT-5), description, notes and a credit note's
  reason ("Reason: ...") → one Note (BT-22; Peppol allows a single note),
  ``reference`` → BuyerReference (BT-10), falling back to the customer number (Peppol
  needs a buyer or order reference), ``ourReference`` → the seller contact (BT-41) with
  the company's phone and e-mail. ``references`` (faktura.references): the buyer
  accounting reference → AccountingCost (BT-19), the order and sales order →
  OrderReference ID and SalesOrderID (BT-13, BT-14; ID "NA" when only the sales order
  is known), the contract → ContractDocumentReference (BT-12), the project →
  ProjectReference (BT-11; on a credit note an AdditionalDocumentReference with
  DocumentTypeCode 50, as a UBL 2.1 CreditNote has no ProjectReference).
* ``attachments`` (faktura.attachments, BG-24) → one AdditionalDocumentReference each,
  after the references above: ID (BT-122), DocumentDescription (BT-123), and an
  Attachment with the file in base64 as EmbeddedDocumentBinaryObject with its
  ``mimeCode`` and ``filename`` (BT-125) and/or its ExternalReference URI (BT-124). The
  document's own PDF is one of them (``Attachment.document_pdf``), passed in by the
  caller: rendering is not the core's business.
* A credit note names the credited invoice number (BT-25) and its issue date (BT-26)
  in BillingReference. Its amounts and quantities are positive, as faktura stores them.
* Parties: EndpointID from the EAN/GLN (scheme 0088), else the CVR (scheme 0184), else
  the scheme of the party's VAT number (``VAT_ENDPOINTS``: the organisation number in a
  Swedish or Norwegian one, 0007/0192; the TIN of a Greek one, 9933; the VAT number
  itself for the other countries' VAT schemes); the buyer's department overrides its EAN
  and postal address. VAT number → PartyTaxScheme (left out when the document is outside
  the scope of VAT, O: BR-O-02), name and CVR → PartyLegalEntity (a Danish seller without
  a CVR but with a Danish VAT number: the CVR in it, DK-R-002; no Danish CVR for a Dutch
  party, whose legal id must be KVK/OIN, NL-R-003/005); a seller outside the scope of
  VAT without such a legal id is identified by its VAT number as seller identifier
  (PartyIdentification, BT-29), as BR-CO-26 needs one. The customer's contact → buyer
  contact. Between German parties the seller contact is named by ``ourReference``, else
  the company's name (XRechnung's DE-R-002/005).
* Payment: one PaymentMeans, as EN 16931 allows a single payment id and means code
  (UBL-SR-44/47): an IBAN in EUR → code 58 (SEPA) with the BIC as branch; else, for a
  Danish seller, FIK in DKK → code 93 with PaymentID ``71#<15-digit payment id>`` and the
  8-digit creditor as account (Peppol DK-R-010/011), unless the number has no digits for
  a payment id, then the next means; else a Danish reg./account number → code 42 with
  the reg. no. as branch (DK-R-006); else an IBAN → code 31 (code 30 for a seller outside
  Denmark: NL-R-008), with its BIC as branch; between Danish parties an IBAN without BIC
  needs a branch (DK-R-006): a Danish IBAN is written as its reg. and account number
  (code 42), another one is refused. Each of the company's ``other_banks`` the chosen
  means can name (an IBAN for 58 and 30, an IBAN with BIC for 31, a reg./account number
  for 42; none for FIK) is one more PaymentMeans with the same code and payment id.
  Credit notes carry them only between German parties (DE-R-001) or when the buyer pays
  (NL-R-007). Payment terms → PaymentTerms/Note (English).
* The company's payee (factoring, BG-10) → PayeeParty: PartyIdentification/ID (BT-60),
  PartyName/Name (BT-59), PartyLegalEntity/CompanyID (BT-61), each ID with its ICD
  scheme when given.
* The national rules of the Peppol set (Denmark, Sweden, Norway, Germany, the
  Netherlands, Italy, Greece) that depend on what the document says are checked first
  (``faktura.issuability.einvoice_rules_for``): a document that would break one is
  refused naming the field and the official rule id.
* The VAT in the seller's VAT accounting currency, kept at booking
  (``Invoice.vat_accounting``) → TaxCurrencyCode (BT-6) and a second TaxTotal holding
  only its TaxAmount in that currency (BT-111); a document without it (in the seller's
  own currency, without VAT, or built by hand and never booked through ``Billing``)
  has neither.
* Product lines → InvoiceLine/CreditNoteLine with ID = the line's position on the
  document (text and separator lines are not part of an e-invoice and are left out).
  The line's note → Note (BT-127), its period → InvoicePeriod (BG-26), the product
  number → SellersItemIdentification (BT-155) and the item details
  (faktura.items): BuyersItemIdentification (BT-156), StandardItemIdentification with
  its schemeID (BT-157), OriginCountry (BT-159), one CommodityClassification per
  classification with listID and listVersionID (BT-158), one AdditionalItemProperty per
  attribute (BG-32), in the UBL 2.1 schema's order.
  A line discount is a line AllowanceCharge (reason code 95). Document allowances and
  charges are AllowanceCharge elements with their excl.-VAT amount; VAT is one TaxSubtotal
  per (category, rate) with the exemption reason and VATEX code where the category needs
  one. O carries no Percent anywhere. LegalMonetaryTotal holds prepaid (BT-113) and
  the cash rounding (BT-114).
* The delivery date → Delivery/ActualDeliveryDate (BT-72): the one given, else an
  invoice's issue date when no invoicing period is given; the invoicing period →
  InvoicePeriod StartDate/EndDate (BG-14). The deliver-to (``Invoice.deliver_to``,
  BG-13) → Delivery/DeliveryLocation ID (BT-71, with its scheme) and Address (BG-15),
  and DeliveryParty/PartyName/Name (BT-70). Intra-community supply (K) also needs the
  country delivered to (BR-IC-12): the deliver-to address's country, else the buyer's.

Prices including VAT: the e-invoice is always excluding VAT. Each line carries its
excl.-VAT net (LineExtensionAmount, BT-131) exactly as ``invoice.totals`` spread it, and
its discount as a line allowance without percent (the rounded excl.-VAT discount need
not equal base × percent). The net price (BT-146) is ``gross ÷ quantity`` when that
division is exact in at most 10 decimals; otherwise the price is stated for the whole
line quantity: PriceAmount = |gross| with BaseQuantity (BT-149) = |quantity|, so that
quantity × price ÷ base quantity = gross exactly and the invoiced quantity (BT-129) stays
true (rather than rewriting the quantity to 1). Percent allowances and charges keep their
percent and base only when prices exclude VAT, for the same reason.

What UBL/Peppol cannot express is refused with a ValidationError naming the field: a
draft (no ``number``), a document computed with more than 2 decimals (a currency with 3
minor units under ``AmountRule.MINOR_UNITS``: BR-DEC rules), no
product line, no buyer or seller endpoint, a missing seller VAT number (BR-S/Z/E/AE/K/G-02),
a missing buyer VAT number for AE/K, a
VAT rate below 0.5 % whose VAT is 0.50 or more (CEN's BR-CO-17 rounds the rate to a whole
percent and then expects no VAT), a credit note without its invoice number, and a
company or customer that does not belong to the document.

This module checks a document and writes it in the syntax's order; the parts are
written by ``ubl_parties`` (seller, buyer, payee), ``ubl_payment`` (PaymentMeans),
``ubl_amounts`` (allowances and charges, VAT, totals), ``ubl_lines`` (the lines) and
``ubl_elements`` (the elements they share and the serializer).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from decimal import Decimal

from faktura.attachments import Attachment, check_attachments
from faktura.documents import ubl_parties as _parties
from faktura.documents.ubl_amounts import allowance_charges, monetary_total, tax_total
from faktura.documents.ubl_elements import VAT_ENDPOINTS
from faktura.documents.ubl_elements import address as _address
from faktura.documents.ubl_elements import attachment as _attachment
from faktura.documents.ubl_elements import cac as _cac
from faktura.documents.ubl_elements import cbc as _cbc
from faktura.documents.ubl_elements import scheme as _scheme
from faktura.documents.ubl_elements import serialize as _serialize
from faktura.documents.ubl_elements import text as _text
from faktura.documents.ubl_lines import lines
from faktura.documents.ubl_payment import payment_means
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.issuability import Parties, einvoice_rules_for, issuability_errors
from faktura.lines import ProductLine
from faktura.money import Currency
from faktura.parties import Company, Customer
from faktura.status import DocumentKind
from faktura.totals import EN16931_PLACES, Totals, amount_places
from faktura.vat import VatCategory

__all__ = ["CUSTOMIZATION_ID", "PROFILE_ID", "VAT_ENDPOINTS", "to_ubl"]

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

_NS = {
    DocumentKind.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    DocumentKind.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_HALF = Decimal("0.5")


def to_ubl(
    invoice: Invoice,
    company: Company,
    customer: Customer,
    *,
    attachments: Iterable[Attachment] = (),
) -> bytes:
    """The Peppol BIS Billing 3.0 UBL document of a booked invoice or credit note, with
    ``attachments`` as its supporting documents (BG-24; e.g. ``Attachment.document_pdf``
    for the document's own PDF, rendered by the caller).

    Raises ValidationError naming the field when the document cannot be expressed
    (``attachments.<index>.filename`` for a file name used twice).
    """
    return _Builder(invoice, company, customer, attachments).build()


class _Builder:
    def __init__(
        self,
        invoice: Invoice,
        company: Company,
        customer: Customer,
        attachments: Iterable[Attachment] = (),
    ) -> None:
        self.attachments = check_attachments(attachments, "attachments")
        self.invoice = invoice
        self.company = company
        self.customer = customer
        self.credit = invoice.kind is DocumentKind.CREDIT_NOTE
        self.currency = self._currency()
        self.totals: Totals = invoice.totals
        self.categories = {g.category for g in self.totals.vat_breakdown}
        self.outside_scope = VatCategory.O in self.categories
        self.parties = Parties(company, customer, invoice, invoice.customer_department_id)

    # -- checks ----------------------------------------------------------------------------

    def _currency(self) -> Currency:
        currency = Currency.of(self.invoice.currency)
        places = amount_places(currency, self.invoice.amount_rule)
        if places > EN16931_PLACES:
            raise ValidationError(
                f"{currency.code} amounts of this document have {places} decimals (it was "
                "drafted before amounts had two decimals in every currency); EN 16931 "
                "amounts have at most 2",
                field="currency",
                rule="ubl_currency",
            )
        self.zero = Decimal(0).scaleb(-places)
        return currency

    def _check(self) -> None:
        invoice = self.invoice
        if invoice.number is None:
            raise ValidationError(
                "only booked documents (with a number) become e-invoices",
                field="number",
                rule="ubl_booked",
            )
        errors = issuability_errors(self.parties, einvoice_rules_for(self.company))
        if errors:
            raise ValidationError._from_errors(errors)
        if invoice.company_id != self.company.id:
            raise ValidationError(
                "is not the company of this document", field="company_id", rule="ubl_party"
            )
        if invoice.customer_id != self.customer.id:
            raise ValidationError(
                "is not the customer of this document", field="customer_id", rule="ubl_party"
            )
        if not any(isinstance(line, ProductLine) for line in invoice.lines):
            raise ValidationError(
                "an e-invoice needs at least one product line (BR-16)",
                field="lines",
                rule="ubl_lines",
            )
        if self.credit and not _text(invoice.credited_invoice_number):
            raise ValidationError(
                "a credit note must name the credited invoice number",
                field="credited_invoice_number",
                rule="ubl_billing_reference",
            )
        if not self.outside_scope and self.company.vat_id is None:
            raise ValidationError(
                "the seller's VAT number is needed on an e-invoice with VAT categories "
                f"{'/'.join(sorted(c.value for c in self.categories))} (BR-S-02 ff.)",
                field="company.vat_id",
                rule="ubl_seller_vat",
            )
        if VatCategory.K in self.categories and self.customer.vat_id is None:
            raise ValidationError(
                "intra-community supply (K) needs the buyer's VAT number (BR-K-02)",
                field="customer.vatId",
                rule="ubl_buyer_vat",
            )
        if (
            VatCategory.AE in self.categories
            and self.customer.vat_id is None
            and self.customer.cvr is None
        ):
            raise ValidationError(
                "reverse charge (AE) needs the buyer's VAT number (BR-AE-02)",
                field="customer.vatId",
                rule="ubl_buyer_vat",
            )
        for group in self.totals.vat_breakdown:
            if group.rate < _HALF and abs(group.vat) >= _HALF:
                # BR-CO-17 rounds the rate to a whole percent first: below 0.5 % it
                # demands a VAT amount that rounds to 0.
                raise ValidationError(
                    f"a VAT rate below 0.5 % ({group.rate}) with {group.vat} VAT cannot pass "
                    "EN 16931 rule BR-CO-17",
                    field="vat_rate",
                    rule="ubl_vat_rate",
                )
        if self._buyer_reference() is None and self.invoice.references.order is None:
            raise ValidationError(
                "Peppol needs a buyer reference or an order reference (PEPPOL-EN16931-R003): "
                "set the reference, the order reference or the customer number",
                field="reference",
                rule="ubl_buyer_reference",
            )

    def _buyer_reference(self) -> str | None:
        return _text(self.invoice.reference) or _text(self.customer.number)

    # -- document --------------------------------------------------------------------------

    def build(self) -> bytes:
        self._check()
        invoice = self.invoice
        root = ET.Element(
            "Invoice" if not self.credit else "CreditNote",
            {"xmlns": _NS[invoice.kind], "xmlns:cac": _CAC, "xmlns:cbc": _CBC},
        )
        _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
        _cbc(root, "ProfileID", PROFILE_ID)
        _cbc(root, "ID", invoice.number)
        _cbc(root, "IssueDate", invoice.issue_date.isoformat())
        if self.credit:
            _cbc(root, "CreditNoteTypeCode", "381")
        else:
            _cbc(root, "DueDate", invoice.due_date.isoformat())
            _cbc(root, "InvoiceTypeCode", "380")
        reason = _text(invoice.credit_reason)
        texts = (_text(invoice.description), _text(invoice.notes), reason and f"Reason: {reason}")
        note = "\n".join(t for t in texts if t)
        if note:
            _cbc(root, "Note", note)
        _cbc(root, "DocumentCurrencyCode", self.currency.code)
        accounting = invoice.vat_accounting
        if accounting is not None:
            _cbc(root, "TaxCurrencyCode", accounting.currency)
        references = invoice.references
        _cbc(root, "AccountingCost", _text(references.buyer_accounting))
        _cbc(root, "BuyerReference", self._buyer_reference())
        if invoice.period_start is not None and invoice.period_end is not None:
            _cac(
                root,
                "InvoicePeriod",
                StartDate=invoice.period_start.isoformat(),
                EndDate=invoice.period_end.isoformat(),
            )
        if references.order is not None or references.sales_order is not None:
            # UBL needs the order's ID; Peppol's "NA" says there is none (BT-14 alone)
            order = _cac(root, "OrderReference", ID=_text(references.order) or "NA")
            _cbc(order, "SalesOrderID", _text(references.sales_order))
        if self.credit:
            billing = _cac(root, "BillingReference")
            reference = _cac(billing, "InvoiceDocumentReference")
            _cbc(reference, "ID", invoice.credited_invoice_number)
            if invoice.credited_invoice_date is not None:  # BT-26
                _cbc(reference, "IssueDate", invoice.credited_invoice_date.isoformat())
        if references.contract is not None:
            _cac(root, "ContractDocumentReference", ID=_text(references.contract))
        if references.project is not None and self.credit:
            # a UBL 2.1 CreditNote has no ProjectReference
            _cac(
                root,
                "AdditionalDocumentReference",
                ID=_text(references.project),
                DocumentTypeCode="50",
            )
        for attachment in self.attachments:  # BG-24
            _attachment(_cac(root, "AdditionalDocumentReference"), attachment)
        if references.project is not None and not self.credit:
            _cac(root, "ProjectReference", ID=_text(references.project))
        self._seller(_cac(_cac(root, "AccountingSupplierParty"), "Party"))
        self._buyer(_cac(_cac(root, "AccountingCustomerParty"), "Party"))
        if self.company.payee is not None:
            self._payee(_cac(root, "PayeeParty"))
        if (
            VatCategory.K in self.categories
            or invoice.effective_delivery_date is not None
            or invoice.deliver_to is not None
        ):
            self._delivery(root)
        if not self.credit or self._between("DE") or self.totals.payable < 0:
            # the buyer pays: an invoice, or a credit note of a negative total (NL-R-007)
            self._payment_means(root)
        _cac(root, "PaymentTerms", Note=invoice.payment_terms.describe())
        self._allowance_charges(root)
        self._tax_total(root)
        self._monetary_total(root)
        self._lines(root)
        parts: list[str] = ["<?xml version='1.0' encoding='UTF-8'?>\n"]
        _serialize(root, parts, 0)
        document = "".join(parts).encode()
        return document + b"\n"

    # -- parties ---------------------------------------------------------------------------

    def _between(self, country: str) -> bool:
        """Whether seller and buyer are both in ``country`` (by their postal addresses)."""
        return self.company.address.country == country == self.parties.buyer_address.country

    def _seller(self, party: ET.Element) -> None:
        _parties.seller(
            party,
            self.company,
            self.invoice,
            outside_scope=self.outside_scope,
            between_de=self._between("DE"),
        )

    def _buyer(self, party: ET.Element) -> None:
        _parties.buyer(
            party, self.company, self.customer, self.invoice, outside_scope=self.outside_scope
        )

    def _payee(self, party: ET.Element) -> None:
        _parties.payee(party, self.company)

    def _delivery(self, root: ET.Element) -> None:
        """BT-72, the delivery date (see ``Invoice.effective_delivery_date``), and the
        deliver-to (BG-13: location identifier, address, party name); intra-community
        supply (K) also needs the country delivered to (BR-IC-11/12): the deliver-to
        address's, else the buyer's, and a delivery date when no invoicing period is
        given: a credit note without either uses its own date."""
        invoice = self.invoice
        day = invoice.effective_delivery_date
        if day is None and invoice.period_start is None and VatCategory.K in self.categories:
            day = invoice.issue_date
        delivery = _cac(root, "Delivery", ActualDeliveryDate=day.isoformat() if day else None)
        deliver_to = invoice.deliver_to
        address = deliver_to.address if deliver_to is not None else None
        location_id = deliver_to.location_id if deliver_to is not None else None
        if location_id is not None or address is not None or VatCategory.K in self.categories:
            location = _cac(delivery, "DeliveryLocation")
            if location_id is not None:
                assert deliver_to is not None
                scheme = deliver_to.location_scheme
                _cbc(location, "ID", location_id, **_scheme(scheme))
            if address is not None:
                _address(location, "Address", address)
            elif VatCategory.K in self.categories:
                country = _cac(location, "Address")
                _cac(country, "Country", IdentificationCode=self.customer.address.country)
        name = _text(deliver_to.name) if deliver_to is not None else None
        if name is not None:
            _cac(_cac(delivery, "DeliveryParty"), "PartyName", Name=name)

    # -- payment ---------------------------------------------------------------------------

    def _payment_means(self, root: ET.Element) -> None:
        number = self.invoice.number
        assert number is not None  # checked
        payment_means(
            root,
            self.company,
            number,
            self.currency.code,
            credit=self.credit,
            between_dk=self._between("DK"),
        )

    # -- amounts ---------------------------------------------------------------------------

    def _allowance_charges(self, root: ET.Element) -> None:
        allowance_charges(root, self.invoice, self.totals, self.currency.code, self.zero)

    def _tax_total(self, root: ET.Element) -> None:
        tax_total(root, self.invoice, self.totals, self.currency.code)

    def _monetary_total(self, root: ET.Element) -> None:
        monetary_total(root, self.invoice, self.totals, self.currency.code)

    # -- lines -----------------------------------------------------------------------------

    def _lines(self, root: ET.Element) -> None:
        lines(root, self.invoice, self.totals, self.currency.code, self.zero, credit=self.credit)
