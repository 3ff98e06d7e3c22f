"""VAT: standard rates, and the (category, rate) groups that may stand together on one
document."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeAlias

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.vat import VatCategory

from ._draw import strategy_of
from ._numbers import decimals

#: One VAT breakdown group: a category and its rate.
VatGroupKey: TypeAlias = tuple[VatCategory, Decimal]

_ZERO_RATE = Decimal(0)
_STANDARD_RATES = tuple(
    Decimal(r)
    for r in ("25", "21", "20", "19", "17", "12", "10", "9", "8.1", "7", "6", "5.5", "2.5", "0.5")
)
_ZERO_RATED = (VatCategory.Z, VatCategory.E, VatCategory.AE, VatCategory.K, VatCategory.G)


def vat_rates() -> st.SearchStrategy[Decimal]:
    """Standard (S) rates: real-world ones, and any rate in (0, 100) with up to 4 decimals."""
    return st.one_of(
        st.sampled_from(_STANDARD_RATES), decimals(Decimal("0.0001"), Decimal("99.9999"), 4)
    )


_VAT_RATES = vat_rates()
_GROUP_CATEGORIES = st.sampled_from((VatCategory.S, VatCategory.S, *_ZERO_RATED))


def draw_vat_groups(draw: st.DrawFn, max_size: int) -> tuple[VatGroupKey, ...]:
    """Up to ``max_size`` groups (``vat_groups``), or outside scope (O) alone."""
    if draw(st.integers(0, 9)) == 0:
        return ((VatCategory.O, _ZERO_RATE),)
    groups: list[VatGroupKey] = []
    for _ in range(draw(st.integers(1, max_size))):
        category = draw(_GROUP_CATEGORIES)
        rate = draw(_VAT_RATES) if category is VatCategory.S else _ZERO_RATE
        if (category, rate) not in groups:
            groups.append((category, rate))
    return tuple(groups)


def vat_groups(*, max_size: int = 3) -> st.SearchStrategy[tuple[VatGroupKey, ...]]:
    """Distinct (category, rate) pairs that may stand together on one document.

    S pairs with a rate in (0, 100), every other category with 0; outside scope (O)
    always stands alone (EN 16931 BR-O-11..14).
    """
    if max_size < 1:
        raise InvalidArgument("vat_groups: max_size must be at least 1")
    return strategy_of(draw_vat_groups, max_size)


def draw_group(draw: st.DrawFn, groups: Sequence[VatGroupKey] | None) -> VatGroupKey:
    """One of ``groups``, or any legal group when None."""
    if groups is None:
        return draw_vat_groups(draw, 1)[0]
    if not groups:
        raise InvalidArgument("groups must not be empty")
    return groups[draw(st.integers(0, len(groups) - 1))]
