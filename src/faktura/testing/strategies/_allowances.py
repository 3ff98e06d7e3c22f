"""Document-level allowances and charges: a fixed amount, a percent of its group's line
nets, or a percent of a given base."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from faktura.lines import AllowanceCharge
from faktura.money import Currency
from faktura.totals import payment_places

from ._draw import strategy_of
from ._numbers import CURRENCIES, PERCENTS, check_bounds, draw_units
from ._text import DESCRIPTION, HEADING
from ._vat import VatGroupKey, draw_group

_ALLOWANCE_CODES = ("95", "100")
_CHARGE_CODES = ("FC", "ABK")
_ALLOWANCE_CODE = st.none() | st.sampled_from(_ALLOWANCE_CODES)
_CHARGE_CODE = st.none() | st.sampled_from(_CHARGE_CODES)


def draw_allowance_charge(
    draw: st.DrawFn,
    currency: Currency | None,
    groups: Sequence[VatGroupKey] | None,
    max_amount: Decimal | int,
) -> AllowanceCharge:
    """``allowance_charges``, drawn (in any currency when ``currency`` is None)."""
    money = currency if currency is not None else draw(CURRENCIES)
    category, rate = draw_group(draw, groups)
    charge = draw(st.booleans())
    reason_code = draw(_CHARGE_CODE if charge else _ALLOWANCE_CODE)
    reason = draw(DESCRIPTION if reason_code is None else HEADING)
    shape = draw(st.integers(0, 2))  # a fixed amount, a percent, a percent of a base
    amount = percent = base = None
    if shape == 0:
        amount = draw_units(draw, 0, max_amount, payment_places(money))
    else:
        percent = draw(PERCENTS)
        if shape == 2:
            base = draw_units(draw, 0, max_amount, payment_places(money))
    return AllowanceCharge(
        charge=charge,
        reason=reason,
        vat_category=category,
        vat_rate=rate,
        amount=amount,
        percent=percent,
        base=base,
        reason_code=reason_code,
    )


def allowance_charges(
    currency: Currency | None = None,
    groups: Sequence[VatGroupKey] | None = None,
    *,
    max_amount: Decimal | int = 100,
) -> st.SearchStrategy[AllowanceCharge]:
    """One document-level allowance or charge in one of ``groups``: a fixed amount of
    ``currency`` (at most ``max_amount``), a percent of its group's line nets, or a
    percent of a given base."""
    check_bounds("allowance_charges", 0, max_amount)
    return strategy_of(
        draw_allowance_charge,
        currency,
        None if groups is None else tuple(groups),
        max_amount,
    )
