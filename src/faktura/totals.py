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

Every amount but the payable one has EN 16931's two decimals, whatever the currency
(``AmountRule.EN16931``): a line of 10.5 × 1 JPY is 10.50, as Peppol checks it (quantity ×
price within 0.02). The payable amount is rounded to the currency's minor units (at
most two), and the difference is the rounding amount (BT-114): an amount of 999.60 JPY
is payable as 1000 with a rounding of 0.40. With a cash increment the payable amount is
rounded to a multiple of the increment instead. For currencies with two minor units
both roundings of the payable amount change nothing.

Documents drafted before this rule keep the one they were computed with
(``AmountRule.MINOR_UNITS``: every amount rounded to the currency's minor units), so a
stored document's figures never change when it is read back.

A group is one (VAT category, rate) pair; VAT is never summed per line. With prices
including VAT the customer-facing gross of each group is kept exact: taxable =
round(gross × 100 / (100 + rate)), VAT = gross − taxable, and the excluding-VAT line nets
(and allowances/charges) are spread by largest remainder so they sum to the taxable.
Every rounding is half away from zero.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP as HALF_UP
from decimal import Decimal, getcontext, setcontext
from typing import NamedTuple

from faktura.errors import ValidationError
from faktura.lines import AllowanceCharge, Line, ProductLine
from faktura.money import ZERO, Currency, exact_context, floor_to, round_to_increment
from faktura.vat import VatCategory, VatExemption

__all__ = [
    "EN16931_PLACES",
    "AmountRule",
    "DocumentTotals",
    "LineAmounts",
    "Totals",
    "VatGroup",
    "amount_places",
    "compute_totals",
    "payment_places",
]

#: The decimals of every EN 16931 amount (BR-DEC rules: at most two).
EN16931_PLACES = 2


class AmountRule(enum.StrEnum):
    """How a document's amounts are rounded. Recorded on each document when it is
    drafted, so that a stored document is always read back with the figures it was
    computed (and issued) with."""

    #: Line amounts, allowances, charges, VAT and totals at two decimals (EN 16931), the
    #: payable amount at the currency's minor units (at most two), the difference in
    #: the rounding amount (BT-114). The rule of every new document.
    EN16931 = "en16931"
    #: Every amount rounded to the currency's minor units: whole yen, three decimals of
    #: a dinar. The rule of documents drafted before ``EN16931``; for currencies with two
    #: minor units the two rules give the same figures.
    MINOR_UNITS = "minor_units"


def amount_places(currency: Currency, rule: AmountRule = AmountRule.EN16931) -> int:
    """The decimals of a document's amounts (lines, allowances, charges, VAT, totals)
    under ``rule``: 2 for every currency under EN16931.

    >>> amount_places(Currency.of("JPY")), amount_places(Currency.of("JPY"), AmountRule.MINOR_UNITS)
    (2, 0)
    """
    return EN16931_PLACES if rule is AmountRule.EN16931 else currency.minor_units


def payment_places(currency: Currency, rule: AmountRule = AmountRule.EN16931) -> int:
    """The decimals of what is paid (the payable and prepaid amounts, a cash rounding
    increment) under ``rule``: the currency's minor units, at most 2 under EN16931.

    >>> [payment_places(Currency.of(c)) for c in ("JPY", "DKK", "KWD")]
    [0, 2, 2]
    """
    if rule is AmountRule.EN16931:
        return min(currency.minor_units, EN16931_PLACES)
    return currency.minor_units


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_CATEGORY_ORDER = {category: index for index, category in enumerate(VatCategory)}


class LineAmounts(NamedTuple):
    """The amounts of one product line, excluding VAT: gross − discount = net (BT-131).

    ``net_incl`` is the customer-facing line amount including VAT, set only when the
    document's prices include VAT.
    """

    gross: Decimal
    discount: Decimal
    net: Decimal
    net_incl: Decimal | None = None


class VatGroup(NamedTuple):
    """One row of the VAT breakdown (BG-23): a (category, rate) group and its amounts."""

    category: VatCategory
    rate: Decimal
    taxable: Decimal
    vat: Decimal
    exemption: VatExemption | None = None


# tuple.__new__ skips NamedTuple's Python-level __new__: a third of the cost per group.
_new_group: Callable[[tuple[VatCategory, Decimal, Decimal, Decimal, None]], VatGroup] = (
    functools.partial(tuple.__new__, VatGroup)
)

_RawLine = tuple[Decimal, Decimal, Decimal, Decimal | None]


class Totals(NamedTuple):
    """Everything an invoice's amounts come to, at the currency's precision.

    ``lines`` holds one entry per document line (None for text and separator lines);
    ``allowance_charges`` one amount excluding VAT per document allowance/charge.
    A NamedTuple rather than an attrs class: it is built on every read of an invoice,
    and a tuple is built in a fifth of the time.
    """

    currency: Currency
    raw_lines: tuple[_RawLine | None, ...]
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

    @property
    def lines(self) -> tuple[LineAmounts | None, ...]:
        """Per document line its amounts; None for text and separator lines."""
        return tuple(None if raw is None else LineAmounts(*raw) for raw in self.raw_lines)

    def document(self) -> DocumentTotals:
        """The document-level amounts: everything but the per-line amounts."""
        return _new_document_totals(self[:1] + self[2:])


class DocumentTotals(NamedTuple):
    """An invoice's totals without the per-line amounts (``Totals`` less ``raw_lines``):
    what lists, booking and the issuability rules read, and what stores keep with a
    document's header, so that none of them reads or adds up its lines."""

    currency: Currency
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


_new_totals: Callable[[tuple[object, ...]], Totals] = functools.partial(tuple.__new__, Totals)
_new_document_totals: Callable[[tuple[object, ...]], DocumentTotals] = functools.partial(
    tuple.__new__, DocumentTotals
)

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
    rule: AmountRule = AmountRule.EN16931,
) -> Totals:
    """The totals of a document (see the module docstring for the arithmetic).

    ``cash_increment`` (e.g. Decimal("0.50") for DKK cash) rounds the payable amount; the
    difference is ``rounding`` (BT-114). ``exemption_reason`` is the text for exempt (E)
    groups; the other exempt categories use their standard text. ``rule`` is the
    document's ``AmountRule`` (EN16931 for every new document).

    Raises ValidationError when an exempt (E) group has no ``exemption_reason``.
    """
    caller = getcontext()
    setcontext(exact_context())
    try:
        return _compute(
            lines,
            allowance_charges,
            currency,
            prices_include_vat,
            prepaid,
            cash_increment,
            exemption_reason,
            rule,
        )
    finally:
        setcontext(caller)


