"""compute_totals(): the EN 16931 arithmetic of an invoice, pure and exact.

Prices excluding VAT (the default)::

    line gross    = round(quantity × unit price)
    line discount = round(gross × discount% / 100)              (a line allowance)
    line net      = gross − discount                            BT-131
    taxable       = Σ nets − allowances + charges, per group    BT-116
    group VAT     = round(taxable × rate / 100), per group      BT-117
    subtotal      = Σ nets − Σ allowances + Σ charges            BT-109
    vat           = Σ group VAT                                 BT-110
    amount        = subtotal + vat                              BT-112
    payable       = amount − prepaid + rounding                 BT-115

A group is one (VAT category, rate) pair; VAT is never summed per line. With prices
including VAT the customer-facing gross of each group is kept exact: taxable =
round(gross × 100 / (100 + rate)), VAT = gross − taxable, and the excluding-VAT line nets
(and allowances/charges) are spread by largest remainder so they sum to the taxable.
Every rounding is half away from zero to the currency's minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from faktura.errors import ValidationError
from faktura.lines import AllowanceCharge, Line, ProductLine
from faktura.money import ZERO, Currency, arithmetic, floor_to, round_money, round_to_increment
from faktura.vat import VatCategory, VatExemption

__all__ = ["LineAmounts", "Totals", "VatGroup", "compute_totals"]

_HUNDRED = Decimal(100)
_CATEGORY_ORDER = {category: index for index, category in enumerate(VatCategory)}


@attrs.frozen
class LineAmounts:
    """The amounts of one product line, excluding VAT: gross − discount = net (BT-131).

    ``net_incl`` is the customer-facing line amount including VAT, set only when the
    document's prices include VAT.
    """

    gross: Decimal
    discount: Decimal
    net: Decimal
    net_incl: Decimal | None = None


@attrs.frozen
class VatGroup:
    """One row of the VAT breakdown (BG-23): a (category, rate) group and its amounts."""

    category: VatCategory
    rate: Decimal
    taxable: Decimal
    vat: Decimal
    exemption: VatExemption | None = None


@attrs.frozen
class Totals:
    """Everything an invoice's amounts come to, at the currency's precision.

    ``lines`` holds one entry per document line (None for text and separator lines);
    ``allowance_charges`` one amount excluding VAT per document allowance/charge.
    """

    currency: Currency
    lines: tuple[LineAmounts | None, ...]
    allowance_charges: tuple[Decimal, ...]
    vat_breakdown: tuple[VatGroup, ...]
    line_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal
    subtotal: Decimal
    vat: Decimal
    amount: Decimal
    prepaid: Decimal
    rounding: Decimal
    payable: Decimal


_GroupKey = tuple[VatCategory, Decimal]


def compute_totals(
    lines: Sequence[Line],
    allowance_charges: Sequence[AllowanceCharge] = (),
    *,
    currency: Currency,
    prices_include_vat: bool = False,
    prepaid: Decimal = ZERO,
    cash_increment: Decimal | None = None,
    exemption_reason: str | None = None,
) -> Totals:
    """The totals of a document (see the module docstring for the arithmetic).

    ``cash_increment`` (e.g. Decimal("0.50") for DKK cash) rounds the payable amount; the
    difference is ``rounding`` (BT-114). ``exemption_reason`` is the text for exempt (E)
    groups; the other exempt categories use their standard text.

    Raises ValidationError when an exempt (E) group has no ``exemption_reason``.
    """
    with arithmetic():
        return _compute(
            lines,
            allowance_charges,
            currency,
            prices_include_vat,
            prepaid,
            cash_increment,
            exemption_reason,
        )


def _compute(
    lines: Sequence[Line],
    allowance_charges: Sequence[AllowanceCharge],
    currency: Currency,
    prices_include_vat: bool,
    prepaid: Decimal,
    cash_increment: Decimal | None,
    exemption_reason: str | None,
) -> Totals:
    places = currency.minor_units
    zero = ZERO.quantize(currency.exponent)
    # Per-line gross/discount/net in the document's price mode, grouped by VAT.
    raw: list[tuple[Decimal, Decimal, Decimal] | None] = []
    group_lines: dict[_GroupKey, list[int]] = {}
    group_nets: dict[_GroupKey, Decimal] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, ProductLine):
            raw.append(None)
            continue
        gross = round_money(line.quantity * line.unit_price, currency)
        pct = line.discount_percent
        discount = round_money(gross * pct / _HUNDRED, currency) if pct else zero
        net = gross - discount
        raw.append((gross, discount, net))
        key = (line.vat_category, line.vat_rate)
        if key in group_nets:
            group_nets[key] += net
            group_lines[key].append(index)
        else:
            group_nets[key] = net
            group_lines[key] = [index]

    # Document allowances and charges, signed (allowances negative), per group.
    ac_amounts: list[Decimal] = []
    group_ac: dict[_GroupKey, list[int]] = {}
    for index, item in enumerate(allowance_charges):
        key = (item.vat_category, item.vat_rate)
        if item.amount is not None:
            value = item.amount
        else:
            assert item.percent is not None  # one of the two, checked by AllowanceCharge
            base = item.base if item.base is not None else group_nets.get(key, ZERO)
            value = round_money(base * item.percent / _HUNDRED, currency)
        ac_amounts.append(value if item.charge else -value)
        group_ac.setdefault(key, []).append(index)
        group_nets.setdefault(key, ZERO)

    line_amounts: list[LineAmounts | None]
    groups: list[VatGroup] = []
    if not prices_include_vat:
        line_amounts = [None if r is None else LineAmounts(r[0], r[1], r[2]) for r in raw]
        for key in sorted(group_nets, key=_group_order):
            taxable = group_nets[key] + sum((ac_amounts[i] for i in group_ac.get(key, ())), zero)
            vat = round_money(taxable * key[1] / _HUNDRED, currency) if key[1] else zero
            groups.append(_group(key, taxable, vat, exemption_reason))
        signed_ac = ac_amounts
    else:
        line_amounts = [None] * len(raw)
        product = {i: r for i, r in enumerate(raw) if r is not None}
        signed_ac = [ZERO] * len(ac_amounts)
        for key in sorted(group_nets, key=_group_order):
            rate = key[1]
            indexes = group_lines.get(key, [])
            ac_indexes = group_ac.get(key, [])
            incl = [product[i][2] for i in indexes]
            incl += [ac_amounts[i] for i in ac_indexes]
            gross = sum(incl, ZERO)
            divisor = _HUNDRED + rate
            taxable = round_money(gross * _HUNDRED / divisor, currency)
            excl = _largest_remainder([v * _HUNDRED / divisor for v in incl], taxable, places)
            for position, i in enumerate(indexes):
                _, d_incl, n_incl = product[i]
                net = excl[position]
                discount = round_money(d_incl * _HUNDRED / divisor, currency)
                line_amounts[i] = LineAmounts(net + discount, discount, net, n_incl)
            for position, i in enumerate(ac_indexes, start=len(indexes)):
                signed_ac[i] = excl[position]
            groups.append(_group(key, taxable, gross - taxable, exemption_reason))

    line_total = sum((a.net for a in line_amounts if a is not None), ZERO)
    allowance_total = -sum((v for v in signed_ac if v < 0), ZERO)
    charge_total = sum((v for v in signed_ac if v > 0), ZERO)
    subtotal = line_total - allowance_total + charge_total
    vat = sum((g.vat for g in groups), ZERO)
    amount = subtotal + vat
    payable = amount - prepaid
    rounding = ZERO
    if cash_increment is not None:
        rounding = round_to_increment(payable, cash_increment) - payable
        payable += rounding
    exponent = currency.exponent
    return Totals(
        currency=currency,
        lines=tuple(line_amounts),
        allowance_charges=tuple(abs(v) for v in signed_ac),
        vat_breakdown=tuple(groups),
        line_total=line_total.quantize(exponent),
        allowance_total=allowance_total.quantize(exponent),
        charge_total=charge_total.quantize(exponent),
        subtotal=subtotal.quantize(exponent),
        vat=vat.quantize(exponent),
        amount=amount.quantize(exponent),
        prepaid=prepaid.quantize(exponent),
        rounding=rounding.quantize(exponent),
        payable=payable.quantize(exponent),
    )


def _group_order(key: _GroupKey) -> tuple[int, Decimal]:
    return _CATEGORY_ORDER[key[0]], key[1]


def _group(key: _GroupKey, taxable: Decimal, vat: Decimal, reason: str | None) -> VatGroup:
    category, rate = key
    exemption = None
    if category is VatCategory.E:
        if not reason:
            raise ValidationError(
                "exempt (E) lines need an exemption reason",
                field="vatExemptionReason",
                rule="required",
            )
        exemption = VatExemption(reason)
    elif category.requires_exemption:
        exemption = category.default_exemption
    return VatGroup(category, rate, taxable, vat, exemption)


def _largest_remainder(exact: list[Decimal], target: Decimal, places: int) -> list[Decimal]:
    """Round ``exact`` to ``places`` so the results sum to ``target`` (largest remainder).

    Each value is floored, then the units still missing (or in excess) go to the values
    with the largest (or smallest) remainders; ties keep document order.
    """
    if not exact:
        return []
    unit = Decimal(1).scaleb(-places)
    floors = [floor_to(v, places) for v in exact]
    missing = int((target - sum(floors, ZERO)) / unit)
    whole, extra = divmod(missing, len(exact))
    order = sorted(range(len(exact)), key=lambda i: -(exact[i] - floors[i]))
    result = [f + whole * unit for f in floors]
    for i in order[:extra]:
        result[i] += unit
    return result
