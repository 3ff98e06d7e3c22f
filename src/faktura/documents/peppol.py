"""Peppol BIS Billing 3.0 rules that CEN's EN 16931 schematron does not cover, in Python.

OpenPEPPOL's compiled ``PEPPOL-EN16931-UBL`` schematron is not published on PyPI, so the
rules faktura's UBL output (``faktura.documents.ubl.to_ubl``) must meet are re-stated
here from the official rule file (PEPPOL-EN16931-UBL.sch, release 3.0.17, May 2024;
the 2025.3 release has the same tests for these ids). Each check quotes its rule's
assertion text and follows its XPath test, including Peppol's tolerance of 0.02 in the
amount rules (``u:slack``) and XPath's ``round`` (half towards positive infinity).

Checked rules:

* PEPPOL-EN16931-R001 ProfileID present; R007 ProfileID in the
  ``urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0`` format.
* R003 buyer reference or order reference; R010/R020 buyer/seller EndpointID.
* R040-R043 document and line allowances/charges; R044, R046 price-level allowances.
  (R045 is not in the 3.0.17 rule file.)
* R120 line net amount, R121 base quantity positive, R130 base quantity unit code.
* Danish national rules: DK-R-002, DK-R-014, DK-R-016 (Danish supplier), DK-R-004
  (allowances and charges), DK-R-005, DK-R-006, DK-R-010, DK-R-011 (invoices between a
  Danish supplier and a Danish customer).

The other national rules (SE, NO, DE, NL, IT, GR) are refused before a document is
written, by ``faktura.issuability.PEPPOL_NATIONAL``; the tests judge both against the
official rule files.

``peppol_findings(document)`` lists every finding; ``check_peppol(document)`` raises a
ValidationError naming every broken rule id. Pure: no I/O.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal, InvalidOperation, localcontext

import attrs

from faktura.errors import FieldError, ValidationError

__all__ = ["RULES", "Finding", "check_peppol", "peppol_findings"]

_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"

#: The official assertion text of every rule checked here, by rule id.
RULES: dict[str, str] = {
    "PEPPOL-EN16931-R001": "Business process MUST be provided.",
    "PEPPOL-EN16931-R007": "Business process MUST be in the format "
    "'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where NN indicates the process number.",
    "PEPPOL-EN16931-R003": "A buyer reference or purchase order reference MUST be provided.",
    "PEPPOL-EN16931-R010": "Buyer electronic address MUST be provided",
    "PEPPOL-EN16931-R020": "Seller electronic address MUST be provided",
    "PEPPOL-EN16931-R040": "Allowance/charge amount must equal base amount * percentage/100 "
    "if base amount and percentage exists",
    "PEPPOL-EN16931-R041": "Allowance/charge base amount MUST be provided when "
    "allowance/charge percentage is provided.",
    "PEPPOL-EN16931-R042": "Allowance/charge percentage MUST be provided when "
    "allowance/charge base amount is provided.",
    "PEPPOL-EN16931-R043": "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'",
    "PEPPOL-EN16931-R044": "Charge on price level is NOT allowed. Only value 'false' allowed.",
    "PEPPOL-EN16931-R046": "Item net price MUST equal (Gross price - Allowance amount) when "
    "gross price is provided.",
    "PEPPOL-EN16931-R120": "Invoice line net amount MUST equal (Invoiced quantity * (Item net "
    "price/item price base quantity) + Sum of invoice line charge amount - sum of invoice "
    "line allowance amount",
    "PEPPOL-EN16931-R121": "Base quantity MUST be a positive number above zero.",
    "PEPPOL-EN16931-R130": "Unit code of price base quantity MUST be same as invoiced quantity.",
    "DK-R-002": "Danish suppliers MUST provide legal entity (CVR-number)",
    "DK-R-004": "When specifying non-VAT Taxes for Danish customers, Danish suppliers MUST "
    'use the AllowanceChargeReasonCode="ZZZ" and MUST be specified in AllowanceChargeReason; '
    "Either as the 4-digit Tax category or must include a #, but the # is not allowed as "
    "first and last character",
    "DK-R-005": "For Danish suppliers the following Payment means codes are allowed: "
    "1, 10, 31, 42, 48, 49, 50, 58, 59, 93 and 97",
    "DK-R-006": "For Danish suppliers bank account and registration account is mandatory if "
    "payment means is 31 or 42",
    "DK-R-010": "For Danish Suppliers the PaymentID is mandatory and MUST start with 71#, 73# "
    "or 75# (kortartkode) and PayeeFinancialAccount/ID (Kreditornummer) is mandatory and "
    "must be exactly 8 characters long, when Payment means equals 93 (FIK)",
    "DK-R-011": "For Danish Suppliers if the PaymentID is prefixed with 71# or 75# the 15-16 "
    'digits instruction Id must be added to the PaymentID eg. "71#1234567890123456" when '
    "payment Method equals 93 (FIK)",
    "DK-R-014": 'For Danish Suppliers it is mandatory to specify schemeID as "0184" (DK '
    "CVR-number) when PartyLegalEntity/CompanyID is used for AccountingSupplierParty",
    "DK-R-016": "For Danish Suppliers, a Credit note cannot have a negative total (PayableAmount)",
}

#: u:slack's tolerance in R040 and R120.
_SLACK = Decimal("0.02")
_HUNDRED = Decimal(100)
# XPath matches() searches (unanchored) and its dots match any character: kept as written.
_PROFILE = re.compile(r"urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0")
_DK_MEANS = " 1 10 31 42 48 49 50 58 59 93 97 "
# XPath whitespace for normalize-space(): space, tab, CR, LF.
_XML_SPACE = re.compile(r"[ \t\r\n]+")


@attrs.frozen
class Finding:
    """One broken rule: its official id, a message, and where (a simple XPath)."""

    rule_id: str
    message: str
    location: str


def peppol_findings(document: bytes) -> list[Finding]:
    """Every Peppol BIS 3.0 rule listed in this module that ``document`` breaks.

    Raises ValidationError (field ``document``) when it is not a UBL Invoice or CreditNote.
    """
    return list(_Checker(_parse(document)).run())


def check_peppol(document: bytes) -> None:
    """Raise ValidationError listing every broken rule id; return None when none is."""
    findings = peppol_findings(document)
    if findings:
        raise ValidationError(
            "",
            errors=[
                FieldError(f.location, f.rule_id, f"[{f.rule_id}] {f.message}") for f in findings
            ],
        )


# -- parsing ---------------------------------------------------------------------------------


def _parse(document: bytes) -> ET.Element:
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise ValidationError(
            "a UBL document has no document type declaration", field="document", rule="xml"
        )
    try:
        root = ET.fromstring(document)
    except ET.ParseError as err:
        raise ValidationError(
            f"is not well-formed XML: {err}", field="document", rule="xml"
        ) from err
    if root.tag not in (f"{{{_INVOICE}}}Invoice", f"{{{_CREDIT_NOTE}}}CreditNote"):
        raise ValidationError(
            f"is not a UBL 2.1 Invoice or CreditNote but {root.tag}",
            field="document",
            rule="ubl_root",
        )
    return root


def _normalize(text: str | None) -> str:
    return _XML_SPACE.sub(" ", text or "").strip(" ")


def _decimal(text: str | None) -> Decimal | None:
    """xs:decimal of an element's text (surrounding whitespace allowed), else None."""
    if text is None:
        return None
    value = text.strip(" \t\r\n")
    if not value or "e" in value.lower() or value.lower().lstrip("+-").startswith(("n", "i")):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _xpath_round2(value: Decimal) -> Decimal:
    """``round(value * 100) div 100``: XPath rounds halves towards positive infinity."""
    return (value * _HUNDRED + Decimal("0.5")).to_integral_value(ROUND_FLOOR) / _HUNDRED