# The body below is the hot path of every invoice read: it quantizes with positional
# arguments (keywords cost more than the rounding itself), keeps running sums, and builds
# per-line result objects only when someone asks for them (Totals.lines).
def _compute(
    lines: Sequence[Line],
    allowance_charges: Sequence[AllowanceCharge],
    currency: Currency,
    prices_include_vat: bool,
    prepaid: Decimal,
    cash_increment: Decimal | None,
    exemption_reason: str | None,
    rule: AmountRule,
) -> Totals:
    # The amounts' exponent, and the payable amount's when it differs (JPY: 1; DKK, KWD
    # and every document under MINOR_UNITS: None, the payable needs no rounding of its own).
    pay_exp: Decimal | None = None
    if rule is AmountRule.EN16931:
        exp = _CENT
        if currency.minor_units < EN16931_PLACES:
            pay_exp = currency.exponent
    elif rule is AmountRule.MINOR_UNITS:
        exp = currency.exponent
    else:
        raise ValidationError("must be an amount rule", field="amount_rule", rule="type")
    zero = ZERO.quantize(exp)
    # Per-line gross/discount/net in the document's price mode, grouped by VAT.
    raw: list[_RawLine | None] = []
    group_nets: dict[_GroupKey, Decimal] = {}
    for line in lines:
        if line.__class__ is not ProductLine:
            raw.append(None)
            continue
        gross = (line.quantity * line.unit_price).quantize(exp, HALF_UP)
        pct = line.discount_percent
        if pct:
            discount = (gross * pct / _HUNDRED).quantize(exp, HALF_UP)
            net = gross - discount
        else:
            discount = zero
            net = gross
        raw.append((gross, discount, net, None))
        key = (line.vat_category, line.vat_rate)
        group_nets[key] = group_nets[key] + net if key in group_nets else net

    # Document allowances and charges, signed (allowances negative), per group.
    signed_ac: list[Decimal] = []
    group_ac: dict[_GroupKey, list[int]] = {}
    for index, item in enumerate(allowance_charges):
        key = (item.vat_category, item.vat_rate)
        if item.amount is not None:
            value = item.amount.quantize(exp, HALF_UP)
        else:
            assert item.percent is not None  # one of the two, checked by AllowanceCharge
            base = item.base if item.base is not None else group_nets.get(key, zero)
            value = (base * item.percent / _HUNDRED).quantize(exp, HALF_UP)
        signed_ac.append(value if item.charge else -value)
        group_ac.setdefault(key, []).append(index)
        group_nets.setdefault(key, zero)

    line_total = zero
    for net in group_nets.values():
        line_total += net
    keys = list(group_nets)
    if len(keys) > 1:
        keys.sort(key=_group_order)
    groups: list[VatGroup] = []
    vat = zero
    if not prices_include_vat:
        for key in keys:
            taxable = group_nets[key]
            for i in group_ac.get(key, ()):
                taxable += signed_ac[i]
            rate = key[1]
            group_vat = (taxable * rate / _HUNDRED).quantize(exp, HALF_UP) if rate else zero
            vat += group_vat
            groups.append(_group(key, taxable, group_vat, exemption_reason))
    else:
        line_total = _including_vat(
            raw, lines, signed_ac, group_ac, keys, exp, groups, exemption_reason
        )
        for group in groups:
            vat += group.vat

    # Allowances and charges are told apart by their kind, not by the sign of their
    # amount: a percent allowance of a negative base is still an allowance (BR-CO-11/12).
    allowance_total = charge_total = zero
    amounts: list[Decimal] = []
    for item, value in zip(allowance_charges, signed_ac, strict=True):
        if item.charge:
            charge_total += value
            amounts.append(value)
        else:
            allowance_total -= value
            amounts.append(-value)
    subtotal = line_total - allowance_total + charge_total
    amount = subtotal + vat
    prepaid = prepaid.quantize(exp)
    payable = amount - prepaid
    rounding = zero
    if cash_increment is not None:
        rounding = round_to_increment(payable, cash_increment) - payable
        payable += rounding
        if pay_exp is not None:
            payable = payable.quantize(pay_exp)  # a multiple of the increment: exact
    elif pay_exp is not None:
        rounded = payable.quantize(pay_exp, HALF_UP)
        rounding = rounded - payable
        payable = rounded
    return _new_totals(
        (
            currency,
            tuple(raw),
            tuple(amounts),
            tuple(groups),
            line_total,
            allowance_total,
            charge_total,
            subtotal,
            vat,
            amount,
            prepaid,
            rounding,
            payable,
        )
    )


