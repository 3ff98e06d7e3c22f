"""The lines of a UBL document: one InvoiceLine or CreditNoteLine per product line, with
its note, period, discount, item details, tax category and price, as
``faktura.documents.ubl``'s docstring describes them (prices including VAT among them).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, localcontext

from faktura.documents.ubl_elements import amount as _amount
from faktura.documents.ubl_elements import cac as _cac
from faktura.documents.ubl_elements import cbc as _cbc
from faktura.documents.ubl_elements import fmt as _fmt
from faktura.documents.ubl_elements import rate as _rate
from faktura.documents.ubl_elements import tax_category as _tax_category
from faktura.documents.ubl_elements import vat_scheme as _vat_scheme
from faktura.errors import ValidationError
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.money import exact_context
from faktura.totals import Totals

__all__ = ["lines"]

_MAX_PRICE_PLACES = 10
#: UNCL 5189 "Discount": the reason code of line discounts.
_DISCOUNT_CODE = "95"


def lines(
    root: ET.Element,
    invoice: Invoice,
    totals: Totals,
    currency: str,
    zero: Decimal,
    *,
    credit: bool,
) -> None:
    """One InvoiceLine (CreditNoteLine) per product line, ID its position on the
    document."""
    name, quantity_name = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    incl = invoice.prices_include_vat
    for index, (line, amounts) in enumerate(zip(invoice.lines, totals.lines, strict=True)):
        if not isinstance(line, ProductLine) or amounts is None:
            continue
        element = _cac(root, name)
        _cbc(element, "ID", str(index + 1))
        _cbc(element, "Note", line.note)  # BT-127
        _cbc(element, quantity_name, _fmt(line.quantity), unitCode=line.unit)
        _amount(element, "LineExtensionAmount", amounts.net, currency)
        if line.period_start is not None and line.period_end is not None:  # BG-26
            _cac(
                element,
                "InvoicePeriod",
                StartDate=line.period_start.isoformat(),
                EndDate=line.period_end.isoformat(),
            )
        if amounts.discount:
            discount = _cac(element, "AllowanceCharge")
            _cbc(discount, "ChargeIndicator", "false")
            _cbc(discount, "AllowanceChargeReasonCode", _DISCOUNT_CODE)
            _cbc(discount, "AllowanceChargeReason", "Discount")
            if not incl:
                _cbc(discount, "MultiplierFactorNumeric", _rate(line.discount_percent))
            _amount(discount, "Amount", amounts.discount, currency)
            if not incl:
                _amount(discount, "BaseAmount", amounts.gross, currency)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description)
        details = line.item
        if details.buyer_id is not None:  # BT-156
            _cac(item, "BuyersItemIdentification", ID=details.buyer_id)
        if line.product_number is not None:
            _cac(item, "SellersItemIdentification", ID=line.product_number)
        if details.standard_id is not None and details.standard_scheme is not None:
            standard = _cac(item, "StandardItemIdentification")  # BT-157
            _cbc(standard, "ID", details.standard_id, schemeID=details.standard_scheme)
        if details.origin_country is not None:  # BT-159
            _cac(item, "OriginCountry", IdentificationCode=details.origin_country)
        for classification in details.classifications:  # BT-158
            listed = {"listID": classification.list_id}
            if classification.list_version is not None:
                listed["listVersionID"] = classification.list_version
            _cbc(
                _cac(item, "CommodityClassification"),
                "ItemClassificationCode",
                classification.code,
                **listed,
            )
        _tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
        _vat_scheme(item[-1])
        for attribute in details.attributes:  # BG-32
            _cac(item, "AdditionalItemProperty", Name=attribute.name, Value=attribute.value)
        price = _cac(element, "Price")
        if not incl:
            _amount(price, "PriceAmount", line.unit_price, currency)
        else:
            _price_incl(price, line, amounts.gross, f"lines.{index}", currency, zero)


def _price_incl(
    price: ET.Element, line: ProductLine, gross: Decimal, field: str, currency: str, zero: Decimal
) -> None:
    quantity = line.quantity
    if not quantity or not gross:
        _amount(price, "PriceAmount", zero, currency)
        return
    with localcontext(exact_context()):
        unit = gross / quantity
        exact = unit * quantity == gross
    if exact and unit >= 0 and -int(unit.normalize().as_tuple().exponent) <= _MAX_PRICE_PLACES:
        _amount(price, "PriceAmount", unit.normalize(), currency)
        return
    if (gross < 0) != (quantity < 0):
        raise ValidationError(
            "the line's amount excluding VAT has the opposite sign of its quantity",
            field=f"{field}.unitPrice",
            rule="ubl_price",
        )
    _amount(price, "PriceAmount", abs(gross), currency)
    _cbc(price, "BaseQuantity", _fmt(abs(quantity)), unitCode=line.unit)