def _slack(expected: Decimal, value: Decimal) -> bool:
    """``u:slack(exp, val, 0.02)``: exp - 0.02 <= val <= exp + 0.02."""
    return expected - _SLACK <= value <= expected + _SLACK


class _Checker:
    def __init__(self, root: ET.Element) -> None:
        self.root = root
        self.credit = root.tag == f"{{{_CREDIT_NOTE}}}CreditNote"
        self.name = "CreditNote" if self.credit else "Invoice"
        self.line_name = "CreditNoteLine" if self.credit else "InvoiceLine"
        self.quantity_name = "CreditedQuantity" if self.credit else "InvoicedQuantity"
        supplier = root.find(f"{_CAC}AccountingSupplierParty/{_CAC}Party")
        customer = root.find(f"{_CAC}AccountingCustomerParty/{_CAC}Party")
        self.supplier = supplier
        self.customer = customer
        self.supplier_country = _country(supplier)
        self.customer_country = _country(customer)

    def finding(self, rule_id: str, location: str, detail: str = "") -> Finding:
        message = RULES[rule_id] + (f" ({detail})" if detail else "")
        return Finding(rule_id, message, location)

    def run(self) -> Iterator[Finding]:
        yield from self.document()
        yield from self.parties()
        yield from self.allowance_charges()
        yield from self.lines()
        yield from self.danish()

    # -- document level (R001, R007, R003) ------------------------------------------------

    def document(self) -> Iterator[Finding]:
        root, here = self.root, f"/{self.name}"
        profile = root.find(f"{_CBC}ProfileID")
        if profile is None:
            yield self.finding("PEPPOL-EN16931-R001", here)
        if profile is None or not _PROFILE.search(_normalize(profile.text)):
            got = "missing" if profile is None else repr(profile.text)
            yield self.finding("PEPPOL-EN16931-R007", f"{here}/cbc:ProfileID", f"got {got}")
        if root.find(f"{_CBC}BuyerReference") is None and (
            root.find(f"{_CAC}OrderReference/{_CBC}ID") is None
        ):
            yield self.finding("PEPPOL-EN16931-R003", here)

    # -- parties (R010, R020) -------------------------------------------------------------

    def parties(self) -> Iterator[Finding]:
        here = f"/{self.name}"
        if self.customer is not None and self.customer.find(f"{_CBC}EndpointID") is None:
            yield self.finding(
                "PEPPOL-EN16931-R010", f"{here}/cac:AccountingCustomerParty/cac:Party"
            )
        if self.supplier is not None and self.supplier.find(f"{_CBC}EndpointID") is None:
            yield self.finding(
                "PEPPOL-EN16931-R020", f"{here}/cac:AccountingSupplierParty/cac:Party"
            )

    # -- allowances and charges (R040-R044, R046) -----------------------------------------

    def allowance_charges(self) -> Iterator[Finding]:
        here = f"/{self.name}"
        for index, element in enumerate(self.root.findall(f"{_CAC}AllowanceCharge"), 1):
            yield from self.allowance_charge(element, f"{here}/cac:AllowanceCharge[{index}]")
        for number, line in enumerate(self.root.findall(f"{_CAC}{self.line_name}"), 1):
            at = f"{here}/cac:{self.line_name}[{number}]"
            for index, element in enumerate(line.findall(f"{_CAC}AllowanceCharge"), 1):
                yield from self.allowance_charge(element, f"{at}/cac:AllowanceCharge[{index}]")
            for index, element in enumerate(line.findall(f"{_CAC}Price/{_CAC}AllowanceCharge"), 1):
                yield from self.price_allowance(
                    element, f"{at}/cac:Price/cac:AllowanceCharge[{index}]"
                )

    def allowance_charge(self, element: ET.Element, at: str) -> Iterator[Finding]:
        percent = element.find(f"{_CBC}MultiplierFactorNumeric")
        base = element.find(f"{_CBC}BaseAmount")
        if percent is not None and base is None:
            yield self.finding("PEPPOL-EN16931-R041", at)
        if percent is None and base is not None:
            yield self.finding("PEPPOL-EN16931-R042", at)
        if percent is not None and base is not None:
            amount_element = element.find(f"{_CBC}Amount")
            amount = _decimal(amount_element.text) if amount_element is not None else Decimal(0)
            base_value, percent_value = _decimal(base.text), _decimal(percent.text)
            if amount is None or base_value is None or percent_value is None:
                yield self.finding("PEPPOL-EN16931-R040", at, "an amount is not a decimal")
            else:
                with localcontext(prec=60):
                    expected = base_value * percent_value / _HUNDRED
                if not _slack(amount, expected):
                    yield self.finding(
                        "PEPPOL-EN16931-R040",
                        at,
                        f"{base_value} * {percent_value} / 100 = {expected}, amount {amount}",
                    )
        indicator = _normalize(element.findtext(f"{_CBC}ChargeIndicator"))
        if indicator not in ("true", "false"):
            yield self.finding("PEPPOL-EN16931-R043", at, f"got {indicator!r}")

    def price_allowance(self, element: ET.Element, at: str) -> Iterator[Finding]:
        if _normalize(element.findtext(f"{_CBC}ChargeIndicator")) != "false":
            yield self.finding("PEPPOL-EN16931-R044", at)
        base = element.find(f"{_CBC}BaseAmount")
        if base is None:
            return
        price = _decimal(self._price_of(element))
        gross, amount = _decimal(base.text), _decimal(element.findtext(f"{_CBC}Amount"))
        if price is None or gross is None or amount is None or price != gross - amount:
            yield self.finding(
                "PEPPOL-EN16931-R046", at, f"net {price}, gross {gross}, allowance {amount}"
            )

    def _price_of(self, allowance: ET.Element) -> str | None:
        for price in self.root.iter(f"{_CAC}Price"):
            if any(child is allowance for child in price):
                return price.findtext(f"{_CBC}PriceAmount")
        return None

    # -- lines (R120, R121, R130) ---------------------------------------------------------

    def lines(self) -> Iterator[Finding]:
        for number, line in enumerate(self.root.findall(f"{_CAC}{self.line_name}"), 1):
            yield from self.line(line, f"/{self.name}/cac:{self.line_name}[{number}]")

    def line(self, line: ET.Element, at: str) -> Iterator[Finding]:
        quantity_element = line.find(f"{_CBC}{self.quantity_name}")
        base_element = line.find(f"{_CAC}Price/{_CBC}BaseQuantity")
        names = ("LineExtensionAmount", self.quantity_name, "PriceAmount", "BaseQuantity")
        parsed = (
            _optional(line, f"{_CBC}LineExtensionAmount", Decimal(0)),
            _optional(line, f"{_CBC}{self.quantity_name}", Decimal(1)),
            _optional(line, f"{_CAC}Price/{_CBC}PriceAmount", Decimal(0)),
            _optional(line, f"{_CAC}Price/{_CBC}BaseQuantity", Decimal(1)),
        )
        broken = [name for name, value in zip(names, parsed, strict=True) if value is None]
        sums: dict[str, Decimal] = {"true": Decimal(0), "false": Decimal(0)}
        for charge in line.findall(f"{_CAC}AllowanceCharge"):
            kind = _normalize(charge.findtext(f"{_CBC}ChargeIndicator"))
            if kind in sums:
                amount = _decimal(charge.findtext(f"{_CBC}Amount"))
                if amount is None:
                    broken.append("AllowanceCharge/Amount")
                else:
                    sums[kind] += amount
        net, quantity, price, base = parsed
        if net is None or quantity is None or price is None or base is None or broken:
            yield self.finding("PEPPOL-EN16931-R120", at, f"not a decimal: {', '.join(broken)}")
        else:
            if not base:
                base = Decimal(1)  # the rule divides by 1 when the base quantity is 0
            with localcontext(prec=60):
                expected = (
                    quantity * (price / base)
                    + _xpath_round2(sums["true"])
                    - _xpath_round2(sums["false"])
                )
            if not _slack(net, expected):
                yield self.finding(
                    "PEPPOL-EN16931-R120",
                    at,
                    f"{quantity} * ({price} / {base}) + {sums['true']} - {sums['false']} "
                    f"= {expected}, line net {net}",
                )
        if base_element is not None:
            base_value = _decimal(base_element.text)
            if base_value is None or base_value <= 0:
                yield self.finding(
                    "PEPPOL-EN16931-R121", f"{at}/cac:Price/cbc:BaseQuantity", f"got {base_value}"
                )
            unit = base_element.get("unitCode")
            if (
                unit is not None
                and quantity_element is not None
                and unit != quantity_element.get("unitCode")
            ):
                yield self.finding(
                    "PEPPOL-EN16931-R130",
                    f"{at}/cac:Price/cbc:BaseQuantity",
                    f"{unit!r} against {quantity_element.get('unitCode')!r}",
                )

    # -- Denmark (DK-R-002, -004, -005, -006, -010, -011, -014, -016) ---------------------

    def danish(self) -> Iterator[Finding]:
        if self.supplier_country != "DK":
            return
        here = f"/{self.name}"
        legal = f"{_CAC}AccountingSupplierParty/{_CAC}Party/{_CAC}PartyLegalEntity/{_CBC}CompanyID"
        company_id = self.root.find(legal)
        at = f"{here}/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity"
        if company_id is None or _normalize(company_id.text) == "":
            yield self.finding("DK-R-002", at)
        if company_id is not None and _normalize(company_id.get("schemeID")) != "0184":
            yield self.finding("DK-R-014", f"{at}/cbc:CompanyID", f"{company_id.get('schemeID')!r}")
        if self.credit and self.customer_country == "DK":
            payable = _decimal(self.root.findtext(f"{_CAC}LegalMonetaryTotal/{_CBC}PayableAmount"))
            if payable is not None and payable < 0:
                yield self.finding(
                    "DK-R-016", f"{here}/cac:LegalMonetaryTotal/cbc:PayableAmount", str(payable)
                )
        if self.customer_country != "DK":
            return
        for index, element in enumerate(self.root.iter(f"{_CAC}AllowanceCharge"), 1):
            yield from self.danish_allowance(element, f"{here}//cac:AllowanceCharge[{index}]")
        if self.credit:
            return
        for index, means in enumerate(self.root.findall(f"{_CAC}PaymentMeans"), 1):
            yield from self.payment_means(means, f"{here}/cac:PaymentMeans[{index}]")

    def danish_allowance(self, element: ET.Element, at: str) -> Iterator[Finding]:
        if element.findtext(f"{_CBC}AllowanceChargeReasonCode") != "ZZZ":
            return
        reason_element = element.find(f"{_CBC}AllowanceChargeReason")
        reason = _normalize(reason_element.text if reason_element is not None else None)
        raw = reason_element.text or "" if reason_element is not None else ""
        number = _decimal(reason)
        four_digits = len(reason) == 4 and number is not None and 0 <= number <= 9999
        hashed = (
            reason_element is not None
            and "#" in raw
            and not raw.startswith("#")
            and not raw.endswith("#")
        )
        if not (four_digits or hashed):
            yield self.finding("DK-R-004", at, f"reason {reason!r}")

    def payment_means(self, means: ET.Element, at: str) -> Iterator[Finding]:
        code = means.findtext(f"{_CBC}PaymentMeansCode") or ""
        if f" {code} " not in _DK_MEANS:
            yield self.finding("DK-R-005", at, f"got {code!r}")
        if code in ("31", "42"):
            account = _normalize(means.findtext(f"{_CAC}PayeeFinancialAccount/{_CBC}ID"))
            branch = _normalize(
                means.findtext(
                    f"{_CAC}PayeeFinancialAccount/{_CAC}FinancialInstitutionBranch/{_CBC}ID"
                )
            )
            if not account or not branch:
                yield self.finding("DK-R-006", at, f"account {account!r}, branch {branch!r}")
        if code != "93":
            return
        payment_id = means.findtext(f"{_CBC}PaymentID") or ""
        account = means.findtext(f"{_CAC}PayeeFinancialAccount/{_CBC}ID") or ""
        if payment_id[:3] not in ("71#", "73#", "75#") or len(account) != 8:
            yield self.finding(
                "DK-R-010", at, f"PaymentID {payment_id!r}, creditor account {account!r}"
            )
        if payment_id[:3] in ("71#", "75#") and len(payment_id) not in (18, 19):
            yield self.finding("DK-R-011", at, f"PaymentID {payment_id!r}")


def _country(party: ET.Element | None) -> str:
    if party is None:
        return ""
    return party.findtext(f"{_CAC}PostalAddress/{_CAC}Country/{_CBC}IdentificationCode") or ""


def _optional(parent: ET.Element, path: str, default: Decimal) -> Decimal | None:
    element = parent.find(path)
    return default if element is None else _decimal(element.text)