def _including_vat(
    raw: list[_RawLine | None],
    lines: Sequence[Line],
    signed_ac: list[Decimal],
    group_ac: dict[_GroupKey, list[int]],
    keys: list[_GroupKey],
    exp: Decimal,
    groups: list[VatGroup],
    exemption_reason: str | None,
) -> Decimal:
    """Prices include VAT: keep each group's gross exact, split it into taxable and VAT,
    and spread the taxable over the group's lines and allowances/charges (largest
    remainder). Rewrites ``raw`` and ``signed_ac`` to amounts excluding VAT, appends the
    groups, and returns Σ line nets excluding VAT."""
    members: dict[_GroupKey, list[int]] = {}
    for index, line in enumerate(lines):
        if isinstance(line, ProductLine):
            members.setdefault((line.vat_category, line.vat_rate), []).append(index)
    places = -int(exp.as_tuple().exponent)
    line_total = ZERO.quantize(exp)
    for key in keys:
        rate = key[1]
        indexes = members.get(key, [])
        ac_indexes = group_ac.get(key, [])
        incl = [raw[i][2] for i in indexes]  # type: ignore[index]
        incl += [signed_ac[i] for i in ac_indexes]
        gross = sum(incl, ZERO.quantize(exp))
        divisor = _HUNDRED + rate
        taxable = (gross * _HUNDRED / divisor).quantize(exp, HALF_UP)
        excl = _largest_remainder([v * _HUNDRED / divisor for v in incl], taxable, places)
        for position, i in enumerate(indexes):
            _, d_incl, n_incl, _ = raw[i]  # type: ignore[misc]
            net = excl[position]
            discount = (d_incl * _HUNDRED / divisor).quantize(exp, HALF_UP)
            raw[i] = (net + discount, discount, net, n_incl)
            line_total += net
        for position, i in enumerate(ac_indexes, start=len(indexes)):
            signed_ac[i] = excl[position]
        groups.append(_group(key, taxable, gross - taxable, exemption_reason))
    return line_total


def _group_order(key: _GroupKey) -> tuple[int, Decimal]:
    return _CATEGORY_ORDER[key[0]], key[1]


def _group(key: _GroupKey, taxable: Decimal, vat: Decimal, reason: str | None) -> VatGroup:
    category, rate = key
    exemption = None
    if category is VatCategory.S:
        return _new_group((category, rate, taxable, vat, None))
    if category is VatCategory.E:
        if not reason:
            raise ValidationError(
                "exempt (E) lines need an exemption reason",
                field="vat_exemption_reason",
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
