"""The amounts of a UBL document: its allowances and charges, the VAT total and
breakdown (and the VAT in the seller's accounting currency), and LegalMonetaryTotal,
as ``faktura.documents.ubl``'s docstring describes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from faktura.documents.ubl_elements import amount as _amount
from faktura.documents.ubl_elements import cac as _cac
from faktura.documents.ubl_elements import cbc as _cbc
from faktura.documents.ubl_elements import fmt as _fmt
from faktura.documents.ubl_elements import rate as _rate
from faktura.documents.ubl_elements import tax_category as _tax_category
from faktura.documents.ubl_elements import text as _text
from faktura.documents.ubl_elements import vat_scheme as _vat_scheme
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.totals import Totals
from faktura.vat import VatCategory

__all__ = ["allowance_charges", "monetary_total", "tax_total"]


def allowance_charges(
    root: ET.Element, invoice: Invoice, totals: Totals, currency: str, zero: Decimal
) -> None:
    """The document's allowances and charges (BG-20, BG-21)."""
    invoice = invoice
    exp = zero
    for item, amount in zip(invoice.allowance_charges, totals.allowance_charges, strict=True):
        element = _cac(root, "AllowanceCharge")
        _cbc(element, "ChargeIndicator", "true" if item.charge else "false")
        _cbc(element, "AllowanceChargeReasonCode", item.reason_code)
        _cbc(element, "AllowanceChargeReason", _text(item.reason))
        with_percent = item.percent is not None and not invoice.prices_include_vat
        if with_percent:
            assert item.percent is not None
            _cbc(element, "MultiplierFactorNumeric", _rate(item.percent))
        _amount(element, "Amount", amount, currency)
        if with_percent:
            base = item.base
            if base is None:
                base = _group_net(invoice, totals, zero, item.vat_category, item.vat_rate)
            _amount(element, "BaseAmount", base.quantize(exp), currency)
        _tax_category(element, "TaxCategory", item.vat_category, item.vat_rate)
        _vat_scheme(element[-1])


def _group_net(
    invoice: Invoice, totals: Totals, zero: Decimal, category: VatCategory, rate: Decimal
) -> Decimal:
    net = zero
    for line, amounts in zip(invoice.lines, totals.lines, strict=True):
        if (
            isinstance(line, ProductLine)
            and amounts is not None
            and (line.vat_category, line.vat_rate) == (category, rate)
        ):
            net += amounts.net
    return net


def tax_total(root: ET.Element, invoice: Invoice, totals: Totals, currency: str) -> None:
    """The VAT total and breakdown (BG-23), and the VAT in the accounting currency (BT-111)."""
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", totals.vat, currency)
    for group in totals.vat_breakdown:
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", group.taxable, currency)
        _amount(subtotal, "TaxAmount", group.vat, currency)
        category = _tax_category(subtotal, "TaxCategory", group.category, group.rate)
        if group.exemption is not None:
            _cbc(category, "TaxExemptionReasonCode", group.exemption.code)
            _cbc(category, "TaxExemptionReason", _text(group.exemption.reason))
        _vat_scheme(category)
    accounting = invoice.vat_accounting
    if accounting is not None:  # BT-111: the VAT total alone, in BT-6
        in_accounting = _cac(root, "TaxTotal")
        _cbc(in_accounting, "TaxAmount", _fmt(accounting.vat), currencyID=accounting.currency)


def monetary_total(root: ET.Element, invoice: Invoice, totals: Totals, currency: str) -> None:
    """LegalMonetaryTotal (BG-22)."""
    totals = totals
    total = _cac(root, "LegalMonetaryTotal")
    _amount(total, "LineExtensionAmount", totals.line_total, currency)
    _amount(total, "TaxExclusiveAmount", totals.subtotal, currency)
    _amount(total, "TaxInclusiveAmount", totals.amount, currency)
    kinds = {item.charge for item in invoice.allowance_charges}
    if False in kinds:
        _amount(total, "AllowanceTotalAmount", totals.allowance_total, currency)
    if True in kinds:
        _amount(total, "ChargeTotalAmount", totals.charge_total, currency)
    if totals.prepaid:
        _amount(total, "PrepaidAmount", totals.prepaid, currency)
    if totals.rounding:
        _amount(total, "PayableRoundingAmount", totals.rounding, currency)
    _amount(total, "PayableAmount", totals.payable, currency)
